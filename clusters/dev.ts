import { defineCluster } from '@platform/core';
import { ArgoCd } from '@platform/argocd';
import { CertManager } from '@platform/cert-manager';
import { EKS_NETWORK, GITOPS, letsEncryptOnRoute53 } from './_shared';

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
    gitops: GITOPS,
    availability: { replicas: 1, spread: 'hostname' },
  },
  (platform) => {
    const certManager = new CertManager(platform, 'cert-manager', { issuers: letsEncryptOnRoute53('platform-team@example.com') });
    new ArgoCd(platform, 'argocd', { tls: certManager.issuer('letsencrypt-production') });
  },
);
