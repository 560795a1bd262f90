import type { HelmResources } from '@platform/core';
import type { k8s } from 'cdk8s-plus-30';

/**
 * The chart values we set, per chart (Istio 1.30.3). The charts merge them over their
 * `_internal_defaults_do_not_set` block, so every key below is a top-level key of the chart.
 * @see https://github.com/istio/istio/tree/1.30.3/manifests/charts
 */

/** Release images: the chart sources default to test images. */
export interface IstioImageValues {
  readonly hub: string;
  readonly tag: string;
}

/** Failure policy of Istio's validating webhooks (`base.validationFailurePolicy`). */
export type ValidationFailurePolicy = 'Fail' | 'Ignore';

/** Chart `base`. */
export interface IstioBaseValues {
  readonly global: { readonly istioNamespace: string; readonly enableReaderRBAC: boolean };
  readonly base: {
    /** CRDs as plain templates, so they upgrade with the chart (Helm's `crds/` never upgrades). */
    readonly enableCRDTemplates: boolean;
    readonly enableIstioConfigCRDs: boolean;
    /** Rendered as istiod's webhook controller sets it at runtime, so Argo CD sees no drift (istio#57643). */
    readonly validationFailurePolicy: ValidationFailurePolicy;
  };
  /** The revision whose istiod validates Istio config cluster-wide (`istiod-default-validator`). */
  readonly defaultRevision: string;
}

/** Chart `cni`. */
export interface IstioCniValues {
  readonly global: IstioImageValues & { readonly logging: { readonly level: string } };
  /** Chain after the primary CNI (Cilium) instead of owning the node's CNI config. */
  readonly chained: boolean;
  readonly cniBinDir: string;
  readonly cniConfDir: string;
  readonly ambient: { readonly enabled: boolean };
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
  readonly resources: HelmResources;
}

/** Chart `istiod` (the `pilot` settings of the istioctl profiles are top-level keys here). */
export interface IstiodValues {
  readonly global: IstioImageValues & {
    readonly istioNamespace: string;
    /** The injected sidecars (and their istio-validation init container). */
    readonly proxy: { readonly resources: HelmResources; readonly seccompProfile: { readonly type: 'RuntimeDefault' } };
    readonly defaultPodDisruptionBudget: { readonly enabled: boolean };
    readonly priorityClassName: string;
    readonly logAsJson: boolean;
  };
  readonly base: { readonly validationFailurePolicy: ValidationFailurePolicy };
  readonly autoscaleEnabled: boolean;
  readonly replicaCount: number;
  readonly pdb: { readonly minAvailable?: number; readonly maxUnavailable?: number };
  readonly topologySpreadConstraints: readonly k8s.TopologySpreadConstraint[];
  readonly resources: HelmResources;
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
  /** The injector leaves traffic redirection to the istio-cni node agent (no privileged init container). */
  readonly cni: { readonly enabled: boolean };
  /** Environment of the discovery container (feature flags). */
  readonly env: Readonly<Record<string, string>>;
  readonly meshConfig: {
    readonly accessLogFile: string;
    readonly accessLogEncoding: 'JSON' | 'TEXT';
    readonly enablePrometheusMerge: boolean;
    readonly outboundTrafficPolicy: { readonly mode: 'ALLOW_ANY' | 'REGISTRY_ONLY' };
    readonly defaultConfig: { readonly holdApplicationUntilProxyStarts: boolean };
  };
  readonly sidecarInjectorWebhook: { readonly enableNamespacesByDefault: boolean; readonly rewriteAppHTTPProbe: boolean };
  readonly telemetry: {
    readonly enabled: boolean;
    readonly v2: { readonly enabled: boolean; readonly prometheus: { readonly enabled: boolean } };
  };
}

/** Chart `gateway`. */
export interface IstioGatewayValues {
  readonly service: { readonly type: 'LoadBalancer'; readonly annotations: Readonly<Record<string, string>> };
  readonly autoscaling: {
    readonly enabled: boolean;
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly targetCPUUtilizationPercentage: number;
  };
  readonly replicaCount: number;
  readonly podDisruptionBudget: { readonly maxUnavailable: number } | Record<string, never>;
  readonly topologySpreadConstraints: readonly k8s.TopologySpreadConstraint[];
  readonly resources: HelmResources;
  readonly securityContext: {
    readonly runAsNonRoot: boolean;
    readonly seccompProfile: { readonly type: 'RuntimeDefault' };
    readonly sysctls: readonly { readonly name: string; readonly value: string }[];
  };
  /** What the injected `gateway` template sets at admission, stated in the manifest. */
  readonly readinessProbe: k8s.Probe;
}
