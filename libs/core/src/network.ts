import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-30';

/** A TCP/UDP port. */
export interface Port {
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP';
}

/** NetworkPolicy ports. */
export const toPorts = (ports: readonly Port[]) =>
  ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol ?? 'TCP' }));

/** Labels Kubernetes puts on every namespace: selects a namespace by name. */
export const namespaceSelector = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });

/**
 * Denies all ingress and egress in a namespace; explicit allow policies open what is needed.
 */
export function defaultDeny(scope: Construct, namespace: string): k8s.KubeNetworkPolicy {
  return new k8s.KubeNetworkPolicy(scope, `${namespace}-default-deny`, {
    metadata: { name: 'default-deny', namespace },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
}

/** Allows every pod of a namespace to resolve names through the cluster DNS. */
export function allowDns(scope: Construct, namespace: string): k8s.KubeNetworkPolicy {
  return new k8s.KubeNetworkPolicy(scope, `${namespace}-allow-dns`, {
    metadata: { name: 'allow-dns', namespace },
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ namespaceSelector: namespaceSelector('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: toPorts([
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ]),
        },
      ],
    },
  });
}
