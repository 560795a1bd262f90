/** Secret objects in dist carry no values (the secret scan looks for credentials everywhere else). */
import { asRecord } from '../workloads';
import { show, type ClusterScope } from './scope';

export function checkSecretData(scope: ClusterScope): void {
  for (const item of scope.items.filter((i) => i.kind === 'Secret')) {
    for (const field of ['data', 'stringData'] as const) {
      const keys = Object.keys(asRecord(item.object[field]));
      if (keys.length > 0) {
        scope.report(item, 'no-secret-data', field, `${item.ref}: ${field} holds ${show(keys)}; Secrets in dist must carry no values`);
      }
    }
  }
}
