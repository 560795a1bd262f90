/** Mesh policy: a meshed Namespace is covered by a STRICT PeerAuthentication (Istio semantics). */
import { isRecord, type Json } from '../util';
import { asRecord, getPath, type Item } from '../workloads';
import { show, type ClusterScope } from './scope';

const MESH_ROOT_NAMESPACE = 'istio-system';

export function checkMesh(scope: ClusterScope): void {
  for (const ns of scope.items.filter((item) => item.kind === 'Namespace')) if (isMeshed(ns.object)) checkMtls(scope, ns);
  for (const pa of scope.items.filter((item) => item.kind === 'PeerAuthentication' && hasSelector(item.object))) checkException(scope, pa);
}

const PLAINTEXT = new Set(['PERMISSIVE', 'DISABLE']);

/**
 * A workload-scoped PeerAuthentication may accept plaintext only on a port (what core's
 * plaintextPort() renders, e.g. CloudNativePG's status port 8000), and only with its reason.
 */
function checkException(scope: ClusterScope, pa: Item): void {
  const mode = getPath(pa.object, ['spec', 'mtls', 'mode']);
  if (typeof mode === 'string' && PLAINTEXT.has(mode))
    scope.report(
      pa,
      'mesh-plaintext-port-only',
      'spec.mtls.mode',
      `${pa.ref}: mtls.mode ${show(mode)} for whole pods; only a port may accept plaintext`,
    );
  const ports = Object.entries(asRecord(getPath(pa.object, ['spec', 'portLevelMtls'])))
    .filter(([, v]) => PLAINTEXT.has(String(asRecord(v).mode)))
    .map(([port]) => port);
  const reason = asRecord(getPath(pa.object, ['metadata', 'annotations']))['platform/reason'];
  if (ports.length > 0 && (typeof reason !== 'string' || reason.trim() === ''))
    scope.report(
      pa,
      'mesh-plaintext-port-only',
      'metadata.annotations',
      `${pa.ref}: port ${ports.join(', ')} accepts plaintext without a reason (annotation platform/reason)`,
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
