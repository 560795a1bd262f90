import { createHash } from 'node:crypto';
import { z } from 'zod';
import { k8s } from 'cdk8s-plus-30';
import {
  Component,
  INGRESS,
  LABEL_COMPONENT,
  MESH,
  Namespace,
  type Platform,
  type Resources,
  TOPOLOGY_KEYS,
  type Workload,
  addMonitor,
  assertPinnedImage,
  componentSchema,
  expose,
  flow,
  ha,
  isInstance,
  parseComponentProps,
  providerOf,
  quantity,
  reportProblem,
  restrictedSecurityContext,
  selectorLabels,
  showValue,
  strictObject,
  toResourceRequirements,
  whenComposed,
  workload,
  issuerSchema,
} from '@platform/core';
import { AuthorizationPolicy, AuthorizationPolicySpecAction, RequestAuthentication } from '@platform/crds/generated/security.istio.io';
import { API_DB_ROLES, AUTHENTICATOR_ROLE } from './sql';
import { FOLLOWER_SCRIPT } from './follower-script';
import { FOLLOWER_IMAGE, POSTGREST_IMAGE } from './versions';

/** The PostgresCluster facts this component uses (libs/cnpg's PostgresCluster has them; no import of it). */
export interface ApiDatabase extends Component {
  readonly connection: {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    /** The basic-auth Secret (`username`, `password`) of a managed LOGIN role whose password comes from Vault. */
    roleSecret(role: string): string;
  };
  readonly instances: Workload;
  allowClient(from: Workload, label?: string): void;
}

/** An OpenID Connect realm as the identity provider exports it (libs/keycloak's `realm`). */
export interface OidcRealm {
  /** The `iss` of the realm's tokens: `https://keycloak.<domain>/realms/<realm>`. */
  readonly issuer: string;
  /** The realm's keys on the in-cluster Service: `http://<svc>.<ns>.svc.cluster.local:8080/realms/<realm>/protocol/openid-connect/certs`. */
  readonly jwksUri: string;
  /** The audience the API requires in `aud`. */
  readonly audience: string;
}

/** The identity provider component (libs/keycloak's Keycloak): its realm and its server pods. */
export interface IdentityProvider extends Component {
  readonly realm: OidcRealm;
  readonly server: Workload;
}

const hasFields = (v: unknown, fields: readonly string[]) =>
  isInstance(Component, v) && fields.every((f) => (v as unknown as Record<string, unknown>)[f] !== undefined);

const propsSchema = strictObject({
  /** The api-db PostgresCluster (libs/cnpg), with the managed role `authenticator` whose password comes from Vault. */
  database: z.custom<ApiDatabase>((v) => hasFields(v, ['connection', 'instances', 'allowClient']), {
    error: (iss) => `got ${showValue(iss.input)}, expected the api-db PostgresCluster component (connection, instances, allowClient)`,
  }),
  /** The Keycloak component (libs/keycloak): the realm's issuer, JWKS URI and audience, and its server pods. */
  identity: z.custom<IdentityProvider>((v) => hasFields(v, ['realm', 'server']), {
    error: (iss) => `got ${showValue(iss.input)}, expected the Keycloak component (realm, server)`,
  }),
  /**
   * Istio's control plane (libs/istio's Istiod): it fetches the JWKS of the gateway's
   * RequestAuthentication, so it gets a flow to Keycloak.
   */
  istiod: componentSchema('istiod (Istio control plane)'),
  /** Issuer of the certificate of the public host (e.g. `certManager.issuer('letsencrypt-production')`). */
  tls: issuerSchema(),
  /** @default `api.<domain>` */
  host: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/)
    .optional(),
  /** HorizontalPodAutoscaler bounds. @default { min: 2, max: 5 } */
  replicas: strictObject({ min: z.int().min(1), max: z.int().min(1) })
    .refine((r) => r.max >= r.min, { error: 'max must be ≥ min' })
    .optional(),
  /** Average CPU utilisation (percent of the request) the autoscaler keeps. @default 80 */
  cpuUtilization: z.int().min(10).max(100).optional(),
  /** Requests and limits of the PostgREST container. @default cpu 100m–500m, memory 128Mi–256Mi */
  resources: strictObject({
    cpu: strictObject({ request: quantity('"100m"'), limit: quantity('"500m"') }),
    memory: strictObject({ request: quantity('"128Mi"'), limit: quantity('"256Mi"') }),
  }).optional(),
  /**
   * The Keycloak client whose roles PostgREST switches to (`resource_access.<client>.roles[0]`).
   * @default 'postgrest_api'
   */
  clientId: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
});

export type PostgrestApiProps = z.input<typeof propsSchema>;

export const POSTGREST_API_NAME = 'postgrest-api';
export const API_NAMESPACE = 'api';
/** PostgREST's API port and its admin server (`/live`, `/ready`, `/metrics`). */
export const POSTGREST_PORTS = { api: 3000, admin: 3001, follower: 8081 } as const;
/** Where the follower writes the JWKS and PostgREST reads it (`PGRST_JWT_SECRET=@<file>`). */
export const JWKS_FILE = '/jwks/jwks.json';
/** The uid of PostgREST's image (and of the Node image's `node` user): the follower may signal PostgREST. */
const RUN_AS = 1000;

const DEFAULT_RESOURCES: Resources = { cpu: { request: '100m', limit: '500m' }, memory: { request: '128Mi', limit: '256Mi' } };
const FOLLOWER_RESOURCES: Resources = { cpu: { request: '10m', limit: '100m' }, memory: { request: '48Mi', limit: '96Mi' } };

/** The JSONPath (RFC 9535, PostgREST v16) of the role in a Keycloak access token. */
export const roleClaimKey = (clientId: string) => `$.resource_access.${clientId}.roles[0]`;

/**
 * The PostgREST API on `api.<domain>` (namespace `api`, meshed; project `apps`): Deployment
 * `postgrest-api` scaled 2–5 by CPU, spread and anti-affine by the cluster's spread key, a
 * PodDisruptionBudget, the Service 80 → 3000, metrics from the admin server.
 *
 * **Database.** PostgREST connects as the CNPG managed role `authenticator`: the user name comes
 * from its Secret into `$(DB_USER)` of `PGRST_DB_URI` (Kubernetes expansion), the password into
 * libpq's `PGPASSWORD` (never in the URI, so no percent-encoding and nothing literal).
 *
 * **JWT keys** (docs/adr/0009-postgrest-jwks.md). PostgREST reads a JWKS document, not a URL: the
 * JWKS follower, a native sidecar in the same process namespace, fetches the realm's keys from the
 * in-cluster Keycloak Service into a shared emptyDir and sends PostgREST SIGUSR2 when they change.
 * PostgREST starts only once the first JWKS is on disk (the sidecar's startup probe).
 *
 * **Edge.** On the ingress gateway's pods: a RequestAuthentication for Keycloak's issuer (an
 * invalid or expired token gets 401) and a DENY AuthorizationPolicy for requests to the API host
 * without a valid token (403). Authorization itself is PostgREST's role switch and PostgreSQL's
 * row-level security.
 */
export class PostgrestApi extends Component {
  /** The PostgREST pods (for flows to the API). */
  readonly pods: Workload;
  /** The public host. */
  readonly host: string;

  constructor(scope: Platform, id: string, props: PostgrestApiProps) {
    const p = parseComponentProps(scope, id, propsSchema, props);
    super(scope, id, {
      namespace: Namespace.restricted(API_NAMESPACE, { meshed: true }),
      project: 'apps',
      dependsOn: [p.database.name, p.identity.name],
    });
    const name = POSTGREST_API_NAME;
    const namespace = API_NAMESPACE;
    const clientId = p.clientId ?? 'postgrest_api';
    const replicas = p.replicas ?? { min: 2, max: 5 };
    const spread = scope.spec.availability.spread;
    this.host = p.host ?? `api.${scope.spec.domain}`;
    const selector = selectorLabels(name);
    this.pods = workload(this, { name, podLabels: selector, serviceAccount: name });

    const realm = p.identity.realm;
    const jwks = parseUrl(this, 'identity.realm.jwksUri', realm.jwksUri);
    let authenticatorSecret = `${p.database.name}-${AUTHENTICATOR_ROLE}`;
    try {
      authenticatorSecret = p.database.connection.roleSecret(AUTHENTICATOR_ROLE);
    } catch (e) {
      reportProblem(
        this,
        'database',
        `${(e as Error).message}: declare ${AUTHENTICATOR_ROLE} as a managed LOGIN role with passwordFromVault`,
      );
    }
    const conn = p.database.connection;
    const secretEnv = (envName: string, key: string): k8s.EnvVar => ({
      name: envName,
      valueFrom: { secretKeyRef: { name: authenticatorSecret, key } },
    });
    const env: k8s.EnvVar[] = [
      secretEnv('DB_USER', 'username'),
      // libpq reads the password from PGPASSWORD when the URI has none.
      secretEnv('PGPASSWORD', 'password'),
      { name: 'PGRST_DB_URI', value: `postgres://$(DB_USER)@${conn.host}:${conn.port}/${conn.database}` },
      { name: 'PGRST_DB_SCHEMAS', value: 'public' },
      { name: 'PGRST_DB_ANON_ROLE', value: API_DB_ROLES.anonymous },
      { name: 'PGRST_JWT_SECRET', value: `@${JWKS_FILE}` },
      { name: 'PGRST_JWT_AUD', value: realm.audience },
      { name: 'PGRST_JWT_ROLE_CLAIM_KEY', value: roleClaimKey(clientId) },
      { name: 'PGRST_SERVER_PORT', value: String(POSTGREST_PORTS.api) },
      { name: 'PGRST_ADMIN_SERVER_PORT', value: String(POSTGREST_PORTS.admin) },
      { name: 'PGRST_OPENAPI_MODE', value: 'follow-privileges' },
      { name: 'PGRST_LOG_LEVEL', value: 'error' },
    ];

    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: { name, namespace, labels: selector },
      automountServiceAccountToken: false,
    });

    const followerConfigMap = `${name}-jwks-follower`;
    new k8s.KubeConfigMap(this, 'jwks-follower', {
      metadata: { name: followerConfigMap, namespace, labels: selector },
      data: { 'follower.mjs': FOLLOWER_SCRIPT },
    });

    const httpProbe = (path: string, port: number, failureThreshold = 3): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromNumber(port) },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold,
    });
    const availability = ha({ replicas: replicas.min, spread }, selector);

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name, namespace, labels: selector },
      spec: {
        // No spec.replicas: the HorizontalPodAutoscaler owns the count (Argo CD would reset it otherwise).
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: {
          metadata: {
            labels: { ...selector, [LABEL_COMPONENT]: name },
            annotations: { 'platform/jwks-follower-sha256': createHash('sha256').update(FOLLOWER_SCRIPT).digest('hex') },
          },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            // The follower signals PostgREST (SIGUSR2): one process namespace, the same uid.
            shareProcessNamespace: true,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: RUN_AS,
              runAsGroup: RUN_AS,
              fsGroup: RUN_AS,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            topologySpreadConstraints:
              availability.topologySpreadConstraints.length > 0 ? availability.topologySpreadConstraints : undefined,
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { topologyKey: TOPOLOGY_KEYS[spread], labelSelector: { matchLabels: selector } } },
                ],
              },
            },
            initContainers: [
              {
                name: 'jwks-follower',
                image: assertPinnedImage(FOLLOWER_IMAGE, this, 'followerImage'),
                imagePullPolicy: 'IfNotPresent',
                // A native sidecar: started before PostgREST, running beside it.
                restartPolicy: 'Always',
                command: ['node', '--max-old-space-size=32', '/opt/jwks-follower/follower.mjs'],
                env: [
                  { name: 'JWKS_URL', value: realm.jwksUri },
                  { name: 'JWKS_FILE', value: JWKS_FILE },
                  { name: 'JWKS_INTERVAL_SECONDS', value: '30' },
                  { name: 'JWKS_TIMEOUT_SECONDS', value: '5' },
                  { name: 'RELOAD_PROCESS', value: 'postgrest' },
                  { name: 'HEALTH_PORT', value: String(POSTGREST_PORTS.follower) },
                ],
                ports: [{ name: 'follower', containerPort: POSTGREST_PORTS.follower, protocol: 'TCP' }],
                resources: toResourceRequirements(FOLLOWER_RESOURCES),
                // PostgREST starts once the first JWKS is on disk (up to 10 minutes for Keycloak).
                startupProbe: { ...httpProbe('/ready', POSTGREST_PORTS.follower, 60), periodSeconds: 10 },
                livenessProbe: httpProbe('/live', POSTGREST_PORTS.follower),
                readinessProbe: httpProbe('/ready', POSTGREST_PORTS.follower),
                securityContext: restrictedSecurityContext({ runAsUser: RUN_AS }),
                volumeMounts: [
                  { name: 'jwks', mountPath: '/jwks' },
                  { name: 'jwks-follower', mountPath: '/opt/jwks-follower', readOnly: true },
                ],
              },
            ],
            containers: [
              {
                name: 'postgrest',
                image: assertPinnedImage(POSTGREST_IMAGE, this),
                imagePullPolicy: 'IfNotPresent',
                env,
                ports: [
                  { name: 'http', containerPort: POSTGREST_PORTS.api, protocol: 'TCP' },
                  { name: 'admin', containerPort: POSTGREST_PORTS.admin, protocol: 'TCP' },
                ],
                resources: toResourceRequirements(p.resources ?? DEFAULT_RESOURCES),
                livenessProbe: httpProbe('/live', POSTGREST_PORTS.admin),
                readinessProbe: httpProbe('/ready', POSTGREST_PORTS.admin),
                securityContext: restrictedSecurityContext({ runAsUser: RUN_AS }),
                volumeMounts: [{ name: 'jwks', mountPath: '/jwks', readOnly: true }],
              },
            ],
            volumes: [
              { name: 'jwks', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
              { name: 'jwks-follower', configMap: { name: followerConfigMap, defaultMode: 0o444 } },
            ],
          },
        },
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: { name, namespace, labels: selector },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    new k8s.KubeHorizontalPodAutoscalerV2(this, 'hpa', {
      metadata: { name, namespace, labels: selector },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: replicas.min,
        maxReplicas: replicas.max,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: p.cpuUtilization ?? 80 } },
          },
        ],
      },
    });

    if (availability.disruptionBudget)
      new k8s.KubePodDisruptionBudget(this, 'pdb', {
        metadata: { name, namespace, labels: selector },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
      });

    // Flows: PostgREST → its database; the follower → Keycloak; the gateway's proxies → Keycloak
    // (they fetch the RequestAuthentication's JWKS themselves, through the mesh: istiod runs with
    // PILOT_JWT_ENABLE_REMOTE_JWKS=envoy); the gateway → PostgREST (expose); Prometheus → the admin server (addMonitor).
    p.database.allowClient(this.pods, 'PostgreSQL (authenticator)');
    const jwksPort = jwks ? [{ port: jwks.port }] : undefined;
    flow({ from: this.pods, to: p.identity.server, ports: jwksPort, label: 'JWKS (key follower)' });
    whenComposed(scope, () => {
      const ingress = providerOf(scope, INGRESS);
      if (ingress) flow({ from: ingress.proxies, to: p.identity.server, ports: jwksPort, label: 'JWKS (gateway RequestAuthentication)' });
    });
    this.needs(p.istiod);
    expose(this, {
      host: this.host,
      service: name,
      port: 80,
      podLabels: selector,
      targetPort: POSTGREST_PORTS.api,
      serviceAccount: name,
      tls: p.tls,
    });
    addMonitor(this, { name, podLabels: selector, port: { name: 'admin', number: POSTGREST_PORTS.admin } });

    // Authentication at the edge, on the gateway's proxies, for the API host only.
    whenComposed(scope, () => {
      const ingress = providerOf(scope, INGRESS);
      if (!ingress) return;
      const mesh = providerOf(scope, MESH);
      if (mesh) this.needs(mesh.crds);
      const gatewayPods = { matchLabels: { ...ingress.proxies.podLabels } };
      // The binding writes jwksUri as `jwks_uri`, the proto field name the CRD also accepts.
      new RequestAuthentication(this, 'request-authentication', {
        metadata: { name: `${name}-jwt`, namespace: ingress.proxies.namespace },
        spec: {
          selector: gatewayPods,
          jwtRules: [
            {
              issuer: realm.issuer,
              jwksUri: realm.jwksUri,
              audiences: [realm.audience],
              // PostgREST verifies the token again and reads its claims: pass it on.
              forwardOriginalToken: true,
            },
          ],
        },
      });
      new AuthorizationPolicy(this, 'require-jwt', {
        metadata: { name: `${name}-require-jwt`, namespace: ingress.proxies.namespace },
        spec: {
          selector: gatewayPods,
          // DENY, not ALLOW: an ALLOW on the gateway's pods would deny every other public host.
          action: AuthorizationPolicySpecAction.DENY,
          rules: [
            {
              from: [{ source: { notRequestPrincipals: ['*'] } }],
              to: [{ operation: { hosts: [this.host, `${this.host}:*`] } }],
            },
          ],
        },
      });
    });
  }
}

function parseUrl(at: Component, field: string, value: string): { port: number } | undefined {
  try {
    const url = new URL(value);
    return { port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 };
  } catch {
    reportProblem(at, field, `got ${showValue(value)}, expected an absolute URL`);
    return undefined;
  }
}
