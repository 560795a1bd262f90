/**
 * Least privilege in Vault, declared by the consumer: a component states which KV v2 paths under
 * its own prefix (`<component>/...`) one of its ServiceAccounts may use, and with which
 * capabilities. The Vault component (libs/vault) renders from every declaration of the cluster the
 * policy and the Kubernetes-auth role bound to exactly that ServiceAccount and namespace (files
 * under `dist/<cluster>/vault/config/`, applied by apps/terraform-aws/vault; ADR 0007).
 *
 * @example
 * const { role } = vaultAccess(this, { serviceAccount: 'grafana', paths: ['grafana/admin'] });
 */
import type { Component } from './component';
import { Capability, providerOf } from './capability';
import { reportProblem } from './errors';
import { Platform } from './platform';
import { DNS1123_LABEL, DOMAIN_NAME } from './validation';
import type { Workload } from './flows';
import type { IssuerRef } from './addons';

/** What the cluster's Vault offers its consumers (and the Vault Secrets Operator). */
export interface VaultProvider {
  readonly component: Component;
  /** In-cluster address, e.g. `https://vault.vault.svc:8200`. */
  readonly address: string;
  /** The KV v2 mount every declared path lives under. */
  readonly kvMount: 'secret';
  /** The Kubernetes auth method's mount. */
  readonly authMount: 'kubernetes';
  /** Whether the listener serves TLS (then `caSecret` holds the CA that signed it). */
  readonly tls: boolean;
  /** The Secret holding the listener's CA certificate (in Vault's namespace: copy or trust it from there). */
  readonly caSecret?: { readonly name: string; readonly namespace: string; readonly key: string };
  /**
   * The issuer of the listener's certificate (with `tls`): a consumer in another namespace gets the
   * CA from a Certificate of its own by the same issuer (its Secret's `ca.crt`), since a Secret
   * cannot be referenced across namespaces.
   */
  readonly tlsIssuer?: IssuerRef;
  /** Vault's server pods, port 8200 (API) : flows to Vault end here (`flow({ from, to: vault.server, ports: [{ port: 8200 }] })`). */
  readonly server: Workload;
}

export const VAULT = new Capability<VaultProvider>('vault');

/**
 * The audience of the ServiceAccount tokens Vault's Kubernetes-auth roles accept: a consumer (the
 * operator's VaultAuth `audiences`) must request its token for it, so a token minted for anything
 * else (the API server) is refused by Vault.
 */
export const VAULT_AUDIENCE = 'vault';

export type VaultCapability = 'read' | 'list' | 'create' | 'update' | 'delete';

const CAPABILITIES: readonly VaultCapability[] = ['create', 'read', 'update', 'delete', 'list'];

export interface VaultAccessProps {
  /** The consumer's ServiceAccount (the Kubernetes-auth role binds exactly it). */
  readonly serviceAccount: string;
  /** @default - the component's namespace */
  readonly namespace?: string;
  /** KV v2 paths under the mount, each inside the consumer's own prefix `<component name>/` (e.g. `grafana/admin`). */
  readonly paths: readonly string[];
  /** @default ['read'] */
  readonly capabilities?: readonly VaultCapability[];
}

/** One declaration, resolved (see vaultAccesses). */
export type VaultAccess = VaultAccessProps & {
  readonly component: Component;
  /** The Kubernetes-auth role (and policy) name: `<namespace>-<serviceAccount>`. */
  readonly role: string;
  readonly namespace: string;
  /** Sorted, without duplicates. */
  readonly paths: readonly string[];
  /** Sorted, without duplicates. */
  readonly capabilities: readonly VaultCapability[];
};

/** A path segment: what Vault and a file name both take; no globs (`*`, `+`), no `..`. */
const SEGMENT = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;

/** The role a ServiceAccount logs in with: `<namespace>-<serviceAccount>`. */
export const vaultRoleName = (namespace: string, serviceAccount: string): string => `${namespace}-${serviceAccount}`;

/**
 * Registers what a consumer needs; returns the role it logs in with. Synth fails for a path outside
 * `<component>/`, wildcards, empty lists, and for a cluster without a Vault (the secret could never
 * arrive). Call it while the cluster is composed (a constructor or a `whenComposed` hook).
 */
export function vaultAccess(
  component: Component,
  props: VaultAccessProps,
): { readonly role: string; readonly authMount: 'kubernetes'; readonly audience: typeof VAULT_AUDIENCE } {
  const platform = component.platform;
  const namespace = props.namespace ?? component.home.name;
  const role = vaultRoleName(namespace, props.serviceAccount);
  const result = { role, authMount: 'kubernetes', audience: VAULT_AUDIENCE } as const;
  if (Platform.composing() !== platform) {
    throw new Error(
      `vaultAccess(${component.name}): called after the cluster was composed; call it in the component's constructor or a whenComposed hook, so Vault renders its role`,
    );
  }
  const where = `vaultAccess(${role})`;
  let ok = true;
  const fail = (field: string, message: string) => {
    ok = false;
    reportProblem(component, `${where}.${field}`, message);
  };
  if (typeof props.serviceAccount !== 'string' || (!DOMAIN_NAME.test(props.serviceAccount) && !DNS1123_LABEL.test(props.serviceAccount)))
    fail('serviceAccount', `${JSON.stringify(props.serviceAccount)} is not a ServiceAccount name (lower-case DNS name, no "*")`);
  if (!DNS1123_LABEL.test(namespace)) fail('namespace', `${JSON.stringify(namespace)} is not a namespace name (DNS label, no "*")`);
  const paths = [...(props.paths ?? [])];
  if (paths.length === 0) fail('paths', `no paths: declare the KV v2 paths under "${component.name}/" this ServiceAccount reads`);
  const prefix = `${component.name}/`;
  paths.forEach((path, i) => {
    if (typeof path !== 'string' || /[*+]/.test(path)) {
      fail(`paths[${i}]`, `${JSON.stringify(path)}: wildcards are not allowed, name each path (e.g. "${prefix}admin")`);
    } else if (!path.startsWith(prefix) || path.length === prefix.length) {
      fail(
        `paths[${i}]`,
        `${JSON.stringify(path)} is outside the component's prefix: paths of component "${component.name}" start with "${prefix}"`,
      );
    } else if (!path.split('/').every((s) => SEGMENT.test(s))) {
      fail(`paths[${i}]`, `${JSON.stringify(path)}: expected lower-case segments [a-z0-9._-] separated by "/" (no "..", no empty segment)`);
    }
  });
  const capabilities = [...(props.capabilities ?? ['read'])];
  if (capabilities.length === 0) fail('capabilities', `no capabilities: give at least one of ${CAPABILITIES.join(', ')} (default read)`);
  capabilities.forEach((c, i) => {
    if (!CAPABILITIES.includes(c)) fail(`capabilities[${i}]`, `${JSON.stringify(c)} is not one of ${CAPABILITIES.join(', ')}`);
  });
  const list = platform.secrets.accesses;
  const clash = list.find(
    (a) => a.role === role && (a.component !== component || a.namespace !== namespace || a.serviceAccount !== props.serviceAccount),
  );
  if (clash) {
    const sameAccount = clash.namespace === namespace && clash.serviceAccount === props.serviceAccount;
    fail(
      'serviceAccount',
      sameAccount
        ? `ServiceAccount ${namespace}/${props.serviceAccount} already has Vault access declared by component "${clash.component.name}": one component per ServiceAccount`
        : `role ${role} is also the role of ${clash.namespace}/${clash.serviceAccount} (component "${clash.component.name}"): rename a ServiceAccount`,
    );
  }
  if (!ok) return result;
  list.push({
    ...props,
    component,
    role,
    namespace,
    paths: [...new Set(paths)].sort(),
    capabilities: CAPABILITIES.filter((c) => capabilities.includes(c)),
  });
  platform.whenComposed(() => {
    if (providerOf(platform, VAULT)) return;
    reportProblem(
      component,
      where,
      `ServiceAccount ${namespace}/${props.serviceAccount} needs Vault paths ${paths.join(', ')}, but the cluster has no Vault: add \`new Vault(platform, 'vault', { ... })\` (libs/vault) to the cluster file, or remove the consumer's Vault secrets`,
    );
  });
  return result;
}

/** The declarations of a cluster (for the Vault component to render), sorted by role, then first path. */
export function vaultAccesses(platform: Platform): readonly VaultAccess[] {
  return [...platform.secrets.accesses].sort((a, b) =>
    a.role !== b.role ? (a.role < b.role ? -1 : 1) : a.paths[0] < b.paths[0] ? -1 : a.paths[0] > b.paths[0] ? 1 : 0,
  );
}
