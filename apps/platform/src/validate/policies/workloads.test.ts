import { describe, expect, it } from 'vitest';
import { unpinnedImage } from '@platform/core/images';
import { app, container, pod, rules, run, type Baseline } from './test-helpers';

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

describe('workload kinds', () => {
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

  it('unpinnedImage', () => {
    expect(unpinnedImage('nginx')).toMatch(/has no tag/);
    expect(unpinnedImage('localhost:5000/nginx')).toMatch(/has no tag/);
    expect(unpinnedImage('nginx:latest')).toMatch(/"latest"/);
    expect(unpinnedImage(undefined)).toMatch(/required/);
    expect(unpinnedImage('nginx:1.27.0')).toBeUndefined();
  });
});

describe('every workload kind, every kind of container', () => {
  const bare = { containers: [{ name: 'x', image: 'busybox' }] };

  it('checks all seven kinds with a pod template, and counts them', () => {
    const result = run((b) =>
      b.extra.push(
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'api' }, spec: bare },
        { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'api' }, spec: { template: { spec: bare } } },
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'c', namespace: 'api' },
          spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: bare } } } },
        },
        { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', namespace: 'api' }, spec: { template: { spec: bare } } },
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r', namespace: 'api' }, spec: { template: { spec: bare } } },
        { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', namespace: 'api' }, spec: { template: { spec: bare } } },
      ),
    );
    const objects = new Set(result.findings.map((f) => f.object));
    expect(objects).toEqual(
      new Set(['Pod/api/p', 'Job/api/j', 'CronJob/api/c', 'DaemonSet/api/d', 'ReplicaSet/api/r', 'StatefulSet/api/s']),
    );
    expect(result.findings.find((f) => f.object === 'CronJob/api/c' && f.rule === 'resource-limits')?.path).toBe(
      'spec.jobTemplate.spec.template.spec.containers[0].resources.limits',
    );
    expect(result.workloads).toEqual({
      dev: {
        total: 7,
        byKind: { CronJob: 1, DaemonSet: 1, Deployment: 1, Job: 1, Pod: 1, ReplicaSet: 1, StatefulSet: 1 },
        helmHooks: 0,
      },
    });
  });

  it('an init container without limits fails, naming the init container', () => {
    const { findings } = run((b) => delete pod(b).initContainers[0].resources.limits);
    expect(findings.map((f) => [f.rule, f.path, f.message])).toEqual([
      [
        'resource-limits',
        'spec.template.spec.initContainers[0].resources.limits',
        'Deployment/api/api init container "migrate": resources.limits has no cpu and memory; cpu and memory are required',
      ],
    ]);
  });

  it('init containers get the security context rules too, never probes', () => {
    const { findings } = run((b) => (pod(b).initContainers[0].securityContext.allowPrivilegeEscalation = true));
    expect(findings.map((f) => [f.rule, f.path])).toEqual([
      ['no-privilege-escalation', 'spec.template.spec.initContainers[0].securityContext.allowPrivilegeEscalation'],
    ]);
  });

  it('a Helm hook Job is checked for resources and security, not for probes, and counted as a hook', () => {
    const result = run((b) => {
      const spec = structuredClone(pod(b));
      const job = spec.containers[0];
      delete job.resources;
      delete job.livenessProbe;
      delete job.readinessProbe;
      b.extra.push({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: 'api-migrate',
          namespace: 'api',
          annotations: { 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation' },
        },
        spec: { template: { spec } },
      });
    });
    expect(rules(result).sort()).toEqual(['resource-limits', 'resource-requests']);
    expect(result.findings.every((f) => f.object === 'Job/api/api-migrate')).toBe(true);
    expect(result.workloads.dev).toMatchObject({ total: 2, helmHooks: 1 });
  });

  it('a native sidecar (init container with restartPolicy Always) of a long-running workload needs probes', () => {
    const { findings } = run((b) => {
      pod(b).initContainers.push({ ...container('proxy'), restartPolicy: 'Always', livenessProbe: undefined });
    });
    expect(findings.map((f) => [f.rule, f.path, f.message])).toEqual([
      [
        'liveness-probe',
        'spec.template.spec.initContainers[1].livenessProbe',
        'Deployment/api/api sidecar container "proxy": livenessProbe is not set; a probe is required',
      ],
    ]);
  });

  it('an ephemeral container gets the security rules but no resource or probe rules (Kubernetes forbids them)', () => {
    const { findings } = run((b) => {
      const spec = structuredClone(pod(b));
      spec.ephemeralContainers = [{ name: 'debug', image: 'busybox:1.37.0', securityContext: { privileged: true } }];
      b.extra.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'api' }, spec });
    });
    expect(findings.map((f) => f.rule).sort()).toEqual([
      'drop-all-capabilities',
      'no-privilege-escalation',
      'no-privileged-container',
      'read-only-root-filesystem',
    ]);
    expect(findings.every((f) => f.message.includes('ephemeral container "debug"'))).toBe(true);
  });

  it('a run-to-completion Pod (restartPolicy Never, e.g. a helm test) needs no probes', () => {
    const { findings } = run((b) => {
      const spec = structuredClone(pod(b));
      spec.restartPolicy = 'Never';
      delete spec.containers[0].livenessProbe;
      delete spec.containers[0].readinessProbe;
      b.extra.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-test', namespace: 'api' }, spec });
    });
    expect(findings).toEqual([]);
  });
});
