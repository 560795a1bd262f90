import type { HelmResources } from '@platform/core';
import type { k8s } from 'cdk8s-plus-30';

/** Settings shared by the Argo CD deployments we scale (server, repo server, ApplicationSet controller). */
export interface ArgoCdDeploymentValues {
  readonly replicas: number;
  readonly resources: HelmResources;
  readonly pdb: { readonly enabled: boolean; readonly maxUnavailable?: number };
  readonly topologySpreadConstraints?: readonly k8s.TopologySpreadConstraint[];
}

/** The redis-ha subchart (DandyDeveloper/charts redis-ha 4.38.0): every container's resources. */
export interface RedisHaValues {
  readonly enabled: boolean;
  readonly redis: { readonly resources: HelmResources };
  readonly sentinel: { readonly resources: HelmResources };
  readonly splitBrainDetection: { readonly resources: HelmResources };
  /** The init containers of the Redis StatefulSet. */
  readonly init: { readonly resources: HelmResources };
  readonly podDisruptionBudget: { readonly maxUnavailable: number };
  readonly haproxy: {
    readonly resources: HelmResources;
    readonly init: { readonly resources: HelmResources };
    readonly podDisruptionBudget: { readonly maxUnavailable: number };
    readonly serviceAccount: { readonly automountToken: boolean };
  };
}

/**
 * The argo-cd chart values we set (argo-helm 10.1.1).
 * @see https://github.com/argoproj/argo-helm/blob/argo-cd-10.1.1/charts/argo-cd/values.yaml
 */
export interface ArgoCdValues {
  /** Public host name; the chart derives argocd-cm `url` from it. */
  readonly global: { readonly domain: string; readonly networkPolicy: { readonly create: boolean } };
  readonly crds: { readonly install: boolean; readonly keep: boolean };
  readonly configs: {
    /** argocd-cmd-params-cm. */
    readonly params: { readonly 'server.insecure': boolean; readonly 'controller.sync.timeout.seconds': number };
    /** argocd-cm: tracking, exec, reconciliation, health checks. ConfigMap data: strings only. */
    readonly cm: Readonly<Record<string, string>>;
  };
  readonly dex: { readonly enabled: boolean };
  readonly notifications: { readonly enabled: boolean };
  readonly controller: ArgoCdDeploymentValues;
  readonly server: ArgoCdDeploymentValues;
  readonly repoServer: ArgoCdDeploymentValues & {
    readonly automountServiceAccountToken: boolean;
    readonly serviceAccount: { readonly automountServiceAccountToken: boolean };
  };
  readonly applicationSet: ArgoCdDeploymentValues & {
    readonly readinessProbe: { readonly enabled: boolean };
    readonly livenessProbe: { readonly enabled: boolean };
  };
  /** The single-node Redis, when redis-ha is off. */
  readonly redis: {
    readonly enabled: boolean;
    readonly resources: HelmResources;
    readonly automountServiceAccountToken: boolean;
    readonly readinessProbe: { readonly enabled: boolean };
    readonly livenessProbe: { readonly enabled: boolean };
  };
  /** The pre-install/pre-upgrade Job that creates the Redis password Secret in the cluster. */
  readonly redisSecretInit: { readonly resources: HelmResources };
  readonly 'redis-ha': RedisHaValues;
}
