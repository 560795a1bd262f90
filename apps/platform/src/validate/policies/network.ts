/** Network policy: every Namespace rendered here has a default-deny NetworkPolicy. */
import { isRecord, type Json } from '../util';
import { asArray, asRecord } from '../workloads';
import type { ClusterScope } from './scope';

export function checkDefaultDeny(scope: ClusterScope): void {
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
