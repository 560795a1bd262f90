/**
 * Shared types of `platform:validate`. Every check module exports a function
 * `(ctx: ValidateContext) => Promise<Finding[]> | Finding[]` and never prints:
 * the CLI (cli.ts) collects, sorts and reports findings per cluster.
 */

/** One parsed Kubernetes object read from `dist/<cluster>/<component>/manifests/<file>`. */
export interface DistObject {
  /** Cluster directory name under dist/. */
  readonly cluster: string;
  /** Component directory name under dist/<cluster>/. */
  readonly component: string;
  /** Path relative to the repository root, e.g. `dist/dev/cert-manager/manifests/clusterissuer-letsencrypt-prod.yaml`. */
  readonly file: string;
  /** 0-based position of this document in its file (files should hold exactly one). */
  readonly documentIndex?: number;
  /** Number of YAML documents in the file; more than 1 breaks the one-object-per-file contract. */
  readonly documentCount?: number;
  /**
   * `<sha256 of the file's text>#<documentIndex>`: equal keys are equal objects (the same CRD in
   * every cluster), so checks may reuse what they computed for one.
   */
  readonly contentKey?: string;
  /** The object as parsed from YAML. */
  readonly object: Record<string, unknown> & {
    apiVersion?: string;
    kind?: string;
    metadata?: { name?: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  };
}

/** One `dist/<cluster>/<component>/` directory. */
export interface DistComponent {
  readonly cluster: string;
  readonly name: string;
  /** Directory relative to the repository root. */
  readonly dir: string;
  /** Parsed component.json, or undefined when missing/unparsable (the contract check reports that). */
  readonly componentJson?: unknown;
  /** Parsed values.yaml, when present. */
  readonly values?: unknown;
  readonly objects: DistObject[];
}

export interface DistCluster {
  readonly name: string;
  readonly dir: string;
  readonly components: DistComponent[];
  /**
   * The Kubernetes release the cluster declares (`1.33`) and the file it was read from:
   * `kubernetesVersion` of `dist/<cluster>/cluster.json`, else the "Kubernetes" row of the generated
   * `dist/<cluster>/README.md`; undefined when neither says (the schema check then uses the floor).
   */
  readonly kubernetes?: { readonly version: string; readonly source: string };
}

export interface ValidateContext {
  /** Absolute repository root. */
  readonly root: string;
  /** Absolute path of the dist directory being validated. */
  readonly distDir: string;
  readonly clusters: DistCluster[];
  /**
   * Problems met while reading dist (YAML syntax errors, documents that are not objects, unreadable
   * files); reported by the CLI with the other findings. Filled by load.ts.
   */
  readonly loadFindings?: Finding[];
  /** What the recovery of an interrupted synth swap did before dist was read (load.ts), if anything. */
  readonly recovered?: string;
}

export type Severity = 'error' | 'warning';

export interface Finding {
  /** Check family: schema | helm-values | policy | secrets | contract. */
  readonly check: 'schema' | 'helm-values' | 'policy' | 'secrets' | 'contract';
  /** Stable rule id, e.g. `run-as-non-root`, `unknown-field`, `private-key`. */
  readonly rule: string;
  readonly severity: Severity;
  /** Cluster name, or undefined for findings in the source tree. */
  readonly cluster?: string;
  /** File relative to the repository root. */
  readonly file: string;
  /** 1-based line in `file`, when the check knows it (secrets scan). */
  readonly line?: number;
  /** JSON path inside the object, e.g. `spec.template.spec.containers[0].securityContext`. */
  readonly path?: string;
  /** `Kind/namespace/name` of the object concerned, when there is one. */
  readonly object?: string;
  readonly message: string;
  /** How to fix it. */
  readonly hint?: string;
}

/**
 * A policy exemption: annotation `policy.platform/exempt-<policy-id>: "<reason>"` on the object
 * (workloads: on the Deployment/StatefulSet/DaemonSet/ReplicaSet/Job/CronJob itself or on its pod
 * template). validate lists every one.
 */
export interface Exemption {
  readonly cluster: string;
  readonly file: string;
  readonly object: string;
  readonly policy: string;
  readonly reason: string;
  /** Where the annotation is: the object's metadata, or the pod template of a workload. */
  readonly on: 'object' | 'pod-template';
  /** Path of the annotation, e.g. `metadata.annotations["policy.platform/exempt-no-host-path"]`. */
  readonly path: string;
}

/** The workloads the policies checked in one cluster. */
export interface WorkloadsChecked {
  readonly total: number;
  /** Count per kind, kinds sorted. */
  readonly byKind: Readonly<Record<string, number>>;
  /** Of those, objects with a `helm.sh/hook` annotation (hook Jobs of upstream charts). */
  readonly helmHooks: number;
}

export const EXEMPTION_PREFIX = 'policy.platform/exempt-';
