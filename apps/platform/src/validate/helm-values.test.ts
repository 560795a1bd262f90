import { afterEach, describe, expect, it } from 'vitest';
import { chartSchemaLocation, makeDist, type Fixture } from './__fixtures__/dist';
import { checkHelmValues, withoutNulls } from './helm-values';
import { loadDist } from './load';

const fixtures: Fixture[] = [];
afterEach(() => fixtures.splice(0).forEach((f) => f.cleanup()));

function component(name: string, chart: string, version: string, values: unknown) {
  return {
    name,
    values,
    componentJson: {
      name,
      cluster: 'dev',
      namespace: 'kube-system',
      project: 'infrastructure',
      wave: 0,
      dependsOn: [],
      syncOptions: [],
      chart: { repoURL: 'https://example.com/charts', chart, version, releaseName: name, valuesFile: `dist/dev/${name}/values.yaml` },
    },
  };
}

async function check(...components: ReturnType<typeof component>[]) {
  const fixture = makeDist({ dev: components });
  fixtures.push(fixture);
  return checkHelmValues(loadDist(fixture.root, 'dist'), { location: chartSchemaLocation() });
}

const ciliumValues = {
  ipam: { mode: 'eni' },
  eni: { enabled: true },
  routingMode: 'native',
  kubeProxyReplacement: true,
  k8sServiceHost: 'ABC.gr7.eu-west-1.eks.amazonaws.com',
  k8sServicePort: 443,
  encryption: { enabled: true, type: 'wireguard', nodeEncryption: true },
  operator: { replicas: 2 },
  hubble: { relay: { enabled: true }, metrics: { enabled: ['dns', 'drop', 'tcp'] } },
  podAnnotations: { 'example.com/anything': 'free-form map' },
};

describe('Helm values against the chart values schema', () => {
  it('accepts valid cilium and vault values and reports coverage', async () => {
    const result = await check(
      component('cilium', 'cilium', '1.18.12', ciliumValues),
      component('vault', 'vault', '0.34.1', { injector: { enabled: false }, ui: { enabled: true }, server: { preStop: [] } }),
      component('cert-manager', 'cert-manager', 'v1.21.1', { crds: { enabled: true } }),
    );
    expect(result.findings).toEqual([]);
    expect(result.coverage).toEqual([
      'cert-manager 1.21.1: no upstream values schema pinned (values not schema-checked)',
      'cilium 1.18.12: checked against cilium-1.18.12/values.schema.json',
      'vault 0.34.1: checked against vault/values.schema.json',
    ]);
  });

  it('rejects an unknown key in cilium values, suggesting the right one', async () => {
    const { findings } = await check(component('cilium', 'cilium', '1.18.12', { ...ciliumValues, operator: { replica: 2 } }));
    expect(findings.map((f) => [f.check, f.rule, f.file, f.path, f.hint])).toEqual([
      ['helm-values', 'unknown-field', 'dist/dev/cilium/values.yaml', 'operator.replica', 'did you mean "replicas"?'],
    ]);
    expect(findings[0].message).toContain('values schema of chart cilium 1.18.12');
  });

  it('rejects a wrong type in cilium values', async () => {
    const { findings } = await check(
      component('cilium', 'cilium', '1.18.12', { ...ciliumValues, operator: { replicas: 'two' }, eni: { enabled: 'yes' } }),
    );
    expect(findings.map((f) => [f.rule, f.path])).toEqual([
      ['wrong-type', 'eni.enabled'],
      ['wrong-type', 'operator.replicas'],
    ]);
    expect(findings[0].message).toContain('expected boolean, got string "yes"');
  });

  it('refuses to check values against the schema of another chart version', async () => {
    const { findings, coverage } = await check(component('cilium', 'cilium', '1.18.3', ciliumValues));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: 'schema-version-mismatch',
      severity: 'error',
      file: 'dist/dev/cilium/component.json',
      path: 'chart.version',
    });
    expect(findings[0].message).toContain('chart cilium 1.18.3 has no pinned values schema; chart-schema-sources.json pins cilium 1.18.12');
    expect(coverage).toEqual(['cilium 1.18.3: NOT checked, schema pinned only for 1.18.12']);
  });

  it('drops keys set to null, as Helm does', () => {
    expect(withoutNulls({ a: null, b: { c: null, d: 1 }, e: [null, { f: null }] })).toEqual({ b: { d: 1 }, e: [null, {}] });
  });
});
