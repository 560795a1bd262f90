import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-30';

/** A TCP/UDP port. */
export interface Port {
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP';
}

const toPorts = (ports: readonly Port[]) => ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol ?? 'TCP' }));

/** Labels Kubernetes puts on every namespace: selects a namespace by name. */
export const namespaceSelector = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });

/** Where traffic comes from or goes to. */
export type Peer =
  | { readonly namespace: string; readonly podLabels?: Record<string, string> }
  | { readonly cidr: string; readonly except?: readonly string[] };

function toPeer(p: Peer): k8s.NetworkPolicyPeer {
  if ('cidr' in p) return { ipBlock: { cidr: p.cidr, except: p.except ? [...p.except] : undefined } };
  return { namespaceSelector: namespaceSelector(p.namespace), podSelector: p.podLabels ? { matchLabels: p.podLabels } : undefined };
}

/** Anywhere outside the cluster: the internet and the cloud APIs. */
export const ANYWHERE: Peer = { cidr: '0.0.0.0/0' };

/**
 * Peers built from components rather than namespace strings: they follow the component's declared
 * namespace, and every NetworkPolicy peer is checked against the declared namespaces at synth.
 */
export const Peers = {
  /** Pods of another component (its namespace, optionally narrowed to pods with `podLabels`). */
  component(c: { readonly home: { readonly name: string } }, podLabels?: Record<string, string>): Peer {
    return { namespace: c.home.name, ...(podLabels && { podLabels: { ...podLabels } }) };
  },
  /** Every pod of the namespace another component runs in. */
  namespaceOf(c: { readonly home: { readonly name: string } }): Peer {
    return { namespace: c.home.name };
  },
};

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

export interface FlowProps {
  /** Policy name, e.g. `allow-ingress-from-gateway`. */
  readonly name: string;
  readonly namespace: string;
  /** Pods of `namespace` the policy applies to. @default - every pod of the namespace */
  readonly podLabels?: Record<string, string>;
  /** Ingress: who may connect. Egress: where pods may connect. */
  readonly peers: readonly Peer[];
  readonly ports: readonly Port[];
}

/** Allows traffic into pods of a namespace from the given peers on the given ports. */
export function allowIngress(scope: Construct, props: FlowProps): k8s.KubeNetworkPolicy {
  return new k8s.KubeNetworkPolicy(scope, `${props.namespace}-${props.name}`, {
    metadata: { name: props.name, namespace: props.namespace },
    spec: {
      podSelector: props.podLabels ? { matchLabels: props.podLabels } : {},
      policyTypes: ['Ingress'],
      ingress: [{ from: props.peers.map(toPeer), ports: toPorts(props.ports) }],
    },
  });
}

/** Allows traffic out of pods of a namespace to the given peers on the given ports. */
export function allowEgress(scope: Construct, props: FlowProps): k8s.KubeNetworkPolicy {
  return new k8s.KubeNetworkPolicy(scope, `${props.namespace}-${props.name}`, {
    metadata: { name: props.name, namespace: props.namespace },
    spec: {
      podSelector: props.podLabels ? { matchLabels: props.podLabels } : {},
      policyTypes: ['Egress'],
      egress: [{ to: props.peers.map(toPeer), ports: toPorts(props.ports) }],
    },
  });
}

/** Allows all traffic between pods of the same namespace (operators talking to their webhooks, Argo CD to its Redis). */
export function allowWithinNamespace(scope: Construct, namespace: string): k8s.KubeNetworkPolicy {
  return new k8s.KubeNetworkPolicy(scope, `${namespace}-allow-same-namespace`, {
    metadata: { name: 'allow-same-namespace', namespace },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    },
  });
}

/**
 * Allows pods to reach the Kubernetes API server. The API server runs outside the pod network (EKS
 * control plane ENIs in the VPC, the kind node), so NetworkPolicy can only select it by address:
 * `nodeCidr` is the cluster's VPC or node network (`spec.network.vpcCidr`). Policies apply after
 * the `kubernetes` Service address is translated to the endpoint, so the Service CIDR is not needed.
 */
export function allowKubeApi(scope: Construct, namespace: string, nodeCidr: string): k8s.KubeNetworkPolicy {
  return allowEgress(scope, { name: 'allow-kube-api', namespace, peers: [{ cidr: nodeCidr }], ports: [{ port: 443 }, { port: 6443 }] });
}
