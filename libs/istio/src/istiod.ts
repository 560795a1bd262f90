import { z } from 'zod';
import {
  ARGOCD_SYNC_WAVE,
  Component,
  KUBE_API_PORTS,
  MESH,
  Platform,
  addMonitor,
  additionalValuesSchema,
  external,
  flow,
  ha,
  helmResources,
  kubeApi,
  mergeValues,
  parseComponentProps,
  provide,
  replicasSchema,
  strictObject,
  whenComposed,
  workload,
  componentSchema,
} from '@platform/core';
import { PeerAuthentication, PeerAuthenticationSpecMtlsMode } from '@platform/crds/generated/security.istio.io';
import type { IstioBase } from './base';
import type { IstioCni } from './cni';
import { ISTIO_NAMESPACE, istioSystemNamespace } from './namespace';
import type { IstiodValues } from './values';
import { ISTIOD_CHART, ISTIO_IMAGES } from './versions';

/** The props of Istiod, checked at synth; the TypeScript type is derived from it (one definition). */
const propsSchema = strictObject({
  /** Istio's CRDs (IstioBase): istiod installs after them, and the mesh's policies wait for them. */
  base: componentSchema<IstioBase>('IstioBase'),
  /** The istio-cni node agent: injected pods get their traffic redirection from it (no NET_ADMIN init container). */
  cni: componentSchema<IstioCni>('IstioCni'),
  /**
   * Replicas of istiod (a PodDisruptionBudget and spread from 2 on).
   * @default - the cluster's `availability.replicas`
   */
  replicas: replicasSchema().optional(),
  /**
   * Run istiod on the host network. Needed with Cilium's tunnel (overlay) routing, where the API
   * server, outside the overlay, reaches the injection webhook only at a node address (Cilium's
   * Istio guide). Makes `istio-system` Pod Security privileged: pass the same value to IstioBase.
   * Take it from the Cilium component in the cluster file.
   * @default false
   */
  hostNetwork: z.boolean().default(false),
  /**
   * Chart values we do not type, merged over ours (maps deeply, lists replaced).
   * @default - none
   */
  additionalValues: additionalValuesSchema().optional(),
});

export type IstiodProps = z.input<typeof propsSchema>;

/** The labels of istiod's pods, and their ServiceAccount (the chart's names for revision `default`). */
export const ISTIOD_POD_LABELS = { app: 'istiod', istio: 'pilot' } as const;
const ISTIOD = 'istiod';

/** istiod's ports: xDS and certificates over mTLS (sidecars, gateways), the webhooks, metrics. */
export const ISTIOD_PORTS = { xds: 15012, webhooks: 15017, monitoring: 15014 } as const;

/**
 * Istio's control plane (chart `istiod`): xDS, the mesh CA, the sidecar injector and config
 * validation. It is the cluster's mesh (`MESH`): namespaces declared `meshed` get sidecar
 * injection, core renders their deny-by-default and the flows' ALLOW AuthorizationPolicies, and
 * istiod renders the mesh-wide STRICT mTLS. Sidecars are native (init containers with
 * `restartPolicy: Always`) on every Kubernetes version, so Jobs in the mesh finish.
 */
export class Istiod extends Component {
  /** istiod's pods: flows to and from the control plane. */
  readonly pods;

  constructor(scope: Platform, id: string, props: IstiodProps) {
    const parsed = parseComponentProps(scope, id, propsSchema, props);
    const h = ha(
      { replicas: parsed.replicas ?? scope.spec.availability.replicas, spread: scope.spec.availability.spread },
      ISTIOD_POD_LABELS,
    );
    const values: IstiodValues = {
      global: {
        ...ISTIO_IMAGES,
        istioNamespace: ISTIO_NAMESPACE,
        proxy: {
          resources: helmResources({ cpu: { request: '50m', limit: '1' }, memory: { request: '128Mi', limit: '512Mi' } }),
          seccompProfile: { type: 'RuntimeDefault' },
        },
        // Ours below follows the cluster's availability (maxUnavailable 1, from 2 replicas on).
        defaultPodDisruptionBudget: { enabled: h.disruptionBudget },
        priorityClassName: 'system-cluster-critical',
        logAsJson: true,
      },
      // Rendered as istiod's webhook controller patches it once it serves: no drift in Argo CD (istio#57643).
      base: { validationFailurePolicy: 'Fail' },
      // Replicas follow the cluster file, not CPU: an HPA would fight the rendered count.
      autoscaleEnabled: false,
      replicaCount: h.replicas,
      pdb: { maxUnavailable: 1 },
      topologySpreadConstraints: h.topologySpreadConstraints,
      resources: helmResources({ cpu: { request: '200m', limit: '1' }, memory: { request: '512Mi', limit: '2Gi' } }),
      seccompProfile: { type: 'RuntimeDefault' },
      cni: { enabled: true },
      env: {
        // Kubernetes ≥ 1.33 turns native sidecars on by itself; 1.30–1.32 clusters behave the same.
        ENABLE_NATIVE_SIDECARS: 'true',
        // RequestAuthentication keys are fetched by the proxies, through the mesh: istiod has no
        // sidecar, so under STRICT mTLS it could not reach an issuer inside the mesh (Keycloak).
        PILOT_JWT_ENABLE_REMOTE_JWKS: 'envoy',
      },
      meshConfig: {
        accessLogFile: '/dev/stdout',
        accessLogEncoding: 'JSON',
        enablePrometheusMerge: true,
        // Egress is enforced by the NetworkPolicies derived from the flow graph (default deny);
        // REGISTRY_ONLY would need a ServiceEntry per external flow, which the graph does not render.
        outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
        // The application starts once its proxy is ready (no failed first connections).
        defaultConfig: { holdApplicationUntilProxyStarts: true },
      },
      // Only namespaces labelled `istio-injection: enabled` (declared meshed) get sidecars.
      sidecarInjectorWebhook: { enableNamespacesByDefault: false, rewriteAppHTTPProbe: true },
      telemetry: { enabled: true, v2: { enabled: true, prometheus: { enabled: true } } },
    };
    super(scope, id, {
      namespace: istioSystemNamespace(parsed.hostNetwork),
      project: 'infrastructure',
      dependsOn: [parsed.base.name, parsed.cni.name],
      chart: { ...ISTIOD_CHART, values: mergeValues(values, parsed.additionalValues) },
      providesMesh: true,
    });
    provide(MESH, { component: this, crds: parsed.base });

    this.exemptChartObjects(
      [
        { kind: 'ServiceAccount', name: ISTIOD },
        { kind: 'Deployment', name: ISTIOD },
      ],
      'no-automount-service-account-token',
      'istiod watches the cluster (services, endpoints, config), issues workload certificates after TokenReviews and patches its webhooks',
    );
    this.exemptChartObjects(
      { kind: 'Deployment', name: ISTIOD },
      'liveness-probe',
      'upstream defines only a readiness probe (/ready on 8080) for istiod, on purpose: a liveness restart would drop every proxy connection',
    );
    this.exemptChartObjects(
      [
        { kind: 'ClusterRole', name: 'istiod-clusterrole-istio-system' },
        { kind: 'ClusterRole', name: 'istio-reader-clusterrole-istio-system' },
      ],
      'rbac-no-wildcards',
      'istiod reads every kind of the Istio and Gateway API groups and writes their status; upstream grants them by wildcard',
    );
    if (parsed.hostNetwork) {
      this.patchChartObjects((o) => {
        if (o.kind !== 'Deployment' || o.metadata.name !== ISTIOD) return;
        o.spec.template.spec.hostNetwork = true;
        o.spec.template.spec.dnsPolicy = 'ClusterFirstWithHostNet';
      });
      this.exemptChartObjects(
        { kind: 'Deployment', name: ISTIOD },
        'no-host-namespaces',
        'with Cilium tunnel routing the API server reaches the sidecar injection webhook only on the host network (Cilium Istio guide)',
      );
    }

    // The mesh-wide mTLS, after istiod serves the validation webhook (wave 1 of this Application).
    new PeerAuthentication(this, 'peer-authentication-default', {
      metadata: { name: 'default', namespace: ISTIO_NAMESPACE, annotations: { [ARGOCD_SYNC_WAVE]: '1' } },
      spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT } },
    });

    this.pods = workload(this, { name: ISTIOD, podLabels: ISTIOD_POD_LABELS, serviceAccount: ISTIOD });
    flow({ from: this.pods, to: kubeApi(scope), ports: KUBE_API_PORTS, label: 'Kubernetes API' });
    // On the host network, istiod is reached at node addresses (policies cannot select its pods).
    const control = parsed.hostNetwork ? external('istiod (host network)', scope.spec.network.vpcCidr) : this.pods;
    if (!parsed.hostNetwork)
      flow({
        from: kubeApi(scope),
        to: this.pods,
        ports: [{ port: ISTIOD_PORTS.webhooks }],
        label: 'sidecar injection and validation webhooks',
      });
    // Every proxy of the mesh fetches its config and certificate from istiod.
    whenComposed(scope, () => {
      const seen = new Set<string>();
      for (const c of scope.components)
        for (const ns of c.namespaces) {
          if (!ns.meshed || !ns.managed || seen.has(ns.name)) continue;
          seen.add(ns.name);
          flow({
            from: workload(c, { name: ns.name, namespace: ns.name }),
            to: control,
            ports: [{ port: ISTIOD_PORTS.xds }],
            label: 'xDS and certificates',
          });
        }
    });
    addMonitor(this, { name: ISTIOD, podLabels: ISTIOD_POD_LABELS, port: { name: 'http-monitoring', number: ISTIOD_PORTS.monitoring } });
  }
}
