import { z } from 'zod';
import {
  Capability,
  Component,
  KUBE_API_PORTS,
  Namespace,
  Platform,
  Resources,
  Workload,
  additionalValuesSchema,
  componentSchema,
  flow,
  helmResources,
  kubeApi,
  mergeValues,
  oncePerCluster,
  parseComponentProps,
  provide,
  strictObject,
  workload,
} from '@platform/core';
import type { CloudNativePg } from './operator';
import { CNPG_NAMESPACE } from './operator';
import type { BarmanCloudValues } from './values';
import { BARMAN_CLOUD_CHART } from './versions';

/** The plugin's name in a Cluster's `spec.plugins[]` and a ScheduledBackup's `pluginConfiguration`. */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';
/** Name of the plugin's Deployment and ServiceAccount. */
const NAME = 'barman-cloud';
const GRPC_PORT = 9090;
const RESOURCES: Resources = { cpu: { request: '50m', limit: '250m' }, memory: { request: '64Mi', limit: '256Mi' } };

/** What the cluster's Barman Cloud plugin offers the PostgresClusters that back up. */
export interface BackupPluginProvider {
  readonly component: CnpgBarmanCloud;
  /** `barman-cloud.cloudnative-pg.io` */
  readonly pluginName: string;
}

/** The cluster's Barman Cloud plugin (once per cluster): a PostgresCluster with `backup` needs it. */
export const CNPG_BACKUP_PLUGIN = new Capability<BackupPluginProvider>('CloudNativePG backup plugin (Barman Cloud)');

const propsSchema = strictObject({
  /** The CloudNativePG operator: the plugin runs in its namespace (the operator discovers plugins there) and syncs after it. */
  operator: componentSchema<CloudNativePg>('CloudNativePG operator (CloudNativePg)'),
  /** The cert-manager component: the chart's Issuer and the plugin's client and server certificates need its CRDs and controller. */
  certManager: componentSchema('cert-manager component (CertManager)'),
  /**
   * Chart values we do not type, merged over ours (maps deeply, lists replaced).
   * @default - none
   */
  additionalValues: additionalValuesSchema().optional(),
});

export type CnpgBarmanCloudProps = z.input<typeof propsSchema>;

/**
 * The Barman Cloud plugin of CloudNativePG (chart plugin-barman-cloud 0.7.0, plugin v0.13.0): WAL
 * archiving and base backups to object storage through `ObjectStore` objects (its CRD), the
 * replacement of the in-tree `barmanObjectStore` (deprecated since 1.26). Its own Application in
 * the operator's namespace (one chart per component), after the operator and cert-manager; only
 * clusters that back up (prod) need it. One replica: upstream's Deployment only recreates.
 *
 * Flows: the operator → the plugin's gRPC endpoint (9090, mutual TLS from its certificates), the
 * plugin → the Kubernetes API. The sidecar it injects into the instance pods is the instances' own
 * traffic (declared by each PostgresCluster with `backup`).
 */
export class CnpgBarmanCloud extends Component {
  readonly pods: Workload;

  constructor(scope: Platform, id: string, props: CnpgBarmanCloudProps) {
    const p = parseComponentProps(scope, id, propsSchema, props);
    const security = {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
      capabilities: { drop: ['ALL'] },
    } as const;
    const values: BarmanCloudValues = {
      fullnameOverride: NAME,
      replicaCount: 1,
      crds: { create: true },
      resources: helmResources(RESOURCES),
      containerSecurityContext: security,
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    };
    super(scope, id, {
      namespace: Namespace.restricted(CNPG_NAMESPACE),
      project: 'infrastructure',
      dependsOn: [p.operator.name, p.certManager.name],
      chart: { ...BARMAN_CLOUD_CHART, values: mergeValues(values, p.additionalValues) },
    });
    this.needs(p.operator);
    this.needs(p.certManager);

    // The chart declares only a readiness probe: the same TCP check as liveness restarts a wedged server.
    this.patchChartObjects((o) => {
      if (o.kind !== 'Deployment' || o.metadata?.name !== NAME) return;
      for (const c of o.spec.template.spec.containers)
        if (c.name === NAME && !c.livenessProbe)
          c.livenessProbe = { tcpSocket: { port: GRPC_PORT }, initialDelaySeconds: 10, periodSeconds: 20 };
    });
    this.exemptChartObjects(
      [
        { kind: 'ServiceAccount', name: NAME },
        { kind: 'Deployment', name: NAME },
      ],
      'no-automount-service-account-token',
      'the plugin reads ObjectStores and Clusters and writes backup status through the Kubernetes API',
    );

    const labels = { 'app.kubernetes.io/name': 'plugin-barman-cloud', 'app.kubernetes.io/instance': id };
    this.pods = workload(this, { name: NAME, podLabels: labels, serviceAccount: NAME });
    flow({ from: this.pods, to: kubeApi(scope), ports: KUBE_API_PORTS, label: 'Kubernetes API' });
    flow({ from: p.operator.pods, to: this.pods, ports: [{ port: GRPC_PORT }], label: 'CNPG-I plugin (gRPC, mTLS)' });
    provide(CNPG_BACKUP_PLUGIN, { component: this, pluginName: BARMAN_CLOUD_PLUGIN });
  }
}

oncePerCluster(CnpgBarmanCloud, 'Barman Cloud plugin', 'the operator discovers one plugin by its name in its own namespace');
