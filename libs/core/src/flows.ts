/**
 * Zero trust from one declaration: components declare each traffic flow once (from a workload or
 * an endpoint outside the cluster, to another, on which ports), and core derives from that one
 * graph the NetworkPolicies (ingress at the target, egress at the source), the Istio
 * AuthorizationPolicies of meshed namespaces (deny by default, ALLOW by source identity) and the
 * cluster diagram. The two policy layers come from the same list, so they cannot disagree.
 *
 * @example
 * const server = workload(this, { name: 'argocd-server', podLabels: { 'app.kubernetes.io/name': 'argocd-server' }, serviceAccount: 'argocd-server' });
 * flow({ from: server, to: kubeApi(scope), ports: KUBE_API_PORTS, label: 'Kubernetes API' });
 */
import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-30';
import { AuthorizationPolicy, PeerAuthentication } from '@platform/crds/generated/security.istio.io';
import { type Component, type ExternalEndpoint, type Flow } from './component';
import { type Namespace } from './namespace';
import { type Port, namespaceSelector, toPorts } from './network';
import type { Platform } from './platform';
import { Capability, providerOf } from './capability';
import { ARGOCD_SYNC_OPTIONS, ARGOCD_SYNC_WAVE } from './labels';

/** Pods of a component: where a flow starts or ends. */
export interface Workload {
  readonly component: Component;
  /** Short name in policy names and the diagram, e.g. `argocd-server`. */
  readonly name: string;
  readonly namespace: string;
  /** The pods (NetworkPolicy podSelector, AuthorizationPolicy selector). Undefined: every pod of the namespace. */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** The pods' ServiceAccount: their mesh identity, which AuthorizationPolicies allow. Undefined: any of the namespace. */
  readonly serviceAccount?: string;
}

/** Something outside the pod network, by address: the internet, a cloud API, the Kubernetes API server. */
export interface ExternalPeer extends ExternalEndpoint {
  readonly cidr: string;
  readonly except?: readonly string[];
}

export type Endpoint = Workload | ExternalPeer;

export interface WorkloadProps {
  /** @default - the component's name */
  readonly name?: string;
  /** @default - the component's namespace */
  readonly namespace?: string;
  /** @default - every pod of the namespace */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** @default - any ServiceAccount of the namespace */
  readonly serviceAccount?: string;
}

/** Pods of `component` (all of its namespace unless narrowed by labels). */
export function workload(component: Component, props: WorkloadProps = {}): Workload {
  return {
    component,
    name: props.name ?? component.name,
    namespace: props.namespace ?? component.home.name,
    ...(props.podLabels && { podLabels: { ...props.podLabels } }),
    ...(props.serviceAccount && { serviceAccount: props.serviceAccount }),
  };
}

/** Anywhere outside the cluster (clients of the public gateway, SaaS and cloud APIs). */
export const INTERNET: ExternalPeer = { external: 'Internet', cidr: '0.0.0.0/0' };

/** An endpoint outside the cluster, named for the diagram. @param cidr @default '0.0.0.0/0' */
export function external(name: string, cidr = '0.0.0.0/0', except?: readonly string[]): ExternalPeer {
  return { external: name, cidr, ...(except && { except: [...except] }) };
}

/**
 * The Kubernetes API server, by address: it runs outside the pod network (EKS control-plane ENIs in
 * the VPC, the kind node), so policies select it by the VPC or node CIDR (`spec.network.vpcCidr`).
 * Policies apply after the `kubernetes` Service address is translated, so the Service CIDR is not needed.
 */
export function kubeApi(platform: Platform): ExternalPeer {
  return { external: 'Kubernetes API', cidr: platform.spec.network.vpcCidr };
}

/** Ports of the API server: 443 on EKS, 6443 on kind. */
export const KUBE_API_PORTS: readonly Port[] = [{ port: 443 }, { port: 6443 }];

/** The EKS Pod Identity agent on every node (credentials for AWS APIs). */
export const POD_IDENTITY_AGENT: ExternalPeer = { external: 'EKS Pod Identity agent', cidr: '169.254.170.23/32' };

export interface TrafficFlow {
  readonly from: Endpoint;
  readonly to: Endpoint;
  /** @default - every port */
  readonly ports?: readonly Port[];
  /** What flows, for the diagram: `HTTPS argocd.<domain>`, `PostgreSQL`. */
  readonly label: string;
}

/** What the cluster's service mesh (Istio's control plane) offers. */
export interface MeshProvider {
  readonly component: Component;
  /** The component that installs the mesh CRDs (AuthorizationPolicy, PeerAuthentication). */
  readonly crds: Component;
  /** SPIFFE trust domain of workload identities. @default 'cluster.local' */
  readonly trustDomain?: string;
}

export const MESH = new Capability<MeshProvider>('mesh');

export interface PlaintextPortProps {
  /** Names the PeerAuthentication, e.g. the CloudNativePG cluster. */
  readonly name: string;
  /** @default - the component's namespace */
  readonly namespace?: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly port: number;
  /** Why this port accepts plaintext: shown on the object. */
  readonly reason: string;
}

/** A plaintext exception as declared (see plaintextPort). */
export interface PlaintextPort {
  readonly component: Component;
  readonly props: PlaintextPortProps;
}

const isWorkload = (e: Endpoint): e is Workload => 'component' in e;

/**
 * On the policies flows render: when a commit renames or moves a flow, Argo CD applies the new
 * allow before it prunes the old one, so traffic the new graph still allows is never cut off.
 */
const PRUNE_LAST = { [ARGOCD_SYNC_OPTIONS]: 'PruneLast=true' };

/** Declares one traffic flow; core renders its policies once the cluster is composed. */
export function flow(f: TrafficFlow): void {
  const owner = isWorkload(f.from) ? f.from.component : isWorkload(f.to) ? f.to.component : undefined;
  if (!owner) throw new Error(`flow "${f.label}": one end must be a workload of a component, not two external endpoints`);
  owner.platform.network.flows.push(f);
}

/** Declares that one port of some pods accepts plaintext in a meshed namespace (port-level PERMISSIVE). */
export function plaintextPort(component: Component, props: PlaintextPortProps): void {
  component.platform.network.plaintext.push({ component, props });
}

/** The flows declared in a cluster, in declaration order. */
export function trafficFlows(platform: Platform): readonly TrafficFlow[] {
  return platform.network.flows;
}

/** A Kubernetes name from parts, at most 63 characters (long ones end in a digest, so they stay unique). */
function policyName(...parts: string[]): string {
  const name = parts.join('-');
  if (name.length <= 63) return name;
  return `${name.slice(0, 54).replace(/-+$/, '')}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

const endpointName = (e: Endpoint) =>
  isWorkload(e)
    ? e.name
    : e.external
        .toLowerCase()
        .replace(/'/g, '')
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');
const selector = (w: Workload) => (w.podLabels ? { matchLabels: { ...w.podLabels } } : {});

function npPeer(e: Endpoint, here: string): k8s.NetworkPolicyPeer {
  if (!isWorkload(e)) return { ipBlock: { cidr: e.cidr, ...(e.except && { except: [...e.except] }) } };
  return {
    ...(e.namespace !== here && { namespaceSelector: namespaceSelector(e.namespace) }),
    podSelector: selector(e),
  };
}

/** Renders every declared flow's policies, the mesh's deny-by-default and the plaintext exceptions. @internal Called by composeCluster. */
export function renderFlows(platform: Platform): void {
  const declared = new Map<string, Namespace>();
  for (const c of platform.components) for (const ns of c.namespaces) if (!declared.has(ns.name)) declared.set(ns.name, ns);
  const ours = (ns: string) => declared.get(ns)?.managed === true;
  const mesh = providerOf(platform, MESH);
  const meshed = (ns: string) => !!mesh && ours(ns) && declared.get(ns)!.meshed;
  const trustDomain = mesh?.trustDomain ?? 'cluster.local';
  const declaredFlows = trafficFlows(platform);

  const included = (e: Endpoint) => !isWorkload(e) || platform.tryFind(e.component.name) === e.component;
  const reported = new Set<string>();
  for (const f of declaredFlows) {
    // A flow of a component the cluster rejected (a duplicate name, say) was reported with it.
    const reporter = [f.from, f.to].find((e): e is Workload => isWorkload(e) && included(e));
    if (!reporter) continue;
    for (const end of [f.from, f.to]) {
      if (included(end)) continue;
      const path = `components.${reporter.component.name}`;
      const message = `flow "${f.label}" names component "${(end as Workload).component.name}", which this cluster does not include`;
      if (!reported.has(path + message)) platform.report({ file: platform.file, path, message });
      reported.add(path + message);
    }
  }
  // Policies only for flows between what the cluster includes.
  const flows = declaredFlows.filter((f) => included(f.from) && included(f.to));
  for (const f of flows) {
    // The diagram: one edge per flow between components (or endpoints), from the side that opens the connection.
    const edge = (c: Component, e: Flow) => {
      if (!c.flows.some((x) => JSON.stringify(x) === JSON.stringify(e))) c.addFlow(e);
    };
    if (isWorkload(f.from)) {
      if (!isWorkload(f.to) || f.to.component !== f.from.component)
        edge(f.from.component, { to: isWorkload(f.to) ? f.to.component.name : { external: f.to.external }, label: f.label });
    } else if (isWorkload(f.to)) {
      edge(f.to.component, { to: f.to.component.name, from: { external: f.from.external }, label: f.label });
    }
  }

  // NetworkPolicies: one per (source, target) and direction, in namespaces we default-deny.
  const groups = new Map<string, { from: Endpoint; to: Endpoint; flows: TrafficFlow[] }>();
  for (const f of flows) {
    const key = `${endpointName(f.from)}\0${endpointName(f.to)}\0${isWorkload(f.to) ? f.to.namespace : ''}\0${isWorkload(f.from) ? f.from.namespace : ''}`;
    const g = groups.get(key) ?? { from: f.from, to: f.to, flows: [] };
    g.flows.push(f);
    groups.set(key, g);
  }
  const seen = new Set<string>();
  for (const { from, to, flows: fs } of groups.values()) {
    const portsOf = () => (fs.some((f) => !f.ports) ? undefined : fs.flatMap((f) => f.ports!));
    const rule = (peer: 'from' | 'to', e: Endpoint, here: string) => {
      const list = portsOf();
      const ports = list && toPorts(list);
      return { [peer]: [npPeer(e, here)], ...(ports && { ports }) };
    };
    const within = isWorkload(from) && isWorkload(to) && from.name === to.name && from.namespace === to.namespace;
    if (within) {
      const w = to as Workload;
      if (!ours(w.namespace)) continue;
      const name = policyName('allow-within', w.name);
      new k8s.KubeNetworkPolicy(w.component, `flow-np-${w.namespace}-${name}`, {
        metadata: { name, namespace: w.namespace, annotations: PRUNE_LAST },
        spec: {
          podSelector: selector(w),
          policyTypes: ['Ingress', 'Egress'],
          ingress: [rule('from', w, w.namespace)],
          egress: [rule('to', w, w.namespace)],
        },
      });
      continue;
    }
    // Ingress at the target, egress at the source: the same rule seen from each end.
    const open = (at: Workload, direction: 'Ingress' | 'Egress', name: string, peer: Endpoint) => {
      if (!ours(at.namespace) || seen.has(`${at.namespace}/${name}`)) return;
      seen.add(`${at.namespace}/${name}`);
      new k8s.KubeNetworkPolicy(at.component, `flow-np-${at.namespace}-${name}`, {
        metadata: { name, namespace: at.namespace, annotations: PRUNE_LAST },
        spec: {
          podSelector: selector(at),
          policyTypes: [direction],
          ...(direction === 'Ingress' ? { ingress: [rule('from', peer, at.namespace)] } : { egress: [rule('to', peer, at.namespace)] }),
        },
      });
    };
    if (isWorkload(to)) open(to, 'Ingress', policyName('allow-from', endpointName(from), 'to', to.name), from);
    if (isWorkload(from)) open(from, 'Egress', policyName('allow-to', endpointName(to), 'from', from.name), to);
  }

  if (!mesh) return;
  // Istio: deny by default in every meshed namespace (an ALLOW policy without rules matches nothing)...
  for (const ns of [...declared.keys()].filter(meshed).sort()) {
    // After the mesh's own workloads (wave 1 of its Application): istiod validates every policy.
    new AuthorizationPolicy(mesh.component, `mesh-allow-nothing-${ns}`, {
      metadata: { name: 'allow-nothing', namespace: ns, annotations: { [ARGOCD_SYNC_WAVE]: '1' } },
      spec: {},
    });
  }
  // ...then ALLOW what each flow into a meshed namespace needs, by the source's mesh identity.
  const apNames = new Set<string>();
  for (const { from, to, flows: fs } of groups.values()) {
    if (!isWorkload(to) || !meshed(to.namespace)) continue;
    // The same name as the flow's NetworkPolicy at the target.
    const within = isWorkload(from) && from.name === to.name && from.namespace === to.namespace;
    const name = within ? policyName('allow-within', to.name) : policyName('allow-from', endpointName(from), 'to', to.name);
    if (apNames.has(`${to.namespace}/${name}`)) continue;
    apNames.add(`${to.namespace}/${name}`);
    const ports = fs.some((f) => !f.ports) ? undefined : [...new Set(fs.flatMap((f) => f.ports!.map((p) => String(p.port))))];
    let source: Record<string, string[]> | undefined;
    if (isWorkload(from)) {
      source = from.serviceAccount
        ? { principals: [`${trustDomain}/ns/${from.namespace}/sa/${from.serviceAccount}`] }
        : { namespaces: [from.namespace] };
      if (!meshed(from.namespace) && from.component !== mesh.component && !coveredByPlaintext(platform, to, ports))
        platform.report({
          file: platform.file,
          path: `components.${from.component.name}`,
          message: `flow "${fs[0].label}" from ${from.name} (namespace ${from.namespace}, outside the mesh) to ${to.name} in meshed namespace ${to.namespace}: mTLS is STRICT there, so plaintext is refused; mesh the source's namespace or declare plaintextPort() for that port`,
        });
    } else if (from.cidr !== '0.0.0.0/0') {
      source = { ipBlocks: [from.cidr], ...(from.except && { notIpBlocks: [...from.except] }) };
    }
    if (to.component !== mesh.crds) to.component.needs(mesh.crds);
    new AuthorizationPolicy(to.component, `flow-ap-${to.namespace}-${name}`, {
      metadata: { name, namespace: to.namespace, annotations: PRUNE_LAST },
      spec: {
        ...(to.podLabels && { selector: { matchLabels: { ...to.podLabels } } }),
        action: 'ALLOW' as never,
        rules: [{ ...(source && { from: [{ source }] }), ...(ports && { to: [{ operation: { ports } }] }) }],
      },
    });
  }
  for (const { component, props } of platform.network.plaintext) {
    const namespace = props.namespace ?? component.home.name;
    if (!meshed(namespace)) continue;
    if (component !== mesh.crds) component.needs(mesh.crds);
    new PeerAuthentication(component, `plaintext-${namespace}-${props.name}-${props.port}`, {
      metadata: {
        name: policyName(props.name, 'plaintext', String(props.port)),
        namespace,
        annotations: { 'platform/reason': props.reason },
      },
      spec: {
        selector: { matchLabels: { ...props.podLabels } },
        mtls: { mode: 'STRICT' as never },
        portLevelMtls: { [String(props.port)]: { mode: 'PERMISSIVE' as never } },
      },
    });
  }
}

/** True when plaintext exceptions cover every port of a flow into `to` (so a source outside the mesh can connect). */
function coveredByPlaintext(platform: Platform, to: Workload, ports: readonly string[] | undefined): boolean {
  if (!ports) return false;
  const exceptions = platform.network.plaintext.filter(
    ({ component, props }) =>
      (props.namespace ?? component.home.name) === to.namespace &&
      Object.entries(props.podLabels).every(([k, v]) => to.podLabels?.[k] === v),
  );
  return ports.every((p) => exceptions.some(({ props }) => String(props.port) === p));
}
