import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { k8s } from 'cdk8s-plus-30';
import {
  CNPG_BACKED_UP_CLUSTERS,
  Component,
  KUBE_API_PORTS,
  Namespace,
  POD_IDENTITY_AGENT,
  Platform,
  type ProjectName,
  Workload,
  addMonitor,
  awsNames,
  cnpgBackupIdentity,
  componentSchema,
  external,
  flow,
  kubeApi,
  plaintextPort,
  providerOf,
  quantity,
  parseComponentProps,
  reportProblem,
  showValue,
  strictObject,
  vaultSecret,
  whenComposed,
  workload,
} from '@platform/core';
import {
  Cluster,
  ClusterSpecManagedRolesEnsure,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
  ScheduledBackup,
  ScheduledBackupSpecBackupOwnerReference,
  ScheduledBackupSpecMethod,
} from '@platform/crds/generated/postgresql.cnpg.io';
import {
  ObjectStore,
  ObjectStoreSpecConfigurationDataCompression,
  ObjectStoreSpecConfigurationWalCompression,
} from '@platform/crds/generated/barmancloud.cnpg.io';
import { BARMAN_CLOUD_PLUGIN, CNPG_BACKUP_PLUGIN } from './barman-cloud';
import type { CloudNativePg } from './operator';
import { POSTGRES_IMAGE } from './versions';

/** PostgreSQL's port on the instances and the `-rw`/`-ro`/`-r` Services. */
export const POSTGRES_PORT = 5432;
/** The instance manager's status endpoint (`https://<pod>:8000/pg/status`), which the operator calls. */
export const INSTANCE_STATUS_PORT = 8000;
/** The instance manager's Prometheus exporter (container port `metrics`). */
export const INSTANCE_METRICS_PORT = 9187;

/** A PostgreSQL identifier we create: lower case, starts with a letter or `_`, at most 63 bytes (no quoting needed). */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** A PostgreSQL 18 image, pinned by tag (`18.<minor>[-flavour]`) and optionally by digest. */
const PG18_IMAGE = /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+:18\.\d+(-[a-z0-9.-]+)?(@sha256:[a-f0-9]{64})?$/;
/** A six-field cron (seconds first), as ScheduledBackup takes it; or a `@daily`-style descriptor. */
const CRON6 = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){5}\S+)$/;

const identifier = (what: string) =>
  z
    .string({ error: (iss) => `got ${showValue(iss.input)}, expected ${what} (a PostgreSQL identifier such as "keycloak")` })
    .regex(IDENTIFIER, {
      error: (iss) =>
        `got ${showValue(iss.input)}, expected ${what}: lower-case letters, digits and "_", starting with a letter or "_", at most 63`,
    });

const resourcesSchema = strictObject({
  cpu: strictObject({ request: quantity('"500m" or "1"'), limit: quantity('"1" or "1500m"') }),
  memory: strictObject({ request: quantity('"512Mi" or "1Gi"'), limit: quantity('"1Gi"') }),
});

const managedRole = strictObject({
  /** The role's name (`authenticator`). */
  name: identifier('a role name'),
  /** LOGIN (a user that connects) or NOLOGIN (a group role others are granted). @default false */
  login: z.boolean().optional(),
  /** INHERIT: use the privileges of granted roles without `SET ROLE`. PostgREST's authenticator is NOINHERIT. @default true (PostgreSQL's and the CRD's default) */
  inherit: z.boolean().optional(),
  /**
   * Roles this role is a member of (`GRANT <each> TO <name>`), managed by the operator: memberships
   * not listed here are revoked. The roles must exist: created by the bootstrap SQL or managed too.
   * @default []
   */
  inRoles: z.array(identifier('a role name')).optional(),
  /**
   * The password comes from Vault (`secret/<cluster>/<role>`, key `password`) through a Secret
   * `<cluster>-<role>` of type basic-auth (username fixed to the role), never from git.
   * Only for LOGIN roles.
   * @default false - no password (NOLOGIN roles)
   */
  passwordFromVault: z.literal(true).optional(),
});

const propsSchema = strictObject({
  /** The CloudNativePG operator: the cluster syncs after it, and it calls every instance's status endpoint. */
  operator: componentSchema<CloudNativePg>('CloudNativePG operator (CloudNativePg)'),
  /** The namespace the database runs in, declared like its consumer declares it (`Namespace.restricted('api', { meshed: true })`). */
  namespace: z.custom<Namespace>((v) => v instanceof Namespace, {
    error: (iss) => `got ${showValue(iss.input)}, expected a Namespace declaration such as Namespace.restricted('api', { meshed: true })`,
  }),
  /**
   * Argo CD project of the database's Application: the project of the component it serves.
   * @default 'apps'
   */
  project: z.enum(['infrastructure', 'iam', 'observability', 'apps']).optional(),
  /** PostgreSQL instances: 1 primary plus `instances - 1` streaming replicas. */
  instances: z.number().int().min(1).max(9),
  /**
   * The PostgreSQL 18 image, pinned by tag (and digest if you have verified one).
   * @default POSTGRES_IMAGE (18.4, the minor CloudNativePG 1.30.0 defaults to)
   */
  imageName: z
    .string()
    .regex(PG18_IMAGE, {
      error: (iss) => `got ${showValue(iss.input)}, expected a PostgreSQL 18 image pinned by tag, such as "${POSTGRES_IMAGE}"`,
    })
    .optional(),
  /** The data volume of each instance. */
  storage: strictObject({
    /** A Kubernetes quantity: `'10Gi'`. */
    size: quantity('"10Gi" or "500Mi"'),
    /** @default - 'gp3' on EKS, the cluster's default StorageClass on kind */
    storageClass: z.string().min(1).optional(),
  }),
  /** Requests and limits of each instance's PostgreSQL container. */
  resources: resourcesSchema,
  /** The application database `bootstrap.initdb` creates. */
  database: identifier('a database name'),
  /** Its owner (the `<cluster>-app` Secret holds its generated credentials). */
  owner: identifier('a role name'),
  /**
   * Roles the operator manages declaratively (`spec.managed.roles`), created after the bootstrap.
   * @default []
   */
  managedRoles: z.array(managedRole).optional(),
  /**
   * A reviewed SQL file (path from the repository root) run once after initdb, as the superuser,
   * on the application database (`postInitApplicationSQLRefs`, from a ConfigMap). It runs BEFORE
   * the managed roles exist: it may create NOLOGIN roles and grant to them, never to a managed role.
   * @default - none
   */
  bootstrapSql: strictObject({ file: z.string().min(1) }).optional(),
  /**
   * Scrape the instances' exporter (9187, `metrics`) through addMonitor.
   * @default true
   */
  monitoring: z.boolean().optional(),
  /**
   * Continuous backup to S3 (WAL archiving and base backups) through the Barman Cloud plugin, with
   * the credentials of the cluster's Pod Identity role, plus a ScheduledBackup. Needs the
   * `CnpgBarmanCloud` component, EKS, and the cluster listed in `CNPG_BACKED_UP_CLUSTERS` (Terraform creates the role).
   * @default - no backups
   */
  backup: strictObject({
    /** Six-field cron, seconds first (`'0 0 3 * * *'`: daily at 03:00 UTC). */
    schedule: z.string().regex(CRON6, {
      error: (iss) => `got ${showValue(iss.input)}, expected a six-field cron with seconds first, such as "0 0 3 * * *" (daily at 03:00)`,
    }),
    /** How long base backups and WAL are kept (Barman's `<n>d|w|m`). @default '30d' */
    retention: z
      .string()
      .regex(/^[1-9]\d*[dwm]$/, { error: (iss) => `got ${showValue(iss.input)}, expected a retention such as "30d", "4w" or "3m"` })
      .optional(),
  }).optional(),
});

export type PostgresClusterProps = z.input<typeof propsSchema>;
type Parsed = z.output<typeof propsSchema>;

/** What a consumer needs to connect: the read-write Service, the database and the Secrets holding credentials. */
export interface PostgresConnection {
  /** The read-write Service (the primary): `<name>-rw.<namespace>.svc.cluster.local`. */
  readonly host: string;
  readonly port: 5432;
  readonly database: string;
  /** The owner's credentials, generated by the operator (`username`, `password`, `uri`, `jdbc-uri`, ...): `<name>-app`. */
  readonly appSecret: string;
  /** The basic-auth Secret of a managed LOGIN role whose password comes from Vault: `<name>-<role>`. */
  roleSecret(role: string): string;
}

/**
 * A CloudNativePG `Cluster` of PostgreSQL 18 as its own Argo CD Application (named like the
 * cluster, e.g. `api-db`), which syncs after the operator.
 *
 * **Bootstrap and managed roles.** CloudNativePG creates managed roles only after the bootstrap has
 * finished, and revokes memberships a managed role does not list in `inRoles`. So the bootstrap SQL
 * (`bootstrapSql`, run by `postInitApplicationSQLRefs`) creates the NOLOGIN roles itself and grants
 * privileges only to them; the managed LOGIN role (e.g. `authenticator`) gets its password from
 * Vault and its memberships from `inRoles`, which the operator grants once the role exists. NOLOGIN
 * roles may be listed as managed roles too: the operator adopts the ones the SQL created.
 *
 * **Argo CD drift on managed roles** (argo-cd#28724): every managed role is written with the CRD's
 * defaults spelled out (`ensure: present`, `connectionLimit: -1`, `inherit: true` unless set, and
 * every boolean attribute), so the live object equals ours and no ignoreDifferences is needed.
 *
 * **Availability.** Pod anti-affinity by the cluster's spread (`kubernetes.io/hostname` or the
 * zone), required when every instance can get its own domain; the operator's own
 * PodDisruptionBudgets (`enablePDB`: primary, and replicas when more than one instance).
 *
 * **Network.** The operator → every instance on 8000 (status; plaintext in a meshed namespace,
 * through a port-level PeerAuthentication); instances ↔ instances on 5432 (replication);
 * instances → the Kubernetes API; with backups, → S3 and the Pod Identity agent. Clients:
 * `allowClient(app, 'label')`.
 */
export class PostgresCluster extends Component {
  /** The instance pods (`cnpg.io/cluster=<name>`, ServiceAccount `<name>`): flows to the database end here, on 5432. */
  readonly instances: Workload;
  readonly connection: PostgresConnection;

  constructor(scope: Platform, id: string, props: PostgresClusterProps) {
    const p = parseComponentProps(scope, id, propsSchema, props);
    super(scope, id, {
      namespace: p.namespace,
      project: (p.project ?? 'apps') satisfies ProjectName,
      dependsOn: [p.operator.name],
    });
    this.needs(p.operator);
    const name = id;
    const namespace = p.namespace.name;
    const podLabels = { 'cnpg.io/cluster': name };

    this.instances = workload(this, { name, podLabels, serviceAccount: name });
    this.connection = {
      host: `${name}-rw.${namespace}.svc.cluster.local`,
      port: POSTGRES_PORT,
      database: p.database,
      appSecret: `${name}-app`,
      roleSecret: (role: string) => {
        const r = (p.managedRoles ?? []).find((m) => m.name === role);
        if (!r?.passwordFromVault)
          throw new Error(
            `PostgresCluster ${name}: role ${showValue(role)} is not a managed role with passwordFromVault, so it has no Secret`,
          );
        return `${name}-${role}`;
      },
    };

    const bootstrapSql = p.bootstrapSql && this.readSql(p.bootstrapSql.file);
    if (bootstrapSql !== undefined)
      new k8s.KubeConfigMap(this, 'bootstrap-sql', {
        metadata: { name: `${name}-bootstrap`, namespace },
        data: { 'bootstrap.sql': bootstrapSql },
      });

    const roles = (p.managedRoles ?? []).map((r, i) => this.managedRole(name, r, i));
    const backup = p.backup && this.backup(scope, name, namespace, p.backup);
    const spread = scope.spec.availability.spread;
    const domains = spread === 'zone' ? (scope.spec.azs?.length ?? 1) : Infinity;

    new Cluster(this, 'cluster', {
      metadata: { name, namespace },
      spec: {
        instances: p.instances,
        imageName: p.imageName ?? POSTGRES_IMAGE,
        enableSuperuserAccess: false,
        storage: { size: p.storage.size, storageClass: p.storage.storageClass ?? (scope.spec.provider === 'eks' ? 'gp3' : undefined) },
        resources: {
          requests: {
            cpu: ClusterSpecResourcesRequests.fromString(p.resources.cpu.request),
            memory: ClusterSpecResourcesRequests.fromString(p.resources.memory.request),
          },
          limits: {
            cpu: ClusterSpecResourcesLimits.fromString(p.resources.cpu.limit),
            memory: ClusterSpecResourcesLimits.fromString(p.resources.memory.limit),
          },
        },
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: spread === 'zone' ? 'topology.kubernetes.io/zone' : 'kubernetes.io/hostname',
          podAntiAffinityType: p.instances <= domains ? 'required' : 'preferred',
        },
        enablePdb: true,
        bootstrap: {
          initdb: {
            database: p.database,
            owner: p.owner,
            ...(bootstrapSql !== undefined && {
              postInitApplicationSqlRefs: { configMapRefs: [{ name: `${name}-bootstrap`, key: 'bootstrap.sql' }] },
            }),
          },
        },
        ...(roles.length > 0 && { managed: { roles } }),
        // Our PodMonitor comes from addMonitor (in the monitoring Application, which owns its CRD).
        monitoring: { enablePodMonitor: false },
        ...(backup && { plugins: [backup] }),
      },
    });

    // Network: who talks to the instances, and to whom they talk.
    flow({ from: p.operator.pods, to: this.instances, ports: [{ port: INSTANCE_STATUS_PORT }], label: 'instance status' });
    plaintextPort(this, {
      name,
      podLabels,
      port: INSTANCE_STATUS_PORT,
      reason: 'the CloudNativePG operator calls the instance manager status endpoint without a sidecar',
    });
    flow({ from: this.instances, to: kubeApi(scope), ports: KUBE_API_PORTS, label: 'Kubernetes API' });
    if (p.instances > 1)
      flow({ from: this.instances, to: this.instances, ports: [{ port: POSTGRES_PORT }], label: 'streaming replication' });
    if (p.monitoring ?? true) addMonitor(this, { name, podLabels, port: { name: 'metrics', number: INSTANCE_METRICS_PORT } });
  }

  /** Declares the flow `from` → the instances on 5432 (NetworkPolicies, mesh ALLOW, diagram). */
  allowClient(from: Workload, label = 'PostgreSQL'): void {
    flow({ from, to: this.instances, ports: [{ port: POSTGRES_PORT }], label });
  }

  private readSql(file: string): string | undefined {
    try {
      return readFileSync(resolve(file), 'utf8');
    } catch (e) {
      reportProblem(
        this,
        'bootstrapSql.file',
        `cannot read ${showValue(file)} (a path from the repository root): ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
      return undefined;
    }
  }

  private managedRole(cluster: string, r: Parsed['managedRoles'] extends (infer R)[] | undefined ? R : never, i: number) {
    if (r.passwordFromVault && !r.login)
      reportProblem(
        this,
        `managedRoles.${i}.passwordFromVault`,
        `role ${r.name} is NOLOGIN: a password is only for a LOGIN role (set login: true)`,
      );
    const secret =
      r.passwordFromVault &&
      vaultSecret(this, {
        // CloudNativePG runs the instances (and reads role passwords) as the ServiceAccount named after the cluster.
        serviceAccount: cluster,
        path: `${cluster}/${r.name}`,
        // Only `password` is read from Vault; the user name is the role's, fixed here.
        keys: [],
        templates: { username: r.name, password: '{{ get .Secrets "password" }}' },
        // cnpg.io/reload: the operator re-applies the password when the Secret changes.
        destination: { name: `${cluster}-${r.name}`, type: 'kubernetes.io/basic-auth', labels: { 'cnpg.io/reload': 'true' } },
      });
    return {
      name: r.name,
      // The CRD's defaults spelled out: the live object equals ours (no Argo CD drift, argo-cd#28724).
      ensure: ClusterSpecManagedRolesEnsure.PRESENT,
      login: r.login ?? false,
      inherit: r.inherit ?? true,
      connectionLimit: -1,
      superuser: false,
      createdb: false,
      createrole: false,
      replication: false,
      bypassrls: false,
      ...(r.inRoles?.length && { inRoles: [...r.inRoles] }),
      ...(secret && { passwordSecret: { name: secret.name } }),
    };
  }

  /** The ObjectStore, the ScheduledBackup, the backup flows and checks; returns the Cluster's plugin entry. */
  private backup(scope: Platform, name: string, namespace: string, b: NonNullable<Parsed['backup']>) {
    if (scope.spec.provider !== 'eks')
      reportProblem(
        this,
        'backup',
        `backups to S3 take their credentials from EKS Pod Identity, and this cluster's provider is ${showValue(scope.spec.provider)}: remove backup here`,
      );
    if (!CNPG_BACKED_UP_CLUSTERS.some((c) => c.namespace === namespace && c.name === name))
      reportProblem(
        this,
        'backup',
        `${namespace}/${name} is not in CNPG_BACKED_UP_CLUSTERS (libs/core/src/aws-names.ts), so Terraform creates no Pod Identity role ${cnpgBackupIdentity(scope.spec, namespace, name).role} for it: add { namespace: '${namespace}', name: '${name}' } there, or remove backup`,
      );
    whenComposed(scope, () => {
      const plugin = providerOf(scope, CNPG_BACKUP_PLUGIN);
      if (!plugin) {
        reportProblem(
          this,
          'backup',
          "backups need the Barman Cloud plugin, and this cluster has none: add new CnpgBarmanCloud(platform, 'cnpg-barman-cloud', { operator, certManager }) to the cluster file, or remove backup",
        );
        return;
      }
      // The ObjectStore CRD and the plugin's sidecar injection come from the plugin.
      this.needs(plugin.component);
    });

    const store = `${name}-backup`;
    new ObjectStore(this, 'objectstore', {
      metadata: { name: store, namespace },
      spec: {
        configuration: {
          destinationPath: `s3://${awsNames(scope.spec).cnpgBackups.bucket}/${name}`,
          // The Pod Identity role Terraform binds to the ServiceAccount `<name>` (cnpgBackupIdentity).
          s3Credentials: { inheritFromIamRole: true },
          wal: { compression: ObjectStoreSpecConfigurationWalCompression.GZIP },
          data: { compression: ObjectStoreSpecConfigurationDataCompression.GZIP },
        },
        retentionPolicy: b.retention ?? '30d',
      },
    });
    new ScheduledBackup(this, 'scheduledbackup', {
      metadata: { name: `${name}-daily`, namespace },
      spec: {
        schedule: b.schedule,
        cluster: { name },
        method: ScheduledBackupSpecMethod.PLUGIN,
        pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
        backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
        immediate: true,
      },
    });
    flow({ from: this.instances, to: external('Amazon S3', '0.0.0.0/0'), ports: [{ port: 443 }], label: 'backups (Barman Cloud)' });
    flow({ from: this.instances, to: POD_IDENTITY_AGENT, ports: [{ port: 80 }], label: 'AWS credentials (Pod Identity)' });
    return { name: BARMAN_CLOUD_PLUGIN, isWalArchiver: true, parameters: { barmanObjectName: store } };
  }
}
