import { describe, expect, test } from 'vitest';
import { Component, Namespace, Platform, findComponent, findObject, renderTestCluster, synthProblems } from '@platform/core';
import { AcmeSolver, CertManager, Issuer } from '@platform/cert-manager';
import { CERT_MANAGER_CHART } from './versions';

// Region and zone default to the cluster's region and domain.
const solver = AcmeSolver.route53();

describe('CertManager', () => {
  test("Let's Encrypt staging and production ClusterIssuers with DNS-01 on Route 53", () => {
    const cluster = renderTestCluster((p) => {
      new CertManager(p, 'cert-manager', {
        issuers: [
          Issuer.letsEncrypt({ staging: true, email: 'ops@example.com', solver }),
          Issuer.letsEncrypt({ staging: false, email: 'ops@example.com', solver }),
        ],
      });
    });
    const staging = findObject(cluster, 'cert-manager', 'ClusterIssuer', 'letsencrypt-staging');
    expect(staging.metadata.namespace).toBeUndefined();
    expect(staging.spec.acme).toEqual({
      server: 'https://acme-staging-v02.api.letsencrypt.org/directory',
      email: 'ops@example.com',
      privateKeySecretRef: { name: 'letsencrypt-staging-account-key' },
      solvers: [{ selector: { dnsZones: ['test.example.com'] }, dns01: { route53: { region: 'eu-west-1' } } }],
    });
    expect(findObject(cluster, 'cert-manager', 'ClusterIssuer', 'letsencrypt-production').spec.acme.server).toBe(
      'https://acme-v02.api.letsencrypt.org/directory',
    );
    // Issuers sync after the chart's webhook is up.
    expect(staging.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
    // The controller may reach ACME and the Pod Identity agent; nothing else is opened.
    expect(
      findObject(cluster, 'cert-manager', 'NetworkPolicy', 'allow-to-eks-pod-identity-agent-from-cert-manager-controller').spec.egress[0]
        .to,
    ).toEqual([{ ipBlock: { cidr: '169.254.170.23/32' } }]);
    // The API server is reached, and calls the webhook, only within the cluster's node network.
    expect(findObject(cluster, 'cert-manager', 'NetworkPolicy', 'allow-to-kubernetes-api-from-cert-manager').spec.egress[0].to).toEqual([
      { ipBlock: { cidr: '10.0.0.0/16' } },
    ]);
    expect(
      findObject(cluster, 'cert-manager', 'NetworkPolicy', 'allow-from-kubernetes-api-to-cert-manager-webhook').spec.ingress[0].from,
    ).toEqual([{ ipBlock: { cidr: '10.0.0.0/16' } }]);
    const c = findComponent(cluster, 'cert-manager');
    expect(c.chart).toEqual({
      repoURL: 'https://charts.jetstack.io',
      chart: 'cert-manager',
      version: 'v1.21.1',
      digest: CERT_MANAGER_CHART.pin.digest,
      releaseName: 'cert-manager',
    });
    expect(c.values).toMatchObject({
      crds: { enabled: true, keep: true },
      global: { leaderElection: { namespace: 'cert-manager' } },
      config: { gatewayAPI: { enabled: false } },
    });
    // Its restricted namespace is declared here and delivered first by the namespaces component.
    expect(c.dependsOn).toEqual(['namespaces']);
    expect(c.wave).toBeGreaterThan(findComponent(cluster, 'namespaces').wave);
    const ns = findObject(cluster, 'namespaces', 'Namespace', 'cert-manager');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(c.objects.filter((o) => o.kind === 'Namespace')).toEqual([]);
  });

  test('a self-signed CA for kind: root issuer, CA certificate, CA issuer, in order', () => {
    const cluster = renderTestCluster(
      (p) => {
        new CertManager(p, 'cert-manager', { issuers: [Issuer.selfSignedCa({ commonName: 'Local CA' })] });
      },
      { provider: 'kind', environment: 'local', region: undefined, azs: ['local'] },
    );
    const root = findObject(cluster, 'cert-manager', 'ClusterIssuer', 'platform-ca-selfsigned-root');
    const cert = findObject(cluster, 'cert-manager', 'Certificate', 'platform-ca');
    const ca = findObject(cluster, 'cert-manager', 'ClusterIssuer', 'platform-ca');
    expect(root.spec).toEqual({ selfSigned: {} });
    expect(cert.spec).toMatchObject({
      isCA: true,
      commonName: 'Local CA',
      secretName: 'platform-ca',
      issuerRef: { name: 'platform-ca-selfsigned-root', kind: 'ClusterIssuer' },
    });
    expect(ca.spec).toEqual({ ca: { secretName: 'platform-ca' } });
    expect(Number(ca.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeGreaterThan(
      Number(cert.metadata.annotations['argocd.argoproj.io/sync-wave']),
    );
    const names = cluster.components.find((x) => x.name === 'cert-manager')!.objects.map((o) => o.metadata.name);
    expect(names).not.toContain('allow-to-lets-encrypt-acme-from-cert-manager-controller');
  });

  test('HA: replicas, PDBs and zone spread follow the cluster availability', () => {
    const cluster = renderTestCluster(
      (p) => {
        new CertManager(p, 'cert-manager', { issuers: [Issuer.letsEncrypt({ staging: true, email: 'ops@example.com', solver })] });
      },
      { environment: 'prod', availability: { replicas: 3, spread: 'zone' } },
    );
    const values = cluster.components.find((x) => x.name === 'cert-manager')!.values as any;
    for (const v of [values, values.webhook, values.cainjector]) {
      expect(v.replicaCount).toBe(3);
      expect(v.podDisruptionBudget).toEqual({ enabled: true, maxUnavailable: 1 });
      expect(v.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    }
  });

  test('HTTP-01 through a gateway enables cert-manager’s Gateway API support', () => {
    const cluster = renderTestCluster((p) => {
      new CertManager(p, 'cert-manager', {
        issuers: [
          Issuer.letsEncrypt({
            staging: true,
            email: 'ops@example.com',
            solver: AcmeSolver.http01Gateway({ gatewayName: 'public', gatewayNamespace: 'istio-ingress' }),
          }),
        ],
      });
    });
    const issuer = findObject(cluster, 'cert-manager', 'ClusterIssuer', 'letsencrypt-staging');
    expect(issuer.spec.acme.solvers[0].http01.gatewayHTTPRoute.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'istio-ingress', sectionName: 'http' },
    ]);
    expect((cluster.components.find((x) => x.name === 'cert-manager')!.values as any).config.gatewayAPI.enabled).toBe(true);
  });

  test('syncs after the ingress gateway it is given (a typed wire), and only then', () => {
    class Gateway extends Component {
      constructor(scope: Platform) {
        super(scope, 'istio-gateway', { namespace: Namespace.restricted('istio-ingress'), project: 'infrastructure' });
      }
    }
    const issuers = [Issuer.selfSignedCa({ name: 'platform-ca', commonName: 'Test CA' })];
    const wired = renderTestCluster((p) => new CertManager(p, 'cert-manager', { issuers, gateway: new Gateway(p) }));
    expect(findComponent(wired, 'cert-manager').dependsOn).toEqual(['istio-gateway', 'namespaces']);
    expect(findComponent(wired, 'cert-manager').wave).toBeGreaterThan(findComponent(wired, 'istio-gateway').wave);
    const alone = renderTestCluster((p) => new CertManager(p, 'cert-manager', { issuers }));
    expect(findComponent(alone, 'cert-manager').dependsOn).toEqual(['namespaces']);
  });

  test('bad input fails with the field path', () => {
    expect(() =>
      renderTestCluster((p) => {
        new CertManager(p, 'cert-manager', { issuers: [Issuer.letsEncrypt({ staging: true, email: 'not-an-email', solver })] });
      }),
    ).toThrow('clusters/test.ts: components.cert-manager.issuers[0].email: got "not-an-email", expected the e-mail address');
    expect(() => renderTestCluster((p) => new CertManager(p, 'cert-manager', { issuers: [] }))).toThrow(
      'components.cert-manager.issuers: got 0 items: at least one issuer is needed',
    );
    expect(() =>
      renderTestCluster(
        (p) => new CertManager(p, 'cert-manager', { issuers: [Issuer.selfSignedCa({ commonName: 'x' })], replicsa: 2 } as never),
      ),
    ).toThrow('clusters/test.ts: components.cert-manager.replicsa: unknown field "replicsa"');
  });

  test('another component declaring the cert-manager namespace differently fails synth naming both', () => {
    class Intruder extends Component {
      constructor(scope: Platform) {
        super(scope, 'intruder', {
          namespace: Namespace.privileged('cert-manager', { reason: 'host ports' }),
          project: 'infrastructure',
        });
      }
    }
    expect(
      synthProblems(() =>
        renderTestCluster((p) => {
          new CertManager(p, 'cert-manager', { issuers: [Issuer.selfSignedCa({ commonName: 'x' })] });
          new Intruder(p);
        }),
      ),
    ).toEqual([
      'clusters/test.ts: components.intruder.namespace: declares namespace cert-manager (privileged: host ports), but component "cert-manager" declares it as cert-manager (restricted): one namespace, one set of settings',
    ]);
  });

  test('issuer(): a typed reference to one of its ClusterIssuers; an undefined one fails synth naming the ones defined', () => {
    let ref: ReturnType<CertManager['issuer']> | undefined;
    renderTestCluster((p) => {
      ref = new CertManager(p, 'cert-manager', { issuers: [Issuer.selfSignedCa({ name: 'platform-ca', commonName: 'CA' })] }).issuer(
        'platform-ca',
      );
    });
    expect(ref).toMatchObject({ name: 'platform-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
    expect(
      synthProblems(() =>
        renderTestCluster((p) => {
          new CertManager(p, 'cert-manager', { issuers: [Issuer.selfSignedCa({ name: 'platform-ca', commonName: 'CA' })] }).issuer(
            'letsencrypt-production',
          );
        }),
      ),
    ).toEqual([
      'clusters/test.ts: components.cert-manager.issuers: got a reference to issuer "letsencrypt-production", which this cert-manager does not define (defined: platform-ca)',
    ]);
  });
});
