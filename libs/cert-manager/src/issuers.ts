import { z } from 'zod';
import { ClusterSpec, strictObject } from '@platform/core';
import type { ClusterIssuerSpec, ClusterIssuerSpecAcmeSolvers } from '@platform/crds/generated/cert-manager.io';

const ACME_SERVERS = {
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
  production: 'https://acme-v02.api.letsencrypt.org/directory',
} as const;

/** How an ACME issuer proves control of a domain. */
export class AcmeSolver {
  /**
   * DNS-01 on Route 53 with the controller's ambient AWS credentials (EKS Pod Identity from
   * Terraform): works before any gateway exists and for every host under the zone.
   * @see https://cert-manager.io/docs/configuration/acme/dns01/route53/
   */
  static route53(
    props: {
      /** @default - the cluster's region */
      readonly region?: string;
      /** Manage only this hosted zone (skips the zone lookup). @default - looked up from the domain */
      readonly hostedZoneId?: string;
      /** Zones this solver answers for. @default - the cluster's domain */
      readonly dnsZones?: readonly string[];
    } = {},
  ): AcmeSolver {
    return new AcmeSolver(
      (cluster) => ({
        selector: { dnsZones: [...(props.dnsZones ?? [cluster.domain])] },
        dns01: { route53: { region: props.region ?? cluster.region, ...(props.hostedZoneId && { hostedZoneId: props.hostedZoneId }) } },
      }),
      { usesAwsApi: true, usesGatewayApi: false },
    );
  }

  /**
   * HTTP-01 through a Gateway API listener: cert-manager creates a temporary HTTPRoute on the gateway.
   * @see https://cert-manager.io/docs/configuration/acme/http01/#configuring-the-http-01-gateway-api-solver
   */
  static http01Gateway(props: {
    readonly gatewayName: string;
    readonly gatewayNamespace: string;
    readonly sectionName?: string;
  }): AcmeSolver {
    return new AcmeSolver(
      () => ({
        http01: {
          gatewayHttpRoute: {
            parentRefs: [
              {
                group: 'gateway.networking.k8s.io',
                kind: 'Gateway',
                name: props.gatewayName,
                namespace: props.gatewayNamespace,
                sectionName: props.sectionName ?? 'http',
              },
            ],
          },
        },
      }),
      { usesAwsApi: false, usesGatewayApi: true },
    );
  }

  private constructor(
    /** The solver as rendered for a cluster. */
    readonly spec: (cluster: ClusterSpec) => ClusterIssuerSpecAcmeSolvers,
    readonly needs: { readonly usesAwsApi: boolean; readonly usesGatewayApi: boolean },
  ) {}
}

const emailSchema = z.email({
  error: (iss) => `got ${JSON.stringify(iss.input)}, expected the e-mail address Let's Encrypt sends expiry notices to`,
});

/** A cluster-wide certificate issuer. */
export class Issuer {
  /**
   * Let's Encrypt over ACME. Renders ClusterIssuer `letsencrypt-staging` or `letsencrypt-production`.
   */
  static letsEncrypt(props: { readonly staging: boolean; readonly email: string; readonly solver: AcmeSolver }): Issuer {
    const env = props.staging ? 'staging' : 'production';
    const name = `letsencrypt-${env}`;
    return new Issuer(name, 'acme', { email: props.email }, props.solver.needs, (cluster) => ({
      acme: {
        server: ACME_SERVERS[env],
        email: props.email,
        privateKeySecretRef: { name: `${name}-account-key` },
        solvers: [props.solver.spec(cluster)],
      },
    }));
  }

  /**
   * A private CA for clusters without public DNS (kind): a self-signed root certificate issued by
   * cert-manager, then ClusterIssuer `<name>` signing with it. The key is generated in-cluster.
   */
  static selfSignedCa(props: { readonly name?: string; readonly commonName: string }): Issuer {
    return new Issuer(
      props.name ?? 'platform-ca',
      'ca',
      { commonName: props.commonName },
      { usesAwsApi: false, usesGatewayApi: false },
      () => ({
        ca: { secretName: props.name ?? 'platform-ca' },
      }),
    );
  }

  private constructor(
    /** ClusterIssuer name others reference. */
    readonly name: string,
    readonly type: 'acme' | 'ca',
    /** Inputs validated when the issuer is rendered. */
    readonly inputs: { readonly email?: string; readonly commonName?: string },
    readonly needs: { readonly usesAwsApi: boolean; readonly usesGatewayApi: boolean },
    /** The ClusterIssuer spec as rendered for a cluster. */
    readonly spec: (cluster: ClusterSpec) => ClusterIssuerSpec,
  ) {}
}

/** Runtime schema of an issuer's inputs, used by CertManager to report bad values with their path. */
export const issuerInputsSchema = strictObject({
  email: emailSchema.optional(),
  commonName: z.string().min(1).optional(),
});
