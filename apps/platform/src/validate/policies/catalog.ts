/**
 * The platform's policies: id, why, how to fix, severity and whether an annotation can waive it.
 * One table, so the report, the hints and the exemption parser agree on the ids.
 */
import type { Severity } from '../types';

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

export const POLICIES: readonly Policy[] = [
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
    id: 'mesh-plaintext-port-only',
    rationale:
      'Plaintext in the mesh is an exception for one port of a client that has no sidecar (the CloudNativePG operator), never for whole pods.',
    fix: 'Declare the port with plaintextPort() from @platform/core (a port-level PERMISSIVE PeerAuthentication with its reason), or mesh the client.',
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

export const POLICY_BY_ID: ReadonlyMap<string, Policy> = new Map(POLICIES.map((p) => [p.id, p]));

/**
 * Warnings of other checks that the same annotation can waive on a dist object, because a rendered
 * chart object cannot carry the scan's line comment: the secret scan's entropy heuristic on env
 * values (its literal-credential rules are errors and cannot be waived).
 */
export const SCAN_EXEMPTIONS: ReadonlyMap<string, { readonly check: 'secrets'; readonly fix: string }> = new Map([
  [
    'high-entropy-env-value',
    {
      check: 'secrets',
      fix: 'Take the value from a Secret (env[].valueFrom.secretKeyRef), or exempt the object saying why it is no credential.',
    },
  ],
]);
