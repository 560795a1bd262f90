import { z } from 'zod';
import {
  IssuerRef,
  KUBE_API_PORTS,
  POD_IDENTITY_AGENT,
  external,
  flow,
  kubeApi,
  workload,
  reportProblem,
  addMonitor,
  ARGOCD_SYNC_WAVE,
  Component,
  componentSchema,
  Platform,
  additionalValuesSchema,
  helmResources,
  mergeValues,
  parseComponentProps,
  replicasSchema,
  ha,
  Resources,
  strictObject,
  Namespace,
} from '@platform/core';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
  ClusterIssuer,
} from '@platform/crds/generated/cert-manager.io';
import { Issuer, issuerInputsSchema } from './issuers';
import type { CertManagerDeploymentValues, CertManagerValues } from './values';
import { CERT_MANAGER_CHART, CERT_MANAGER_VERSION } from './versions';

/** The props of CertManager, checked at synth; the TypeScript type is derived from it (one definition). */
const propsSchema = strictObject({
  /** ClusterIssuers to create, e.g. `Issuer.letsEncrypt({...})` or `Issuer.selfSignedCa({...})`. */
  issuers: z
    .array(z.custom<Issuer>((v) => v instanceof Issuer, { error: 'expected Issuer.letsEncrypt(...) or Issuer.selfSignedCa(...)' }))
    .min(1, { error: 'at least one issuer is needed' }),
  /**
   * The cluster's ingress gateway: cert-manager syncs after it, so the Gateway API CRDs exist when
   * it starts (its Gateway API support) and HTTP-01 challenge routes find their listener.
   * @default - none: nothing to wait for
   */
  gateway: componentSchema('ingress gateway').optional(),
  /**
   * Replicas of the controller, webhook and CA injector.
   * @default - the cluster's `availability.replicas`
   */
  replicas: replicasSchema().optional(),
  /**
   * Chart values we do not type, merged over ours (maps deeply, lists replaced).
   * @default - none
   */
  additionalValues: additionalValuesSchema().optional(),
});

export type CertManagerProps = z.input<typeof propsSchema>;

const NAMESPACE = 'cert-manager';

/**
 * cert-manager from its upstream chart (with CRDs), the cluster's ClusterIssuers, and the network
 * flows the controller needs. ClusterIssuers sync after the chart's webhook is healthy (wave 1).
 */
export class CertManager extends Component {
  private readonly issuerNames: readonly string[];

  constructor(scope: Platform, id: string, props: CertManagerProps) {
    const parsed = parseComponentProps(scope, id, propsSchema, props);
    parsed.issuers.forEach((issuer, i) => parseComponentProps(scope, `${id}.issuers[${i}]`, issuerInputsSchema, issuer.inputs));
    const replicas = parsed.replicas ?? scope.spec.availability.replicas;
    const usesGatewayApi = parsed.issuers.some((i) => i.needs.usesGatewayApi);
    const spread = scope.spec.availability.spread;

    const image = { tag: CERT_MANAGER_VERSION };
    const deployment = (component: string, r: Resources): CertManagerDeploymentValues => {
      const h = ha({ replicas, spread }, { 'app.kubernetes.io/instance': id, 'app.kubernetes.io/component': component });
      return {
        image,
        replicaCount: h.replicas,
        podDisruptionBudget: { enabled: h.disruptionBudget, maxUnavailable: 1 },
        topologySpreadConstraints: h.topologySpreadConstraints,
        resources: helmResources(r),
      };
    };
    const values: CertManagerValues = {
      crds: { enabled: true, keep: true },
      global: { leaderElection: { namespace: NAMESPACE }, priorityClassName: 'system-cluster-critical' },
      ...deployment('controller', { cpu: { request: '50m', limit: '500m' }, memory: { request: '128Mi', limit: '512Mi' } }),
      enableCertificateOwnerRef: true,
      config: {
        apiVersion: 'controller.config.cert-manager.io/v1alpha1',
        kind: 'ControllerConfiguration',
        // HTTP-01 through the Gateway API needs the Gateway API CRDs before cert-manager starts.
        gatewayAPI: { enabled: usesGatewayApi },
      },
      webhook: deployment('webhook', { cpu: { request: '20m', limit: '200m' }, memory: { request: '64Mi', limit: '128Mi' } }),
      cainjector: deployment('cainjector', { cpu: { request: '20m', limit: '200m' }, memory: { request: '128Mi', limit: '512Mi' } }),
      startupapicheck: {
        image,
        resources: helmResources({ cpu: { request: '10m', limit: '100m' }, memory: { request: '32Mi', limit: '64Mi' } }),
      },
      acmesolver: { image },
      // The ServiceMonitor is added by the Prometheus component once its CRDs exist.
      prometheus: { enabled: true, servicemonitor: { enabled: false } },
    };

    super(scope, id, {
      namespace: Namespace.restricted(NAMESPACE),
      project: 'infrastructure',
      dependsOn: parsed.gateway ? [parsed.gateway.name] : [],
      chart: { ...CERT_MANAGER_CHART, values: mergeValues(values, parsed.additionalValues) },
    });

    const pods = ['cert-manager', 'cert-manager-cainjector', 'cert-manager-webhook', 'cert-manager-startupapicheck'];
    this.exemptChartObjects(
      pods.flatMap((name) => [
        { kind: 'ServiceAccount', name },
        { kind: 'Deployment', name },
        { kind: 'Job', name },
      ]),
      'no-automount-service-account-token',
      'calls the Kubernetes API: the controller reconciles certificates, the CA injector patches CA bundles, the webhook reads its serving certificate, the startup check creates a test Certificate',
    );
    this.exemptChartObjects(
      [{ kind: 'Deployment', name: 'cert-manager' }],
      'readiness-probe',
      'the controller serves no traffic (its Service is for metrics) and upstream exposes only a liveness endpoint (/livez)',
    );
    this.exemptChartObjects(
      [{ kind: 'Deployment', name: 'cert-manager-cainjector' }],
      'readiness-probe',
      'the CA injector serves no traffic and upstream exposes no health endpoint for it',
    );
    this.exemptChartObjects(
      [{ kind: 'Deployment', name: 'cert-manager-cainjector' }],
      'liveness-probe',
      'upstream exposes no health endpoint for the CA injector; it exits (and restarts) when it loses its leader lease or the API',
    );

    this.issuerNames = parsed.issuers.map((i) => i.name);
    for (const issuer of parsed.issuers) this.renderIssuer(issuer);

    // Every cert-manager process watches the API; the API server calls the webhook; the controller
    // talks to the ACME servers, to DNS for its DNS-01 self-check, and to Route 53 with Pod Identity.
    const everyPod = workload(this, { name: 'cert-manager' });
    const controller = workload(this, {
      name: 'cert-manager-controller',
      podLabels: { 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/component': 'controller' },
      serviceAccount: 'cert-manager',
    });
    flow({ from: everyPod, to: kubeApi(scope), ports: KUBE_API_PORTS, label: 'Kubernetes API' });
    flow({
      from: kubeApi(scope),
      to: workload(this, { name: 'cert-manager-webhook', podLabels: { 'app.kubernetes.io/component': 'webhook' } }),
      ports: [{ port: 10250 }],
      label: 'admission webhook',
    });
    addMonitor(this, {
      name: 'cert-manager',
      podLabels: { 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/component': 'controller' },
      port: { name: 'http-metrics', number: 9402 },
    });
    if (parsed.issuers.some((i) => i.type === 'acme')) {
      flow({ from: controller, to: external("Let's Encrypt ACME"), ports: [{ port: 443 }], label: 'HTTPS 443' });
      flow({
        from: controller,
        to: external('DNS servers'),
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
        label: 'DNS-01 propagation check',
      });
    }
    if (parsed.issuers.some((i) => i.needs.usesAwsApi)) {
      flow({ from: controller, to: external('AWS Route 53'), ports: [{ port: 443 }], label: 'DNS-01 challenges' });
      flow({ from: controller, to: POD_IDENTITY_AGENT, ports: [{ port: 80 }], label: 'AWS credentials' });
    }
  }

  /**
   * One of this component's ClusterIssuers, for another component's certificates (e.g. the
   * `tls` of `expose()`): a typed wire, so its user waits for cert-manager.
   * @param name the issuer's name, e.g. `letsencrypt-production` or the CA issuer's name
   */
  issuer(name: string): IssuerRef {
    if (!this.issuerNames.includes(name))
      reportProblem(
        this,
        'issuers',
        `got a reference to issuer "${name}", which this cert-manager does not define (defined: ${this.issuerNames.join(', ')})`,
      );
    return { component: this, name, kind: 'ClusterIssuer', group: 'cert-manager.io' };
  }

  private renderIssuer(issuer: Issuer): void {
    const afterWebhook = { [ARGOCD_SYNC_WAVE]: '1' };
    if (issuer.type === 'ca') {
      // A self-signed root, then a CA issuer signing with it (cert-manager's documented bootstrap).
      const root = `${issuer.name}-selfsigned-root`;
      new ClusterIssuer(this, `${issuer.name}-root-issuer`, {
        metadata: { name: root, annotations: afterWebhook },
        spec: { selfSigned: {} },
      });
      new Certificate(this, `${issuer.name}-certificate`, {
        metadata: { name: issuer.name, namespace: NAMESPACE, annotations: afterWebhook },
        spec: {
          isCa: true,
          commonName: issuer.inputs.commonName,
          secretName: issuer.name,
          duration: '87600h',
          renewBefore: '720h',
          privateKey: {
            algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA,
            size: 256,
            rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
          },
          issuerRef: { name: root, kind: 'ClusterIssuer', group: 'cert-manager.io' },
        },
      });
    }
    new ClusterIssuer(this, issuer.name, {
      metadata: { name: issuer.name, annotations: { [ARGOCD_SYNC_WAVE]: issuer.type === 'ca' ? '2' : '1' } },
      spec: issuer.spec(this.platform.spec),
    });
  }
}
