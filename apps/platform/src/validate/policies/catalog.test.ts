import { describe, expect, it } from 'vitest';
import { POLICIES } from './index';
import { app, pod, run, type Baseline } from './test-helpers';

describe('POLICIES table', () => {
  it('gives every policy a unique id, a rationale and a fix', () => {
    const ids = POLICIES.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of POLICIES) {
      expect(p.id).toMatch(/^[a-z][a-z0-9-]+$/);
      expect(p.rationale.length).toBeGreaterThan(10);
      expect(p.fix.length).toBeGreaterThan(10);
    }
  });
});

describe('checkPolicies baseline', () => {
  it('reports nothing for a compliant cluster', () => {
    expect(run().findings).toEqual([]);
  });
});

/** One fixture per policy that violates it (and only it); the baseline is the passing fixture. */
const VIOLATIONS: Record<string, (b: Baseline) => void> = {
  'resource-requests': (b) => delete app(b).resources.requests.memory,
  'resource-limits': (b) => delete pod(b).initContainers[0].resources.limits,
  'liveness-probe': (b) => delete app(b).livenessProbe,
  'readiness-probe': (b) => delete app(b).readinessProbe,
  'run-as-non-root': (b) => (app(b).securityContext.runAsNonRoot = false),
  'no-privilege-escalation': (b) => delete app(b).securityContext.allowPrivilegeEscalation,
  'no-privileged-container': (b) => (app(b).securityContext.privileged = true),
  'drop-all-capabilities': (b) => (app(b).securityContext.capabilities = { drop: ['NET_RAW'] }),
  'seccomp-runtime-default': (b) => (pod(b).securityContext.seccompProfile = { type: 'Unconfined' }),
  'read-only-root-filesystem': (b) => (app(b).securityContext.readOnlyRootFilesystem = false),
  'pinned-image-tag': (b) => (app(b).image = 'ghcr.io/example/api:latest'),
  'no-host-namespaces': (b) => (pod(b).hostPID = true),
  'no-host-path': (b) => pod(b).volumes.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }),
  'pod-disruption-budget': (b) => (b.pdb.spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'other' } }),
  'spread-replicas': (b) => delete pod(b).topologySpreadConstraints,
  'namespace-default-deny': (b) => (b.denyAll.spec.ingress = [{ from: [{ podSelector: {} }] }]),
  'mesh-mtls-strict': (b) => (b.mesh.spec.mtls.mode = 'PERMISSIVE'),
  'mesh-plaintext-port-only': (b) =>
    b.extra.push({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'db', namespace: 'api' },
      spec: { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'PERMISSIVE' } },
    }),
  'no-secret-data': (b) =>
    b.extra.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'api' }, stringData: { username: 'app' } }),
  'no-automount-service-account-token': (b) => (b.serviceAccount.automountServiceAccountToken = true),
  'rbac-no-wildcards': (b) => (b.role.rules[0].verbs = ['*']),
};

describe('each policy', () => {
  it('has a violating fixture', () => {
    expect(Object.keys(VIOLATIONS).sort()).toEqual(POLICIES.map((p) => p.id).sort());
  });

  for (const [policy, mutate] of Object.entries(VIOLATIONS)) {
    it(`${policy}: reports the violation, with object, path, message and hint`, () => {
      const { findings } = run(mutate);
      expect(findings.map((f) => f.rule)).toEqual([policy]);
      const [finding] = findings;
      expect(finding).toMatchObject({ check: 'policy', severity: 'error', cluster: 'dev' });
      expect(finding.object).toMatch(/^[A-Za-z]+\//);
      expect(finding.file).toMatch(/^dist\/dev\/[a-z]+\/manifests\/[a-z]+-[a-z-]+\.yaml$/);
      expect(finding.path).toBeTruthy();
      expect(finding.message).toContain(finding.object);
      expect(finding.hint).toBe(POLICIES.find((p) => p.id === policy)?.fix);
    });
  }
});
