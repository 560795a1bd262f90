import { z } from 'zod';
import {
  CNI,
  provide,
  awsNames,
  Component,
  KUBE_API_PORTS,
  KubeObject,
  Namespace,
  POD_SPEC_PATHS,
  Platform,
  Resources,
  addMonitor,
  additionalValuesSchema,
  external,
  flow,
  ha,
  helmResources,
  kubeApi,
  mergeValues,
  oncePerCluster,
  parseComponentProps,
  replicasSchema,
  strictObject,
  workload,
} from '@platform/core';
import type { CiliumSecurityContextValues, CiliumValues } from './values';
import { CILIUM_CHART } from './versions';

/**
 * Hubble's flow metrics when `hubble.metrics` is on: the L3/L4 datapath's view (drops, TCP flags,
 * flows, ports, ICMP, traffic leaving the cluster). No `http`/`dns`: L7 runs in Istio's sidecars,
 * which export their own request metrics; Cilium sees L7 only through its own proxy.
 * @see https://docs.cilium.io/en/v1.18/observability/metrics/#hubble-exported-metrics
 */
export const HUBBLE_METRICS: readonly string[] = ['drop', 'tcp', 'flow', 'port-distribution', 'icmp', 'flows-to-world'];

/** The namespace of the TLS secrets Cilium's L7 policies may use (the chart's default name). */
const SECRETS_NAMESPACE = 'cilium-secrets';

/** The props of Cilium, checked at synth; the TypeScript type is derived from it (one definition). */
const propsSchema = strictObject({
  /**
   * Replicas of the operator (IP address management, ENIs, garbage collection).
   * @default - the cluster's `availability.replicas`
   */
  operatorReplicas: replicasSchema().optional(),
  /**
   * Hubble, Cilium's flow observability, beyond the agents' local API.
   * @default - relay and metrics off
   */
  hubble: strictObject({
    /**
     * Hubble Relay: the cluster-wide flow API (for the `hubble` CLI), one Deployment.
     * @default false
     */
    relay: z.boolean().optional(),
    /**
     * Flow metrics on every agent (HUBBLE_METRICS, port 9965), scraped when the cluster has a monitoring component.
     * @default false
     */
    metrics: z.boolean().optional(),
  }).optional(),
  /**
   * Chart values we do not type, merged over ours (maps deeply, lists replaced).
   * @default - none
   */
  additionalValues: additionalValuesSchema().optional(),
});

export type CiliumProps = z.input<typeof propsSchema>;

/** How pod traffic crosses nodes: the VPC routes pod IPs (`native`, ENI), or Cilium encapsulates it (`tunnel`, VXLAN). */
export type RoutingMode = 'native' | 'tunnel';

/** Securing a container the chart leaves running as root with a writable root: a fixed non-root UID, read-only root. */
const NON_ROOT: CiliumSecurityContextValues = { readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 };

/** The agent's init containers: mounts, sysctls, state cleanup. */
const INIT: Resources = { cpu: { request: '10m', limit: '200m' }, memory: { request: '32Mi', limit: '128Mi' } };

const AGENT = { name: 'cilium-agent', podLabels: { 'k8s-app': 'cilium' }, serviceAccount: 'cilium' };
const OPERATOR = { name: 'cilium-operator', podLabels: { 'io.cilium/app': 'operator' }, serviceAccount: 'cilium-operator' };

const res = (cpu: [string, string], memory: [string, string]): Resources => ({
  cpu: { request: cpu[0], limit: cpu[1] },
  memory: { request: memory[0], limit: memory[1] },
});

/**
 * Cilium, the cluster's CNI, from its upstream chart in `kube-system`: the first wave (every other
 * pod needs it), and what Terraform's bootstrap installs from `dist/<cluster>/cilium/manifests`.
 *
 * - EKS: ENI IPAM (pod IPs from the VPC), native routing, masquerading through `eth0`, and
 *   kube-proxy replacement, which needs the API server's address before any Service works: the
 *   cluster file's `apiServer` (Terraform's `cluster_endpoint_host` output). Missing, synth fails.
 * - kind: Cilium's cluster-pool IPAM over `network.podCidr`, VXLAN tunnel routing, no ENI keys.
 *   kind's own kube-proxy stays (kube-proxy replacement off): it serves Services before Cilium
 *   runs, so kind needs no API server fact, and a plain `kind create cluster` config works
 *   (only `disableDefaultCNI`); socket load balancing is then off anyway.
 * - Both: WireGuard encryption of pod and node traffic; Istio's documented integration
 *   settings, always on (every cluster of the platform runs Istio): socket load balancing only in
 *   the host namespace (else pods' connections bypass the sidecar) and not the exclusive CNI
 *   (Istio's CNI plugin chains after Cilium's configuration); Hubble certificates from the chart's
 *   CronJob (deterministic renders); metrics of the agent, operator and Envoy.
 *
 * @see https://docs.cilium.io/en/v1.18/network/servicemesh/istio/
 */
export class Cilium extends Component {
  /** How pod traffic crosses nodes: `native` on EKS (ENI), `tunnel` on kind. */
  readonly routingMode: RoutingMode;

  constructor(scope: Platform, id: string, props: CiliumProps = {}) {
    const parsed = parseComponentProps(scope, id, propsSchema, props);
    const spec = scope.spec;
    const eks = spec.provider === 'eks';
    const podSubnet = awsNames(spec).podSubnetTag;
    const relay = parsed.hubble?.relay ?? false;
    const metrics = parsed.hubble?.metrics ?? false;
    if (eks && !spec.apiServer)
      scope.report({
        file: scope.file,
        path: 'spec.apiServer.host',
        message:
          "missing: Cilium replaces kube-proxy on EKS and must reach the API server before any Service works. Record the EKS endpoint host that Terraform outputs (`terraform output -raw cluster_endpoint_host`) as `apiServer: { host: '<host>' }` in the cluster spec",
      });
    const operator = ha(
      { replicas: parsed.operatorReplicas ?? spec.availability.replicas, spread: spec.availability.spread },
      OPERATOR.podLabels,
    );

    const values: CiliumValues = {
      ...(eks
        ? {
            // Pod IPs from the subnets of the secondary CIDR only (Terraform tags them).
            eni: { enabled: true, subnetTagsFilter: [`${podSubnet.key}=${podSubnet.value}`] },
            ipam: { mode: 'eni' },
            routingMode: 'native',
            egressMasqueradeInterfaces: 'eth0',
            kubeProxyReplacement: true,
            ...(spec.apiServer && { k8sServiceHost: spec.apiServer.host, k8sServicePort: spec.apiServer.port }),
          }
        : {
            ipam: { mode: 'cluster-pool', operator: { clusterPoolIPv4PodCIDRList: [spec.network.podCidr] } },
            routingMode: 'tunnel',
            tunnelProtocol: 'vxlan',
            kubeProxyReplacement: false,
            // The API server and (in tunnel mode) istiod run on the node: let CIDR policies (the
            // flows' `kubeApi`) select node addresses, which Cilium otherwise gives the host identity.
            policyCIDRMatchMode: ['nodes'],
          }),
      encryption: { enabled: true, type: 'wireguard', nodeEncryption: true },
      socketLB: { hostNamespaceOnly: true },
      cni: { exclusive: false, resources: helmResources(res(['100m', '200m'], ['10Mi', '64Mi'])) },
      resources: helmResources(res(['100m', '1'], ['384Mi', '1Gi'])),
      initResources: helmResources(INIT),
      cgroup: { autoMount: { resources: helmResources(INIT) } },
      prometheus: { enabled: true, serviceMonitor: { enabled: false } },
      envoy: {
        resources: helmResources(res(['50m', '1'], ['64Mi', '512Mi'])),
        prometheus: { enabled: true, serviceMonitor: { enabled: false } },
      },
      operator: {
        replicas: operator.replicas,
        podDisruptionBudget: { enabled: operator.disruptionBudget, maxUnavailable: 1 },
        topologySpreadConstraints: operator.topologySpreadConstraints,
        resources: helmResources(res(['50m', '500m'], ['128Mi', '512Mi'])),
        securityContext: NON_ROOT,
        // gops (Go process diagnostics) writes its port file into GOPS_CONFIG_DIR: a small
        // emptyDir, so the root file system stays read-only.
        extraEnv: [{ name: 'GOPS_CONFIG_DIR', value: '/tmp/gops' }],
        extraVolumes: [{ name: 'gops', emptyDir: { sizeLimit: '1Mi' } }],
        extraVolumeMounts: [{ name: 'gops', mountPath: '/tmp/gops' }],
        prometheus: { enabled: true, serviceMonitor: { enabled: false } },
      },
      hubble: {
        enabled: relay || metrics,
        tls: { auto: { method: 'cronJob' } },
        relay: {
          enabled: relay,
          resources: helmResources(res(['20m', '500m'], ['64Mi', '256Mi'])),
          securityContext: { readOnlyRootFilesystem: true },
          gops: { enabled: false },
          prometheus: { enabled: false, serviceMonitor: { enabled: false } },
        },
        metrics: { ...(metrics && { enabled: HUBBLE_METRICS }), serviceMonitor: { enabled: false } },
      },
      certgen: { resources: helmResources(res(['10m', '100m'], ['32Mi', '64Mi'])) },
      serviceAccounts: { envoy: { automount: false } },
      tls: { secretsNamespace: { create: false, name: SECRETS_NAMESPACE } },
    };

    super(scope, id, {
      namespace: Namespace.kubeSystem(),
      // Roles of the chart grant the agent and operator read access to TLS secrets there.
      extraNamespaces: [Namespace.restricted(SECRETS_NAMESPACE)],
      project: 'infrastructure',
      chart: { ...CILIUM_CHART, values: mergeValues(values, parsed.additionalValues) },
    });
    this.routingMode = eks ? 'native' : 'tunnel';
    // Every other component waits for the cluster's network (core adds the dependency).
    provide(CNI, { component: this });

    this.exemptNodeAgents(eks);
    this.exemptChartObjects(
      [
        ...['cilium', 'cilium-operator', 'hubble-generate-certs'].map((name) => ({ kind: 'ServiceAccount', name })),
        { kind: 'DaemonSet', name: 'cilium' },
        { kind: 'Deployment', name: 'cilium-operator' },
        { kind: 'Job', name: 'hubble-generate-certs' },
        { kind: 'CronJob', name: 'hubble-generate-certs' },
      ],
      'no-automount-service-account-token',
      'calls the Kubernetes API: the agent watches pods, services and policies, the operator manages IP pools and identities, certgen writes the Hubble certificate Secrets',
    );
    this.exemptChartObjects(
      { kind: 'Deployment', name: 'cilium-operator' },
      'no-host-namespaces',
      'hostNetwork: the operator hands out the pod IPs (ENIs, IP pools) that the pod network needs to exist, so it cannot wait for that network',
    );
    // The chart hard-codes certgen's securityContext (no values): add a non-root UID and a
    // read-only root; it only talks to the API.
    this.patchChartObjects((o) => {
      if (o.metadata.name !== 'hubble-generate-certs' || !POD_SPEC_PATHS[o.kind]) return;
      for (const c of podSpecOf(o)?.containers ?? []) c.securityContext = { ...c.securityContext, ...NON_ROOT };
    });
    // cilium-envoy's ServiceAccount leaves the field unset; its pods already do not mount the token.
    this.patchChartObjects((o) => {
      if (o.kind === 'ServiceAccount' && o.metadata.name === 'cilium-envoy') o.automountServiceAccountToken = false;
    });

    this.declareFlows(eks, relay);
    addMonitor(this, { name: AGENT.name, podLabels: AGENT.podLabels, port: { name: 'prometheus', number: 9962 } });
    addMonitor(this, { name: OPERATOR.name, podLabels: OPERATOR.podLabels, port: { name: 'prometheus', number: 9963 } });
    addMonitor(this, { name: 'cilium-envoy', podLabels: { 'k8s-app': 'cilium-envoy' }, port: { name: 'envoy-metrics', number: 9964 } });
    if (metrics) addMonitor(this, { name: 'hubble-metrics', podLabels: AGENT.podLabels, port: { name: 'hubble-metrics', number: 9965 } });
  }

  /**
   * The taint Cilium's agent removes from a node once it is ready: a node provisioner (Karpenter's
   * NodePool `startupTaints`) sets it, so no pod is scheduled on a node before its network works.
   * @see https://docs.cilium.io/en/v1.18/installation/taints/
   */
  readonly agentNotReadyTaint = { key: 'node.cilium.io/agent-not-ready', value: 'true', effect: 'NoExecute' } as const;

  /**
   * True when the API server reaches pod IPs, so admission webhooks may run in pods: with native
   * routing (EKS ENI: pod IPs are VPC addresses). False with tunnel routing, where Cilium's Istio
   * guide runs istiod on the host network so the API server can call its injection webhook.
   * @see https://docs.cilium.io/en/v1.18/network/servicemesh/istio/
   */
  get apiServerReachesPods(): boolean {
    return this.routingMode === 'native';
  }

  /** The node agents need the host: one exemption per policy, by name, with the reason `validate` lists. */
  private exemptNodeAgents(eks: boolean): void {
    const agent = { kind: 'DaemonSet', name: 'cilium' };
    const envoy = { kind: 'DaemonSet', name: 'cilium-envoy' };
    const both = [agent, envoy];
    const reasons: [readonly { kind: string; name: string }[], string, string][] = [
      [both, 'no-host-namespaces', 'hostNetwork: the CNI datapath (agent) and its L7 proxy (Envoy) run in the node network namespace'],
      [
        both,
        'no-host-path',
        'the agent installs the CNI plugin and config on the node, pins eBPF maps in /sys/fs/bpf and shares the Envoy socket with cilium-envoy through /var/run/cilium',
      ],
      [[agent], 'no-privileged-container', 'the agent mounts the host eBPF file system (init container mount-bpf-fs)'],
      [both, 'drop-all-capabilities', 'eBPF programs, routes, WireGuard and transparent proxying need NET_ADMIN, SYS_ADMIN and more'],
      [both, 'run-as-non-root', 'eBPF, routes, WireGuard interfaces and proxy sockets are managed as root on the node'],
      [both, 'no-privilege-escalation', 'the containers run with added capabilities; upstream sets no allowPrivilegeEscalation'],
      [both, 'seccomp-runtime-default', 'bpf() and other syscalls the runtime default profile blocks (upstream: Unconfined)'],
      [both, 'read-only-root-filesystem', 'the agent and Envoy write state and sockets; upstream ships no read-only mode for them'],
    ];
    for (const [objects, policy, reason] of reasons) this.exemptChartObjects(objects, policy, reason);
    if (eks)
      this.exemptChartObjects(
        [...both, { kind: 'Deployment', name: 'cilium-operator' }],
        'high-entropy-env-value',
        'KUBERNETES_SERVICE_HOST is the EKS API endpoint host from the cluster file (spec.apiServer.host): an address, not a credential',
      );
  }

  /** Cilium's traffic, for the cluster diagram (kube-system has no default-deny: no policies are rendered there). */
  private declareFlows(eks: boolean, relay: boolean): void {
    const agent = workload(this, AGENT);
    const operator = workload(this, OPERATOR);
    const api = kubeApi(this.platform);
    flow({ from: agent, to: api, ports: KUBE_API_PORTS, label: 'Kubernetes API' });
    flow({ from: operator, to: api, ports: KUBE_API_PORTS, label: 'Kubernetes API' });
    if (eks) flow({ from: operator, to: external('AWS EC2 API'), ports: [{ port: 443 }], label: 'ENIs and pod IPs' });
    if (relay)
      flow({
        from: workload(this, { name: 'hubble-relay', podLabels: { 'k8s-app': 'hubble-relay' }, serviceAccount: 'hubble-relay' }),
        to: agent,
        ports: [{ port: 4244 }],
        label: 'Hubble flows',
      });
  }
}

/** The pod spec of a workload object (Deployment, DaemonSet, Job, CronJob, ...). */
function podSpecOf(o: KubeObject): { containers?: Record<string, any>[] } | undefined {
  return POD_SPEC_PATHS[o.kind]?.reduce<any>((node, key) => node?.[key], o);
}

oncePerCluster(Cilium, 'Cilium', 'it is the cluster’s CNI: one agent per node');
