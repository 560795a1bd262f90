// Facts several clusters share. Files whose name starts with `_` are modules, not clusters.
import { AcmeSolver, Issuer } from '@platform/cert-manager';

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
