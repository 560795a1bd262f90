/** Mesh policy: a meshed Namespace is covered by a STRICT PeerAuthentication (Istio semantics). */
import { isRecord, type Json } from '../util';
import { asRecord, getPath, type Item } from '../workloads';
import { show, type ClusterScope } from './scope';

const MESH_ROOT_NAMESPACE = 'istio-system';

export function checkMesh(scope: ClusterScope): void {
  for (const ns of scope.items.filter((item) => item.kind === 'Namespace')) if (isMeshed(ns.object)) checkMtls(scope, ns);
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
