import { beforeAll, describe, expect, test } from 'vitest';
import {
  Component,
  KubeObject,
  Namespace,
  Platform,
  RenderedCluster,
  TestSpecOverrides,
  VAULT,
  type VaultProvider,
  findComponent,
  findObject,
  provide,
  renderTestCluster,
  synthProblems,
  workload,
} from '@platform/core';
import { StandInCertManager, StandInMonitoring } from '@platform/core/testing-stand-ins';
import { renderTestClusterWithHelm } from '@platform/core/testing-helm';
import { VaultSecretsOperator, VaultSecretsOperatorProps } from '@platform/vault-secrets-operator';

const NS = 'vault-secrets-operator-system';
/** The internal CA ClusterIssuer of cert-manager. */
const CA = 'platform-internal-ca';
const CONTROLLER = 'vault-secrets-operator-controller-manager';

/** A stand-in for libs/vault: it only announces itself (plain HTTP, or TLS with its CA where given). */
class FakeVault extends Component {
  constructor(scope: Platform, tls?: Pick<VaultProvider, 'caSecret' | 'tlsIssuer'>) {
    super(scope, 'vault', { namespace: Namespace.restricted('vault'), project: 'infrastructure' });
    provide(VAULT, {
      component: this,
      address: tls ? 'https://vault.vault.svc:8200' : 'http://vault.vault.svc:8200',
      kvMount: 'secret',
      authMount: 'kubernetes',
      tls: !!tls,
      ...(tls?.caSecret && { caSecret: tls.caSecret }),
      ...(tls?.tlsIssuer && { tlsIssuer: tls.tlsIssuer }),
      server: workload(this, { name: 'vault', podLabels: { 'app.kubernetes.io/name': 'vault', component: 'server' } }),
    });
  }
}

const prod: TestSpecOverrides = { environment: 'prod', availability: { replicas: 2, spread: 'zone' } };

const render = (
  props: VaultSecretsOperatorProps = {},
  overrides: TestSpecOverrides = {},
  tls?: Pick<VaultProvider, 'caSecret' | 'tlsIssuer'>,
) =>
  renderTestCluster((p) => {
    new FakeVault(p, tls);
    new VaultSecretsOperator(p, 'vault-secrets-operator', props);
  }, overrides);

describe('VaultSecretsOperator', () => {
  test('namespace, project, chart pin; CRDs with the manifests; the default VaultConnection to the cluster Vault (plain HTTP in dev)', () => {
    const c = findComponent(render(), 'vault-secrets-operator');
    expect(c).toMatchObject({ namespace: NS, project: 'infrastructure', chart: { chart: 'vault-secrets-operator', version: '1.4.1' } });
    expect(c.dependsOn).toEqual(['namespaces']);
    const values = c.values as Record<string, any>;
    expect(values.hooks.upgradeCRDs).toEqual({ enabled: false });
    expect(values.defaultVaultConnection).toEqual({ enabled: false });
    expect(values.defaultAuthMethod).toEqual({ enabled: false });
    expect(findObject(render(), 'vault-secrets-operator', 'VaultConnection', 'default')).toMatchObject({
      metadata: { namespace: NS },
      spec: { address: 'http://vault.vault.svc:8200', skipTLSVerify: false },
    });
    expect(findObject(render(), 'vault-secrets-operator', 'VaultConnection', 'default').spec).not.toHaveProperty('caCertSecretRef');
  });

  test("TLS (prod): the VaultConnection trusts Vault's CA from a Certificate of the CA issuer in the operator's namespace", () => {
    const rendered = renderTestCluster((p) => {
      const certs = new StandInCertManager(p);
      new FakeVault(p, { caSecret: { name: 'vault-tls', namespace: 'vault', key: 'ca.crt' } });
      new VaultSecretsOperator(p, 'vault-secrets-operator', { vaultCa: certs.issuer(CA) });
    }, prod);
    expect(findObject(rendered, 'vault-secrets-operator', 'VaultConnection', 'default').spec).toEqual({
      address: 'https://vault.vault.svc:8200',
      skipTLSVerify: false,
      caCertSecretRef: 'vault-ca',
    });
    expect(findObject(rendered, 'vault-secrets-operator', 'Certificate', 'vault-ca').spec).toMatchObject({
      secretName: 'vault-ca',
      issuerRef: { name: 'platform-internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    });
    expect(findComponent(rendered, 'vault-secrets-operator').dependsOn).toContain('cert-manager');
  });

  test("TLS with the CA Secret already in the operator's namespace: used as it is", () => {
    const rendered = render({}, prod, { caSecret: { name: 'vault-ca-bundle', namespace: NS, key: 'ca.crt' } });
    expect(findObject(rendered, 'vault-secrets-operator', 'VaultConnection', 'default').spec.caCertSecretRef).toBe('vault-ca-bundle');
  });

  test('TLS: the issuer Vault announces is used when vaultCa is not given', () => {
    const rendered = renderTestCluster((p) => {
      const certs = new StandInCertManager(p);
      new FakeVault(p, { caSecret: { name: 'vault-tls', namespace: 'vault', key: 'ca.crt' }, tlsIssuer: certs.issuer(CA) });
      new VaultSecretsOperator(p, 'vault-secrets-operator');
    }, prod);
    expect(findObject(rendered, 'vault-secrets-operator', 'VaultConnection', 'default').spec.caCertSecretRef).toBe('vault-ca');
    expect(findObject(rendered, 'vault-secrets-operator', 'Certificate', 'vault-ca').spec.issuerRef.name).toBe('platform-internal-ca');
    expect(findComponent(rendered, 'vault-secrets-operator').dependsOn).toContain('cert-manager');
  });

  test('TLS without a CA the operator can read fails, saying what to pass', () => {
    expect(synthProblems(() => render({}, prod, { caSecret: { name: 'vault-tls', namespace: 'vault', key: 'ca.crt' } }))).toEqual([
      expect.stringMatching(/^clusters\/test\.ts: components\.vault-secrets-operator\.vaultCa: Vault serves TLS .* pass vaultCa/),
    ]);
  });

  test('without a Vault in the cluster: synth fails, naming what to add', () => {
    expect(synthProblems(() => renderTestCluster((p) => new VaultSecretsOperator(p, 'vault-secrets-operator')))).toEqual([
      expect.stringMatching(/^clusters\/test\.ts: components\.vault-secrets-operator: the cluster has no Vault .*new Vault\(/),
    ]);
  });

  test('bad props fail with their field paths', () => {
    expect(synthProblems(() => render({ replicas: 0, vaultCa: 'ca' as never, extra: true } as never))).toEqual([
      'clusters/test.ts: components.vault-secrets-operator.replicas: got 0, replicas must be an integer ≥ 1',
      'clusters/test.ts: components.vault-secrets-operator.vaultCa: got "ca", expected a certificate issuer exported by a component, e.g. certManager.issuer("letsencrypt-production")',
      'clusters/test.ts: components.vault-secrets-operator.extra: unknown field "extra"; allowed: additionalValues, replicas, vaultCa',
    ]);
  });

  test('once per cluster', () => {
    expect(
      synthProblems(() =>
        renderTestCluster((p) => {
          new FakeVault(p);
          new VaultSecretsOperator(p, 'vault-secrets-operator');
          new VaultSecretsOperator(p, 'vso-2');
        }),
      ),
    ).toEqual([expect.stringContaining('components.vso-2: got a second VaultSecretsOperator')]);
  });

  describe('the rendered chart (helm template of the pinned chart with our values)', () => {
    let objects: KubeObject[];
    let rendered: RenderedCluster;
    const compose = () => (p: Platform) => {
      new FakeVault(p);
      new StandInMonitoring(p, { namespace: 'monitoring', scraper: { name: 'prometheus', podLabels: { app: 'prometheus' } } });
      new VaultSecretsOperator(p, 'vault-secrets-operator');
    };

    /** The cluster with the chart rendered by helm, and what helm rendered for the chart (before synth changes it). */
    async function renderChart(overrides: TestSpecOverrides = {}): Promise<{ cluster: RenderedCluster; chart: KubeObject[] }> {
      let chart: KubeObject[] = [];
      const cluster = await renderTestClusterWithHelm(compose(), overrides, {
        adjust: (component, objects) => {
          if (component.name === 'vault-secrets-operator') chart = structuredClone(objects);
        },
      });
      return { cluster, chart };
    }

    beforeAll(async () => {
      ({ cluster: rendered, chart: objects } = await renderChart(prod));
    }, 60_000);

    const all = () => findComponent(rendered, 'vault-secrets-operator').objects;

    test('the CRD-upgrade hook (Job, ServiceAccount, RBAC) is absent; the CRDs are in the manifests, first', () => {
      expect(objects.filter((o) => o.metadata.annotations?.['helm.sh/hook']?.includes('pre-upgrade'))).toEqual([]);
      expect(all().filter((o) => o.metadata.name.includes('upgrade-crds'))).toEqual([]);
      const crds = all().filter((o) => o.kind === 'CustomResourceDefinition');
      expect(crds.map((o) => o.metadata.name)).toEqual(
        expect.arrayContaining([
          'vaultauths.secrets.hashicorp.com',
          'vaultconnections.secrets.hashicorp.com',
          'vaultstaticsecrets.secrets.hashicorp.com',
        ]),
      );
      expect(crds).toHaveLength(10);
      for (const crd of crds) expect(crd.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    });

    test("the HCPAuth CRD's example Secret is a placeholder (the secret scan would read it as a literal)", () => {
      const text = JSON.stringify(
        findObject(rendered, 'vault-secrets-operator', 'CustomResourceDefinition', 'hcpauths.secrets.hashicorp.com'),
      );
      const key = 'clientSecret';
      expect(text).not.toContain(JSON.stringify(`"${key}": "${key}"`).slice(1, -1));
      expect(text).toContain(JSON.stringify(`"${key}": "<${key}>"`).slice(1, -1));
    });

    test('the controller: pinned image, replicas spread over zones, PDB, resources, probes, restricted security context, metrics port', () => {
      const d = findObject(rendered, 'vault-secrets-operator', 'Deployment', CONTROLLER);
      const pod = d.spec.template.spec;
      expect(d.spec.replicas).toBe(2);
      expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual([
        'topology.kubernetes.io/zone',
        'kubernetes.io/hostname',
      ]);
      expect(pod.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.containers.map((c: any) => c.name)).toEqual(['manager']);
      const [manager] = pod.containers;
      expect(manager.image).toBe('hashicorp/vault-secrets-operator:1.4.1');
      expect(manager.args).toContain('--metrics-bind-address=:8080');
      expect(manager.args.at(-1)).toBe('--metrics-bind-address=:8080');
      expect(manager.ports).toEqual([{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }]);
      expect(manager.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 8081 });
      expect(manager.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 8081 });
      expect(manager.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
      expect(manager.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      const pdb = findObject(rendered, 'vault-secrets-operator', 'PodDisruptionBudget', 'vault-secrets-operator');
      expect(pdb.spec).toEqual({
        maxUnavailable: 1,
        selector: {
          matchLabels: { 'app.kubernetes.io/name': 'vault-secrets-operator', 'app.kubernetes.io/instance': 'vault-secrets-operator' },
        },
      });
      expect(findObject(rendered, 'vault-secrets-operator', 'Service', 'vault-secrets-operator-metrics-service').spec.ports).toEqual([
        { name: 'metrics', port: 8080, protocol: 'TCP', targetPort: 'metrics' },
      ]);
    });

    test('every workload of the chart has requests, limits and a restricted security context; API callers are exempted by name', () => {
      const workloads = all().filter((o) => ['Deployment', 'Job'].includes(o.kind));
      expect(workloads.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        `Deployment/${CONTROLLER}`,
        'Job/pdcc-vault-secrets-operator',
      ]);
      for (const w of workloads) {
        const pod = w.spec.template.spec;
        expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
        for (const c of pod.containers) {
          expect(c.resources.requests).toBeDefined();
          expect(c.resources.limits).toBeDefined();
          expect(c.securityContext).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          });
        }
        expect(w.metadata.annotations['policy.platform/exempt-no-automount-service-account-token']).toContain('TokenRequest');
      }
      expect(all().filter((o) => o.kind === 'Secret')).toEqual([]);
    });

    test('flows: the operator to the Kubernetes API and to Vault 8200; the scraper to the metrics port', () => {
      const policies = rendered.components.flatMap((c) => c.objects.filter((o) => o.kind === 'NetworkPolicy'));
      const egress = policies.filter((o) => o.metadata.namespace === NS && o.spec.policyTypes?.includes('Egress'));
      const egressPorts = egress.flatMap((o) => (o.spec.egress ?? []).flatMap((e: any) => (e.ports ?? []).map((p: any) => p.port)));
      expect(egressPorts).toEqual(expect.arrayContaining([443, 6443, 8200]));
      const vaultIngress = policies.filter((o) => o.metadata.namespace === 'vault' && o.spec.ingress);
      expect(vaultIngress.flatMap((o) => o.spec.ingress.flatMap((i: any) => i.from))).toEqual(
        expect.arrayContaining([expect.objectContaining({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } } })]),
      );
      expect(findObject(rendered, 'monitoring', 'PodMonitor', 'vault-secrets-operator').spec).toEqual({
        selector: { matchLabels: { 'app.kubernetes.io/name': 'vault-secrets-operator', 'control-plane': 'controller-manager' } },
        podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }],
      });
    });

    test('one replica (dev): no PDB, no spread', async () => {
      const { chart: dev } = await renderChart();
      expect(dev.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
      const d = dev.find((o) => o.kind === 'Deployment')!;
      expect(d.spec.replicas).toBe(1);
      expect(d.spec.template.spec).not.toHaveProperty('topologySpreadConstraints');
    });
  });
});
