import { defineCluster } from '@platform/core';
import { ArgoCd } from '@platform/argocd';
import { CertManager, Issuer } from '@platform/cert-manager';
import { Karpenter } from '@platform/karpenter';
import { EKS_NETWORK, GITOPS, letsEncryptOnRoute53, networkAndMesh, platformServices } from './_shared';

/** Production on EKS over three zones: two replicas of every HA workload, spread over zones. */
export default defineCluster(
  {
    name: 'prod',
    environment: 'prod',
    provider: 'eks',
    region: 'eu-west-1',
    azs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    domain: 'platform.example.com',
    network: EKS_NETWORK,
    kubernetesVersion: '1.33',
    // The EKS API endpoint, recorded from Terraform: `terraform -chdir=apps/terraform-aws/envs/prod output -raw cluster_endpoint_host`.
    apiServer: { host: '7B2E64A0C91D3F58E0A4B6C2D8F17E93.gr7.eu-west-1.eks.amazonaws.com' },
    gitops: GITOPS,
    availability: { replicas: 2, spread: 'zone' },
  },
  (platform) => {
    const { cilium, gateway, istiod } = networkAndMesh(platform, { hubble: { relay: true, metrics: true } });
    new Karpenter(platform, 'karpenter', {
      cni: cilium,
      startupTaints: [cilium.agentNotReadyTaint],
      instanceTypes: ['m5.large'],
      cpuLimit: '20',
      amiVersion: 'v1.64.0',
    });
    const certManager = new CertManager(platform, 'cert-manager', {
      issuers: [
        ...letsEncryptOnRoute53('platform-team@example.com'),
        // In-cluster listeners (Vault): a private CA, since ACME cannot issue for *.svc names.
        Issuer.selfSignedCa({ name: 'platform-internal-ca', commonName: 'Platform prod internal CA' }),
      ],
      gateway,
    });
    new ArgoCd(platform, 'argocd', { replicas: 2, tls: certManager.issuer('letsencrypt-production') });
    platformServices(platform, {
      istiod,
      tls: certManager.issuer('letsencrypt-production'),
      vault: {
        mode: 'ha',
        storage: { size: '10Gi' },
        auditStorage: { size: '10Gi' },
        autoUnseal: 'awskms',
        tls: certManager.issuer('platform-internal-ca'),
      },
      instances: { keycloakDb: 3, keycloak: 2, apiDb: 2 },
      backups: { certManager },
    });
  },
);
