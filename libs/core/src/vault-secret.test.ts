import { describe, expect, test } from 'vitest';
import {
  Component,
  Namespace,
  Platform,
  type VaultSecretProps,
  type VaultSecretRef,
  findComponent,
  findObject,
  renderTestCluster,
  synthProblems,
  vaultAccesses,
  vaultSecret,
} from '@platform/core';
import { StandInVault, StandInVaultSecretsOperator } from './testing-stand-ins';

class Consumer extends Component {
  readonly refs: VaultSecretRef[] = [];
  constructor(scope: Platform, id: string, secrets: readonly VaultSecretProps[], project: 'apps' | 'bootstrap' = 'apps') {
    super(scope, id, { namespace: Namespace.restricted(id), project });
    for (const s of secrets) this.refs.push(vaultSecret(this, s));
  }
}

const grafana: VaultSecretProps = {
  serviceAccount: 'grafana',
  path: 'grafana/admin',
  keys: ['admin-user', 'admin-password'],
  destination: { name: 'grafana-admin' },
  restart: [{ kind: 'Deployment', name: 'grafana' }],
};

const datasources: VaultSecretProps = {
  serviceAccount: 'grafana',
  path: 'grafana/datasources',
  keys: [],
  destination: { name: 'grafana-datasources', labels: { grafana_datasource: '1' } },
  templates: { 'datasources.json': '{"password": "{{ get .Secrets "password" }}"}' },
};

describe('vaultSecret', () => {
  const cluster = () => {
    let refs: VaultSecretRef[] = [];
    let accesses: ReturnType<typeof vaultAccesses> = [];
    const rendered = renderTestCluster((p) => {
      new StandInVault(p);
      new StandInVaultSecretsOperator(p);
      refs = new Consumer(p, 'grafana', [grafana, datasources]).refs;
      p.whenComplete(() => (accesses = vaultAccesses(p)));
    });
    return { rendered, refs, accesses };
  };

  test('returns the destination Secret the consumer mounts', () => {
    expect(cluster().refs).toEqual([
      { name: 'grafana-admin', namespace: 'grafana', type: 'Opaque' },
      { name: 'grafana-datasources', namespace: 'grafana', type: 'Opaque' },
    ]);
  });

  test('one VaultAuth per ServiceAccount: kubernetes method, the role vaultAccess made, audience vault, the default connection', () => {
    const { rendered } = cluster();
    const auths = findComponent(rendered, 'grafana').objects.filter((o) => o.kind === 'VaultAuth');
    expect(auths).toHaveLength(1);
    expect(auths[0]).toMatchObject({
      apiVersion: 'secrets.hashicorp.com/v1beta1',
      metadata: { name: 'grafana', namespace: 'grafana' },
      spec: {
        method: 'kubernetes',
        mount: 'kubernetes',
        kubernetes: { role: 'grafana-grafana', serviceAccount: 'grafana', audiences: ['vault'] },
        vaultConnectionRef: 'vault-secrets-operator-system/default',
      },
    });
  });

  test('a VaultStaticSecret per call: kv-v2, mount secret, refresh 60s, created by the operator, restart targets, no raw JSON', () => {
    const { rendered } = cluster();
    expect(findObject(rendered, 'grafana', 'VaultStaticSecret', 'grafana-admin').spec).toEqual({
      type: 'kv-v2',
      mount: 'secret',
      path: 'grafana/admin',
      refreshAfter: '60s',
      vaultAuthRef: 'grafana',
      destination: {
        create: true,
        name: 'grafana-admin',
        type: 'Opaque',
        transformation: { excludeRaw: true, includes: ['^admin-user$', '^admin-password$'] },
      },
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'grafana' }],
    });
  });

  test('templates render keys from the Vault secret; keys [] copies none of the raw keys; labels reach the Secret', () => {
    const { rendered } = cluster();
    const spec = findObject(rendered, 'grafana', 'VaultStaticSecret', 'grafana-datasources').spec;
    expect(spec.destination).toEqual({
      create: true,
      name: 'grafana-datasources',
      type: 'Opaque',
      labels: { grafana_datasource: '1' },
      transformation: {
        excludeRaw: true,
        excludes: ['.*'],
        templates: { 'datasources.json': { text: '{"password": "{{ get .Secrets "password" }}"}' } },
      },
    });
    expect(spec).not.toHaveProperty('rolloutRestartTargets');
  });

  test('registers the matching vaultAccess: read on exactly the path, for exactly that ServiceAccount and namespace', () => {
    const { accesses } = cluster();
    expect(
      accesses.map(({ role, namespace, serviceAccount, paths, capabilities }) => ({
        role,
        namespace,
        serviceAccount,
        paths,
        capabilities,
      })),
    ).toEqual([
      { role: 'grafana-grafana', namespace: 'grafana', serviceAccount: 'grafana', paths: ['grafana/admin'], capabilities: ['read'] },
      { role: 'grafana-grafana', namespace: 'grafana', serviceAccount: 'grafana', paths: ['grafana/datasources'], capabilities: ['read'] },
    ]);
  });

  test('the consumer waits for the operator (its CRDs); no flow to Vault; no Secret object anywhere', () => {
    const { rendered } = cluster();
    const consumer = findComponent(rendered, 'grafana');
    expect(consumer.dependsOn).toContain('vault-secrets-operator');
    expect(consumer.dependsOn).not.toContain('vault');
    expect(consumer.flows).toEqual([]);
    for (const c of rendered.components) expect(c.objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('a bootstrap consumer (Argo CD) never waits: its objects go to <name>-secrets, which waits for the operator', () => {
    const rendered = renderTestCluster((p) => {
      new StandInVault(p);
      new StandInVaultSecretsOperator(p);
      new Consumer(
        p,
        'argocd',
        [
          {
            serviceAccount: 'argocd-repo-server',
            path: 'argocd/repository',
            keys: [],
            destination: { name: 'repo-platform', labels: { 'argocd.argoproj.io/secret-type': 'repository' }, overwrite: true },
            templates: {
              type: 'git',
              url: 'https://github.com/example-org/platform-manifests.git',
              password: '{{ get .Secrets "password" }}',
            },
          },
        ],
        'bootstrap',
      );
    });
    const argocd = findComponent(rendered, 'argocd');
    expect(argocd.dependsOn).not.toContain('vault-secrets-operator');
    expect(argocd.objects.filter((o) => o.apiVersion.startsWith('secrets.hashicorp.com'))).toEqual([]);
    const secrets = findComponent(rendered, 'argocd-secrets');
    expect(secrets).toMatchObject({ namespace: 'argocd', project: 'bootstrap' });
    expect(secrets.dependsOn).toContain('vault-secrets-operator');
    expect(findObject(rendered, 'argocd-secrets', 'VaultAuth', 'argocd-repo-server').spec.kubernetes.role).toBe(
      'argocd-argocd-repo-server',
    );
    expect(findObject(rendered, 'argocd-secrets', 'VaultStaticSecret', 'repo-platform').spec.destination).toMatchObject({
      overwrite: true,
      labels: { 'argocd.argoproj.io/secret-type': 'repository' },
    });
  });

  test('without a Vault Secrets Operator the secret would never arrive: synth fails naming the consumer and what to add', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        new StandInVault(p);
        new Consumer(p, 'grafana', [grafana]);
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^clusters\/test\.ts: components\.grafana\.vaultSecret\(grafana-admin\): Secret grafana\/grafana-admin comes from Vault \(grafana\/admin\), but the cluster has no Vault Secrets Operator.*new VaultSecretsOperator/,
      ),
    ]);
  });

  test('a path outside the component prefix fails through vaultAccess', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        new StandInVault(p);
        new StandInVaultSecretsOperator(p);
        new Consumer(p, 'grafana', [{ ...grafana, path: 'keycloak/admin' }]);
      }),
    );
    expect(problems).toEqual([expect.stringContaining('"keycloak/admin" is outside the component\'s prefix')]);
  });

  test('bad props fail with their field paths', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        new StandInVault(p);
        new StandInVaultSecretsOperator(p);
        new Consumer(p, 'grafana', [
          {
            ...grafana,
            serviceAccount: 'Grafana',
            keys: ['admin user'],
            destination: { name: 'grafana-admin', type: 'kubernetes.io/token' as never, extra: 1 } as never,
            restart: [{ kind: 'Job' as never, name: 'grafana' }],
            templates: { 'a/b': 'x' },
          },
        ]);
      }),
    );
    const at = (path: string) => expect.stringContaining(`components.grafana.vaultSecret(grafana-admin).${path}: `);
    expect(problems).toEqual([
      at('serviceAccount'),
      at('keys[0]'),
      at('destination.type'),
      at('destination.extra'),
      at('restart[0].kind'),
      at('templates["a/b"]'),
    ]);
  });

  test('one vaultSecret() per Secret', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        new StandInVault(p);
        new StandInVaultSecretsOperator(p);
        new Consumer(p, 'grafana', [grafana, { ...grafana, path: 'grafana/other' }]);
      }),
    );
    expect(problems).toEqual([
      'clusters/test.ts: components.grafana.vaultSecret(grafana-admin).destination.name: Secret grafana/grafana-admin is already delivered from Vault by component "grafana": one vaultSecret() per Secret',
    ]);
  });
});
