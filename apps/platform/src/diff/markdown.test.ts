import { describe, expect, test } from 'vitest';
import { compareTrees } from './compare';
import { componentJson, deployment, distTree, networkPolicy } from './fixtures';
import { code, renderMarkdown, renderPair } from './markdown';

const base = {
  'dev/README.md': '# dev\n',
  'dev/api/component.json': componentJson('dev', 'api', '1.0.0'),
  'dev/api/values.yaml': { logLevel: 'info', server: { replicas: 2 } },
  'dev/api/manifests/deployment-web.yaml': deployment('api', 'web', 2, 'registry.example.com/web:1.0'),
  'dev/api/manifests/networkpolicy-allow-web.yaml': networkPolicy('api', 'allow-web'),
  'prod/api/component.json': componentJson('prod', 'api', '1.0.0'),
  'prod/api/manifests/deployment-web.yaml': deployment('api', 'web', 3, 'registry.example.com/web:1.0'),
};

const head = {
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
        '**Summary:** 1 cluster changed (dev); objects: 0 added, 1 removed, 1 changed; 4 risks.',
        '',
        '### Risks',
        '',
        '- **NetworkPolicy removed**: `dev/api` NetworkPolicy `api/allow-web` (the traffic it allowed or denied changes)',
        '- **Replicas lowered**: `dev/api` Deployment `api/web`, `spec.replicas`: `2` → `1`',
        '- **Chart version changed**: `dev/api` `component.json`, `chart.version`: `"1.0.0"` → `"1.1.0"`',
        '- **Image changed**: `dev/api` Deployment `api/web`, `spec.template.spec.containers[name=web].image`: `"registry.example.com/web:1.0"` → `"registry.example.com/web:1.1"`',
        '',
        '### dev/api',
        '',
        '**component.json**',
        '',
        '- `chart.version`: `"1.0.0"` → `"1.1.0"`',
        '',
        '**values.yaml**',
        '',
        '- `logLevel`: `"info"` → `"debug"`',
        '',
        '**Removed objects**',
        '',
        '- NetworkPolicy `api/allow-web`',
        '',
        '**Changed objects**',
        '',
        '- Deployment `api/web`',
        '  - `spec.replicas`: `2` → `1`',
        '  - `spec.template.spec.containers[name=web].image`: `"registry.example.com/web:1.0"` → `"registry.example.com/web:1.1"`',
        '',
      ].join('\n'),
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
        '**Summary:** 3 clusters changed (dev, prod (removed), staging (new)); objects: 1 added, 1 removed, 0 changed; components: 2 added, 1 removed; 1 risk.',
        '',
        '### Risks',
        '',
        '- **Cluster removed**: `prod` (1 component and 1 object no longer in dist/)',
        '',
        '### dev',
        '',
        '- `README.md` changed',
        '',
        '### dev/api',
        '',
        '**values.yaml**',
        '',
        '- `a`: (none) → `1`',
        '- `b`: (none) → `2`',
        '- … and 1 more',
        '',
        '### dev/web',
        '',
        'New component with 1 object.',
        '',
        '**Added objects**',
        '',
        '- NetworkPolicy `web/allow-web`',
        '',
        '### prod',
        '',
        'Cluster removed: 1 component (api), 1 object.',
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
