import { describe, expect, test } from 'vitest';
import {
  Component,
  INTERNET,
  KUBE_API_PORTS,
  MESH,
  Namespace,
  Platform,
  type RenderedCluster,
  flow,
  kubeApi,
  plaintextPort,
  provide,
  renderTestCluster,
  synthProblems,
  workload,
} from '@platform/core';

/** The mesh's control plane: it installs the mesh CRDs and announces itself. */
class Mesh extends Component {
  constructor(scope: Platform, id: string) {
    super(scope, id, { namespace: Namespace.restricted('istio-system'), project: 'infrastructure', providesMesh: true });
    provide(MESH, { component: this, crds: this });
  }
}

/** An API and its database in a meshed namespace; the API is reached from the gateway and calls the Kubernetes API. */
class Api extends Component {
  readonly server = workload(this, { name: 'api', podLabels: { app: 'api' }, serviceAccount: 'api' });
  readonly db = workload(this, { name: 'api-db', podLabels: { 'cnpg.io/cluster': 'api-db' }, serviceAccount: 'api-db' });
  constructor(scope: Platform, id: string) {
    super(scope, id, { namespace: Namespace.restricted('api', { meshed: true }), project: 'apps' });
    flow({ from: this.server, to: this.db, ports: [{ port: 5432 }], label: 'PostgreSQL' });
    flow({ from: this.server, to: kubeApi(scope), ports: KUBE_API_PORTS, label: 'Kubernetes API' });
  }
}

/** An edge proxy in its own meshed namespace, open to the internet. */
class Edge extends Component {
  readonly proxies = workload(this, { name: 'edge', podLabels: { app: 'edge' }, serviceAccount: 'edge' });
  constructor(scope: Platform, id: string, api: Api) {
    super(scope, id, { namespace: Namespace.restricted('edge', { meshed: true }), project: 'infrastructure' });
    flow({ from: INTERNET, to: this.proxies, ports: [{ port: 443 }], label: 'HTTPS' });
    flow({ from: this.proxies, to: api.server, ports: [{ port: 8080 }], label: 'HTTPS api' });
  }
}

const objects = (cluster: RenderedCluster, kind: string) =>
  cluster.components.flatMap((c) =>
    c.objects.filter((o) => o.kind === kind).map((o): Record<string, any> => ({ component: c.name, ...o })),
  );
const named = (cluster: RenderedCluster, kind: string, namespace: string, name: string) =>
  objects(cluster, kind).find((o) => o.metadata.namespace === namespace && o.metadata.name === name);

function meshedCluster(withMesh = true): RenderedCluster {
  return renderTestCluster((p) => {
    const api = new Api(p, 'api');
    new Edge(p, 'edge', api);
    if (withMesh) new Mesh(p, 'istio');
  });
}

describe('one flow graph, two policy layers that agree', () => {
  test('a declared flow appears in the target ingress policy, the source egress policy and the AuthorizationPolicy', () => {
    const cluster = meshedCluster();
    expect(named(cluster, 'NetworkPolicy', 'api', 'allow-from-api-to-api-db')!.spec).toEqual({
      podSelector: { matchLabels: { 'cnpg.io/cluster': 'api-db' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
    expect(named(cluster, 'NetworkPolicy', 'api', 'allow-to-api-db-from-api')!.spec).toEqual({
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'api-db' } } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
    expect(named(cluster, 'AuthorizationPolicy', 'api', 'allow-from-api-to-api-db')!.spec).toEqual({
      selector: { matchLabels: { 'cnpg.io/cluster': 'api-db' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/api/sa/api'] } }], to: [{ operation: { ports: ['5432'] } }] }],
    });
  });

  test('a renamed or moved flow never cuts traffic: its policies are pruned last', () => {
    const cluster = meshedCluster();
    for (const o of [...objects(cluster, 'NetworkPolicy'), ...objects(cluster, 'AuthorizationPolicy')].filter((o) =>
      o.metadata.name.startsWith('allow-from'),
    ))
      expect(o.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'PruneLast=true' });
  });

  test('a cross-namespace flow selects the source namespace; the policies land with the component at each end', () => {
    const cluster = meshedCluster();
    const ingress = named(cluster, 'NetworkPolicy', 'api', 'allow-from-edge-to-api')!;
    expect(ingress.component).toBe('api');
    expect(ingress.spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } }, podSelector: { matchLabels: { app: 'edge' } } },
    ]);
    expect(named(cluster, 'NetworkPolicy', 'edge', 'allow-to-api-from-edge')!.component).toBe('edge');
    expect(named(cluster, 'AuthorizationPolicy', 'api', 'allow-from-edge-to-api')!.spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/edge/sa/edge'] } }], to: [{ operation: { ports: ['8080'] } }] },
    ]);
  });

  test('an undeclared flow is in neither layer: every policy names a declared pair, nothing allows the gateway to the database', () => {
    const cluster = meshedCluster();
    const allows = [...objects(cluster, 'NetworkPolicy'), ...objects(cluster, 'AuthorizationPolicy')].map(
      (o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`,
    );
    expect(allows.filter((n) => n.includes('api-db'))).toEqual([
      'NetworkPolicy api/allow-from-api-to-api-db',
      'NetworkPolicy api/allow-to-api-db-from-api',
      'AuthorizationPolicy api/allow-from-api-to-api-db',
    ]);
    expect(allows.some((n) => /edge.*api-db|api-db.*edge/.test(n))).toBe(false);
  });

  test('deny by default in every meshed namespace, and none in a namespace outside the mesh', () => {
    const cluster = meshedCluster();
    const denies = objects(cluster, 'AuthorizationPolicy').filter((o) => o.metadata.name === 'allow-nothing');
    expect(denies.map((o) => [o.component, o.metadata.namespace, o.spec])).toEqual([
      ['istio', 'api', {}],
      ['istio', 'edge', {}],
    ]);
    // Synced after the mesh's control plane, which validates them.
    for (const o of denies) expect(o.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '1' });
  });

  test('the internet as a source: an ipBlock in the NetworkPolicy, no source restriction in the AuthorizationPolicy', () => {
    const cluster = meshedCluster();
    expect(named(cluster, 'NetworkPolicy', 'edge', 'allow-from-internet-to-edge')!.spec.ingress).toEqual([
      { from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }] },
    ]);
    expect(named(cluster, 'AuthorizationPolicy', 'edge', 'allow-from-internet-to-edge')!.spec.rules).toEqual([
      { to: [{ operation: { ports: ['443'] } }] },
    ]);
  });

  test('the Kubernetes API by the cluster network address, egress only (it is not a pod)', () => {
    const cluster = meshedCluster();
    expect(named(cluster, 'NetworkPolicy', 'api', 'allow-to-kubernetes-api-from-api')!.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [KUBE_API_PORTS.map((p) => ({ port: p.port, protocol: 'TCP' }))].flat() },
    ]);
  });

  test('without a mesh: the same NetworkPolicies, no AuthorizationPolicy, no mesh CRD dependency', () => {
    const withMesh = meshedCluster();
    const without = meshedCluster(false);
    const names = (c: RenderedCluster) =>
      objects(c, 'NetworkPolicy')
        .filter((o) => o.metadata.namespace !== 'istio-system')
        .map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(names(without)).toEqual(names(withMesh));
    expect(objects(without, 'AuthorizationPolicy')).toEqual([]);
    expect(without.components.find((c) => c.name === 'api')!.dependsOn).toEqual(['namespaces']);
    expect(withMesh.components.find((c) => c.name === 'api')!.dependsOn).toEqual(['istio', 'namespaces']);
  });

  test('nothing in kube-system: Kubernetes owns it, and a policy there would isolate its pods', () => {
    class Node extends Component {
      constructor(scope: Platform, id: string) {
        super(scope, id, { namespace: Namespace.kubeSystem(), project: 'infrastructure' });
        flow({ from: workload(this), to: kubeApi(scope), ports: KUBE_API_PORTS, label: 'Kubernetes API' });
      }
    }
    const cluster = renderTestCluster((p) => new Node(p, 'cni'));
    expect(objects(cluster, 'NetworkPolicy').filter((o) => o.metadata.namespace === 'kube-system')).toEqual([]);
    expect(objects(cluster, 'Namespace').map((o) => o.metadata.name)).not.toContain('kube-system');
  });

  test('the diagram is drawn from the same flows, one edge for the same pair and label', () => {
    const cluster = renderTestCluster((p) => {
      const api = new Api(p, 'api');
      const edge = new Edge(p, 'edge', api);
      flow({
        from: workload(edge, { name: 'edge-canary', podLabels: { app: 'edge-canary' } }),
        to: api.server,
        ports: [{ port: 8080 }],
        label: 'HTTPS api',
      });
    });
    const edge = cluster.components.find((c) => c.name === 'edge')!;
    expect(edge.flows).toEqual([
      { to: 'edge', from: { external: 'Internet' }, label: 'HTTPS' },
      { to: 'api', label: 'HTTPS api' },
    ]);
  });
});

describe('plaintext exceptions and the mesh boundary', () => {
  class Operator extends Component {
    constructor(scope: Platform, id: string, api: Api, declarePlaintext: boolean) {
      super(scope, id, { namespace: Namespace.restricted('operator'), project: 'infrastructure' });
      flow({
        from: workload(this, { name: 'operator', serviceAccount: 'operator' }),
        to: api.db,
        ports: [{ port: 8000 }],
        label: 'status',
      });
      if (declarePlaintext)
        plaintextPort(api, {
          name: 'api-db',
          podLabels: { 'cnpg.io/cluster': 'api-db' },
          port: 8000,
          reason: 'the operator calls the status endpoint without a sidecar',
        });
    }
  }

  test('a port-level PERMISSIVE exception, STRICT for every other port of the pods', () => {
    const cluster = renderTestCluster((p) => {
      new Operator(p, 'operator', new Api(p, 'api'), true);
      new Mesh(p, 'istio');
    });
    const exceptions = objects(cluster, 'PeerAuthentication');
    expect(exceptions.map((o) => [o.component, o.metadata.namespace, o.metadata.name, o.spec])).toEqual([
      [
        'api',
        'api',
        'api-db-plaintext-8000',
        {
          selector: { matchLabels: { 'cnpg.io/cluster': 'api-db' } },
          mtls: { mode: 'STRICT' },
          portLevelMtls: { '8000': { mode: 'PERMISSIVE' } },
        },
      ],
    ]);
  });

  test('a flow from outside the mesh into a meshed namespace without an exception fails synth', () => {
    expect(
      synthProblems(() =>
        renderTestCluster((p) => {
          new Operator(p, 'operator', new Api(p, 'api'), false);
          new Mesh(p, 'istio');
        }),
      ),
    ).toEqual([
      'clusters/test.ts: components.operator: flow "status" from operator (namespace operator, outside the mesh) to api-db in meshed namespace api: mTLS is STRICT there, so plaintext is refused; mesh the source\'s namespace or declare plaintextPort() for that port',
    ]);
  });

  test('without a mesh no exception is rendered', () => {
    const cluster = renderTestCluster((p) => new Operator(p, 'operator', new Api(p, 'api'), true));
    expect(objects(cluster, 'PeerAuthentication')).toEqual([]);
  });
});

test('a flow to a component this cluster does not include fails synth', () => {
  let stray: Api | undefined;
  renderTestCluster((p) => {
    stray = new Api(p, 'api');
  });
  class Client extends Component {
    constructor(scope: Platform, id: string) {
      super(scope, id, { namespace: Namespace.restricted('client'), project: 'apps' });
      flow({ from: workload(this), to: stray!.server, ports: [{ port: 8080 }], label: 'HTTP' });
    }
  }
  expect(synthProblems(() => renderTestCluster((p) => new Client(p, 'client')))).toEqual([
    'clusters/test.ts: components.client: flow "HTTP" names component "api", which this cluster does not include',
  ]);
});
