import type { ClusterSpecInput } from './cluster-spec';
import { ClusterDefinition, Platform, RenderedCluster, defineCluster, renderCluster } from './platform';

/** A valid EKS cluster spec for tests; override what a test is about. */
export function testSpec(overrides: Partial<ClusterSpecInput> = {}): ClusterSpecInput {
  return {
    name: 'test',
    environment: 'dev',
    provider: 'eks',
    region: 'eu-west-1',
    azs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    domain: 'test.example.com',
    network: { vpcCidr: '10.0.0.0/16', podCidr: '100.64.0.0/16', serviceCidr: '172.20.0.0/16' },
    kubernetesVersion: '1.33',
    gitops: {
      repoURL: 'https://github.com/example-org/platform-manifests.git',
      revision: 'main',
      destination: { server: 'https://kubernetes.default.svc' },
    },
    availability: { replicas: 1, spread: 'hostname' },
    ...overrides,
  };
}

/** Renders a cluster composed by `compose` from `testSpec(overrides)`. */
export function renderTestCluster(compose: (platform: Platform) => void, overrides: Partial<ClusterSpecInput> = {}): RenderedCluster {
  const definition: ClusterDefinition = defineCluster(testSpec(overrides), compose);
  return renderCluster(definition, 'clusters/test.ts');
}

/** The objects of one component of a rendered cluster, found by kind and name. */
export function findObject(cluster: RenderedCluster, component: string, kind: string, name: string): Record<string, any> {
  const c = cluster.components.find((x) => x.name === component);
  if (!c) throw new Error(`no component ${component}; have ${cluster.components.map((x) => x.name).join(', ')}`);
  const o = c.objects.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in ${component}; have ${c.objects.map((x) => `${x.kind}/${x.metadata?.name}`).join(', ')}`);
  return o;
}
