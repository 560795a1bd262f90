import { afterEach, describe, expect, it } from 'vitest';
import {
  applicationSet,
  certificate,
  crdLocation,
  deployment,
  edit,
  makeDist,
  namespaceObject,
  service,
  TEST_CACHE_DIR,
  type Fixture,
  type FixtureComponent,
} from './__fixtures__/dist';
import { checkSchemas } from './k8s-schemas';
import { loadDist } from './load';
import type { Finding } from './types';

const fixtures: Fixture[] = [];
afterEach(() => fixtures.splice(0).forEach((f) => f.cleanup()));

async function validate(manifests: Record<string, unknown>, more: FixtureComponent[] = []): Promise<Finding[]> {
  const fixture = makeDist({ dev: [{ name: 'app', manifests }, ...more] });
  fixtures.push(fixture);
  return checkSchemas(loadDist(fixture.root, 'dist'), { crdLocation: crdLocation(), cacheDir: TEST_CACHE_DIR });
}

const errors = (findings: Finding[]) => findings.filter((f) => f.severity === 'error');

describe('core objects (Kubernetes 1.30 and 1.33 schemas)', () => {
  it('accepts valid objects', async () => {
    const findings = await validate({
      'deployment-web.yaml': deployment(),
      'service-web.yaml': service(),
      'namespace-apps.yaml': namespaceObject(),
    });
    expect(findings).toEqual([]);
  });

  it('rejects a typo in a field name, with the path, the allowed fields and a suggestion', async () => {
    const broken = edit(deployment(), (d) => {
      d.spec.replica = d.spec.replicas;
      delete d.spec.replicas;
    });
    const [finding, ...rest] = errors(await validate({ 'deployment-web.yaml': broken }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      check: 'schema',
      rule: 'unknown-field',
      cluster: 'dev',
      file: 'dist/dev/app/manifests/deployment-web.yaml',
      object: 'Deployment/apps/web',
      path: 'spec.replica',
      hint: 'did you mean "replicas"?',
    });
    expect(finding.message).toContain(
      'unknown field "replica" in spec; allowed fields: minReadySeconds, paused, progressDeadlineSeconds, replicas',
    );
    expect(finding.message).toContain('(Kubernetes 1.30 and 1.33 schema of Deployment apps/v1)');
  });

  it('rejects a typo deep in the pod template (containerz)', async () => {
    const broken = edit(deployment(), (d) => {
      d.spec.template.spec.containerz = d.spec.template.spec.containers;
    });
    const found = errors(await validate({ 'deployment-web.yaml': broken }));
    expect(found.map((f) => [f.rule, f.path, f.hint])).toEqual([
      ['unknown-field', 'spec.template.spec.containerz', 'did you mean "containers"?'],
    ]);
  });

  it('rejects wrong types, naming the value', async () => {
    const broken = edit(deployment(), (d) => {
      d.spec.replicas = 'two';
      d.spec.template.spec.containers[0].ports[0].containerPort = true;
      d.spec.template.spec.containers[0].resources.limits.memory = 'lots';
    });
    const found = errors(await validate({ 'deployment-web.yaml': broken }));
    expect(found.map((f) => [f.rule, f.path])).toEqual([
      ['wrong-type', 'spec.replicas'],
      ['wrong-type', 'spec.template.spec.containers[0].ports[0].containerPort'],
      ['invalid-value', 'spec.template.spec.containers[0].resources.limits.memory'],
    ]);
    expect(found[0].message).toContain('expected number, got string "two"');
    expect(found[2].message).toContain('"lots" is not a valid quantity');
  });

  it('rejects values outside the enums of common fields', async () => {
    const broken = edit(deployment(), (d) => {
      d.spec.template.spec.securityContext.seccompProfile.type = 'RuntimeDefualt';
      d.spec.template.spec.containers[0].ports[0].protocol = 'TCPP';
    });
    const found = errors(await validate({ 'deployment-web.yaml': broken }));
    expect(found.map((f) => [f.rule, f.path])).toEqual([
      ['invalid-value', 'spec.template.spec.containers[0].ports[0].protocol'],
      ['invalid-value', 'spec.template.spec.securityContext.seccompProfile.type'],
    ]);
    expect(found[1].message).toContain('"RuntimeDefualt" is not allowed; allowed values: "Localhost", "RuntimeDefault", "Unconfined"');
  });

  it('accepts int-or-string and quantity in both forms, and rejects other types there', async () => {
    const ok = edit(deployment(), (d) => {
      d.spec.strategy.rollingUpdate = { maxSurge: 1, maxUnavailable: '10%' };
      d.spec.template.spec.containers[0].resources.requests = { cpu: 0.5, memory: '1Gi' };
    });
    expect(await validate({ 'deployment-web.yaml': ok })).toEqual([]);
    const broken = edit(deployment(), (d) => {
      d.spec.strategy.rollingUpdate.maxSurge = true;
    });
    expect(errors(await validate({ 'deployment-web.yaml': broken })).map((f) => [f.rule, f.path, f.message.split(' (')[0]])).toEqual([
      ['wrong-type', 'spec.strategy.rollingUpdate.maxSurge', 'expected an integer or a string, got boolean true'],
    ]);
  });

  it('rejects missing required fields and duplicate container names', async () => {
    const broken = edit(deployment(), (d) => {
      delete d.spec.selector;
      d.spec.template.spec.containers.push({ ...d.spec.template.spec.containers[0] });
    });
    const found = errors(await validate({ 'deployment-web.yaml': broken }));
    expect(found.map((f) => [f.rule, f.path])).toEqual([
      ['missing-field', 'spec.selector'],
      ['duplicate-item', 'spec.template.spec.containers'],
    ]);
  });
});

describe('kinds, versions and identity', () => {
  it('rejects an unknown kind in a built-in group, suggesting the right one', async () => {
    const found = errors(await validate({ 'deployment-web.yaml': { ...deployment(), kind: 'Deploymnet' } }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: 'unknown-kind', path: 'kind', hint: 'did you mean kind Deployment?' });
    expect(found[0].message).toContain('no kind Deploymnet in apps/v1 in Kubernetes 1.30 and 1.33');
  });

  it('rejects a kind that neither Kubernetes nor any CRD defines', async () => {
    const found = errors(
      await validate({ 'widget-a.yaml': { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'a', namespace: 'apps' } } }),
    );
    expect(found.map((f) => f.rule)).toEqual(['unknown-kind']);
    expect(found[0].message).toContain('no CRD defines Widget in group example.com');
  });

  it.each([
    ['extensions/v1beta1', 'Deployment', 'apps/v1'],
    ['apps/v1beta2', 'Deployment', 'apps/v1'],
    ['policy/v1beta1', 'PodDisruptionBudget', 'policy/v1'],
    ['batch/v1beta1', 'CronJob', 'batch/v1'],
    ['autoscaling/v2beta2', 'HorizontalPodAutoscaler', 'autoscaling/v2'],
    ['networking.k8s.io/v1beta1', 'Ingress', 'networking.k8s.io/v1'],
    ['flowcontrol.apiserver.k8s.io/v1beta2', 'FlowSchema', 'flowcontrol.apiserver.k8s.io/v1'],
    ['storage.k8s.io/v1beta1', 'CSIStorageCapacity', 'storage.k8s.io/v1'],
  ])('rejects removed apiVersion %s %s and names %s', async (apiVersion, kind, replacement) => {
    const found = errors(await validate({ 'x.yaml': { apiVersion, kind, metadata: { name: 'x', namespace: 'apps' }, spec: {} } }));
    expect(found.map((f) => f.rule)).toEqual(['removed-api']);
    expect(found[0].message).toContain(`use ${replacement}`);
  });

  it('rejects the same object twice in one cluster, naming both files', async () => {
    const found = errors(
      await validate({ 'deployment-web.yaml': deployment() }, [{ name: 'other', manifests: { 'deployment-web.yaml': deployment() } }]),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: 'duplicate-object', file: 'dist/dev/other/manifests/deployment-web.yaml' });
    expect(found[0].message).toContain('dist/dev/app/manifests/deployment-web.yaml');
  });

  it('accepts equal names in different namespaces or kinds', async () => {
    expect(
      await validate({
        'deployment-web.yaml': deployment(),
        'deployment-web-2.yaml': deployment('web', 'other'),
        'service-web.yaml': service(),
      }),
    ).toEqual([]);
  });

  it('rejects a namespaced object without namespace and a cluster-scoped object with one', async () => {
    const found = errors(
      await validate({
        'deployment-web.yaml': edit(deployment(), (d) => delete d.metadata.namespace),
        'namespace-apps.yaml': edit(namespaceObject(), (n) => (n.metadata.namespace = 'apps')),
        'certificate-web.yaml': edit(certificate(), (c) => delete c.metadata.namespace),
      }),
    );
    expect(found.map((f) => [f.rule, f.object])).toEqual([
      ['missing-namespace', 'Certificate/web-tls'],
      ['missing-namespace', 'Deployment/web'],
      ['unexpected-namespace', 'Namespace/apps/apps'],
    ]);
  });

  it('rejects objects without a name', async () => {
    const found = errors(await validate({ 'service-x.yaml': edit(service(), (s) => delete s.metadata.name) }));
    expect(found.map((f) => f.rule)).toEqual(['missing-name']);
  });
});

describe('custom resources (CRD schemas)', () => {
  it('accepts a valid Certificate and ApplicationSet', async () => {
    expect(await validate({ 'certificate-web-tls.yaml': certificate(), 'applicationset-dev.yaml': applicationSet() })).toEqual([]);
  });

  it('rejects a typo in a Certificate field', async () => {
    const broken = edit(certificate(), (c) => {
      c.spec.secretNam = c.spec.secretName;
      delete c.spec.secretName;
    });
    const found = errors(await validate({ 'certificate-web-tls.yaml': broken }));
    expect(found.map((f) => [f.rule, f.path, f.hint])).toEqual([
      ['unknown-field', 'spec.secretNam', 'did you mean "secretName"?'],
      ['missing-field', 'spec.secretName', undefined],
    ]);
    expect(found[0].message).toContain('CRD schema of Certificate cert-manager.io/v1 from cert-manager/cert-manager.io_certificates.yaml');
  });

  it('rejects wrong types, enum values and bad labels in custom resources', async () => {
    const broken = edit(certificate(), (c) => {
      c.spec.privateKey.size = '256';
      c.spec.privateKey.algorithm = 'DSA';
      c.metadata.labels = { tier: 1 };
    });
    const found = errors(await validate({ 'certificate-web-tls.yaml': broken }));
    expect(found.map((f) => [f.rule, f.path])).toEqual([
      ['wrong-type', 'metadata.labels.tier'],
      ['invalid-value', 'spec.privateKey.algorithm'],
      ['wrong-type', 'spec.privateKey.size'],
    ]);
    expect(found[1].message).toContain('allowed values: "RSA", "ECDSA", "Ed25519"');
  });

  it('rejects a typo deep in an ApplicationSet template', async () => {
    const broken = edit(applicationSet(), (a) => {
      a.spec.template.spec.syncPolicy.automated.selfHeel = true;
    });
    const found = errors(await validate({ 'applicationset-dev.yaml': broken }));
    expect(found.map((f) => [f.rule, f.path, f.hint])).toEqual([
      ['unknown-field', 'spec.template.spec.syncPolicy.automated.selfHeel', 'did you mean "selfHeal"?'],
    ]);
  });

  it('rejects a version the CRD does not serve', async () => {
    const found = errors(await validate({ 'certificate-web-tls.yaml': { ...certificate(), apiVersion: 'cert-manager.io/v1alpha2' } }));
    expect(found.map((f) => [f.rule, f.hint])).toEqual([['unknown-version', 'use apiVersion cert-manager.io/v1']]);
  });

  it('uses a CustomResourceDefinition rendered in dist for its custom resources', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        scope: 'Cluster',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } },
            },
          },
        ],
      },
    };
    const found = errors(
      await validate({
        'crd.yaml': crd,
        'widget-a.yaml': { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'a' }, spec: { size: 1, colour: 'red' } },
      }),
    );
    expect(found.map((f) => [f.rule, f.path])).toEqual([['unknown-field', 'spec.colour']]);
  });
});

describe('performance', () => {
  it('checks a dist of 100+ objects across three clusters in a few seconds', async () => {
    const manifests: Record<string, unknown> = {};
    for (let i = 0; i < 12; i++) {
      manifests[`deployment-web-${i}.yaml`] = deployment(`web-${i}`);
      manifests[`service-web-${i}.yaml`] = service(`web-${i}`);
      manifests[`certificate-web-${i}.yaml`] = certificate(`web-${i}`);
    }
    manifests['applicationset-dev.yaml'] = applicationSet();
    const fixture = makeDist({
      dev: [{ name: 'app', manifests }],
      staging: [{ name: 'app', manifests }],
      prod: [{ name: 'app', manifests }],
    });
    fixtures.push(fixture);
    const ctx = loadDist(fixture.root, 'dist');
    const started = performance.now();
    const findings = await checkSchemas(ctx, { crdLocation: crdLocation(), cacheDir: TEST_CACHE_DIR });
    const seconds = (performance.now() - started) / 1000;
    expect(findings).toEqual([]);
    expect(ctx.clusters.reduce((n, c) => n + c.components[0].objects.length, 0)).toBe(111);
    expect(seconds).toBeLessThan(5);
  });
});
