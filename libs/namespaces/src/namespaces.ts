import { z } from 'zod';
import { Component, Platform, PlatformNamespace, PlatformNamespaceProps, parseComponentProps, strictObject } from '@platform/core';

/**
 * Every namespace of the platform (SPEC.md), with the Pod Security level it truly needs and whether
 * its pods are meant to join the mesh (`meshed`, applied with `sidecarInjection`). `kube-system` is
 * not here: Kubernetes owns it.
 */
export const PLATFORM_NAMESPACES: readonly PlatformNamespaceProps[] = [
  {
    name: 'istio-system',
    podSecurity: 'privileged',
    podSecurityReason:
      'the istio-cni node agent DaemonSet installs the CNI plugin on every node (hostPath, privileged); it is what lets application namespaces stay restricted',
  },
  { name: 'istio-ingress', meshed: true },
  { name: 'cert-manager' },
  { name: 'karpenter' },
  { name: 'vault' },
  { name: 'vault-secrets-operator-system' },
  { name: 'cnpg-system' },
  { name: 'iam-system', meshed: true },
  {
    name: 'observability-system',
    meshed: true,
    podSecurity: 'privileged',
    podSecurityReason:
      'node-exporter reads host metrics (hostNetwork, hostPID, hostPath) and the log collector DaemonSet reads /var/log/pods (hostPath)',
  },
  { name: 'api', meshed: true },
  { name: 'argocd' },
];

const names = PLATFORM_NAMESPACES.map((n) => n.name) as [string, ...string[]];

const propsSchema = strictObject({
  exclude: z.array(z.enum(names)).optional(),
  sidecarInjection: z.boolean().optional(),
});

export interface NamespacesProps {
  /**
   * Namespaces of PLATFORM_NAMESPACES this cluster does not need, e.g. `karpenter` on kind.
   * @default [] - every platform namespace
   */
  readonly exclude?: readonly string[];
  /**
   * Label the namespaces meant for the mesh with `istio-injection: enabled`. Turn it on together
   * with the Istio component, which renders the mesh-wide STRICT PeerAuthentication: a meshed
   * namespace without STRICT mTLS fails validation.
   * @default false - every namespace is labelled `istio-injection: disabled`
   */
  readonly sidecarInjection?: boolean;
}

/**
 * Creates the platform's namespaces, each with Pod Security Standards labels, its Istio injection
 * label and a default-deny NetworkPolicy plus DNS egress. Components add the allows their traffic needs.
 */
export class Namespaces extends Component {
  /** The namespaces created, by name. */
  readonly created: ReadonlyMap<string, PlatformNamespace>;

  constructor(scope: Platform, id: string, props: NamespacesProps = {}) {
    const { exclude = [], sidecarInjection = false } = parseComponentProps(scope, id, propsSchema, props);
    super(scope, id, { namespace: 'argocd', project: 'infrastructure' });
    const created = new Map<string, PlatformNamespace>();
    for (const ns of PLATFORM_NAMESPACES.filter((n) => !exclude.includes(n.name))) {
      created.set(ns.name, new PlatformNamespace(this, ns.name, { ...ns, meshed: sidecarInjection && ns.meshed }));
    }
    this.created = created;
  }

  /** True when the namespace is created here and labelled for sidecar injection. */
  isMeshed(name: string): boolean {
    return this.created.get(name)?.meshed ?? false;
  }
}
