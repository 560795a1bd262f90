import type { ChartUse } from './chart';
import type { ClusterSpecInput } from './cluster-spec';
import type { Component, KubeObject } from './component';
import { SynthError, formatProblem } from './errors';
import { ClusterDefinition, Platform, RenderedCluster, composeCluster, defineCluster, finishCluster, renderCluster } from './platform';
import { ReadManifestsOptions, mergeRendered, readManifests } from './manifests';

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Overrides of the test spec; `as const` objects are fine (synth validates the spec anyway). */
export type TestSpecOverrides = { readonly [K in keyof ClusterSpecInput]?: DeepReadonly<ClusterSpecInput[K]> };

/** A valid EKS cluster spec for tests; override what a test is about. */
export function testSpec(overrides: TestSpecOverrides = {}): ClusterSpecInput {
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
    ...(overrides as Partial<ClusterSpecInput>),
  };
}

/** The file every test cluster is reported as. */
export const TEST_CLUSTER_FILE = 'clusters/test.ts';

/** An exactly pinned chart for tests (exact version, 64-hex digest, 40-hex commit); override what a test is about. */
export function testChart(overrides: Partial<ChartUse> = {}): ChartUse {
  return {
    repoURL: 'https://charts.example.com',
    chart: 'example',
    version: '1.2.3',
    pin: {
      dir: 'example-1.2.3',
      digest: 'ab'.repeat(32),
      source: { type: 'git', repo: 'example/charts', commit: 'cd'.repeat(20), path: 'charts/example' },
    },
    values: {},
    ...overrides,
  };
}

/** Renders a cluster composed by `compose` from `testSpec(overrides)`; charts are not rendered. */
export function renderTestCluster(compose: (platform: Platform) => void, overrides: TestSpecOverrides = {}): RenderedCluster {
  const definition: ClusterDefinition = defineCluster(testSpec(overrides), compose);
  return renderCluster(definition, TEST_CLUSTER_FILE);
}

/**
 * Renders a cluster as synth does, with `charts` standing in for what `helm template` rendered,
 * by component name: the objects go through the same normalization, patches and checks.
 */
export function renderTestClusterWithCharts(
  compose: (platform: Platform) => void,
  charts: Record<string, readonly KubeObject[]>,
  overrides: TestSpecOverrides = {},
): RenderedCluster {
  const composed = composeCluster(defineCluster(testSpec(overrides), compose), TEST_CLUSTER_FILE);
  const rendered = new Map<Component, KubeObject[]>();
  for (const [name, objects] of Object.entries(charts)) {
    const component = composed.platform.tryFind(name);
    if (!component) throw new Error(`renderTestClusterWithCharts: no component ${name}`);
    // Synth changes what helm rendered in place; the caller's objects stay as they were.
    rendered.set(component, structuredClone([...objects]));
  }
  return finishCluster(composed, rendered);
}

/**
 * Renders a cluster as synth does with the components' pinned manifest files read for real (from
 * the CRD dir `../shared/crds`, `PLATFORM_CRDS_DIR`, or downloads, hash-checked; see manifests.ts)
 * and `charts` standing in for what helm rendered, as in renderTestClusterWithCharts.
 */
export async function renderTestClusterWithManifests(
  compose: (platform: Platform) => void,
  overrides: TestSpecOverrides = {},
  options: { readonly charts?: Record<string, readonly KubeObject[]> } & Partial<ReadManifestsOptions> = {},
): Promise<RenderedCluster> {
  const composed = composeCluster(defineCluster(testSpec(overrides), compose), TEST_CLUSTER_FILE);
  const manifests = await readManifests(composed.platform.components, { root: process.cwd(), ...options });
  const charts = new Map<Component, KubeObject[]>();
  for (const [name, objects] of Object.entries(options.charts ?? {})) {
    const component = composed.platform.tryFind(name);
    if (!component) throw new Error(`renderTestClusterWithManifests: no component ${name}`);
    charts.set(component, structuredClone([...objects]));
  }
  return finishCluster(composed, mergeRendered(charts, manifests));
}

/** The problems `fn` fails with, as synth prints them (`file: path: message`); throws if it does not fail with a SynthError. */
export function synthProblems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof SynthError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected a SynthError, but nothing failed');
}

/** The objects of one component of a rendered cluster, found by kind and name. */
export function findObject(cluster: RenderedCluster, component: string, kind: string, name: string): Record<string, any> {
  const c = cluster.components.find((x) => x.name === component);
  if (!c) throw new Error(`no component ${component}; have ${cluster.components.map((x) => x.name).join(', ')}`);
  const o = c.objects.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in ${component}; have ${c.objects.map((x) => `${x.kind}/${x.metadata?.name}`).join(', ')}`);
  return o;
}

/** One component of a rendered cluster, by name. */
export function findComponent(cluster: RenderedCluster, name: string): RenderedCluster['components'][number] {
  const c = cluster.components.find((x) => x.name === name);
  if (!c) throw new Error(`no component ${name}; have ${cluster.components.map((x) => x.name).join(', ')}`);
  return c;
}
