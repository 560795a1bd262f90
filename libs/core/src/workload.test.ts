import { Chart, Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { SecureDeployment, SecureDeploymentProps, assertPinnedImage, canonicalize, parseCidr, toYaml, toYamlMemo } from '@platform/core';

const props: SecureDeploymentProps = {
  name: 'web',
  namespace: 'api',
  image: 'ghcr.io/example/web:1.2.3',
  replicas: 2,
  resources: { cpu: { request: '100m', limit: '500m' }, memory: { request: '128Mi', limit: '256Mi' } },
  port: { name: 'http', containerPort: 3000 },
  liveness: { path: '/live', port: 3001 },
  readiness: { path: '/ready', port: 3001 },
};

function render(build: (chart: Chart) => void): Record<string, any>[] {
  const chart = new Chart(Testing.app(), 'test', { disableResourceNameHashes: true });
  build(chart);
  return chart.toJson();
}

describe('SecureDeployment', () => {
  test('renders the restricted security context, resources, probes, spread and a PDB', () => {
    const objects = render((c) => new SecureDeployment(c, 'web', { ...props, spread: 'zone' }));
    expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/live', port: 3001 });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 3001 });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.topologySpreadConstraints[0]).toMatchObject({
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
    });
    // Selectors are stable labels only: never cdk8s' construct address.
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' });
    expect(JSON.stringify(objects)).not.toContain('cdk8s.io/metadata.addr');
    const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget')!;
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });

  test('one replica needs no PDB and no spread', () => {
    const objects = render((c) => new SecureDeployment(c, 'web', { ...props, replicas: 1 }));
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
    expect(objects.find((o) => o.kind === 'Deployment')!.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test.each(['nginx', 'nginx:latest', 'registry:5000/nginx', 'nginx:'])('rejects the unpinned image %s', (image) => {
    expect(() => assertPinnedImage(image)).toThrow('is not pinned');
  });

  test.each(['nginx:1.27.0', 'registry:5000/team/nginx:1.27', `nginx@sha256:${'a'.repeat(64)}`])('accepts the pinned image %s', (image) => {
    expect(assertPinnedImage(image)).toBe(image);
  });

  test('replicas must be at least 1', () => {
    expect(() => render((c) => new SecureDeployment(c, 'web', { ...props, replicas: 0 }))).toThrow(
      /(?=.*got 0)(?=.*replicas must be an integer ≥ 1)/,
    );
  });
});

describe('output format', () => {
  test('keys are canonical and YAML 1.1 look-alikes are quoted', () => {
    expect(Object.keys(canonicalize({ spec: 1, metadata: 2, kind: 3, apiVersion: 4, a: 5 }))).toEqual([
      'apiVersion',
      'kind',
      'metadata',
      'a',
      'spec',
    ]);
    expect(toYaml({ a: 'yes', b: 'on', c: '0777', d: 'true' })).toBe('a: "yes"\nb: "on"\nc: "0777"\nd: "true"\n');
  });

  test('the memoized YAML is the YAML of the value, whatever the key order it was built in', () => {
    const value = { spec: { b: 'on', a: [3, 1] }, kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', annotations: undefined } };
    const reordered = { apiVersion: 'v1', metadata: { name: 'x' }, kind: 'ConfigMap', spec: { a: [3, 1], b: 'on' } };
    expect(toYamlMemo(value)).toBe(toYaml(value));
    expect(toYamlMemo(reordered)).toBe(toYaml(value));
    expect(toYamlMemo({ ...value, spec: { ...value.spec, b: 'off' } })).toContain('b: "off"');
  });

  test('CIDRs are parsed strictly', () => {
    expect(parseCidr('10.0.0.0/16')).toEqual({ address: 0x0a000000, prefix: 16 });
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '256.0.0.0/8', '10.0.0.1/16', '010.0.0.0/8']) expect(parseCidr(bad)).toBeUndefined();
  });
});
