import { describe, expect, test } from 'vitest';
import {
  Component,
  Namespace,
  Platform,
  type VaultAccessProps,
  renderTestCluster,
  synthProblems,
  vaultAccess,
  vaultAccesses,
} from '@platform/core';
import { StandInVault } from './testing-stand-ins';

class Consumer extends Component {
  role?: string;
  constructor(scope: Platform, id: string, access: readonly VaultAccessProps[]) {
    super(scope, id, { namespace: Namespace.restricted(id), project: 'apps' });
    for (const a of access) this.role = vaultAccess(this, a).role;
  }
}

describe('vaultAccess', () => {
  test('declarations are resolved (namespace, role, sorted paths and capabilities) and sorted by role', () => {
    let seen: ReturnType<typeof vaultAccesses> = [];
    let role: string | undefined;
    renderTestCluster((p) => {
      new StandInVault(p);
      new Consumer(p, 'web', [{ serviceAccount: 'web', paths: ['web/b', 'web/a', 'web/a'], capabilities: ['update', 'read'] }]);
      role = new Consumer(p, 'api', [{ serviceAccount: 'api-server', paths: ['api/db'] }]).role;
      p.whenComplete(() => (seen = vaultAccesses(p)));
    });
    expect(role).toBe('api-api-server');
    expect(
      seen.map(({ role, namespace, serviceAccount, paths, capabilities, component }) => ({
        role,
        namespace,
        serviceAccount,
        paths,
        capabilities,
        component: component.name,
      })),
    ).toEqual([
      {
        role: 'api-api-server',
        namespace: 'api',
        serviceAccount: 'api-server',
        paths: ['api/db'],
        capabilities: ['read'],
        component: 'api',
      },
      {
        role: 'web-web',
        namespace: 'web',
        serviceAccount: 'web',
        paths: ['web/a', 'web/b'],
        capabilities: ['read', 'update'],
        component: 'web',
      },
    ]);
  });

  test('a path outside the prefix, a wildcard, empty lists and unknown capabilities fail synth', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        new StandInVault(p);
        new Consumer(p, 'web', [
          { serviceAccount: 'web', paths: ['api/db', 'web/*', 'web', 'web/../api', 'web/+/x'] },
          { serviceAccount: 'web2', paths: [] },
          { serviceAccount: 'web3', paths: ['web/a'], capabilities: [] },
          { serviceAccount: '*', paths: ['web/a'] },
          { serviceAccount: 'web4', paths: ['web/a'], capabilities: ['sudo' as never] },
        ]);
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /components\.web\.vaultAccess\(web-web\)\.paths\[0\]: "api\/db" is outside the component's prefix: .* start with "web\/"/,
      ),
      expect.stringMatching(/paths\[1\]: "web\/\*": wildcards are not allowed/),
      expect.stringMatching(/paths\[2\]: "web" is outside the component's prefix/),
      expect.stringMatching(/paths\[3\]: "web\/..\/api": expected lower-case segments/),
      expect.stringMatching(/paths\[4\]: "web\/\+\/x": wildcards are not allowed/),
      expect.stringMatching(/vaultAccess\(web-web2\)\.paths: no paths/),
      expect.stringMatching(/vaultAccess\(web-web3\)\.capabilities: no capabilities/),
      expect.stringMatching(/vaultAccess\(web-\*\)\.serviceAccount: "\*" is not a ServiceAccount name/),
      expect.stringMatching(/vaultAccess\(web-web4\)\.capabilities\[0\]: "sudo" is not one of/),
    ]);
  });

  test('a consumer in a cluster without Vault fails synth, naming the consumer and what to add', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => new Consumer(p, 'web', [{ serviceAccount: 'web', paths: ['web/admin'] }])),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /clusters\/test\.ts: components\.web\.vaultAccess\(web-web\): ServiceAccount web\/web needs Vault paths web\/admin, but the cluster has no Vault: add `new Vault\(platform, 'vault'/,
      ),
    ]);
  });

  test("one ServiceAccount is one component's; colliding role names are refused", () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        new StandInVault(p);
        const a = new Consumer(p, 'a', [{ serviceAccount: 'b-c', paths: ['a/x'] }]);
        new Consumer(p, 'a-b', [{ serviceAccount: 'c', paths: ['a-b/x'] }]);
        new Consumer(p, 'other', [{ serviceAccount: 'b-c', namespace: 'a', paths: ['other/x'] }]);
        void a;
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/components\.a-b\.vaultAccess\(a-b-c\)\.serviceAccount: role a-b-c is also the role of a\/b-c/),
      expect.stringMatching(
        /components\.other\.vaultAccess\(a-b-c\)\.serviceAccount: ServiceAccount a\/b-c already has Vault access declared by component "a"/,
      ),
    ]);
  });

  test('after composition it throws', () => {
    expect(() =>
      renderTestCluster((p) => {
        new StandInVault(p);
        const c = new Consumer(p, 'web', []);
        p.whenComplete(() => vaultAccess(c, { serviceAccount: 'web', paths: ['web/a'] }));
      }),
    ).toThrow(/called after the cluster was composed/);
  });
});
