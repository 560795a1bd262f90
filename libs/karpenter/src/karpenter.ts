import { z } from 'zod';
import {
  ARGOCD_SYNC_WAVE,
  Component,
  KUBE_API_PORTS,
  Namespace,
  POD_IDENTITY_AGENT,
  Platform,
  Resources,
  addMonitor,
  additionalValuesSchema,
  awsNames,
  external,
  flow,
  ha,
  helmResources,
  kubeApi,
  mergeValues,
  oncePerCluster,
  quantity,
  parseComponentProps,
  replicasSchema,
  showValue,
  strictObject,
  workload,
  componentSchema,
} from '@platform/core';
import {
  NodePool,
  NodePoolSpecDisruptionConsolidationPolicy,
  NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator,
  NodePoolSpecTemplateSpecStartupTaintsEffect,
} from '@platform/crds/generated/karpenter.sh';
import {
  Ec2NodeClass,
  Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType,
  Ec2NodeClassSpecMetadataOptionsHttpEndpoint,
  Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6,
  Ec2NodeClassSpecMetadataOptionsHttpTokens,
} from '@platform/crds/generated/karpenter.k8s.aws';
import type { KarpenterValues } from './values';
import { KARPENTER_CHART, KARPENTER_CRD_CHART } from './versions';

/** An EC2 instance type: family (with optional generation/attributes), a dot, a size: `m5.large`, `m7i-flex.xlarge`. */
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
/** A Bottlerocket release as its AMI alias names it: `v1.64.0`. */
const BOTTLEROCKET_VERSION = /^v\d+\.\d+\.\d+$/;

const amiVersionMessage = (got: unknown) => `got ${showValue(got)}, expected "latest" or a Bottlerocket release such as "v1.64.0"`;

/** The props of Karpenter, checked at synth; the TypeScript type is derived from it (one definition). */
const propsSchema = strictObject({
  /**
   * The cluster's CNI component (Cilium). Karpenter syncs after it: the nodes it launches become
   * Ready only once the CNI runs on them, and the controller's own pods need pod networking.
   */
  cni: componentSchema("cluster's CNI (Cilium)"),
  /** EC2 instance types the `default` NodePool may launch (amd64), e.g. `['m5.large']`. */
  instanceTypes: z
    .array(
      z.string().regex(INSTANCE_TYPE, {
        error: (iss) => `got ${showValue(iss.input)}, expected an EC2 instance type such as "m5.large"`,
      }),
    )
    .min(1, { error: 'the default NodePool needs at least one instance type, such as ["m5.large"]' }),
  /**
   * Most CPU the `default` NodePool may launch in all (NodePool `limits.cpu`), a Kubernetes
   * quantity: `'20'` is twenty vCPUs, e.g. ten m5.large.
   */
  cpuLimit: quantity('"20" or "1500m"'),
  /**
   * Bottlerocket release of the nodes (EC2NodeClass alias `bottlerocket@<version>`): a pinned
   * version such as `'v1.64.0'`, or `'latest'`, which replaces every node whenever a new AMI is
   * published (Karpenter calls it drift). Pin it where surprises are costly (prod).
   * @see https://github.com/bottlerocket-os/bottlerocket/releases
   */
  amiVersion: z.string({ error: (iss) => amiVersionMessage(iss.input) }).refine((v) => v === 'latest' || BOTTLEROCKET_VERSION.test(v), {
    error: (iss) => amiVersionMessage(iss.input),
  }),
  /**
   * Taints new nodes start with, which their owner removes once the node is ready: the CNI's
   * `agentNotReadyTaint` (`cilium.agentNotReadyTaint`), so no pod lands on a node before its network works.
   * @default []
   */
  startupTaints: z
    .array(
      strictObject({
        key: z.string().min(1),
        value: z.string().optional(),
        effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
      }),
    )
    .optional(),
  /**
   * Replicas of the controller (one leader, the others on standby).
   * @default - the cluster's `availability.replicas`
   */
  replicas: replicasSchema().optional(),
  /**
   * Chart values we do not type, merged over ours (maps deeply, lists replaced).
   * @default - none
   */
  additionalValues: additionalValuesSchema().optional(),
});

export type KarpenterProps = z.input<typeof propsSchema>;

const NAMESPACE = 'karpenter';
/** The ServiceAccount the controller role's Pod Identity association binds (see AwsNames.karpenter.controllerRole). */
const SERVICE_ACCOUNT = 'karpenter';
/** Labels of the controller pods (the chart's selector labels, minus the release name). */
const POD_LABELS = { 'app.kubernetes.io/name': 'karpenter' };
const METRICS_PORT = 8080;
const RESOURCES: Resources = { cpu: { request: '250m', limit: '1' }, memory: { request: '1Gi', limit: '1Gi' } };
/** The EC2NodeClass the NodePool launches from. */
const NODE_CLASS = 'default';

/**
 * Karpenter's CRDs from the karpenter-crd chart, the chart upstream keeps for installing and
 * upgrading them: their own Application, synced before the controller's. Created by Karpenter.
 */
export class KarpenterCrd extends Component {
  constructor(scope: Platform, id: string, cni: Component) {
    super(scope, id, {
      namespace: Namespace.restricted(NAMESPACE),
      project: 'infrastructure',
      dependsOn: [cni.name],
      chart: { ...KARPENTER_CRD_CHART, values: {} },
    });
  }
}

/**
 * Karpenter (EKS only): the controller from the upstream chart, with its IAM role (EKS Pod
 * Identity) and interruption queue from the names Terraform shares (`awsNames`), and the cluster's
 * `default` EC2NodeClass (Bottlerocket) and NodePool.
 *
 * Two Applications, as upstream ships two charts: `<name>-crd` (the karpenter-crd chart, made
 * here) and `<name>` (the karpenter chart rendered without its `crds/`, which would deliver the
 * same CRDs twice), which waits for it. In the controller's Application the EC2NodeClass (wave 1)
 * and the NodePool that launches from it (wave 2) follow the controller.
 */
export class Karpenter extends Component {
  constructor(scope: Platform, id: string, props: KarpenterProps) {
    const eks = scope.spec.provider === 'eks';
    if (!eks)
      scope.report({
        file: scope.file,
        path: `components.${id}`,
        message: `Karpenter runs only on EKS: it launches EC2 instances as nodes, and this cluster's provider is ${showValue(scope.spec.provider)}; remove the Karpenter component from this cluster file (kind's nodes are fixed at cluster creation)`,
      });
    const p = eks ? parseComponentProps(scope, id, propsSchema, props) : undefined;
    const crd = p && new KarpenterCrd(scope, `${id}-crd`, p.cni);
    super(scope, id, {
      namespace: Namespace.restricted(NAMESPACE),
      project: 'infrastructure',
      dependsOn: crd ? [crd.name] : [],
      chart: p && { ...KARPENTER_CHART, includeCrds: false, values: mergeValues(chartValues(scope, p), p.additionalValues) },
    });
    if (!p) return;
    this.needs(p.cni);

    this.exemptChartObjects(
      { kind: 'Deployment', name: 'karpenter' },
      'no-automount-service-account-token',
      'the controller watches pods, nodes and NodeClaims and creates and deletes nodes through the Kubernetes API',
    );

    const names = awsNames(scope.spec);
    const discovery = { [names.discoveryTag.key]: names.discoveryTag.value };
    new Ec2NodeClass(this, 'ec2nodeclass-default', {
      metadata: { name: NODE_CLASS, annotations: { [ARGOCD_SYNC_WAVE]: '1' } },
      spec: {
        // The alias selects the Bottlerocket variant of the cluster's Kubernetes version; the family follows from it.
        amiSelectorTerms: [{ alias: `bottlerocket@${p.amiVersion}` }],
        role: names.karpenter.nodeRole,
        subnetSelectorTerms: [{ tags: discovery }],
        securityGroupSelectorTerms: [{ tags: discovery }],
        tags: { 'platform/cluster': scope.spec.name, 'platform/environment': scope.spec.environment },
        // IMDSv2 only, one hop: pods outside the host network cannot reach the node role's
        // credentials (they get their own through Pod Identity); host-network agents still can.
        metadataOptions: {
          httpEndpoint: Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED,
          httpProtocolIPv6: Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6.DISABLED,
          httpPutResponseHopLimit: 1,
          httpTokens: Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
        },
        // Bottlerocket's two volumes (Karpenter's sizes for the family), encrypted: the OS and the
        // data volume that holds images, logs and ephemeral storage.
        blockDeviceMappings: [
          { deviceName: '/dev/xvda', ebs: encryptedGp3('4Gi') },
          { deviceName: '/dev/xvdb', ebs: encryptedGp3('20Gi') },
        ],
      },
    });

    const In = NodePoolSpecTemplateSpecRequirementsOperator.IN;
    new NodePool(this, 'nodepool-default', {
      metadata: { name: 'default', annotations: { [ARGOCD_SYNC_WAVE]: '2' } },
      spec: {
        template: {
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: NODE_CLASS },
            ...(p.startupTaints?.length && {
              startupTaints: p.startupTaints.map((t) => ({ ...t, effect: t.effect as NodePoolSpecTemplateSpecStartupTaintsEffect })),
            }),
            requirements: [
              { key: 'kubernetes.io/arch', operator: In, values: ['amd64'] },
              { key: 'kubernetes.io/os', operator: In, values: ['linux'] },
              { key: 'karpenter.sh/capacity-type', operator: In, values: ['spot', 'on-demand'] },
              { key: 'node.kubernetes.io/instance-type', operator: In, values: [...p.instanceTypes] },
            ],
          },
        },
        limits: { cpu: NodePoolSpecLimits.fromString(p.cpuLimit) },
        disruption: { consolidationPolicy: NodePoolSpecDisruptionConsolidationPolicy.WHEN_EMPTY, consolidateAfter: '30s' },
      },
    });

    const controller = workload(this, { name: 'karpenter', podLabels: POD_LABELS, serviceAccount: SERVICE_ACCOUNT });
    flow({ from: controller, to: kubeApi(scope), ports: KUBE_API_PORTS, label: 'Kubernetes API' });
    flow({
      from: controller,
      to: external('AWS APIs', '0.0.0.0/0'),
      ports: [{ port: 443 }],
      label: 'EC2, SQS interruptions, pricing, SSM AMI aliases, EKS',
    });
    flow({ from: controller, to: POD_IDENTITY_AGENT, ports: [{ port: 80 }], label: 'AWS credentials (Pod Identity)' });
    addMonitor(this, { name: 'karpenter', podLabels: POD_LABELS, port: { name: 'http-metrics', number: METRICS_PORT } });
  }
}

oncePerCluster(
  Karpenter,
  'Karpenter',
  "one controller launches the cluster's nodes, in its own namespace with its Pod Identity association",
);

type ParsedProps = z.output<typeof propsSchema>;

function chartValues(scope: Platform, p: ParsedProps): KarpenterValues {
  const { spec } = scope;
  const h = ha({ replicas: p.replicas ?? spec.availability.replicas, spread: spec.availability.spread }, POD_LABELS);
  const api = spec.apiServer;
  return {
    fullnameOverride: 'karpenter',
    serviceAccount: { create: true, name: SERVICE_ACCOUNT },
    replicas: h.replicas,
    // The chart always renders its PodDisruptionBudget; with one replica it allows the eviction.
    podDisruptionBudget: { name: 'karpenter', maxUnavailable: 1 },
    topologySpreadConstraints: h.topologySpreadConstraints,
    // The chart's affinity stays: never on a node Karpenter manages (it would disrupt itself), and
    // never two replicas on one node.
    priorityClassName: 'system-cluster-critical',
    // Cluster DNS (CoreDNS), which the namespace's DNS egress allows; Cilium runs first, so no host network is needed.
    dnsPolicy: 'ClusterFirst',
    hostNetwork: false,
    controller: {
      resources: helmResources(RESOURCES),
      // The region from the cluster facts, not from the instance metadata (IMDS is one hop away from pods).
      env: [{ name: 'AWS_REGION', value: spec.region ?? '' }],
      metrics: { port: METRICS_PORT },
      healthProbe: { port: 8081 },
    },
    settings: {
      clusterName: spec.name,
      clusterEndpoint: api ? `https://${api.host}${api.port === 443 ? '' : `:${api.port}`}` : '',
      interruptionQueue: awsNames(spec).karpenter.interruptionQueue,
    },
    serviceMonitor: { enabled: false },
  };
}

function encryptedGp3(volumeSize: string) {
  return { volumeSize, volumeType: Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType.GP3, encrypted: true, deleteOnTermination: true };
}
