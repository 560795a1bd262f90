/**
 * Cross-cutting add-ons: one call each from a component, and nothing at all when the cluster has
 * no counterpart. A counterpart (Prometheus for monitors, the ingress gateway for exposure)
 * announces itself with `provide()`; no component keeps a list of the others.
 *
 * @example
 * addMonitor(this, { name: 'cert-manager', podLabels: { 'app.kubernetes.io/component': 'controller' }, port: { name: 'http-metrics', number: 9402 } });
 * expose(this, { host: `argocd.${domain}`, service: 'argocd-server', port: 80, podLabels: { ... }, targetPort: 8080 });
 */
import { PodMonitor } from '@platform/crds/generated/monitoring.coreos.com';
import { HttpRoute, HttpRouteSpecRulesMatchesPathType } from '@platform/crds/generated/gateway.networking.k8s.io';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
} from '@platform/crds/generated/cert-manager.io';
import { z } from 'zod';
import { Component, addOnOwner, isInstance } from './component';
import { Capability, providerOf } from './capability';

export { Capability, provide, providerOf } from './capability';
import { MESH, type Workload, flow, workload } from './flows';
import type { Platform } from './platform';
import { reportProblem, showValue } from './errors';

/** What a monitoring component (Prometheus) offers the others. */
export interface MonitoringProvider {
  /** The component that scrapes. */
  readonly component: Component;
  /** The scraping pods: each monitor adds a flow from them to the monitored pods. */
  readonly scraper: Workload;
}

/** What an ingress gateway offers the components it exposes. */
export interface IngressProvider {
  readonly component: Component;
  /** The Gateway HTTPRoutes attach to (one HTTPS listener per exposed host, see exposures()). */
  readonly gateway: { readonly name: string; readonly namespace: string };
  /** The gateway's proxy pods: each exposure adds a flow from them to the exposed pods. */
  readonly proxies: Workload;
  /** The component that installs the Gateway API CRDs: exposed components wait for it. */
  readonly crds: Component;
  /**
   * Issuer of the certificate of a host exposed without its own `tls`.
   * @default - none: every expose() must name its issuer
   */
  readonly issuer?: IssuerRef;
}

/**
 * A certificate issuer another component exports (cert-manager's ClusterIssuers): a typed wire,
 * so using it makes the user wait for its component.
 */
export interface IssuerRef {
  readonly component: Component;
  readonly name: string;
  readonly kind: 'ClusterIssuer';
  readonly group: 'cert-manager.io';
}

/**
 * A props field holding a certificate issuer another component exports, e.g.
 * `certManager.issuer('letsencrypt-production')`: checked at synth, so a wrong value fails with the field path.
 */
export const issuerSchema = () =>
  z.custom<IssuerRef>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      isInstance(Component, (v as IssuerRef).component) &&
      (v as IssuerRef).kind === 'ClusterIssuer' &&
      typeof (v as IssuerRef).name === 'string',
    {
      error: (iss) =>
        `got ${showValue(iss.input)}, expected a certificate issuer exported by a component, e.g. certManager.issuer("letsencrypt-production")`,
    },
  );

export const MONITORING = new Capability<MonitoringProvider>('monitoring');
export const INGRESS = new Capability<IngressProvider>('ingress');

/** What the cluster's CNI (Cilium) offers: every component but the bootstrap waits for it (pods need a network). */
export interface CniProvider {
  readonly component: Component;
}

export const CNI = new Capability<CniProvider>('cni');

/**
 * The dependencies no component needs to state: every component but the bootstrap ones (Argo CD,
 * the namespaces) waits for the CNI, since its pods need a network; a component with a meshed
 * namespace waits for the mesh's control plane, or its pods would start before the injection
 * webhook serves and run without a sidecar in a STRICT mesh. @internal Called by composeCluster.
 */
export function addImplicitDependencies(platform: Platform): void {
  const cni = providerOf(platform, CNI);
  const mesh = providerOf(platform, MESH);
  for (const c of platform.components) {
    if (c.project === 'bootstrap') continue;
    if (cni && c !== cni.component) c.needs(cni.component);
    if (mesh && c !== mesh.component && c.namespaces.some((ns) => ns.meshed)) c.needs(mesh.component);
  }
}

/** Runs `fn` once every component of the cluster exists, before waves are derived (add-ons may add dependencies). */
export function whenComposed(platform: Platform, fn: () => void): void {
  platform.whenComposed(fn);
}

export interface MonitorProps {
  /** PodMonitor name, unique in the namespace. */
  readonly name: string;
  /** Labels of the pods to scrape. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The named container port serving metrics, and its number (for the NetworkPolicy). */
  readonly port: { readonly name: string; readonly number: number };
  /** @default '/metrics' */
  readonly path?: string;
  /** @default - the component's namespace */
  readonly namespace?: string;
}

/**
 * Scrapes pods of `component` when the cluster has a monitoring component: a PodMonitor and a flow
 * from the scraper to the pods on that port. The PodMonitor belongs to the monitoring component's
 * Application, which installs its CRD: the monitored component never waits for monitoring (Cilium
 * comes before everything, Prometheus included). Without monitoring, renders nothing.
 */
export function addMonitor(component: Component, props: MonitorProps): void {
  whenComposed(component.platform, () => {
    const monitoring = providerOf(component.platform, MONITORING);
    if (!monitoring) return;
    const namespace = props.namespace ?? component.home.name;
    new PodMonitor(monitoring.component, `podmonitor-${namespace}-${props.name}`, {
      metadata: { name: props.name, namespace },
      spec: {
        selector: { matchLabels: { ...props.podLabels } },
        podMetricsEndpoints: [{ port: props.port.name, path: props.path ?? '/metrics' }],
      },
    });
    flow({
      from: monitoring.scraper,
      to: workload(component, { name: props.name, namespace, podLabels: props.podLabels }),
      ports: [{ port: props.port.number }],
      label: `metrics ${props.port.number} (scraped)`,
    });
  });
}

export interface ExposeProps {
  /** Public host name, e.g. `argocd.<domain>`: one component per host. */
  readonly host: string;
  /** The Service behind the host and its port. */
  readonly service: string;
  readonly port: number;
  /** Labels and container port of the pods behind the Service (the gateway's proxies may reach them there). */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly targetPort: number;
  /** ServiceAccount of those pods (for the diagram and policy names only). @default - none */
  readonly serviceAccount?: string;
  /** Path prefix routed to the Service. @default '/' */
  readonly path?: string;
  /** @default - the component's namespace */
  readonly namespace?: string;
  /**
   * Issuer of the host's certificate: a Certificate for the host in the gateway's namespace, which
   * the host's HTTPS listener serves (Secret `tlsSecretName(host)`).
   * @default - the gateway's issuer
   */
  readonly tls?: IssuerRef;
}

/** A public host as the gateway serves it (see exposures()). */
export interface Exposure {
  readonly host: string;
  readonly component: Component;
  /** Namespace of the HTTPRoute: the only one the host's listener accepts routes from. */
  readonly namespace: string;
  /** The Gateway listener of the host. */
  readonly sectionName: string;
  /** The Secret holding the host's certificate, in the gateway's namespace. */
  readonly secretName: string;
}

/** Name of the Secret holding the certificate of a public host (what a Gateway listener refers to). */
export const tlsSecretName = (host: string): string => `${host.replace(/\./g, '-')}-tls`;

/** Name of the Gateway listener of a public host. */
export const listenerName = (host: string): string => `https-${host.replace(/\./g, '-')}`.slice(0, 63).replace(/-+$/, '');

/** Every public host of the cluster, sorted: the gateway renders one HTTPS listener for each. Read it in `platform.whenComplete`. */
export function exposures(platform: Platform): readonly Exposure[] {
  return [...platform.network.exposures].sort((a, b) => (a.host < b.host ? -1 : 1));
}

/**
 * Publishes a Service through the cluster's ingress gateway when there is one: an HTTPRoute on the
 * host's HTTPS listener, a flow from the gateway's proxies to the pods (NetworkPolicy and, in a
 * meshed namespace, AuthorizationPolicy), a Certificate for the host and dependencies on the
 * Gateway API CRDs and the issuer. Without a gateway, renders nothing. A host exposed twice fails synth.
 */
export function expose(component: Component, props: ExposeProps): void {
  whenComposed(component.platform, () => {
    const ingress = providerOf(component.platform, INGRESS);
    if (!ingress) return;
    const taken = component.platform.network.exposures.find((e) => e.host === props.host);
    if (taken) {
      reportProblem(
        component,
        'expose',
        `host ${props.host} is exposed by component "${taken.component.name}" and by "${component.name}": one component per public host`,
      );
      return;
    }
    const issuer = props.tls ?? ingress.issuer;
    if (!issuer) {
      reportProblem(
        component,
        'tls',
        `host ${props.host} has no certificate issuer: pass tls (e.g. certManager.issuer("letsencrypt-production")) or give the gateway an issuer`,
      );
      return;
    }
    const namespace = props.namespace ?? component.home.name;
    const exposure: Exposure = {
      host: props.host,
      component,
      namespace,
      sectionName: listenerName(props.host),
      secretName: tlsSecretName(props.host),
    };
    component.platform.network.exposures.push(exposure);
    // The route and certificate need the Gateway API and cert-manager CRDs, so their Application
    // waits for those components. A bootstrap component (Argo CD) never waits for the platform:
    // its route and certificate go into a companion component that does.
    const owner = addOnOwner(component, 'edge');
    owner.needs(ingress.crds);
    owner.needs(issuer.component);
    new HttpRoute(owner, `httproute-${namespace}-${props.service}`, {
      metadata: { name: props.service, namespace },
      spec: {
        hostnames: [props.host],
        parentRefs: [{ name: ingress.gateway.name, namespace: ingress.gateway.namespace, sectionName: exposure.sectionName }],
        rules: [
          {
            matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: props.path ?? '/' } }],
            backendRefs: [{ name: props.service, port: props.port }],
          },
        ],
      },
    });
    flow({
      from: ingress.proxies,
      to: workload(component, { name: props.service, namespace, podLabels: props.podLabels, serviceAccount: props.serviceAccount }),
      ports: [{ port: props.targetPort }],
      label: `HTTPS ${props.host}`,
    });
    new Certificate(owner, `certificate-${props.host}`, {
      metadata: { name: exposure.secretName, namespace: ingress.gateway.namespace },
      spec: {
        secretName: exposure.secretName,
        dnsNames: [props.host],
        issuerRef: { name: issuer.name, kind: issuer.kind, group: issuer.group },
        privateKey: {
          algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA,
          size: 256,
          rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
        },
      },
    });
  });
}
