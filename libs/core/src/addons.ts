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
import { HttpRoute } from '@platform/crds/generated/gateway.networking.k8s.io';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
} from '@platform/crds/generated/cert-manager.io';
import type { Component } from './component';
import { Peers, allowIngress } from './network';
import type { Platform } from './platform';

/** A capability one component provides to the whole cluster. */
export class Capability<T> {
  constructor(
    /** For messages: `monitoring`, `ingress`. */
    readonly name: string,
  ) {}

  /** @internal Type marker. */
  declare readonly value: T;
}

/** What a monitoring component (Prometheus) offers the others. */
export interface MonitoringProvider {
  /** The component that scrapes; monitored components reach it through the flow graph. */
  readonly component: Component;
  /** Labels of the scraping pods in its namespace (NetworkPolicy ingress from them). */
  readonly scraperLabels: Readonly<Record<string, string>>;
  /** The component that installs the PodMonitor CRD: monitored components wait for it. */
  readonly crds: Component;
}

/** What an ingress gateway offers the components it exposes. */
export interface IngressProvider {
  readonly component: Component;
  /** The Gateway HTTPRoutes attach to. */
  readonly gateway: { readonly name: string; readonly namespace: string; readonly sectionName?: string };
  /** Labels of the gateway's proxy pods (NetworkPolicy ingress from them). */
  readonly proxyLabels: Readonly<Record<string, string>>;
  /** The component that installs the Gateway API CRDs: exposed components wait for it. */
  readonly crds: Component;
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

export const MONITORING = new Capability<MonitoringProvider>('monitoring');
export const INGRESS = new Capability<IngressProvider>('ingress');

/** Announces that `value.component` provides `capability` to its cluster (once per cluster). */
export function provide<T extends { readonly component: Component }>(capability: Capability<T>, value: T): void {
  value.component.platform.provide(capability, value.component.name, value);
}

/** The provider of `capability` in this cluster, or undefined. Read it inside an add-on, after composition. */
export function providerOf<T>(platform: Platform, capability: Capability<T>): T | undefined {
  return platform.providerOf(capability) as T | undefined;
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
 * Scrapes pods of `component` when the cluster has a monitoring component: a PodMonitor, a
 * NetworkPolicy letting the scraper in on that port, and a dependency on the monitoring CRDs.
 * Without one, renders nothing.
 */
export function addMonitor(component: Component, props: MonitorProps): void {
  whenComposed(component.platform, () => {
    const monitoring = providerOf(component.platform, MONITORING);
    if (!monitoring) return;
    const namespace = props.namespace ?? component.home.name;
    component.needs(monitoring.crds);
    new PodMonitor(component, `podmonitor-${namespace}-${props.name}`, {
      metadata: { name: props.name, namespace },
      spec: {
        selector: { matchLabels: { ...props.podLabels } },
        podMetricsEndpoints: [{ port: props.port.name, path: props.path ?? '/metrics' }],
      },
    });
    allowIngress(component, {
      name: `allow-metrics-${props.name}`,
      namespace,
      podLabels: { ...props.podLabels },
      peers: [Peers.component(monitoring.component, monitoring.scraperLabels)],
      ports: [{ port: props.port.number }],
    });
    component.addFlow({ to: monitoring.component.name, label: `metrics ${props.port.number} (scraped)` });
  });
}

export interface ExposeProps {
  /** Public host name, e.g. `argocd.<domain>`. */
  readonly host: string;
  /** The Service behind the host and its port. */
  readonly service: string;
  readonly port: number;
  /** Labels and container port of the pods behind the Service (NetworkPolicy ingress from the gateway). */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly targetPort: number;
  /** @default - the component's namespace */
  readonly namespace?: string;
  /**
   * Issuer of the host's certificate: a Certificate for the host in the gateway's namespace, which
   * the gateway's listener serves (`<host with - for .>-tls`).
   * @default - no certificate (the gateway's own wildcard serves the host)
   */
  readonly tls?: IssuerRef;
}

/** Name of the Secret holding the certificate of a public host (what a Gateway listener refers to). */
export const tlsSecretName = (host: string): string => `${host.replace(/\./g, '-')}-tls`;

/**
 * Publishes a Service through the cluster's ingress gateway when there is one: an HTTPRoute for
 * the host, a NetworkPolicy letting the gateway's proxies in, and a dependency on the Gateway API
 * CRDs. Without a gateway, renders nothing.
 */
export function expose(component: Component, props: ExposeProps): void {
  whenComposed(component.platform, () => {
    const ingress = providerOf(component.platform, INGRESS);
    if (!ingress) return;
    const namespace = props.namespace ?? component.home.name;
    component.needs(ingress.crds);
    new HttpRoute(component, `httproute-${namespace}-${props.service}`, {
      metadata: { name: props.service, namespace },
      spec: {
        hostnames: [props.host],
        parentRefs: [{ name: ingress.gateway.name, namespace: ingress.gateway.namespace, sectionName: ingress.gateway.sectionName }],
        rules: [{ backendRefs: [{ name: props.service, port: props.port }] }],
      },
    });
    allowIngress(component, {
      name: `allow-from-gateway-${props.service}`,
      namespace,
      podLabels: { ...props.podLabels },
      peers: [Peers.component(ingress.component, ingress.proxyLabels)],
      ports: [{ port: props.targetPort }],
    });
    ingress.component.addFlow({ to: component.name, label: `HTTPS ${props.host}` });
    if (props.tls) {
      component.needs(props.tls.component);
      new Certificate(component, `certificate-${props.host}`, {
        metadata: { name: tlsSecretName(props.host), namespace: ingress.gateway.namespace },
        spec: {
          secretName: tlsSecretName(props.host),
          dnsNames: [props.host],
          issuerRef: { name: props.tls.name, kind: props.tls.kind, group: props.tls.group },
          privateKey: {
            algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA,
            size: 256,
            rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
          },
        },
      });
    }
  });
}
