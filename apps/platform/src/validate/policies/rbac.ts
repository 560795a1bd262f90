/**
 * API access policies: no wildcards in Roles and ClusterRoles, and no API token mounted into pods
 * (ServiceAccounts and pod specs).
 */
import type { Json } from '../util';
import { asArray, asRecord, type Item } from '../workloads';
import { show, type ClusterScope } from './scope';

export function checkRbac(scope: ClusterScope): void {
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

export function checkServiceAccounts(scope: ClusterScope): void {
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

/**
 * Pod specs must not mount the API token: `automountServiceAccountToken: false` on the pod, or left
 * unset when the ServiceAccount it runs as is rendered here with `false` (Kubernetes inherits it).
 */
export function checkPodAutomount(scope: ClusterScope, item: Item, spec: Json, path: string): void {
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
