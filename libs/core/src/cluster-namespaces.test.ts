import { describe, expect, test } from 'vitest';
import { k8s } from 'cdk8s-plus-30';
import {
  Component,
  ComponentProps,
  KubeObject,
  Namespace,
  POD_SECURITY_VERSION,
  Platform,
  findComponent,
  renderTestCluster,
  renderTestClusterWithCharts,
  synthProblems,
  testChart,
} from '@platform/core';

/** A component that declares its namespaces and optionally builds objects. */
class Web extends Component {
  constructor(scope: Platform, id: string, props: Partial<ComponentProps> = {}, build?: (self: Web) => void) {
    super(scope, id, { namespace: Namespace.restricted(id), project: 'apps', ...props });
    build?.(this);
  }
}

const namespacesOf = (cluster: ReturnType<typeof renderTestCluster>) => findComponent(cluster, 'namespaces').objects;
const namespaceObject = (cluster: ReturnType<typeof renderTestCluster>, name: string) => {
  const ns = namespacesOf(cluster).find((o) => o.kind === 'Namespace' && o.metadata.name === name);
  if (!ns) throw new Error(`no Namespace ${name}`);
  return ns;
};

/** A hand-written NetworkPolicy (a chart's, say) letting namespaces in on the metrics port. */
const ingressFrom = (scope: Component, namespaces: string[]) =>
  new k8s.KubeNetworkPolicy(scope, 'allow-metrics', {
    metadata: { name: 'allow-metrics', namespace: 'web' },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: namespaces.map((n) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': n } } })) }],
    },
  });

describe('the namespaces component', () => {
  const cluster = renderTestCluster((p) => {
    new Web(p, 'web');
    new Web(p, 'api', {
      extraNamespaces: [Namespace.restricted('web'), Namespace.baseline('jobs', { reason: 'the batch image runs as root' })],
    });
  });

  test('renders every declared namespace once, with default-deny and DNS egress, in wave 0 of the bootstrap project', () => {
    const c = findComponent(cluster, 'namespaces');
    expect(c).toMatchObject({ wave: 0, project: 'bootstrap', dependsOn: [] });
    const kinds = c.objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
    expect(kinds).toEqual([
      'Namespace//api',
      'Namespace//jobs',
      'Namespace//web',
      'NetworkPolicy/api/allow-dns',
      'NetworkPolicy/api/default-deny',
      'NetworkPolicy/jobs/allow-dns',
      'NetworkPolicy/jobs/default-deny',
      'NetworkPolicy/web/allow-dns',
      'NetworkPolicy/web/default-deny',
    ]);
    const deny = c.objects.find((o) => o.metadata.name === 'default-deny' && o.metadata.namespace === 'web')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const dns = c.objects.find((o) => o.metadata.name === 'allow-dns' && o.metadata.namespace === 'web')!;
    expect(dns.spec.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
    ]);
    // Components render no Namespace of their own, and all wait for the namespaces.
    for (const name of ['web', 'api']) {
      expect(findComponent(cluster, name).objects.filter((o) => o.kind === 'Namespace')).toEqual([]);
      expect(findComponent(cluster, name).dependsOn).toContain('namespaces');
      expect(findComponent(cluster, name).wave).toBeGreaterThan(0);
    }
  });

  test('Argo CD never deletes a Namespace, and a leftover one does not hold wave 0 OutOfSync', () => {
    const namespaces = namespacesOf(cluster).filter((o) => o.kind === 'Namespace');
    expect(namespaces).toHaveLength(3);
    for (const ns of namespaces)
      expect(ns.metadata.annotations, ns.metadata.name).toMatchObject({
        'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false',
        'argocd.argoproj.io/compare-options': 'IgnoreExtraneous',
      });
  });

  test('Pod Security: the declared level is enforced, restricted is warned and audited everywhere, the reason is shown', () => {
    const pss = (level: string) => ({
      'pod-security.kubernetes.io/enforce': level,
      'pod-security.kubernetes.io/enforce-version': POD_SECURITY_VERSION,
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': POD_SECURITY_VERSION,
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': POD_SECURITY_VERSION,
    });
    expect(namespaceObject(cluster, 'web').metadata.labels).toMatchObject(pss('restricted'));
    expect(namespaceObject(cluster, 'web').metadata.annotations['platform/pod-security-reason']).toBeUndefined();
    const jobs = namespaceObject(cluster, 'jobs');
    expect(jobs.metadata.labels).toMatchObject(pss('baseline'));
    expect(jobs.metadata.annotations['platform/pod-security-reason']).toBe('the batch image runs as root');
    const privileged = renderTestCluster(
      (p) => new Web(p, 'cni', { namespace: Namespace.privileged('cni', { reason: 'the CNI agent mounts the host network' }) }),
    );
    expect(namespaceObject(privileged, 'cni').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });
});

describe('sidecar injection', () => {
  class Mesh extends Component {
    constructor(scope: Platform) {
      super(scope, 'mesh', {
        namespace: Namespace.privileged('istio-system', { reason: 'istio-cni' }),
        project: 'infrastructure',
        providesMesh: true,
      });
    }
  }

  test.each([
    [true, true, 'enabled'],
    [true, false, 'disabled'],
    [false, true, 'disabled'],
    [false, false, 'disabled'],
  ])('a cluster with a mesh: %s, a meshed namespace: %s → istio-injection %s', (withMesh, meshed, label) => {
    const cluster = renderTestCluster((p) => {
      if (withMesh) new Mesh(p);
      new Web(p, 'web', { namespace: Namespace.restricted('web', { meshed }) });
    });
    expect(namespaceObject(cluster, 'web').metadata.labels['istio-injection']).toBe(label);
  });

  test('the mesh component declared after the meshed namespace still enables injection', () => {
    const cluster = renderTestCluster((p) => {
      new Web(p, 'web', { namespace: Namespace.restricted('web', { meshed: true }) });
      new Mesh(p);
    });
    expect(namespaceObject(cluster, 'web').metadata.labels['istio-injection']).toBe('enabled');
    expect(namespaceObject(cluster, 'istio-system').metadata.labels['istio-injection']).toBe('disabled');
  });
});

describe('namespace ownership fails synth with the file, the component and what to do', () => {
  test('two components declaring one namespace with different settings: both components are named', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        new Web(p, 'web', { namespace: Namespace.restricted('shared') });
        new Web(p, 'batch', { namespace: Namespace.baseline('shared', { reason: 'runs as root' }) });
      }),
    );
    expect(problems).toEqual([
      'clusters/test.ts: components.batch.namespace: declares namespace shared (baseline: runs as root), but component "web" declares it as shared (restricted): one namespace, one set of settings',
    ]);
  });

  test('a difference in meshing alone is a conflict, also in extraNamespaces', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        new Web(p, 'web', { namespace: Namespace.restricted('web', { meshed: true }) });
        new Web(p, 'api', { extraNamespaces: [Namespace.restricted('other'), Namespace.restricted('web')] });
      }),
    );
    expect(problems).toEqual([
      'clusters/test.ts: components.api.extraNamespaces[1]: declares namespace web (restricted), but component "web" declares it as web (restricted, meshed): one namespace, one set of settings',
    ]);
  });

  test('the same declaration in two components is one namespace', () => {
    const cluster = renderTestCluster((p) => {
      new Web(p, 'web');
      new Web(p, 'worker', { namespace: Namespace.restricted('web') });
    });
    expect(
      namespacesOf(cluster)
        .filter((o) => o.kind === 'Namespace')
        .map((o) => o.metadata.name),
    ).toEqual(['web']);
  });

  test('an object in a namespace no component declares', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        new Web(p, 'web', {}, (self) => {
          new k8s.KubeConfigMap(self, 'settings', { metadata: { name: 'settings', namespace: 'elsewhere' } });
        });
      }),
    );
    expect(problems).toEqual([
      'clusters/test.ts: components.web: ConfigMap settings is in namespace "elsewhere", which no component of this cluster declares (declared: kube-system, web); declare it with Namespace.restricted(...) in the component that runs there, or add that component',
    ]);
  });

  test('a NetworkPolicy peer namespace no component declares', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        new Web(p, 'web', {}, (self) => ingressFrom(self, ['monitoring']));
      }),
    );
    expect(problems).toEqual([
      'clusters/test.ts: components.web: NetworkPolicy web/allow-metrics names peer namespace "monitoring", which no component of this cluster declares (declared: kube-system, web); declare it with Namespace.restricted(...) in the component that runs there, or add that component',
    ]);
  });

  test('a peer in a declared namespace, or in kube-system, is fine', () => {
    expect(() =>
      renderTestCluster((p) => {
        new Web(p, 'monitoring');
        new Web(p, 'web', {}, (self) => ingressFrom(self, ['monitoring', 'kube-system']));
      }),
    ).not.toThrow();
  });

  test('a chart object in an undeclared namespace', () => {
    const role: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'leader', namespace: 'kube-public' },
    };
    const problems = synthProblems(() => renderTestClusterWithCharts((p) => new Web(p, 'web', { chart: testChart() }), { web: [role] }));
    expect(problems).toEqual([
      expect.stringContaining('clusters/test.ts: components.web: Role leader is in namespace "kube-public", which no component'),
    ]);
  });

  test('"namespaces" is reserved', () => {
    expect(synthProblems(() => renderTestCluster((p) => new Web(p, 'namespaces')))).toEqual([
      'clusters/test.ts: components.namespaces: the name "namespaces" is reserved: core delivers the namespaces components declare under it; choose another name',
    ]);
  });
});

describe('a namespace declaration is checked when the component is built', () => {
  test.each([
    [
      'baseline without a reason',
      { namespace: Namespace.baseline('jobs', { reason: '' }) },
      'clusters/test.ts: components.web.namespace: namespace jobs: Pod Security baseline needs a reason (restricted is the default for a reason)',
    ],
    [
      'privileged with a blank reason, in extraNamespaces',
      { extraNamespaces: [Namespace.privileged('cni', { reason: '  ' })] },
      'clusters/test.ts: components.web.extraNamespaces[0]: namespace cni: Pod Security privileged needs a reason',
    ],
    [
      'a name that is not a DNS-1123 label',
      { namespace: Namespace.restricted('Web_NS') },
      'clusters/test.ts: components.web.namespace: got "Web_NS", a namespace name is a DNS-1123 label',
    ],
    [
      'a plain string (untyped cluster code)',
      { namespace: 'web' as never },
      'clusters/test.ts: components.web.namespace: expected Namespace.restricted(...), .baseline(...) or .privileged(...)',
    ],
  ])('%s', (_case, props, expected) => {
    const problems = synthProblems(() => renderTestCluster((p) => new Web(p, 'web', props)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });
});
