import { describe, expect, test } from 'vitest';
import {
  Component,
  CNI,
  Namespace,
  Platform,
  addMonitor,
  expose,
  findObject,
  provide,
  renderTestCluster,
  synthProblems,
} from '@platform/core';
import { StandInGateway, StandInMesh, StandInMonitoring } from './testing-stand-ins';

/** A component that only wants to be scraped and exposed, as every platform component will. */
class Web extends Component {
  constructor(scope: Platform, id: string) {
    super(scope, id, { namespace: Namespace.restricted('web'), project: 'apps' });
    addMonitor(this, { name: 'web', podLabels: { app: 'web' }, port: { name: 'metrics', number: 9090 } });
    expose(this, {
      host: 'web.test.example.com',
      service: 'web',
      port: 80,
      podLabels: { app: 'web' },
      targetPort: 8080,
      tls: { component: this, name: 'test-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    });
  }
}

/** The Prometheus stand-in; the NetworkPolicy checks below select its pods by these labels. */
const monitoring = (p: Platform, id: string) =>
  new StandInMonitoring(p, { id, scraper: { name: 'prometheus', podLabels: { 'app.kubernetes.io/name': 'prometheus' } } });

const web = (cluster: ReturnType<typeof renderTestCluster>) => cluster.components.find((c) => c.name === 'web')!;

describe('add-ons render only when their counterpart exists', () => {
  test('without monitoring or a gateway, nothing is rendered and nothing is depended on', () => {
    const cluster = renderTestCluster((p) => new Web(p, 'web'));
    expect(web(cluster).objects.map((o) => o.kind)).toEqual([]);
    expect(web(cluster).dependsOn).toEqual(['namespaces']);
  });

  test('with monitoring: a PodMonitor in the monitoring Application, the scraper let in on the metrics port only, no dependency', () => {
    const cluster = renderTestCluster((p) => {
      new Web(p, 'web');
      monitoring(p, 'prometheus');
    });
    const monitor = findObject(cluster, 'prometheus', 'PodMonitor', 'web');
    expect(monitor.metadata.namespace).toBe('web');
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { app: 'web' } },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }],
    });
    expect(findObject(cluster, 'web', 'NetworkPolicy', 'allow-from-prometheus-to-web').spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability-system' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
        ports: [{ port: 9090, protocol: 'TCP' }],
      },
    ]);
    // The monitored component does not wait for monitoring: the first waves (the CNI) come before it.
    expect(web(cluster).dependsOn).toEqual(['namespaces']);
  });

  test('with a gateway: an HTTPRoute on its listener and the proxies let in on the target port', () => {
    const cluster = renderTestCluster((p) => {
      new Web(p, 'web');
      new StandInGateway(p, { id: 'gateway' });
    });
    expect(findObject(cluster, 'web', 'HTTPRoute', 'web').spec).toEqual({
      hostnames: ['web.test.example.com'],
      parentRefs: [{ name: 'public', namespace: 'istio-ingress', sectionName: 'https-web-test-example-com' }],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 80 }] }],
    });
    expect(findObject(cluster, 'web', 'NetworkPolicy', 'allow-from-gateway-to-web').spec.ingress[0].ports).toEqual([
      { port: 8080, protocol: 'TCP' },
    ]);
    expect(findObject(cluster, 'gateway', 'NetworkPolicy', 'allow-to-web-from-gateway').spec.egress[0].ports).toEqual([
      { port: 8080, protocol: 'TCP' },
    ]);
    expect(web(cluster).dependsOn).toContain('gateway');
  });

  test('a bootstrap component (Argo CD) never waits for the platform: its route and certificate are a companion component that does', () => {
    class Issuers extends Component {
      constructor(scope: Platform, id: string) {
        super(scope, id, { namespace: Namespace.restricted('certs'), project: 'infrastructure' });
      }
    }
    class Console extends Component {
      constructor(scope: Platform, id: string, issuer: Issuers) {
        super(scope, id, { namespace: Namespace.restricted('console'), project: 'bootstrap' });
        expose(this, {
          host: 'console.test.example.com',
          service: 'console',
          port: 80,
          podLabels: { app: 'console' },
          targetPort: 8080,
          tls: { component: issuer, name: 'ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
        });
      }
    }
    const cluster = renderTestCluster((p) => {
      new Console(p, 'console', new Issuers(p, 'certs'));
      new StandInGateway(p, { id: 'gateway' });
    });
    expect(findObject(cluster, 'console-edge', 'HTTPRoute', 'console').metadata.namespace).toBe('console');
    expect(findObject(cluster, 'console-edge', 'Certificate', 'console-test-example-com-tls').metadata.namespace).toBe('istio-ingress');
    expect(cluster.components.find((c) => c.name === 'console')!.dependsOn).toEqual(['namespaces']);
    const edge = cluster.components.find((c) => c.name === 'console-edge')!;
    expect([edge.project, edge.namespace, edge.dependsOn]).toEqual(['bootstrap', 'console', ['certs', 'gateway', 'namespaces']]);
    // The NetworkPolicy needs no CRD: it stays with the exposed pods.
    expect(findObject(cluster, 'console', 'NetworkPolicy', 'allow-from-gateway-to-console').metadata.namespace).toBe('console');
  });

  test('a host is exposed by one component: a second fails synth naming both', () => {
    class Other extends Component {
      constructor(scope: Platform, id: string) {
        super(scope, id, { namespace: Namespace.restricted('other'), project: 'apps' });
        expose(this, { host: 'web.test.example.com', service: 'other', port: 80, podLabels: { app: 'other' }, targetPort: 8080 });
      }
    }
    expect(
      synthProblems(() =>
        renderTestCluster((p) => {
          new Web(p, 'web');
          new Other(p, 'other');
          new StandInGateway(p, { id: 'gateway' });
        }),
      ),
    ).toEqual([
      'clusters/test.ts: components.other.expose: host web.test.example.com is exposed by component "web" and by "other": one component per public host',
    ]);
  });

  test("every public host gets a certificate: without an issuer (its own or the gateway's) synth fails", () => {
    class Bare extends Component {
      constructor(scope: Platform, id: string) {
        super(scope, id, { namespace: Namespace.restricted('bare'), project: 'apps' });
        expose(this, { host: 'bare.test.example.com', service: 'bare', port: 80, podLabels: { app: 'bare' }, targetPort: 8080 });
      }
    }
    expect(
      synthProblems(() =>
        renderTestCluster((p) => {
          new Bare(p, 'bare');
          new StandInGateway(p, { id: 'gateway' });
        }),
      ),
    ).toEqual([
      'clusters/test.ts: components.bare.tls: host bare.test.example.com has no certificate issuer: pass tls (e.g. certManager.issuer("letsencrypt-production")) or give the gateway an issuer',
    ]);
  });

  test('a capability is provided once per cluster', () => {
    expect(() =>
      renderTestCluster((p) => {
        monitoring(p, 'prometheus');
        monitoring(p, 'prometheus-2');
      }),
    ).toThrow(
      'clusters/test.ts: components.prometheus-2: provides monitoring, which component "prometheus" already provides: one per cluster',
    );
  });

  test('a typed wire: the TLS issuer of an exposed host is a Certificate in the gateway namespace, and a dependency', () => {
    class Issuers extends Component {
      constructor(scope: Platform, id: string) {
        super(scope, id, { namespace: Namespace.restricted('certs'), project: 'infrastructure' });
      }
    }
    class Site extends Component {
      constructor(scope: Platform, id: string, issuer: Issuers) {
        super(scope, id, { namespace: Namespace.restricted('site'), project: 'apps' });
        expose(this, {
          host: 'site.test.example.com',
          service: 'site',
          port: 80,
          podLabels: { app: 'site' },
          targetPort: 8080,
          tls: { component: issuer, name: 'letsencrypt-production', kind: 'ClusterIssuer', group: 'cert-manager.io' },
        });
      }
    }
    const cluster = renderTestCluster((p) => {
      new Site(p, 'site', new Issuers(p, 'certs'));
      new StandInGateway(p, { id: 'gateway' });
    });
    const certificate = findObject(cluster, 'site', 'Certificate', 'site-test-example-com-tls');
    expect(certificate.metadata.namespace).toBe('istio-ingress');
    expect(certificate.spec).toMatchObject({
      dnsNames: ['site.test.example.com'],
      secretName: 'site-test-example-com-tls',
      issuerRef: { name: 'letsencrypt-production', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    });
    expect(cluster.components.find((c) => c.name === 'site')!.dependsOn).toEqual(['certs', 'gateway', 'namespaces']);
  });
});

describe('dependencies no component states', () => {
  class Cni extends Component {
    constructor(scope: Platform) {
      super(scope, 'cni', { namespace: Namespace.kubeSystem(), project: 'infrastructure' });
      provide(CNI, { component: this });
    }
  }
  class App extends Component {
    constructor(scope: Platform, id: string, meshed: boolean, project: 'apps' | 'bootstrap' = 'apps') {
      super(scope, id, { namespace: Namespace.restricted(id, { meshed }), project });
    }
  }

  test('every component waits for the CNI, a meshed one for the mesh too; bootstrap components for neither', () => {
    const cluster = renderTestCluster((p) => {
      new Cni(p);
      new StandInMesh(p, 'mesh');
      new App(p, 'plain', false);
      new App(p, 'meshed', true);
      new App(p, 'console', true, 'bootstrap');
    });
    const deps = (name: string) => cluster.components.find((c) => c.name === name)!.dependsOn;
    expect(deps('cni')).toEqual(['namespaces']);
    expect(deps('mesh')).toEqual(['cni', 'namespaces']);
    expect(deps('plain')).toEqual(['cni', 'namespaces']);
    expect(deps('meshed')).toEqual(['cni', 'mesh', 'namespaces']);
    expect(deps('console')).toEqual(['namespaces']);
  });
});
