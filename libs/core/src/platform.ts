import { App } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { ClusterSpec, ClusterSpecInput, clusterSpecRules } from './cluster-spec';
import type { ChartUse } from './chart';
import { type Component, type Flow, type KubeObject, type ProjectName, isInstance } from './component';
import { PROBLEM_SINK, Problem, ProblemSink, SynthError } from './errors';
import { NAMESPACES_COMPONENT, addClusterNamespaces, namespaceProblems } from './cluster-namespaces';
import { clusterScopedCrdKinds, normalizeChartObjects } from './chart-objects';
import { parseOrThrow } from './validation';
import { deriveWaves } from './component-json';
import { type PlaintextPort, type TrafficFlow, renderFlows } from './flows';
import { type Exposure, addImplicitDependencies } from './addons';
import type { UpstreamFiles } from './manifests';
import type { VaultAccess } from './vault-access';

/** What a cluster file exports: facts plus composition. */
export interface ClusterDefinition {
  readonly spec: ClusterSpecInput;
  /** Adds the cluster's components to the platform. */
  readonly compose: (platform: Platform) => void;
}

/**
 * Declares a cluster. The spec is validated at synth time, so a typo in a cluster file fails with
 * the file, the field path, the value and what is allowed.
 *
 * @example
 * export default defineCluster({ name: 'dev', ... }, (platform) => {
 *   new Namespaces(platform, 'namespaces', {});
 * });
 */
export function defineCluster(spec: ClusterSpecInput, compose: (platform: Platform) => void): ClusterDefinition {
  return { spec, compose };
}

/** Component classes a cluster has at most one of (see oncePerCluster): what to call them, and why. */
const ONCE_PER_CLUSTER = new Map<abstract new (...args: never[]) => Component, { readonly label: string; readonly why: string }>();

/**
 * Declares that a cluster has at most one component of class `cls` (Argo CD, say), under whatever
 * name: a second one is a problem naming both. `label` names the class in the message (`ArgoCd`).
 */
export function oncePerCluster(cls: abstract new (...args: never[]) => Component, label: string, why: string): void {
  ONCE_PER_CLUSTER.set(cls, { label, why });
}

/** The Platform whose cluster file's compose function runs now (composeCluster); see Platform.composing(). */
let composing: Platform | undefined;

const DECLARED_TWICE = 'declared twice: component names are unique per cluster';

/** The root construct of one cluster: its validated facts and its components. */
export class Platform extends Construct implements ProblemSink {
  readonly [PROBLEM_SINK] = true as const;
  private readonly registered: Component[] = [];
  private readonly finishers: (() => void)[] = [];
  private readonly composedHooks: (() => void)[] = [];
  /** Capabilities components provide to the cluster (see addons.ts), by capability. */
  private readonly provided = new Map<object, { value: unknown; by: string }>();
  private readonly problemList: Problem[] = [];
  /** The traffic flows and plaintext exceptions components declared (flows.ts renders them once composed). */
  readonly network: { readonly flows: TrafficFlow[]; readonly plaintext: PlaintextPort[]; readonly exposures: Exposure[] } = {
    flows: [],
    plaintext: [],
    exposures: [],
  };
  /**
   * Vault access the components declared (vault-access.ts), and the VaultAuths and destination
   * Secrets vaultSecret() rendered, by `<namespace>/<name>` (vault-secret.ts).
   */
  readonly secrets: { readonly accesses: VaultAccess[]; readonly auths: Set<string>; readonly destinations: Map<string, Component> } = {
    accesses: [],
    auths: new Set(),
    destinations: new Map(),
  };
  /** Components whose id was taken: reported once, kept out of the tree and of the components. */
  private readonly duplicates = new WeakSet<IConstruct>();
  private waves?: ReadonlyMap<string, number>;

  /**
   * The Platform whose cluster file is being composed, for checks of a value built in the cluster
   * file that need the cluster's facts but get no construct (an ACME solver's region, say).
   * Undefined outside composeCluster.
   */
  static composing(): Platform | undefined {
    return composing;
  }

  constructor(
    scope: Construct,
    /** Validated cluster facts. */
    readonly spec: ClusterSpec,
    /** The cluster file, relative to the repository root, named in every error. */
    readonly file: string,
  ) {
    super(scope, spec.name);
    // A second child with a taken id is reported here, where the constructs library would throw
    // its own error and stop the cluster file; the duplicate stays out of the tree.
    const node = this.node as unknown as { addChild(child: IConstruct, name: string): void };
    const addChild = node.addChild.bind(node);
    node.addChild = (child, name) => {
      if (!this.node.tryFindChild(name)) return addChild(child, name);
      this.duplicates.add(child);
      this.report({ file, path: `components.${name}`, message: DECLARED_TWICE });
    };
  }

  /**
   * Records a problem and lets composition go on; composeCluster throws every recorded problem once
   * the cluster file has run. After composition (in `whenComplete` callbacks) it throws at once.
   */
  report(problem: Problem): void {
    if (composing !== this) throw new SynthError([problem]);
    this.problemList.push(problem);
  }

  /** The problems recorded so far (see report). */
  get problems(): readonly Problem[] {
    return this.problemList;
  }

  /** Called by the Component constructor. Duplicate names and a second once-per-cluster component are reported, not registered. */
  register(component: Component): void {
    if (this.duplicates.has(component)) return;
    const at = `components.${component.name}`;
    if (this.registered.some((c) => c.name === component.name)) {
      this.report({ file: this.file, path: at, message: DECLARED_TWICE });
      return;
    }
    for (const [cls, { label, why }] of ONCE_PER_CLUSTER) {
      const isA = (c: Component) => isInstance(cls, c);
      const first = isA(component) ? this.registered.find(isA) : undefined;
      if (first) {
        this.report({
          file: this.file,
          path: at,
          message: `got a second ${label} (the first is "${first.name}"): ${label} is once per cluster (${why}); remove one`,
        });
        return;
      }
    }
    this.registered.push(component);
  }

  /** Every component, in declaration order. */
  get components(): readonly Component[] {
    return this.registered;
  }

  /**
   * Runs `fn` once the cluster file has run and every component exists, before waves are derived:
   * for add-ons that render, and depend on, a counterpart only when the cluster has one.
   */
  whenComposed(fn: () => void): void {
    this.composedHooks.push(fn);
  }

  /** Records that component `by` provides `capability` (one provider per cluster). */
  provide(capability: { readonly name: string }, by: string, value: unknown): void {
    const existing = this.provided.get(capability);
    if (existing)
      throw new SynthError([
        {
          file: this.file,
          path: `components.${by}`,
          message: `provides ${capability.name}, which component "${existing.by}" already provides: one per cluster`,
        },
      ]);
    this.provided.set(capability, { value, by });
  }

  /** What the provider of `capability` announced, or undefined. */
  providerOf(capability: object): unknown {
    return this.provided.get(capability)?.value;
  }

  /**
   * Runs `fn` once every component of the cluster exists and waves are known: for objects that
   * summarize the whole cluster (the Argo CD component's AppProjects and ApplicationSets).
   */
  whenComplete(fn: () => void): void {
    this.finishers.push(fn);
  }

  /** The wave of a component; available inside `whenComplete` callbacks. */
  waveOf(name: string): number {
    const wave = this.waves?.get(name);
    if (wave === undefined) throw new Error(`wave of ${name} is not known yet: read it inside platform.whenComplete()`);
    return wave;
  }

  /** @internal Called by composeCluster once the cluster file has run. */
  composed(): void {
    // Hooks may register hooks (an add-on calling another): run until none is left.
    for (let fn = this.composedHooks.shift(); fn; fn = this.composedHooks.shift()) fn();
  }

  /** @internal Called by renderCluster. */
  complete(waves: ReadonlyMap<string, number>): void {
    this.waves = waves;
    for (const fn of this.finishers.splice(0)) fn();
  }

  /** A component by name, or undefined. */
  tryFind(name: string): Component | undefined {
    return this.registered.find((c) => c.name === name);
  }
}

/** One component ready to be written to dist. */
export interface RenderedComponent {
  readonly name: string;
  readonly namespace: string;
  readonly project: ProjectName;
  readonly wave: number;
  readonly dependsOn: readonly string[];
  /** Provenance of the chart rendered into the manifests. */
  readonly chart?: {
    readonly repoURL: string;
    readonly chart: string;
    readonly version: string;
    readonly digest: string;
    readonly releaseName: string;
  };
  /** Version of the software the chart installs, when the component states it. */
  readonly appVersion?: string;
  /** Provenance of the pinned upstream manifest files in the manifests (manifests.ts). */
  readonly upstreamFiles?: UpstreamFiles;
  readonly values?: object;
  readonly syncOptions: readonly string[];
  readonly flows: readonly Flow[];
  /** Kubernetes objects as plain JSON: ours, then what the chart rendered. */
  readonly objects: readonly Record<string, any>[];
  /** Files for other tools, by path under `config/` (Component.addConfigFile). */
  readonly configFiles: Readonly<Record<string, string>>;
}

export interface RenderedCluster {
  readonly name: string;
  readonly file: string;
  readonly spec: ClusterSpec;
  readonly components: readonly RenderedComponent[];
}

/**
 * Computes each component's wave (deriveWaves, the rule validate checks dist against): at least its
 * declared minimum, and one more than every dependency's wave; every component waits for the
 * cluster's namespaces. Missing dependencies, cycles and declared waves that contradict a dependency
 * are problems.
 */
export function computeWaves(file: string, components: readonly Component[]): { waves: Map<string, number>; problems: Problem[] } {
  const namespaces = components.some((c) => c.name === NAMESPACES_COMPONENT);
  const nodes = components.map((c) => ({
    name: c.name,
    minWave: c.minWave,
    dependsOn: c.name === NAMESPACES_COMPONENT || !namespaces ? c.dependsOn : [NAMESPACES_COMPONENT, ...c.dependsOn],
  }));
  const { waves, problems } = deriveWaves(nodes, file);
  return { waves, problems: problems.map((p) => ({ file, path: `components.${p.component}.${p.field}`, message: p.message })) };
}

/** Wraps anything a cluster file or construct throws into problems naming the file. */
function toProblems(file: string, error: unknown): Problem[] {
  if (error instanceof SynthError) return [...error.problems];
  const message = error instanceof Error ? error.message : String(error);
  return [{ file, path: 'components', message: `a construct failed: ${message}` }];
}

/** A cluster whose components exist and whose waves are known; charts not yet rendered. */
export interface ComposedCluster {
  readonly file: string;
  readonly spec: ClusterSpec;
  readonly platform: Platform;
  readonly waves: ReadonlyMap<string, number>;
}

/** One `helm template` a cluster needs. */
export interface ChartRequest {
  readonly cluster: string;
  readonly component: Component;
  readonly chart: ChartUse;
  readonly releaseName: string;
  readonly namespace: string;
  /** `--kube-version`, e.g. `1.33.0`. */
  readonly kubeVersion: string;
  /** `--api-versions`: what the cluster's charts serve beyond Kubernetes itself, sorted. */
  readonly apiVersions: readonly string[];
}

/** The `helm template` arguments of one request: how synth renders it (hydrate.ts), and tests with it. */
export function helmTemplateArgs(request: ChartRequest, chartDir: string, valuesFile: string): string[] {
  const args = ['template', request.releaseName, chartDir, '--namespace', request.namespace, '--kube-version', request.kubeVersion];
  for (const api of request.apiVersions) args.push('--api-versions', api);
  if (request.chart.includeCrds !== false) args.push('--include-crds');
  args.push('--skip-tests', '--values', valuesFile);
  return args;
}

/** A hermetic helm: no user repositories, plugins or caches are read (all of helm's homes are `home`). */
export function hermeticHelmEnv(home: string): Record<string, string | undefined> {
  return { PATH: process.env.PATH, HOME: home, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home };
}

/**
 * Phase 1 of a cluster: validates the spec, composes its components, adds the cluster's
 * namespaces and derives waves. Throws a SynthError with every problem.
 */
export function composeCluster(definition: ClusterDefinition, file: string): ComposedCluster {
  if (!definition || typeof definition.compose !== 'function' || typeof definition.spec !== 'object') {
    throw new SynthError([{ file, path: 'default export', message: 'a cluster file must `export default defineCluster(spec, compose)`' }]);
  }
  const spec = parseOrThrow(clusterSpecRules, definition.spec, file, 'spec');
  const platform = new Platform(new App(), spec, file);
  // Components report what they can and go on (Platform.report); a throw stops the cluster file
  // there. Either way, every problem found is reported: recorded ones first, the thrown one last.
  const outer = composing;
  composing = platform;
  try {
    definition.compose(platform);
    platform.composed();
    addClusterNamespaces(platform);
    renderFlows(platform);
    addImplicitDependencies(platform);
  } catch (error) {
    const thrown = toProblems(file, error).map((p) => (p.file === '' ? { ...p, file } : p));
    throw new SynthError([...platform.problems, ...thrown]);
  } finally {
    composing = outer;
  }
  const { waves, problems } = computeWaves(file, platform.components);
  if (platform.problems.length + problems.length > 0) throw new SynthError([...platform.problems, ...problems]);
  return { file, spec, platform, waves };
}

/** The charts a composed cluster renders, one request per component with a chart. */
export function chartRequests(cluster: ComposedCluster): ChartRequest[] {
  const apiVersions = [
    ...new Set(cluster.platform.components.flatMap((c) => [...(c.chart?.apiVersions ?? []), ...(c.manifests?.apiVersions ?? [])])),
  ].sort();
  return cluster.platform.components
    .filter((c) => c.chart)
    .map((c) => ({
      cluster: cluster.spec.name,
      component: c,
      chart: c.chart!,
      releaseName: c.chart!.releaseName ?? c.name,
      namespace: c.home.name,
      kubeVersion: `${cluster.spec.kubernetesVersion}.0`,
      apiVersions,
    }));
}

/**
 * Phase 2 of a cluster: takes what each chart rendered, completes the cluster (AppProjects and
 * ApplicationSets see every object), runs the tree validations and renders every component to
 * plain JSON. Components whose chart is missing from `rendered` get no chart objects (unit tests).
 */
export function finishCluster(cluster: ComposedCluster, rendered: ReadonlyMap<Component, KubeObject[]>): RenderedCluster {
  const { file, spec, platform, waves } = cluster;
  const problems: Problem[] = [];
  try {
    // Only this cluster's components: `rendered` may hold every cluster's charts.
    const charts = platform.components.filter((c) => rendered.has(c));
    const clusterScoped = clusterScopedCrdKinds(charts.flatMap((c) => rendered.get(c)!));
    for (const component of charts) {
      // Normalized (namespaces filled in) before the component's patches, and checked after them:
      // a patch may pin what chart values cannot (the Istio gateway's `image: auto`). Normalizing is idempotent.
      component.setChartObjects(normalizeChartObjects(component, rendered.get(component)!, clusterScoped).objects);
      problems.push(...normalizeChartObjects(component, component.chartObjects, clusterScoped).problems);
    }
    if (problems.length > 0) throw new SynthError(problems);
    platform.complete(waves);
  } catch (error) {
    throw new SynthError(toProblems(file, error));
  }

  problems.push(...namespaceProblems(platform));
  for (const construct of platform.node.findAll()) {
    for (const message of construct.node.validate()) {
      problems.push({ file, path: `components.${construct.node.path.split('/').slice(1).join('.')}`, message });
    }
  }
  if (problems.length > 0) throw new SynthError(problems);

  let components: RenderedComponent[];
  try {
    components = platform.components.map((c) => ({
      name: c.name,
      namespace: c.home.name,
      project: c.project,
      wave: waves.get(c.name)!,
      dependsOn: [...new Set(c.name === NAMESPACES_COMPONENT ? c.dependsOn : [NAMESPACES_COMPONENT, ...c.dependsOn])].sort(),
      chart: c.chart && {
        repoURL: c.chart.repoURL,
        chart: c.chart.chart,
        version: c.chart.version,
        digest: c.chart.pin.digest,
        releaseName: c.chart.releaseName ?? c.name,
      },
      appVersion: c.chart?.appVersion,
      upstreamFiles: c.upstreamFiles,
      values: c.chart?.values,
      syncOptions: c.syncOptions,
      flows: c.flows,
      objects: [...c.toJson(), ...c.chartObjects],
      configFiles: Object.fromEntries([...c.configFiles].sort(([a], [b]) => (a < b ? -1 : 1))),
    }));
  } catch (error) {
    throw new SynthError(toProblems(file, error));
  }
  return { name: spec.name, file, spec, components: [...components].sort((a, b) => (a.name < b.name ? -1 : 1)) };
}

/**
 * Builds one cluster without rendering its charts (unit tests of our own objects and values):
 * composeCluster + finishCluster. Synth renders the charts in between (apps/platform/src/hydrate.ts).
 */
export function renderCluster(definition: ClusterDefinition, file: string): RenderedCluster {
  return finishCluster(composeCluster(definition, file), new Map());
}
