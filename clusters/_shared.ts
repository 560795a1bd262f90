// Facts several clusters share. Files whose name starts with `_` are modules, not clusters.
import type { Platform } from '@platform/core';
import { AcmeSolver, Issuer } from '@platform/cert-manager';
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
  return { cilium: cni, gateway };
}
