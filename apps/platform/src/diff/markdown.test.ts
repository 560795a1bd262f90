import { describe, expect, test } from 'vitest';
import { compareTrees } from './compare';
import { argocdDelivery, componentJson, deployment, distTree, networkPolicy } from './fixtures';
import { code, renderMarkdown, renderPair } from './markdown';

const delivery = { ...argocdDelivery('dev', { api: 1 }), ...argocdDelivery('prod', { api: 1 }) };

const base = {
  ...delivery,
  'dev/README.md': '# dev\n',
  'dev/api/component.json': componentJson('dev', 'api', '1.0.0'),
  'dev/api/values.yaml': { logLevel: 'info', server: { replicas: 2 } },
  'dev/api/manifests/deployment-web.yaml': deployment('api', 'web', 2, 'registry.example.com/web:1.0'),
  'dev/api/manifests/networkpolicy-allow-web.yaml': networkPolicy('api', 'allow-web'),
  'prod/api/component.json': componentJson('prod', 'api', '1.0.0'),
  'prod/api/manifests/deployment-web.yaml': deployment('api', 'web', 3, 'registry.example.com/web:1.0'),
};

const head = {
  ...delivery,
  'dev/README.md': '# dev\n',
  'dev/api/component.json': componentJson('dev', 'api', '1.1.0'),
  'dev/api/values.yaml': { logLevel: 'debug', server: { replicas: 2 } },
  'dev/api/manifests/deployment-web.yaml': deployment('api', 'web', 1, 'registry.example.com/web:1.1'),
  'prod/api/component.json': componentJson('prod', 'api', '1.0.0'),
  'prod/api/manifests/deployment-web.yaml': deployment('api', 'web', 3, 'registry.example.com/web:1.0'),
};

const render = (before: Record<string, unknown>, after: Record<string, unknown>, maxFields?: number) =>
  renderMarkdown(compareTrees(distTree(before), distTree(after)), { base: 'origin/main (1a2b3c4d5e6f)', maxFields });

describe('renderMarkdown', () => {
  test('replicas 2 → 1, an image bump, a removed NetworkPolicy and a chart bump, risks first', () => {
    expect(render(base, head)).toBe(
      [
        '## dist/ diff against `origin/main (1a2b3c4d5e6f)`',
        '',
        '**Summary:** 1 cluster changed (dev); objects: 0 added, 1 removed, 1 changed; Argo CD: 1 pruned, 0 deleted; 4 risks.',
        '',
        '### Risks',
        '',
        '- **NetworkPolicy removed**: `dev/api` NetworkPolicy `api/allow-web` (the traffic it allowed or denied changes)',
        '- **Replicas lowered**: `dev/api` Deployment `api/web`, `spec.replicas`: `2` → `1`',
        '- **Chart version changed**: `dev/api` `component.json`, `chart.version`: `"1.0.0"` → `"1.1.0"` (2 rendered objects change)',
        '- **Image changed**: `dev/api` `registry.example.com/web`: `1.0` → `1.1` (Deployment `api/web`)',
        '',
        '### dev',
        '',
        '#### What Argo CD will prune or delete when this merges',
        '',
        '**Pruned: objects removed from components that stay**',
        '',
        'Application `api`: 1 object pruned.',
        '',
        '- NetworkPolicy `api/allow-web`',
        '',
        '#### dev/api',
        '',
        'Chart `api` `1.0.0` → `1.1.0`: 2 rendered objects change (0 added, 1 removed, 1 changed).',
        '',
        '**component.json**',
        '',
        '- `chart.version`: `"1.0.0"` → `"1.1.0"`',
        '',
        '**values.yaml**',
        '',
        '- `logLevel`: `"info"` → `"debug"`',
        '',
        '**Removed objects (1)**',
        '',
        '- NetworkPolicy `api/allow-web`',
        '',
        '**Changed objects (1)**',
        '',
        '- Deployment `api/web`',
        '  - `spec.replicas`: `2` → `1`',
        '  - `spec.template.spec.containers[name=web].image`: `"registry.example.com/web:1.0"` → `"registry.example.com/web:1.1"`',
        '',
      ].join('\n'),
    );
  });

  test('a chart bump: the rendered objects it changes, grouped, shared changes once, long lists folded', () => {
    const label = (version: string) => ({ 'helm.sh/chart': `api-${version}` });
    const chartFiles = (version: string, digest: string, image: string) => {
      const files: Record<string, unknown> = {
        ...argocdDelivery('dev', { api: 1 }),
        'dev/api/component.json': componentJson('dev', 'api', version, { digest }),
        'dev/api/manifests/deployment-web.yaml': deployment('api', 'web', 2, image, label(version)),
      };
      for (let i = 0; i < 20; i++) {
        files[`dev/api/manifests/serviceaccount-sa${i}.yaml`] = {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: `sa${String(i).padStart(2, '0')}`, namespace: 'api', labels: label(version) },
        };
      }
      return files;
    };
    const markdown = render(
      chartFiles('1.0.0', 'a'.repeat(64), 'registry.example.com/web:1.0'),
      chartFiles('1.1.0', 'b'.repeat(64), 'registry.example.com/web:1.1'),
    );
    expect(markdown).toContain(
      '- **Chart version changed**: `dev/api` `component.json`, `chart.version`: `"1.0.0"` → `"1.1.0"` (21 rendered objects change, digest aaaaaaaaaaaa → bbbbbbbbbbbb)',
    );
    expect(markdown).toContain('- **Image changed**: `dev/api` `registry.example.com/web`: `1.0` → `1.1` (Deployment `api/web`)');
    expect(markdown).toContain(
      [
        '#### dev/api',
        '',
        'Chart `api` `1.0.0` → `1.1.0` (digest `aaaaaaaaaaaa` → `bbbbbbbbbbbb`): 21 rendered objects change (0 added, 0 removed, 21 changed).',
      ].join('\n'),
    );
    expect(markdown).toContain(
      [
        '**Changed objects (21)**: 20 ServiceAccount, 1 Deployment',
        '',
        'The same change in several objects:',
        '',
        '- `metadata.labels["helm.sh/chart"]`: `"api-1.0.0"` → `"api-1.1.0"` (21 objects)',
        '',
        '- Deployment `api/web`',
        '  - `spec.template.spec.containers[name=web].image`: `"registry.example.com/web:1.0"` → `"registry.example.com/web:1.1"`',
        '  - and 1 change above',
        '',
        '<details>',
        '<summary>20 objects with only the changes above: 20 ServiceAccount</summary>',
        '',
        `- ServiceAccount (20): ${Array.from({ length: 20 }, (_, i) => `\`api/sa${String(i).padStart(2, '0')}\``).join(', ')}`,
        '',
        '</details>',
      ].join('\n'),
    );
    expect(markdown).toContain('#### What Argo CD will prune or delete when this merges\n\nNothing is pruned or deleted.');
  });

  test('the same chart version from another source tree', () => {
    const files = (digest: string) => ({
      ...argocdDelivery('dev', { api: 1 }),
      'dev/api/component.json': componentJson('dev', 'api', '1.0.0', { digest }),
    });
    expect(render(files('a'.repeat(64)), files('c'.repeat(64)))).toContain(
      `- **Chart source changed**: \`dev/api\` \`component.json\`, \`chart.digest\`: \`"${'a'.repeat(64)}"\` → \`"${'c'.repeat(64)}"\` (same version 1.0.0 from another source tree; 0 rendered objects change)`,
    );
  });

  test('deterministic: the same input renders the same output, whatever the order of the files', () => {
    const reversed = (files: Record<string, unknown>) => Object.fromEntries(Object.entries(files).reverse());
    const first = render(base, head);
    expect(render(base, head)).toBe(first);
    expect(render(reversed(base), reversed(head))).toBe(first);
  });

  test('no differences', () => {
    expect(render(base, base)).toBe('## dist/ diff against `origin/main (1a2b3c4d5e6f)`\n\nNo changes to dist/\n');
  });

  test('new and removed components and clusters, other files, and --max-fields', () => {
    const after = {
      ...argocdDelivery('dev', { api: 1, web: 1 }),
      'dev/README.md': '# dev, changed\n',
      'dev/api/component.json': componentJson('dev', 'api', '1.0.0'),
      'dev/api/values.yaml': { a: 1, b: 2, c: 3, logLevel: 'info', server: { replicas: 2 } },
      'dev/api/manifests/deployment-web.yaml': deployment('api', 'web', 2, 'registry.example.com/web:1.0'),
      'dev/api/manifests/networkpolicy-allow-web.yaml': networkPolicy('api', 'allow-web'),
      'dev/web/component.json': componentJson('dev', 'web', '2.0.0'),
      'dev/web/manifests/networkpolicy-allow-web.yaml': networkPolicy('web', 'allow-web'),
      'staging/api/component.json': componentJson('staging', 'api', '1.0.0'),
    };
    expect(render(base, after, 2)).toBe(
      [
        '## dist/ diff against `origin/main (1a2b3c4d5e6f)`',
        '',
        '**Summary:** 3 clusters changed (dev, prod (removed), staging (new)); objects: 2 added, 4 removed, 0 changed; components: 2 added, 2 removed; 1 risk.',
        '',
        '### Risks',
        '',
        '- **Cluster removed**: `prod` (2 components and 4 objects no longer in dist/)',
        '',
        '### dev',
        '',
        '- `README.md` changed',
        '',
        '#### What Argo CD will prune or delete when this merges',
        '',
        'Nothing is pruned or deleted.',
        '',
        '#### dev/api',
        '',
        '**values.yaml**',
        '',
        '- `a`: (none) → `1`',
        '- `b`: (none) → `2`',
        '- … and 1 more',
        '',
        '#### dev/argocd',
        '',
        '**Added objects (1)**',
        '',
        '- ApplicationSet `argocd/web`',
        '',
        '#### dev/web',
        '',
        'New component with 1 object, rendered from chart `web` `2.0.0`.',
        '',
        '**Objects (1)**',
        '',
        '- NetworkPolicy `web/allow-web`',
        '',
        '### prod',
        '',
        'Cluster removed: 2 components (api, argocd), 4 objects.',
        '',
        '#### What Argo CD will prune or delete when this merges',
        '',
        'Nothing: the Applications of `prod` point at paths that no longer exist, so Argo CD reports a ComparisonError and syncs, prunes and deletes nothing. Tear the cluster down on its own.',
        '',
        '### staging',
        '',
        'New cluster: 1 component (api), 0 objects.',
        '',
      ].join('\n'),
    );
  });
});

describe('values', () => {
  test('long values are cut at 80 characters; long strings that share a prefix show their difference', () => {
    const long = 'x'.repeat(200);
    expect(renderPair(undefined, long)).toBe(`(none) → \`"${'x'.repeat(78)}…\``);
    const [before, after] = renderPair(`${'a'.repeat(100)}OLD${'b'.repeat(100)}`, `${'a'.repeat(100)}NEW${'b'.repeat(100)}`).split(' → ');
    expect(before).toBe(`\`…${'a'.repeat(20)}OLD${'b'.repeat(55)}…\``);
    expect(after).toBe(`\`…${'a'.repeat(20)}NEW${'b'.repeat(55)}…\``);
  });

  test('code spans survive backticks', () => {
    expect(code('a`b')).toBe('`` a`b ``');
  });
});
