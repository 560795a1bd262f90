import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-30';
import { z } from 'zod';
import {
  ARGOCD_SYNC_WAVE,
  Component,
  KUBE_API_PORTS,
  KubeObject,
  Namespace,
  Platform,
  Workload,
  addMonitor,
  componentSchema,
  expose,
  flow,
  ha,
  kubeApi,
  parseComponentProps,
  replicasSchema,
  showValue,
  strictObject,
  vaultSecret,
  workload,
  issuerSchema,
} from '@platform/core';
import { API_CLIENT_ID, CLIENT_SECRET_PLACEHOLDER, apiRealm } from './realm';
import { KEYCLOAK_IMAGE, KEYCLOAK_OPERATOR_MANIFESTS } from './versions';

/** Keycloak and its database share this namespace (SPEC.md); it is in the mesh. */
export const IAM_NAMESPACE = 'iam-system';
const iamNamespace = () => Namespace.restricted(IAM_NAMESPACE, { meshed: true });

/** The ServiceAccount of the server pods and of the realm-import Job (the operator copies the pod template). */
const SERVER_SERVICE_ACCOUNT = 'keycloak';
const HTTP_PORT = 8080;
/** Keycloak 26's management interface: /health/* and /metrics. */
const MANAGEMENT_PORT = 9000;
/** JGroups (Infinispan) between the server pods: data on 7800, failure detection (FD_SOCK2) on 57800. */
const JGROUPS_PORTS = [{ port: 7800 }, { port: 57800 }];

/** The connection facts of a PostgreSQL cluster (libs/cnpg PostgresCluster: a typed wire, not an import). */
export interface KeycloakDatabase extends Component {
  readonly connection: {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    /** The application Secret (CloudNativePG's `<cluster>-app`: keys `username` and `password`). */
    readonly appSecret: string | { readonly name: string };
  };
  /** Opens the database to `from` (NetworkPolicy and AuthorizationPolicy at both ends). */
  allowClient(from: Workload, label: string): void;
}

const databaseSchema = componentSchema<KeycloakDatabase>('PostgreSQL cluster (PostgresCluster of libs/cnpg)').refine(
  (v) => typeof v.allowClient === 'function' && typeof v.connection?.host === 'string',
  { error: (iss) => `got ${showValue(iss.input)}, expected a PostgresCluster (with connection and allowClient)` },
);

const REALM_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** The props of Keycloak, checked at synth; the TypeScript type is derived from it (one definition). */
const propsSchema = strictObject({
  /** The database (`keycloak-db`, a PostgresCluster in `iam-system`): host, port, database and its app Secret. */
  database: databaseSchema,
  /**
   * Server instances (the `Keycloak` CR's `instances`): 1 in dev and local, 2 in prod. With more
   * than one, a PodDisruptionBudget and spread constraints follow (`availability.spread`).
   * @default - the cluster's `availability.replicas`
   */
  instances: replicasSchema().optional(),
  /**
   * Issuer of the certificate of `keycloak.<domain>`.
   * @default - the gateway's issuer
   */
  tls: issuerSchema().optional(),
  /**
   * The API realm's name: the issuer is `https://keycloak.<domain>/realms/<realm>`.
   * @default 'platform'
   */
  realm: z
    .string()
    .regex(REALM_NAME, {
      error: (iss) => `got ${showValue(iss.input)}, expected a realm name such as "platform" (lower case, digits, "-")`,
    })
    .optional(),
  /**
   * Public host of the API the realm's client serves (its redirect URIs).
   * @default - `api.<domain>`
   */
  apiHost: z.string().min(1).optional(),
});

export type KeycloakProps = z.input<typeof propsSchema>;

/** What the API (PostgREST, the gateway's RequestAuthentication) needs of the realm. */
export interface KeycloakRealmEndpoints {
  /** `iss` of the realm's tokens: `https://keycloak.<domain>/realms/<realm>`. */
  readonly issuer: string;
  /** The realm's JWKS inside the cluster (HTTP, through the mesh): `http://<svc>.iam-system.svc.cluster.local:8080/realms/<realm>/protocol/openid-connect/certs`. */
  readonly jwksUri: string;
  /** `aud` of the realm's access tokens for the API. */
  readonly audience: typeof API_CLIENT_ID;
}

/**
 * The Keycloak operator from upstream's manifests (keycloak-k8s-resources 26.0.0): its two CRDs
 * and `kubernetes.yml` with the namespace set to `iam-system` (the ClusterRoleBinding's subject
 * too), hardened to the restricted policies. Its own Application, synced before the server's.
 * Created by Keycloak.
 */
export class KeycloakOperator extends Component {
  /** The operator's pods (Kubernetes API client). */
  readonly pods: Workload;

  constructor(scope: Platform, id: string) {
    super(scope, id, {
      namespace: iamNamespace(),
      project: 'iam',
      manifests: { ...KEYCLOAK_OPERATOR_MANIFESTS, namespace: IAM_NAMESPACE },
    });
    this.patchChartObjects((o) => patchOperatorObject(o, IAM_NAMESPACE));
    this.exemptChartObjects(
      [
        { kind: 'Deployment', name: 'keycloak-operator' },
        { kind: 'ServiceAccount', name: 'keycloak-operator' },
      ],
      'no-automount-service-account-token',
      'the operator watches Keycloak and KeycloakRealmImport resources and manages StatefulSets, Services, Secrets and Jobs through the Kubernetes API',
    );
    this.pods = workload(this, {
      name: 'keycloak-operator',
      podLabels: { 'app.kubernetes.io/name': 'keycloak-operator' },
      serviceAccount: 'keycloak-operator',
    });
    flow({ from: this.pods, to: kubeApi(scope), ports: KUBE_API_PORTS, label: 'Kubernetes API' });
  }
}

/**
 * The operator's objects as we deliver them: upstream leaves namespaced objects without a
 * namespace (manifests.namespace sets ours) but names `keycloak` in the ClusterRoleBinding's
 * subject; the Deployment gets the restricted security context, a writable /tmp and no sidecar.
 */
export function patchOperatorObject(o: KubeObject, namespace: string): void {
  if (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding')
    for (const s of (o.subjects ?? []) as { kind: string; namespace?: string }[]) if (s.kind === 'ServiceAccount') s.namespace = namespace;
  if (o.kind !== 'Deployment' || o.metadata.name !== 'keycloak-operator') return;
  const template = o.spec.template;
  // Outside the mesh: the operator serves nothing anyone calls (only kubelet probes) and calls only
  // the Kubernetes API, which is outside the mesh too; a sidecar would protect no connection.
  template.metadata.labels = { ...template.metadata.labels, 'sidecar.istio.io/inject': 'false' };
  const pod = template.spec;
  pod.securityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
  pod.volumes = [...(pod.volumes ?? []), { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }];
  for (const c of pod.containers) {
    c.imagePullPolicy = 'IfNotPresent';
    c.securityContext = {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1000,
      capabilities: { drop: ['ALL'] },
    };
    c.volumeMounts = [...(c.volumeMounts ?? []), { name: 'tmp', mountPath: '/tmp' }];
  }
}

/**
 * Keycloak (issue 11, SPEC.md): the operator (`<name>-operator`, made here), then in this
 * component's Application the `Keycloak` server on `keycloak-db`, exposed on `keycloak.<domain>`
 * through the gateway (TLS ends there, HTTP inside the mesh), scraped on its management port, and
 * the API realm imported once (`KeycloakRealmImport`, with the client secret from Vault).
 */
export class Keycloak extends Component {
  /** The API realm: issuer, in-cluster JWKS URI and audience (for PostgREST and the gateway). */
  readonly realm: KeycloakRealmEndpoints;
  /** The server pods (for flows to Keycloak, e.g. PostgREST's JWKS follower on 8080). */
  readonly server: Workload;
  /** The Service in front of the server pods (HTTP 8080, management 9000): `<name>-service`. */
  readonly serviceName: string;
  readonly operator: KeycloakOperator;

  constructor(scope: Platform, id: string, props: KeycloakProps) {
    const p = parseComponentProps(scope, id, propsSchema, props);
    const operator = new KeycloakOperator(scope, `${id}-operator`);
    super(scope, id, {
      namespace: iamNamespace(),
      project: 'iam',
      dependsOn: [operator.name, p.database.name],
    });
    this.operator = operator;
    const { spec } = scope;
    const realmName = p.realm ?? 'platform';
    const host = `keycloak.${spec.domain}`;
    this.serviceName = `${id}-service`;
    const instanceLabels = { app: 'keycloak', 'app.kubernetes.io/instance': id };
    const availability = ha({ replicas: p.instances ?? spec.availability.replicas, spread: spec.availability.spread }, instanceLabels);

    // The server pods' own identity (mesh principal, Vault role); they need no Kubernetes API token.
    new k8s.KubeServiceAccount(this, 'serviceaccount', {
      metadata: { name: SERVER_SERVICE_ACCOUNT, namespace: IAM_NAMESPACE },
      automountServiceAccountToken: false,
    });

    const conn = p.database.connection;
    const appSecret = typeof conn.appSecret === 'string' ? conn.appSecret : conn.appSecret.name;
    new ApiObject(this, 'keycloak', {
      apiVersion: 'k8s.keycloak.org/v2alpha1',
      kind: 'Keycloak',
      metadata: { name: id, namespace: IAM_NAMESPACE },
      spec: {
        instances: availability.replicas,
        image: KEYCLOAK_IMAGE,
        db: {
          vendor: 'postgres',
          host: conn.host,
          port: conn.port,
          database: conn.database,
          usernameSecret: { name: appSecret, key: 'username' },
          passwordSecret: { name: appSecret, key: 'password' },
        },
        // A full URL: the issuer is https://keycloak.<domain>; backchannel (JWKS, token) requests
        // inside the cluster may use the Service's host name.
        hostname: { hostname: `https://${host}`, backchannelDynamic: true },
        proxy: { headers: 'xforwarded' },
        // HTTP inside the mesh (Istio's mTLS protects it); TLS ends at the gateway.
        http: { httpEnabled: true },
        // The gateway exposes Keycloak (HTTPRoute); the operator's own Ingress stays off.
        ingress: { enabled: false },
        additionalOptions: [
          { name: 'health-enabled', value: 'true' },
          { name: 'metrics-enabled', value: 'true' },
        ],
        resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
        ...(availability.topologySpreadConstraints.length > 0 && {
          scheduling: { topologySpreadConstraints: availability.topologySpreadConstraints },
        }),
        // The CR has no field for these; the operator merges the template into its StatefulSet's
        // (and the realm-import Job copies that). Restricted Pod Security in iam-system requires them.
        unsupported: {
          podTemplate: {
            spec: {
              serviceAccountName: SERVER_SERVICE_ACCOUNT,
              automountServiceAccountToken: false,
              securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
              containers: [
                {
                  name: 'keycloak',
                  securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
                },
              ],
            },
          },
        },
      },
    });

    if (availability.disruptionBudget) {
      new k8s.KubePodDisruptionBudget(this, 'pdb', {
        metadata: { name: id, namespace: IAM_NAMESPACE },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: instanceLabels } },
      });
      // Istio routes only ports some Service declares: without this headless Service, JGroups'
      // failure detection (57800; 7800 has the operator's discovery Service) would go plaintext
      // through the passthrough cluster, and STRICT mTLS would refuse it.
      new k8s.KubeService(this, 'service-jgroups-fd', {
        metadata: { name: `${id}-jgroups-fd`, namespace: IAM_NAMESPACE },
        spec: {
          clusterIp: 'None',
          publishNotReadyAddresses: true,
          selector: instanceLabels,
          ports: [{ name: 'tcp-fd', port: 57800, targetPort: k8s.IntOrString.fromNumber(57800) }],
        },
      });
    }

    this.server = workload(this, { name: 'keycloak', podLabels: instanceLabels, serviceAccount: SERVER_SERVICE_ACCOUNT });
    const importJob = workload(this, {
      name: 'keycloak-realm-import',
      podLabels: { app: 'keycloak-realm-import', 'app.kubernetes.io/instance': id },
      serviceAccount: SERVER_SERVICE_ACCOUNT,
    });
    p.database.allowClient(this.server, 'Keycloak');
    p.database.allowClient(importJob, 'Keycloak realm import');
    if (availability.replicas > 1) flow({ from: this.server, to: this.server, ports: JGROUPS_PORTS, label: 'JGroups (Infinispan caches)' });
    // The operator reads the server's state from its StatefulSet, never from the pods: no flow to them.
    operator.addFlow({ to: this.name, label: 'Keycloak server, realm import', kind: 'manages' });

    expose(this, {
      host,
      service: this.serviceName,
      port: HTTP_PORT,
      podLabels: instanceLabels,
      targetPort: HTTP_PORT,
      serviceAccount: SERVER_SERVICE_ACCOUNT,
      ...(p.tls && { tls: p.tls }),
    });
    addMonitor(this, { name: 'keycloak', podLabels: instanceLabels, port: { name: 'management', number: MANAGEMENT_PORT } });

    // The client secret comes from Vault; the import Job reads it as an environment variable.
    const clientSecret = vaultSecret(this, {
      serviceAccount: SERVER_SERVICE_ACCOUNT,
      path: `${id}/postgrest-api-client`,
      keys: ['client-secret'],
      destination: { name: `${id}-postgrest-api-client` },
    });
    new ApiObject(this, 'realm-import', {
      apiVersion: 'k8s.keycloak.org/v2alpha1',
      kind: 'KeycloakRealmImport',
      // After the server (it reads the server's StatefulSet) and the Secret from Vault.
      metadata: { name: `${id}-realm-${realmName}`, namespace: IAM_NAMESPACE, annotations: { [ARGOCD_SYNC_WAVE]: '1' } },
      spec: {
        keycloakCRName: id,
        realm: apiRealm({ realm: realmName, apiHost: p.apiHost ?? `api.${spec.domain}` }),
        placeholders: { [CLIENT_SECRET_PLACEHOLDER]: { secret: { name: clientSecret.name, key: 'client-secret' } } },
      },
    });

    this.realm = {
      issuer: `https://${host}/realms/${realmName}`,
      jwksUri: `http://${this.serviceName}.${IAM_NAMESPACE}.svc.cluster.local:${HTTP_PORT}/realms/${realmName}/protocol/openid-connect/certs`,
      audience: API_CLIENT_ID,
    };
  }
}
