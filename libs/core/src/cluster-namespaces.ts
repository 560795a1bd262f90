import { Component, isInstance } from './component';
import { Problem, SynthError } from './errors';
import { ARGOCD_NAMESPACE } from './argocd-names';
import { Namespace, renderNamespace } from './namespace';
import type { Platform } from './platform';

/** Name of the component that delivers the cluster's namespaces, first (wave 0). */
export const NAMESPACES_COMPONENT = 'namespaces';

/** Namespaces Kubernetes owns: objects may live there, no component declares them. */
const KUBERNETES_NAMESPACES = new Set(['kube-system']);

/**
 * Every namespace the cluster's components declare, rendered once each (Namespace, default-deny,
 * DNS egress), delivered by its own Application in wave 0 so every component finds its namespace.
 */
class ClusterNamespaces extends Component {
  constructor(scope: Platform, declared: readonly Namespace[]) {
    super(scope, NAMESPACES_COMPONENT, { namespace: Namespace.restricted(ARGOCD_NAMESPACE), project: 'bootstrap' });
    const injection = scope.components.some((c) => c.providesMesh);
    for (const ns of declared) if (ns.managed) renderNamespace(this, ns, injection);
  }
}

/** True for the component addClusterNamespaces() adds. */
export const isClusterNamespaces = (c: Component): boolean => isInstance(ClusterNamespaces, c);

/** The namespaces the cluster's components declare, by name (first declaration wins; conflicts are problems). */
function declaredNamespaces(platform: Platform): { byName: Map<string, { ns: Namespace; by: string }>; problems: Problem[] } {
  const byName = new Map<string, { ns: Namespace; by: string }>();
  const problems: Problem[] = [];
  for (const c of platform.components) {
    if (isClusterNamespaces(c)) continue;
    c.namespaces.forEach((ns, i) => {
      const seen = byName.get(ns.name);
      if (!seen) byName.set(ns.name, { ns, by: c.name });
      else if (!seen.ns.sameAs(ns))
        problems.push({
          file: platform.file,
          path: `components.${c.name}.${i === 0 ? 'namespace' : `extraNamespaces[${i - 1}]`}`,
          message: `declares namespace ${ns.describe()}, but component "${seen.by}" declares it as ${seen.ns.describe()}: one namespace, one set of settings`,
        });
    });
  }
  return { byName, problems };
}

/** Adds the `namespaces` component once every other component exists. Throws on conflicting declarations. */
export function addClusterNamespaces(platform: Platform): void {
  if (platform.tryFind(NAMESPACES_COMPONENT)) {
    throw new SynthError([
      {
        file: platform.file,
        path: `components.${NAMESPACES_COMPONENT}`,
        message: `the name "${NAMESPACES_COMPONENT}" is reserved: core delivers the namespaces components declare under it; choose another name`,
      },
    ]);
  }
  const { byName, problems } = declaredNamespaces(platform);
  if (problems.length > 0) throw new SynthError(problems);
  const sorted = [...byName.values()].map((d) => d.ns).sort((a, b) => (a.name < b.name ? -1 : 1));
  new ClusterNamespaces(platform, sorted);
}

/** Namespace names a NetworkPolicy selects as peers (`kubernetes.io/metadata.name`). */
function peerNamespaces(o: Record<string, any>): string[] {
  const rules = [...(o.spec?.ingress ?? []).flatMap((r: any) => r.from ?? []), ...(o.spec?.egress ?? []).flatMap((r: any) => r.to ?? [])];
  return rules.map((p: any) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']).filter((n: unknown): n is string => !!n);
}

/**
 * Every namespace the cluster refers to must be declared by a component: the namespaces of every
 * object (ours and the charts'), and the namespaces NetworkPolicies name as peers.
 */
export function namespaceProblems(platform: Platform): Problem[] {
  const { byName } = declaredNamespaces(platform);
  const known = (name: string) => byName.has(name) || KUBERNETES_NAMESPACES.has(name);
  const allowed = () => [...byName.keys(), ...KUBERNETES_NAMESPACES].sort().join(', ');
  const problems: Problem[] = [];
  for (const c of platform.components) {
    const objects = [...c.objects().map((o) => o.toJson()), ...c.chartObjects];
    const missing = new Map<string, string>();
    for (const o of objects) {
      const ns = o.metadata?.namespace;
      if (ns && !known(ns)) missing.set(ns, `${o.kind} ${o.metadata.name} is in namespace "${ns}"`);
      if (o.kind === 'NetworkPolicy')
        for (const peer of peerNamespaces(o))
          if (!known(peer)) missing.set(peer, `NetworkPolicy ${ns}/${o.metadata.name} names peer namespace "${peer}"`);
    }
    for (const what of missing.values())
      problems.push({
        file: platform.file,
        path: `components.${c.name}`,
        message: `${what}, which no component of this cluster declares (declared: ${allowed()}); declare it with Namespace.restricted(...) in the component that runs there, or add that component`,
      });
  }
  return problems;
}
