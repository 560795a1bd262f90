/**
 * Facts about the Kubernetes API (1.30 up to 1.33) that its schemas do not carry: which kinds are
 * cluster-scoped, which are request-only (never stored, so never applied from dist), which
 * apiVersions were removed by which release and what replaces them, which are deprecated.
 * Sources: `kubectl api-resources` of 1.30 and 1.33 clusters and the Kubernetes "Deprecated API
 * Migration Guide" (kubernetes.io/docs/reference/using-api/deprecation-guide/).
 */

/** The floor: every object is checked against this release, and against the release its cluster declares. */
export const KUBERNETES_VERSION = '1.30';
export const FLOOR_VERSION = KUBERNETES_VERSION;

/** `1.33` and `1.33.2` → [1, 33]; compares releases by minor version. */
export function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Cluster-scoped built-in kinds by API group ('' is the core group). Everything else built in is namespaced. */
const CLUSTER_SCOPED: Record<string, readonly string[]> = {
  '': ['ComponentStatus', 'Namespace', 'Node', 'PersistentVolume'],
  'admissionregistration.k8s.io': [
    'MutatingAdmissionPolicy',
    'MutatingAdmissionPolicyBinding',
    'MutatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
    'ValidatingWebhookConfiguration',
  ],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'apiregistration.k8s.io': ['APIService'],
  'authentication.k8s.io': ['SelfSubjectReview', 'TokenReview'],
  'authorization.k8s.io': ['SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'],
  'certificates.k8s.io': ['CertificateSigningRequest', 'ClusterTrustBundle'],
  'flowcontrol.apiserver.k8s.io': ['FlowSchema', 'PriorityLevelConfiguration'],
  'internal.apiserver.k8s.io': ['StorageVersion'],
  'networking.k8s.io': ['IngressClass', 'IPAddress', 'ServiceCIDR'],
  'node.k8s.io': ['RuntimeClass'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding'],
  'resource.k8s.io': ['DeviceClass', 'ResourceClass', 'ResourceSlice'],
  'scheduling.k8s.io': ['PriorityClass'],
  'storage.k8s.io': ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment', 'VolumeAttributesClass'],
  'storagemigration.k8s.io': ['StorageVersionMigration'],
};

export function isClusterScopedBuiltin(group: string, kind: string): boolean {
  return CLUSTER_SCOPED[group]?.includes(kind) ?? false;
}

/** Kinds the API server accepts only as requests (reviews, subresources): nothing to apply. */
const REQUEST_ONLY = new Set([
  '/Binding',
  'authentication.k8s.io/TokenRequest',
  'authentication.k8s.io/TokenReview',
  'authentication.k8s.io/SelfSubjectReview',
  'authorization.k8s.io/LocalSubjectAccessReview',
  'authorization.k8s.io/SelfSubjectAccessReview',
  'authorization.k8s.io/SelfSubjectRulesReview',
  'authorization.k8s.io/SubjectAccessReview',
  'autoscaling/Scale',
  'policy/Eviction',
]);

export function isRequestOnly(group: string, kind: string): boolean {
  return REQUEST_ONLY.has(`${group}/${kind}`);
}

export interface RemovedApi {
  readonly apiVersion: string;
  /** Kinds removed from this apiVersion; undefined: the whole group version is gone. */
  readonly kinds?: readonly string[];
  readonly removedIn: string;
  /**
   * What to use instead, by kind ('*' for any kind); a sentence when there is no drop-in
   * replacement. Kinds not listed: the apiVersions that serve the kind in 1.30, if any.
   */
  readonly replacement: Readonly<Record<string, string>>;
}

export const REMOVED_APIS: readonly RemovedApi[] = [
  {
    apiVersion: 'extensions/v1beta1',
    kinds: ['Deployment', 'DaemonSet', 'ReplicaSet'],
    removedIn: '1.16',
    replacement: { '*': 'apps/v1' },
  },
  { apiVersion: 'extensions/v1beta1', kinds: ['NetworkPolicy'], removedIn: '1.16', replacement: { '*': 'networking.k8s.io/v1' } },
  {
    apiVersion: 'extensions/v1beta1',
    kinds: ['PodSecurityPolicy'],
    removedIn: '1.16',
    replacement: { '*': 'Pod Security Admission (pod-security.kubernetes.io/* namespace labels)' },
  },
  { apiVersion: 'extensions/v1beta1', removedIn: '1.22', replacement: { Ingress: 'networking.k8s.io/v1' } },
  { apiVersion: 'apps/v1beta1', removedIn: '1.16', replacement: { '*': 'apps/v1' } },
  { apiVersion: 'apps/v1beta2', removedIn: '1.16', replacement: { '*': 'apps/v1' } },
  {
    apiVersion: 'admissionregistration.k8s.io/v1beta1',
    kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
    removedIn: '1.22',
    replacement: { '*': 'admissionregistration.k8s.io/v1' },
  },
  { apiVersion: 'apiextensions.k8s.io/v1beta1', removedIn: '1.22', replacement: { '*': 'apiextensions.k8s.io/v1' } },
  { apiVersion: 'apiregistration.k8s.io/v1beta1', removedIn: '1.22', replacement: { '*': 'apiregistration.k8s.io/v1' } },
  {
    apiVersion: 'authentication.k8s.io/v1beta1',
    kinds: ['TokenReview'],
    removedIn: '1.22',
    replacement: { '*': 'authentication.k8s.io/v1' },
  },
  { apiVersion: 'authorization.k8s.io/v1beta1', removedIn: '1.22', replacement: { '*': 'authorization.k8s.io/v1' } },
  { apiVersion: 'certificates.k8s.io/v1beta1', removedIn: '1.22', replacement: { '*': 'certificates.k8s.io/v1' } },
  { apiVersion: 'coordination.k8s.io/v1beta1', removedIn: '1.22', replacement: { '*': 'coordination.k8s.io/v1' } },
  {
    apiVersion: 'networking.k8s.io/v1beta1',
    kinds: ['Ingress', 'IngressClass'],
    removedIn: '1.22',
    replacement: { '*': 'networking.k8s.io/v1' },
  },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', removedIn: '1.22', replacement: { '*': 'rbac.authorization.k8s.io/v1' } },
  { apiVersion: 'rbac.authorization.k8s.io/v1alpha1', removedIn: '1.22', replacement: { '*': 'rbac.authorization.k8s.io/v1' } },
  { apiVersion: 'scheduling.k8s.io/v1beta1', removedIn: '1.22', replacement: { '*': 'scheduling.k8s.io/v1' } },
  { apiVersion: 'scheduling.k8s.io/v1alpha1', removedIn: '1.22', replacement: { '*': 'scheduling.k8s.io/v1' } },
  {
    apiVersion: 'storage.k8s.io/v1beta1',
    kinds: ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'],
    removedIn: '1.22',
    replacement: { '*': 'storage.k8s.io/v1' },
  },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIStorageCapacity'], removedIn: '1.27', replacement: { '*': 'storage.k8s.io/v1' } },
  { apiVersion: 'batch/v1beta1', removedIn: '1.25', replacement: { '*': 'batch/v1' } },
  { apiVersion: 'batch/v2alpha1', removedIn: '1.21', replacement: { '*': 'batch/v1' } },
  { apiVersion: 'discovery.k8s.io/v1beta1', removedIn: '1.25', replacement: { '*': 'discovery.k8s.io/v1' } },
  { apiVersion: 'events.k8s.io/v1beta1', removedIn: '1.25', replacement: { '*': 'events.k8s.io/v1' } },
  { apiVersion: 'autoscaling/v2beta1', removedIn: '1.25', replacement: { '*': 'autoscaling/v2' } },
  { apiVersion: 'autoscaling/v2beta2', removedIn: '1.26', replacement: { '*': 'autoscaling/v2' } },
  {
    apiVersion: 'policy/v1beta1',
    removedIn: '1.25',
    replacement: {
      PodDisruptionBudget: 'policy/v1',
      PodSecurityPolicy: 'Pod Security Admission (pod-security.kubernetes.io/* namespace labels)',
      '*': 'policy/v1',
    },
  },
  { apiVersion: 'node.k8s.io/v1beta1', removedIn: '1.25', replacement: { '*': 'node.k8s.io/v1' } },
  { apiVersion: 'node.k8s.io/v1alpha1', removedIn: '1.22', replacement: { '*': 'node.k8s.io/v1' } },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1alpha1', removedIn: '1.21', replacement: { '*': 'flowcontrol.apiserver.k8s.io/v1' } },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1', removedIn: '1.26', replacement: { '*': 'flowcontrol.apiserver.k8s.io/v1' } },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', removedIn: '1.29', replacement: { '*': 'flowcontrol.apiserver.k8s.io/v1' } },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', removedIn: '1.32', replacement: { '*': 'flowcontrol.apiserver.k8s.io/v1' } },
  {
    apiVersion: 'resource.k8s.io/v1alpha2',
    removedIn: '1.31',
    replacement: { '*': 'resource.k8s.io/v1beta1 (dynamic resource allocation was redesigned in 1.31)' },
  },
  {
    apiVersion: 'settings.k8s.io/v1alpha1',
    removedIn: '1.20',
    replacement: { '*': 'nothing (PodPreset was removed without replacement)' },
  },
];

/** The removal of `apiVersion` (for `kind`) by Kubernetes `version` (default: the floor), if it is removed there. */
export function findRemovedApi(
  apiVersion: string,
  kind: string,
  version: string = FLOOR_VERSION,
): { removedIn: string; replacement?: string } | undefined {
  const entry = REMOVED_APIS.find(
    (api) => api.apiVersion === apiVersion && (!api.kinds || api.kinds.includes(kind)) && compareVersions(api.removedIn, version) <= 0,
  );
  if (!entry) return undefined;
  const replacement = entry.replacement[kind] ?? entry.replacement['*'];
  return { removedIn: entry.removedIn, ...(replacement ? { replacement } : {}) };
}

/** Served but deprecated, with the release that removes them (REMOVED_APIS from then on). */
export const DEPRECATED_APIS: Readonly<Record<string, { removedIn: string; replacement: string }>> = {
  'flowcontrol.apiserver.k8s.io/v1beta3': { removedIn: '1.32', replacement: 'flowcontrol.apiserver.k8s.io/v1' },
};

/** The deprecation of `apiVersion` in Kubernetes `version`, if it is deprecated (and still served) there. */
export function findDeprecatedApi(
  apiVersion: string,
  version: string = FLOOR_VERSION,
): { removedIn: string; replacement: string } | undefined {
  const entry = DEPRECATED_APIS[apiVersion];
  return entry && compareVersions(version, entry.removedIn) < 0 ? entry : undefined;
}
