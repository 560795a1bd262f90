import { z } from 'zod';
import {
  KUBE_API_PORTS,
  external,
  flow,
  kubeApi,
  workload,
  addMonitor,
  expose,
  ARGOCD_NAMESPACE,
  Component,
  Platform,
  additionalValuesSchema,
  helmResources,
  mergeValues,
  replicasSchema,
  ha,
  Resources,
  oncePerCluster,
  parseComponentProps,
  renderAppProjects,
  renderApplicationSets,
  renderBootstrapApplications,
  Namespace,
  strictObject,
  vaultSecret,
  issuerSchema,
} from '@platform/core';
import { APPLICATIONSET_HEALTH_LUA } from './health';
import type { ArgoCdDeploymentValues, ArgoCdValues } from './values';
import { ARGOCD_CHART } from './versions';

/** `controller.sync.timeout.seconds`: the longest a sync operation (a platform wave included) runs before it is retried. */
export const SYNC_TIMEOUT_SECONDS = 1800;

/** The chart's metrics container ports (named `metrics`), by workload. */
const METRICS_PORTS: readonly [string, number][] = [
  ['argocd-application-controller', 8082],
  ['argocd-applicationset-controller', 8080],
  ['argocd-repo-server', 8084],
  ['argocd-server', 8083],
];

/** The Argo CD workloads (and their ServiceAccounts) that call the Kubernetes API. */
const API_CLIENTS = ['argocd-application-controller', 'argocd-applicationset-controller', 'argocd-server', 'argocd-redis-secret-init'];

/** The props of ArgoCd, checked at synth; the TypeScript type is derived from it (one definition). */
const propsSchema = strictObject({
  /**
   * Replicas of the API server, repo server and ApplicationSet controller.
   * @default - the cluster's `availability.replicas`
   */
  replicas: replicasSchema().optional(),
  /**
   * Redis in HA mode (redis-ha with HAProxy; needs three nodes in distinct zones or hosts).
   * @default - true when replicas > 1
   */
  redisHa: z.boolean().optional(),
  /**
   * Issuer of the UI's certificate when the cluster has an ingress gateway, e.g.
   * `certManager.issuer('letsencrypt-production')`.
   * @default - none: the gateway's own certificate serves the host
   */
  tls: issuerSchema().optional(),
  /**
   * The Git repository (`spec.gitops.repoURL`) is private: its credential comes from Vault, KV
   * path `argocd/repository` (keys `username` and `password` for an HTTPS URL, a token as the
   * password; `sshPrivateKey` for an SSH URL), as the repository Secret `repo-platform` the Vault
   * Secrets Operator creates and keeps in sync (it takes over the one made by hand at bootstrap).
   * Needs Vault and the operator in the cluster.
   * @default false - a public repository, no credential
   */
  privateRepository: z.boolean().optional(),
  /**
   * Chart values we do not type, merged over ours (maps deeply, lists replaced).
   * @default - none
   */
  additionalValues: additionalValuesSchema().optional(),
});

export type ArgoCdProps = z.input<typeof propsSchema>;

/**
 * Argo CD from its upstream chart (rendered at synth), managing itself after the bootstrap, plus
 * the GitOps wiring of the cluster: the AppProjects, one ApplicationSet per component, and the two
 * bootstrap Applications (`argocd` for Argo CD itself, `platform` for the ApplicationSets).
 */
export class ArgoCd extends Component {
  constructor(scope: Platform, id: string, props: ArgoCdProps = {}) {
    const parsed = parseComponentProps(scope, id, propsSchema, props);
    const replicas = parsed.replicas ?? scope.spec.availability.replicas;
    const redisHa = parsed.redisHa ?? replicas > 1;
    const spread = scope.spec.availability.spread;
    const redisResources = helmResources({ cpu: { request: '50m', limit: '250m' }, memory: { request: '64Mi', limit: '256Mi' } });
    const scaled = (component: string, r: Resources): ArgoCdDeploymentValues => {
      const h = ha({ replicas, spread }, { 'app.kubernetes.io/name': `argocd-${component}` });
      return {
        replicas: h.replicas,
        resources: helmResources(r),
        pdb: { enabled: h.disruptionBudget, maxUnavailable: 1 },
        topologySpreadConstraints: h.topologySpreadConstraints,
      };
    };
    const values: ArgoCdValues = {
      // The chart's NetworkPolicies allow all ingress to each component: ours (default-deny plus
      // the flows below) replace them.
      global: { domain: `argocd.${scope.spec.domain}`, networkPolicy: { create: false } },
      crds: { install: true, keep: true },
      configs: {
        params: {
          // TLS terminates at the Istio ingress gateway; inside the mesh the server speaks HTTP.
          'server.insecure': true,
          // No sync operation runs for ever (the default 0 means no timeout): the platform
          // Application retries a timed-out wave, and self-heal is never held up behind it.
          'controller.sync.timeout.seconds': SYNC_TIMEOUT_SECONDS,
        },
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
      controller: {
        replicas: 1,
        resources: helmResources({ cpu: { request: '250m', limit: '1' }, memory: { request: '512Mi', limit: '2Gi' } }),
        pdb: { enabled: false },
      },
      server: scaled('server', { cpu: { request: '50m', limit: '500m' }, memory: { request: '128Mi', limit: '512Mi' } }),
      // The repo server renders manifests and never calls the Kubernetes API (its Role is empty).
      repoServer: {
        ...scaled('repo-server', { cpu: { request: '100m', limit: '1' }, memory: { request: '256Mi', limit: '1Gi' } }),
        automountServiceAccountToken: false,
        serviceAccount: { automountServiceAccountToken: false },
      },
      applicationSet: {
        ...scaled('applicationset-controller', { cpu: { request: '50m', limit: '500m' }, memory: { request: '128Mi', limit: '512Mi' } }),
        readinessProbe: { enabled: true },
        livenessProbe: { enabled: true },
      },
      redis: {
        enabled: !redisHa,
        resources: redisResources,
        automountServiceAccountToken: false,
        readinessProbe: { enabled: true },
        livenessProbe: { enabled: true },
      },
      redisSecretInit: { resources: helmResources({ cpu: { request: '10m', limit: '100m' }, memory: { request: '32Mi', limit: '64Mi' } }) },
      'redis-ha': {
        enabled: redisHa,
        redis: { resources: redisResources },
        sentinel: { resources: helmResources({ cpu: { request: '20m', limit: '100m' }, memory: { request: '32Mi', limit: '64Mi' } }) },
        splitBrainDetection: {
          resources: helmResources({ cpu: { request: '10m', limit: '100m' }, memory: { request: '32Mi', limit: '64Mi' } }),
        },
        init: { resources: helmResources({ cpu: { request: '10m', limit: '100m' }, memory: { request: '32Mi', limit: '64Mi' } }) },
        podDisruptionBudget: { maxUnavailable: 1 },
        haproxy: {
          resources: helmResources({ cpu: { request: '50m', limit: '250m' }, memory: { request: '64Mi', limit: '256Mi' } }),
          init: { resources: helmResources({ cpu: { request: '10m', limit: '100m' }, memory: { request: '32Mi', limit: '64Mi' } }) },
          podDisruptionBudget: { maxUnavailable: 1 },
          serviceAccount: { automountToken: false },
        },
      },
    };
    super(scope, id, {
      namespace: Namespace.restricted(ARGOCD_NAMESPACE),
      project: 'bootstrap',
      chart: { ...ARGOCD_CHART, values: mergeValues(values, parsed.additionalValues) },
    });
    this.exemptChartObjects(
      API_CLIENTS.flatMap((name) => [
        { kind: 'ServiceAccount', name },
        { kind: 'Deployment', name },
        { kind: 'StatefulSet', name },
        { kind: 'Job', name },
      ]),
      'no-automount-service-account-token',
      'calls the Kubernetes API: the application controller and the ApplicationSet controller reconcile, the server serves the API and UI, the Redis secret init Job creates the Redis password Secret',
    );
    // Redis (HA) never calls the API: its chart leaves the ServiceAccount's field unset.
    this.patchChartObjects((o) => {
      if (o.kind === 'ServiceAccount' && o.metadata.name.startsWith('argocd-redis-ha')) o.automountServiceAccountToken = false;
    });
    this.exemptChartObjects(
      [
        { kind: 'ClusterRole', name: 'argocd-application-controller' },
        { kind: 'ClusterRole', name: 'argocd-server' },
      ],
      'rbac-no-wildcards',
      'Argo CD applies and inspects arbitrary kinds: what it may deploy is limited by the AppProjects, not by RBAC',
    );
    this.exemptChartObjects(
      { kind: 'StatefulSet', name: 'argocd-application-controller' },
      'liveness-probe',
      'the chart defines only a readiness probe (/healthz) for the application controller; upstream ships no liveness probe for it',
    );
    this.exemptChartObjects(
      { kind: 'StatefulSet', name: 'argocd-redis-ha-server' },
      'high-entropy-env-value',
      'SENTINEL_ID_<n> are sha1 digests of the release name and index, computed by the redis-ha chart: identifiers, not credentials',
    );
    // Argo CD's processes talk to each other and to Redis; the controllers and the server watch the
    // API. The Git repository, over HTTPS or SSH: only the repo server fetches it (the ApplicationSet
    // controller's git generator goes through it too). Charts are rendered into the repository, so
    // no chart repository is reached at sync time.
    const argocd = workload(this, { name: 'argocd' });
    flow({ from: argocd, to: argocd, label: 'between Argo CD processes and Redis' });
    flow({ from: argocd, to: kubeApi(scope), ports: KUBE_API_PORTS, label: 'Kubernetes API' });
    flow({
      from: workload(this, {
        name: 'argocd-repo-server',
        podLabels: { 'app.kubernetes.io/name': 'argocd-repo-server' },
        serviceAccount: 'argocd-repo-server',
      }),
      to: external('Git repository'),
      ports: [{ port: 443 }, { port: 22 }],
      label: 'HTTPS 443, SSH 22',
    });
    // The UI and API through the ingress gateway (TLS ends there), when the cluster has one.
    expose(this, {
      host: `argocd.${scope.spec.domain}`,
      service: 'argocd-server',
      port: 80,
      podLabels: { 'app.kubernetes.io/name': 'argocd-server' },
      serviceAccount: 'argocd-server',
      targetPort: 8080,
      tls: parsed.tls,
    });
    // The repo server is the Git client, so its ServiceAccount is the identity Vault knows (the
    // operator logs in as it; its pods never do). Argo CD reads the Secret live: nothing to restart.
    if (parsed.privateRepository) {
      const url = scope.spec.gitops.repoURL;
      vaultSecret(this, {
        serviceAccount: 'argocd-repo-server',
        path: 'argocd/repository',
        keys: [],
        destination: { name: 'repo-platform', labels: { 'argocd.argoproj.io/secret-type': 'repository' }, overwrite: true },
        templates: url.startsWith('https://')
          ? { type: 'git', url, username: '{{ get .Secrets "username" }}', password: '{{ get .Secrets "password" }}' }
          : { type: 'git', url, sshPrivateKey: '{{ get .Secrets "sshPrivateKey" }}' },
      });
    }
    // Metrics of every Argo CD process, when the cluster has a monitoring component.
    for (const [name, number] of METRICS_PORTS) {
      addMonitor(this, { name, podLabels: { 'app.kubernetes.io/name': name }, port: { name: 'metrics', number } });
    }
    scope.whenComplete(() => {
      for (const c of scope.components) if (c !== this) this.addFlow({ to: c.name, label: 'syncs', kind: 'manages' });
      renderAppProjects(this, scope);
      renderApplicationSets(this, scope, [this.name]);
      renderBootstrapApplications(this, scope, this);
    });
  }
}

oncePerCluster(ArgoCd, 'ArgoCd', 'it syncs every component of the cluster and owns its AppProjects and bootstrap Applications');
