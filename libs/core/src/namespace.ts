import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-30';
import { ARGOCD_COMPARE_OPTIONS, ARGOCD_SYNC_OPTIONS } from './labels';
import { allowDns, defaultDeny } from './network';
import { DNS1123_LABEL } from './validation';

/** Pod Security Standards level enforced in a namespace. */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface NamespaceOptions {
  /**
   * The namespace's pods join the service mesh (Istio sidecar injection). Applied only when the
   * cluster has a mesh component; until then the namespace is labelled `istio-injection: disabled`.
   * @default false
   */
  readonly meshed?: boolean;
}

export interface PrivilegedNamespaceOptions extends NamespaceOptions {
  /** Why the workload cannot run under `restricted`: shown on the namespace and by `validate`. */
  readonly reason: string;
}

/**
 * A namespace a component runs in, declared by that component next to the workload that needs
 * its Pod Security level. Core renders every declared namespace once (PSS labels, default-deny,
 * DNS egress) in the cluster's `namespaces` Application; two components may declare the same
 * namespace only with the same settings.
 *
 * @example Namespace.restricted('cert-manager')
 * @example Namespace.privileged('istio-system', { reason: 'the istio-cni node agent installs the CNI plugin on every node' })
 */
export class Namespace {
  /** The default: Pod Security `restricted`. */
  static restricted(name: string, options: NamespaceOptions = {}): Namespace {
    return new Namespace(name, 'restricted', undefined, options.meshed ?? false);
  }

  /** Pod Security `baseline`, with the reason the workload needs it. */
  static baseline(name: string, options: PrivilegedNamespaceOptions): Namespace {
    return new Namespace(name, 'baseline', options.reason, options.meshed ?? false);
  }

  /** Pod Security `privileged` (host access), with the reason the workload needs it. */
  static privileged(name: string, options: PrivilegedNamespaceOptions): Namespace {
    return new Namespace(name, 'privileged', options.reason, options.meshed ?? false);
  }

  /**
   * `kube-system`, which Kubernetes owns: components run there (Cilium, CoreDNS), but core renders
   * nothing for it (no labels, no default-deny: that would cut off the cluster's own add-ons).
   */
  static kubeSystem(): Namespace {
    return new Namespace('kube-system', 'privileged', 'owned by Kubernetes: node agents and cluster add-ons run here', false, false);
  }

  private constructor(
    readonly name: string,
    readonly podSecurity: PodSecurityLevel,
    readonly reason: string | undefined,
    readonly meshed: boolean,
    /** Core renders the namespace (labels, default-deny, DNS egress); false for `kube-system`. */
    readonly managed = true,
  ) {}

  /** Why this declaration is invalid, or undefined. */
  problem(): string | undefined {
    if (!DNS1123_LABEL.test(this.name))
      return `got ${JSON.stringify(this.name)}, a namespace name is a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)`;
    if (this.podSecurity !== 'restricted' && !this.reason?.trim())
      return `namespace ${this.name}: Pod Security ${this.podSecurity} needs a reason (restricted is the default for a reason)`;
    return undefined;
  }

  /** True when both declarations render the same namespace. */
  sameAs(other: Namespace): boolean {
    return (
      this.name === other.name && this.podSecurity === other.podSecurity && this.reason === other.reason && this.meshed === other.meshed
    );
  }

  /** One line for messages: `cert-manager (restricted)`. */
  describe(): string {
    return `${this.name} (${this.podSecurity}${this.meshed ? ', meshed' : ''}${this.reason ? `: ${this.reason}` : ''})`;
  }
}

/**
 * Kubernetes version the Pod Security level is pinned to, so a cluster upgrade never changes
 * admission silently.
 */
export const POD_SECURITY_VERSION = 'v1.30';

/**
 * Renders one namespace: PSS labels (enforce its level; warn and audit `restricted` everywhere),
 * the mesh label, a default-deny NetworkPolicy and DNS egress. Argo CD never deletes the Namespace:
 * not when an Application is deleted (`Delete=false`), not when no component declares it any more
 * (`Prune=false`); such a leftover does not hold the namespaces Application OutOfSync
 * (`IgnoreExtraneous`), so wave 0 never waits for it. `npm run diff` lists it for a person to delete.
 * (`Prune=confirm` would stop every later wave until someone confirms: see ADR 0004.)
 */
export function renderNamespace(scope: Construct, ns: Namespace, injection: boolean): void {
  const v = POD_SECURITY_VERSION;
  new k8s.KubeNamespace(scope, `${ns.name}-namespace`, {
    metadata: {
      name: ns.name,
      labels: {
        'pod-security.kubernetes.io/enforce': ns.podSecurity,
        'pod-security.kubernetes.io/enforce-version': v,
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': v,
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/audit-version': v,
        'istio-injection': injection && ns.meshed ? 'enabled' : 'disabled',
      },
      annotations: {
        [ARGOCD_SYNC_OPTIONS]: 'Delete=false,Prune=false',
        [ARGOCD_COMPARE_OPTIONS]: 'IgnoreExtraneous',
        ...(ns.reason ? { 'platform/pod-security-reason': ns.reason } : {}),
      },
    },
  });
  defaultDeny(scope, ns.name);
  allowDns(scope, ns.name);
}
