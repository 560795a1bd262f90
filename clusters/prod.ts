import { defineCluster } from '@platform/core';
import { ArgoCd } from '@platform/argocd';
import { CertManager } from '@platform/cert-manager';
import { EKS_NETWORK, GITOPS, letsEncryptOnRoute53 } from './_shared';

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
    gitops: GITOPS,
    availability: { replicas: 2, spread: 'zone' },
  },
  (platform) => {
    const certManager = new CertManager(platform, 'cert-manager', { issuers: letsEncryptOnRoute53('platform-team@example.com') });
    new ArgoCd(platform, 'argocd', { replicas: 2, tls: certManager.issuer('letsencrypt-production') });
  },
);
