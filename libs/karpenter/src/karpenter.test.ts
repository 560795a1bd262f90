import { beforeAll, describe, expect, test } from 'vitest';
import {
  Component,
  KubeObject,
  Namespace,
  Platform,
  RenderedCluster,
  TestSpecOverrides,
  findComponent,
  findObject,
  renderTestCluster,
  synthProblems,
} from '@platform/core';
import { StandInMonitoring } from '@platform/core/testing-stand-ins';
import { renderTestClusterWithHelm } from '@platform/core/testing-helm';
import { Karpenter, KarpenterProps } from '@platform/karpenter';
import { KARPENTER_CHART } from './versions';

/** Stands in for the Cilium component: what Karpenter waits for. */
class Cni extends Component {
  constructor(scope: Platform) {
    super(scope, 'cilium', { namespace: Namespace.kubeSystem(), project: 'infrastructure' });
  }
}

const PROPS = { instanceTypes: ['m5.large'], cpuLimit: '20', amiVersion: 'v1.64.0' } as const;

function compose(props: Partial<KarpenterProps> = {}) {
  return (p: Platform) => {
    const cni = new Cni(p);
    new Karpenter(p, 'karpenter', { cni, ...PROPS, ...props } as KarpenterProps);
  };
}

const render = (props: Partial<KarpenterProps> = {}, overrides: TestSpecOverrides = {}) => renderTestCluster(compose(props), overrides);

describe('Karpenter', () => {
  test('NodePool startup taints from the CNI: no pod lands on a node before its network works', () => {
    const taint = { key: 'node.cilium.io/agent-not-ready', value: 'true', effect: 'NoExecute' } as const;
    expect(findObject(render({ startupTaints: [taint] }), 'karpenter', 'NodePool', 'default').spec.template.spec.startupTaints).toEqual([
      taint,
    ]);
    expect(findObject(render(), 'karpenter', 'NodePool', 'default').spec.template.spec).not.toHaveProperty('startupTaints');
  });

  test('NodePool default: amd64, linux, spot and on-demand, the instance types and CPU limit given, empty nodes go after 30s', () => {
    const pool = findObject(render({ instanceTypes: ['m5.large', 'm5.xlarge'] }), 'karpenter', 'NodePool', 'default');
    expect(pool.spec.template.spec.requirements).toEqual([
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
      { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large', 'm5.xlarge'] },
    ]);
    expect(pool.spec.template.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' });
    expect(pool.spec.limits).toEqual({ cpu: '20' });
    expect(pool.spec.disruption).toEqual({ consolidationPolicy: 'WhenEmpty', consolidateAfter: '30s' });
    expect(pool.metadata.namespace).toBeUndefined();
  });

  test('EC2NodeClass default: pinned Bottlerocket alias, node role and discovery tags from the names Terraform shares, IMDSv2, encrypted gp3', () => {
    const cluster = render();
    const nodeClass = findObject(cluster, 'karpenter', 'EC2NodeClass', 'default');
    expect(nodeClass.spec).toMatchObject({
      amiSelectorTerms: [{ alias: 'bottlerocket@v1.64.0' }],
      role: 'test-karpenter-node',
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'test' } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'test' } }],
      tags: { 'platform/cluster': 'test', 'platform/environment': 'dev' },
      metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' },
    });
    expect(nodeClass.spec.amiFamily).toBeUndefined();
    expect(nodeClass.spec.blockDeviceMappings).toEqual([
      { deviceName: '/dev/xvda', ebs: { volumeSize: '4Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } },
      { deviceName: '/dev/xvdb', ebs: { volumeSize: '20Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } },
    ]);
    // After the CRDs (wave -1) and the controller; the NodePool after the class it launches from.
    const wave = (kind: string) =>
      Number(findObject(cluster, 'karpenter', kind, 'default').metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect([wave('EC2NodeClass'), wave('NodePool')]).toEqual([1, 2]);
  });

  test('@latest only when the cluster file says so', () => {
    expect(findObject(render({ amiVersion: 'latest' }), 'karpenter', 'EC2NodeClass', 'default').spec.amiSelectorTerms).toEqual([
      { alias: 'bottlerocket@latest' },
    ]);
  });

  test('chart values: cluster name, interruption queue, region, Pod Identity service account; syncs after the CNI', () => {
    const cluster = render({}, { apiServer: { host: 'ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com' } });
    const c = findComponent(cluster, 'karpenter');
    expect(c.chart).toEqual({
      repoURL: 'oci://public.ecr.aws/karpenter',
      chart: 'karpenter',
      version: '1.14.1',
      digest: KARPENTER_CHART.pin.digest,
      releaseName: 'karpenter',
    });
    expect(c.values).toMatchObject({
      settings: {
        clusterName: 'test',
        interruptionQueue: 'test-karpenter-interruption',
        clusterEndpoint: 'https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com',
      },
      serviceAccount: { create: true, name: 'karpenter' },
      controller: { env: [{ name: 'AWS_REGION', value: 'eu-west-1' }] },
      replicas: 1,
      topologySpreadConstraints: [],
      priorityClassName: 'system-cluster-critical',
      dnsPolicy: 'ClusterFirst',
    });
    // No IRSA: EKS Pod Identity binds the controller role to karpenter/karpenter.
    expect((c.values as any).serviceAccount.annotations).toBeUndefined();
    expect(c).toMatchObject({ namespace: 'karpenter', project: 'infrastructure', dependsOn: ['cilium', 'karpenter-crd', 'namespaces'] });
    expect(c.wave).toBeGreaterThan(findComponent(cluster, 'cilium').wave);
    expect(findObject(cluster, 'namespaces', 'Namespace', 'karpenter').metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
    // Unknown API endpoint: Karpenter asks EKS for it at start.
    expect((findComponent(render(), 'karpenter').values as any).settings.clusterEndpoint).toBe('');
  });

  test('HA: replicas and zone spread from the cluster availability, or from the props', () => {
    const prod = { environment: 'prod', availability: { replicas: 2, spread: 'zone' } } as const;
    const values = findComponent(render({}, prod), 'karpenter').values as any;
    expect(values.replicas).toBe(2);
    expect(values.podDisruptionBudget).toEqual({ name: 'karpenter', maxUnavailable: 1 });
    expect(values.topologySpreadConstraints[0]).toMatchObject({
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'karpenter' } },
    });
    expect((findComponent(render({ replicas: 3 }), 'karpenter').values as any).replicas).toBe(3);
  });

  test('flows: the controller may reach the API server, AWS APIs over HTTPS and the Pod Identity agent, nothing else', () => {
    const cluster = render();
    const egress = cluster.components
      .find((c) => c.name === 'karpenter')!
      .objects.filter((o) => o.kind === 'NetworkPolicy')
      .map((o) => [o.metadata.name, o.spec.podSelector, o.spec.egress]);
    const pods = { matchLabels: { 'app.kubernetes.io/name': 'karpenter' } };
    const tcp = (...ports: number[]) => ports.map((port) => ({ port, protocol: 'TCP' }));
    expect(egress).toEqual(
      expect.arrayContaining([
        ['allow-to-kubernetes-api-from-karpenter', pods, [{ to: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: tcp(443, 6443) }]],
        ['allow-to-aws-apis-from-karpenter', pods, [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp(443) }]],
        ['allow-to-eks-pod-identity-agent-from-karpenter', pods, [{ to: [{ ipBlock: { cidr: '169.254.170.23/32' } }], ports: tcp(80) }]],
      ]),
    );
    expect(egress).toHaveLength(3);
    expect(findComponent(cluster, 'karpenter').flows.map((f) => f.to)).toEqual([
      { external: 'Kubernetes API' },
      { external: 'AWS APIs' },
      { external: 'EKS Pod Identity agent' },
    ]);
  });

  test('metrics: a PodMonitor on the chart’s http-metrics port (8080) when the cluster has monitoring', () => {
    const cluster = renderTestCluster((p) => {
      new StandInMonitoring(p);
      compose()(p);
    });
    expect(findObject(cluster, 'monitoring', 'PodMonitor', 'karpenter').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'karpenter' } },
      podMetricsEndpoints: [{ port: 'http-metrics', path: '/metrics' }],
    });
    const ingress = findObject(cluster, 'karpenter', 'NetworkPolicy', 'allow-from-prometheus-to-karpenter');
    expect(ingress.spec.ingress[0].ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
    expect(findComponent(cluster, 'karpenter').dependsOn).not.toContain('monitoring');
  });

  test('a kind cluster fails synth with one message saying why and what to do', () => {
    expect(synthProblems(() => render({}, { provider: 'kind', environment: 'local', region: undefined, azs: ['local'] }))).toEqual([
      'clusters/test.ts: components.karpenter: Karpenter runs only on EKS: it launches EC2 instances as nodes, and this cluster\'s provider is "kind"; remove the Karpenter component from this cluster file (kind\'s nodes are fixed at cluster creation)',
    ]);
  });

  test('bad input fails with the field path', () => {
    expect(synthProblems(() => render({ instanceTypes: [] }))).toEqual([
      'clusters/test.ts: components.karpenter.instanceTypes: got 0 items: the default NodePool needs at least one instance type, such as ["m5.large"]',
    ]);
    expect(synthProblems(() => render({ cpuLimit: '20 cores' }))).toEqual([
      'clusters/test.ts: components.karpenter.cpuLimit: got "20 cores", which is not a Kubernetes quantity; expected a number with an optional suffix such as "20" or "1500m"',
    ]);
    expect(synthProblems(() => render({ cpuLimit: 20 } as never))).toEqual([
      'clusters/test.ts: components.karpenter.cpuLimit: got 20, expected a Kubernetes quantity as a string such as "20" or "1500m"',
    ]);
    expect(synthProblems(() => render({ amiVersion: 'v1.64' } as never))).toEqual([
      'clusters/test.ts: components.karpenter.amiVersion: got "v1.64", expected "latest" or a Bottlerocket release such as "v1.64.0"',
    ]);
    expect(synthProblems(() => render({ instanceTypes: ['m5 large'] }))).toEqual([
      'clusters/test.ts: components.karpenter.instanceTypes[0]: got "m5 large", expected an EC2 instance type such as "m5.large"',
    ]);
    expect(synthProblems(() => render({ cpulimit: '20' } as never))).toEqual([
      'clusters/test.ts: components.karpenter.cpulimit: unknown field "cpulimit"; allowed: additionalValues, amiVersion, cni, cpuLimit, instanceTypes, replicas, startupTaints',
    ]);
    expect(synthProblems(() => render({ cni: undefined } as never))[0]).toBe(
      "clusters/test.ts: components.karpenter.cni: got nothing, expected the cluster's CNI (Cilium) component (a value of the cluster file)",
    );
  });

  test('a second Karpenter in one cluster fails synth naming the first', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        const cni = new Cni(p);
        new Karpenter(p, 'karpenter', { cni, ...PROPS, instanceTypes: ['m5.large'] });
        new Karpenter(p, 'karpenter-2', { cni, ...PROPS, instanceTypes: ['m5.large'] });
      }),
    );
    expect(problems[0]).toMatch(/components\.karpenter-2: got a second Karpenter \(the first is "karpenter"\)/);
  });
});

describe('Karpenter with the chart rendered by helm', () => {
  let objects: KubeObject[];
  let rendered: RenderedCluster;
  const prod = { environment: 'prod', availability: { replicas: 2, spread: 'zone' } } as const;

  beforeAll(async () => {
    // Both charts as synth renders them: the controller chart without its CRDs, the karpenter-crd chart with them.
    rendered = await renderTestClusterWithHelm(compose(), prod, {
      adjust: (component, chartObjects) => {
        if (component.name === 'karpenter') objects = structuredClone(chartObjects);
      },
    });
  }, 60_000);

  test('the CRDs come from the karpenter-crd chart, an Application the controller waits for; none from the controller chart', () => {
    expect(findComponent(rendered, 'karpenter').objects.filter((o) => o.kind === 'CustomResourceDefinition')).toEqual([]);
    expect(findComponent(rendered, 'karpenter').dependsOn).toContain('karpenter-crd');
    expect(findComponent(rendered, 'karpenter-crd').dependsOn).toEqual(['cilium', 'namespaces']);
    const crds = findComponent(rendered, 'karpenter-crd').objects.filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crds.map((o) => o.metadata.name).sort()).toEqual([
      'capacitybuffers.autoscaling.x-k8s.io',
      'ec2nodeclasses.karpenter.k8s.aws',
      'nodeclaims.karpenter.sh',
      'nodeoverlays.karpenter.sh',
      'nodepools.karpenter.sh',
    ]);
    for (const crd of crds) expect(crd.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
  });

  test('the controller Deployment: pinned image, replicas and spread, resources, probes, restricted security context', () => {
    const d = findObject(rendered, 'karpenter', 'Deployment', 'karpenter');
    const pod = d.spec.template.spec;
    const [container] = pod.containers;
    expect(container.image).toBe(
      'public.ecr.aws/karpenter/controller:1.14.1@sha256:445baefaaa689029cc12ac1f659b916b0b82fb14308ce536f8521fcf079116fa',
    );
    expect(d.spec.replicas).toBe(2);
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    // The chart's affinity: never on a node Karpenter manages, never two replicas on one node.
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'karpenter.sh/nodepool', operator: 'DoesNotExist' }] },
    ]);
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(pod).toMatchObject({
      serviceAccountName: 'karpenter',
      priorityClassName: 'system-cluster-critical',
      dnsPolicy: 'ClusterFirst',
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(pod.hostNetwork).toBeUndefined();
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.ports).toContainEqual({ name: 'http-metrics', containerPort: 8080, protocol: 'TCP' });
    const env = Object.fromEntries(container.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ CLUSTER_NAME: 'test', INTERRUPTION_QUEUE: 'test-karpenter-interruption', AWS_REGION: 'eu-west-1' });
    expect(env.CLUSTER_ENDPOINT).toBeUndefined();
    // It calls the API, so its token is mounted: exempt by name, with the reason validate lists.
    expect(d.metadata.annotations['policy.platform/exempt-no-automount-service-account-token']).toMatch(/Kubernetes API/);
    // The PodDisruptionBudget selects the pods.
    const pdb = findObject(rendered, 'karpenter', 'PodDisruptionBudget', 'karpenter');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: d.spec.selector.matchLabels } });
    expect(d.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'karpenter' });
  });

  test('no webhooks in 1.14, and the only object outside its namespace is the chart’s kube-dns reader in kube-system', () => {
    expect(objects.filter((o) => /WebhookConfiguration$/.test(o.kind))).toEqual([]);
    const namespaced = findComponent(rendered, 'karpenter').objects.filter(
      (o) => o.metadata.namespace && o.metadata.namespace !== 'karpenter',
    );
    expect(namespaced.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      'Role kube-system/karpenter-dns',
      'RoleBinding kube-system/karpenter-dns',
    ]);
  });
});
