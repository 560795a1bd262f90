import { beforeAll, describe, expect, test } from 'vitest';
import {
  Component,
  KubeObject,
  Namespace,
  Platform,
  RenderedCluster,
  TestSpecOverrides,
  findComponent,
  findObject,
  renderTestCluster,
  synthProblems,
  workload,
} from '@platform/core';
import {
  StandInCertManager,
  StandInMesh,
  StandInMonitoring,
  StandInVault,
  StandInVaultSecretsOperator,
} from '@platform/core/testing-stand-ins';
import { renderTestClusterWithHelm } from '@platform/core/testing-helm';
import { CloudNativePg, CnpgBarmanCloud, POSTGRES_IMAGE, PostgresCluster, PostgresClusterProps } from '@platform/cnpg';

/** A PostgREST stand-in in the api namespace, a client of the database. */
class Api extends Component {
  readonly server = workload(this, { name: 'postgrest-api', podLabels: { app: 'postgrest-api' }, serviceAccount: 'postgrest-api' });
  constructor(scope: Platform, ns: Namespace) {
    super(scope, 'postgrest-api', { namespace: ns, project: 'apps' });
  }
}

const API_NS = () => Namespace.restricted('api', { meshed: true });
const IAM_NS = () => Namespace.restricted('iam-system', { meshed: true });

const apiDb = (operator: CloudNativePg, extra: Partial<PostgresClusterProps> = {}): PostgresClusterProps => ({
  operator,
  namespace: API_NS(),
  instances: 2,
  storage: { size: '10Gi' },
  resources: { cpu: { request: '500m', limit: '1' }, memory: { request: '512Mi', limit: '1Gi' } },
  database: 'app',
  owner: 'app',
  managedRoles: [
    { name: 'authenticator', login: true, inherit: false, inRoles: ['web_anon', 'inventory_user'], passwordFromVault: true },
    { name: 'web_anon' },
    { name: 'inventory_user' },
  ],
  bootstrapSql: { file: 'libs/cnpg/src/__fixtures__/bootstrap.sql' },
  ...extra,
});

interface Options {
  mesh?: boolean;
  monitoring?: boolean;
  plugin?: boolean;
  db?: Partial<PostgresClusterProps>;
  keycloakDb?: boolean;
}

function compose(o: Options = {}) {
  return (p: Platform) => {
    new StandInVault(p);
    new StandInVaultSecretsOperator(p);
    if (o.mesh ?? true) new StandInMesh(p);
    if (o.monitoring) new StandInMonitoring(p, { meshed: true });
    const operator = new CloudNativePg(p, 'cnpg');
    if (o.plugin) new CnpgBarmanCloud(p, 'cnpg-barman-cloud', { operator, certManager: new StandInCertManager(p) });
    const db = new PostgresCluster(p, 'api-db', apiDb(operator, o.db));
    const api = new Api(p, API_NS());
    db.allowClient(api.server, 'PostgREST → api-db');
    if (o.keycloakDb)
      new PostgresCluster(p, 'keycloak-db', {
        operator,
        namespace: IAM_NS(),
        project: 'iam',
        instances: 3,
        storage: { size: '10Gi' },
        resources: { cpu: { request: '500m', limit: '1' }, memory: { request: '512Mi', limit: '1Gi' } },
        database: 'keycloak',
        owner: 'keycloak',
        ...(o.plugin && { backup: { schedule: '0 0 3 * * *' } }),
      });
  };
}

const render = (o: Options = {}, overrides: TestSpecOverrides = {}) => renderTestCluster(compose(o), overrides);
const prod = { environment: 'prod', availability: { replicas: 2, spread: 'zone' } } as const;
const kind = {
  name: 'local',
  environment: 'local',
  provider: 'kind',
  region: undefined,
  apiServer: undefined,
} as unknown as TestSpecOverrides;
const objectsOf = (cluster: ReturnType<typeof render>, component: string, kindName: string) =>
  findComponent(cluster, component).objects.filter((o) => o.kind === kindName);

describe('PostgresCluster', () => {
  test('the Cluster: instances, pinned PostgreSQL 18 image, gp3 storage on EKS, resources, initdb with the bootstrap SQL, anti-affinity by spread, PDBs', () => {
    const c = findObject(render({}, prod), 'api-db', 'Cluster', 'api-db');
    expect(c.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(c.metadata.namespace).toBe('api');
    expect(c.spec).toMatchObject({
      instances: 2,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:18.4-standard-trixie',
      enableSuperuserAccess: false,
      storage: { size: '10Gi', storageClass: 'gp3' },
      resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      affinity: { enablePodAntiAffinity: true, topologyKey: 'topology.kubernetes.io/zone', podAntiAffinityType: 'required' },
      enablePDB: true,
      bootstrap: {
        initdb: {
          database: 'app',
          owner: 'app',
          postInitApplicationSQLRefs: { configMapRefs: [{ name: 'api-db-bootstrap', key: 'bootstrap.sql' }] },
        },
      },
      monitoring: { enablePodMonitor: false },
    });
    expect(c.spec.plugins).toBeUndefined();
    expect(POSTGRES_IMAGE).toMatch(/:18\.\d+-/);
  });

  test('dev spreads over hosts; kind uses its default StorageClass', () => {
    const dev = findObject(render({}, { availability: { replicas: 2, spread: 'hostname' } }), 'api-db', 'Cluster', 'api-db');
    expect(dev.spec.affinity.topologyKey).toBe('kubernetes.io/hostname');
    const local = findObject(render({ mesh: false, db: { instances: 1 } }, kind), 'api-db', 'Cluster', 'api-db');
    expect(local.spec.storage).toEqual({ size: '10Gi' });
    expect(local.spec.instances).toBe(1);
  });

  test('more instances than zones: anti-affinity is preferred, so the extra instance still schedules', () => {
    const c = findObject(render({ db: { instances: 4 } }, prod), 'api-db', 'Cluster', 'api-db');
    expect(c.spec.affinity.podAntiAffinityType).toBe('preferred');
  });

  test('managed roles: CRD defaults spelled out (no Argo CD drift), inRoles, the LOGIN role password from Vault', () => {
    const c = findObject(render(), 'api-db', 'Cluster', 'api-db');
    const defaults = {
      ensure: 'present',
      connectionLimit: -1,
      superuser: false,
      createdb: false,
      createrole: false,
      replication: false,
      bypassrls: false,
    };
    expect(c.spec.managed.roles).toEqual([
      {
        name: 'authenticator',
        ...defaults,
        login: true,
        inherit: false,
        inRoles: ['web_anon', 'inventory_user'],
        passwordSecret: { name: 'api-db-authenticator' },
      },
      { name: 'web_anon', ...defaults, login: false, inherit: true },
      { name: 'inventory_user', ...defaults, login: false, inherit: true },
    ]);
  });

  test('the Vault secret of the authenticator: basic-auth, username fixed, password from secret/api-db/authenticator, reload label', () => {
    const cluster = render();
    const vss = objectsOf(cluster, 'api-db', 'VaultStaticSecret');
    expect(vss).toHaveLength(1);
    expect(vss[0].metadata.namespace).toBe('api');
    expect(vss[0].spec).toMatchObject({ type: 'kv-v2', mount: 'secret', path: 'api-db/authenticator' });
    expect(vss[0].spec.destination).toMatchObject({
      name: 'api-db-authenticator',
      type: 'kubernetes.io/basic-auth',
      labels: { 'cnpg.io/reload': 'true' },
    });
    expect(JSON.stringify(vss[0].spec.destination.transformation)).toContain('authenticator');
    const auths = objectsOf(cluster, 'api-db', 'VaultAuth');
    expect(auths.map((a) => a.spec.kubernetes.serviceAccount)).toEqual(['api-db']);
    expect(findComponent(cluster, 'api-db').dependsOn).toEqual(expect.arrayContaining(['cnpg', 'vault-secrets-operator']));
  });

  test('bootstrap SQL: the file’s content in a ConfigMap', () => {
    const cm = findObject(render(), 'api-db', 'ConfigMap', 'api-db-bootstrap');
    expect(cm.metadata.namespace).toBe('api');
    expect(cm.data['bootstrap.sql']).toContain('CREATE ROLE web_anon NOLOGIN');
  });

  test('typed connection facts and the client flow', () => {
    let db: PostgresCluster | undefined;
    renderTestCluster((p) => {
      new StandInVault(p);
      new StandInVaultSecretsOperator(p);
      db = new PostgresCluster(p, 'api-db', apiDb(new CloudNativePg(p, 'cnpg')));
    });
    expect(db!.connection).toMatchObject({ host: 'api-db-rw.api.svc.cluster.local', port: 5432, database: 'app' });
    const { appSecret: generated } = db!.connection;
    expect(generated).toBe('api-db-app');
    expect(db!.connection.roleSecret('authenticator')).toBe('api-db-authenticator');
    expect(() => db!.connection.roleSecret('web_anon')).toThrow(/not a managed role with passwordFromVault/);
    expect(db!.instances).toMatchObject({
      name: 'api-db',
      namespace: 'api',
      podLabels: { 'cnpg.io/cluster': 'api-db' },
      serviceAccount: 'api-db',
    });
    const np = findObject(render(), 'api-db', 'NetworkPolicy', 'allow-from-postgrest-api-to-api-db');
    expect(JSON.stringify(np.spec)).toContain('5432');
  });

  test('flows: operator → instances on 8000, replication within the cluster, Kubernetes API, scraper on 9187 with monitoring', () => {
    const cluster = render({ monitoring: true });
    const policies = objectsOf(cluster, 'api-db', 'NetworkPolicy').map((o) => o.metadata.name);
    expect(policies).toEqual(
      expect.arrayContaining([
        'allow-from-cnpg-operator-to-api-db',
        'allow-within-api-db',
        'allow-to-kubernetes-api-from-api-db',
        'allow-from-prometheus-to-api-db',
      ]),
    );
    expect(findComponent(cluster, 'cnpg').flows).toContainEqual({ to: 'api-db', label: 'instance status' });
    const status = findObject(cluster, 'api-db', 'NetworkPolicy', 'allow-from-cnpg-operator-to-api-db');
    expect(status.spec.ingress[0].ports).toEqual([{ port: 8000, protocol: 'TCP' }]);
    const replication = findObject(cluster, 'api-db', 'NetworkPolicy', 'allow-within-api-db');
    expect(JSON.stringify(replication.spec)).toContain('5432');
    const pm = findObject(cluster, 'monitoring', 'PodMonitor', 'api-db');
    expect(pm.metadata.namespace).toBe('api');
    expect(pm.spec).toMatchObject({
      selector: { matchLabels: { 'cnpg.io/cluster': 'api-db' } },
      podMetricsEndpoints: [{ port: 'metrics' }],
    });
  });

  test('the port-8000 exception: exactly one per meshed cluster with Istio, none without a mesh', () => {
    const cluster = render({ keycloakDb: true });
    const pas = cluster.components.flatMap((c) =>
      c.objects.filter((o) => o.kind === 'PeerAuthentication' && /plaintext/.test(o.metadata.name)),
    );
    expect(pas.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      'api/api-db-plaintext-8000',
      'iam-system/keycloak-db-plaintext-8000',
    ]);
    for (const pa of pas) expect(pa.spec.portLevelMtls).toEqual({ '8000': { mode: 'PERMISSIVE' } });
    const noMesh = render({ mesh: false });
    expect(noMesh.components.flatMap((c) => c.objects.filter((o) => o.kind === 'PeerAuthentication'))).toEqual([]);
  });

  test('no backup objects without backup', () => {
    const cluster = render();
    expect(objectsOf(cluster, 'api-db', 'ObjectStore')).toEqual([]);
    expect(objectsOf(cluster, 'api-db', 'ScheduledBackup')).toEqual([]);
  });

  test('backup: ObjectStore on the cluster bucket with Pod Identity, the plugin in spec.plugins, a daily plugin ScheduledBackup, after the plugin', () => {
    const cluster = render({ plugin: true, keycloakDb: true, db: { backup: { schedule: '0 0 3 * * *' } } }, prod);
    const store = findObject(cluster, 'api-db', 'ObjectStore', 'api-db-backup');
    expect(store.apiVersion).toBe('barmancloud.cnpg.io/v1');
    expect(store.spec).toEqual({
      configuration: {
        destinationPath: 's3://test-platform-cnpg-backups/api-db',
        s3Credentials: { inheritFromIAMRole: true },
        wal: { compression: 'gzip' },
        data: { compression: 'gzip' },
      },
      retentionPolicy: '30d',
    });
    expect(findObject(cluster, 'api-db', 'Cluster', 'api-db').spec.plugins).toEqual([
      { name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'api-db-backup' } },
    ]);
    expect(findObject(cluster, 'api-db', 'ScheduledBackup', 'api-db-daily').spec).toEqual({
      schedule: '0 0 3 * * *',
      cluster: { name: 'api-db' },
      method: 'plugin',
      pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
      backupOwnerReference: 'self',
      immediate: true,
    });
    expect(findComponent(cluster, 'api-db').dependsOn).toContain('cnpg-barman-cloud');
    expect(findComponent(cluster, 'api-db').flows.map((f) => f.label)).toEqual(
      expect.arrayContaining(['backups (Barman Cloud)', 'AWS credentials (Pod Identity)']),
    );
    expect(findComponent(cluster, 'cnpg-barman-cloud').dependsOn).toEqual(expect.arrayContaining(['cnpg', 'cert-manager']));
  });
});

describe('bad inputs fail synth with the fix', () => {
  test('a storage size that is not a quantity', () => {
    const problems = synthProblems(() => render({ db: { storage: { size: '10 GB' } } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/components\.api-db\.storage\.size: got "10 GB"/);
  });

  test('backup without the Barman Cloud plugin', () => {
    expect(synthProblems(() => render({ db: { backup: { schedule: '0 0 3 * * *' } } }))).toEqual([
      "clusters/test.ts: components.api-db.backup: backups need the Barman Cloud plugin, and this cluster has none: add new CnpgBarmanCloud(platform, 'cnpg-barman-cloud', { operator, certManager }) to the cluster file, or remove backup",
    ]);
  });

  test('a backing-up cluster Terraform does not provision', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        new StandInVault(p);
        new StandInVaultSecretsOperator(p);
        const operator = new CloudNativePg(p, 'cnpg');
        new CnpgBarmanCloud(p, 'cnpg-barman-cloud', { operator, certManager: new StandInCertManager(p) });
        new PostgresCluster(p, 'orders-db', {
          ...apiDb(operator),
          managedRoles: [],
          bootstrapSql: undefined,
          backup: { schedule: '0 0 3 * * *' },
        });
      }),
    );
    expect(problems).toEqual([
      "clusters/test.ts: components.orders-db.backup: api/orders-db is not in CNPG_BACKED_UP_CLUSTERS (libs/core/src/aws-names.ts), so Terraform creates no Pod Identity role test-cnpg-orders-db-backup for it: add { namespace: 'api', name: 'orders-db' } there, or remove backup",
    ]);
  });

  test('a five-field cron, an unpinned or non-18 image, a password for a NOLOGIN role, a missing SQL file', () => {
    expect(synthProblems(() => render({ plugin: true, db: { backup: { schedule: '0 3 * * *' } } }))[0]).toMatch(
      /backup\.schedule: got "0 3 \* \* \*", expected a six-field cron/,
    );
    expect(synthProblems(() => render({ db: { imageName: 'ghcr.io/cloudnative-pg/postgresql:17.6' } }))[0]).toMatch(
      /imageName: got .*17\.6.*PostgreSQL 18/,
    );
    expect(synthProblems(() => render({ db: { imageName: 'postgres:latest' } }))[0]).toMatch(/imageName/);
    expect(synthProblems(() => render({ db: { managedRoles: [{ name: 'web_anon', passwordFromVault: true }] } }))[0]).toMatch(
      /managedRoles\.0\.passwordFromVault: role web_anon is NOLOGIN/,
    );
    expect(synthProblems(() => render({ db: { bootstrapSql: { file: 'nope.sql' } } }))[0]).toMatch(
      /bootstrapSql\.file: cannot read "nope\.sql".*ENOENT/,
    );
  });

  test('backups on kind (no Pod Identity)', () => {
    expect(synthProblems(() => render({ mesh: false, plugin: true, db: { backup: { schedule: '0 0 3 * * *' } } }, kind))).toEqual([
      expect.stringMatching(/components\.api-db\.backup: backups to S3 take their credentials from EKS Pod Identity/),
    ]);
  });
});

describe('the operator and plugin charts rendered by helm', () => {
  let operatorObjects: KubeObject[];
  let pluginObjects: KubeObject[];
  let rendered: RenderedCluster;

  beforeAll(async () => {
    // What helm rendered for the two charts is kept as it came: the webhook and Secret checks read the charts themselves.
    const raw = new Map<string, KubeObject[]>();
    rendered = await renderTestClusterWithHelm(compose({ plugin: true }), prod, {
      adjust: (component, objects) => {
        raw.set(component.name, structuredClone(objects));
      },
    });
    operatorObjects = raw.get('cnpg')!;
    pluginObjects = raw.get('cnpg-barman-cloud')!;
  }, 60_000);

  const restricted = (c: any) =>
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });

  test('the operator: pinned image, replicas, zone spread, PDB, resources, probes, restricted security context, webhooks, CRDs', () => {
    const d = findObject(rendered, 'cnpg', 'Deployment', 'cnpg-controller-manager');
    const pod = d.spec.template.spec;
    const [c] = pod.containers;
    expect(c.image).toBe('ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0');
    expect(d.spec.replicas).toBe(2);
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    restricted(c);
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(c.livenessProbe.httpGet.path).toBe('/readyz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.ports).toContainEqual({ containerPort: 8080, name: 'metrics', protocol: 'TCP' });
    const pdb = findObject(rendered, 'cnpg', 'PodDisruptionBudget', 'cnpg-controller-manager');
    expect(pdb.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
    expect(d.metadata.annotations['policy.platform/exempt-no-automount-service-account-token']).toMatch(/Kubernetes API/);
    const crds = findComponent(rendered, 'cnpg').objects.filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crds.map((o) => o.metadata.name)).toContain('clusters.postgresql.cnpg.io');
    expect(crds).toHaveLength(11);
    expect(
      operatorObjects
        .filter((o) => /WebhookConfiguration$/.test(o.kind))
        .map((o) => o.kind)
        .sort(),
    ).toEqual(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
    expect(findComponent(rendered, 'cnpg').flows.map((f) => f.label)).toEqual(
      expect.arrayContaining(['Kubernetes API', 'admission webhooks']),
    );
  });

  test('the plugin: one replica, liveness added, restricted security context, cert-manager certificates, the ObjectStore CRD', () => {
    const d = findObject(rendered, 'cnpg-barman-cloud', 'Deployment', 'barman-cloud');
    const [c] = d.spec.template.spec.containers;
    expect(c.image).toBe('ghcr.io/cloudnative-pg/plugin-barman-cloud:v0.13.0');
    expect(d.spec.replicas).toBe(1);
    expect(c.livenessProbe).toEqual({ tcpSocket: { port: 9090 }, initialDelaySeconds: 10, periodSeconds: 20 });
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 9090 });
    restricted(c);
    expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    const kinds = findComponent(rendered, 'cnpg-barman-cloud').objects.map((o) => o.kind);
    expect(kinds).toEqual(expect.arrayContaining(['Issuer', 'Certificate', 'CustomResourceDefinition', 'Service']));
    const svc = findObject(rendered, 'cnpg-barman-cloud', 'Service', 'barman-cloud');
    expect(svc.metadata.labels['cnpg.io/pluginName']).toBe('barman-cloud.cloudnative-pg.io');
  });

  test('no Secret with data in either chart', () => {
    for (const o of [...operatorObjects, ...pluginObjects]) if (o.kind === 'Secret') expect(o.data ?? {}).toEqual({});
  });
});
