import { parse as parseHcl } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  Component,
  type IssuerRef,
  Namespace,
  Platform,
  type RenderedCluster,
  type TestSpecOverrides,
  VAULT,
  type VaultAccessProps,
  type VaultProvider,
  findComponent,
  findObject,
  providerOf,
  renderTestCluster,
  synthProblems,
  vaultAccess,
} from '@platform/core';
import { Vault, type VaultProps } from '@platform/vault';
import { renderTestClusterWithHelm } from '@platform/core/testing-helm';
import { VAULT_CHART } from './versions';

/** Stands in for cert-manager: the internal CA issuer the listener's certificate comes from. */
class Issuers extends Component {
  constructor(scope: Platform) {
    super(scope, 'cert-manager', { namespace: Namespace.restricted('cert-manager'), project: 'infrastructure' });
  }
  issuer(): IssuerRef {
    return { component: this, name: 'platform-internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' };
  }
}

/** A consumer component, as Grafana or Keycloak will be. */
class App extends Component {
  constructor(scope: Platform, id: string, access: readonly VaultAccessProps[]) {
    super(scope, id, { namespace: Namespace.restricted(id === 'grafana' ? 'observability-system' : id), project: 'apps' });
    for (const a of access) vaultAccess(this, a);
  }
}

const PROD: TestSpecOverrides = { name: 'prod', environment: 'prod', availability: { replicas: 2, spread: 'zone' } };
const LOCAL: TestSpecOverrides = { name: 'local', environment: 'local', provider: 'kind', region: undefined, azs: ['local'] };

function compose(props: (issuers: Issuers) => VaultProps, consumers = true) {
  return (p: Platform) => {
    const issuers = new Issuers(p);
    new Vault(p, 'vault', props(issuers));
    if (!consumers) return;
    new App(p, 'grafana', [{ serviceAccount: 'grafana', paths: ['grafana/admin'] }]);
    new App(p, 'keycloak', [
      { serviceAccount: 'keycloak', paths: ['keycloak/db', 'keycloak/clients/api'], capabilities: ['read', 'list'] },
      { serviceAccount: 'keycloak', paths: ['keycloak/bootstrap-admin'], capabilities: ['read', 'update', 'delete'] },
    ]);
  };
}
const prodProps = (i: Issuers): VaultProps => ({
  mode: 'ha',
  storage: { size: '10Gi' },
  auditStorage: { size: '10Gi' },
  autoUnseal: 'awskms',
  tls: i.issuer(),
});

const config = (cluster: RenderedCluster) => findComponent(cluster, 'vault').configFiles;
const values = (cluster: RenderedCluster) => findComponent(cluster, 'vault').values as any;

describe('Vault configuration as code', () => {
  const cluster = renderTestCluster(compose(() => ({})));

  test('one policy and one role per ServiceAccount, nothing else', () => {
    expect(Object.keys(config(cluster))).toEqual([
      'admin/platform-admin.hcl',
      'auth.json',
      'mounts.json',
      'policies/keycloak-keycloak.hcl',
      'policies/observability-system-grafana.hcl',
      'roles/keycloak-keycloak.json',
      'roles/observability-system-grafana.json',
    ]);
  });

  test('roles: bound to exactly the ServiceAccount and namespace, their own policy, the vault audience, short TTLs', () => {
    expect(JSON.parse(config(cluster)['roles/observability-system-grafana.json'])).toEqual({
      bound_service_account_names: ['grafana'],
      bound_service_account_namespaces: ['observability-system'],
      audience: 'vault',
      token_policies: ['observability-system-grafana'],
      token_ttl: 900,
      token_max_ttl: 3600,
      token_type: 'service',
    });
    expect(JSON.parse(config(cluster)['roles/keycloak-keycloak.json'])).toMatchObject({
      bound_service_account_names: ['keycloak'],
      bound_service_account_namespaces: ['keycloak'],
      token_policies: ['keycloak-keycloak'],
    });
    for (const [file, text] of Object.entries(config(cluster))) if (file.startsWith('roles/')) expect(text).not.toContain('*');
  });

  test('policies: exactly the declared paths and capabilities; metadata only for list and delete', async () => {
    expect(config(cluster)['policies/observability-system-grafana.hcl']).toBe(
      [
        '# Policy observability-system-grafana: ServiceAccount observability-system/grafana of component grafana.',
        '# Rendered by synth from vaultAccess() declarations; applied by apps/terraform-aws/vault. Do not edit.',
        '',
        'path "secret/data/grafana/admin" {',
        '  capabilities = ["read"]',
        '}',
        '',
      ].join('\n'),
    );
    const keycloak = await parseHcl('keycloak.hcl', config(cluster)['policies/keycloak-keycloak.hcl']);
    const paths = Object.fromEntries(Object.entries(keycloak.path).map(([k, v]) => [k, (v as any)[0].capabilities]));
    expect(paths).toEqual({
      'secret/data/keycloak/bootstrap-admin': ['read', 'update', 'delete'],
      'secret/metadata/keycloak/bootstrap-admin': ['delete'],
      'secret/data/keycloak/clients/api': ['read'],
      'secret/metadata/keycloak/clients/api': ['list'],
      'secret/data/keycloak/db': ['read'],
      'secret/metadata/keycloak/db': ['list'],
    });
  });

  test('every rendered HCL (policies, admin policy, server config) parses, and only the admin policy has globs', async () => {
    const prod = renderTestCluster(compose(prodProps), PROD);
    const files = { ...config(cluster), ...config(prod) };
    const hcl = Object.entries(files).filter(([f]) => f.endsWith('.hcl'));
    expect(hcl.length).toBeGreaterThanOrEqual(3);
    for (const [file, text] of hcl) {
      const parsed = await parseHcl(file, text);
      expect(Object.keys(parsed), file).toEqual(['path']);
      for (const [path, [block]] of Object.entries(parsed.path as Record<string, any[]>)) {
        expect(Object.keys(block), `${file} ${path}`).toEqual(['capabilities']);
        if (!file.startsWith('admin/')) expect(path).toMatch(/^secret\/(data|metadata)\/[a-z0-9._/-]+$/);
      }
    }
    for (const c of [cluster, prod]) {
      const server = await parseHcl('server.hcl', values(c).server.standalone.config ?? values(c).server.ha.raft.config);
      expect(server.ui).toBe(true);
      expect(server.listener.tcp[0].address).toBe('[::]:8200');
    }
    // Every file is JSON or HCL without a secret: no tokens, keys or passwords in dist.
    for (const text of Object.values(files)) expect(text).not.toMatch(/hvs\.|BEGIN .*PRIVATE|password/i);
  });

  test('the KV v2 mount, the Kubernetes auth method, and the audit device when there is audit storage', () => {
    expect(JSON.parse(config(cluster)['mounts.json'])).toEqual({
      secret: { type: 'kv', description: expect.any(String), options: { version: '2' } },
    });
    expect(JSON.parse(config(cluster)['auth.json'])).toEqual({
      kubernetes: {
        type: 'kubernetes',
        description: expect.any(String),
        config: { kubernetes_host: 'https://kubernetes.default.svc', disable_local_ca_jwt: false },
      },
    });
    expect(config(cluster)['audit.json']).toBeUndefined();
    expect(JSON.parse(config(renderTestCluster(compose(prodProps), PROD))['audit.json'])).toEqual({
      file: { type: 'file', description: expect.any(String), options: { file_path: '/vault/audit/vault_audit.log' } },
    });
  });

  test('a consumer asking for a path outside its prefix fails synth', () => {
    expect(
      synthProblems(() =>
        renderTestCluster((p) => {
          compose(() => ({}), false)(p);
          new App(p, 'grafana', [{ serviceAccount: 'grafana', paths: ['keycloak/db'] }]);
        }),
      ),
    ).toEqual([
      'clusters/test.ts: components.grafana.vaultAccess(observability-system-grafana).paths[0]: "keycloak/db" is outside the component\'s prefix: paths of component "grafana" start with "grafana/"',
    ]);
  });

  test('a wildcard path fails synth', () => {
    expect(
      synthProblems(() =>
        renderTestCluster((p) => {
          compose(() => ({}), false)(p);
          new App(p, 'grafana', [{ serviceAccount: 'grafana', paths: ['grafana/*'] }]);
        }),
      ),
    ).toEqual([expect.stringMatching(/paths\[0\]: "grafana\/\*": wildcards are not allowed/)]);
  });

  test('without consumers: the mount, the auth method and the admin policy only', () => {
    expect(Object.keys(config(renderTestCluster(compose(() => ({}), false))))).toEqual([
      'admin/platform-admin.hcl',
      'auth.json',
      'mounts.json',
    ]);
  });
});

describe('Vault values per environment', () => {
  test('dev/local: standalone, file storage on a 1Gi volume (gp3 on EKS, the default class on kind), plaintext, no seal', () => {
    const dev = values(renderTestCluster(compose(() => ({}), false)));
    expect(dev.server.standalone.enabled).toBe(true);
    expect(dev.server.ha).toEqual({ enabled: false });
    expect(dev.server.dataStorage).toMatchObject({ enabled: true, size: '1Gi', storageClass: 'gp3', mountPath: '/vault/data' });
    expect(dev.server.auditStorage.enabled).toBe(false);
    expect(dev.global.tlsDisable).toBe(true);
    expect(dev.server.standalone.config).toContain('storage "file" {\n  path = "/vault/data"\n}');
    expect(dev.server.standalone.config).toContain('tls_disable     = 1');
    expect(dev.server.standalone.config).not.toContain('seal');
    expect(dev.server.standalone.config).toMatch(/^ui {12}= true$/m);
    const local = values(
      renderTestCluster(
        compose(() => ({}), false),
        LOCAL,
      ),
    );
    expect(local.server.dataStorage.storageClass).toBeNull();
  });

  test('prod: HA Raft on 3 servers with retry_join over TLS, awskms from the names Terraform shares, audit volume, PDB', () => {
    const v = values(renderTestCluster(compose(prodProps), PROD));
    expect(v.server.standalone).toEqual({ enabled: false });
    expect(v.server.ha).toMatchObject({
      enabled: true,
      replicas: 3,
      disruptionBudget: { enabled: true, maxUnavailable: 1 },
      raft: { enabled: true, setNodeId: true },
    });
    const hcl: string = v.server.ha.raft.config;
    expect(hcl).toContain('seal "awskms" {\n  region     = "eu-west-1"\n  kms_key_id = "alias/prod-vault-unseal"\n}');
    expect(hcl).toContain('tls_cert_file   = "/vault/userconfig/vault-tls/tls.crt"');
    expect(hcl).toContain(
      '  retry_join {\n    leader_api_addr = "https://vault-2.vault-internal:8200"\n    leader_ca_cert_file   = "/vault/userconfig/vault-tls/ca.crt"\n    leader_tls_servername = "vault-2.vault-internal"\n  }',
    );
    expect(hcl).toContain('service_registration "kubernetes" {}');
    expect(v.global.tlsDisable).toBe(false);
    expect(v.server.auditStorage).toMatchObject({ enabled: true, size: '10Gi', storageClass: 'gp3', mountPath: '/vault/audit' });
    expect(v.server.dataStorage.size).toBe('10Gi');
    expect(v.server.serviceAccount).toMatchObject({ create: true, name: 'vault' });
    expect(v.server.topologySpreadConstraints[0]).toMatchObject({
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
    });
    expect(v.server.extraEnvironmentVars).toEqual({ VAULT_CACERT: '/vault/userconfig/vault-tls/ca.crt' });
  });

  test('always: injector and CSI off, UI on a ClusterIP Service, pinned image, restricted security context, probes', () => {
    for (const v of [values(renderTestCluster(compose(() => ({}), false))), values(renderTestCluster(compose(prodProps), PROD))]) {
      expect(v.injector).toEqual({ enabled: false });
      expect(v.csi).toEqual({ enabled: false });
      expect(v.ui).toEqual({ enabled: true, serviceType: 'ClusterIP', externalPort: 8200, targetPort: 8200 });
      expect(v.server.image).toEqual({ repository: 'hashicorp/vault', tag: '2.0.4', pullPolicy: 'IfNotPresent' });
      expect(v.server.readinessProbe.path).toBe('/v1/sys/health?standbyok=true&perfstandbyok=true&sealedcode=204&uninitcode=204');
      expect(v.server.livenessProbe).toEqual({ ...v.server.readinessProbe, initialDelaySeconds: 60 });
      expect(v.server.statefulSet.securityContext.container).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  test('the Vault provider: address, mounts, TLS and CA secret; a consumer finds it', () => {
    let dev: VaultProvider | undefined;
    let prod: VaultProvider | undefined;
    renderTestCluster((p) => {
      compose(() => ({}), false)(p);
      dev = providerOf(p, VAULT);
    });
    renderTestCluster((p) => {
      compose(prodProps, false)(p);
      prod = providerOf(p, VAULT);
    }, PROD);
    expect(dev).toMatchObject({ address: 'http://vault.vault.svc:8200', kvMount: 'secret', authMount: 'kubernetes', tls: false });
    expect(dev?.caSecret).toBeUndefined();
    expect(prod).toMatchObject({
      address: 'https://vault.vault.svc:8200',
      tls: true,
      caSecret: { name: 'vault-tls', namespace: 'vault', key: 'ca.crt' },
      tlsIssuer: { name: 'platform-internal-ca' },
      server: { namespace: 'vault', serviceAccount: 'vault' },
    });
  });

  test('prod: the listener certificate from the internal CA, before the servers; Vault waits for cert-manager', () => {
    const cluster = renderTestCluster(compose(prodProps), PROD);
    const cert = findObject(cluster, 'vault', 'Certificate', 'vault-tls');
    expect(cert.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    expect(cert.spec).toMatchObject({
      secretName: 'vault-tls',
      issuerRef: { name: 'platform-internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      ipAddresses: ['127.0.0.1'],
    });
    expect(cert.spec.dnsNames).toEqual(
      expect.arrayContaining(['vault.vault.svc', 'vault-active.vault.svc', 'vault-0.vault-internal', 'vault-2.vault-internal']),
    );
    expect(cert.spec.dnsNames.join(' ')).not.toContain('*');
    expect(findComponent(cluster, 'vault').dependsOn).toContain('cert-manager');
  });

  test('flows: the API server always; Raft peers in HA; KMS and the Pod Identity agent with awskms', () => {
    const labels = (c: RenderedCluster) => findComponent(c, 'vault').flows.map((f) => f.label);
    expect(labels(renderTestCluster(compose(() => ({}), false)))).toEqual(['TokenReview (Kubernetes auth), service registration']);
    const prod = renderTestCluster(compose(prodProps, false), PROD);
    expect(labels(prod)).toEqual([
      'TokenReview (Kubernetes auth), service registration',
      'auto-unseal (KMS)',
      'AWS credentials (Pod Identity)',
    ]);
    // Raft peers: a flow within the component (no diagram edge), policies both ways on 8200 and 8201.
    const policies = findComponent(prod, 'vault').objects.filter((o) => o.kind === 'NetworkPolicy');
    const raft = policies.filter((o) => JSON.stringify(o.spec).includes('8201'));
    expect(
      raft
        .map((o) => o.spec.policyTypes)
        .flat()
        .sort(),
    ).toEqual(['Egress', 'Ingress']);
    expect(JSON.stringify(raft)).toContain('"port":8200');
  });

  test('bad input fails with the field path', () => {
    expect(
      synthProblems(() =>
        renderTestCluster(
          compose(() => ({ autoUnseal: 'awskms' }), false),
          LOCAL,
        ),
      ),
    ).toEqual([
      expect.stringMatching(/components\.vault\.autoUnseal: got "awskms" on "kind" cluster "local": AWS KMS auto-unseal needs EKS/),
    ]);
    expect(synthProblems(() => renderTestCluster(compose(() => ({ replicas: 3 }), false)))).toEqual([
      expect.stringMatching(/components\.vault\.replicas: got 3 replicas in standalone mode/),
    ]);
    expect(synthProblems(() => renderTestCluster(compose(() => ({ mode: 'ha', replicas: 4 as never }), false)))).toEqual([
      expect.stringMatching(/components\.vault\.replicas: got 4, Raft wants 3 or 5 servers/),
    ]);
    expect(synthProblems(() => renderTestCluster(compose(() => ({ storage: { size: '1 GB' } }), false)))).toEqual([
      expect.stringMatching(/components\.vault\.storage\.size: got "1 GB", which is not a Kubernetes quantity/),
    ]);
    expect(synthProblems(() => renderTestCluster(compose(() => ({ tls: 'platform-ca' as never }), false)))).toEqual([
      expect.stringMatching(/components\.vault\.tls: .*certManager\.issuer/),
    ]);
  });
});

describe('Vault with the chart rendered by helm', () => {
  let dev: RenderedCluster;
  let prod: RenderedCluster;
  beforeAll(async () => {
    dev = await renderTestClusterWithHelm(compose(() => ({})));
    prod = await renderTestClusterWithHelm(compose(prodProps), PROD);
  }, 60_000);

  const statefulSet = (c: RenderedCluster) => findObject(c, 'vault', 'StatefulSet', 'vault');

  test('the chart pin', () => {
    expect(findComponent(dev, 'vault').chart).toEqual({
      repoURL: 'https://helm.releases.hashicorp.com',
      chart: 'vault',
      version: '0.34.1',
      digest: VAULT_CHART.pin.digest,
      releaseName: 'vault',
    });
  });

  test('no injector, no CSI, no test pod, no Ingress or Route; the Services are ClusterIP', () => {
    for (const c of [dev, prod]) {
      const objects = findComponent(c, 'vault').objects;
      expect(objects.filter((o) => /injector|csi|server-test/.test(o.metadata.name))).toEqual([]);
      expect(objects.filter((o) => ['Ingress', 'Route', 'HTTPRoute', 'MutatingWebhookConfiguration'].includes(o.kind))).toEqual([]);
      for (const s of objects.filter((o) => o.kind === 'Service')) expect(s.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    }
    expect(findObject(dev, 'vault', 'Service', 'vault-ui').spec.ports[0]).toMatchObject({ port: 8200, targetPort: 8200 });
  });

  test('the server pods: pinned image, restricted, read-only root, probes on /v1/sys/health, resources', () => {
    for (const c of [dev, prod]) {
      const pod = statefulSet(c).spec.template.spec;
      const [container] = pod.containers;
      expect(container.image).toBe('hashicorp/vault:2.0.4');
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.readinessProbe.httpGet.path).toBe('/v1/sys/health?standbyok=true&perfstandbyok=true&sealedcode=204&uninitcode=204');
      expect(container.livenessProbe.httpGet.path).toMatch(/^\/v1\/sys\/health\?/);
      expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
      expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      expect(pod.serviceAccountName).toBe('vault');
    }
    expect(statefulSet(dev).spec.template.spec.containers[0].readinessProbe.httpGet.scheme).toBe('HTTP');
  });

  test('prod: 3 servers over zones, a PDB, HTTPS probes, the certificate mounted, data and audit volumes on gp3', () => {
    const s = statefulSet(prod);
    expect(s.spec.replicas).toBe(3);
    const [container] = s.spec.template.spec.containers;
    expect(container.readinessProbe.httpGet.scheme).toBe('HTTPS');
    expect(container.volumeMounts).toContainEqual({ name: 'vault-tls', mountPath: '/vault/userconfig/vault-tls', readOnly: true });
    expect(
      s.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.resources.requests.storage, t.spec.storageClassName]),
    ).toEqual([
      ['data', '10Gi', 'gp3'],
      ['audit', '10Gi', 'gp3'],
    ]);
    expect(s.spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    expect(findObject(prod, 'vault', 'PodDisruptionBudget', 'vault').spec.maxUnavailable).toBe(1);
    const config = findObject(prod, 'vault', 'ConfigMap', 'vault-config').data['extraconfig-from-values.hcl'];
    expect(config).toContain('seal "awskms"');
    expect(config).toContain('ui            = true');
  });

  test('no Secret with data', () => {
    for (const c of [dev, prod])
      for (const o of findComponent(c, 'vault').objects.filter((x) => x.kind === 'Secret')) expect(o.data ?? o.stringData).toBeUndefined();
  });
});
