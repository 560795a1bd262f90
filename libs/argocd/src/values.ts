import type { HelmResources } from '@platform/core';
import type { k8s } from 'cdk8s-plus-30';

/** Settings shared by the Argo CD deployments we scale (server, repo server, ApplicationSet controller). */
export interface ArgoCdDeploymentValues {
  readonly replicas: number;
  readonly resources: HelmResources;
  readonly pdb: { readonly enabled: boolean; readonly maxUnavailable?: number };
  readonly topologySpreadConstraints?: readonly k8s.TopologySpreadConstraint[];
}

/**
 * The argo-cd chart values we set (argo-helm 10.x).
 * @see https://github.com/argoproj/argo-helm/blob/main/charts/argo-cd/values.yaml
 */
export interface ArgoCdValues {
  /** Public host name; the chart derives argocd-cm `url` from it. */
  readonly global: { readonly domain: string };
  readonly crds: { readonly install: boolean; readonly keep: boolean };
  readonly configs: {
    /** argocd-cmd-params-cm. */
    readonly params: { readonly 'server.insecure': boolean };
    /** argocd-cm: tracking, exec, reconciliation, health checks. ConfigMap data: strings only. */
    readonly cm: Readonly<Record<string, string>>;
  };
  readonly dex: { readonly enabled: boolean };
  readonly notifications: { readonly enabled: boolean };
  readonly controller: ArgoCdDeploymentValues;
  readonly server: ArgoCdDeploymentValues;
  readonly repoServer: ArgoCdDeploymentValues;
  readonly applicationSet: ArgoCdDeploymentValues;
  readonly redis: { readonly enabled: boolean; readonly resources: HelmResources };
  readonly 'redis-ha': { readonly enabled: boolean };
}
