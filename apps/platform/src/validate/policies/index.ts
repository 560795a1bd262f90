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
 * Scope: only objects present in dist manifests. Upstream Helm charts are rendered by Argo CD at
 * sync time, so their pods are not evaluated here; their hardening comes from the typed values
 * (and the chart's own schema check), not from this module.
 *
 * Exemptions: annotation `policy.platform/exempt-<policy-id>: "<reason>"` on the object concerned
 * (for workload policies: the Deployment/StatefulSet/DaemonSet/Job/CronJob/Pod itself; for
 * namespace policies: the Namespace). Every valid exemption is returned so `validate` lists it.
 */
import type { Exemption, Finding, ValidateContext } from '../types';
import { allItems, podSpecOf } from '../workloads';
import { checkReplicated } from './availability';
import { applyExemptions, misplacedExemptions } from './exemptions';
import { checkMesh } from './mesh';
import { checkDefaultDeny } from './network';
import { checkPodAutomount, checkRbac, checkServiceAccounts } from './rbac';
import type { ClusterScope, Violation } from './scope';
import { checkSecretData } from './secret-objects';
import { checkPodSpec } from './workloads';

export { POLICIES, type Policy } from './catalog';
export { selectorMatches } from './availability';
export { isDefaultDeny } from './network';

export function checkPolicies(ctx: ValidateContext): { findings: Finding[]; exemptions: Exemption[] } {
  const violations: Violation[] = [];
  const items = allItems(ctx);
  for (const cluster of ctx.clusters) {
    const scope: ClusterScope = {
      items: items.filter((item) => item.component.cluster === cluster.name),
      report: (item, policy, path, message) => violations.push({ item, policy, path, message }),
    };
    for (const item of scope.items) {
      const pod = podSpecOf(item);
      if (!pod) continue;
      checkPodSpec(scope, item, pod.spec, pod.path);
      checkPodAutomount(scope, item, pod.spec, pod.path);
      checkReplicated(scope, item, pod.spec, pod.path);
    }
    checkDefaultDeny(scope);
    checkMesh(scope);
    checkSecretData(scope);
    checkServiceAccounts(scope);
    checkRbac(scope);
  }
  const result = applyExemptions(items, violations);
  return { findings: [...result.findings, ...items.flatMap(misplacedExemptions)], exemptions: result.exemptions };
}
