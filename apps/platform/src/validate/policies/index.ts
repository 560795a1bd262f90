/**
 * Platform policy rules over the objects in dist/ (SPEC.md, first paragraph: what every workload we
 * own runs with; DESIGN.md, Validation). Modelled on the Polaris checks in ../shared/audit/ but
 * stricter where the platform is (errors, not warnings; seccomp and dropped capabilities both
 * required).
 *
 * Modules, one job each: catalog.ts (the policy table), workloads.ts (pod spec and containers),
 * availability.ts (PDB and spread of replicated workloads), network.ts (default-deny per
 * Namespace), mesh.ts (STRICT mTLS for meshed Namespaces), rbac.ts (RBAC wildcards, API token
 * mounts), secret-objects.ts (no Secret data), exemptions.ts (annotations that waive a policy).
 *
 * Scope: every object in dist manifests, the upstream charts' rendered objects included (Helm hook
 * Jobs too: checked like any Job). Every workload kind that has a pod template is checked:
 * Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob and Pod.
 *
 * Exemptions: annotation `policy.platform/exempt-<policy-id>: "<reason>"` on the object concerned
 * (for workload policies: the workload itself or its pod template; for namespace policies: the
 * Namespace). Every valid exemption is returned so `validate` lists it (exemptions.ts).
 */
import type { Exemption, Finding, ValidateContext, WorkloadsChecked } from '../types';
import { compareStrings } from '../util';
import { allItems, helmHooksOf, podSpecOf, type Item } from '../workloads';
import { checkReplicated } from './availability';
import { applyExemptions } from './exemptions';
import { checkMesh } from './mesh';
import { checkDefaultDeny } from './network';
import { checkPodAutomount, checkRbac, checkServiceAccounts } from './rbac';
import type { ClusterScope, Violation } from './scope';
import { checkSecretData } from './secret-objects';
import { checkPodSpec } from './workloads';

export { POLICIES, SCAN_EXEMPTIONS, type Policy } from './catalog';
export { applyScanExemptions } from './exemptions';
export { selectorMatches } from './availability';
export { isDefaultDeny } from './network';

export interface PolicyResult {
  readonly findings: Finding[];
  readonly exemptions: Exemption[];
  /** Workloads checked, by cluster name. */
  readonly workloads: Record<string, WorkloadsChecked>;
}

export function checkPolicies(ctx: ValidateContext): PolicyResult {
  const violations: Violation[] = [];
  const items = allItems(ctx);
  const workloads: Record<string, WorkloadsChecked> = {};
  for (const cluster of ctx.clusters) {
    const scope: ClusterScope = {
      items: items.filter((item) => item.component.cluster === cluster.name),
      report: (item, policy, path, message) => violations.push({ item, policy, path, message }),
    };
    const checked: Item[] = [];
    for (const item of scope.items) {
      const pod = podSpecOf(item);
      if (!pod) continue;
      checked.push(item);
      checkPodSpec(scope, item, pod.spec, pod.path);
      checkPodAutomount(scope, item, pod.spec, pod.path);
      checkReplicated(scope, item, pod.spec, pod.path);
    }
    workloads[cluster.name] = countWorkloads(checked);
    checkDefaultDeny(scope);
    checkMesh(scope);
    checkSecretData(scope);
    checkServiceAccounts(scope);
    checkRbac(scope);
  }
  const result = applyExemptions(items, violations);
  return { findings: result.findings, exemptions: result.exemptions, workloads };
}

function countWorkloads(items: readonly Item[]): WorkloadsChecked {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.kind, (counts.get(item.kind) ?? 0) + 1);
  const byKind = Object.fromEntries([...counts].sort(([a], [b]) => compareStrings(a, b)));
  return { total: items.length, byKind, helmHooks: items.filter((item) => helmHooksOf(item).length > 0).length };
}
