import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { k8s } from 'cdk8s-plus-30';
import { Component, Namespace, Platform, distFiles, renderTestCluster, testChart } from '@platform/core';
import { checkContract } from './contract';
import { loadDist } from './load';
import {
  componentJson,
  distCluster,
  distComponent,
  distObject,
  makeContext,
  removeTempRoots,
  tempRoot,
  writeContext,
  writeFile,
} from './test-helpers';
import type { DistComponent, ValidateContext } from './types';

afterEach(removeTempRoots);

// ---------------------------------------------------------------------------------------------
// A cluster that satisfies the contract; each test changes one thing.

type Obj = Record<string, any>;

const REPO = 'https://github.com/example/platform.git';

function applicationSet(path = 'dist/dev/*/component.json', name = 'dev'): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name, namespace: 'argocd' },
    spec: { goTemplate: true, generators: [{ git: { repoURL: REPO, revision: 'main', files: [{ path }] } }], template: {} },
  };
}

function appProject(): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'infrastructure', namespace: 'argocd' },
    spec: {
      sourceRepos: [REPO, 'https://charts.jetstack.io'],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'cert-manager' }],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    },
  };
}

interface Spec {
  jsons: Record<string, Record<string, any>>;
  objects: Record<string, Obj[]>;
}

function baseline(): Spec {
  return {
    jsons: {
      namespaces: componentJson('dev', 'namespaces', { namespace: 'default' }),
      argocd: componentJson('dev', 'argocd', { wave: 1, dependsOn: ['namespaces'] }),
      'cert-manager': componentJson('dev', 'cert-manager', {
        wave: 2,
        dependsOn: ['namespaces', 'argocd'],
        chart: {
          repoURL: 'https://charts.jetstack.io',
          chart: 'cert-manager',
          version: 'v1.21.1',
          digest: '86b67034727f7903f0e2d453f7d5360d2655ed8c9bbc4e84f54c29875638257d',
          releaseName: 'cert-manager',
          valuesFile: 'dist/dev/cert-manager/values.yaml',
        },
      }),
      keycloak: componentJson('dev', 'keycloak', {
        project: 'iam',
        wave: 3,
        dependsOn: ['cert-manager'],
        manifests: undefined,
        git: { repoURL: 'https://github.com/keycloak/keycloak-k8s-resources', path: 'kubernetes', revision: '26.0.0' },
      }),
    },
    objects: {
      namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'keycloak' } }],
      argocd: [applicationSet(), appProject()],
      'cert-manager': [],
      keycloak: [],
    },
  };
}

/** Builds the context in memory, writes it to a temporary root, then lets `after` change files. */
function run(mutate: (s: Spec) => void = () => {}, after: (ctx: ValidateContext) => void = () => {}) {
  const spec = baseline();
  mutate(spec);
  const components: DistComponent[] = Object.keys(spec.jsons).map((name) =>
    distComponent('dev', name, spec.objects[name] ?? [], {
      json: spec.jsons[name],
      values: spec.jsons[name].chart ? { installCRDs: true } : undefined,
    }),
  );
  const ctx = writeContext(makeContext([distCluster('dev', components)]));
  after(ctx);
  return checkContract(ctx);
}
const rules = (findings: ReturnType<typeof checkContract>) => findings.map((f) => f.rule);

describe('checkContract baseline', () => {
  it('reports nothing for a complete cluster', () => {
    expect(run()).toEqual([]);
  });
});

describe('component.json schema (zod, strict)', () => {
  it('an unknown field is an error naming the field and the allowed ones', () => {
    const findings = run((s) => (s.jsons.keycloak.helm = {}));
    expect(rules(findings)).toEqual(['unknown-field']);
    expect(findings[0]).toMatchObject({
      check: 'contract',
      severity: 'error',
      cluster: 'dev',
      file: 'dist/dev/keycloak/component.json',
      path: 'helm',
    });
    expect(findings[0].message).toContain('allowed: name, cluster, namespace');
  });

  it('an unknown field inside chart', () => {
    const findings = run((s) => (s.jsons['cert-manager'].chart.valueFiles = ['x']));
    expect(findings.map((f) => [f.rule, f.path])).toEqual([['unknown-field', 'chart.valueFiles']]);
  });

  it('wrong types and values name the field and the value', () => {
    const findings = run((s) => {
      s.jsons.keycloak.project = 'platform';
      s.jsons.keycloak.wave = 1.5;
    });
    expect(findings.map((f) => [f.rule, f.path])).toEqual([
      ['invalid-field', 'project'],
      ['invalid-field', 'wave'],
    ]);
    // The messages of @platform/core's ComponentJsonSchema, as validate printed them before it was shared.
    expect(findings.map((f) => f.message)).toEqual([
      'component.json: project: Invalid option: expected one of "bootstrap"|"infrastructure"|"iam"|"observability"|"apps" (got "platform")',
      'component.json: wave: Invalid input: expected int, received number (got 1.5)',
    ]);
    expect(findings[0].hint).toBe('See docs/dist-contract.md for the fields of component.json.');
  });

  it('a list item names its index and the value', () => {
    const findings = run((s) => (s.jsons.keycloak.dependsOn = ['']));
    expect(findings.map((f) => [f.rule, f.path, f.message])).toEqual([
      ['invalid-field', 'dependsOn[0]', 'component.json: dependsOn[0]: must not be empty (got "")'],
    ]);
  });

  it('a missing required field', () => {
    expect(run((s) => delete s.jsons.keycloak.syncOptions).map((f) => [f.rule, f.path])).toEqual([['invalid-field', 'syncOptions']]);
  });

  it('a missing or unparsable component.json', () => {
    const dropJson = (ctx: ValidateContext) => {
      rmSync(join(ctx.root, 'dist/dev/keycloak/component.json'));
      (ctx.clusters[0].components.find((c) => c.name === 'keycloak') as { componentJson?: unknown }).componentJson = undefined; // as load.ts leaves it
    };
    expect(run(() => {}, dropJson).map((f) => [f.rule, f.file])).toEqual([['missing-component-json', 'dist/dev/keycloak/component.json']]);
    expect(
      rules(
        run(
          () => {},
          (ctx) => writeFile(ctx.root, 'dist/dev/other/component.json', '{ not json'),
        ),
      ),
    ).toEqual(['invalid-component-json']);
  });
});

describe("synth's own component.json (the writer of @platform/core) against the shared schema", () => {
  class Web extends Component {
    constructor(scope: Platform, id: string, chart = false) {
      super(scope, id, { namespace: Namespace.restricted(id), project: 'apps', ...(chart && { chart: testChart() }) });
      new k8s.KubeConfigMap(this, 'settings', { metadata: { name: 'settings:v1', namespace: id } });
    }
  }
  /** dist/ as synth writes it for a small cluster, read back as validate reads it. */
  const written = (edit: (root: string) => void = () => {}) => {
    const root = tempRoot();
    const cluster = renderTestCluster((p) => {
      new Web(p, 'web');
      new Web(p, 'db', true);
    });
    for (const [file, text] of distFiles([cluster])) writeFile(root, `dist/${file}`, text);
    edit(root);
    // The test cluster has no argocd component: leave its ApplicationSet finding out.
    const findings = checkContract(loadDist(root, 'dist', { cacheFile: join(root, 'yaml-cache.json') }));
    return findings.filter((f) => f.rule !== 'missing-applicationset');
  };

  it('passes: shape, paths, waves and file names are the ones validate checks', () => {
    expect(written()).toEqual([]);
  });

  it('hand-edited: the field, the message and the value, as before the schema was shared', () => {
    const findings = written((root) => {
      const file = join(root, 'dist/test/web/component.json');
      writeFile(root, 'dist/test/web/component.json', readFileSync(file, 'utf8').replace('"project": "apps"', '"project": "platform"'));
    });
    expect(findings.map((f) => [f.rule, f.file, f.path, f.message])).toEqual([
      [
        'invalid-field',
        'dist/test/web/component.json',
        'project',
        'component.json: project: Invalid option: expected one of "bootstrap"|"infrastructure"|"iam"|"observability"|"apps" (got "platform")',
      ],
    ]);
  });
});

describe('component directory', () => {
  it('name and cluster must equal the directory names', () => {
    const findings = run((s) => {
      s.jsons.keycloak.name = 'keycloak-operator';
      s.jsons.keycloak.cluster = 'prod';
    });
    expect(rules(findings)).toEqual(['name-mismatch', 'cluster-mismatch']);
    expect(findings[0].message).toBe('component.json: name "keycloak-operator" must equal its directory name "keycloak"');
  });

  it('a chart component without values.yaml', () => {
    const findings = run(
      () => {},
      (ctx) => rmSync(join(ctx.root, 'dist/dev/cert-manager/values.yaml')),
    );
    expect(rules(findings)).toEqual(['missing-path', 'missing-values']);
  });

  it('a referenced path that does not exist, or is not the component’s own', () => {
    const gone = run(
      () => {},
      (ctx) => rmSync(join(ctx.root, 'dist/dev/namespaces/manifests'), { recursive: true }),
    );
    expect(gone.map((f) => [f.rule, f.path])).toEqual([['missing-path', 'manifests']]);
    expect(gone[0].message).toBe('component.json: manifests "dist/dev/namespaces/manifests" does not exist (expected a directory)');
    const unreferenced = run((s) => delete s.jsons.namespaces.manifests);
    expect(unreferenced.map((f) => [f.rule, f.path])).toEqual([
      ['empty-component', 'manifests'],
      ['missing-path', 'manifests'],
    ]);
    const findings = run((s) => (s.jsons['cert-manager'].chart.valuesFile = 'dist/dev/cert-manager/component.json'));
    expect(findings.map((f) => [f.rule, f.path])).toEqual([['path-mismatch', 'chart.valuesFile']]);
    expect(rules(run((s) => (s.jsons['cert-manager'].chart.valuesFile = '../values.yaml')))).toEqual(['invalid-path']);
  });

  it('a component that deploys nothing', () => {
    expect(rules(run((s) => delete s.jsons.keycloak.git))).toEqual(['empty-component']);
  });

  it('a chart is provenance, not a source: a chart component without manifests deploys nothing', () => {
    const findings = run(
      (s) => delete s.jsons['cert-manager'].manifests,
      (ctx) => rmSync(join(ctx.root, 'dist/dev/cert-manager/manifests'), { recursive: true, force: true }),
    );
    expect(findings.map((f) => [f.rule, f.path])).toEqual([['empty-component', 'manifests']]);
    expect(findings[0].message).toContain('its chart is provenance only');
  });

  it('the chart digest is the sha256 of the chart tree', () => {
    const findings = run((s) => (s.jsons['cert-manager'].chart.digest = 'sha256:abc'));
    expect(findings.map((f) => [f.rule, f.path, f.message])).toEqual([
      [
        'invalid-field',
        'chart.digest',
        'component.json: chart.digest: must be the sha256 of the chart tree (64 lower-case hex digits) (got "sha256:abc")',
      ],
    ]);
  });

  it('unexpected files are warnings', () => {
    const findings = run(
      () => {},
      (ctx) => writeFile(ctx.root, 'dist/dev/keycloak/notes.txt', 'x'),
    );
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([['unexpected-file', 'warning']]);
  });

  it('config/ (files for tools other than Argo CD, Component.addConfigFile) is part of the contract', () => {
    const findings = run(
      () => {},
      (ctx) => writeFile(ctx.root, 'dist/dev/keycloak/config/policies/keycloak.hcl', 'path "secret/data/keycloak/db" {}\n'),
    );
    expect(findings).toEqual([]);
  });
});

describe('pinned upstream sources', () => {
  for (const version of ['^1.21.0', '~1.21', '1.x', '*', 'latest', '>=1.0.0', '1.21', 'v1.21.1 || v1.22.0']) {
    it(`chart.version ${JSON.stringify(version)} is not pinned`, () => {
      const findings = run((s) => (s.jsons['cert-manager'].chart.version = version));
      expect(findings.map((f) => [f.rule, f.path])).toEqual([['unpinned-chart-version', 'chart.version']]);
      expect(findings[0].message).toContain(JSON.stringify(version));
    });
  }

  it('an empty chart.version is invalid', () => {
    expect(rules(run((s) => (s.jsons['cert-manager'].chart.version = '')))).toEqual(['invalid-field']);
  });

  it('exact versions pass', () => {
    for (const version of ['1.21.1', 'v1.21.1', '1.0.0-rc.1', '2.3.4+build.5']) {
      expect(run((s) => (s.jsons['cert-manager'].chart.version = version))).toEqual([]);
    }
  });

  for (const revision of ['HEAD', 'main', 'master', 'develop', 'release-1.2.3', 'refs/heads/v1.2.3', 'abc123']) {
    it(`git.revision ${JSON.stringify(revision)} is not pinned`, () => {
      expect(run((s) => (s.jsons.keycloak.git.revision = revision)).map((f) => [f.rule, f.path])).toEqual([
        ['unpinned-git-revision', 'git.revision'],
      ]);
    });
  }

  it('tags and full commits pass', () => {
    for (const revision of ['26.0.0', 'v26.0.0', 'keycloak-26.0.0', 'a'.repeat(40)]) {
      expect(run((s) => (s.jsons.keycloak.git.revision = revision))).toEqual([]);
    }
  });
});

describe('dependencies and waves (deriveWaves of @platform/core, as synth derives them)', () => {
  it('a wave not greater than a dependency’s wave', () => {
    const findings = run((s) => (s.jsons.keycloak.wave = 2));
    expect(findings.map((f) => [f.rule, f.path, f.file])).toEqual([['wave-order', 'wave', 'dist/dev/keycloak/component.json']]);
    expect(findings[0].message).toBe(
      'component.json: wave: got 2, but it depends on "cert-manager" (wave 2): its wave must be greater than 2',
    );
  });

  it('a wave greater than synth would make it passes (a declared minimum)', () => {
    expect(run((s) => (s.jsons.keycloak.wave = 7))).toEqual([]);
  });

  it('a dependency that is not a component of the cluster', () => {
    const findings = run((s) => s.jsons.keycloak.dependsOn.push('vault'));
    expect(findings.map((f) => [f.rule, f.path])).toEqual([['unknown-dependency', 'dependsOn[1]']]);
  });

  it('a dependency cycle is reported with its path, on the component it comes back to', () => {
    const findings = run((s) => (s.jsons.namespaces.dependsOn = ['keycloak']));
    const cycles = findings.filter((f) => f.rule === 'dependency-cycle');
    // Every component waits for namespaces (as in synth): argocd's path to it closes a second cycle.
    expect(cycles.map((f) => [f.file, f.path, f.message])).toEqual([
      [
        'dist/dev/namespaces/component.json',
        'dependsOn',
        'component.json: dependsOn: dependency cycle namespaces → keycloak → cert-manager → namespaces: waves need an order, remove one of these dependencies',
      ],
      [
        'dist/dev/argocd/component.json',
        'dependsOn',
        'component.json: dependsOn: dependency cycle argocd → namespaces → keycloak → cert-manager → argocd: waves need an order, remove one of these dependencies',
      ],
    ]);
    expect(rules(findings)).toContain('wave-order'); // namespaces (0) cannot be after keycloak (3)
  });

  it('a component depending on itself', () => {
    expect(rules(run((s) => s.jsons.keycloak.dependsOn.push('keycloak')))).toEqual(['dependency-cycle']);
  });
});

describe('manifests folder', () => {
  const withFile = (file: string, object: Obj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'keycloak' } }) =>
    run(
      (s) => (s.objects.namespaces = []),
      (ctx) => {
        const component = ctx.clusters[0].components.find((c) => c.name === 'namespaces') as { objects: unknown[] };
        component.objects = [distObject('dev', 'namespaces', object, `dist/dev/namespaces/manifests/${file}`)];
        writeFile(ctx.root, `dist/dev/namespaces/manifests/${file}`, 'kind: x\n');
      },
    );

  it('a file not named after its object', () => {
    const findings = withFile('namespace-identity.yaml');
    expect(findings.map((f) => [f.rule, f.object])).toEqual([['manifest-name-mismatch', 'Namespace/keycloak']]);
    expect(findings[0].message).toContain('expected file name "namespace-keycloak.yaml"');
  });

  it('upper-case names and other extensions', () => {
    expect(rules(withFile('Namespace-keycloak.yaml'))).toEqual(['manifest-file-name', 'manifest-name-mismatch']);
    expect(rules(withFile('namespace-keycloak.yml'))).toEqual(['manifest-file-name', 'manifest-name-mismatch']);
  });

  it('the name of manifestFileNames (@platform/core): <kind>-<name>.yaml for an object alone; the namespace form is no longer accepted for it', () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: 'keycloak' } };
    expect(withFile('role-reader.yaml', role)).toEqual([]);
    const findings = withFile('role-keycloak-reader.yaml', role);
    expect(findings.map((f) => [f.rule, f.object])).toEqual([['manifest-name-mismatch', 'Role/keycloak/reader']]);
    expect(findings[0].message).toBe(
      'dist/dev/namespaces/manifests/role-keycloak-reader.yaml holds Role/keycloak/reader; expected file name "role-reader.yaml"',
    );
  });

  it('<kind>-<namespace>-<name>.yaml when the same kind and name occur in several namespaces of the component', () => {
    const role = (namespace: string) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'reader', namespace },
    });
    const twoRoles = (files: [string, string]) =>
      run(
        (s) => (s.objects.namespaces = []),
        (ctx) => {
          const component = ctx.clusters[0].components.find((c) => c.name === 'namespaces') as { objects: unknown[] };
          component.objects = (['keycloak', 'vault'] as const).map((ns, i) => {
            writeFile(ctx.root, `dist/dev/namespaces/manifests/${files[i]}`, 'kind: Role\n');
            return distObject('dev', 'namespaces', role(ns), `dist/dev/namespaces/manifests/${files[i]}`);
          });
        },
      );
    expect(twoRoles(['role-keycloak-reader.yaml', 'role-vault-reader.yaml'])).toEqual([]);
    expect(twoRoles(['role-reader.yaml', 'role-vault-reader.yaml']).map((f) => [f.rule, f.object, f.message])).toEqual([
      [
        'manifest-name-mismatch',
        'Role/keycloak/reader',
        'dist/dev/namespaces/manifests/role-reader.yaml holds Role/keycloak/reader; expected file name "role-keycloak-reader.yaml"',
      ],
    ]);
  });

  it('characters other than letters, digits, "." and "-" become "-" (chart RBAC names with ":")', () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'cert-manager-webhook:subjectaccessreviews' },
    };
    expect(withFile('clusterrole-cert-manager-webhook-subjectaccessreviews.yaml', role)).toEqual([]);
    expect(withFile('clusterrole-cert-manager-webhook:subjectaccessreviews.yaml', role).map((f) => f.rule)).toEqual([
      'manifest-file-name',
      'manifest-name-mismatch',
    ]);
  });

  it('a subdirectory', () => {
    expect(
      rules(
        run(
          () => {},
          (ctx) => mkdirSync(join(ctx.root, 'dist/dev/namespaces/manifests/crds')),
        ),
      ),
    ).toEqual(['manifest-file-name']);
  });

  it('more than one object in a file', () => {
    const findings = run(
      () => {},
      (ctx) => {
        const component = ctx.clusters[0].components.find((c) => c.name === 'namespaces') as { objects: unknown[] };
        const [first] = component.objects as { file: string }[];
        component.objects = [{ ...first, documentIndex: 0, documentCount: 2 }];
      },
    );
    expect(rules(findings)).toEqual(['one-object-per-file']);
  });
});

describe('Argo CD', () => {
  it('every component but argocd is generated by an ApplicationSet over its component.json (or all of the cluster’s)', () => {
    const findings = run((s) => (s.objects.argocd = [applicationSet('dist/prod/*/component.json'), appProject()]));
    expect(findings.map((f) => [f.rule, f.file])).toEqual([
      ['missing-applicationset', 'dist/dev/argocd/manifests'],
      ['missing-applicationset', 'dist/dev/argocd/manifests'],
      ['missing-applicationset', 'dist/dev/argocd/manifests'],
    ]);
    expect(findings[0].message).toBe(
      'no ApplicationSet in dist/dev/argocd/manifests generates component cert-manager: none has a git files generator with path "dist/dev/cert-manager/component.json" (found: "dist/prod/*/component.json")',
    );
    const perComponent = ['cert-manager', 'keycloak', 'namespaces'].map((c) => applicationSet(`dist/dev/${c}/component.json`, c));
    expect(run((s) => (s.objects.argocd = [...perComponent, appProject()]))).toEqual([]);
    expect(rules(run((s) => (s.objects.argocd = [...perComponent.slice(1), appProject()])))).toEqual(['missing-applicationset']);
  });

  it('a git files generator nested in a matrix generator counts', () => {
    const nested = applicationSet();
    nested.spec.generators = [{ matrix: { generators: [{ clusters: {} }, nested.spec.generators[0]] } }];
    expect(run((s) => (s.objects.argocd = [nested, appProject()]))).toEqual([]);
  });

  it('a cluster without an argocd component', () => {
    const findings = run((s) => {
      delete s.jsons.argocd;
      s.jsons['cert-manager'].dependsOn = ['namespaces'];
    });
    expect(rules(findings)).toEqual(['missing-applicationset']);
  });

  it('AppProjects with * in sourceRepos, destinations or clusterResourceWhitelist', () => {
    const project = appProject();
    project.spec.sourceRepos.push('*');
    project.spec.destinations.push({ server: 'https://kubernetes.default.svc', namespace: '*' });
    project.spec.clusterResourceWhitelist = [{ group: '*', kind: '*' }];
    const findings = run((s) => (s.objects.argocd = [applicationSet(), project]));
    expect(findings.map((f) => [f.rule, f.path])).toEqual([
      ['appproject-wildcard', 'spec.sourceRepos[2]'],
      ['appproject-wildcard', 'spec.destinations[1].namespace'],
      ['appproject-wildcard', 'spec.clusterResourceWhitelist[0].group'],
      ['appproject-wildcard', 'spec.clusterResourceWhitelist[0].kind'],
    ]);
    expect(findings[0]).toMatchObject({
      object: 'AppProject/argocd/infrastructure',
      file: 'dist/dev/argocd/manifests/appproject-infrastructure.yaml',
    });
    expect(findings[0].message).toBe('AppProject/argocd/infrastructure: spec.sourceRepos[2] is "*"; AppProjects list exact values, no "*"');
  });
});
