import { describe, expect, test } from 'vitest';
import {
  Component,
  Namespace,
  Platform,
  type TestSpecOverrides,
  findComponent,
  findObject,
  renderTestCluster,
  synthProblems,
  toYaml,
  trafficFlows,
  workload,
} from '@platform/core';
import { StandInMonitoring, StandInVault, StandInVaultSecretsOperator } from '@platform/core/testing-stand-ins';
import { CloudNativePg, PostgresCluster } from '@platform/cnpg';
import { IstioBase, IstioCni, IstioGateway, Istiod } from '@platform/istio';
import { BOOTSTRAP_SQL_FILE, POSTGREST_IMAGE, PostgrestApi, type PostgrestApiProps } from '@platform/postgrest-api';

class Stub extends Component {
  constructor(scope: Platform, id: string, ns = Namespace.kubeSystem()) {
    super(scope, id, { namespace: ns, project: 'infrastructure' });
  }
}

/** Keycloak as libs/keycloak exports it: the realm and the server pods. */
class FakeKeycloak extends Component {
  readonly realm = {
    issuer: 'https://keycloak.test.example.com/realms/platform',
    jwksUri: 'http://keycloak-service.iam-system.svc.cluster.local:8080/realms/platform/protocol/openid-connect/certs',
    audience: 'postgrest_api',
  };
  readonly server = workload(this, { name: 'keycloak', podLabels: { app: 'keycloak' }, serviceAccount: 'keycloak' });
  constructor(scope: Platform) {
    super(scope, 'keycloak', { namespace: Namespace.restricted('iam-system', { meshed: true }), project: 'iam' });
  }
}

const KIND: TestSpecOverrides = { provider: 'kind', environment: 'local', region: undefined, azs: ['local'] };
const PROD: TestSpecOverrides = { environment: 'prod', availability: { replicas: 2, spread: 'zone' } };

function compose(extra: Partial<PostgrestApiProps> = {}) {
  return (p: Platform) => {
    new StandInVault(p);
    new StandInVaultSecretsOperator(p);
    new StandInMonitoring(p, { meshed: true, scraper: { name: 'prometheus', podLabels: { app: 'prometheus' } } });
    const cilium = new Stub(p, 'cilium');
    const gatewayApi = new Stub(p, 'gateway-api');
    const certs = new Stub(p, 'cert-manager', Namespace.restricted('cert-manager'));
    const tls = { component: certs, name: 'letsencrypt-production', kind: 'ClusterIssuer', group: 'cert-manager.io' } as const;
    const base = new IstioBase(p, 'istio-base', { cni: cilium, gatewayApi });
    const cni = new IstioCni(p, 'istio-cni', { base });
    const istiod = new Istiod(p, 'istiod', { base, cni });
    new IstioGateway(p, 'istio-gateway', { istiod, gatewayApi });
    const operator = new CloudNativePg(p, 'cnpg');
    const database = new PostgresCluster(p, 'api-db', {
      operator,
      namespace: Namespace.restricted('api', { meshed: true }),
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
      bootstrapSql: { file: BOOTSTRAP_SQL_FILE },
    });
    const identity = new FakeKeycloak(p);
    new PostgrestApi(p, 'postgrest-api', { database, identity, istiod, tls, ...extra });
  };
}

const render = (overrides: TestSpecOverrides = {}, extra: Partial<PostgrestApiProps> = {}) => renderTestCluster(compose(extra), overrides);
const dev = render();
const deployment = findObject(dev, 'postgrest-api', 'Deployment', 'postgrest-api');
const pod = deployment.spec.template.spec;
const postgrest = pod.containers.find((c: { name: string }) => c.name === 'postgrest');
const envOf = (c: { env: { name: string; value?: string; valueFrom?: unknown }[] }) =>
  Object.fromEntries(c.env.map((e) => [e.name, e.value ?? e.valueFrom]));

describe('PostgrestApi', () => {
  test('one Deployment postgrest-api in api (meshed, restricted), project apps, PostgREST v16 pinned', () => {
    const c = findComponent(dev, 'postgrest-api');
    expect(c.namespace).toBe('api');
    expect(c.project).toBe('apps');
    expect(postgrest.image).toBe(POSTGREST_IMAGE);
    expect(POSTGREST_IMAGE).toMatch(/^docker\.io\/postgrest\/postgrest:v1[4-9]\.\d+$/);
    expect(postgrest.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('environment: DB URI from the authenticator Secret by $(VAR) expansion, anon role, schema, role claim key, audience, JWKS file', () => {
    expect(envOf(postgrest)).toEqual({
      DB_USER: { secretKeyRef: { name: 'api-db-authenticator', key: 'username' } },
      PGPASSWORD: { secretKeyRef: { name: 'api-db-authenticator', key: 'password' } },
      PGRST_DB_URI: 'postgres://$(DB_USER)@api-db-rw.api.svc.cluster.local:5432/app',
      PGRST_DB_SCHEMAS: 'public',
      PGRST_DB_ANON_ROLE: 'web_anon',
      PGRST_JWT_SECRET: '@/jwks/jwks.json',
      PGRST_JWT_AUD: 'postgrest_api',
      PGRST_JWT_ROLE_CLAIM_KEY: '$.resource_access.postgrest_api.roles[0]',
      PGRST_SERVER_PORT: '3000',
      PGRST_ADMIN_SERVER_PORT: '3001',
      PGRST_OPENAPI_MODE: 'follow-privileges',
      PGRST_LOG_LEVEL: 'error',
    });
    // $(DB_USER) expands only from a variable defined before it.
    const names = postgrest.env.map((e: { name: string }) => e.name);
    expect(names.indexOf('DB_USER')).toBeLessThan(names.indexOf('PGRST_DB_URI'));
  });

  test('probes on the admin server; metrics scraped there', () => {
    expect(postgrest.livenessProbe.httpGet).toEqual({ path: '/live', port: 3001 });
    expect(postgrest.readinessProbe.httpGet).toEqual({ path: '/ready', port: 3001 });
    const monitor = findObject(dev, 'monitoring', 'PodMonitor', 'postgrest-api');
    expect(monitor.spec.podMetricsEndpoints).toEqual([{ port: 'admin', path: '/metrics' }]);
  });

  test('Service 80 → 3000; HPA 2–5 on 80% CPU; PDB; no spec.replicas (the HPA owns it)', () => {
    const svc = findObject(dev, 'postgrest-api', 'Service', 'postgrest-api');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(postgrest.ports).toContainEqual({ name: 'http', containerPort: 3000, protocol: 'TCP' });
    const hpa = findObject(dev, 'postgrest-api', 'HorizontalPodAutoscaler', 'postgrest-api');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'postgrest-api' },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
    expect(findObject(dev, 'postgrest-api', 'PodDisruptionBudget', 'postgrest-api').spec.maxUnavailable).toBe(1);
    expect(deployment.spec.replicas).toBeUndefined();
  });

  test.each([
    ['dev (hostname)', {}, 'kubernetes.io/hostname'],
    ['local on kind (hostname)', KIND, 'kubernetes.io/hostname'],
    ['prod (zone)', PROD, 'topology.kubernetes.io/zone'],
  ] as const)('%s: anti-affinity and spread by the cluster spread key', (_, overrides, key) => {
    const spec = findObject(render(overrides), 'postgrest-api', 'Deployment', 'postgrest-api').spec.template.spec;
    expect(spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe(key);
    expect(spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: key, whenUnsatisfiable: 'DoNotSchedule' });
  });

  test('the JWKS follower: a native sidecar sharing the process namespace, same uid, gating PostgREST on the first JWKS', () => {
    expect(pod.shareProcessNamespace).toBe(true);
    const [follower] = pod.initContainers;
    expect(follower).toMatchObject({ name: 'jwks-follower', restartPolicy: 'Always' });
    expect(follower.image).toMatch(/^docker\.io\/library\/node:\d+\.\d+\.\d+-alpine[\d.]+$/);
    expect(envOf(follower)).toMatchObject({
      JWKS_URL: 'http://keycloak-service.iam-system.svc.cluster.local:8080/realms/platform/protocol/openid-connect/certs',
      JWKS_FILE: '/jwks/jwks.json',
      RELOAD_PROCESS: 'postgrest',
    });
    expect(follower.startupProbe.httpGet).toEqual({ path: '/ready', port: 8081 });
    expect(follower.securityContext.runAsUser).toBe(postgrest.securityContext.runAsUser);
    expect(postgrest.volumeMounts).toEqual([{ name: 'jwks', mountPath: '/jwks', readOnly: true }]);
    const cm = findObject(dev, 'postgrest-api', 'ConfigMap', 'postgrest-api-jwks-follower');
    expect(cm.data['follower.mjs']).toContain('SIGUSR2');
    expect(deployment.spec.template.metadata.annotations['platform/jwks-follower-sha256']).toMatch(/^[a-f0-9]{64}$/);
  });

  test('edge: RequestAuthentication on the gateway pods with the Keycloak export; DENY without a token on the API host only', () => {
    const ra = findObject(dev, 'postgrest-api', 'RequestAuthentication', 'postgrest-api-jwt');
    const gatewayLabels = findObject(dev, 'postgrest-api', 'AuthorizationPolicy', 'postgrest-api-require-jwt').spec.selector;
    expect(ra.metadata.namespace).toBe('istio-ingress');
    expect(ra.spec.jwtRules).toEqual([
      {
        issuer: 'https://keycloak.test.example.com/realms/platform',
        jwks_uri: 'http://keycloak-service.iam-system.svc.cluster.local:8080/realms/platform/protocol/openid-connect/certs',
        audiences: ['postgrest_api'],
        forwardOriginalToken: true,
      },
    ]);
    expect(ra.spec.selector).toEqual(gatewayLabels);
    const ap = findObject(dev, 'postgrest-api', 'AuthorizationPolicy', 'postgrest-api-require-jwt');
    expect(ap.metadata.namespace).toBe('istio-ingress');
    expect(ap.spec).toMatchObject({
      action: 'DENY',
      rules: [
        {
          from: [{ source: { notRequestPrincipals: ['*'] } }],
          to: [{ operation: { hosts: ['api.test.example.com', 'api.test.example.com:*'] } }],
        },
      ],
    });
  });

  test('exposed on api.<domain> with its certificate', () => {
    const route = findObject(dev, 'postgrest-api', 'HTTPRoute', 'postgrest-api');
    expect(route.spec.hostnames).toEqual(['api.test.example.com']);
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'postgrest-api', port: 80 }]);
    expect(findObject(dev, 'postgrest-api', 'Certificate', 'api-test-example-com-tls').spec.issuerRef.name).toBe('letsencrypt-production');
  });

  test('flows: PostgREST → api-db 5432, follower and the gateway (JWKS) → Keycloak 8080, gateway → PostgREST 3000, Prometheus → 3001', () => {
    const flows = renderFlows();
    expect(flows).toEqual(
      expect.arrayContaining([
        'postgrest-api → api-db [5432] PostgreSQL (authenticator)',
        'postgrest-api → keycloak [8080] JWKS (key follower)',
        'istio-gateway → keycloak [8080] JWKS (gateway RequestAuthentication)',
        'istio-gateway → postgrest-api [3000] HTTPS api.test.example.com',
        'prometheus → postgrest-api [3001] metrics 3001 (scraped)',
      ]),
    );
  });

  test('no literal DB URI with credentials, no secret value in any rendered object', () => {
    const yaml = findComponent(dev, 'postgrest-api')
      .objects.map((o) => toYaml(o))
      .join('\n');
    expect(yaml).not.toMatch(/postgres(ql)?:\/\/[^$@\s]+:[^@\s]+@/);
    expect(yaml).not.toMatch(/kind: Secret\b/);
  });

  test('bad props fail synth with the field', () => {
    const problems = synthProblems(() => render({}, { replicas: { min: 3, max: 2 } }));
    expect(problems.join('\n')).toMatch(/components\.postgrest-api\.replicas.*max must be ≥ min/);
    const wrong = synthProblems(() =>
      renderTestCluster((p) => {
        new PostgrestApi(p, 'postgrest-api', { database: {} as never, identity: {} as never, istiod: 'istiod' as never, tls: {} as never });
      }),
    );
    expect(wrong.join('\n')).toMatch(/database: got .*expected the api-db PostgresCluster/);
    expect(wrong.join('\n')).toMatch(/identity: got .*expected the Keycloak component/);
  });
});

function renderFlows(): string[] {
  let out: string[] = [];
  renderTestCluster((p) => {
    compose()(p);
    p.whenComplete(() => {
      out = trafficFlows(p).map(
        (f) =>
          `${'component' in f.from ? f.from.name : f.from.external} → ${'component' in f.to ? f.to.name : f.to.external} [${(f.ports ?? []).map((x) => x.port).join(',')}] ${f.label}`,
      );
    });
  });
  return out;
}
