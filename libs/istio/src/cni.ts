import { z } from 'zod';
import {
  Component,
  Namespace,
  Platform,
  additionalValuesSchema,
  helmResources,
  mergeValues,
  parseComponentProps,
  strictObject,
  componentSchema,
} from '@platform/core';
import type { IstioBase } from './base';
import type { IstioCniValues } from './values';
import { ISTIO_CNI_CHART, ISTIO_IMAGES } from './versions';

/** The props of IstioCni, checked at synth; the TypeScript type is derived from it (one definition). */
const propsSchema = strictObject({
  /** Istio's CRDs and webhook (IstioBase): the node agent installs after them. */
  base: componentSchema<IstioBase>('IstioBase'),
  /**
   * Where the node's CNI plugin binaries live (the kubelet's `--cni-bin-dir`).
   * @default '/opt/cni/bin'
   */
  cniBinDir: z.string().startsWith('/').default('/opt/cni/bin'),
  /**
   * Where the node's CNI configuration lives; the plugin is chained into the primary CNI's file there.
   * @default '/etc/cni/net.d'
   */
  cniConfDir: z.string().startsWith('/').default('/etc/cni/net.d'),
  /**
   * Chart values we do not type, merged over ours (maps deeply, lists replaced).
   * @default - none
   */
  additionalValues: additionalValuesSchema().optional(),
});

export type IstioCniProps = z.input<typeof propsSchema>;

/** The node agent's DaemonSet and ServiceAccount (chart `cni`). */
const NODE_AGENT = 'istio-cni-node';
const SERVICE_ACCOUNT = 'istio-cni';

/**
 * Istio's CNI node agent (chart `cni`, sidecar mode): it chains Istio's plugin after Cilium's
 * (Cilium runs with `cni.exclusive: false`), so injected pods get their traffic redirection from
 * the node instead of a NET_ADMIN init container, and meshed namespaces stay Pod Security restricted.
 *
 * It runs in `kube-system`, as Cilium does: a node agent that writes the host's CNI config needs
 * host paths and capabilities no Pod Security level but privileged allows, and `kube-system` is
 * where Kubernetes and Istio (platforms that limit `system-node-critical` pods to it) expect node
 * agents; `istio-system` stays restricted for istiod.
 */
export class IstioCni extends Component {
  constructor(scope: Platform, id: string, props: IstioCniProps) {
    const parsed = parseComponentProps(scope, id, propsSchema, props);
    const values: IstioCniValues = {
      global: { ...ISTIO_IMAGES, logging: { level: 'info' } },
      chained: true,
      cniBinDir: parsed.cniBinDir,
      cniConfDir: parsed.cniConfDir,
      ambient: { enabled: false },
      // containerd's default profile allows the syscalls of the capabilities the agent is granted.
      seccompProfile: { type: 'RuntimeDefault' },
      resources: helmResources({ cpu: { request: '50m', limit: '500m' }, memory: { request: '64Mi', limit: '256Mi' } }),
    };
    super(scope, id, {
      namespace: Namespace.kubeSystem(),
      project: 'infrastructure',
      dependsOn: [parsed.base.name],
      chart: { ...ISTIO_CNI_CHART, values: mergeValues(values, parsed.additionalValues) },
    });
    const agent = [{ kind: 'DaemonSet', name: NODE_AGENT }];
    this.exemptChartObjects(
      agent,
      'run-as-non-root',
      'the node agent runs as root to write the CNI plugin binary and its config into host directories owned by root',
    );
    this.exemptChartObjects(
      agent,
      'drop-all-capabilities',
      "the node agent drops ALL and adds back NET_ADMIN, NET_RAW, SYS_ADMIN, SYS_PTRACE, DAC_OVERRIDE: it enters pods' network namespaces to program their iptables redirection (repair) and writes host CNI files",
    );
    this.exemptChartObjects(
      agent,
      'no-privilege-escalation',
      'the node agent holds CAP_SYS_ADMIN, with which privilege escalation is implied (the API server rejects allowPrivilegeEscalation: false beside it)',
    );
    this.exemptChartObjects(
      agent,
      'no-host-path',
      'the node agent installs the CNI plugin and its chained config on the host (cniBinDir, cniConfDir), and reads /proc and the netns directory of the host',
    );
    this.exemptChartObjects(
      agent,
      'read-only-root-filesystem',
      'upstream runs the installer with a writable root filesystem (the chart has no key for it) and does not test it read-only',
    );
    this.exemptChartObjects(
      agent,
      'liveness-probe',
      'upstream defines only a readiness probe (/readyz on 8000) for the node agent; it exits when its install or watch loop fails',
    );
    this.exemptChartObjects(
      [
        { kind: 'ServiceAccount', name: SERVICE_ACCOUNT },
        { kind: 'DaemonSet', name: NODE_AGENT },
      ],
      'no-automount-service-account-token',
      'the node agent watches pods on its node through the Kubernetes API (repair controller) and writes a kubeconfig for the CNI plugin',
    );
  }
}
