import { describe, expect, it } from 'vitest';
import { unpinnedImage } from '@platform/core/images';
import { checkPolicies, POLICIES, selectorMatches } from './policies';
import { componentJson, devContext, distComponent } from './test-helpers';
import type { ValidateContext } from './types';

// ---------------------------------------------------------------------------------------------
// A cluster that passes every policy; each test breaks exactly one thing.

type Obj = Record<string, any>;

function container(name: string): Record<string, any> {
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

function baseline() {
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
type Baseline = ReturnType<typeof baseline>;

function contextOf(b: Baseline): ValidateContext {
  return devContext([
    distComponent('dev', 'namespaces', [b.namespace, b.denyAll]),
    distComponent('dev', 'istio', [b.mesh], { json: componentJson('dev', 'istio', { namespace: 'istio-system' }) }),
    distComponent('dev', 'api', [b.serviceAccount, b.deployment, b.pdb, b.role, ...b.extra]),
  ]);
}

function run(mutate: (b: Baseline) => void = () => {}) {
  const b = baseline();
  mutate(b);
  return checkPolicies(contextOf(b));
}

const pod = (b: Baseline) => b.deployment.spec.template.spec;
const app = (b: Baseline) => pod(b).containers[0];
const rules = (result: ReturnType<typeof checkPolicies>) => result.findings.map((f) => f.rule);

// ---------------------------------------------------------------------------------------------

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

describe('messages', () => {
  it('name the container, the field, the value and what is allowed', () => {
    const { findings } = run((b) => (app(b).securityContext.seccompProfile = { type: 'Unconfined' }));
    expect(findings.map((f) => f.path)).toEqual(['spec.template.spec.containers[0].securityContext.seccompProfile.type']);
    expect(findings[0].message).toBe(
      'Deployment/api/api container "api": securityContext.seccompProfile.type is "Unconfined"; allowed: "RuntimeDefault", "Localhost"',
    );
  });

  it('report a pod-level setting once, naming the containers that inherit it', () => {
    const { findings } = run((b) => {
      delete pod(b).securityContext.runAsNonRoot;
      pod(b).initContainers[0].securityContext.runAsNonRoot = true;
    });
    expect(findings.map((f) => [f.rule, f.path])).toEqual([['run-as-non-root', 'spec.template.spec.securityContext.runAsNonRoot']]);
    expect(findings[0].message).toBe(
      'Deployment/api/api: pod securityContext.runAsNonRoot is not set and containers "api" do not set it; must be true',
    );
  });

  it('name each container a setting is missing from', () => {
    const { findings } = run((b) => delete pod(b).initContainers[0].securityContext.capabilities);
    expect(findings.map((f) => f.message)).toEqual([
      'Deployment/api/api init container "migrate": capabilities.drop is not set; must contain "ALL"',
    ]);
  });
});

describe('passing alternatives', () => {
  const passes = (mutate: (b: Baseline) => void) => expect(run(mutate).findings).toEqual([]);

  it('runAsNonRoot and seccomp set per container instead of on the pod; Localhost profile', () =>
    passes((b) => {
      delete pod(b).securityContext;
      for (const c of [...pod(b).containers, ...pod(b).initContainers]) {
        Object.assign(c.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } });
      }
    }));

  it('an image pinned by digest, a registry with a port', () =>
    passes((b) => {
      app(b).image = `registry.local:5000/api@sha256:${'a'.repeat(64)}`;
      pod(b).initContainers[0].image = 'registry.local:5000/tools/migrate:2024.1';
    }));

  it('NET_BIND_SERVICE added back after dropping ALL', () =>
    passes((b) => (app(b).securityContext.capabilities.add = ['NET_BIND_SERVICE'])));

  it('podAntiAffinity instead of topologySpreadConstraints', () =>
    passes((b) => {
      delete pod(b).topologySpreadConstraints;
      pod(b).affinity = {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } }],
        },
      };
    }));

  it('a single replica needs neither PDB nor spread', () =>
    passes((b) => {
      b.deployment.spec.replicas = 1;
      b.pdb.metadata.name = 'unrelated';
      b.pdb.spec.selector = { matchLabels: { x: 'y' } };
      delete pod(b).topologySpreadConstraints;
    }));

  it('a PDB selecting by matchExpressions; a PDB in the component namespace without metadata.namespace', () =>
    passes((b) => {
      delete b.pdb.metadata.namespace; // the api component's namespace is "api"
      b.pdb.spec.selector = { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['api', 'web'] }] };
    }));

  it('pod automount unset when its ServiceAccount, rendered here, sets false', () =>
    passes((b) => delete pod(b).automountServiceAccountToken));

  it('a namespace-wide STRICT PeerAuthentication without a mesh-wide one; istio.io/rev label', () =>
    passes((b) => {
      b.namespace.metadata.labels = { 'istio.io/rev': 'stable' };
      b.mesh.metadata.namespace = 'api';
    }));

  it('a workload-scoped PERMISSIVE PeerAuthentication does not weaken the namespace', () =>
    passes((b) =>
      b.extra.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'db', namespace: 'api' },
        spec: { selector: { matchLabels: { 'cnpg.io/cluster': 'db' } }, mtls: { mode: 'PERMISSIVE' } },
      }),
    ));

  it('an unmeshed namespace needs no PeerAuthentication', () =>
    passes((b) => {
      b.namespace.metadata.labels = {};
      b.mesh.spec.mtls.mode = 'DISABLE';
    }));

  it('a Secret without data (filled by an operator)', () =>
    passes((b) => b.extra.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'api' }, type: 'Opaque' })));

  it('a CronJob: no probes required for run-to-completion pods, no PDB', () =>
    passes((b) => {
      const spec = structuredClone(pod(b));
      delete spec.containers[0].livenessProbe;
      delete spec.containers[0].readinessProbe;
      b.extra.push({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'backup', namespace: 'api' },
        spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec } } } },
      });
    }));
});

describe('workload kinds and edge cases', () => {
  it('checks bare Pods, Jobs, DaemonSets and StatefulSets', () => {
    const { findings } = run((b) => {
      const spec = { containers: [{ name: 'x', image: 'busybox' }] };
      b.extra.push(
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'api' }, spec },
        { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'api' }, spec: { template: { spec } } },
        { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', namespace: 'api' }, spec: { template: { spec } } },
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 's', namespace: 'api' },
          spec: { replicas: 3, template: { metadata: { labels: { s: 's' } }, spec } },
        },
      );
    });
    const objects = new Set(findings.map((f) => f.object));
    expect(objects).toEqual(new Set(['Pod/api/p', 'Job/api/j', 'DaemonSet/api/d', 'StatefulSet/api/s']));
    const forObject = (o: string) => new Set(findings.filter((f) => f.object === o).map((f) => f.rule));
    expect(forObject('Job/api/j').has('liveness-probe')).toBe(false);
    expect(forObject('Pod/api/p').has('liveness-probe')).toBe(true);
    expect(forObject('StatefulSet/api/s')).toContain('pod-disruption-budget');
    expect(forObject('StatefulSet/api/s')).toContain('spread-replicas');
    expect(forObject('DaemonSet/api/d').has('pod-disruption-budget')).toBe(false);
  });

  it('counts an HPA minReplicas > 1 as a replicated workload', () => {
    const { findings } = run((b) => {
      b.deployment.spec.replicas = 1;
      delete b.pdb.spec.selector;
      b.extra.push({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'api', namespace: 'api' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 5 },
      });
    });
    expect(rules({ findings, exemptions: [] })).toEqual(['pod-disruption-budget']);
    expect(findings[0].message).toContain('2 replicas');
  });

  it('a PDB in another namespace does not count', () => {
    expect(rules(run((b) => (b.pdb.metadata.namespace = 'other')))).toEqual(['pod-disruption-budget']);
  });

  it('a pod spec with automount unset and a ServiceAccount that is not rendered here', () => {
    const { findings } = run((b) => {
      delete pod(b).automountServiceAccountToken;
      pod(b).serviceAccountName = 'elsewhere';
    });
    expect(findings.map((f) => [f.rule, f.path])).toEqual([
      ['no-automount-service-account-token', 'spec.template.spec.automountServiceAccountToken'],
    ]);
  });

  it('a namespace PeerAuthentication overrides a STRICT mesh-wide one', () => {
    const result = run((b) =>
      b.extra.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'default', namespace: 'api' },
        spec: { mtls: { mode: 'PERMISSIVE' } },
      }),
    );
    expect(rules(result)).toEqual(['mesh-mtls-strict']);
    expect(result.findings[0].message).toContain('"PERMISSIVE"');
  });

  it('a missing mesh-wide PeerAuthentication is reported on the Namespace', () => {
    const { findings } = run((b) => (b.mesh.metadata.namespace = 'somewhere'));
    expect(findings.map((f) => [f.rule, f.object])).toEqual([['mesh-mtls-strict', 'Namespace/api']]);
  });

  it('a default-deny policy must deny both directions', () => {
    expect(rules(run((b) => (b.denyAll.spec.policyTypes = ['Ingress'])))).toEqual(['namespace-default-deny']);
    expect(rules(run((b) => (b.denyAll.spec.podSelector = { matchLabels: { a: 'b' } })))).toEqual(['namespace-default-deny']);
  });

  it('a Secret with data is an error that names the keys, never the values', () => {
    const key = ['pass', 'word'].join('');
    const encoded = Buffer.from('not-a-real-value').toString('base64');
    const { findings } = run((b) =>
      b.extra.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'api' }, data: { [key]: encoded } }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'no-secret-data', path: 'data', object: 'Secret/api/db' });
    expect(findings[0].message).toContain(`"${key}"`);
    expect(findings[0].message).not.toContain(encoded);
  });

  it('RBAC wildcards in apiGroups and resources of ClusterRoles too', () => {
    const { findings } = run((b) =>
      b.extra.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'x' },
        rules: [{ apiGroups: ['*'], resources: ['pods/*'], verbs: ['get'] }],
      }),
    );
    expect(findings.map((f) => f.path)).toEqual(['rules[0].apiGroups', 'rules[0].resources']);
  });

  it('unpinnedImage', () => {
    expect(unpinnedImage('nginx')).toMatch(/has no tag/);
    expect(unpinnedImage('localhost:5000/nginx')).toMatch(/has no tag/);
    expect(unpinnedImage('nginx:latest')).toMatch(/"latest"/);
    expect(unpinnedImage(undefined)).toMatch(/required/);
    expect(unpinnedImage('nginx:1.27.0')).toBeUndefined();
  });

  it('selectorMatches follows Kubernetes semantics', () => {
    const labels = { app: 'api', tier: 'web' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches(null, labels)).toBe(false);
    expect(
      selectorMatches({ matchLabels: { app: 'api' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, labels),
    ).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
  });
});

describe('exemptions', () => {
  const exempt = (b: Baseline, annotations: Record<string, string>) => {
    b.deployment.metadata.annotations = annotations;
    app(b).securityContext.readOnlyRootFilesystem = false;
  };

  it('a valid exemption waives the policy on that object and is listed', () => {
    const result = run((b) =>
      exempt(b, { 'policy.platform/exempt-read-only-root-filesystem': 'the image writes its cache to /var/lib/app' }),
    );
    expect(result.findings).toEqual([]);
    expect(result.exemptions).toEqual([
      {
        cluster: 'dev',
        file: 'dist/dev/api/manifests/deployment-api.yaml',
        object: 'Deployment/api/api',
        policy: 'read-only-root-filesystem',
        reason: 'the image writes its cache to /var/lib/app',
      },
    ]);
  });

  it('an exemption without a reason is an error and waives nothing', () => {
    const result = run((b) => exempt(b, { 'policy.platform/exempt-read-only-root-filesystem': '  ' }));
    expect(rules(result).sort()).toEqual(['exemption-without-reason', 'read-only-root-filesystem']);
    expect(result.exemptions).toEqual([]);
    const finding = result.findings.find((f) => f.rule === 'exemption-without-reason');
    expect(finding?.path).toBe('metadata.annotations["policy.platform/exempt-read-only-root-filesystem"]');
  });

  it('an exemption naming an unknown policy is an error', () => {
    const result = run((b) => exempt(b, { 'policy.platform/exempt-read-only-rootfs': 'typo' }));
    expect(rules(result).sort()).toEqual(['read-only-root-filesystem', 'unknown-exemption']);
    expect(result.findings.find((f) => f.rule === 'unknown-exemption')?.message).toContain('"read-only-rootfs"');
  });

  it('no-secret-data cannot be exempted', () => {
    const result = run((b) =>
      b.extra.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'api', annotations: { 'policy.platform/exempt-no-secret-data': 'please' } },
        data: { a: 'Yg==' },
      }),
    );
    expect(rules(result).sort()).toEqual(['no-secret-data', 'unknown-exemption']);
  });

  it('an exemption on the pod template is reported as misplaced', () => {
    const result = run((b) => {
      app(b).securityContext.readOnlyRootFilesystem = false;
      b.deployment.spec.template.metadata.annotations = { 'policy.platform/exempt-read-only-root-filesystem': 'cache' };
    });
    expect(rules(result).sort()).toEqual(['misplaced-exemption', 'read-only-root-filesystem']);
  });

  it('an exemption the object does not need is a warning', () => {
    const result = run((b) => (b.deployment.metadata.annotations = { 'policy.platform/exempt-no-host-path': 'just in case' }));
    expect(result.findings.map((f) => [f.rule, f.severity])).toEqual([['unused-exemption', 'warning']]);
    expect(result.exemptions).toHaveLength(1);
  });

  it('namespace policies are exempted on the Namespace', () => {
    const result = run((b) => {
      b.denyAll.metadata.namespace = 'elsewhere';
      b.namespace.metadata.annotations = {
        'policy.platform/exempt-namespace-default-deny': 'Cilium clusterwide policies cover kube-system',
      };
    });
    expect(result.findings).toEqual([]);
    expect(result.exemptions.map((e) => e.object)).toEqual(['Namespace/api']);
  });
});
