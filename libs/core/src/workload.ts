import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-30';
import { reportProblem, showValue } from './errors';
import { assertPinnedImage } from './images';
import { ha } from './ha';
import { LABEL_COMPONENT, selectorLabels } from './labels';

/** Compute requests and limits, in Kubernetes quantities. */
export interface Resources {
  readonly cpu: { readonly request: string; readonly limit: string };
  readonly memory: { readonly request: string; readonly limit: string };
}

/** An HTTP probe on a named or numbered port. */
export interface HttpProbe {
  readonly path: string;
  readonly port: number;
}

/** Spread of replicas: over nodes or over availability zones. */
export type Spread = 'hostname' | 'zone';

export const TOPOLOGY_KEYS: Record<Spread, string> = {
  hostname: 'kubernetes.io/hostname',
  zone: 'topology.kubernetes.io/zone',
};

/** The restricted container security context: non-root, read-only root, no privilege escalation, no capabilities. */
export function restrictedSecurityContext(opts: { readOnlyRootFilesystem?: boolean; runAsUser?: number } = {}): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: opts.readOnlyRootFilesystem ?? true,
    runAsNonRoot: true,
    ...(opts.runAsUser !== undefined && { runAsUser: opts.runAsUser, runAsGroup: opts.runAsUser }),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function toResourceRequirements(r: Resources): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(r.cpu.request), memory: k8s.Quantity.fromString(r.memory.request) },
    limits: { cpu: k8s.Quantity.fromString(r.cpu.limit), memory: k8s.Quantity.fromString(r.memory.limit) },
  };
}

/** Spread constraints that keep replicas on distinct nodes or zones (hard on the chosen key). */
export function spreadConstraints(spread: Spread, matchLabels: Record<string, string>): k8s.TopologySpreadConstraint[] {
  return [
    { maxSkew: 1, topologyKey: TOPOLOGY_KEYS[spread], whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels } },
    ...(spread === 'zone'
      ? [{ maxSkew: 1, topologyKey: TOPOLOGY_KEYS.hostname, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels } }]
      : []),
  ];
}

export interface SecureDeploymentProps {
  readonly name: string;
  readonly namespace: string;
  /** Pinned image (`repo:tag` or `repo@sha256:...`). */
  readonly image: string;
  readonly replicas: number;
  readonly resources: Resources;
  /** Container port the Service and probes use. */
  readonly port: { readonly name: string; readonly containerPort: number };
  readonly liveness: HttpProbe;
  readonly readiness: HttpProbe;
  /** @default [] */
  readonly args?: readonly string[];
  /** @default [] */
  readonly env?: readonly k8s.EnvVar[];
  /** @default 'hostname' */
  readonly spread?: Spread;
  /**
   * The container user, for images whose user is not numeric (the restricted PSS needs a provable non-root UID).
   * @default - the image's user
   */
  readonly runAsUser?: number;
  /** Extra labels on the pod template (not used in the selector). @default {} */
  readonly podLabels?: Record<string, string>;
  /** Extra pod annotations (e.g. Istio settings). @default {} */
  readonly podAnnotations?: Record<string, string>;
  /** Writable scratch directories mounted as emptyDir (the root filesystem is read-only). @default ['/tmp'] */
  readonly scratchDirs?: readonly string[];
}

/**
 * A Deployment with the platform's secure defaults: dedicated ServiceAccount without token
 * automount, restricted security context, requests and limits, liveness and readiness probes,
 * pinned image, stable selector labels, spread over nodes or zones, a PodDisruptionBudget when it
 * runs more than one replica, and a ClusterIP Service.
 */
export class SecureDeployment extends Construct {
  readonly selector: Record<string, string>;
  readonly deployment: k8s.KubeDeployment;
  readonly service: k8s.KubeService;
  readonly serviceAccountName: string;

  constructor(scope: Construct, id: string, props: SecureDeploymentProps) {
    super(scope, id);
    // Problems are reported at this construct's path in its component, and rendering goes on, so
    // one synth lists the problems of every component (see reportProblem).
    if (!Number.isInteger(props.replicas) || props.replicas < 1) {
      reportProblem(this, 'replicas', `got ${showValue(props.replicas)}, replicas must be an integer ≥ 1`);
    }
    const image = assertPinnedImage(props.image, this);
    this.selector = selectorLabels(props.name);
    const availability = ha({ replicas: props.replicas, spread: props.spread ?? 'hostname' }, this.selector);
    this.serviceAccountName = props.name;
    const scratch = props.scratchDirs ?? ['/tmp'];
    const volumeName = (i: number) => `scratch-${i}`;

    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: { name: props.name, namespace: props.namespace, labels: this.selector },
      automountServiceAccountToken: false,
    });

    const probe = (p: HttpProbe, failureThreshold: number): k8s.Probe => ({
      httpGet: { path: p.path, port: k8s.IntOrString.fromNumber(p.port) },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold,
    });

    this.deployment = new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name: props.name, namespace: props.namespace, labels: this.selector },
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: {
          metadata: { labels: { ...props.podLabels, ...this.selector, [LABEL_COMPONENT]: props.name }, annotations: props.podAnnotations },
          spec: {
            serviceAccountName: props.name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints:
              availability.topologySpreadConstraints.length > 0 ? availability.topologySpreadConstraints : undefined,
            containers: [
              {
                name: props.name,
                image,
                imagePullPolicy: 'IfNotPresent',
                args: props.args ? [...props.args] : undefined,
                env: props.env ? [...props.env] : undefined,
                ports: [{ name: props.port.name, containerPort: props.port.containerPort, protocol: 'TCP' }],
                resources: toResourceRequirements(props.resources),
                livenessProbe: probe(props.liveness, 3),
                readinessProbe: probe(props.readiness, 3),
                securityContext: restrictedSecurityContext({ runAsUser: props.runAsUser }),
                volumeMounts: scratch.map((mountPath, i) => ({ name: volumeName(i), mountPath })),
              },
            ],
            volumes: scratch.map((_, i) => ({ name: volumeName(i), emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } })),
          },
        },
      },
    });

    this.service = new k8s.KubeService(this, 'service', {
      metadata: { name: props.name, namespace: props.namespace, labels: this.selector },
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: [
          {
            name: props.port.name,
            port: props.port.containerPort,
            targetPort: k8s.IntOrString.fromString(props.port.name),
            protocol: 'TCP',
          },
        ],
      },
    });

    if (availability.disruptionBudget) {
      new k8s.KubePodDisruptionBudget(this, 'pdb', {
        metadata: { name: props.name, namespace: props.namespace, labels: this.selector },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.selector } },
      });
    }
  }
}
