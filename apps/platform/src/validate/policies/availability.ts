/**
 * Availability policies for workloads that run more than one replica: a PodDisruptionBudget in the
 * same namespace whose selector matches the pod labels, and spread over nodes or zones.
 */
import { isRecord, type Json } from '../util';
import { asArray, asRecord, getPath, podLabelsOf, type Item } from '../workloads';
import { show, type ClusterScope } from './scope';

const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

/** PDB and spread for workloads that run more than one replica (Deployments, StatefulSets). */
export function checkReplicated(scope: ClusterScope, item: Item, spec: Json, path: string): void {
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
