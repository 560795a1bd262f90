// Facts several clusters share. Files whose name starts with `_` are modules, not clusters.
import { type IssuerRef, Namespace, type Platform } from '@platform/core';
import { AcmeSolver, type CertManager, Issuer } from '@platform/cert-manager';
import { CloudNativePg, CnpgBarmanCloud, PostgresCluster } from '@platform/cnpg';
import { Keycloak } from '@platform/keycloak';
import { API_DB_ROLES, AUTHENTICATOR_ROLE, BOOTSTRAP_SQL_FILE, PostgrestApi } from '@platform/postgrest-api';
import { Vault } from '@platform/vault';
import { VaultSecretsOperator } from '@platform/vault-secrets-operator';
import { Cilium, type CiliumProps } from '@platform/cilium';
import { GatewayApi } from '@platform/gateway-api';
import { IstioBase, IstioCni, IstioGateway, Istiod } from '@platform/istio';

/** The repository and revision Argo CD pulls dist/ from, and where it deploys (its own cluster). */
export const GITOPS = {
  repoURL: 'https://github.com/example-org/platform-manifests.git',
  revision: 'main',
  destination: { server: 'https://kubernetes.default.svc' },
} as const;

/** The EKS clusters' network: VPC, the secondary CIDR pods get through ENI IPAM, services. */
export const EKS_NETWORK = { vpcCidr: '10.0.0.0/16', podCidr: '100.64.0.0/16', serviceCidr: '172.20.0.0/16' } as const;

/** Let's Encrypt staging and production, DNS-01 on the cluster's Route 53 zone. */
export const letsEncryptOnRoute53 = (email: string) => [
  Issuer.letsEncrypt({ staging: true, email, solver: AcmeSolver.route53() }),
  Issuer.letsEncrypt({ staging: false, email, solver: AcmeSolver.route53() }),
];

/**
 * The network, mesh and edge of every cluster, in wave order: Cilium (the CNI), the Gateway API
 * CRDs and Istio's base, its CNI plugin and istiod, then the ingress gateway. Where Cilium tunnels
 * (kind), the API server cannot reach pod IPs, so istiod serves its webhooks from the host network.
 */
export function networkAndMesh(platform: Platform, cilium: CiliumProps = {}) {
  const cni = new Cilium(platform, 'cilium', cilium);
  const gatewayApi = new GatewayApi(platform, 'gateway-api', { cni });
  const hostNetwork = !cni.apiServerReachesPods;
  const base = new IstioBase(platform, 'istio-base', { cni, gatewayApi, hostNetwork });
  const istioCni = new IstioCni(platform, 'istio-cni', { base });
  const istiod = new Istiod(platform, 'istiod', { base, cni: istioCni, hostNetwork });
  const gateway = new IstioGateway(platform, 'istio-gateway', { istiod, gatewayApi });
  return { cilium: cni, gateway, istiod };
}

/** The sizes SPEC.md gives the databases: 10Gi each, 512Mi–1Gi, 500m–1 CPU. */
const DATABASE = {
  storage: { size: '10Gi' },
  resources: { cpu: { request: '500m', limit: '1' }, memory: { request: '512Mi', limit: '1Gi' } },
} as const;

/** What differs between clusters above the mesh: data, never code. */
export interface PlatformServicesOptions {
  readonly istiod: Istiod;
  /** Issuer of the public hosts' certificates (Keycloak, the API). */
  readonly tls: IssuerRef;
  /** Vault: a standalone server, or HA Raft over zones with KMS auto-unseal and TLS on the listener. */
  readonly vault: ConstructorParameters<typeof Vault>[2];
  /** Instances: Keycloak's database and server, and the API's database. */
  readonly instances: { readonly keycloakDb: number; readonly keycloak: number; readonly apiDb: number };
  /** Continuous backups of both databases to S3 (the Barman Cloud plugin), with cert-manager for its certificates. */
  readonly backups?: { readonly certManager: CertManager };
}

/**
 * Secrets, data, identity and the API, in wave order: Vault and its secrets operator; the
 * CloudNativePG operator (and its backup plugin); Keycloak on its database, with the API realm;
 * the PostgREST API on its database, secured by Keycloak's tokens at the edge and row-level
 * security in PostgreSQL.
 */
export function platformServices(platform: Platform, o: PlatformServicesOptions) {
  new Vault(platform, 'vault', o.vault);
  new VaultSecretsOperator(platform, 'vault-secrets-operator');
  const cnpg = new CloudNativePg(platform, 'cnpg');
  if (o.backups) new CnpgBarmanCloud(platform, 'cnpg-barman-cloud', { operator: cnpg, certManager: o.backups.certManager });
  const backup = (hour: number) => (o.backups ? { backup: { schedule: `0 0 ${hour} * * *` } } : {});
  const keycloakDb = new PostgresCluster(platform, 'keycloak-db', {
    operator: cnpg,
    namespace: Namespace.restricted('iam-system', { meshed: true }),
    project: 'iam',
    instances: o.instances.keycloakDb,
    ...DATABASE,
    database: 'keycloak',
    owner: 'keycloak',
    ...backup(3),
  });
  const keycloak = new Keycloak(platform, 'keycloak', { database: keycloakDb, instances: o.instances.keycloak, tls: o.tls });
  const apiDb = new PostgresCluster(platform, 'api-db', {
    operator: cnpg,
    namespace: Namespace.restricted('api', { meshed: true }),
    instances: o.instances.apiDb,
    ...DATABASE,
    database: 'app',
    owner: 'app',
    // The bootstrap SQL creates the NOLOGIN roles; CloudNativePG manages the LOGIN role and its memberships.
    managedRoles: [
      {
        name: AUTHENTICATOR_ROLE,
        login: true,
        inherit: false,
        inRoles: [API_DB_ROLES.anonymous, API_DB_ROLES.user],
        passwordFromVault: true,
      },
      { name: API_DB_ROLES.anonymous },
      { name: API_DB_ROLES.user },
    ],
    bootstrapSql: { file: BOOTSTRAP_SQL_FILE },
    ...backup(2),
  });
  new PostgrestApi(platform, 'postgrest-api', { database: apiDb, identity: keycloak, istiod: o.istiod, tls: o.tls });
}
