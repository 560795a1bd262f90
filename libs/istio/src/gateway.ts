import { z } from 'zod';
import {
  Component,
  INGRESS,
  INTERNET,
  Namespace,
  Platform,
  additionalValuesSchema,
  exposures,
  flow,
  ha,
  helmResources,
  mergeValues,
  namespaceSelector,
  parseComponentProps,
  provide,
  replicasSchema,
  strictObject,
  workload,
  componentSchema,
  issuerSchema,
} from '@platform/core';
import {
  Gateway,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
  GatewaySpecListenersTlsMode,
  HttpRoute,
  HttpRouteSpecRulesFiltersRequestRedirectScheme,
  HttpRouteSpecRulesFiltersRequestRedirectStatusCode,
  HttpRouteSpecRulesFiltersType,
} from '@platform/crds/generated/gateway.networking.k8s.io';
import type { Istiod } from './istiod';
import type { IstioGatewayValues } from './values';
import { ISTIO_GATEWAY_CHART, ISTIO_IMAGES } from './versions';

/** The props of IstioGateway, checked at synth; the TypeScript type is derived from it (one definition). */
const propsSchema = strictObject({
  /** The control plane: the gateway's proxy is injected by it and configured from it. */
  istiod: componentSchema<Istiod>('Istiod'),
  /** The component delivering the Gateway API CRDs (Gateway, HTTPRoute): exposed components wait for it. */
  gatewayApi: componentSchema<Component>('Gateway API CRDs'),
  /**
   * Issuer of the certificate of every host exposed without its own `tls`, e.g.
   * `certManager.issuer('letsencrypt-production')`.
   * @default - none: every expose() names its issuer
   */
  issuer: issuerSchema().optional(),
  /**
   * Proxy replicas at least (the HorizontalPodAutoscaler's minimum; a PodDisruptionBudget and spread from 2 on).
   * @default - the cluster's `availability.replicas`
   */
  replicas: replicasSchema().optional(),
  /**
   * Proxy replicas at most (HorizontalPodAutoscaler on 80% CPU).
   * @default - 5, or `replicas` when that is more
   */
  maxReplicas: replicasSchema().optional(),
  /**
   * Chart values we do not type, merged over ours (maps deeply, lists replaced).
   * @default - none
   */
  additionalValues: additionalValuesSchema().optional(),
});

export type IstioGatewayProps = z.input<typeof propsSchema>;

/** The gateway's namespace: meshed, so its proxies get their identity and config by injection. */
export const GATEWAY_NAMESPACE = 'istio-ingress';
/** The Gateway API Gateway every HTTPRoute of the cluster attaches to. */
export const GATEWAY_NAME = 'public';
/** The HTTP listener (port 80): only redirects to HTTPS; cert-manager's HTTP-01 solver routes attach to it too. */
export const HTTP_LISTENER = 'http';
/** The chart's Deployment, Service and ServiceAccount (its release name). */
const PROXY = 'istio-gateway';
/** The chart's selector labels of the proxy pods (`app: <name>`, `istio: <name without istio->`). */
const PROXY_LABELS = { app: PROXY, istio: 'gateway' } as const;

/** AWS Load Balancer Controller: an internet-facing NLB sending to pod IPs. */
const NLB_ANNOTATIONS = {
  'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
  'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
  'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
};

/**
 * The cluster's ingress (chart `gateway`): Envoy proxies behind a LoadBalancer Service (an AWS NLB
 * on EKS), and ONE Gateway API `Gateway` (class `istio`) served by them: Istio's manual deployment,
 * where `spec.addresses` names the chart's Service so Istio deploys no gateway of its own. Port 80
 * only redirects to HTTPS; port 443 has one listener per host the cluster exposes (`expose()`), with
 * that host's certificate and routes only from the exposing namespace.
 */
export class IstioGateway extends Component {
  constructor(scope: Platform, id: string, props: IstioGatewayProps) {
    const parsed = parseComponentProps(scope, id, propsSchema, props);
    const min = parsed.replicas ?? scope.spec.availability.replicas;
    const max = parsed.maxReplicas ?? Math.max(5, min);
    const h = ha({ replicas: min, spread: scope.spec.availability.spread }, PROXY_LABELS);
    const values: IstioGatewayValues = {
      service: { type: 'LoadBalancer', annotations: scope.spec.provider === 'eks' ? NLB_ANNOTATIONS : {} },
      autoscaling: { enabled: true, minReplicas: h.replicas, maxReplicas: max, targetCPUUtilizationPercentage: 80 },
      replicaCount: h.replicas,
      podDisruptionBudget: h.disruptionBudget ? { maxUnavailable: 1 } : {},
      topologySpreadConstraints: h.topologySpreadConstraints,
      resources: helmResources({ cpu: { request: '100m', limit: '2' }, memory: { request: '128Mi', limit: '1Gi' } }),
      securityContext: {
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
        // The chart's default, kept: Envoy binds the listener ports 80 and 443 without a capability.
        sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
      },
      // What the injected `gateway` template sets, in the manifest for validate and readers.
      readinessProbe: { httpGet: { path: '/healthz/ready', port: 15021 as never }, periodSeconds: 2, failureThreshold: 30 },
    };
    super(scope, id, {
      namespace: Namespace.restricted(GATEWAY_NAMESPACE, { meshed: true }),
      project: 'infrastructure',
      dependsOn: [parsed.istiod.name, parsed.gatewayApi.name],
      chart: { ...ISTIO_GATEWAY_CHART, releaseName: PROXY, values: mergeValues(values, parsed.additionalValues) },
    });
    if (max < h.replicas)
      this.platform.report({
        file: scope.file,
        path: `components.${id}.maxReplicas`,
        message: `got ${max}, less than replicas (${h.replicas}): the autoscaler's maximum is at least its minimum`,
      });

    // `image: auto` is filled in by the injector at admission; the manifest names the same image.
    this.patchChartObjects((o) => {
      if (o.kind === 'ServiceAccount' && o.metadata.name === PROXY) o.automountServiceAccountToken = false;
      if (o.kind !== 'Deployment' || o.metadata.name !== PROXY) return;
      o.spec.template.spec.automountServiceAccountToken = false;
      for (const c of o.spec.template.spec.containers)
        if (c.name === 'istio-proxy') c.image = `${ISTIO_IMAGES.hub}/proxyv2:${ISTIO_IMAGES.tag}`;
    });
    this.exemptChartObjects(
      { kind: 'Deployment', name: PROXY },
      'liveness-probe',
      "Istio's injected gateway proxy has only a readiness probe (/healthz/ready on 15021); pilot-agent restarts Envoy itself",
    );

    const proxies = workload(this, { name: PROXY, podLabels: PROXY_LABELS, serviceAccount: PROXY });
    provide(INGRESS, {
      component: this,
      gateway: { name: GATEWAY_NAME, namespace: GATEWAY_NAMESPACE },
      proxies,
      crds: parsed.gatewayApi,
      ...(parsed.issuer && { issuer: parsed.issuer }),
    });
    flow({ from: INTERNET, to: proxies, ports: [{ port: 80 }, { port: 443 }], label: 'HTTP(S)' });

    new HttpRoute(this, 'httproute-https-redirect', {
      metadata: { name: 'https-redirect', namespace: GATEWAY_NAMESPACE },
      spec: {
        parentRefs: [{ name: GATEWAY_NAME, namespace: GATEWAY_NAMESPACE, sectionName: HTTP_LISTENER }],
        rules: [
          {
            filters: [
              {
                type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
                requestRedirect: {
                  scheme: HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS,
                  statusCode: HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301,
                },
              },
            ],
          },
        ],
      },
    });
    // The listeners follow every expose() of the cluster, known once it is complete.
    scope.whenComplete(() => {
      new Gateway(this, 'gateway', {
        metadata: { name: GATEWAY_NAME, namespace: GATEWAY_NAMESPACE },
        spec: {
          gatewayClassName: 'istio',
          // Manual deployment: the chart's Service and proxies serve this Gateway.
          addresses: [{ type: 'Hostname', value: `${PROXY}.${GATEWAY_NAMESPACE}.svc.cluster.local` }],
          listeners: [
            {
              name: HTTP_LISTENER,
              port: 80,
              protocol: 'HTTP',
              allowedRoutes: { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } },
            },
            ...exposures(scope).map((e) => ({
              name: e.sectionName,
              hostname: e.host,
              port: 443,
              protocol: 'HTTPS',
              tls: { mode: GatewaySpecListenersTlsMode.TERMINATE, certificateRefs: [{ kind: 'Secret', name: e.secretName }] },
              allowedRoutes: {
                namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SELECTOR, selector: namespaceSelector(e.namespace) },
              },
            })),
          ],
        },
      });
    });
  }
}
