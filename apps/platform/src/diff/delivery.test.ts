import { describe, expect, test } from 'vitest';
import { Risk, compareTrees } from './compare';
import { argoChanges, deliveryOf, globRegExp } from './delivery';
import {
  applicationSet,
  argocdDelivery,
  componentJson,
  crd,
  declaredNamespace,
  deployment,
  distTree,
  namespace,
  networkPolicy,
  object,
  perWaveApplicationSet,
  statefulSet,
} from './fixtures';
import { PRUNE_SECTION, renderMarkdown } from './markdown';

type Files = Record<string, unknown>;

/** A cluster `dev` as synth writes it: namespaces (wave 0), argocd, and `components` (name → wave) with a Deployment each. */
function cluster(components: Record<string, number>, extra: Files = {}): Files {
  const files: Files = {
    ...argocdDelivery('dev', { namespaces: 0, ...components }),
    'dev/namespaces/component.json': componentJson('dev', 'namespaces', undefined, { wave: 0, project: 'bootstrap' }),
  };
  for (const [name, wave] of Object.entries(components)) {
    files[`dev/${name}/component.json`] = componentJson('dev', name, '1.0.0', { wave });
    files[`dev/${name}/manifests/deployment-${name}.yaml`] = deployment(name, name, 2, `registry.example.com/${name}:1.0`);
    files[`dev/namespaces/manifests/namespace-${name}.yaml`] = declaredNamespace(name);
  }
  return { ...files, ...extra };
}

function without(files: Files, ...prefixes: string[]): Files {
  return Object.fromEntries(Object.entries(files).filter(([path]) => !prefixes.some((p) => path.startsWith(p))));
}

const diffOf = (before: Files, after: Files) => compareTrees(distTree(before), distTree(after));
const render = (before: Files, after: Files) => renderMarkdown(diffOf(before, after), { base: 'origin/main (1a2b3c4d5e6f)' });
const titles = (risks: readonly Risk[]) => risks.map((r) => r.title);

/** The Markdown of the prune section of cluster `dev`. */
function pruneSection(markdown: string): string {
  const start = markdown.indexOf(`#### ${PRUNE_SECTION}`);
  expect(start).toBeGreaterThan(-1);
  const end = markdown.indexOf('\n#### dev/', start);
  return markdown.slice(start, end === -1 ? undefined : end);
}

describe('who syncs what', () => {
  test('bootstrap Applications split the argocd folder; each ApplicationSet generates its component', () => {
    const tree = distTree(cluster({ api: 1 }));
    const d = deliveryOf('dev', tree.get('dev')!);
    expect([...d.applications.values()].map((a) => [a.name, a.applicationSet ?? '-', a.finalizer])).toEqual([
      ['argocd', '-', false],
      ['platform', '-', false],
      ['api', 'api', true],
      ['namespaces', 'namespaces', true],
    ]);
    const owner = (component: string, kind: string, name: string) =>
      [...d.tracked.values()].find((t) => t.component === component && t.object.kind === kind && t.object.name === name)?.application;
    expect(owner('argocd', 'ApplicationSet', 'api')).toBe('platform');
    expect(owner('argocd', 'Application', 'platform')).toBe('argocd');
    expect(owner('api', 'Deployment', 'api')).toBe('api');
    expect(owner('namespaces', 'Namespace', 'api')).toBe('namespaces');
    expect(d.untracked).toEqual([]);
  });

  test('globs', () => {
    expect(globRegExp('applicationset-*.yaml').test('applicationset-api.yaml')).toBe(true);
    expect(globRegExp('dist/dev/*/component.json').test('dist/dev/api/component.json')).toBe(true);
    expect(globRegExp('dist/dev/*/component.json').test('dist/dev/a/b/component.json')).toBe(false);
    expect(globRegExp('{a,b}.yaml').test('b.yaml')).toBe(true);
  });
});

describe('(a) objects removed from a component that stays', () => {
  test('pruned by its Application; Prune=false stays; Prune=confirm waits for a person; a declared Namespace is left for a person', () => {
    const before = cluster(
      { api: 1 },
      {
        'dev/api/manifests/networkpolicy-allow-web.yaml': networkPolicy('api', 'allow-web'),
        'dev/api/manifests/configmap-keep.yaml': object('v1', 'ConfigMap', 'api', 'keep', {
          'argocd.argoproj.io/sync-options': 'Prune=false',
        }),
        'dev/api/manifests/secret-tls.yaml': object('v1', 'Secret', 'api', 'tls', { 'argocd.argoproj.io/sync-options': 'Prune=confirm' }),
        'dev/namespaces/manifests/namespace-legacy.yaml': declaredNamespace('legacy'),
        'dev/namespaces/manifests/namespace-old.yaml': namespace('old', { 'argocd.argoproj.io/sync-options': 'Prune=confirm' }),
      },
    );
    const after = cluster({ api: 1 });
    const diff = diffOf(before, after);
    const changes = diff.clusters[0].argocd;
    expect(changes.pruned.map((f) => [f.application, f.object.kind, f.object.name, f.action])).toEqual([
      ['api', 'ConfigMap', 'keep', 'not-pruned'],
      ['api', 'NetworkPolicy', 'allow-web', 'prune'],
      ['api', 'Secret', 'tls', 'prune-confirm'],
      ['namespaces', 'Namespace', 'legacy', 'not-pruned'],
      ['namespaces', 'Namespace', 'old', 'prune-confirm'],
    ]);
    expect(changes.deletions).toEqual([]);
    const section = pruneSection(render(before, after));
    expect(section).toContain('**Pruned: objects removed from components that stay**');
    expect(section).toContain(
      'Application `api`: 1 object pruned, 1 waits for confirmation, 1 not pruned.\n\n- NetworkPolicy `api/allow-web`\n',
    );
    expect(section).toContain('- ConfigMap `api/keep`: not pruned (`Prune=false`): it stays in the cluster, and `api` shows OutOfSync');
    expect(section).toContain(
      '- Secret `api/tls`: **waits for confirmation** (`Prune=confirm`): a person must confirm the prune in Argo CD; until then the sync of `api` waits, and the later waves with it',
    );
    expect(section).toContain(
      '- Namespace `legacy`: not pruned (`Prune=false`): it stays in the cluster, and `IgnoreExtraneous` keeps `namespaces` Synced: a person deletes it, with anything still in it, once nothing needs it',
    );
    // Namespaces come first, and say that a person must act.
    expect(titles(diff.risks)).toEqual([
      'Namespace deletion waits for confirmation',
      'Namespace left for a person to delete',
      'NetworkPolicy removed',
    ]);
    expect(diff.risks[0].note).toBe(
      'pruned by `namespaces` once a person confirms it in Argo CD (`Prune=confirm`); until then the sync of `namespaces` and the later waves wait; then Kubernetes deletes everything in it',
    );
    expect(diff.risks[1].note).toBe(
      'no component declares it any more; `namespaces` does not prune it (`Prune=false`): a person deletes it, with anything still in it, once nothing needs it',
    );
  });

  test('a CRD removed from a component that stays is pruned (helm keep does not stop it), unless Prune=false', () => {
    const keep = { 'helm.sh/resource-policy': 'keep' };
    const before = cluster(
      { api: 1 },
      {
        'dev/api/manifests/customresourcedefinition-widgets.example.com.yaml': crd('widgets.example.com', keep),
        'dev/api/manifests/customresourcedefinition-gadgets.example.com.yaml': crd('gadgets.example.com', {
          'argocd.argoproj.io/sync-options': 'Prune=false',
        }),
      },
    );
    const diff = diffOf(before, cluster({ api: 1 }));
    expect(diff.risks.map((r) => [r.title, r.object?.name])).toEqual([['CustomResourceDefinition pruned', 'widgets.example.com']]);
    expect(diff.risks[0].note).toContain('the finalizer keeps CRDs, pruning does not (only `Prune=false` does)');
    expect(diff.risks[0].note).toContain('Kubernetes deletes every custom resource of this kind');
    expect(diff.clusters[0].argocd.pruned.map((f) => [f.object.name, f.action])).toEqual([
      ['gadgets.example.com', 'not-pruned'],
      ['widgets.example.com', 'prune'],
    ]);
  });

  test("Argo CD's own objects and AppProjects are risks", () => {
    const before = cluster(
      { api: 1 },
      {
        'dev/argocd/manifests/configmap-argocd-cm.yaml': object('v1', 'ConfigMap', 'argocd', 'argocd-cm'),
        'dev/argocd/manifests/appproject-apps.yaml': object('argoproj.io/v1alpha1', 'AppProject', 'argocd', 'apps'),
        'dev/argocd/manifests/statefulset-argocd-application-controller.yaml': statefulSet('argocd', 'argocd-application-controller'),
      },
    );
    const diff = diffOf(before, cluster({ api: 1 }));
    expect(diff.risks.map((r) => [r.title, r.object?.name, r.note])).toEqual([
      [
        'AppProject deleted',
        'apps',
        "one of Argo CD's own objects, pruned by `argocd`: the Applications of this project can no longer sync",
      ],
      [
        'StatefulSet deleted',
        'argocd-application-controller',
        "one of Argo CD's own objects, pruned by `argocd`: its pods stop; the claims of its volumeClaimTemplates stay (`whenDeleted: Retain`)",
      ],
      ['Argo CD object deleted', 'argocd-cm', 'pruned by `argocd`'],
    ]);
  });
});

describe('(b) a component removed', () => {
  const db = {
    'dev/db/manifests/statefulset-postgres.yaml': statefulSet('db', 'postgres', 'Delete'),
    'dev/db/manifests/persistentvolumeclaim-backup.yaml': object('v1', 'PersistentVolumeClaim', 'db', 'backup'),
    'dev/db/manifests/namespace-db-system.yaml': namespace('db-system'), // a chart's own Namespace: no Delete=false
    'dev/db/manifests/customresourcedefinition-clusters.db.example.com.yaml': crd('clusters.db.example.com'),
    'dev/db/manifests/secret-db-ca.yaml': object('v1', 'Secret', 'db', 'db-ca', { 'helm.sh/resource-policy': 'keep' }),
    'dev/db/manifests/configmap-db-config.yaml': object('v1', 'ConfigMap', 'db', 'db-config', {
      'argocd.argoproj.io/sync-options': 'Delete=false',
    }),
  };
  const before = cluster({ api: 1, db: 2 }, db);
  const after = cluster({ api: 1 });

  test('its ApplicationSet is pruned, its Application deleted; the finalizer deletes its objects except CRDs, Delete=false and keep', () => {
    const diff = diffOf(before, after);
    const [deletion] = diff.clusters[0].argocd.deletions;
    expect(deletion).toMatchObject({
      application: 'db',
      component: 'db',
      applicationSet: 'db',
      componentRemoved: true,
      definitionRemoved: true,
      prunedBy: 'platform',
    });
    expect(deletion.objects.map((f) => [f.object.kind, f.object.name, f.action, f.reason ?? ''])).toEqual([
      ['ConfigMap', 'db-config', 'keep', '`Delete=false`'],
      ['CustomResourceDefinition', 'clusters.db.example.com', 'keep', 'the finalizer never deletes CRDs'],
      ['Deployment', 'db', 'delete', ''],
      ['Namespace', 'db-system', 'delete', ''],
      ['PersistentVolumeClaim', 'backup', 'delete', ''],
      ['Secret', 'db-ca', 'keep', '`helm.sh/resource-policy: keep`'],
      ['StatefulSet', 'postgres', 'delete', ''],
    ]);
    // The ApplicationSet's prune is the deletion, not a separate (a) entry; its declared Namespace stays.
    expect(diff.clusters[0].argocd.pruned.map((f) => [f.object.kind, f.object.name, f.action])).toEqual([
      ['Namespace', 'db', 'not-pruned'],
    ]);
  });

  test('the Markdown lists what is deleted and what is kept; Namespace, PVC and StatefulSet are risks, first', () => {
    const markdown = render(before, after);
    const section = pruneSection(markdown);
    expect(section).toContain(
      [
        '**Components removed: their Application is deleted**',
        '',
        '**`db` removed**: `platform` prunes ApplicationSet `db`, so Kubernetes deletes Application `db`, which the set owns; its resources finalizer deletes 4 objects and keeps 3.',
        '',
        'Deleted:',
        '',
        '- Deployment `db/db`',
        '- Namespace `db-system`',
        '- PersistentVolumeClaim `db/backup`',
        '- StatefulSet `db/postgres`',
        '',
        'Kept:',
        '',
        '- ConfigMap `db/db-config` (`Delete=false`)',
        '- CustomResourceDefinition `clusters.db.example.com` (the finalizer never deletes CRDs)',
        '- Secret `db/db-ca` (`helm.sh/resource-policy: keep`)',
      ].join('\n'),
    );
    expect(section).toContain('- Namespace `db`: not pruned (`Prune=false`)');
    expect(markdown).toContain('#### dev/db\n\nComponent removed with its 7 objects: what Argo CD deletes and keeps is listed above.');
    const diff = diffOf(before, after);
    expect(diff.risks.map((r) => `${r.title}: ${r.object?.name ?? r.component}`)).toEqual([
      'Component removed: db',
      'Namespace deleted: db-system',
      'Namespace left for a person to delete: db',
      'PersistentVolumeClaim deleted: backup',
      'StatefulSet deleted: postgres',
    ]);
    expect(diff.risks[0].note).toBe(
      '`platform` prunes ApplicationSet `db`, so Kubernetes deletes Application `db`, which the set owns; its resources finalizer deletes 4 objects and keeps 3',
    );
    expect(diff.risks.find((r) => r.title === 'StatefulSet deleted')?.note).toBe(
      'deleted by the resources finalizer of `db`: its pods stop and its volume claims are deleted with it (`whenDeleted: Delete`): their data is lost',
    );
    expect(markdown.indexOf('### Risks')).toBeLessThan(markdown.indexOf(PRUNE_SECTION));
  });

  test('an ApplicationSet without the finalizer, or with preserveResourcesOnDeletion, deletes nothing', () => {
    const set = applicationSet('dev', 'db', 2);
    const preserving = { ...set, spec: { ...set.spec, syncPolicy: { preserveResourcesOnDeletion: true } } };
    const diff = diffOf({ ...before, 'dev/argocd/manifests/applicationset-db.yaml': preserving }, after);
    const [deletion] = diff.clusters[0].argocd.deletions;
    expect(deletion.noFinalizer).toBe('its ApplicationSet sets preserveResourcesOnDeletion');
    expect(new Set(deletion.objects.map((f) => f.action))).toEqual(new Set(['keep']));
    expect(diff.risks[0].note).toContain('its 7 objects stay, unmanaged (its ApplicationSet sets preserveResourcesOnDeletion)');
  });
});

describe('bootstrap Applications', () => {
  test('removing the platform Application deletes no ApplicationSet: no finalizer, and with one its own Delete=false keeps them', () => {
    const before = cluster({ api: 1 });
    const after = without(before, 'dev/argocd/manifests/application-platform.yaml');
    const [deletion] = diffOf(before, after).clusters[0].argocd.deletions;
    expect(deletion).toMatchObject({
      application: 'platform',
      prunedBy: 'argocd',
      definitionRemoved: true,
      noFinalizer: 'it has no resources finalizer',
    });
    expect(deletion.definition?.action).toBe('prune');
    expect(new Set(deletion.objects.map((f) => f.action))).toEqual(new Set(['keep']));

    const platform = before['dev/argocd/manifests/application-platform.yaml'] as { metadata: object };
    const finalized = { ...platform, metadata: { ...platform.metadata, finalizers: ['resources-finalizer.argocd.argoproj.io'] } };
    const withFinalizer = { ...before, 'dev/argocd/manifests/application-platform.yaml': finalized };
    const [kept] = diffOf(withFinalizer, after).clusters[0].argocd.deletions;
    expect(kept.objects.map((f) => [f.object.name, f.action, f.reason])).toEqual([
      ['api', 'keep', 'the sync option `Delete=false` of `platform`'],
      ['namespaces', 'keep', 'the sync option `Delete=false` of `platform`'],
    ]);
  });
});

describe('(c) a wave move', () => {
  test('the ApplicationSet sync-wave annotation changes; nothing is deleted or re-created', () => {
    // `web` is added in wave 1, so `api`, which now depends on it, moves from wave 1 to 2.
    const before = cluster({ api: 1 });
    const after = cluster({ web: 1, api: 2 });
    const diff = diffOf(before, after);
    const changes = diff.clusters[0].argocd;
    expect(changes.waves).toEqual([
      { component: 'api', before: 1, after: 2, via: { kind: 'annotation', applicationSet: 'api', before: 1, after: 2 } },
    ]);
    expect(changes.deletions).toEqual([]);
    expect(changes.pruned).toEqual([]);
    expect(changes.identities).toEqual([]);
    expect(diff.risks).toEqual([]);
    const section = pruneSection(render(before, after));
    expect(section).toContain('Nothing is pruned or deleted.');
    expect(section).toContain(
      "**Wave moves**\n\n- `api`: wave 1 → 2: the ApplicationSet's sync-wave annotation changes; nothing is deleted or re-created",
    );
  });

  test('with the ADR 0001 layout (one ApplicationSet per wave) the same move deletes and re-creates the Application', () => {
    const perWave = (files: Files, waves: number[]) => {
      const out = without(files, 'dev/argocd/manifests/applicationset-');
      for (const w of waves) out[`dev/argocd/manifests/applicationset-platform-wave-${w}.yaml`] = perWaveApplicationSet('dev', w);
      return out;
    };
    const before = perWave(cluster({ api: 1 }), [0, 1]);
    const after = perWave(cluster({ web: 1, api: 2 }), [0, 1, 2]);
    const diff = diffOf(before, after);
    const changes = diff.clusters[0].argocd;
    expect(changes.waves.map((w) => w.via)).toEqual([{ kind: 'recreated', from: 'platform-wave-1', to: 'platform-wave-2' }]);
    expect(changes.deletions.map((d) => [d.application, d.applicationSet, d.recreatedBy, d.definitionRemoved])).toEqual([
      ['api', 'platform-wave-1', 'platform-wave-2', false],
    ]);
    expect(titles(diff.risks)).toEqual(['Application re-created']);
    expect(diff.risks[0].note).toBe(
      'ApplicationSet `platform-wave-1` no longer generates Application `api` and deletes it; its resources finalizer deletes 1 object; ApplicationSet `platform-wave-2` then creates it again, and it re-creates them',
    );
    expect(render(before, after)).toContain(
      '- `api`: wave 1 → 2: its Application moves from ApplicationSet `platform-wave-1` to `platform-wave-2`, which cannot adopt it: it is deleted with its objects and created again (see above)',
    );
  });
});

describe('(d) identity changes and moves', () => {
  test('a kind, namespace or name that changes is a delete + create', () => {
    const before = cluster(
      { api: 1 },
      {
        'dev/api/manifests/configmap-settings.yaml': object('v1', 'ConfigMap', 'api', 'settings'),
        'dev/api/manifests/serviceaccount-worker.yaml': object('v1', 'ServiceAccount', 'api', 'worker'),
      },
    );
    const after = cluster(
      { api: 1 },
      {
        'dev/api/manifests/configmap-settings.yaml': object('v1', 'ConfigMap', 'api', 'settings-v2'),
        'dev/api/manifests/serviceaccount-worker.yaml': object('v1', 'ServiceAccount', 'jobs', 'worker'),
      },
    );
    const diff = diffOf(before, after);
    expect(
      diff.clusters[0].argocd.identities.map((i) => `${i.before.namespace}/${i.before.name} → ${i.after.namespace}/${i.after.name}`),
    ).toEqual(['api/settings → api/settings-v2', 'api/worker → jobs/worker']);
    expect(diff.clusters[0].argocd.pruned).toEqual([]);
    const section = pruneSection(render(before, after));
    expect(section).toContain(
      [
        '**Identity changes: delete + create**',
        '',
        '- ConfigMap `api/settings` → ConfigMap `api/settings-v2` in `api`: Argo CD creates the new object and prunes the old one',
        '- ServiceAccount `api/worker` → ServiceAccount `jobs/worker` in `api`: Argo CD creates the new object and prunes the old one',
      ].join('\n'),
    );
    expect(titles(diff.risks)).toEqual(['Object re-created', 'Object re-created']);
    expect(diff.risks[0].note).toContain('becomes ConfigMap `api/settings-v2`: `api` creates the new object and prunes the old one');
  });

  test('an object that moves to another component may be pruned by the old Application before the new one takes it', () => {
    const shared = object('v1', 'ConfigMap', 'api', 'shared');
    const before = cluster({ api: 1, web: 1 }, { 'dev/api/manifests/configmap-shared.yaml': shared });
    const after = cluster({ api: 1, web: 1 }, { 'dev/web/manifests/configmap-shared.yaml': shared });
    const diff = diffOf(before, after);
    expect(diff.clusters[0].argocd.moves.map((f) => [f.application, f.movesTo?.application])).toEqual([['api', 'web']]);
    expect(titles(diff.risks)).toEqual(['Objects move to another Application']);
    expect(render(before, after)).toContain(
      '- ConfigMap `api/shared`: `api` → `web`: if `api` syncs first it prunes it and `web` creates it again; if `web` syncs first it takes it over',
    );
  });
});

describe('clusters', () => {
  test('a removed cluster: its Applications lose their paths, nothing is pruned', () => {
    const files = cluster({ api: 1 });
    const markdown = render(
      { ...files, ...Object.fromEntries(Object.entries(files).map(([p, v]) => [p.replace(/^dev\//, 'prod/'), v])) },
      files,
    );
    expect(markdown).toContain(
      `### prod\n\nCluster removed: 3 components (api, argocd, namespaces), 6 objects.\n\n#### ${PRUNE_SECTION}\n\nNothing: the Applications of \`prod\` point at paths that no longer exist`,
    );
  });

  test('argoChanges of identical trees is empty', () => {
    const tree = distTree(cluster({ api: 1 })).get('dev')!;
    expect(argoChanges('dev', tree, tree)).toEqual({ pruned: [], deletions: [], waves: [], identities: [], moves: [], untracked: [] });
  });
});
