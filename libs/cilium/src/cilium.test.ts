import { describe, expect, test } from 'vitest';
import { Platform, RenderedCluster, TestSpecOverrides, findComponent, findObject, renderTestCluster, synthProblems } from '@platform/core';
import { renderTestClusterWithHelm } from '@platform/core/testing-helm';
import { Cilium, CiliumProps, HUBBLE_METRICS } from '@platform/cilium';
import { CILIUM_CHART } from './versions';

const API_HOST = '0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com';
const EKS: TestSpecOverrides = { apiServer: { host: API_HOST, port: 443 } };
const PROD: TestSpecOverrides = { ...EKS, environment: 'prod', availability: { replicas: 2, spread: 'zone' } };
const KIND: TestSpecOverrides = {
  provider: 'kind',
  environment: 'local',
  region: undefined,
  azs: ['local'],
  network: { vpcCidr: '172.18.0.0/16', podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/16' },
};

const compose = (props: CiliumProps) => (p: Platform) => void new Cilium(p, 'cilium', props);
const valuesOf = (cluster: RenderedCluster) => findComponent(cluster, 'cilium').values as Record<string, any>;

/** The cluster as synth renders it (the real chart, then core's patches and checks), with helm's output for the chart. */
async function render(props: CiliumProps, overrides: TestSpecOverrides) {
  let text = '';
  const cluster = await renderTestClusterWithHelm(compose(props), overrides, {
    helmOutput: (component, out) => {
      if (component.name === 'cilium') text = out;
    },
  });
  return { text, values: valuesOf(cluster), cluster };
}

const config = (cluster: RenderedCluster) => findObject(cluster, 'cilium', 'ConfigMap', 'cilium-config').data as Record<string, string>;
const kinds = (cluster: RenderedCluster) => findComponent(cluster, 'cilium').objects.map((o) => `${o.kind}/${o.metadata.name}`);

describe('Cilium on EKS', async () => {
  const dev = await render({}, EKS);
  const prod = await render({ hubble: { relay: true, metrics: true } }, PROD);

  test('ENI IPAM, native routing, masquerading through eth0, kube-proxy replacement towards the recorded API server', () => {
    expect(dev.values).toMatchObject({
      // Pod ENIs only in the subnets of the pods' secondary CIDR, tagged by Terraform (awsNames).
      eni: { enabled: true, subnetTagsFilter: ['platform/subnet=pods'] },
      ipam: { mode: 'eni' },
      routingMode: 'native',
      egressMasqueradeInterfaces: 'eth0',
      kubeProxyReplacement: true,
      k8sServiceHost: API_HOST,
      k8sServicePort: 443,
    });
    // The EKS API server is not a node: CIDR policies match it as they are.
    expect(dev.values).not.toHaveProperty('policyCIDRMatchMode');
    expect(config(dev.cluster)).toMatchObject({
      ipam: 'eni',
      'enable-endpoint-routes': 'true',
      'routing-mode': 'native',
      'egress-masquerade-interfaces': 'eth0',
      'kube-proxy-replacement': 'true',
    });
    const agent = findObject(dev.cluster, 'cilium', 'DaemonSet', 'cilium').spec.template.spec.containers[0];
    expect(agent.env).toEqual(
      expect.arrayContaining([
        { name: 'KUBERNETES_SERVICE_HOST', value: API_HOST },
        { name: 'KUBERNETES_SERVICE_PORT', value: '443' },
      ]),
    );
  });

  test('WireGuard with node encryption; Istio integration: host-namespace socket LB, not the exclusive CNI', () => {
    for (const { values, cluster } of [dev, prod]) {
      expect(values.encryption).toEqual({ enabled: true, type: 'wireguard', nodeEncryption: true });
      expect(values.socketLB).toEqual({ hostNamespaceOnly: true });
      expect(values.cni.exclusive).toBe(false);
      expect(config(cluster)).toMatchObject({
        'enable-wireguard': 'true',
        'encrypt-node': 'true',
        'bpf-lb-sock-hostns-only': 'true',
        'cni-exclusive': 'false',
      });
    }
  });

  test('operator replicas follow the availability: 1 in dev; 2 in prod with a PDB and zone spread', () => {
    expect(findObject(dev.cluster, 'cilium', 'Deployment', 'cilium-operator').spec.replicas).toBe(1);
    expect(kinds(dev.cluster)).not.toContain('PodDisruptionBudget/cilium-operator');
    const op = findObject(prod.cluster, 'cilium', 'Deployment', 'cilium-operator');
    expect(op.spec.replicas).toBe(2);
    expect(op.spec.template.spec.topologySpreadConstraints).toContainEqual(
      expect.objectContaining({
        topologyKey: 'topology.kubernetes.io/zone',
        labelSelector: { matchLabels: { 'io.cilium/app': 'operator' } },
      }),
    );
    expect(findObject(prod.cluster, 'cilium', 'PodDisruptionBudget', 'cilium-operator').spec.maxUnavailable).toBe(1);
    expect(valuesOf(renderTestCluster(compose({ operatorReplicas: 3 }), EKS)).operator.replicas).toBe(3);
  });

  test('Hubble relay and metrics only where the cluster file turns them on; certificates from the CronJob', () => {
    expect(kinds(dev.cluster).filter((k) => /hubble/.test(k))).toEqual([]);
    expect(config(dev.cluster)['enable-hubble']).toBe('false');
    expect(kinds(prod.cluster)).toEqual(
      expect.arrayContaining(['Deployment/hubble-relay', 'CronJob/hubble-generate-certs', 'Job/hubble-generate-certs']),
    );
    expect(prod.values.hubble.tls.auto.method).toBe('cronJob');
    expect(config(prod.cluster)['hubble-metrics']).toBe(HUBBLE_METRICS.join(' '));
    const job = findObject(prod.cluster, 'cilium', 'Job', 'hubble-generate-certs');
    expect(job.metadata.annotations['helm.sh/hook']).toBe('post-install,post-upgrade');
  });

  test('deterministic: two renders are byte-identical, and no certificate or CA Secret is rendered', async () => {
    expect((await render({ hubble: { relay: true, metrics: true } }, PROD)).text).toBe(prod.text);
    // No PEM, plain or base64 (`LS0tLS1CRUdJTi` is "-----BEGIN"): certgen writes the Secrets in the cluster.
    expect(prod.text).not.toMatch(/-----BEGIN|LS0tLS1CRUdJTi/);
    expect(findComponent(prod.cluster, 'cilium').objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('metrics of agent, operator and Envoy on, through addMonitor (the chart’s ServiceMonitors off)', () => {
    expect(prod.values.prometheus).toEqual({ enabled: true, serviceMonitor: { enabled: false } });
    expect(prod.values.operator.prometheus).toEqual({ enabled: true, serviceMonitor: { enabled: false } });
    const ports = findObject(prod.cluster, 'cilium', 'DaemonSet', 'cilium').spec.template.spec.containers[0].ports;
    expect(ports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'prometheus', containerPort: 9962 }),
        expect.objectContaining({ name: 'hubble-metrics', containerPort: 9965 }),
      ]),
    );
    expect(kinds(prod.cluster).filter((k) => k.startsWith('ServiceMonitor'))).toEqual([]);
  });

  test('a missing API server on EKS fails synth, naming the field and where its value comes from', () => {
    expect(synthProblems(() => renderTestCluster(compose({})))).toEqual([
      "clusters/test.ts: spec.apiServer.host: missing: Cilium replaces kube-proxy on EKS and must reach the API server before any Service works. Record the EKS endpoint host that Terraform outputs (`terraform output -raw cluster_endpoint_host`) as `apiServer: { host: '<host>' }` in the cluster spec",
    ]);
  });
});

describe('Cilium on kind', async () => {
  const local = await render({}, KIND);

  test('cluster-pool IPAM from the pod CIDR, VXLAN tunnel, kind’s kube-proxy kept, no ENI keys', () => {
    expect(local.values).toMatchObject({
      ipam: { mode: 'cluster-pool', operator: { clusterPoolIPv4PodCIDRList: ['10.244.0.0/16'] } },
      routingMode: 'tunnel',
      tunnelProtocol: 'vxlan',
      kubeProxyReplacement: false,
      encryption: { enabled: true, type: 'wireguard', nodeEncryption: true },
      socketLB: { hostNamespaceOnly: true },
      cni: { exclusive: false },
      // The API server and istiod (host network) run on nodes: CIDR policies must be able to select them.
      policyCIDRMatchMode: ['nodes'],
    });
    for (const key of ['eni', 'egressMasqueradeInterfaces', 'k8sServiceHost', 'k8sServicePort'])
      expect(local.values).not.toHaveProperty(key);
    expect(config(local.cluster)).toMatchObject({
      ipam: 'cluster-pool',
      'cluster-pool-ipv4-cidr': '10.244.0.0/16',
      'routing-mode': 'tunnel',
      'tunnel-protocol': 'vxlan',
      'kube-proxy-replacement': 'false',
    });
    expect(config(local.cluster)).not.toHaveProperty('egress-masquerade-interfaces');
  });

  test('the Istio side reads the routing: with a tunnel the API server does not reach pods (istiod on the host network)', () => {
    let kind: Cilium | undefined;
    let eks: Cilium | undefined;
    renderTestCluster((p) => void (kind = new Cilium(p, 'cilium')), KIND);
    renderTestCluster((p) => void (eks = new Cilium(p, 'cilium')), EKS);
    expect([kind!.routingMode, kind!.apiServerReachesPods]).toEqual(['tunnel', false]);
    expect([eks!.routingMode, eks!.apiServerReachesPods]).toEqual(['native', true]);
  });
});

describe('Cilium workloads and props', async () => {
  const { cluster } = await render({ hubble: { relay: true, metrics: true } }, PROD);
  const pod = (kind: string, name: string) => {
    const o = findObject(cluster, 'cilium', kind, name);
    return kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
  };
  const exemptions = (kind: string, name: string) =>
    Object.keys(findObject(cluster, 'cilium', kind, name).metadata.annotations ?? {})
      .filter((k) => k.startsWith('policy.platform/exempt-'))
      .map((k) => k.slice('policy.platform/exempt-'.length))
      .sort();

  test('every container has requests and limits', () => {
    for (const [kind, name] of [
      ['DaemonSet', 'cilium'],
      ['DaemonSet', 'cilium-envoy'],
      ['Deployment', 'cilium-operator'],
      ['Deployment', 'hubble-relay'],
      ['Job', 'hubble-generate-certs'],
      ['CronJob', 'hubble-generate-certs'],
    ])
      for (const c of [...(pod(kind, name).initContainers ?? []), ...pod(kind, name).containers]) {
        expect(c.resources?.requests, `${kind}/${name} ${c.name}`).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c.resources?.limits, `${kind}/${name} ${c.name}`).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      }
  });

  test('the operator, relay and certgen run restricted: non-root, read-only root, no token where they do not call the API', () => {
    for (const [kind, name] of [
      ['Deployment', 'cilium-operator'],
      ['Deployment', 'hubble-relay'],
      ['Job', 'hubble-generate-certs'],
      ['CronJob', 'hubble-generate-certs'],
    ]) {
      const c = pod(kind, name).containers[0];
      expect(c.securityContext, `${kind}/${name}`).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
    }
    expect(pod('Deployment', 'cilium-operator').containers[0].env).toContainEqual({ name: 'GOPS_CONFIG_DIR', value: '/tmp/gops' });
    expect(pod('Deployment', 'hubble-relay').automountServiceAccountToken).toBe(false);
    expect(findObject(cluster, 'cilium', 'ServiceAccount', 'cilium-envoy').automountServiceAccountToken).toBe(false);
    expect(exemptions('Deployment', 'hubble-relay')).toEqual([]);
    expect(exemptions('Deployment', 'cilium-operator')).toEqual([
      'high-entropy-env-value',
      'no-automount-service-account-token',
      'no-host-namespaces',
    ]);
  });

  test('the node agents are exempted by name, each policy with its reason', () => {
    const host = [
      'drop-all-capabilities',
      'no-host-namespaces',
      'no-host-path',
      'no-privilege-escalation',
      'read-only-root-filesystem',
      'run-as-non-root',
      'seccomp-runtime-default',
    ];
    expect(exemptions('DaemonSet', 'cilium')).toEqual(
      [...host, 'no-privileged-container', 'no-automount-service-account-token', 'high-entropy-env-value'].sort(),
    );
    expect(exemptions('DaemonSet', 'cilium-envoy')).toEqual([...host, 'high-entropy-env-value'].sort());
  });

  test('kube-system is not rendered by core; the chart’s secrets namespace is declared and rendered by core instead', () => {
    const c = findComponent(cluster, 'cilium');
    expect(c).toMatchObject({ namespace: 'kube-system', project: 'infrastructure', dependsOn: ['namespaces'] });
    expect(c.objects.filter((o) => o.kind === 'Namespace')).toEqual([]);
    expect(findObject(cluster, 'namespaces', 'Namespace', 'cilium-secrets').metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
    expect(findComponent(cluster, 'namespaces').objects.map((o) => o.metadata.name)).not.toContain('kube-system');
    expect(c.chart).toMatchObject({ chart: 'cilium', version: '1.18.12', digest: CILIUM_CHART.pin.digest });
  });

  test('bad props fail with the field path', () => {
    expect(() => renderTestCluster(compose({ operatorReplicas: 0 }), EKS)).toThrow(
      'clusters/test.ts: components.cilium.operatorReplicas: got 0, replicas must be an integer ≥ 1',
    );
    expect(() => renderTestCluster(compose({ hubble: { relay: true, ui: true } } as never), EKS)).toThrow(
      'clusters/test.ts: components.cilium.hubble.ui: unknown field "ui"',
    );
  });
});
