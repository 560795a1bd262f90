import { describe, expect, test } from 'vitest';
import {
  Component,
  ComponentProps,
  Namespace,
  Platform,
  SynthError,
  defineCluster,
  renderCluster,
  renderClusterReadme,
  testChart,
  testSpec,
} from '@platform/core';

/** A minimal component for composition tests. */
class Dummy extends Component {
  constructor(scope: Platform, id: string, props: Partial<ComponentProps> = {}) {
    super(scope, id, { namespace: Namespace.restricted('default-ns'), project: 'infrastructure', ...props });
  }
}

function problemsOf(spec: unknown, compose: (p: Platform) => void = () => new Dummy(undefined as never, 'x')): string[] {
  try {
    renderCluster(defineCluster(spec as never, compose), 'clusters/bad.ts');
  } catch (error) {
    if (error instanceof SynthError) return error.problems.map((p) => `${p.file}: ${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected synth to fail');
}

const noComponents = () => undefined;

describe('cluster spec validation names the file, the field path, the value and what is allowed', () => {
  test.each([
    [
      'unknown field',
      { ...testSpec(), nmae: 'x' },
      'clusters/bad.ts: spec.nmae: unknown field "nmae"; allowed: apiServer, availability, azs, domain',
    ],
    [
      'wrong type',
      testSpec({ kubernetesVersion: 1.33 as never }),
      'clusters/bad.ts: spec.kubernetesVersion: got 1.33, allowed: "1.30", "1.31", "1.32", "1.33"',
    ],
    ['empty name', testSpec({ name: '' }), 'clusters/bad.ts: spec.name: must not be empty'],
    [
      'name not DNS-1123',
      testSpec({ name: 'Prod_1' }),
      'clusters/bad.ts: spec.name: got "Prod_1", a cluster name must be a DNS-1123 label',
    ],
    [
      'malformed domain',
      testSpec({ domain: 'https://example.com/' }),
      'clusters/bad.ts: spec.domain: got "https://example.com/", expected a lower-case DNS domain',
    ],
    [
      'single-label domain',
      testSpec({ domain: 'localhost' }),
      'clusters/bad.ts: spec.domain: got "localhost", expected a lower-case DNS domain',
    ],
    [
      'malformed CIDR',
      testSpec({ network: { vpcCidr: '10.0.0.300/16', podCidr: '100.64.0.0/16', serviceCidr: '172.20.0.0/16' } }),
      'clusters/bad.ts: spec.network.vpcCidr: got "10.0.0.300/16", expected an IPv4 CIDR',
    ],
    [
      'CIDR with host bits',
      testSpec({ network: { vpcCidr: '10.0.0.1/16', podCidr: '100.64.0.0/16', serviceCidr: '172.20.0.0/16' } }),
      'spec.network.vpcCidr: got "10.0.0.1/16", expected an IPv4 CIDR',
    ],
    [
      'overlapping CIDRs',
      testSpec({ network: { vpcCidr: '10.0.0.0/16', podCidr: '10.0.128.0/17', serviceCidr: '172.20.0.0/16' } }),
      'spec.network.podCidr: got "10.0.128.0/17", it overlaps network.vpcCidr 10.0.0.0/16',
    ],
    [
      'too many AZs',
      testSpec({ azs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c', 'eu-west-1d'] }),
      'clusters/bad.ts: spec.azs: got 4 zones, a cluster has 1 to 3 availability zones',
    ],
    ['no AZ', testSpec({ azs: [] }), 'clusters/bad.ts: spec.azs: got [], a cluster needs 1 to 3 availability zones'],
    [
      'prod with 2 AZs',
      testSpec({ environment: 'prod', azs: ['eu-west-1a', 'eu-west-1b'], availability: { replicas: 2, spread: 'zone' } }),
      'clusters/bad.ts: spec.azs: got 2 zones, prod needs 3',
    ],
    [
      'AZ outside the region',
      testSpec({ azs: ['eu-west-1a', 'us-east-1b'] }),
      'clusters/bad.ts: spec.azs[1]: got "us-east-1b", expected a zone of region eu-west-1',
    ],
    [
      'unknown environment',
      testSpec({ environment: 'staging' as never }),
      'clusters/bad.ts: spec.environment: got "staging", allowed: "local", "dev", "prod"',
    ],
    ['unknown provider', testSpec({ provider: 'gke' as never }), 'clusters/bad.ts: spec.provider: got "gke", allowed: "kind", "eks"'],
    [
      'replicas < 1',
      testSpec({ availability: { replicas: 0, spread: 'hostname' } }),
      'clusters/bad.ts: spec.availability.replicas: got 0, replicas must be an integer ≥ 1',
    ],
    ['EKS without region', testSpec({ region: undefined }), 'clusters/bad.ts: spec.region: missing: an EKS cluster needs its AWS region'],
    [
      'git URL',
      testSpec({ gitops: { repoURL: 'not a url', revision: 'main', destination: { server: 'https://kubernetes.default.svc' } } }),
      'spec.gitops.repoURL: got "not a url", expected an https or ssh Git URL',
    ],
  ])('%s', (_case, spec, expected) => {
    const problems = problemsOf(spec, noComponents);
    expect(problems.join('\n')).toContain(expected);
  });

  test('a valid spec passes', () => {
    expect(() => renderCluster(defineCluster(testSpec(), noComponents), 'clusters/ok.ts')).not.toThrow();
  });

  test('all problems are reported at once', () => {
    const problems = problemsOf({ ...testSpec({ name: 'Bad Name', domain: 'nodots' }), extra: 1 }, noComponents);
    expect(problems).toHaveLength(3);
  });
});

describe('composition and waves', () => {
  const render = (compose: (p: Platform) => void) => renderCluster(defineCluster(testSpec(), compose), 'clusters/test.ts');

  test('waves follow declared dependencies, after the namespaces (wave 0)', () => {
    const cluster = render((p) => {
      new Dummy(p, 'c', { dependsOn: ['b'] });
      new Dummy(p, 'b', { dependsOn: ['a'] });
      new Dummy(p, 'a');
      new Dummy(p, 'd', { dependsOn: ['a'], wave: 5 });
    });
    expect(Object.fromEntries(cluster.components.map((c) => [c.name, c.wave]))).toEqual({ namespaces: 0, a: 1, b: 2, c: 3, d: 5 });
    expect(Object.fromEntries(cluster.components.map((c) => [c.name, c.dependsOn]))).toEqual({
      namespaces: [],
      a: ['namespaces'],
      b: ['a', 'namespaces'],
      c: ['b', 'namespaces'],
      d: ['a', 'namespaces'],
    });
  });

  test('a declared wave 0 contradicts the namespaces every component waits for', () => {
    expect(() => render((p) => new Dummy(p, 'early', { wave: 0 }))).toThrow(
      'clusters/test.ts: components.early.wave: got 0, but it depends on "namespaces" (wave 0): its wave must be greater than 0',
    );
  });

  test('a component that needs an absent one fails with the file and what exists', () => {
    expect(() => render((p) => new Dummy(p, 'cert-manager', { dependsOn: ['db'] }))).toThrow(
      'clusters/test.ts: components.cert-manager.dependsOn: needs component "db", which this cluster does not include; add it to clusters/test.ts (components: cert-manager, namespaces)',
    );
  });

  test('a dependency cycle fails synth', () => {
    expect(() =>
      render((p) => {
        new Dummy(p, 'a', { dependsOn: ['b'] });
        new Dummy(p, 'b', { dependsOn: ['a'] });
      }),
    ).toThrow('dependency cycle a → b → a');
  });

  test('a declared wave that contradicts a dependency fails synth', () => {
    expect(() =>
      render((p) => {
        new Dummy(p, 'a', { wave: 3 });
        new Dummy(p, 'b', { dependsOn: ['a'], wave: 2 });
      }),
    ).toThrow('clusters/test.ts: components.b.wave: got 2, but it depends on "a" (wave 3): its wave must be greater than 3');
  });

  test('component names are unique and DNS-1123', () => {
    expect(() => render((p) => [new Dummy(p, 'a'), new Dummy(p, 'a')])).toThrow(
      'clusters/test.ts: components.a: declared twice: component names are unique per cluster',
    );
    expect(() => render((p) => new Dummy(p, 'Not_Valid'))).toThrow(
      'components.Not_Valid: component name "Not_Valid" must be a DNS-1123 label',
    );
  });

  test('a flow to a component the cluster does not include fails synth', () => {
    expect(() =>
      render((p) => {
        new Dummy(p, 'api').addFlow({ to: 'api-db', label: 'PostgreSQL 5432' });
      }),
    ).toThrow('clusters/test.ts: components.api: flow "PostgreSQL 5432" goes to component "api-db", which this cluster does not include');
  });

  test('the cluster README shows waves, chart provenance and flows as a Mermaid diagram', () => {
    const cluster = render((p) => {
      new Dummy(p, 'db', { chart: testChart({ chart: 'db', version: '1.2.3', appVersion: '16.4' }) });
      new Dummy(p, 'api', { dependsOn: ['db'] }).addFlow({ to: 'db', label: 'PostgreSQL 5432' });
    });
    const readme = renderClusterReadme(cluster);
    expect(readme).toContain('| 0 | namespaces | argocd | bootstrap | — | 3 | — |');
    expect(readme).toContain(
      '| 1 | db | default-ns | infrastructure | chart `db` 1.2.3 (app 16.4), https://charts.example.com, digest `abababababababab` | 0 | namespaces |',
    );
    expect(readme).toContain('| 2 | api | default-ns | infrastructure | — | 0 | db, namespaces |');
    expect(readme).toContain('```mermaid');
    expect(readme).toContain('  api -- "PostgreSQL 5432" --> db');
    expect(readme).toContain('  wave_0 -. "healthy before" .-> wave_1');
    expect(readme).toContain('  wave_1 -. "healthy before" .-> wave_2');
    expect(readme).toContain('## Namespaces\n\n`argocd`, `default-ns`\n');
  });

  test('an error thrown by a construct is reported with the cluster file', () => {
    expect(() =>
      render(() => {
        throw new Error('boom');
      }),
    ).toThrow('clusters/test.ts: components: a construct failed: boom');
  });
});
