import { z } from 'zod';
import { AWS_REGION, ClusterSpec, Platform, showValue, strictObject } from '@platform/core';
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
      /** AWS region of the Route 53 API; needed on kind, which has none. @default - the cluster's region */
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
      (cluster) => {
        if (props.region !== undefined) {
          return typeof props.region === 'string' && AWS_REGION.test(props.region)
            ? undefined
            : `got AcmeSolver.route53({ region: ${showValue(props.region)} }), expected an AWS region such as "eu-west-1"`;
        }
        if (cluster.region) return undefined;
        return `got AcmeSolver.route53() without a region, and ${cluster.provider} cluster "${cluster.name}" has no AWS region: Route 53 needs one; on kind use Issuer.selfSignedCa({ commonName }), or give AcmeSolver.route53({ region: "eu-west-1" })`;
      },
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
    /** Why the solver cannot work on a cluster (what it got and what is allowed), or undefined. */
    readonly problem: (cluster: ClusterSpec) => string | undefined = () => undefined,
  ) {}
}

/**
 * An issuer's solver: an AcmeSolver that works on the cluster being composed (a Route 53 solver
 * needs a region, which a kind cluster does not have).
 */
const solverSchema = z
  .custom<AcmeSolver>((v) => v instanceof AcmeSolver, {
    error: (iss) =>
      `got ${iss.input === null ? 'nothing' : showValue(iss.input)}, expected AcmeSolver.route53(...) or AcmeSolver.http01Gateway(...)`,
  })
  .superRefine((solver, ctx) => {
    if (!(solver instanceof AcmeSolver)) return;
    const cluster = Platform.composing()?.spec;
    const problem = cluster && solver.problem(cluster);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

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
    // A missing solver (a cluster file is not type-checked at synth) is reported by issuerInputsSchema.
    const solver = props.solver instanceof AcmeSolver ? props.solver : undefined;
    return new Issuer(
      name,
      'acme',
      { email: props.email, solver: props.solver ?? null },
      solver?.needs ?? { usesAwsApi: false, usesGatewayApi: false },
      (cluster) => ({
        acme: {
          server: ACME_SERVERS[env],
          email: props.email,
          privateKeySecretRef: { name: `${name}-account-key` },
          solvers: solver ? [solver.spec(cluster)] : [],
        },
      }),
    );
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
    readonly inputs: { readonly email?: string; readonly commonName?: string; readonly solver?: AcmeSolver | null },
    readonly needs: { readonly usesAwsApi: boolean; readonly usesGatewayApi: boolean },
    /** The ClusterIssuer spec as rendered for a cluster. */
    readonly spec: (cluster: ClusterSpec) => ClusterIssuerSpec,
  ) {}
}

/** Runtime schema of an issuer's inputs, used by CertManager to report bad values with their path. */
export const issuerInputsSchema = strictObject({
  email: emailSchema.optional(),
  commonName: z.string().min(1).optional(),
  solver: solverSchema.optional(),
});
