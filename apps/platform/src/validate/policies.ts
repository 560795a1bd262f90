/**
 * Platform policy rules over the objects in dist/ (SPEC.md, first paragraph: what every workload we
 * own runs with; DESIGN.md, Validation). Modelled on the Polaris checks in ../shared/audit/ but
 * stricter where the platform is (errors, not warnings; seccomp and dropped capabilities both
 * required).
 *
 * Scope: only objects present in dist manifests. Upstream Helm charts are rendered by Argo CD at
 * sync time, so their pods are not evaluated here; their hardening comes from the typed values
 * (and the chart's own schema check), not from this module.
 *
 * Exemptions: annotation `policy.platform/exempt-<policy-id>: "<reason>"` on the object concerned
 * (for workload policies: the Deployment/StatefulSet/DaemonSet/Job/CronJob/Pod itself; for
 * namespace policies: the Namespace). Every valid exemption is returned so `validate` lists it.
 */
import type { DistObject, Exemption, Finding, Severity, ValidateContext } from './types';
import { EXEMPTION_PREFIX } from './types';
import { unpinnedImage } from '@platform/core/images';
import { isRecord, showValue, type Json } from './util';
import {
  allItems,
  asArray,
  asRecord,
  containersOf,
  getPath,
  podLabelsOf,
  podSpecOf,
  templateMetadataPath,
  type ContainerRef,
  type Item,
} from './workloads';

export interface Policy {
  readonly id: string;
  /** Why the platform requires it, one line. */
  readonly rationale: string;
  /** How to fix a violation, one line. */
  readonly fix: string;
  readonly severity: Severity;
  /** False when no annotation can waive the policy. */
  readonly exemptable: boolean;
}

export const POLICIES = [
  {
    id: 'resource-requests',
    rationale: 'Without cpu and memory requests the scheduler packs pods blindly and evictions hit them first.',
    fix: 'Set resources.requests.cpu and resources.requests.memory on every container and init container.',
  },
  {
    id: 'resource-limits',
    rationale: 'Without cpu and memory limits one pod can starve its node neighbours.',
    fix: 'Set resources.limits.cpu and resources.limits.memory on every container and init container.',
  },
  {
    id: 'liveness-probe',
    rationale: 'Without a liveness probe a hung process keeps its pod Running forever.',
    fix: 'Add livenessProbe to every container of long-running workloads (Jobs and CronJobs are not checked).',
  },
  {
    id: 'readiness-probe',
    rationale: 'Without a readiness probe traffic and rollouts reach pods before they can serve.',
    fix: 'Add readinessProbe to every container of long-running workloads (Jobs and CronJobs are not checked).',
  },
  {
    id: 'run-as-non-root',
    rationale: 'A process running as root turns any container escape into root on the node (PSS restricted).',
    fix: 'Set securityContext.runAsNonRoot: true on the pod or on every container, and never runAsUser: 0.',
  },
  {
    id: 'no-privilege-escalation',
    rationale: 'setuid binaries must not gain more privileges than their parent (PSS restricted).',
    fix: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
  },
  {
    id: 'no-privileged-container',
    rationale: 'A privileged container has every capability and all host devices (PSS baseline).',
    fix: 'Remove securityContext.privileged: true, or exempt the workload with the reason it needs the host.',
  },
  {
    id: 'drop-all-capabilities',
    rationale: 'Default Linux capabilities (NET_RAW, ...) are rarely needed and widen the attack surface (PSS restricted).',
    fix: 'Set securityContext.capabilities.drop: [ALL] on every container; add back only NET_BIND_SERVICE.',
  },
  {
    id: 'seccomp-runtime-default',
    rationale: 'Without a seccomp profile every syscall is allowed (PSS restricted).',
    fix: 'Set securityContext.seccompProfile.type: RuntimeDefault (or Localhost) on the pod or every container.',
  },
  {
    id: 'read-only-root-filesystem',
    rationale: 'A writable root filesystem lets an attacker persist tools inside the container.',
    fix: 'Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes where the image writes.',
  },
  {
    id: 'pinned-image-tag',
    rationale: 'A missing or `latest` tag makes two syncs of the same commit run different code.',
    fix: 'Reference images by an exact version tag (image:1.2.3) or a digest (image@sha256:...).',
  },
  {
    id: 'no-host-namespaces',
    rationale: "Sharing the host's network, PID or IPC namespace breaks pod isolation (PSS baseline).",
    fix: 'Remove hostNetwork/hostPID/hostIPC: true, or exempt the workload with the reason it needs the host.',
  },
  {
    id: 'no-host-path',
    rationale: 'hostPath volumes expose the node filesystem to the pod (PSS baseline).',
    fix: 'Use emptyDir, a PersistentVolumeClaim, a projected volume or a CSI volume instead of hostPath.',
  },
  {
    id: 'pod-disruption-budget',
    rationale: 'A workload with more than one replica needs a PodDisruptionBudget or a node drain can take all replicas at once.',
    fix: 'Add a PodDisruptionBudget in the same namespace whose selector matches the pod template labels.',
  },
  {
    id: 'spread-replicas',
    rationale: 'Replicas that may land on one node (or one zone) fail together.',
    fix: 'Add topologySpreadConstraints (or podAntiAffinity) over kubernetes.io/hostname (dev) or topology.kubernetes.io/zone (prod).',
  },
  {
    id: 'namespace-default-deny',
    rationale: 'Every namespace starts from deny-all so only the traffic we declare flows.',
    fix: 'Add a NetworkPolicy in the namespace with podSelector: {}, policyTypes: [Ingress, Egress] and no rules.',
  },
  {
    id: 'mesh-mtls-strict',
    rationale: 'A meshed namespace that accepts plaintext lets any pod bypass mTLS identity and AuthorizationPolicies.',
    fix: 'Add a STRICT PeerAuthentication without selector in istio-system (mesh-wide) or in the namespace.',
  },
  {
    id: 'no-secret-data',
    rationale: 'Secret values never live in git; they come from Vault through the Vault Secrets Operator.',
    fix: 'Remove the Secret (or its data/stringData) and deliver the value with a VaultStaticSecret or similar.',
    exemptable: false,
  },
  {
    id: 'no-automount-service-account-token',
    rationale: 'A mounted API token is a credential every compromised pod gets for free.',
    fix: 'Set automountServiceAccountToken: false on the ServiceAccount and the pod spec; exempt pods that call the API.',
  },
  {
    id: 'rbac-no-wildcards',
    rationale: 'Wildcards in RBAC grant every current and future verb, resource or API group.',
    fix: 'List the exact apiGroups, resources and verbs the subject needs.',
  },
].map((p): Policy => ({ severity: 'error', exemptable: true, ...p }));

/** A value for a message; "not set" when absent. */
function show(value: unknown): string {
  return value === undefined ? 'not set' : showValue(value);
}

const POLICY_BY_ID = new Map(POLICIES.map((p) => [p.id, p]));

/** A policy violation before exemptions are applied. */
interface Violation {
  readonly item: Item;
  readonly policy: string;
  readonly path: string;
  readonly message: string;
}

/** Everything a policy needs: the items of one cluster and a way to report. */
interface ClusterScope {
  readonly items: readonly Item[];
  readonly report: (item: Item, policy: string, path: string, message: string) => void;
}

export function checkPolicies(ctx: ValidateContext): { findings: Finding[]; exemptions: Exemption[] } {
  const violations: Violation[] = [];
  const items = allItems(ctx);
  for (const cluster of ctx.clusters) {
    const scope: ClusterScope = {
      items: items.filter((item) => item.component.cluster === cluster.name),
      report: (item, policy, path, message) => violations.push({ item, policy, path, message }),
    };
    checkWorkloads(scope);
    checkNamespaces(scope);
    checkSecrets(scope);
    checkServiceAccounts(scope);
    checkRbac(scope);
  }
  const result = applyExemptions(items, violations);
  return { findings: [...result.findings, ...items.flatMap(misplacedExemptions)], exemptions: result.exemptions };
}

// ---------------------------------------------------------------------------------------------
// Workloads

const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod']);
const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

function checkWorkloads(scope: ClusterScope): void {
  for (const item of scope.items) {
    const pod = podSpecOf(item);
    if (!pod) continue;
    checkPodSpec(scope, item, pod.spec, pod.path);
    checkInherited(scope, item, pod.spec, pod.path);
    for (const container of containersOf(pod.spec, pod.path)) {
      checkContainer(scope, item, pod.spec, container);
    }
    checkReplicated(scope, item, pod.spec, pod.path);
  }
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
    const values = asRecord(getPath(c, ['resources', field]));
    const missing = ['cpu', 'memory'].filter((r) => values[r] === undefined || values[r] === '');
    if (missing.length > 0) {
      report(policy, `resources.${field}`, `resources.${field} has no ${missing.join(' and ')}; cpu and memory are required`);
    }
  }

  if (!ref.init && LONG_RUNNING.has(item.kind)) {
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

/** Why an image reference is not pinned, or undefined when it is. */

function checkPodSpec(scope: ClusterScope, item: Item, spec: Json, path: string): void {
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
  checkPodAutomount(scope, item, spec, path);
}

/** PDB and spread for workloads that run more than one replica (Deployments, StatefulSets). */
function checkReplicated(scope: ClusterScope, item: Item, spec: Json, path: string): void {
  if (!SCALABLE.has(item.kind)) return;
  const replicas = effectiveReplicas(scope, item);
  if (replicas <= 1) return;
  const labels = podLabelsOf(item);
  const hasPdb = scope.items.some(
    (pdb) =>
      pdb.kind === 'PodDisruptionBudget' &&
      pdb.namespace === item.namespace &&
      selectorMatches(getPath(pdb.object, ['spec', 'selector']), labels),
  );
  if (!hasPdb) {
    scope.report(
      item,
      'pod-disruption-budget',
      'spec.replicas',
      `${item.ref}: ${replicas} replicas and no PodDisruptionBudget in namespace ${show(item.namespace)} selects its pod labels ${show(labels)}`,
    );
  }
  const spread = asArray(spec.topologySpreadConstraints).length > 0;
  const anti = asRecord(getPath(spec, ['affinity', 'podAntiAffinity']));
  const antiAffinity =
    asArray(anti.requiredDuringSchedulingIgnoredDuringExecution).length > 0 ||
    asArray(anti.preferredDuringSchedulingIgnoredDuringExecution).length > 0;
  if (!spread && !antiAffinity) {
    scope.report(
      item,
      'spread-replicas',
      `${path}.topologySpreadConstraints`,
      `${item.ref}: ${replicas} replicas with neither topologySpreadConstraints nor affinity.podAntiAffinity`,
    );
  }
}

/** spec.replicas (default 1), raised to the minReplicas of an HPA that scales the workload. */
function effectiveReplicas(scope: ClusterScope, item: Item): number {
  const replicas = getPath(item.object, ['spec', 'replicas']);
  let result = typeof replicas === 'number' ? replicas : 1;
  for (const hpa of scope.items) {
    if (hpa.kind !== 'HorizontalPodAutoscaler' || hpa.namespace !== item.namespace) continue;
    const target = asRecord(getPath(hpa.object, ['spec', 'scaleTargetRef']));
    const min = getPath(hpa.object, ['spec', 'minReplicas']);
    if (target.kind === item.kind && target.name === item.name) result = Math.max(result, typeof min === 'number' ? min : 1);
  }
  return result;
}

/** Kubernetes label selector semantics (policy/v1: an empty selector selects every pod; null none). */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isRecord(selector)) return false;
  const matchLabels = asRecord(selector.matchLabels);
  if (!Object.entries(matchLabels).every(([key, value]) => labels[key] === value)) return false;
  return asArray(selector.matchExpressions).every((expr) => {
    const { key, operator } = asRecord(expr);
    const values = asArray(asRecord(expr).values);
    const has = typeof key === 'string' && key in labels;
    const value = typeof key === 'string' ? labels[key] : undefined;
    switch (operator) {
      case 'In':
        return has && values.includes(value);
      case 'NotIn':
        return !has || !values.includes(value);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

/**
 * Pod specs must not mount the API token: `automountServiceAccountToken: false` on the pod, or left
 * unset when the ServiceAccount it runs as is rendered here with `false` (Kubernetes inherits it).
 */
function checkPodAutomount(scope: ClusterScope, item: Item, spec: Json, path: string): void {
  const podValue = spec.automountServiceAccountToken;
  if (podValue === false) return;
  const saName = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : 'default';
  if (podValue === undefined) {
    const sa = scope.items.find((sa) => sa.kind === 'ServiceAccount' && sa.name === saName && sa.namespace === item.namespace);
    if (sa && sa.object.automountServiceAccountToken === false) return;
  }
  scope.report(
    item,
    'no-automount-service-account-token',
    `${path}.automountServiceAccountToken`,
    `${item.ref}: automountServiceAccountToken is ${show(podValue)} and ServiceAccount ${JSON.stringify(saName)} does not set it to false here; must be false`,
  );
}

function describe(item: Item, ref: ContainerRef): string {
  return `${item.ref} ${ref.init ? 'init container' : 'container'} ${JSON.stringify(ref.name)}`;
}

// ---------------------------------------------------------------------------------------------
// Namespaces: default-deny NetworkPolicy and STRICT mTLS for meshed ones

const MESH_ROOT_NAMESPACE = 'istio-system';

function checkNamespaces(scope: ClusterScope): void {
  for (const ns of scope.items.filter((item) => item.kind === 'Namespace')) {
    const denyAll = scope.items.some((np) => np.kind === 'NetworkPolicy' && np.namespace === ns.name && isDefaultDeny(np.object));
    if (!denyAll) {
      scope.report(
        ns,
        'namespace-default-deny',
        'metadata.name',
        `${ns.ref}: no default-deny NetworkPolicy in namespace ${JSON.stringify(ns.name)} (podSelector {}, policyTypes [Ingress, Egress], no ingress/egress rules)`,
      );
    }
    if (isMeshed(ns.object)) checkMtls(scope, ns);
  }
}

export function isDefaultDeny(np: Json): boolean {
  const spec = asRecord(np.spec);
  const selector = asRecord(spec.podSelector);
  const selectsAll =
    isRecord(spec.podSelector) &&
    Object.keys(asRecord(selector.matchLabels)).length === 0 &&
    asArray(selector.matchExpressions).length === 0;
  const types = asArray(spec.policyTypes);
  return (
    selectsAll &&
    types.includes('Ingress') &&
    types.includes('Egress') &&
    asArray(spec.ingress).length === 0 &&
    asArray(spec.egress).length === 0
  );
}

function isMeshed(ns: Json): boolean {
  const labels = asRecord(getPath(ns, ['metadata', 'labels']));
  return (
    labels['istio-injection'] === 'enabled' || typeof labels['istio.io/rev'] === 'string' || labels['istio.io/dataplane-mode'] === 'ambient'
  );
}

/**
 * Istio semantics: a namespace-wide PeerAuthentication (no selector) overrides the mesh-wide one
 * (no selector, in the root namespace); mode UNSET or absent inherits from the mesh-wide one.
 */
function checkMtls(scope: ClusterScope, ns: Item): void {
  const wide = (namespace: string) =>
    scope.items.filter((pa) => pa.kind === 'PeerAuthentication' && pa.namespace === namespace && !hasSelector(pa.object));
  const modeOf = (pa: Item | undefined) => getPath(pa?.object, ['spec', 'mtls', 'mode']);

  const own = ns.name === MESH_ROOT_NAMESPACE ? undefined : wide(ns.name)[0];
  const ownMode = modeOf(own);
  if (own && ownMode !== undefined && ownMode !== 'UNSET') {
    if (ownMode === 'STRICT') return;
    scope.report(
      ns,
      'mesh-mtls-strict',
      'metadata.labels',
      `${ns.ref}: meshed namespace, and ${own.ref} sets mtls.mode ${show(ownMode)}; must be "STRICT"`,
    );
    return;
  }
  const mesh = wide(MESH_ROOT_NAMESPACE)[0];
  if (modeOf(mesh) === 'STRICT') return;
  const found = mesh ? `${mesh.ref} has mtls.mode ${show(modeOf(mesh))}` : `no mesh-wide PeerAuthentication in ${MESH_ROOT_NAMESPACE}`;
  scope.report(
    ns,
    'mesh-mtls-strict',
    'metadata.labels',
    `${ns.ref}: meshed namespace not covered by a STRICT PeerAuthentication (${found}, none namespace-wide)`,
  );
}

function hasSelector(pa: Json): boolean {
  const selector = getPath(pa, ['spec', 'selector']);
  return isRecord(selector) && Object.keys(asRecord(selector.matchLabels)).length > 0;
}

// ---------------------------------------------------------------------------------------------
// Secrets, ServiceAccounts, RBAC

function checkSecrets(scope: ClusterScope): void {
  for (const item of scope.items.filter((i) => i.kind === 'Secret')) {
    for (const field of ['data', 'stringData'] as const) {
      const keys = Object.keys(asRecord(item.object[field]));
      if (keys.length > 0) {
        scope.report(item, 'no-secret-data', field, `${item.ref}: ${field} holds ${show(keys)}; Secrets in dist must carry no values`);
      }
    }
  }
}

function checkServiceAccounts(scope: ClusterScope): void {
  for (const item of scope.items.filter((i) => i.kind === 'ServiceAccount')) {
    const value = item.object.automountServiceAccountToken;
    if (value !== false) {
      scope.report(
        item,
        'no-automount-service-account-token',
        'automountServiceAccountToken',
        `${item.ref}: automountServiceAccountToken is ${show(value)}; must be false`,
      );
    }
  }
}

function checkRbac(scope: ClusterScope): void {
  for (const item of scope.items.filter((i) => i.kind === 'Role' || i.kind === 'ClusterRole')) {
    asArray(item.object.rules).forEach((rule, index) => {
      for (const field of ['apiGroups', 'resources', 'verbs'] as const) {
        const wild = asArray(asRecord(rule)[field]).filter((v) => typeof v === 'string' && v.includes('*'));
        if (wild.length > 0) {
          scope.report(
            item,
            'rbac-no-wildcards',
            `rules[${index}].${field}`,
            `${item.ref}: rules[${index}].${field} contains ${show(wild)}; list exact ${field}`,
          );
        }
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Exemptions

interface ParsedExemptions {
  readonly valid: Exemption[];
  readonly findings: Finding[];
}

function parseExemptions(item: Item): ParsedExemptions {
  const valid: Exemption[] = [];
  const findings: Finding[] = [];
  const annotations = asRecord(getPath(item.object, ['metadata', 'annotations']));
  for (const [key, raw] of Object.entries(annotations)) {
    if (!key.startsWith(EXEMPTION_PREFIX)) continue;
    const id = key.slice(EXEMPTION_PREFIX.length);
    const path = `metadata.annotations["${key}"]`;
    const policy = POLICY_BY_ID.get(id);
    const reason = typeof raw === 'string' ? raw.trim() : '';
    const fail = (rule: string, message: string, hint: string) =>
      findings.push(finding(item.source, item.ref, rule, 'error', path, `${item.ref}: ${message}`, hint));
    if (!policy) {
      fail(
        'unknown-exemption',
        `exemption names unknown policy ${JSON.stringify(id)}`,
        `Known policy ids: ${POLICIES.map((p) => p.id).join(', ')}.`,
      );
    } else if (!policy.exemptable) {
      fail('unknown-exemption', `policy ${JSON.stringify(id)} cannot be exempted`, policy.fix);
    } else if (reason === '') {
      fail(
        'exemption-without-reason',
        `exemption of ${JSON.stringify(id)} has no reason (value ${show(raw)})`,
        'Write why the object needs the exemption as the annotation value.',
      );
    } else {
      valid.push({ cluster: item.component.cluster, file: item.source.file, object: item.ref, policy: id, reason });
    }
  }
  return { valid, findings };
}

/** Exemption annotations on a pod template are ignored by design: say so instead of silently. */
function misplacedExemptions(item: Item): Finding[] {
  if (!podSpecOf(item) || item.kind === 'Pod') return [];
  const metaPath = templateMetadataPath(item.kind);
  const annotations = asRecord(getPath(item.object, [...metaPath, 'annotations']));
  return Object.keys(annotations)
    .filter((key) => key.startsWith(EXEMPTION_PREFIX))
    .map((key) =>
      finding(
        item.source,
        item.ref,
        'misplaced-exemption',
        'error',
        `${metaPath.join('.')}.annotations["${key}"]`,
        `${item.ref}: exemption ${JSON.stringify(key)} is on the pod template, where it has no effect`,
        `Move it to the ${item.kind}'s metadata.annotations.`,
      ),
    );
}

function applyExemptions(items: readonly Item[], violations: readonly Violation[]): { findings: Finding[]; exemptions: Exemption[] } {
  const findings: Finding[] = [];
  const exemptions: Exemption[] = [];
  const exemptedBy = new Map<DistObject, Set<string>>();
  for (const item of items) {
    const parsed = parseExemptions(item);
    findings.push(...parsed.findings);
    exemptions.push(...parsed.valid);
    exemptedBy.set(item.source, new Set(parsed.valid.map((e) => e.policy)));
  }
  const used = new Set<string>();
  for (const v of violations) {
    if (exemptedBy.get(v.item.source)?.has(v.policy)) {
      used.add(`${v.item.source.file}\0${v.item.ref}\0${v.policy}`);
      continue;
    }
    const policy = POLICY_BY_ID.get(v.policy);
    findings.push(finding(v.item.source, v.item.ref, v.policy, policy?.severity ?? 'error', v.path, v.message, policy?.fix));
  }
  for (const e of exemptions) {
    if (used.has(`${e.file}\0${e.object}\0${e.policy}`)) continue;
    const item = items.find((i) => i.source.file === e.file && i.ref === e.object);
    if (item) {
      findings.push(
        finding(
          item.source,
          e.object,
          'unused-exemption',
          'warning',
          `metadata.annotations["${EXEMPTION_PREFIX}${e.policy}"]`,
          `${e.object}: exemption of ${JSON.stringify(e.policy)} is not needed: the object passes that policy`,
          'Remove the annotation.',
        ),
      );
    }
  }
  return { findings, exemptions };
}

function finding(
  source: DistObject,
  object: string,
  rule: string,
  severity: Severity,
  path: string,
  message: string,
  hint?: string,
): Finding {
  return { check: 'policy', rule, severity, cluster: source.cluster, file: source.file, path, object, message, hint };
}
