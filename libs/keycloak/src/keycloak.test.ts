import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  Component,
  Namespace,
  Platform,
  RenderedCluster,
  TestSpecOverrides,
  Workload,
  findComponent,
  findObject,
  renderTestCluster,
  renderTestClusterWithManifests,
  synthProblems,
  workload,
} from '@platform/core';
import {
  StandInCertManager,
  StandInGateway,
  StandInMesh,
  StandInMonitoring,
  StandInVault,
  StandInVaultSecretsOperator,
} from '@platform/core/testing-stand-ins';
import {
  AUDIENCE_MAPPER,
  CLIENT_ROLES_MAPPER,
  KEYCLOAK_IMAGE,
  KEYCLOAK_OPERATOR_IMAGE,
  Keycloak,
  KeycloakDatabase,
  KeycloakProps,
} from '@platform/keycloak';

const ROOT = resolve(__dirname, '../../..');

/** A PostgresCluster stand-in (libs/cnpg): connection facts and allowClient, recorded. */
class FakeDb extends Component implements KeycloakDatabase {
  readonly clients: { from: Workload; label: string }[] = [];
  readonly instances = workload(this, {
    name: 'keycloak-db',
    podLabels: { 'cnpg.io/cluster': 'keycloak-db' },
    serviceAccount: 'keycloak-db',
  });
  readonly connection = {
    host: 'keycloak-db-rw.iam-system.svc.cluster.local',
    port: 5432,
    database: 'keycloak',
    // The Secret's name, as CloudNativePG derives it from the cluster's.
    appSecret: `${'keycloak-db'}-app`,
  };
  constructor(scope: Platform) {
    super(scope, 'keycloak-db', { namespace: Namespace.restricted('iam-system', { meshed: true }), project: 'iam' });
  }
  allowClient(from: Workload, label: string): void {
    this.clients.push({ from, label });
  }
}

interface Composed {
  kc?: Keycloak;
  db?: FakeDb;
}

function compose(p: Platform, out: Composed, props: Partial<KeycloakProps> = {}): void {
  new StandInVault(p);
  new StandInVaultSecretsOperator(p);
  new StandInMesh(p);
  new StandInMonitoring(p, { meshed: true, scraper: { name: 'prometheus', serviceAccount: 'prometheus' } });
  new StandInGateway(p, { meshed: true, serviceAccount: 'istio-gateway' });
  const cm = new StandInCertManager(p);
  out.db = new FakeDb(p);
  out.kc = new Keycloak(p, 'keycloak', { database: out.db, tls: cm.issuer('letsencrypt-production'), ...props });
}

const PROD: TestSpecOverrides = { environment: 'prod', availability: { replicas: 2, spread: 'zone' } };

function render(props: Partial<KeycloakProps> = {}, overrides: TestSpecOverrides = {}): { cluster: RenderedCluster } & Composed {
  const out: Composed = {};
  const cluster = renderTestCluster((p) => compose(p, out, props), overrides);
  return { cluster, ...out };
}

const realmImport = (cluster: RenderedCluster) => findObject(cluster, 'keycloak', 'KeycloakRealmImport', 'keycloak-realm-platform');
const client = (cluster: RenderedCluster) => realmImport(cluster).spec.realm.clients[0];

describe('the API realm import', () => {
  test('confidential client postgrest_api, its secret a placeholder filled from the Vault Secret', () => {
    const { cluster } = render();
    const ri = realmImport(cluster);
    expect(ri.spec.keycloakCRName).toBe('keycloak');
    expect(ri.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
    expect(client(cluster)).toMatchObject({
      clientId: 'postgrest_api',
      publicClient: false,
      clientAuthenticatorType: 'client-secret',
      secret: '${POSTGREST_API_CLIENT_SECRET}',
      standardFlowEnabled: true,
      directAccessGrantsEnabled: false,
      implicitFlowEnabled: false,
      redirectUris: ['https://api.test.example.com/*'],
    });
    expect(ri.spec.placeholders).toEqual({
      POSTGREST_API_CLIENT_SECRET: { secret: { name: 'keycloak-postgrest-api-client', key: 'client-secret' } },
    });
    const vss = findObject(cluster, 'keycloak', 'VaultStaticSecret', 'keycloak-postgrest-api-client');
    expect(vss.spec).toMatchObject({ path: 'keycloak/postgrest-api-client', vaultAuthRef: 'keycloak', destination: { create: true } });
    expect(findObject(cluster, 'keycloak', 'VaultAuth', 'keycloak').spec.kubernetes.serviceAccount).toBe('keycloak');
  });

  test('no secret, user or credential in the realm or anywhere in the component', () => {
    const { cluster } = render();
    const realm = realmImport(cluster).spec.realm;
    expect(realm.users).toBeUndefined();
    const text = JSON.stringify(findComponent(cluster, 'keycloak').objects);
    expect(text).not.toMatch(/"(password|credentials|users)":/);
    expect(findComponent(cluster, 'keycloak').objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    // The only client secret is the placeholder.
    const strings: string[] = [];
    const walk = (v: unknown, key = ''): void => {
      if (typeof v === 'string' && key === 'secret') strings.push(v);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    walk(findComponent(cluster, 'keycloak').objects);
    expect(strings).toEqual(['${POSTGREST_API_CLIENT_SECRET}']);
  });

  test('client roles inventory_user and web_user', () => {
    const { cluster } = render();
    const roles = realmImport(cluster).spec.realm.roles;
    expect(Object.keys(roles)).toEqual(['client']);
    expect(roles.client.postgrest_api.map((r: { name: string }) => r.name)).toEqual(['inventory_user', 'web_user']);
  });

  test('mappers: client roles at resource_access.postgrest_api.roles, audience postgrest_api (exact JSON)', () => {
    const { cluster } = render();
    expect(client(cluster).protocolMappers).toEqual([
      {
        name: 'postgrest_api client roles',
        protocol: 'openid-connect',
        protocolMapper: 'oidc-usermodel-client-role-mapper',
        consentRequired: false,
        config: {
          'usermodel.clientRoleMapping.clientId': 'postgrest_api',
          'claim.name': 'resource_access.${client_id}.roles',
          multivalued: 'true',
          'jsonType.label': 'String',
          'access.token.claim': 'true',
          'id.token.claim': 'false',
          'userinfo.token.claim': 'false',
          'introspection.token.claim': 'true',
        },
      },
      {
        name: 'postgrest_api audience',
        protocol: 'openid-connect',
        protocolMapper: 'oidc-audience-mapper',
        consentRequired: false,
        config: {
          'included.client.audience': 'postgrest_api',
          'access.token.claim': 'true',
          'id.token.claim': 'false',
          'introspection.token.claim': 'true',
        },
      },
    ]);
    expect(client(cluster).protocolMappers).toEqual([CLIENT_ROLES_MAPPER, AUDIENCE_MAPPER]);
  });

  test('the realm name is a prop; issuer, JWKS URI and audience follow it', () => {
    const { kc, cluster } = render({ realm: 'shop' });
    expect(findObject(cluster, 'keycloak', 'KeycloakRealmImport', 'keycloak-realm-shop').spec.realm.realm).toBe('shop');
    expect(kc!.realm).toEqual({
      issuer: 'https://keycloak.test.example.com/realms/shop',
      jwksUri: 'http://keycloak-service.iam-system.svc.cluster.local:8080/realms/shop/protocol/openid-connect/certs',
      audience: 'postgrest_api',
    });
  });
});

describe('the Keycloak server', () => {
  const base = {
    image: KEYCLOAK_IMAGE,
    db: {
      vendor: 'postgres',
      host: 'keycloak-db-rw.iam-system.svc.cluster.local',
      port: 5432,
      database: 'keycloak',
      usernameSecret: { name: 'keycloak-db-app', key: 'username' },
      passwordSecret: { name: 'keycloak-db-app', key: 'password' },
    },
    hostname: { hostname: 'https://keycloak.test.example.com', backchannelDynamic: true },
    proxy: { headers: 'xforwarded' },
    http: { httpEnabled: true },
    ingress: { enabled: false },
    additionalOptions: [
      { name: 'health-enabled', value: 'true' },
      { name: 'metrics-enabled', value: 'true' },
    ],
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
  };

  test('dev/local: one instance, no PDB, no spread, no JGroups flows', () => {
    const { cluster } = render();
    const spec = findObject(cluster, 'keycloak', 'Keycloak', 'keycloak').spec;
    expect(spec).toMatchObject({ ...base, instances: 1 });
    expect(spec.scheduling).toBeUndefined();
    const kinds = findComponent(cluster, 'keycloak').objects.map((o) => o.kind);
    expect(kinds).not.toContain('PodDisruptionBudget');
    expect(KEYCLOAK_IMAGE).toBe('quay.io/keycloak/keycloak:26.0.0');
  });

  test('prod: two instances spread over zones, a PDB, JGroups between the pods with its failure-detection port known to the mesh', () => {
    const { cluster } = render({ instances: 2 }, PROD);
    const spec = findObject(cluster, 'keycloak', 'Keycloak', 'keycloak').spec;
    expect(spec).toMatchObject({ ...base, instances: 2 });
    expect(spec.scheduling.topologySpreadConstraints).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          topologyKey: 'topology.kubernetes.io/zone',
          labelSelector: { matchLabels: { app: 'keycloak', 'app.kubernetes.io/instance': 'keycloak' } },
        }),
      ]),
    );
    expect(findObject(cluster, 'keycloak', 'PodDisruptionBudget', 'keycloak').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { app: 'keycloak', 'app.kubernetes.io/instance': 'keycloak' } },
    });
    expect(findObject(cluster, 'keycloak', 'Service', 'keycloak-jgroups-fd').spec).toMatchObject({
      clusterIP: 'None',
      ports: [{ port: 57800 }],
    });
    const np = findComponent(cluster, 'keycloak').objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(JSON.stringify(np)).toContain('57800');
  });

  test('the pods run as keycloak (no token) with the restricted security context, in the mesh', () => {
    const { cluster } = render();
    const tpl = findObject(cluster, 'keycloak', 'Keycloak', 'keycloak').spec.unsupported.podTemplate;
    expect(tpl.spec).toMatchObject({
      serviceAccountName: 'keycloak',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'keycloak', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    });
    // The realm-import Job copies this template: nothing opts it out of injection, so it gets the
    // mesh's native sidecar (istiod sets ENABLE_NATIVE_SIDECARS) and finishes.
    expect(JSON.stringify(tpl)).not.toContain('sidecar.istio.io/inject');
    expect(findObject(cluster, 'keycloak', 'ServiceAccount', 'keycloak').automountServiceAccountToken).toBe(false);
    const ns = findObject(cluster, 'namespaces', 'Namespace', 'iam-system');
    expect(ns.metadata.labels['istio-injection']).toBe('enabled');
  });

  test('exposed on keycloak.<domain> with its issuer; scraped on the management port', () => {
    const { cluster } = render();
    const route = findObject(cluster, 'keycloak', 'HTTPRoute', 'keycloak-service');
    expect(route.spec.hostnames).toEqual(['keycloak.test.example.com']);
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'keycloak-service', port: 8080 }]);
    const cert = findObject(cluster, 'keycloak', 'Certificate', 'keycloak-test-example-com-tls');
    expect(cert.spec.issuerRef.name).toBe('letsencrypt-production');
    const monitor = findObject(cluster, 'monitoring', 'PodMonitor', 'keycloak');
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { app: 'keycloak', 'app.kubernetes.io/instance': 'keycloak' } },
      podMetricsEndpoints: [{ port: 'management', path: '/metrics' }],
    });
  });

  test('flows: server and realm-import Job to the database; gateway and Prometheus to the server; waves after operator and database', () => {
    const { cluster, db, kc } = render();
    expect(db!.clients.map((c) => [c.from.name, c.from.podLabels, c.from.serviceAccount, c.label])).toEqual([
      ['keycloak', { app: 'keycloak', 'app.kubernetes.io/instance': 'keycloak' }, 'keycloak', 'Keycloak'],
      [
        'keycloak-realm-import',
        { app: 'keycloak-realm-import', 'app.kubernetes.io/instance': 'keycloak' },
        'keycloak',
        'Keycloak realm import',
      ],
    ]);
    expect(kc!.server).toMatchObject({ name: 'keycloak', namespace: 'iam-system', serviceAccount: 'keycloak' });
    const authz = findComponent(cluster, 'keycloak').objects.filter((o) => o.kind === 'AuthorizationPolicy');
    const principals = JSON.stringify(authz);
    expect(principals).toContain('cluster.local/ns/istio-ingress/sa/istio-gateway');
    expect(principals).toContain('cluster.local/ns/observability-system/sa/prometheus');
    const server = findComponent(cluster, 'keycloak');
    expect(server.dependsOn).toEqual(expect.arrayContaining(['keycloak-operator', 'keycloak-db']));
    expect(server.wave).toBeGreaterThan(findComponent(cluster, 'keycloak-operator').wave);
  });

  test('bad props fail with the field path', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        const out: Composed = {};
        compose(p, out);
        new Keycloak(p, 'other', { database: 'keycloak-db' as never, instances: 0, realm: 'Bad Realm', typo: 1 } as never);
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/components\.other.*database.*expected the PostgreSQL cluster/),
        expect.stringMatching(/components\.other.*instances/),
        expect.stringMatching(/components\.other.*realm.*expected a realm name/),
        expect.stringMatching(/components\.other.*typo/),
      ]),
    );
  });
});

describe('the operator, from its upstream manifests', () => {
  const withManifests = (overrides: TestSpecOverrides = {}) => {
    const out: Composed = {};
    return renderTestClusterWithManifests((p) => compose(p, out), overrides, { root: ROOT });
  };

  test('CRDs and kubernetes.yml in iam-system: no `keycloak` namespace anywhere, bindings patched', async () => {
    const cluster = await withManifests();
    const op = findComponent(cluster, 'keycloak-operator');
    expect(op.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      expect.arrayContaining([
        'CustomResourceDefinition/keycloakrealmimports.k8s.keycloak.org',
        'CustomResourceDefinition/keycloaks.k8s.keycloak.org',
        'ServiceAccount/keycloak-operator',
        'ClusterRoleBinding/keycloak-operator-clusterrole-binding',
        'Deployment/keycloak-operator',
      ]),
    );
    for (const o of op.objects) {
      if (o.metadata.namespace !== undefined) expect(o.metadata.namespace).toBe('iam-system');
      for (const s of o.subjects ?? []) expect(s.namespace ?? 'iam-system').toBe('iam-system');
    }
    expect(JSON.stringify(op.objects)).not.toMatch(/"namespace":"keycloak"/);
    expect(findObject(cluster, 'keycloak-operator', 'ClusterRoleBinding', 'keycloak-operator-clusterrole-binding').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'keycloak-operator', namespace: 'iam-system' },
    ]);
    expect(op.upstreamFiles?.files.map((f) => f.path)).toEqual([
      'keycloak/keycloakrealmimports.k8s.keycloak.org-v1.yml',
      'keycloak/keycloaks.k8s.keycloak.org-v1.yml',
      'keycloak-operator-26.0.0/kubernetes.yml',
    ]);
  });

  test('the Deployment: pinned image, restricted security context, outside the mesh, exempt only from the token policy with a reason', async () => {
    const cluster = await withManifests();
    const d = findObject(cluster, 'keycloak-operator', 'Deployment', 'keycloak-operator');
    const pod = d.spec.template.spec;
    expect(pod.containers.map((c: { image: string }) => c.image)).toEqual([KEYCLOAK_OPERATOR_IMAGE]);
    expect(pod.containers[0].env).toContainEqual({ name: 'RELATED_IMAGE_KEYCLOAK', value: KEYCLOAK_IMAGE });
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1000,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(pod.containers[0].resources).toEqual({ limits: { cpu: '700m', memory: '450Mi' }, requests: { cpu: '300m', memory: '450Mi' } });
    for (const probe of ['livenessProbe', 'readinessProbe']) expect(pod.containers[0][probe]).toBeDefined();
    expect(d.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    const exemptions = Object.keys(d.metadata.annotations ?? {}).filter((k) => k.startsWith('policy.platform/exempt-'));
    expect(exemptions).toEqual(['policy.platform/exempt-no-automount-service-account-token']);
  });

  test("the operator's flow to the Kubernetes API; CRDs first; its own Application before the server's", async () => {
    const cluster = await withManifests();
    const op = findComponent(cluster, 'keycloak-operator');
    const crd = findObject(cluster, 'keycloak-operator', 'CustomResourceDefinition', 'keycloaks.k8s.keycloak.org');
    expect(crd.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    const egress = op.objects.filter((o) => o.kind === 'NetworkPolicy' && JSON.stringify(o).includes('10.0.0.0/16'));
    expect(egress).toHaveLength(1);
    expect(op.project).toBe('iam');
    expect(op.namespace).toBe('iam-system');
  });
});
