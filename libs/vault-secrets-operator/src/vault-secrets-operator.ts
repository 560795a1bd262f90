import { z } from 'zod';
import {
  Component,
  KUBE_API_PORTS,
  Namespace,
  Platform,
  Resources,
  VAULT,
  VAULT_SECRETS,
  addMonitor,
  additionalValuesSchema,
  flow,
  ha,
  helmResources,
  kubeApi,
  mergeValues,
  oncePerCluster,
  parseComponentProps,
  provide,
  providerOf,
  replicasSchema,
  reportProblem,
  strictObject,
  whenComposed,
  workload,
  issuerSchema,
} from '@platform/core';
import { VaultConnection } from '@platform/crds/generated/secrets.hashicorp.com';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
} from '@platform/crds/generated/cert-manager.io';
import type { VaultSecretsOperatorValues } from './values';
import { VAULT_SECRETS_OPERATOR_CHART } from './versions';

/** The props of VaultSecretsOperator, checked at synth; the TypeScript type is derived from it (one definition). */
const propsSchema = strictObject({
  /**
   * Replicas of the controller (one leader, the others on standby).
   * @default - the cluster's `availability.replicas`
   */
  replicas: replicasSchema().optional(),
  /**
   * The CA issuer that signed Vault's listener certificate, e.g.
   * `certManager.issuer('platform-internal-ca')`, when Vault serves TLS and its CA Secret is not in
   * the operator's namespace: the operator gets the CA (`ca.crt`) from a Certificate of that
   * issuer in its own namespace, and syncs after cert-manager.
   * @default - the issuer the cluster's Vault announces (`VaultProvider.tlsIssuer`)
   */
  vaultCa: issuerSchema().optional(),
  /**
   * Chart values we do not type, merged over ours (maps deeply, lists replaced).
   * @default - none
   */
  additionalValues: additionalValuesSchema().optional(),
});

export type VaultSecretsOperatorProps = z.input<typeof propsSchema>;

export const VAULT_SECRETS_OPERATOR_NAMESPACE = 'vault-secrets-operator-system';
/** The chart's object names: `<release>-controller-manager` (release = component name = chart name). */
const CONTROLLER = 'vault-secrets-operator-controller-manager';
/** The chart's pod labels of the controller (its selector). */
const POD_LABELS = { 'app.kubernetes.io/name': 'vault-secrets-operator', 'control-plane': 'controller-manager' };
/** The manager's metrics, plain HTTP (the chart's kube-rbac-proxy is removed, see below). */
const METRICS_PORT = 8080;
/** The default VaultConnection every VaultAuth of vaultSecret() names. */
const CONNECTION = 'default';
/** Secret of the CA that signed Vault's certificate, in the operator's namespace (key `ca.crt`, as VaultConnection wants). */
const VAULT_CA_SECRET = 'vault-ca';
const RESOURCES: Resources = { cpu: { request: '50m', limit: '500m' }, memory: { request: '128Mi', limit: '256Mi' } };
const HOOK_RESOURCES: Resources = { cpu: { request: '10m', limit: '200m' }, memory: { request: '64Mi', limit: '128Mi' } };
/** The manager image's non-root user (distroless `nonroot`). */
const UID = 65532;

/**
 * The Vault Secrets Operator (HashiCorp's chart, with its CRDs): it logs in to the cluster's Vault
 * as each consumer's ServiceAccount and keeps the Secrets that `vaultSecret()` declares in sync with
 * Vault. Its default VaultConnection points at the Vault component of the cluster (TLS with that
 * Vault's CA when it serves TLS). Consumers of `vaultSecret()` sync after it.
 *
 * The chart's CRD-upgrade hook Job is off: the CRDs are in the manifests (Argo CD would otherwise
 * run that pre-upgrade hook before every sync). Metrics are plain HTTP on the manager (8080), open
 * only to the scraper the flow graph allows; the chart's kube-rbac-proxy sidecar, which would want
 * a bearer token the PodMonitor does not carry, is removed.
 */
export class VaultSecretsOperator extends Component {
  constructor(scope: Platform, id: string, props: VaultSecretsOperatorProps = {}) {
    const p = parseComponentProps(scope, id, propsSchema, props);
    super(scope, id, {
      namespace: Namespace.restricted(VAULT_SECRETS_OPERATOR_NAMESPACE),
      project: 'infrastructure',
      chart: { ...VAULT_SECRETS_OPERATOR_CHART, values: mergeValues(chartValues(scope, p), p.additionalValues) },
    });
    const namespace = this.home.name;
    // A second operator of the cluster is reported (once per cluster) and not registered: it renders nothing more.
    if (scope.tryFind(id) !== this) return;
    provide(VAULT_SECRETS, { component: this, connection: { name: CONNECTION, namespace }, crds: this });

    this.exemptChartObjects(
      [
        { kind: 'ServiceAccount', name: CONTROLLER },
        { kind: 'Deployment', name: CONTROLLER },
        { kind: 'Job', name: 'pdcc-vault-secrets-operator' },
      ],
      'no-automount-service-account-token',
      "the operator reads its custom resources, requests consumers' ServiceAccount tokens (TokenRequest) and writes their Secrets through the Kubernetes API; the pre-delete Job removes its finalizers",
    );
    // Metrics straight from the manager: its port gets a name, the sidecar goes.
    this.patchChartObjects((o) => {
      if (o.kind !== 'Deployment' || o.metadata.name !== CONTROLLER) return;
      const spec = o.spec.template.spec;
      spec.containers = spec.containers
        .filter((c: { name: string }) => c.name !== 'kube-rbac-proxy')
        .map((c: { name: string; ports?: unknown[] }) =>
          c.name === 'manager' ? { ...c, ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }] } : c,
        );
    });

    // The HCPAuth CRD documents its Secret's shape with the key names as values, which the secret
    // scan reads as a literal client secret: the example becomes a placeholder (description text only).
    this.patchChartObjects((o) => {
      if (o.kind === 'CustomResourceDefinition' && o.metadata.name === 'hcpauths.secrets.hashicorp.com')
        replaceStrings(o, HCP_EXAMPLE, HCP_PLACEHOLDER);
    });

    const controller = workload(this, { name: 'vault-secrets-operator', podLabels: POD_LABELS, serviceAccount: CONTROLLER });
    // Every pod of the namespace: the pre-delete Job's pods carry no labels.
    flow({ from: workload(this), to: kubeApi(scope), ports: KUBE_API_PORTS, label: 'Kubernetes API' });
    addMonitor(this, { name: 'vault-secrets-operator', podLabels: POD_LABELS, port: { name: 'metrics', number: METRICS_PORT } });

    whenComposed(scope, () => {
      const vault = providerOf(scope, VAULT);
      if (!vault) {
        reportProblem(
          this,
          '',
          "the cluster has no Vault for the operator's default VaultConnection: add `new Vault(platform, 'vault', { ... })` (libs/vault) to the cluster file, or remove the operator",
        );
        return;
      }
      flow({ from: controller, to: vault.server, ports: [{ port: 8200 }], label: 'Vault API 8200' });
      let caCertSecretRef: string | undefined;
      if (vault.tls) {
        const ca = vault.caSecret;
        const issuer = p.vaultCa ?? vault.tlsIssuer;
        if (ca && ca.namespace === namespace && ca.key === 'ca.crt') {
          caCertSecretRef = ca.name;
        } else if (issuer) {
          this.needs(issuer.component);
          // A Certificate of the CA issuer only for its `ca.crt` (the CA certificate); its own key pair is unused.
          new Certificate(this, 'certificate-vault-ca', {
            metadata: { name: VAULT_CA_SECRET, namespace },
            spec: {
              secretName: VAULT_CA_SECRET,
              commonName: `${CONTROLLER}.${namespace}.svc`,
              dnsNames: [`${CONTROLLER}.${namespace}.svc`],
              issuerRef: { name: issuer.name, kind: issuer.kind, group: issuer.group },
              privateKey: {
                algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA,
                size: 256,
                rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
              },
            },
          });
          caCertSecretRef = VAULT_CA_SECRET;
        } else {
          reportProblem(
            this,
            'vaultCa',
            `Vault serves TLS and its CA is ${ca ? `in Secret ${ca.namespace}/${ca.name} (key ${ca.key})` : 'not announced'}, and it names no issuer, so the operator's VaultConnection cannot trust it (it wants key ca.crt in a Secret of ${namespace}): pass vaultCa, the issuer that signed Vault's certificate (e.g. certManager.issuer("platform-internal-ca"))`,
          );
        }
      }
      new VaultConnection(this, 'vaultconnection-default', {
        metadata: { name: CONNECTION, namespace },
        spec: {
          address: vault.address,
          skipTlsVerify: false,
          ...(caCertSecretRef && { caCertSecretRef }),
        },
      });
    });
  }
}

oncePerCluster(
  VaultSecretsOperator,
  'VaultSecretsOperator',
  'one operator watches every namespace and owns the default VaultConnection the VaultAuths name',
);

const HCP_KEY = 'clientSecret';
const HCP_EXAMPLE = `"${HCP_KEY}": "${HCP_KEY}"`;
const HCP_PLACEHOLDER = `"${HCP_KEY}": "<${HCP_KEY}>"`;

/** Replaces `from` by `to` in every string under `node`, in place. */
function replaceStrings(node: Record<string, unknown> | unknown[], from: string, to: string): void {
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string' && value.includes(from)) (node as Record<string, unknown>)[key] = value.split(from).join(to);
    else if (value && typeof value === 'object') replaceStrings(value as Record<string, unknown>, from, to);
  }
}

type ParsedProps = z.output<typeof propsSchema>;

function chartValues(scope: Platform, p: ParsedProps): VaultSecretsOperatorValues {
  const { spec } = scope;
  const h = ha({ replicas: p.replicas ?? spec.availability.replicas, spread: spec.availability.spread }, POD_LABELS);
  return {
    controller: {
      replicas: h.replicas,
      topologySpreadConstraints: h.topologySpreadConstraints,
      podDisruptionBudget: { enabled: h.disruptionBudget, maxUnavailable: 1, minAvailable: '' },
      // Removed by the component (see the class comment); its resources are set all the same.
      kubeRbacProxy: { resources: helmResources(HOOK_RESOURCES) },
      manager: {
        resources: helmResources(RESOURCES),
        extraArgs: [`--metrics-bind-address=:${METRICS_PORT}`],
        globalTransformationOptions: { excludeRaw: true },
      },
      podSecurityContext: { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID, seccompProfile: { type: 'RuntimeDefault' } },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      },
    },
    metricsService: { ports: [{ name: 'metrics', port: METRICS_PORT, protocol: 'TCP', targetPort: 'metrics' }] },
    defaultVaultConnection: { enabled: false },
    defaultAuthMethod: { enabled: false },
    telemetry: { serviceMonitor: { enabled: false } },
    hooks: { resources: helmResources(HOOK_RESOURCES), upgradeCRDs: { enabled: false } },
    csi: { enabled: false },
  };
}
