import { defineCluster } from '@platform/core';
import { ArgoCd } from '@platform/argocd';
import { CertManager, Issuer } from '@platform/cert-manager';
import { GITOPS, networkAndMesh, platformServices } from './_shared';

/** A kind cluster on a laptop: one replica of everything, a private CA instead of Let's Encrypt. */
export default defineCluster(
  {
    name: 'local',
    environment: 'local',
    provider: 'kind',
    azs: ['local'],
    // *.localtest.me resolves to 127.0.0.1: kind maps the gateway to the host's ports 80/443.
    domain: 'platform.localtest.me',
    network: { vpcCidr: '172.18.0.0/16', podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/16' },
    kubernetesVersion: '1.33',
    gitops: GITOPS,
    availability: { replicas: 1, spread: 'hostname' },
  },
  (platform) => {
    const { gateway, istiod } = networkAndMesh(platform);
    const certManager = new CertManager(platform, 'cert-manager', {
      issuers: [Issuer.selfSignedCa({ name: 'platform-ca', commonName: 'Platform local CA' })],
      gateway,
    });
    new ArgoCd(platform, 'argocd', { tls: certManager.issuer('platform-ca') });
    platformServices(platform, {
      istiod,
      tls: certManager.issuer('platform-ca'),
      // Unsealed by hand after a restart: kind has no KMS.
      vault: { mode: 'standalone' },
      instances: { keycloakDb: 1, keycloak: 1, apiDb: 1 },
    });
  },
);
