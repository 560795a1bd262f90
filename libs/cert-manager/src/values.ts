import type { HelmResources } from '@platform/core';
import type { k8s } from 'cdk8s-plus-30';

/** Per-deployment settings of the chart (controller at the top level, webhook, cainjector). */
export interface CertManagerDeploymentValues {
  /** The source chart defaults tags to its placeholder appVersion (v0.0.0): set the release. */
  readonly image: { readonly tag: string };
  readonly replicaCount: number;
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly maxUnavailable: number };
  readonly topologySpreadConstraints: readonly k8s.TopologySpreadConstraint[];
  readonly resources: HelmResources;
}

/**
 * The cert-manager chart values we set (v1.21.1).
 * @see https://github.com/cert-manager/cert-manager/blob/v1.21.1/deploy/charts/cert-manager/values.yaml
 */
export interface CertManagerValues extends CertManagerDeploymentValues {
  /** Install the CRDs with the chart and keep them when the release goes. */
  readonly crds: { readonly enabled: boolean; readonly keep: boolean };
  readonly global: { readonly leaderElection: { readonly namespace: string }; readonly priorityClassName: string };
  /** Secrets are deleted with their Certificate. */
  readonly enableCertificateOwnerRef: boolean;
  /** ControllerConfiguration file. */
  readonly config: {
    readonly apiVersion: 'controller.config.cert-manager.io/v1alpha1';
    readonly kind: 'ControllerConfiguration';
    readonly gatewayAPI: { readonly enabled: boolean };
  };
  readonly webhook: CertManagerDeploymentValues;
  readonly cainjector: CertManagerDeploymentValues;
  readonly startupapicheck: { readonly image: { readonly tag: string }; readonly resources: HelmResources };
  /** Image of the HTTP-01 solver pods the controller creates. */
  readonly acmesolver: { readonly image: { readonly tag: string } };
  readonly prometheus: { readonly enabled: boolean; readonly servicemonitor: { readonly enabled: boolean } };
}
