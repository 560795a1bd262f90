import { z } from 'zod';
import {
  ARGOCD_SYNC_WAVE,
  Component,
  IssuerRef,
  KUBE_API_PORTS,
  Namespace,
  POD_IDENTITY_AGENT,
  Platform,
  Resources,
  VAULT,
  VAULT_AUDIENCE,
  additionalValuesSchema,
  awsNames,
  external,
  flow,
  ha,
  helmResources,
  kubeApi,
  mergeValues,
  oncePerCluster,
  parseComponentProps,
  provide,
  quantity,
  showValue,
  strictObject,
  vaultAccesses,
  workload,
  issuerSchema,
} from '@platform/core';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
} from '@platform/crds/generated/cert-manager.io';
import {
  ADMIN_POLICY,
  AUTH_MOUNT,
  KV_MOUNT,
  adminPolicyHcl,
  auditJson,
  authJson,
  json,
  mountsJson,
  policyHcl,
  roleJson,
  vaultRoles,
} from './config';
import type { VaultProbeValues, VaultStorageValues, VaultValues } from './values';
import { VAULT_CHART, VAULT_VERSION } from './versions';

/** The props of Vault, checked at synth; the TypeScript type is derived from it (one definition). */
const propsSchema = strictObject({
  /**
   * `standalone`: one server, file storage on its volume (dev, local). `ha`: integrated storage
   * (Raft) on `replicas` servers spread like the cluster's availability, with a PodDisruptionBudget.
   * @default 'standalone'
   */
  mode: z.enum(['standalone', 'ha']).optional(),
  /**
   * Raft peers in `ha` mode: 3 tolerates one lost server, 5 two.
   * @default 3
   */
  replicas: z.union([z.literal(3), z.literal(5)], { error: (iss) => `got ${showValue(iss.input)}, Raft wants 3 or 5 servers` }).optional(),
  /**
   * Each server's data volume (the file or Raft storage).
   * @default { size: '1Gi' } on the provider's StorageClass (gp3 on EKS, kind's default local-path)
   */
  storage: strictObject({
    /** @default '1Gi' */
    size: quantity('"1Gi" or "10Gi"').optional(),
    /** @default - 'gp3' on EKS, the cluster default on kind */
    storageClass: z.string().min(1).optional(),
  }).optional(),
  /**
   * A volume for the file audit device (`audit.json` enables it); sized for the retention you need.
   * @default - no audit volume, no audit device
   */
  auditStorage: strictObject({ size: quantity('"10Gi"') }).optional(),
  /**
   * Auto-unseal with AWS KMS (EKS only): the key alias and the server's Pod Identity role are the
   * names Terraform creates (`awsNames(spec).vault`). Without it, an operator unseals each server
   * with the unseal keys after every restart.
   * @default - Shamir unseal keys
   */
  autoUnseal: z.literal('awskms', { error: (iss) => `got ${showValue(iss.input)}, allowed: "awskms"` }).optional(),
  /**
   * TLS on the listener: a cert-manager Certificate for the Service and pod names (and 127.0.0.1
   * for the CLI in the pod) from this issuer, mounted into the servers. An internal CA, not ACME.
   * @default - plaintext HTTP on 8200 (local and dev only)
   */
  tls: issuerSchema().optional(),
  /**
   * Chart values we do not type, merged over ours (maps deeply, lists replaced).
   * @default - none
   */
  additionalValues: additionalValuesSchema().optional(),
});

export type VaultProps = z.input<typeof propsSchema>;
type ParsedProps = z.output<typeof propsSchema>;

const NAMESPACE = 'vault';
/** The release name and so the chart's object names (`vault`, `vault-internal`, `vault-active`, `vault-0`). */
const RELEASE = 'vault';
/** The server pods (the chart's selector labels). */
const POD_LABELS = { 'app.kubernetes.io/name': 'vault', 'app.kubernetes.io/instance': RELEASE, component: 'server' };
const API_PORT = 8200;
const CLUSTER_PORT = 8201;
const TLS_SECRET = 'vault-tls';
/** `/v1/sys/health` answering 200 or 204 for every state of a running server (429 standby, 503 sealed, 501 uninitialized otherwise). */
const HEALTH = '/v1/sys/health?standbyok=true&perfstandbyok=true&sealedcode=204&uninitcode=204';
const TLS_DIR = `/vault/userconfig/${TLS_SECRET}`;
const RESOURCES: Resources = { cpu: { request: '250m', limit: '1' }, memory: { request: '256Mi', limit: '512Mi' } };

/**
 * HashiCorp Vault from the upstream chart: the secrets store the Vault Secrets Operator reads for
 * the platform's applications. No injector, UI on a ClusterIP Service, restricted pods.
 *
 * Its configuration is code: every `vaultAccess()` of the cluster becomes a policy and a
 * Kubernetes-auth role bound to exactly one ServiceAccount, rendered with the KV v2 mount, the auth
 * method and the audit device into `dist/<cluster>/vault/config/` (ADR 0007).
 */
export class Vault extends Component {
  /** In-cluster address of the active server's API. */
  readonly address: string;

  constructor(scope: Platform, id: string, props: VaultProps = {}) {
    const p = parseComponentProps(scope, id, propsSchema, props);
    if (p.autoUnseal === 'awskms' && scope.spec.provider !== 'eks')
      scope.report({
        file: scope.file,
        path: `components.${id}.autoUnseal`,
        message: `got "awskms" on ${showValue(scope.spec.provider)} cluster "${scope.spec.name}": AWS KMS auto-unseal needs EKS (the key and the Pod Identity role come from Terraform); leave autoUnseal out and unseal with the unseal keys`,
      });
    if (p.replicas !== undefined && p.mode !== 'ha')
      scope.report({
        file: scope.file,
        path: `components.${id}.replicas`,
        message: `got ${p.replicas} replicas in standalone mode: a standalone Vault is one server; set mode: 'ha' for Raft peers`,
      });
    super(scope, id, {
      namespace: Namespace.restricted(NAMESPACE),
      project: 'infrastructure',
      dependsOn: p.tls ? [p.tls.component.name] : [],
      chart: { ...VAULT_CHART, releaseName: RELEASE, values: mergeValues(chartValues(scope, p), p.additionalValues) },
    });
    const tls = !!p.tls;
    const scheme = tls ? 'https' : 'http';
    this.address = `${scheme}://${RELEASE}.${NAMESPACE}.svc:${API_PORT}`;
    if (p.tls) this.certificate(p.tls, p.mode === 'ha' ? (p.replicas ?? 3) : 1);

    // Vault reviews consumers' tokens (TokenReview) and, in HA, labels its pods active/standby.
    for (const kind of ['StatefulSet', 'ServiceAccount'])
      this.exemptChartObjects(
        { kind, name: RELEASE },
        'no-automount-service-account-token',
        "the Kubernetes auth method reviews consumers' ServiceAccount tokens with Vault's own token (TokenReview), and HA servers label their pods active or standby",
      );

    const server = workload(this, { name: 'vault', podLabels: POD_LABELS, serviceAccount: awsNames(scope.spec).vault.serviceAccount });
    flow({ from: server, to: kubeApi(scope), ports: KUBE_API_PORTS, label: 'TokenReview (Kubernetes auth), service registration' });
    if (p.mode === 'ha')
      flow({
        from: server,
        to: server,
        ports: [{ port: API_PORT }, { port: CLUSTER_PORT }],
        label: 'Raft replication, retry_join, request forwarding',
      });
    if (p.autoUnseal === 'awskms') {
      flow({ from: server, to: external('AWS KMS'), ports: [{ port: 443 }], label: 'auto-unseal (KMS)' });
      flow({ from: server, to: POD_IDENTITY_AGENT, ports: [{ port: 80 }], label: 'AWS credentials (Pod Identity)' });
    }

    provide(VAULT, {
      component: this,
      address: this.address,
      kvMount: KV_MOUNT,
      authMount: AUTH_MOUNT,
      tls,
      ...(tls && { caSecret: { name: TLS_SECRET, namespace: NAMESPACE, key: 'ca.crt' } }),
      ...(p.tls && { tlsIssuer: p.tls }),
      server,
    });

    scope.whenComplete(() => this.renderConfig(!!p.auditStorage));
  }

  /** The listener's certificate: the Service names, each pod by its headless name (Raft peers), 127.0.0.1 (the CLI in the pod). */
  private certificate(issuer: IssuerRef, replicas: number): void {
    const svc = (name: string) => [name, `${name}.${NAMESPACE}`, `${name}.${NAMESPACE}.svc`, `${name}.${NAMESPACE}.svc.cluster.local`];
    const pods = Array.from({ length: replicas }, (_, i) => `${RELEASE}-${i}.${RELEASE}-internal`);
    new Certificate(this, 'certificate-vault-tls', {
      // Before the StatefulSet: the servers mount its Secret.
      metadata: { name: TLS_SECRET, namespace: NAMESPACE, annotations: { [ARGOCD_SYNC_WAVE]: '-1' } },
      spec: {
        secretName: TLS_SECRET,
        commonName: `${RELEASE}.${NAMESPACE}.svc`,
        dnsNames: [
          ...svc(RELEASE),
          ...svc(`${RELEASE}-active`),
          ...svc(`${RELEASE}-standby`),
          ...svc(`${RELEASE}-internal`),
          ...pods,
          ...pods.map((p) => `${p}.${NAMESPACE}.svc`),
        ],
        ipAddresses: ['127.0.0.1'],
        duration: '2160h',
        renewBefore: '720h',
        privateKey: {
          algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA,
          size: 256,
          rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
        },
        issuerRef: { name: issuer.name, kind: issuer.kind, group: issuer.group },
      },
    });
  }

  /** dist/<cluster>/vault/config/: what apps/terraform-aws/vault applies (ADR 0007). */
  private renderConfig(audit: boolean): void {
    this.addConfigFile('mounts.json', json(mountsJson()));
    this.addConfigFile('auth.json', json(authJson()));
    if (audit) this.addConfigFile('audit.json', json(auditJson()));
    this.addConfigFile(`admin/${ADMIN_POLICY}.hcl`, adminPolicyHcl());
    for (const role of vaultRoles(vaultAccesses(this.platform))) {
      this.addConfigFile(`policies/${role.role}.hcl`, policyHcl(role));
      this.addConfigFile(`roles/${role.role}.json`, json(roleJson(role, VAULT_AUDIENCE)));
    }
  }
}

oncePerCluster(Vault, 'Vault', 'one secrets store per cluster: every consumer role and the operator point at it');

/** The server HCL: `ui = true`, the listener, the storage, the seal (the chart has no keys for them). */
export function serverHcl(spec: Platform['spec'], p: ParsedProps): string {
  const tls = !!p.tls;
  const listener = [
    'listener "tcp" {',
    `  address         = "[::]:${API_PORT}"`,
    `  cluster_address = "[::]:${CLUSTER_PORT}"`,
    ...(tls
      ? [`  tls_cert_file   = "${TLS_DIR}/tls.crt"`, `  tls_key_file    = "${TLS_DIR}/tls.key"`, '  tls_min_version = "tls12"']
      : ['  tls_disable     = 1']),
    '}',
  ];
  const storage =
    p.mode === 'ha'
      ? [
          'storage "raft" {',
          '  path = "/vault/data"',
          ...Array.from({ length: p.replicas ?? 3 }, (_, i) => {
            const host = `${RELEASE}-${i}.${RELEASE}-internal`;
            return [
              '  retry_join {',
              `    leader_api_addr = "${tls ? 'https' : 'http'}://${host}:${API_PORT}"`,
              ...(tls ? [`    leader_ca_cert_file   = "${TLS_DIR}/ca.crt"`, `    leader_tls_servername = "${host}"`] : []),
              '  }',
            ];
          }).flat(),
          '}',
          '',
          // The chart's active/standby Services select the labels Vault sets on its own pods.
          'service_registration "kubernetes" {}',
        ]
      : ['storage "file" {', '  path = "/vault/data"', '}'];
  const names = awsNames(spec).vault;
  const seal =
    p.autoUnseal === 'awskms'
      ? ['', 'seal "awskms" {', `  region     = "${spec.region ?? ''}"`, `  kms_key_id = "${names.kmsAlias}"`, '}']
      : [];
  return ['ui            = true', 'disable_mlock = true', '', ...listener, '', ...storage, ...seal, ''].join('\n');
}

function chartValues(scope: Platform, p: ParsedProps): VaultValues {
  const { spec } = scope;
  const tls = !!p.tls;
  const haMode = p.mode === 'ha';
  const replicas = haMode ? (p.replicas ?? 3) : 1;
  const h = ha({ replicas, spread: spec.availability.spread }, POD_LABELS);
  const storageClass = p.storage?.storageClass ?? (spec.provider === 'eks' ? 'gp3' : null);
  const volume = (size: string, mountPath: string, enabled: boolean): VaultStorageValues => ({
    enabled,
    size,
    storageClass,
    accessMode: 'ReadWriteOnce',
    mountPath,
  });
  const probe = (path: string, initialDelaySeconds: number): VaultProbeValues => ({
    enabled: true,
    path,
    port: API_PORT,
    failureThreshold: 3,
    initialDelaySeconds,
    periodSeconds: 10,
    successThreshold: 1,
    timeoutSeconds: 3,
  });
  const hcl = serverHcl(spec, p);
  const sa = awsNames(spec).vault.serviceAccount;
  return {
    global: { enabled: true, tlsDisable: !tls, serverTelemetry: { prometheusOperator: false } },
    injector: { enabled: false },
    csi: { enabled: false },
    server: {
      enabled: true,
      image: { repository: 'hashicorp/vault', tag: VAULT_VERSION, pullPolicy: 'IfNotPresent' },
      resources: helmResources(RESOURCES),
      // Ready and alive: the API answers, active or standby, sealed or not yet initialized. A sealed
      // server is not restarted (it waits for its keys), and an uninitialized Vault does not hold
      // up the waves after it until a person runs `vault operator init` (ADR 0007). Sealed is an
      // alert (monitoring), not a sync state.
      readinessProbe: probe(HEALTH, 5),
      livenessProbe: probe(HEALTH, 60),
      // The CLI in the pod (`vault operator init`) trusts the listener's CA.
      extraEnvironmentVars: tls ? { VAULT_CACERT: `${TLS_DIR}/ca.crt` } : {},
      // A read-only root: the entrypoint writes the rendered config to /tmp.
      volumes: [
        { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
        ...(tls ? [{ name: TLS_SECRET, secret: { secretName: TLS_SECRET, defaultMode: 0o440 } }] : []),
      ],
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(tls ? [{ name: TLS_SECRET, mountPath: TLS_DIR, readOnly: true }] : [])],
      topologySpreadConstraints: h.topologySpreadConstraints,
      // The chart's anti-affinity stays in HA (one server per node); none for one server.
      affinity: haMode
        ? `podAntiAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n    - labelSelector:\n        matchLabels:\n          app.kubernetes.io/name: vault\n          app.kubernetes.io/instance: ${RELEASE}\n          component: server\n      topologyKey: kubernetes.io/hostname\n`
        : '',
      dataStorage: volume(p.storage?.size ?? '1Gi', '/vault/data', true),
      auditStorage: volume(p.auditStorage?.size ?? '1Gi', '/vault/audit', !!p.auditStorage),
      authDelegator: { enabled: true },
      serviceAccount: { create: true, name: sa, createSecret: false, serviceDiscovery: { enabled: haMode } },
      statefulSet: {
        securityContext: {
          pod: { runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          container: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
      },
      service: { enabled: true },
      networkPolicy: { enabled: false },
      ingress: { enabled: false },
      route: { enabled: false },
      httproute: { enabled: false },
      standalone: haMode ? { enabled: false } : { enabled: true, config: hcl },
      ha: haMode
        ? {
            enabled: true,
            replicas,
            disruptionBudget: { enabled: h.disruptionBudget, maxUnavailable: 1 },
            raft: { enabled: true, setNodeId: true, config: hcl },
          }
        : { enabled: false },
    },
    ui: { enabled: true, serviceType: 'ClusterIP', externalPort: API_PORT, targetPort: API_PORT },
    serverTelemetry: { serviceMonitor: { enabled: false }, prometheusRules: { enabled: false } },
  };
}
