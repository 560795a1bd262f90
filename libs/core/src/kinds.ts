/**
 * Facts about Kubernetes kinds that synth (chart objects) and validate (dist) both need: which
 * kinds are cluster-scoped, and where a workload keeps its pod spec. Dependency-free, so validate
 * imports it without loading cdk8s.
 */

/** Built-in cluster-scoped kinds, as `group/Kind` (the core group is empty: `/Namespace`). */
export const BUILTIN_CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/IPAddress',
  'networking.k8s.io/ServiceCIDR',
  'node.k8s.io/RuntimeClass',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'resource.k8s.io/DeviceClass',
  'scheduling.k8s.io/PriorityClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/VolumeAttachment',
  'storage.k8s.io/VolumeAttributesClass',
]);

/**
 * Cluster-scoped kinds of the CRDs the platform uses, for readers that do not see those CRDs
 * (validate reads one component at a time; a chart may render objects whose CRD ships elsewhere).
 */
export const CUSTOM_CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  'cert-manager.io/ClusterIssuer',
  'external-secrets.io/ClusterSecretStore',
  'gateway.networking.k8s.io/GatewayClass',
  'karpenter.k8s.aws/EC2NodeClass',
  'karpenter.sh/NodePool',
]);

/** The API group of an apiVersion (`apps/v1` → `apps`, `v1` → ``). */
export const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/** True when a kind is cluster-scoped as far as this repository knows (built in, or one of our CRDs'). */
export function isClusterScoped(groupKind: string): boolean {
  return BUILTIN_CLUSTER_SCOPED.has(groupKind) || CUSTOM_CLUSTER_SCOPED.has(groupKind);
}

/** Cluster-scoped kind names, whatever their group (for readers that only have a kind). */
export const CLUSTER_SCOPED_KIND_NAMES: ReadonlySet<string> = new Set(
  [...BUILTIN_CLUSTER_SCOPED, ...CUSTOM_CLUSTER_SCOPED].map((k) => k.slice(k.indexOf('/') + 1)),
);

/** Workload kinds, and where each keeps its pod spec. */
export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Pod: ['spec'],
};
