import { z } from 'zod';
import {
  ANYWHERE,
  ARGOCD_NAMESPACE,
  Component,
  Platform,
  TOPOLOGY_KEYS,
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
}

const propsSchema = strictObject({
  replicas: z
    .int()
    .min(1, { error: (iss) => `got ${JSON.stringify(iss.input)}, replicas must be an integer ≥ 1` })
    .optional(),
  redisHa: z.boolean().optional(),
});

type Resources = { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
const resources = (cpu: [string, string], memory: [string, string]): Resources => ({
  requests: { cpu: cpu[0], memory: memory[0] },
  limits: { cpu: cpu[1], memory: memory[1] },
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
    const spreadKey = TOPOLOGY_KEYS[scope.spec.availability.spread];
    const ha = (component: string, res: Resources) => ({
      replicas,
      resources: res,
      pdb: { enabled: replicas > 1, maxUnavailable: 1 },
      topologySpreadConstraints:
        replicas > 1
          ? [
              {
                maxSkew: 1,
                topologyKey: spreadKey,
                whenUnsatisfiable: 'DoNotSchedule',
                labelSelector: { matchLabels: { 'app.kubernetes.io/name': `argocd-${component}` } },
              },
            ]
          : [],
    });

    super(scope, id, {
      namespace: ARGOCD_NAMESPACE,
      project: 'infrastructure',
      chart: {
        ...ARGOCD_CHART,
        values: {
          global: { domain: `argocd.${scope.spec.domain}` },
          crds: { install: true, keep: true },
          configs: {
            params: {
              // TLS terminates at the Istio ingress gateway; inside the mesh the server speaks HTTP.
              'server.insecure': true,
            },
            cm: {
              'application.resourceTrackingMethod': 'annotation',
              'exec.enabled': false,
              'timeout.reconciliation': '180s',
              'resource.customizations.health.argoproj.io_ApplicationSet': APPLICATIONSET_HEALTH_LUA,
            },
          },
          dex: { enabled: false },
          notifications: { enabled: false },
          // One application controller: sharding needs more than one cluster to pay off.
          controller: { replicas: 1, resources: resources(['250m', '1'], ['512Mi', '2Gi']), pdb: { enabled: false } },
          server: ha('server', resources(['50m', '500m'], ['128Mi', '512Mi'])),
          repoServer: ha('repo-server', resources(['100m', '1'], ['256Mi', '1Gi'])),
          applicationSet: ha('applicationset-controller', resources(['50m', '500m'], ['128Mi', '512Mi'])),
          redis: { enabled: !redisHa, resources: resources(['50m', '250m'], ['64Mi', '256Mi']) },
          'redis-ha': { enabled: redisHa },
        },
      },
      upstreamClusterKinds: [
        { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      ],
    });

    allowWithinNamespace(this, ARGOCD_NAMESPACE);
    allowKubeApi(this, ARGOCD_NAMESPACE);
    // Git repositories and Helm chart repositories (repo server), over HTTPS or SSH.
    allowEgress(this, {
      name: 'allow-git-and-helm-repositories',
      namespace: ARGOCD_NAMESPACE,
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
