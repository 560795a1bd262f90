import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-30';
import { allowDns, defaultDeny } from './network';

/** Pod Security Standards level enforced in a namespace. */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface PlatformNamespaceProps {
  readonly name: string;
  /**
   * Pod Security Standards level enforced. Anything below `restricted` needs a reason.
   * @default 'restricted'
   */
  readonly podSecurity?: PodSecurityLevel;
  /** Why the namespace cannot be `restricted` (required when it is not). */
  readonly podSecurityReason?: string;
  /**
   * Istio sidecar injection for the namespace's pods.
   * @default false
   */
  readonly meshed?: boolean;
  /**
   * Kubernetes version the PSS level is pinned to, so an upgrade does not change admission silently.
   * @default 'v1.30'
   */
  readonly podSecurityVersion?: string;
}

/** A namespace we own: PSS labels, mesh label, default-deny NetworkPolicy and DNS egress. */
export class PlatformNamespace extends Construct {
  readonly name: string;
  readonly meshed: boolean;
  readonly podSecurity: PodSecurityLevel;

  constructor(scope: Construct, id: string, props: PlatformNamespaceProps) {
    super(scope, id);
    this.name = props.name;
    this.meshed = props.meshed ?? false;
    this.podSecurity = props.podSecurity ?? 'restricted';
    if (this.podSecurity !== 'restricted' && !props.podSecurityReason?.trim()) {
      throw new Error(
        `namespace ${props.name}: podSecurity ${this.podSecurity} needs a podSecurityReason (restricted is the default for a reason)`,
      );
    }
    const version = props.podSecurityVersion ?? 'v1.30';
    new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: props.name,
        labels: {
          'pod-security.kubernetes.io/enforce': this.podSecurity,
          'pod-security.kubernetes.io/enforce-version': version,
          // Warn and audit against restricted everywhere, so anything short of it stays visible.
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': version,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': version,
          'istio-injection': this.meshed ? 'enabled' : 'disabled',
        },
        annotations: props.podSecurityReason ? { 'platform/pod-security-reason': props.podSecurityReason } : undefined,
      },
    });
    defaultDeny(this, props.name);
    allowDns(this, props.name);
  }
}
