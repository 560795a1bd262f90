import { defineCluster } from '@platform/core';
import { ArgoCd } from '@platform/argocd';
import { AcmeSolver, CertManager, Issuer } from '@platform/cert-manager';
import { Namespaces } from '@platform/namespaces';

const domain = 'platform.example.com';
const acme = { email: 'platform-team@example.com', solver: AcmeSolver.route53() };

/** Production on EKS over three zones: two replicas of every HA workload, spread over zones. */
export default defineCluster(
  {
    name: 'prod',
    environment: 'prod',
    provider: 'eks',
    region: 'eu-west-1',
    azs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    domain,
    network: { vpcCidr: '10.0.0.0/16', podCidr: '100.64.0.0/16', serviceCidr: '172.20.0.0/16' },
    kubernetesVersion: '1.33',
    gitops: {
      repoURL: 'https://github.com/example-org/platform-manifests.git',
      revision: 'main',
      destination: { server: 'https://kubernetes.default.svc' },
    },
    availability: { replicas: 2, spread: 'zone' },
  },
  (platform) => {
    new Namespaces(platform, 'namespaces');
    new CertManager(platform, 'cert-manager', {
      issuers: [Issuer.letsEncrypt({ staging: true, ...acme }), Issuer.letsEncrypt({ staging: false, ...acme })],
    });
    new ArgoCd(platform, 'argocd', { replicas: 2 });
  },
);
