import { defineCluster } from '@platform/core';
import { ArgoCd } from '@platform/argocd';
import { CertManager } from '@platform/cert-manager';
import { Karpenter } from '@platform/karpenter';
import { EKS_NETWORK, GITOPS, letsEncryptOnRoute53, networkAndMesh, platformServices } from './_shared';

/** The shared development cluster on EKS: single replicas, spread over nodes. */
export default defineCluster(
  {
    name: 'dev',
    environment: 'dev',
    provider: 'eks',
    region: 'eu-west-1',
    azs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    domain: 'dev.platform.example.com',
    network: EKS_NETWORK,
    kubernetesVersion: '1.33',
    // The EKS API endpoint, recorded from Terraform: `terraform -chdir=apps/terraform-aws/envs/dev output -raw cluster_endpoint_host`.
    apiServer: { host: '0F3A9C51D27B84E6A1C0D9F2B7E45A18.gr7.eu-west-1.eks.amazonaws.com' },
    gitops: GITOPS,
    availability: { replicas: 1, spread: 'hostname' },
  },
  (platform) => {
    const { cilium, gateway, istiod } = networkAndMesh(platform);
    new Karpenter(platform, 'karpenter', {
      cni: cilium,
      startupTaints: [cilium.agentNotReadyTaint],
      instanceTypes: ['m5.large'],
      cpuLimit: '20',
      amiVersion: 'latest',
    });
    const certManager = new CertManager(platform, 'cert-manager', { issuers: letsEncryptOnRoute53('platform-team@example.com'), gateway });
    new ArgoCd(platform, 'argocd', { tls: certManager.issuer('letsencrypt-production') });
    platformServices(platform, {
      istiod,
      tls: certManager.issuer('letsencrypt-production'),
      // KMS auto-unseal: Karpenter moves pods, and a restarted standalone server must not wait for a person.
      vault: { mode: 'standalone', storage: { size: '1Gi' }, autoUnseal: 'awskms' },
      instances: { keycloakDb: 1, keycloak: 1, apiDb: 1 },
    });
  },
);
