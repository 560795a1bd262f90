import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { commonLabels } from './labels';
import type { Platform } from './platform';
import { DNS1123_LABEL } from './validation';
import { SynthError } from './errors';
import { parseOrThrow } from './validation';

/** The Argo CD projects components belong to; each restricts sources, destinations and kinds. */
export const PROJECTS = ['infrastructure', 'iam', 'observability', 'apps'] as const;
export type ProjectName = (typeof PROJECTS)[number];

/** An upstream Helm chart pinned to an exact version. */
export interface HelmChartSource {
  /** Chart repository URL (`https://charts.jetstack.io`) or OCI registry (`oci://...` without the chart name). */
  readonly repoURL: string;
  /** Chart name in that repository. */
  readonly chart: string;
  /** Exact chart version; ranges are rejected. */
  readonly version: string;
  /**
   * Helm release name.
   * @default - the component name
   */
  readonly releaseName?: string;
  /**
   * Version of the software the chart installs (its appVersion), for the generated cluster README.
   * @default - not shown
   */
  readonly appVersion?: string;
}

/** Upstream manifests in a Git repository, pinned to a tag or commit. */
export interface GitSource {
  readonly repoURL: string;
  readonly path: string;
  /** Tag or full commit id: never a branch. */
  readonly revision: string;
}

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
  /** What flows, e.g. `HTTPS 443`, `PostgreSQL 5432`, `ACME DNS-01`. */
  readonly label: string;
  /** @default 'traffic' */
  readonly kind?: 'traffic' | 'manages';
}

export interface ComponentProps {
  /** Default namespace of the component's Argo CD Application (where its chart installs). */
  readonly namespace: string;
  /** Argo CD project of the component. */
  readonly project: ProjectName;
  /**
   * Components that must be healthy before this one syncs (names of components of the same cluster).
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
   * The upstream Helm chart and the values we set for it (written to values.yaml).
   * @default - no chart
   */
  readonly chart?: HelmChartSource & { readonly values: object };
  /**
   * Upstream manifests from Git.
   * @default - none
   */
  readonly git?: GitSource;
  /**
   * Argo CD sync options of the component's Application.
   * @default ['ServerSideApply=true']
   */
  readonly syncOptions?: readonly string[];
  /**
   * Cluster-scoped kinds the chart or git source creates (our own objects are detected). The
   * component's AppProject allows exactly these plus what our own objects need.
   * @default []
   */
  readonly upstreamClusterKinds?: readonly GroupKind[];
  /**
   * Namespaces besides `namespace` the chart or git source writes into.
   * @default []
   */
  readonly upstreamNamespaces?: readonly string[];
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
   * Destination namespace of the component's Argo CD Application. (Not cdk8s' `Chart.namespace`,
   * which would stamp a namespace on cluster-scoped objects: our objects name theirs explicitly.)
   */
  readonly applicationNamespace: string;
  readonly project: ProjectName;
  readonly dependsOn: string[];
  readonly minWave?: number;
  readonly chart?: HelmChartSource & { readonly values: object };
  readonly git?: GitSource;
  readonly syncOptions: readonly string[];
  readonly upstreamClusterKinds: readonly GroupKind[];
  readonly upstreamNamespaces: readonly string[];
  private readonly flowList: Flow[] = [];

  constructor(scope: Platform, id: string, props: ComponentProps) {
    super(scope, id, { disableResourceNameHashes: true, labels: commonLabels(id) });
    if (!DNS1123_LABEL.test(id)) {
      throw new SynthError([
        {
          file: scope.file,
          path: `components.${id}`,
          message: `component name ${JSON.stringify(id)} must be a DNS-1123 label (it names a directory and an Argo CD Application)`,
        },
      ]);
    }
    this.name = id;
    this.platform = scope;
    this.applicationNamespace = props.namespace;
    this.project = props.project;
    this.dependsOn = [...(props.dependsOn ?? [])];
    this.minWave = props.wave;
    this.chart = props.chart;
    this.git = props.git;
    this.syncOptions = props.syncOptions ?? ['ServerSideApply=true'];
    this.upstreamClusterKinds = props.upstreamClusterKinds ?? [];
    this.upstreamNamespaces = props.upstreamNamespaces ?? [];
    scope.register(this);
    this.node.addValidation({
      validate: () =>
        this.flowList
          .filter((f) => typeof f.to === 'string' && !scope.tryFind(f.to))
          .map((f) => `flow "${f.label}" goes to component "${String(f.to)}", which this cluster does not include`),
    });
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

  /** Declares that this component needs `other` healthy first (used for cross-component wiring). */
  needs(other: Component | string): void {
    const name = typeof other === 'string' ? other : other.name;
    if (!this.dependsOn.includes(name)) this.dependsOn.push(name);
  }
}

/** True when `x` is a component (works across construct trees). */
export function isComponent(x: Construct): x is Component {
  return x instanceof Component;
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
  return parseOrThrow(schema, props ?? {}, scope.file, `components.${id}`);
}
