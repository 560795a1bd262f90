import type { VaultAccess, VaultCapability } from '@platform/core';

/**
 * Vault's configuration as code, rendered from the cluster's `vaultAccess()` declarations into
 * `dist/<cluster>/vault/config/` (applied by apps/terraform-aws/vault, ADR 0007). Every file is
 * data for Vault's API: the JSON files use the API's field names, the policies are Vault HCL.
 */

/** KV v2 mount every consumer path lives under. */
export const KV_MOUNT = 'secret';
/** Mount of the Kubernetes auth method. */
export const AUTH_MOUNT = 'kubernetes';
/** A consumer's Vault token lives this long (renewable up to the max): a leaked token is useless soon. */
export const TOKEN_TTL_SECONDS = 15 * 60;
export const TOKEN_MAX_TTL_SECONDS = 60 * 60;
/** Where the file audit device writes, on the audit volume. */
export const AUDIT_LOG = '/vault/audit/vault_audit.log';
/** The policy of the platform's operators (see ADR 0007): the only one with globs, never bound to a Kubernetes role. */
export const ADMIN_POLICY = 'platform-admin';

/** One role: every declaration of one ServiceAccount merged (paths with the union of their capabilities). */
export interface VaultRole {
  readonly role: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly component: string;
  /** Path under the KV mount → capabilities, sorted. */
  readonly paths: ReadonlyMap<string, readonly VaultCapability[]>;
}

const ORDER: readonly VaultCapability[] = ['create', 'read', 'update', 'delete', 'list'];

export function vaultRoles(accesses: readonly VaultAccess[]): VaultRole[] {
  const roles = new Map<
    string,
    { role: string; namespace: string; serviceAccount: string; component: string; paths: Map<string, Set<VaultCapability>> }
  >();
  for (const a of accesses) {
    const r = roles.get(a.role) ?? {
      role: a.role,
      namespace: a.namespace,
      serviceAccount: a.serviceAccount,
      component: a.component.name,
      paths: new Map(),
    };
    roles.set(a.role, r);
    for (const path of a.paths) {
      const caps = r.paths.get(path) ?? new Set<VaultCapability>();
      a.capabilities.forEach((c) => caps.add(c));
      r.paths.set(path, caps);
    }
  }
  return [...roles.values()]
    .sort((a, b) => (a.role < b.role ? -1 : 1))
    .map((r) => ({
      ...r,
      paths: new Map([...r.paths.keys()].sort().map((p) => [p, ORDER.filter((c) => r.paths.get(p)!.has(c))] as const)),
    }));
}

const hclList = (items: readonly string[]) => `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;

/**
 * The role's policy: exactly its paths. KV v2 keeps data under `<mount>/data/<path>` (create, read,
 * update, delete the latest version) and versions under `<mount>/metadata/<path>`, which only list
 * and delete (every version) need. No globs.
 */
export function policyHcl(r: VaultRole): string {
  const blocks: string[] = [];
  for (const [path, caps] of r.paths) {
    const data = caps.filter((c) => c !== 'list');
    const metadata = caps.filter((c) => c === 'list' || c === 'delete');
    if (data.length > 0) blocks.push(`path "${KV_MOUNT}/data/${path}" {\n  capabilities = ${hclList(data)}\n}\n`);
    if (metadata.length > 0) blocks.push(`path "${KV_MOUNT}/metadata/${path}" {\n  capabilities = ${hclList(metadata)}\n}\n`);
  }
  return [
    `# Policy ${r.role}: ServiceAccount ${r.namespace}/${r.serviceAccount} of component ${r.component}.`,
    `# Rendered by synth from vaultAccess() declarations; applied by apps/terraform-aws/vault. Do not edit.`,
    '',
    blocks.join('\n'),
  ].join('\n');
}

/** The Kubernetes-auth role (Vault API fields of `auth/kubernetes/role/<role>`): exactly one ServiceAccount in one namespace. */
export function roleJson(r: VaultRole, audience: string): object {
  return {
    bound_service_account_names: [r.serviceAccount],
    bound_service_account_namespaces: [r.namespace],
    audience,
    token_policies: [r.role],
    token_ttl: TOKEN_TTL_SECONDS,
    token_max_ttl: TOKEN_MAX_TTL_SECONDS,
    token_type: 'service',
  };
}

/** Secret engines by path (`sys/mounts/<path>`). */
export function mountsJson(): object {
  return {
    [KV_MOUNT]: { type: 'kv', description: 'Application secrets (KV v2): one prefix per component', options: { version: '2' } },
  };
}

/**
 * Auth methods by path (`sys/auth/<path>`) and their config. Vault runs in the cluster, so the
 * method reviews tokens with Vault's own ServiceAccount token and CA (no reviewer JWT in the files).
 */
export function authJson(): object {
  return {
    [AUTH_MOUNT]: {
      type: 'kubernetes',
      description: 'Kubernetes ServiceAccounts of this cluster',
      config: { kubernetes_host: 'https://kubernetes.default.svc', disable_local_ca_jwt: false },
    },
  };
}

/** Audit devices by path (`sys/audit/<path>`): a file on the audit volume. */
export function auditJson(): object {
  return { file: { type: 'file', description: 'Every request and response (HMAC-ed secrets)', options: { file_path: AUDIT_LOG } } };
}

/**
 * The platform operators' policy, for the first admin token (ADR 0007): manage exactly what the
 * rendered files configure (policies, the Kubernetes auth method and its roles, the KV mount, audit
 * devices) and write the application secrets; no `sudo` on anything else, no other secret engine.
 */
export function adminPolicyHcl(): string {
  const block = (path: string, caps: readonly string[]) => `path "${path}" {\n  capabilities = ${hclList(caps)}\n}\n`;
  const crudl = ['create', 'read', 'update', 'delete', 'list'];
  return [
    `# Policy ${ADMIN_POLICY}: the platform operators (the token Terraform applies this folder with). Never bound to a Kubernetes role.`,
    '# Rendered by synth; applied by apps/terraform-aws/vault. Do not edit.',
    '',
    [
      block('sys/policies/acl/*', crudl),
      block('sys/policies/acl', ['list']),
      block('sys/auth', ['read']),
      block(`sys/auth/${AUTH_MOUNT}`, ['create', 'read', 'update', 'delete', 'sudo']),
      block(`sys/mounts/auth/${AUTH_MOUNT}/tune`, ['read', 'update']),
      block(`auth/${AUTH_MOUNT}/*`, crudl),
      block('sys/mounts', ['read']),
      block(`sys/mounts/${KV_MOUNT}`, ['create', 'read', 'update', 'delete']),
      block(`sys/mounts/${KV_MOUNT}/tune`, ['read', 'update']),
      block('sys/audit', ['read', 'sudo']),
      block('sys/audit/*', ['create', 'read', 'update', 'delete', 'sudo']),
      block(`${KV_MOUNT}/data/*`, crudl),
      block(`${KV_MOUNT}/metadata/*`, crudl),
      block('auth/token/lookup-self', ['read']),
      block('auth/token/renew-self', ['update']),
      block('auth/token/create', ['create', 'update']),
    ].join('\n'),
  ].join('\n');
}

export const json = (value: object): string => `${JSON.stringify(value, null, 2)}\n`;
