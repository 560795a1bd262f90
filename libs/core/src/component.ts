import { ApiObject, Chart } from 'cdk8s';
import { z } from 'zod';
import { commonLabels } from './labels';
import type { Platform } from './platform';
import { ChartUse, chartPinProblems } from './chart';
import { PinnedManifests, UpstreamFiles, resolveManifests } from './manifests';
import { Problem, SynthError, showValue } from './errors';
import { Namespace } from './namespace';
import { DNS1123_LABEL, issuesToProblems } from './validation';
import type { ProjectName } from './component-json';

// The Argo CD projects are part of the component.json shape (component-json.ts, no cdk8s).
export { PROJECTS, type ProjectName } from './component-json';

/** A Kubernetes kind by API group ("" for the core group). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** Something outside the cluster a component talks to (for the generated diagram). */
export interface ExternalEndpoint {
  readonly external: string;
}

/**
 * A flow a component takes part in: traffic it sends (`traffic`) or objects an operator manages
 * (`manages`). Flows feed the generated cluster diagram and are validated: a flow to a component
 * the cluster does not include fails synth.
 */
export interface Flow {
  /** Target component name, or an endpoint outside the cluster. */
  readonly to: string | ExternalEndpoint;
  /** An endpoint outside the cluster that opens the connection to `to` (this component). @default - this component */
  readonly from?: ExternalEndpoint;
  /** What flows, e.g. `HTTPS 443`, `PostgreSQL 5432`, `ACME DNS-01`. */
  readonly label: string;
  /** @default 'traffic' */
  readonly kind?: 'traffic' | 'manages';
}

export interface ComponentProps {
  /** The namespace the component runs in: its Argo CD Application's destination. */
  readonly namespace: Namespace;
  /**
   * Further namespaces the component's objects live in (declared here, rendered once by core).
   * @default []
   */
  readonly extraNamespaces?: readonly Namespace[];
  /** Argo CD project of the component. */
  readonly project: ProjectName;
  /**
   * Components that must be healthy before this one syncs (names of components of the same cluster).
   * Every component also waits for the cluster's namespaces.
   * @default []
   */
  readonly dependsOn?: readonly string[];
  /**
   * Minimum wave. The wave actually used is the larger of this and one more than the wave of every
   * dependency; a value that contradicts a dependency (not greater than its wave) is an error.
   * @default - derived from dependsOn only
   */
  readonly wave?: number;
  /**
   * The upstream Helm chart and the values we set for it, rendered at synth into the component's
   * manifests (values.yaml keeps the values for review and provenance).
   * @default - no chart
   */
  readonly chart?: ChartUse;
  /**
   * Upstream manifest files (plain YAML, pinned in libs/crds/crd-sources.json) read at synth into
   * the component's manifests beside the chart's objects (see manifests.ts).
   * @default - none
   */
  readonly manifests?: PinnedManifests;
  /**
   * Argo CD sync options of the component's Application.
   * @default ['ServerSideApply=true']
   */
  readonly syncOptions?: readonly string[];
  /**
   * This component is the cluster's service mesh: namespaces declared `meshed` get sidecar injection.
   * @default false
   */
  readonly providesMesh?: boolean;
}

/**
 * A platform component: one Argo CD Application, one `dist/<cluster>/<name>/` directory.
 * It yields its Kubernetes objects (children), its chart values and its Argo CD metadata; only the
 * dist writer decides paths and file names. The construct id is the component name: a contract.
 */
export abstract class Component extends Chart {
  /** Component name: the construct id, the dist directory and the Argo CD Application name. */
  readonly name: string;
  readonly platform: Platform;
  /**
   * The namespace the component runs in, its Application's destination. (Not cdk8s'
   * `Chart.namespace`, which would stamp a namespace on cluster-scoped objects.)
   */
  readonly home: Namespace;
  /** Every namespace the component declares: `home` first. */
  readonly namespaces: readonly Namespace[];
  readonly project: ProjectName;
  readonly dependsOn: string[];
  readonly minWave?: number;
  readonly chart?: ChartUse;
  readonly manifests?: PinnedManifests;
  /** Provenance of `manifests`: the pinned files (path, URL, sha256) at the upstream tag. */
  readonly upstreamFiles?: UpstreamFiles;
  readonly syncOptions: readonly string[];
  readonly providesMesh: boolean;
  private readonly flowList: Flow[] = [];
  private readonly chartPatches: ((o: KubeObject) => void)[] = [];
  private chartObjectList: KubeObject[] = [];
  private readonly distFileMap = new Map<string, string>();

  constructor(scope: Platform, id: string, props: ComponentProps) {
    super(scope, id, { disableResourceNameHashes: true, labels: commonLabels(id) });
    const problems: Problem[] = [];
    const at = (field: string, message: string) => problems.push({ file: scope.file, path: `components.${id}${field}`, message });
    if (!DNS1123_LABEL.test(id))
      at('', `component name ${JSON.stringify(id)} must be a DNS-1123 label (it names a directory and an Argo CD Application)`);
    const namespaces = [props.namespace, ...(props.extraNamespaces ?? [])];
    namespaces.forEach((ns, i) => {
      const problem = ns instanceof Namespace ? ns.problem() : 'expected Namespace.restricted(...), .baseline(...) or .privileged(...)';
      if (problem) at(i === 0 ? '.namespace' : `.extraNamespaces[${i - 1}]`, problem);
    });
    if (props.chart) for (const message of chartPinProblems(props.chart)) at('.chart', message);
    // A value of the wrong type cannot be built on: stop. Anything else is reported, and
    // composition goes on so every component's problems are listed together.
    if (!namespaces.every((ns) => ns instanceof Namespace)) throw new SynthError(problems);
    const manifests =
      props.manifests &&
      resolveManifests(
        props.manifests,
        namespaces.map((ns) => ns.name),
      );
    for (const message of manifests?.problems ?? []) at('.manifests', message);
    for (const problem of problems) scope.report(problem);
    this.name = id;
    this.platform = scope;
    this.home = props.namespace;
    this.namespaces = namespaces;
    this.project = props.project;
    this.dependsOn = [...(props.dependsOn ?? [])];
    this.minWave = props.wave;
    this.chart = props.chart;
    this.manifests = props.manifests;
    this.upstreamFiles = manifests?.provenance;
    this.syncOptions = props.syncOptions ?? ['ServerSideApply=true'];
    this.providesMesh = props.providesMesh ?? false;
    scope.register(this);
    this.node.addValidation({
      validate: () =>
        this.flowList
          .filter((f) => typeof f.to === 'string' && !scope.tryFind(f.to))
          .map((f) => `flow "${f.label}" goes to component "${String(f.to)}", which this cluster does not include`),
    });
  }

  /**
   * A file beside the component's manifests that is not a Kubernetes object, for tools other than
   * Argo CD (Vault's policies, say): written to `dist/<cluster>/<component>/config/<path>`. Argo CD
   * never applies it (its source is `manifests/`).
   * @param path relative, lower-case segments such as `policies/argocd.hcl`
   */
  addConfigFile(path: string, content: string): void {
    if (!/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/.test(path) || path.split('/').some((s) => s === '..'))
      throw new SynthError([
        {
          file: this.platform.file,
          path: `components.${this.name}`,
          message: `config file ${JSON.stringify(path)}: expected relative lower-case segments such as "policies/argocd.hcl"`,
        },
      ]);
    if (this.distFileMap.has(path))
      throw new SynthError([
        { file: this.platform.file, path: `components.${this.name}`, message: `config file ${path} is written twice` },
      ]);
    this.distFileMap.set(path, content);
  }

  /** The config files (see addConfigFile), by path. */
  get configFiles(): ReadonlyMap<string, string> {
    return this.distFileMap;
  }

  /** Declares a flow from this component (see Flow). */
  addFlow(flow: Flow): void {
    this.flowList.push(flow);
  }

  /** The flows this component declared. */
  get flows(): readonly Flow[] {
    return this.flowList;
  }

  /** Every object of this component, nested constructs included (cdk8s' `apiObjects` lists direct children only). */
  objects(): ApiObject[] {
    return this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === (this as Chart));
  }

  /** The objects the chart rendered (after the component's patches); empty until hydration ran. */
  get chartObjects(): readonly KubeObject[] {
    return this.chartObjectList;
  }

  /**
   * A typed post-render step: `patch` runs on every object the chart renders, before it is written.
   * For what chart values cannot express (a policy exemption with its reason, say).
   */
  patchChartObjects(patch: (o: KubeObject) => void): void {
    this.chartPatches.push(patch);
  }

  /**
   * Exempts chart objects from one `validate` policy, with the reason `validate` lists.
   * @param match kind and name of the objects (name `*` for every object of the kind)
   */
  exemptChartObjects(match: ChartObjectMatch | readonly ChartObjectMatch[], policy: string, reason: string): void {
    const matches = Array.isArray(match) ? match : [match];
    this.patchChartObjects((o) => {
      if (!matches.some((m) => o.kind === m.kind && (m.name === '*' || o.metadata?.name === m.name))) return;
      o.metadata = { ...o.metadata, annotations: { ...o.metadata?.annotations, [`${EXEMPT_ANNOTATION_PREFIX}${policy}`]: reason } };
    });
  }

  /** @internal Called by synth with what `helm template` rendered for `chart`. */
  setChartObjects(objects: KubeObject[]): void {
    for (const o of objects) for (const patch of this.chartPatches) patch(o);
    this.chartObjectList = objects;
  }

  /** Declares that this component needs `other` healthy first (used for cross-component wiring). */
  needs(other: Component | string): void {
    const name = typeof other === 'string' ? other : other.name;
    if (name !== this.name && !this.dependsOn.includes(name)) this.dependsOn.push(name);
  }
}

/** Chart objects by kind and name (`*`: every object of the kind). */
export interface ChartObjectMatch {
  readonly kind: string;
  readonly name: string;
}

/** A Kubernetes object as plain JSON (what a chart renders). */
export type KubeObject = Record<string, any> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

/** Annotation prefix that exempts an object from one `validate` policy: `policy.platform/exempt-<policy-id>: <reason>`. */
export const EXEMPT_ANNOTATION_PREFIX = 'policy.platform/exempt-';

/**
 * True when `x` is an instance of `cls`, by its prototype chain. Not `instanceof`: cdk8s' Chart
 * answers it for every chart, so `x instanceof SomeComponent` is true for any component.
 */
export function isInstance<T extends object>(cls: abstract new (...args: never[]) => T, x: unknown): x is T {
  return typeof x === 'object' && x !== null && Object.prototype.isPrototypeOf.call(cls.prototype, x);
}

/**
 * Validates a component's props at runtime (cluster files are TypeScript, but a typo in an
 * optional field or a bad string must still fail with the file, the field path and what is allowed).
 */
export function parseComponentProps<S extends import('zod').ZodType>(
  scope: Platform,
  id: string,
  schema: S,
  props: unknown,
): import('zod').output<S> {
  const input = props ?? {};
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = issuesToProblems(scope.file, `components.${id}`, input, result.error.issues);
  // Without the fields in error (their defaults apply) the component can still be built, so the
  // rest of the cluster file runs and its problems are listed too; the synth fails at the end.
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const bad = new Set(result.error.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys : [i.path[0]])).flat());
    const rest = Object.fromEntries(Object.entries(input).filter(([k]) => !bad.has(k)));
    const retry = schema.safeParse(rest);
    if (retry.success) {
      for (const problem of problems) scope.report(problem);
      return retry.data;
    }
  }
  throw new SynthError(problems);
}

/**
 * A props field holding another component of the cluster file (a typed wire): checked at synth,
 * so a wrong value fails with the field path instead of deep inside the component.
 * @param what names the expected component in the message, e.g. `CNI (Cilium)`
 */
export const componentSchema = <T extends Component = Component>(what: string) =>
  z.custom<T>((v) => isInstance(Component, v), {
    error: (iss) => `got ${showValue(iss.input)}, expected the ${what} component (a value of the cluster file)`,
  });

/**
 * Objects of a bootstrap component (Argo CD) that need CRDs later components install (its route,
 * its secrets), as their own Application `<name>-<role>` in the same project and namespace: synced
 * by the platform wave by wave after what they need, while the bootstrap component never waits.
 */
class Companion extends Component {
  constructor(of: Component, role: string) {
    super(of.platform, `${of.name}-${role}`, { namespace: of.home, project: of.project });
  }
}

/** Where an add-on puts its objects for `component`: the component itself, or a bootstrap component's companion `<name>-<role>`. */
export function addOnOwner(component: Component, role: 'edge' | 'secrets'): Component {
  if (component.project !== 'bootstrap') return component;
  return component.platform.tryFind(`${component.name}-${role}`) ?? new Companion(component, role);
}
