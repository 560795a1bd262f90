import { z } from 'zod';
import { k8s } from 'cdk8s-plus-30';
import {
  Component,
  KUBE_API_PORTS,
  Namespace,
  Platform,
  Resources,
  Workload,
  addMonitor,
  additionalValuesSchema,
  flow,
  ha,
  helmResources,
  kubeApi,
  mergeValues,
  oncePerCluster,
  parseComponentProps,
  replicasSchema,
  strictObject,
  workload,
} from '@platform/core';
import type { CloudNativePgValues } from './values';
import { CNPG_CHART } from './versions';

/** The operator's namespace: outside the mesh (it calls every instance's status endpoint on 8000 without a sidecar). */
export const CNPG_NAMESPACE = 'cnpg-system';
/** Name of the operator's Deployment, ServiceAccount and PodDisruptionBudget (upstream's own manifests use it). */
export const CNPG_OPERATOR_NAME = 'cnpg-controller-manager';
/** Labels of the operator's pods (the chart's selector labels; the release is the component). */
const podLabels = (release: string) => ({ 'app.kubernetes.io/name': 'cloudnative-pg', 'app.kubernetes.io/instance': release });
const WEBHOOK_PORT = 9443;
const METRICS_PORT = 8080;
const RESOURCES: Resources = { cpu: { request: '100m', limit: '500m' }, memory: { request: '256Mi', limit: '512Mi' } };

const propsSchema = strictObject({
  /**
   * Replicas of the operator (one leader, the others on standby; a PodDisruptionBudget when more than one).
   * @default - the cluster's `availability.replicas`
   */
  replicas: replicasSchema().optional(),
  /**
   * Chart values we do not type, merged over ours (maps deeply, lists replaced).
   * @default - none
   */
  additionalValues: additionalValuesSchema().optional(),
});

export type CloudNativePgProps = z.input<typeof propsSchema>;

/**
 * The CloudNativePG operator (chart cloudnative-pg 0.29.0, operator 1.30.0) in `cnpg-system`,
 * outside the mesh, with its CRDs (chart templates, `crds.create`; applied server-side like every
 * Application, which the `poolers` CRD needs). Cluster-wide: it reconciles every `PostgresCluster`
 * of the cluster, each its own Application that waits for this one.
 *
 * Flows: the API server → its admission webhooks (9443), the operator → the Kubernetes API, the
 * scraper → its metrics (8080, `addMonitor`). Its calls to each PostgreSQL instance's status
 * endpoint (8000) are declared by each `PostgresCluster` from `operator.pods`.
 */
export class CloudNativePg extends Component {
  /** The operator's pods: the start of its flows to the PostgreSQL instances. */
  readonly pods: Workload;

  constructor(scope: Platform, id: string, props: CloudNativePgProps = {}) {
    const p = parseComponentProps(scope, id, propsSchema, props);
    const labels = podLabels(id);
    const h = ha({ replicas: p.replicas ?? scope.spec.availability.replicas, spread: scope.spec.availability.spread }, labels);
    const values: CloudNativePgValues = {
      fullnameOverride: CNPG_OPERATOR_NAME,
      replicaCount: h.replicas,
      crds: { create: true },
      config: { clusterWide: true },
      resources: helmResources(RESOURCES),
      topologySpreadConstraints: h.topologySpreadConstraints,
      priorityClassName: 'system-cluster-critical',
      containerSecurityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
        capabilities: { drop: ['ALL'] },
      },
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      monitoring: { podMonitorEnabled: false, grafanaDashboard: { create: false } },
    };
    super(scope, id, {
      namespace: Namespace.restricted(CNPG_NAMESPACE),
      project: 'infrastructure',
      chart: { ...CNPG_CHART, values: mergeValues(values, p.additionalValues) },
    });

    // The chart has no PodDisruptionBudget; with standby replicas one keeps a leader through node drains.
    if (h.disruptionBudget)
      new k8s.KubePodDisruptionBudget(this, 'pdb', {
        metadata: { name: CNPG_OPERATOR_NAME, namespace: CNPG_NAMESPACE },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels } },
      });

    this.exemptChartObjects(
      [
        { kind: 'ServiceAccount', name: CNPG_OPERATOR_NAME },
        { kind: 'Deployment', name: CNPG_OPERATOR_NAME },
      ],
      'no-automount-service-account-token',
      'the operator reconciles Clusters, their pods, services, secrets and webhooks through the Kubernetes API',
    );

    this.pods = workload(this, { name: 'cnpg-operator', podLabels: labels, serviceAccount: CNPG_OPERATOR_NAME });
    flow({ from: this.pods, to: kubeApi(scope), ports: KUBE_API_PORTS, label: 'Kubernetes API' });
    flow({ from: kubeApi(scope), to: this.pods, ports: [{ port: WEBHOOK_PORT }], label: 'admission webhooks' });
    addMonitor(this, { name: 'cnpg-operator', podLabels: labels, port: { name: 'metrics', number: METRICS_PORT } });
  }
}

oncePerCluster(CloudNativePg, 'CloudNativePG operator', 'one cluster-wide operator reconciles every PostgreSQL cluster and owns the CRDs');
