import { z } from 'zod';
import { showValue } from './errors';
import { cidr, cidrsOverlap, dns1123Label, domainName, replicasSchema, strictObject } from './validation';

/** Where the cluster runs. `kind` is a local Kubernetes-in-Docker cluster; `eks` is Amazon EKS. */
export const PROVIDERS = ['kind', 'eks'] as const;
/** The environment tier. Components never branch on it: cluster files choose typed values. */
export const ENVIRONMENTS = ['local', 'dev', 'prod'] as const;

/** An AWS region name such as `eu-west-1`. */
export const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const GIT_URL = /^(https:\/\/[^\s/$.?#].[^\s]*|git@[^\s:]+:[^\s]+|ssh:\/\/[^\s]+)$/;

const availability = strictObject({
  /**
   * Replicas of each highly available platform workload (Argo CD server, repo server, webhooks...).
   * A component may take its own value from its props.
   */
  replicas: replicasSchema(),
  /** Topology domain replicas are spread over: nodes (`hostname`) or availability zones (`zone`). */
  spread: z.enum(['hostname', 'zone']),
});

const destination = strictObject({
  /** API server URL Argo CD deploys to; `https://kubernetes.default.svc` when Argo CD runs in the cluster. */
  server: z.url({ protocol: /^https$/, error: (iss) => `got ${showValue(iss.input)}, expected an https URL of the cluster API server` }),
});

const gitops = strictObject({
  /** Git repository Argo CD pulls `dist/` from. */
  repoURL: z.string().regex(GIT_URL, { error: (iss) => `got ${showValue(iss.input)}, expected an https or ssh Git URL` }),
  /** Branch, tag or commit Argo CD tracks. */
  revision: z.string().min(1, { error: 'must not be empty: a branch, tag or commit Argo CD tracks' }),
  /** The Argo CD destination of this cluster's Applications. */
  destination,
});

const network = strictObject({
  /** VPC (EKS) or node network (kind) CIDR. */
  vpcCidr: cidr(),
  /** Pod CIDR: the VPC's secondary CIDR with ENI IPAM (EKS), the cluster-pool CIDR in kind. */
  podCidr: cidr(),
  /** Kubernetes service CIDR. */
  serviceCidr: cidr(),
});

/** A host name of the API server: EKS endpoints have upper-case hex labels, so case is not checked. */
const API_HOST = /^(?=.{1,253}$)([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;

const apiServer = strictObject({
  /**
   * Host name of the Kubernetes API server as nodes reach it, without scheme or port. On EKS the
   * endpoint host Terraform outputs (`terraform output -raw cluster_endpoint_host`); on kind the
   * control-plane node (`<cluster>-control-plane`).
   */
  host: z.string().regex(API_HOST, {
    error: (iss) =>
      `got ${showValue(iss.input)}, expected a host name such as "0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com" (no scheme, port or path)`,
  }),
  /** @default 443 */
  port: z
    .number()
    .int()
    .min(1)
    .max(65535, { error: (iss) => `got ${showValue(iss.input)}, expected a TCP port 1-65535` })
    .default(443),
});

/** The facts of one cluster, validated at synth time. */
export const clusterSpecSchema = strictObject({
  name: dns1123Label('cluster name'),
  environment: z.enum(ENVIRONMENTS),
  provider: z.enum(PROVIDERS),
  /** AWS region (EKS only). */
  region: z
    .string()
    .regex(AWS_REGION, { error: (iss) => `got ${showValue(iss.input)}, expected an AWS region such as "eu-west-1"` })
    .optional(),
  /** Availability zones the cluster's nodes and zone-spread workloads use: 1 (kind) to 3. */
  azs: z
    .array(
      z
        .string({ error: (iss) => `got ${showValue(iss.input)}, expected a zone name (a string such as "eu-west-1a")` })
        .min(1, { error: 'must not be empty: a zone name such as "eu-west-1a"' }),
      {
        error: (iss) =>
          typeof iss.input === 'string'
            ? `got a string (${showValue(iss.input)}), expected a list of zone names such as ${showValue([iss.input])}`
            : `got ${showValue(iss.input)}, expected a list of zone names such as ["eu-west-1a", "eu-west-1b"]`,
      },
    )
    // Not .min()/.max(): zod runs those on anything with a length, and would count a string's letters as zones.
    .superRefine((azs, ctx) => {
      if (azs.length < 1) ctx.addIssue({ code: 'custom', message: `got ${showValue(azs)}, a cluster needs 1 to 3 availability zones` });
      if (azs.length > 3) ctx.addIssue({ code: 'custom', message: `got ${azs.length} zones, a cluster has 1 to 3 availability zones` });
    }),
  /** Base DNS domain of the cluster's public hosts (`keycloak.<domain>`, `api.<domain>`). */
  domain: domainName(),
  network,
  /** Kubernetes minor version of the cluster. */
  kubernetesVersion: z.enum(['1.30', '1.31', '1.32', '1.33']),
  gitops,
  availability,
  /**
   * The Kubernetes API server as nodes reach it (Cilium's kube-proxy replacement talks to it
   * before any Service works). Known only once the cluster exists: on EKS, Terraform outputs it and
   * the cluster file records it (see the README).
   * @default - unknown: components that need it (Cilium on EKS) fail synth and say where to get it
   */
  apiServer: apiServer.optional(),
});

export type ClusterSpecInput = z.input<typeof clusterSpecSchema>;

/** The validated facts of one cluster. */
export type ClusterSpec = z.output<typeof clusterSpecSchema>;

/** Rules across fields; each names the field it is about. */
export const clusterSpecRules = clusterSpecSchema.superRefine((spec, ctx) => {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (spec.provider === 'eks') {
    if (!spec.region) issue(['region'], 'missing: an EKS cluster needs its AWS region, e.g. "eu-west-1"');
    // No zone at all is already a problem of spec.azs: these rules count zones of a valid list.
    if (spec.azs.length === 1) issue(['azs'], `got 1 zone, EKS needs at least 2 (control plane subnets span two zones)`);
    spec.azs.forEach((az, i) => {
      if (spec.region && !new RegExp(`^${spec.region}[a-z]$`).test(az))
        issue(['azs', i], `got ${showValue(az)}, expected a zone of region ${spec.region} such as "${spec.region}a"`);
    });
  } else if (spec.region !== undefined) {
    issue(['region'], `got ${showValue(spec.region)}, a kind cluster has no AWS region: remove the field`);
  }
  if (spec.environment === 'prod') {
    if (spec.azs.length === 1 || spec.azs.length === 2)
      issue(['azs'], `got ${spec.azs.length} zones, prod needs 3 (one per zone for the Postgres instances and Vault Raft peers)`);
    if (spec.provider !== 'eks') issue(['provider'], `got ${showValue(spec.provider)}, prod runs on "eks"`);
    if (spec.availability.replicas < 2)
      issue(['availability', 'replicas'], `got ${spec.availability.replicas}, prod needs at least 2 replicas of each HA workload`);
    if (spec.availability.spread !== 'zone')
      issue(['availability', 'spread'], `got ${showValue(spec.availability.spread)}, prod spreads replicas over zones: use "zone"`);
  }
  if (new Set(spec.azs).size !== spec.azs.length) issue(['azs'], `got ${showValue(spec.azs)}, zones must be distinct`);
  const { vpcCidr, podCidr, serviceCidr } = spec.network;
  if (cidrsOverlap(vpcCidr, podCidr)) issue(['network', 'podCidr'], `got ${showValue(podCidr)}, it overlaps network.vpcCidr ${vpcCidr}`);
  if (cidrsOverlap(serviceCidr, podCidr))
    issue(['network', 'serviceCidr'], `got ${showValue(serviceCidr)}, it overlaps network.podCidr ${podCidr}`);
  if (cidrsOverlap(serviceCidr, vpcCidr))
    issue(['network', 'serviceCidr'], `got ${showValue(serviceCidr)}, it overlaps network.vpcCidr ${vpcCidr}`);
});
