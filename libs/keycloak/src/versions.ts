import type { ComponentVersions, CrdPin, PinnedManifests } from '@platform/core';

/** The Keycloak release: operator, server image and CRDs move together (keycloak/keycloak-k8s-resources tag). */
export const KEYCLOAK_VERSION = '26.0.0';

/** The operator's CRDs (kubernetes/*-v1.yml at the tag), pinned in libs/crds/crd-sources.json (CRD dir folder `keycloak`). */
export const KEYCLOAK_CRDS: CrdPin = {
  project: 'keycloak',
  repo: 'keycloak/keycloak-k8s-resources',
  tag: KEYCLOAK_VERSION,
  files: ['keycloakrealmimports.k8s.keycloak.org-v1.yml', 'keycloaks.k8s.keycloak.org-v1.yml'],
};

/**
 * What the operator's Application delivers: the two CRDs (CRD dir), then upstream's
 * `kubernetes/kubernetes.yml` (ServiceAccount, RBAC, Service, Deployment), which is no CRD and so
 * lives beside the chart sources (`../shared/charts/keycloak-operator-26.0.0`, project
 * `keycloak-operator` with `"from": "charts"` in crd-sources.json; commit 81567cb67132167dcb5516200a5eb9becf6388aa).
 * Bump: the version, then both projects' tag, dir and sha256 in crd-sources.json and crds.json.
 */
export const KEYCLOAK_OPERATOR_MANIFESTS: PinnedManifests = {
  ...KEYCLOAK_CRDS,
  apiVersions: ['k8s.keycloak.org/v2alpha1'],
  more: [{ project: 'keycloak-operator', repo: 'keycloak/keycloak-k8s-resources', tag: KEYCLOAK_VERSION, files: ['kubernetes.yml'] }],
};

/** The operator's image, as kubernetes.yml pins it (checked by the tests). */
export const KEYCLOAK_OPERATOR_IMAGE = `quay.io/keycloak/keycloak-operator:${KEYCLOAK_VERSION}`;
/** The server image: the operator's default for 26.0.0 (RELATED_IMAGE_KEYCLOAK), set explicitly on the Keycloak CR. */
export const KEYCLOAK_IMAGE = `quay.io/keycloak/keycloak:${KEYCLOAK_VERSION}`;

/** Every version the Keycloak components pin (no chart upstream: manifest files only). */
export const KEYCLOAK_VERSIONS: ComponentVersions = {
  crds: KEYCLOAK_CRDS,
  valuesSchema: 'none',
};
