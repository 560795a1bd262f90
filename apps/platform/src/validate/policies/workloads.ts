/**
 * Workload policies: the pod spec and every container of each workload kind (Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod; ../workloads.ts says where each keeps its
 * pod spec): resources, probes, security context, pinned images, host namespaces, hostPath volumes.
 *
 * Which containers each rule covers:
 * - resources (requests and limits): containers, init containers and sidecars; not ephemeral
 *   containers (Kubernetes forbids resources on them);
 * - probes: containers and sidecars (init containers with `restartPolicy: Always`) of long-running
 *   workloads only; never Jobs, CronJobs (Helm hook Jobs included), run-to-completion Pods or init
 *   containers;
 * - security context and pinned image: every container, ephemeral ones included.
 */
import { unpinnedImage } from '@platform/core/images';
import { isRecord, type Json } from '../util';
import { asArray, asRecord, containersOf, getPath, isLongRunning, type ContainerRef, type Item } from '../workloads';
import { show, type ClusterScope } from './scope';

/** Checks the pod spec of one workload and each of its containers. */
export function checkPodSpec(scope: ClusterScope, item: Item, spec: Json, path: string): void {
  checkHostAccess(scope, item, spec, path);
  checkInherited(scope, item, spec, path);
  for (const container of containersOf(spec, path)) checkContainer(scope, item, spec, container);
}

function checkContainer(scope: ClusterScope, item: Item, podSpec: Json, ref: ContainerRef): void {
  const report = (policy: string, field: string, message: string) =>
    scope.report(item, policy, `${ref.path}.${field}`, `${describe(item, ref)}: ${message}`);
  const c = ref.container;
  const sc = asRecord(c.securityContext);
  const podSc = asRecord(podSpec.securityContext);

  for (const [policy, field] of [
    ['resource-requests', 'requests'],
    ['resource-limits', 'limits'],
  ] as const) {
    if (ref.role === 'ephemeral') break;
    const values = asRecord(getPath(c, ['resources', field]));
    const missing = ['cpu', 'memory'].filter((r) => values[r] === undefined || values[r] === '');
    if (missing.length > 0) {
      report(policy, `resources.${field}`, `resources.${field} has no ${missing.join(' and ')}; cpu and memory are required`);
    }
  }

  if ((ref.role === 'container' || ref.role === 'sidecar') && isLongRunning(item, podSpec)) {
    if (!isRecord(c.livenessProbe)) report('liveness-probe', 'livenessProbe', 'livenessProbe is not set; a probe is required');
    if (!isRecord(c.readinessProbe)) report('readiness-probe', 'readinessProbe', 'readinessProbe is not set; a probe is required');
  }

  for (const rule of INHERITED) {
    const own = getPath(sc, rule.field);
    if (own !== undefined && !rule.ok(own))
      report(
        rule.policy,
        `securityContext.${rule.field.join('.')}`,
        `securityContext.${rule.field.join('.')} is ${show(own)}; ${rule.allowed}`,
      );
  }
  const user = sc.runAsUser ?? podSc.runAsUser;
  if (user === 0) report('run-as-non-root', 'securityContext.runAsUser', 'runAsUser is 0 (root); use a non-zero UID');

  if (sc.allowPrivilegeEscalation !== false) {
    report(
      'no-privilege-escalation',
      'securityContext.allowPrivilegeEscalation',
      `allowPrivilegeEscalation is ${show(sc.allowPrivilegeEscalation)}; must be false`,
    );
  }
  if (sc.privileged === true) report('no-privileged-container', 'securityContext.privileged', 'privileged is true; must be false or unset');

  checkCapabilities(report, asRecord(sc.capabilities));

  if (sc.readOnlyRootFilesystem !== true) {
    report(
      'read-only-root-filesystem',
      'securityContext.readOnlyRootFilesystem',
      `readOnlyRootFilesystem is ${show(sc.readOnlyRootFilesystem)}; must be true`,
    );
  }

  const imageProblem = unpinnedImage(c.image);
  if (imageProblem) report('pinned-image-tag', 'image', imageProblem);
}

/** Settings a container inherits from the pod securityContext when it does not set them itself. */
const INHERITED: readonly { policy: string; field: readonly string[]; ok: (value: unknown) => boolean; allowed: string }[] = [
  { policy: 'run-as-non-root', field: ['runAsNonRoot'], ok: (v) => v === true, allowed: 'must be true' },
  {
    policy: 'seccomp-runtime-default',
    field: ['seccompProfile', 'type'],
    ok: (v) => v === 'RuntimeDefault' || v === 'Localhost',
    allowed: 'allowed: "RuntimeDefault", "Localhost"',
  },
];

/** One finding on the pod securityContext for all containers that inherit a bad or missing value. */
function checkInherited(scope: ClusterScope, item: Item, spec: Json, path: string): void {
  const containers = containersOf(spec, path);
  for (const rule of INHERITED) {
    const inheriting = containers.filter((c) => getPath(c.container.securityContext, rule.field) === undefined);
    const podValue = getPath(spec.securityContext, rule.field);
    if (inheriting.length === 0 || rule.ok(podValue)) continue;
    const field = `securityContext.${rule.field.join('.')}`;
    const names = inheriting.map((c) => JSON.stringify(c.name)).join(', ');
    scope.report(
      item,
      rule.policy,
      `${path}.${field}`,
      `${item.ref}: pod ${field} is ${show(podValue)} and containers ${names} do not set it; ${rule.allowed}`,
    );
  }
}

function checkCapabilities(report: (policy: string, field: string, message: string) => void, caps: Json): void {
  const drop = asArray(caps.drop);
  if (!drop.some((c) => typeof c === 'string' && c.toUpperCase() === 'ALL')) {
    report('drop-all-capabilities', 'securityContext.capabilities.drop', `capabilities.drop is ${show(caps.drop)}; must contain "ALL"`);
  }
  const added = asArray(caps.add).filter((c) => c !== 'NET_BIND_SERVICE');
  if (added.length > 0) {
    report(
      'drop-all-capabilities',
      'securityContext.capabilities.add',
      `capabilities.add has ${show(added)}; only "NET_BIND_SERVICE" may be added`,
    );
  }
}

function checkHostAccess(scope: ClusterScope, item: Item, spec: Json, path: string): void {
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[field] === true) {
      scope.report(item, 'no-host-namespaces', `${path}.${field}`, `${item.ref}: ${field} is true; must be false or unset`);
    }
  }
  asArray(spec.volumes).forEach((volume, index) => {
    if (isRecord(volume) && volume.hostPath !== undefined) {
      const hostPath = getPath(volume, ['hostPath', 'path']);
      scope.report(
        item,
        'no-host-path',
        `${path}.volumes[${index}].hostPath`,
        `${item.ref}: volume ${show(volume.name)} mounts hostPath ${show(hostPath)}; hostPath volumes are not allowed`,
      );
    }
  });
}

const ROLE_NAMES: Record<ContainerRef['role'], string> = {
  container: 'container',
  init: 'init container',
  sidecar: 'sidecar container',
  ephemeral: 'ephemeral container',
};

function describe(item: Item, ref: ContainerRef): string {
  return `${item.ref} ${ROLE_NAMES[ref.role]} ${JSON.stringify(ref.name)}`;
}
