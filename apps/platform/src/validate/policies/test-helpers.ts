/**
 * A cluster that passes every policy, for the policy tests: each test breaks exactly one thing.
 * Test code only.
 */
import { checkPolicies } from './index';
import { componentJson, devContext, distComponent } from '../test-helpers';
import type { Finding, ValidateContext } from '../types';

export type Obj = Record<string, any>;

export function container(name: string): Record<string, any> {
  return {
    name,
    image: 'ghcr.io/example/api:1.2.3',
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    livenessProbe: { httpGet: { path: '/live', port: 8080 } },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}

export function baseline() {
  const labels = { 'app.kubernetes.io/name': 'api' };
  return {
    namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'api', labels: { 'istio-injection': 'enabled' } } } as Obj,
    denyAll: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: 'api' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    } as Obj,
    mesh: {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: 'istio-system' },
      spec: { mtls: { mode: 'STRICT' } },
    } as Obj,
    serviceAccount: {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'api', namespace: 'api' },
      automountServiceAccountToken: false,
    } as Obj,
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'api', labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'api',
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'kubernetes.io/hostname',
                whenUnsatisfiable: 'DoNotSchedule',
                labelSelector: { matchLabels: labels },
              },
            ],
            initContainers: [{ ...container('migrate'), livenessProbe: undefined, readinessProbe: undefined }],
            containers: [container('api')],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    } as Obj,
    pdb: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'api', namespace: 'api' },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    } as Obj,
    role: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'api', namespace: 'api' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    } as Obj,
    extra: [] as Obj[],
  };
}
export type Baseline = ReturnType<typeof baseline>;

export function contextOf(b: Baseline): ValidateContext {
  return devContext([
    distComponent('dev', 'namespaces', [b.namespace, b.denyAll]),
    distComponent('dev', 'istio', [b.mesh], { json: componentJson('dev', 'istio', { namespace: 'istio-system' }) }),
    distComponent('dev', 'api', [b.serviceAccount, b.deployment, b.pdb, b.role, ...b.extra]),
  ]);
}

export function run(mutate: (b: Baseline) => void = () => {}) {
  const b = baseline();
  mutate(b);
  return checkPolicies(contextOf(b));
}

export const pod = (b: Baseline) => b.deployment.spec.template.spec;
export const app = (b: Baseline) => pod(b).containers[0];
export const rules = (result: { readonly findings: readonly Finding[] }) => result.findings.map((f) => f.rule);
