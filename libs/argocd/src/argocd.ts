import { z } from 'zod';
import {
  ANYWHERE,
  ARGOCD_NAMESPACE,
  Component,
  Platform,
  HelmValues,
  additionalValuesSchema,
  helmResources,
  mergeValues,
  replicasSchema,
  spreadConstraints,
  allowEgress,
  allowIngress,
  allowKubeApi,
  allowWithinNamespace,
  parseComponentProps,
  renderAppProjects,
  renderApplicationSets,
  renderBootstrapApplication,
  strictObject,
} from '@platform/core';
import { APPLICATIONSET_HEALTH_LUA } from './health';
import type { ArgoCdDeploymentValues, ArgoCdValues } from './values';
import { ARGOCD_CHART } from './versions';

export interface ArgoCdProps {
  /**
   * Replicas of the API server, repo server and ApplicationSet controller.
   * @default - the cluster's `availability.replicas`
   */
  readonly replicas?: number;
  /**
   * Redis in HA mode (redis-ha with HAProxy; needs three nodes in distinct zones or hosts).
   * @default - true when replicas > 1
   */
  readonly redisHa?: boolean;
  /**
   * Chart values we do not type, merged over ours (maps deeply, lists replaced).
   * @default - none
   */
  readonly additionalValues?: HelmValues;
}

const propsSchema = strictObject({
  replicas: replicasSchema().optional(),
  redisHa: z.boolean().optional(),
  additionalValues: additionalValuesSchema().optional(),
});

/**
 * Argo CD from its upstream chart, managing itself after the bootstrap, plus the GitOps wiring of
 * the cluster: the AppProjects, one ApplicationSet per wave, and the bootstrap Application.
 */
export class ArgoCd extends Component {
  constructor(scope: Platform, id: string, props: ArgoCdProps = {}) {
    const parsed = parseComponentProps(scope, id, propsSchema, props);
    const replicas = parsed.replicas ?? scope.spec.availability.replicas;
    const redisHa = parsed.redisHa ?? replicas > 1;
    const spread = scope.spec.availability.spread;
    const scaled = (component: string, cpu: [string, string], memory: [string, string]): ArgoCdDeploymentValues => ({
      replicas,
      resources: helmResources(cpu, memory),
      pdb: { enabled: replicas > 1, maxUnavailable: 1 },
      topologySpreadConstraints: replicas > 1 ? spreadConstraints(spread, { 'app.kubernetes.io/name': `argocd-${component}` }) : [],
    });
    const values: ArgoCdValues = {
      global: { domain: `argocd.${scope.spec.domain}` },
      crds: { install: true, keep: true },
      configs: {
        // TLS terminates at the Istio ingress gateway; inside the mesh the server speaks HTTP.
        params: { 'server.insecure': true },
        cm: {
          'application.resourceTrackingMethod': 'annotation',
          'exec.enabled': 'false',
          'timeout.reconciliation': '180s',
          'resource.customizations.health.argoproj.io_ApplicationSet': APPLICATIONSET_HEALTH_LUA,
        },
      },
      dex: { enabled: false },
      notifications: { enabled: false },
      // One application controller: sharding pays off with many clusters, not one.
      controller: { replicas: 1, resources: helmResources(['250m', '1'], ['512Mi', '2Gi']), pdb: { enabled: false } },
      server: scaled('server', ['50m', '500m'], ['128Mi', '512Mi']),
      repoServer: scaled('repo-server', ['100m', '1'], ['256Mi', '1Gi']),
      applicationSet: scaled('applicationset-controller', ['50m', '500m'], ['128Mi', '512Mi']),
      redis: { enabled: !redisHa, resources: helmResources(['50m', '250m'], ['64Mi', '256Mi']) },
      'redis-ha': { enabled: redisHa },
    };

    super(scope, id, {
      namespace: ARGOCD_NAMESPACE,
      project: 'infrastructure',
      chart: { ...ARGOCD_CHART, values: mergeValues(values, parsed.additionalValues) },
      upstreamClusterKinds: [
        { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      ],
    });

    allowWithinNamespace(this, ARGOCD_NAMESPACE);
    allowKubeApi(this, ARGOCD_NAMESPACE, scope.spec.network.vpcCidr);
    // Git and Helm chart repositories, over HTTPS or SSH: only the repo server fetches them (the
    // ApplicationSet controller's git generator goes through it too).
    allowEgress(this, {
      name: 'allow-git-and-helm-repositories',
      namespace: ARGOCD_NAMESPACE,
      podLabels: { 'app.kubernetes.io/name': 'argocd-repo-server' },
      peers: [ANYWHERE],
      ports: [{ port: 443 }, { port: 22 }],
    });
    allowIngress(this, {
      name: 'allow-ui-from-gateway',
      namespace: ARGOCD_NAMESPACE,
      podLabels: { 'app.kubernetes.io/name': 'argocd-server' },
      peers: [{ namespace: 'istio-ingress' }],
      ports: [{ port: 8080 }],
    });
    allowIngress(this, {
      name: 'allow-metrics-from-prometheus',
      namespace: ARGOCD_NAMESPACE,
      peers: [{ namespace: 'observability-system' }],
      ports: [{ port: 8082 }, { port: 8083 }, { port: 8084 }, { port: 8085 }],
    });

    this.addFlow({ to: { external: 'Git and Helm repositories' }, label: 'HTTPS 443, SSH 22' });
    scope.whenComplete(() => {
      for (const c of scope.components) if (c !== this) this.addFlow({ to: c.name, label: 'syncs', kind: 'manages' });
      renderAppProjects(this, scope);
      renderApplicationSets(this, scope, [this.name]);
      renderBootstrapApplication(this, scope, this);
    });
  }
}
