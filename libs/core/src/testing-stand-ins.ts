/**
 * Test support: stand-ins for other libs' components. Each only announces what the real component
 * provides (`provide(CAPABILITY, …)`), with the names the real one uses, so a test composes the
 * component it is about without the whole platform.
 *
 * Test code only: not exported from index.ts; import it as `@platform/core/testing-stand-ins`.
 */
import {
  Component,
  INGRESS,
  type IssuerRef,
  MESH,
  MONITORING,
  Namespace,
  type Platform,
  VAULT,
  VAULT_SECRETS,
  type WorkloadProps,
  provide,
  workload,
} from './index';

/** libs/vault: a plain-HTTP Vault in `vault` (KV `secret`, Kubernetes auth at `kubernetes`). */
export class StandInVault extends Component {
  constructor(scope: Platform) {
    super(scope, 'vault', { namespace: Namespace.restricted('vault'), project: 'infrastructure' });
    provide(VAULT, {
      component: this,
      address: 'http://vault.vault.svc:8200',
      kvMount: 'secret',
      authMount: 'kubernetes',
      tls: false,
      server: workload(this, { podLabels: { 'app.kubernetes.io/name': 'vault' } }),
    });
  }
}

/** libs/vault-secrets-operator: the default VaultConnection in its namespace; it serves its CRDs. */
export class StandInVaultSecretsOperator extends Component {
  constructor(scope: Platform) {
    super(scope, 'vault-secrets-operator', { namespace: Namespace.restricted('vault-secrets-operator-system'), project: 'infrastructure' });
    provide(VAULT_SECRETS, { component: this, connection: { name: 'default', namespace: this.home.name }, crds: this });
  }
}

/** libs/istio's istiod: the mesh in `istio-system`; it serves the mesh CRDs. */
export class StandInMesh extends Component {
  constructor(scope: Platform, id = 'istiod') {
    super(scope, id, { namespace: Namespace.restricted('istio-system'), project: 'infrastructure', providesMesh: true });
    provide(MESH, { component: this, crds: this });
  }
}

export interface StandInMonitoringOptions {
  /** Component name; default `monitoring`. */
  readonly id?: string;
  /** Default `observability-system`. */
  readonly namespace?: string;
  /** Whether that namespace is in the mesh; default false. */
  readonly meshed?: boolean;
  /** The Prometheus pods; default `{ name: 'prometheus' }`. */
  readonly scraper?: WorkloadProps;
}

/** The Prometheus stack: the scraper that PodMonitors and ServiceMonitors let in. */
export class StandInMonitoring extends Component {
  constructor(scope: Platform, options: StandInMonitoringOptions = {}) {
    const { id = 'monitoring', namespace = 'observability-system', meshed = false, scraper = { name: 'prometheus' } } = options;
    super(scope, id, { namespace: Namespace.restricted(namespace, { meshed }), project: 'observability' });
    provide(MONITORING, { component: this, scraper: workload(this, scraper) });
  }
}

export interface StandInGatewayOptions {
  /** Component name; default `istio-gateway`. */
  readonly id?: string;
  /** Whether `istio-ingress` is in the mesh; default false. */
  readonly meshed?: boolean;
  /** The proxies' ServiceAccount (their mesh identity); default none. */
  readonly serviceAccount?: string;
}

/** libs/istio's gateway: the `public` Gateway in `istio-ingress`; it serves the Gateway API CRDs. */
export class StandInGateway extends Component {
  constructor(scope: Platform, options: StandInGatewayOptions = {}) {
    const { id = 'istio-gateway', meshed = false, serviceAccount } = options;
    super(scope, id, { namespace: Namespace.restricted('istio-ingress', { meshed }), project: 'infrastructure' });
    provide(INGRESS, {
      component: this,
      gateway: { name: 'public', namespace: 'istio-ingress' },
      proxies: workload(this, { name: 'gateway', podLabels: { istio: 'ingressgateway' }, serviceAccount }),
      crds: this,
    });
  }
}

/** libs/cert-manager: a component in `cert-manager` whose ClusterIssuers a test names. */
export class StandInCertManager extends Component {
  constructor(scope: Platform) {
    super(scope, 'cert-manager', { namespace: Namespace.restricted('cert-manager'), project: 'infrastructure' });
  }
  issuer(name: string): IssuerRef {
    return { component: this, name, kind: 'ClusterIssuer', group: 'cert-manager.io' };
  }
}
