// What the committed dist/ promises at the edge and in the mesh, cluster by cluster: the objects
// Argo CD applies, read back from the files (the flow-graph and add-on unit tests cover how).
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';

const DIST = resolve(__dirname, '../../../dist');
type Obj = Record<string, any>;

function objects(cluster: string): Obj[] {
  const out: Obj[] = [];
  for (const component of readdirSync(join(DIST, cluster), { withFileTypes: true })) {
    if (!component.isDirectory()) continue;
    const dir = join(DIST, cluster, component.name, 'manifests');
    for (const file of readdirSync(dir).sort()) out.push({ ...parse(readFileSync(join(dir, file), 'utf8')), _component: component.name });
  }
  return out;
}

const clusters = readdirSync(DIST, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe.each(clusters)('cluster %s', (cluster) => {
  const all = objects(cluster);
  const of = (kind: string) => all.filter((o) => o.kind === kind);
  const meshedNamespaces = of('Namespace')
    .filter((n) => n.metadata.labels?.['istio-injection'] === 'enabled')
    .map((n) => n.metadata.name)
    .sort();
  const gateways = of('Gateway');

  test('every CRD is delivered by one component only (two Applications would fight over it)', () => {
    const owners = new Map<string, string[]>();
    for (const crd of of('CustomResourceDefinition'))
      owners.set(crd.metadata.name, [...(owners.get(crd.metadata.name) ?? []), crd._component]);
    expect([...owners].filter(([, by]) => by.length > 1)).toEqual([]);
    expect(owners.get('nodepools.karpenter.sh')).toEqual(
      JSON.parse(readFileSync(join(DIST, cluster, 'cluster.json'), 'utf8')).provider === 'eks' ? ['karpenter-crd'] : undefined,
    );
  });

  test('one Gateway, class istio, in istio-ingress, behind an NLB on EKS and a LoadBalancer on kind', () => {
    expect(gateways.map((g) => [g.metadata.namespace, g.metadata.name, g.spec.gatewayClassName])).toEqual([
      ['istio-ingress', 'public', 'istio'],
    ]);
    const service = of('Service').find((s) => s.metadata.namespace === 'istio-ingress' && s.spec.type === 'LoadBalancer')!;
    const eks = JSON.parse(readFileSync(join(DIST, cluster, 'cluster.json'), 'utf8')).provider === 'eks';
    expect(service.metadata.annotations?.['service.beta.kubernetes.io/aws-load-balancer-scheme']).toBe(eks ? 'internet-facing' : undefined);
    expect(service.metadata.annotations?.['service.beta.kubernetes.io/aws-load-balancer-nlb-target-type']).toBe(eks ? 'ip' : undefined);
  });

  test('port 80 only redirects to HTTPS', () => {
    const http = gateways[0].spec.listeners.filter((l: Obj) => l.protocol === 'HTTP');
    expect(http.map((l: Obj) => [l.port, l.allowedRoutes.namespaces.from])).toEqual([[80, 'Same']]);
    const attached = of('HTTPRoute').filter((r) => r.spec.parentRefs.some((p: Obj) => p.sectionName === http[0].name));
    expect(attached.length).toBe(1);
    for (const rule of attached[0].spec.rules) {
      expect(rule.backendRefs).toBeUndefined();
      expect(rule.filters).toEqual([{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }]);
    }
  });

  test('every HTTPS listener serves one host with a cert-manager Certificate for exactly that host', () => {
    const https = gateways[0].spec.listeners.filter((l: Obj) => l.protocol === 'HTTPS');
    expect(https.length).toBeGreaterThan(0);
    for (const l of https) {
      expect(l.port).toBe(443);
      expect(l.tls.mode).toBe('Terminate');
      const [ref] = l.tls.certificateRefs;
      const certificate = of('Certificate').find((c) => c.metadata.namespace === 'istio-ingress' && c.spec.secretName === ref.name);
      expect(certificate, `listener ${l.name}`).toBeDefined();
      expect(certificate!.spec.dnsNames).toEqual([l.hostname]);
      expect(certificate!.spec.issuerRef.kind).toBe('ClusterIssuer');
    }
    // Every route on an HTTPS listener asks only for that listener's host.
    for (const route of of('HTTPRoute')) {
      const listener = https.find((l: Obj) => route.spec.parentRefs.some((p: Obj) => p.sectionName === l.name));
      if (listener) expect(route.spec.hostnames).toEqual([listener.hostname]);
    }
  });

  test('mTLS STRICT mesh-wide; plaintext only on port 8000 of CloudNativePG clusters in meshed namespaces, one exception each', () => {
    const peerAuths = of('PeerAuthentication');
    const wide = peerAuths.filter((p) => !p.spec.selector);
    expect(wide.map((p) => [p.metadata.namespace, p.spec.mtls.mode])).toEqual([['istio-system', 'STRICT']]);
    const exceptions = peerAuths.filter((p) => p.spec.selector);
    for (const p of exceptions) {
      expect(p.spec.mtls.mode).toBe('STRICT');
      expect(p.spec.portLevelMtls).toEqual({ '8000': { mode: 'PERMISSIVE' } });
      expect(Object.keys(p.spec.selector.matchLabels)).toEqual(['cnpg.io/cluster']);
    }
    const meshedCnpg = of('Cluster').filter(
      (c) => c.apiVersion.startsWith('postgresql.cnpg.io/') && meshedNamespaces.includes(c.metadata.namespace),
    );
    expect(exceptions.map((p) => `${p.metadata.namespace}/${p.spec.selector.matchLabels['cnpg.io/cluster']}`).sort()).toEqual(
      meshedCnpg.map((c) => `${c.metadata.namespace}/${c.metadata.name}`).sort(),
    );
  });

  test('deny by default in every meshed namespace; every ALLOW has the NetworkPolicy of the same flow', () => {
    expect(meshedNamespaces.length).toBeGreaterThan(0);
    const policies = of('AuthorizationPolicy');
    expect(
      policies
        .filter((p) => p.metadata.name === 'allow-nothing')
        .map((p) => p.metadata.namespace)
        .sort(),
    ).toEqual(meshedNamespaces);
    // Rendered from flows: ALLOW, named like the flow's NetworkPolicy at the target.
    for (const p of policies.filter((x) => /^allow-(from|within)-/.test(x.metadata.name))) {
      expect(p.spec.action).toBe('ALLOW');
      const np = of('NetworkPolicy').find((n) => n.metadata.namespace === p.metadata.namespace && n.metadata.name === p.metadata.name);
      expect(np, `${p.metadata.namespace}/${p.metadata.name}`).toBeDefined();
      const npPorts = np!.spec.ingress.flatMap((r: Obj) => (r.ports ?? []).map((x: Obj) => String(x.port))).sort();
      const apPorts = p.spec.rules.flatMap((r: Obj) => r.to?.flatMap((t: Obj) => t.operation.ports) ?? []).sort();
      expect(apPorts).toEqual(npPorts);
    }
  });
});
