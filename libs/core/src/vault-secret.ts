/**
 * A Kubernetes Secret from Vault in one call: the consumer names the KV v2 path under its own
 * prefix, the ServiceAccount Vault knows it by, the Secret it mounts and the workloads to restart;
 * this add-on renders, in the consumer's namespace, the Vault Secrets Operator's `VaultAuth` (once
 * per ServiceAccount) and `VaultStaticSecret`, and registers the matching `vaultAccess()` (the
 * policy and role Vault gets). The operator creates the Secret in the cluster: no Secret with data
 * is ever in git.
 *
 * The operator reads Vault, not the consumer: it logs in with a token it requests for the
 * consumer's ServiceAccount (TokenRequest, audience `vault`), so the consumer needs no flow to Vault
 * and its pods need no token at all.
 *
 * @example
 * const admin = vaultSecret(this, {
 *   serviceAccount: 'grafana',
 *   path: 'grafana/admin',
 *   destination: { name: 'grafana-admin' },
 *   restart: [{ kind: 'Deployment', name: 'grafana' }],
 * });
 * values.admin.existingSecret = admin.name;
 */
import { z } from 'zod';
import {
  VaultAuth,
  VaultAuthSpecMethod,
  VaultStaticSecret,
  VaultStaticSecretSpecRolloutRestartTargetsKind,
  VaultStaticSecretSpecType,
} from '@platform/crds/generated/secrets.hashicorp.com';
import { Capability, providerOf } from './capability';
import { Component, addOnOwner } from './component';
import { reportProblem, showValue } from './errors';
import { DNS1123_LABEL, DOMAIN_NAME, formatPath, strictObject } from './validation';
import { vaultAccess } from './vault-access';

/** What the cluster's Vault Secrets Operator offers the components that take secrets from Vault. */
export interface VaultSecretsProvider {
  /** The operator's component. */
  readonly component: Component;
  /** The operator's default VaultConnection (to the cluster's Vault), which every VaultAuth names. */
  readonly connection: { readonly name: string; readonly namespace: string };
  /** The component that installs the operator's CRDs (VaultAuth, VaultStaticSecret): consumers wait for it. */
  readonly crds: Component;
}

export const VAULT_SECRETS = new Capability<VaultSecretsProvider>('vault-secrets');

/** How often the operator re-reads a secret from Vault (`refreshAfter`). */
export const VAULT_SECRET_REFRESH = '60s';

/** The Secret types a destination may have (what the consumer's reader expects). */
export const VAULT_SECRET_TYPES = [
  'Opaque',
  'kubernetes.io/basic-auth',
  'kubernetes.io/ssh-auth',
  'kubernetes.io/dockerconfigjson',
  'kubernetes.io/tls',
] as const;

export type VaultSecretType = (typeof VAULT_SECRET_TYPES)[number];

const RESTART_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;

/** A label or annotation key: an optional DNS prefix and a name. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A label value: empty, or up to 63 alphanumerics with `-_.` inside. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
/** A key of a Secret's data. */
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

const name = (what: string) =>
  z
    .string({ error: (iss) => `got ${showValue(iss.input)}, expected ${what} (a lower-case DNS-1123 name)` })
    .refine((v) => DNS1123_LABEL.test(v) || DOMAIN_NAME.test(v), {
      error: (iss) => `got ${showValue(iss.input)}, expected ${what} (a lower-case DNS-1123 name)`,
    });

const secretKey = (what: string) =>
  z.string().regex(SECRET_KEY, { error: (iss) => `got ${showValue(iss.input)}, expected ${what} (letters, digits, "-", "_", ".")` });

const labels = z.record(
  z.string().regex(LABEL_KEY, { error: (iss) => `got ${showValue(iss.input)}, expected a label key such as "app.kubernetes.io/name"` }),
  z.string().regex(LABEL_VALUE, { error: (iss) => `got ${showValue(iss.input)}, expected a label value (at most 63 characters)` }),
);

/** The props of vaultSecret, checked at synth (field paths in the messages). */
const propsSchema = strictObject({
  /**
   * The consumer's ServiceAccount: the Kubernetes-auth role of Vault binds exactly it (and its
   * namespace). The operator requests its tokens; the pods themselves never log in to Vault.
   */
  serviceAccount: name('a ServiceAccount name'),
  /** @default - the consumer component's namespace */
  namespace: name('a namespace name').optional(),
  /** KV v2 path under the mount `secret`, inside the component's prefix: `<component>/<name>`, e.g. `grafana/admin`. */
  path: z.string({ error: (iss) => `got ${showValue(iss.input)}, expected a KV v2 path such as "grafana/admin"` }).min(1),
  /**
   * Keys of the Vault secret copied into the Secret as they are (`[]`: none, only `templates`).
   * @default - every key of the Vault secret
   */
  keys: z.array(secretKey('a key of the Vault secret')).optional(),
  /** The Secret the operator creates (and owns) in the namespace. */
  destination: strictObject({
    /** Name of the Secret, which the consumer mounts. */
    name: name('a Secret name'),
    /** @default 'Opaque' */
    type: z.enum(VAULT_SECRET_TYPES).optional(),
    /**
     * Labels of the Secret, e.g. `argocd.argoproj.io/secret-type: repository`.
     * @default - none
     */
    labels: labels.optional(),
    /**
     * Take over a Secret of that name that already exists (one created by hand at bootstrap,
     * before Vault and the operator ran): the operator overwrites its data.
     * @default false
     */
    overwrite: z.boolean().optional(),
  }),
  /**
   * Workloads the operator restarts (rollout restart) when the secret changes in Vault, so they
   * read the new value.
   * @default [] - for readers that watch the Secret themselves
   */
  restart: z
    .array(
      strictObject({
        kind: z.enum(RESTART_KINDS),
        name: name('a workload name'),
      }),
    )
    .optional(),
  /**
   * Keys of the Secret rendered by the operator's transformation templates (Go templates over the
   * Vault secret: `{{ get .Secrets "password" }}`), e.g. a `config.json` built from several keys.
   * @see https://developer.hashicorp.com/vault/docs/platform/k8s/vso/secret-transformation
   * @default - none
   */
  templates: z
    .record(secretKey('a key of the Secret'), z.string({ error: (iss) => `got ${showValue(iss.input)}, expected template text` }))
    .optional(),
});

export type VaultSecretProps = z.input<typeof propsSchema>;

/** The Secret a vaultSecret() call delivers: what the consumer mounts (by name, in its namespace). */
export interface VaultSecretRef {
  readonly name: string;
  readonly namespace: string;
  /** Its type, as the consumer asked. */
  readonly type: VaultSecretType;
}

/**
 * Delivers a Secret from Vault into the consumer's namespace (see the module comment). Without a
 * Vault Secrets Operator in the cluster the secret could never arrive, so synth fails naming the
 * consumer; a consumer that can do without (a public Git repository, say) does not call it.
 *
 * The objects belong to the consumer, which then syncs after the operator (its CRDs). A bootstrap
 * component (Argo CD), which never waits for the platform, gets them in a companion component
 * `<name>-secrets` (same namespace and project) that does.
 *
 * @returns the destination Secret, for the consumer to mount
 */
export function vaultSecret(component: Component, props: VaultSecretProps): VaultSecretRef {
  const label = typeof props?.destination?.name === 'string' ? props.destination.name : '?';
  const where = `vaultSecret(${label})`;
  const parsed = propsSchema.safeParse(props);
  const namespace = (parsed.success && parsed.data.namespace) || component.home.name;
  const type: VaultSecretType = (parsed.success && parsed.data.destination.type) || 'Opaque';
  const ref: VaultSecretRef = { name: label, namespace, type };
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.code === 'unrecognized_keys' && issue.keys.length === 1 ? [...issue.path, issue.keys[0]] : issue.path;
      reportProblem(component, formatPath(where, path), issue.message);
    }
    return ref;
  }
  const p = parsed.data;
  const platform = component.platform;
  const state = platform.secrets;
  const secretId = `${namespace}/${p.destination.name}`;
  const taken = state.destinations.get(secretId);
  if (taken) {
    reportProblem(
      component,
      `${where}.destination.name`,
      `Secret ${secretId} is already delivered from Vault by component "${taken.name}": one vaultSecret() per Secret`,
    );
    return ref;
  }
  state.destinations.set(secretId, component);

  const access = vaultAccess(component, { serviceAccount: p.serviceAccount, namespace, paths: [p.path], capabilities: ['read'] });

  platform.whenComposed(() => {
    const operator = providerOf(platform, VAULT_SECRETS);
    if (!operator) {
      reportProblem(
        component,
        where,
        `Secret ${secretId} comes from Vault (${p.path}), but the cluster has no Vault Secrets Operator, so it would never be created: add \`new VaultSecretsOperator(platform, 'vault-secrets-operator')\` (libs/vault-secrets-operator) to the cluster file, or remove this vaultSecret()`,
      );
      return;
    }
    const owner = addOnOwner(component, 'secrets');
    owner.needs(operator.crds);
    const auth = p.serviceAccount;
    const authId = `${namespace}/${auth}`;
    if (!state.auths.has(authId)) {
      state.auths.add(authId);
      new VaultAuth(owner, `vaultauth-${namespace}-${auth}`, {
        metadata: { name: auth, namespace },
        spec: {
          method: VaultAuthSpecMethod.KUBERNETES,
          mount: access.authMount,
          kubernetes: { role: access.role, serviceAccount: p.serviceAccount, audiences: [access.audience] },
          vaultConnectionRef: `${operator.connection.namespace}/${operator.connection.name}`,
        },
      });
    }
    const templates = Object.entries(p.templates ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    new VaultStaticSecret(owner, `vaultstaticsecret-${namespace}-${p.destination.name}`, {
      metadata: { name: p.destination.name, namespace },
      spec: {
        type: VaultStaticSecretSpecType.KV_HYPHEN_V2,
        mount: 'secret',
        path: p.path,
        refreshAfter: VAULT_SECRET_REFRESH,
        vaultAuthRef: auth,
        destination: {
          create: true,
          name: p.destination.name,
          type,
          ...(p.destination.overwrite && { overwrite: true }),
          ...(p.destination.labels && Object.keys(p.destination.labels).length > 0 && { labels: { ...p.destination.labels } }),
          transformation: {
            // `_raw` (the whole secret as JSON) never reaches the Secret; only the keys asked for.
            excludeRaw: true,
            ...(p.keys && p.keys.length > 0 && { includes: p.keys.map((k) => `^${k.replace(/\./g, '\\.')}$`) }),
            ...(p.keys && p.keys.length === 0 && { excludes: ['.*'] }),
            ...(templates.length > 0 && { templates: Object.fromEntries(templates.map(([key, text]) => [key, { text }])) }),
          },
        },
        ...(p.restart &&
          p.restart.length > 0 && {
            rolloutRestartTargets: p.restart.map((t) => ({
              kind: t.kind as VaultStaticSecretSpecRolloutRestartTargetsKind,
              name: t.name,
            })),
          }),
      },
    });
  });
  return { name: p.destination.name, namespace, type };
}
