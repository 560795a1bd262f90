import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { compareTrees } from './compare';
import { componentJson, deployment, distFiles, networkPolicy } from './fixtures';
import { renderMarkdown, renderPath } from './markdown';
import { objectKey, parseDistFiles, readDistDir, readDistRef } from './tree';

const ROOT = resolve(__dirname, '../../../..');
const work = mkdtempSync(join(tmpdir(), 'diff-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function git(repo: string, ...args: string[]): string {
  const identity = ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false'];
  return execFileSync('git', ['-C', repo, ...identity, ...args], { encoding: 'utf8' });
}

function write(repo: string, files: Record<string, unknown>): void {
  for (const [path, content] of distFiles(files)) {
    mkdirSync(dirname(join(repo, 'dist', path)), { recursive: true });
    writeFileSync(join(repo, 'dist', path), content);
  }
}

describe('parseDistFiles', () => {
  test('objects by identity; multi-document files; unparsable and unknown files kept as text', () => {
    const tree = parseDistFiles(
      new Map([
        ['dev/README.md', '# dev\n'],
        ['dev/api/values.yaml', ''],
        ['dev/api/notes.txt', 'hello\n'],
        [
          'dev/api/manifests/two.yaml',
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: api}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: api}\n',
        ],
        ['dev/api/manifests/broken.yaml', 'a: [\n'],
      ]),
    );
    const api = tree.get('dev')!.components.get('api')!;
    expect([...tree.get('dev')!.files.keys()]).toEqual(['README.md']);
    expect(api.values).toEqual({});
    expect([...api.objects.values()].map((o) => `${o.kind}/${o.namespace}/${o.name}`)).toEqual(['ConfigMap/api/a', 'ConfigMap/api/b']);
    expect([...api.files.keys()].sort()).toEqual(['manifests/broken.yaml', 'notes.txt']);
    expect(objectKey({ group: 'apps', kind: 'Deployment', namespace: 'api', name: 'web' })).toBe('Deployment\u0000api\u0000web\u0000apps');
  });
});

describe('reading objects key by key', () => {
  const text = (labels: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: api\n  labels: {${labels}}\ndata: [this block is never parsed\n`;
  const tree = (labels: string) => parseDistFiles(new Map([['dev/api/manifests/configmap-big.yaml', text(labels)]]));

  test('identity and metadata come from the header; a top-level key with the same text on both sides is not parsed', () => {
    const [o] = tree('v: "1"').get('dev')!.components.get('api')!.objects.values();
    expect([o.kind, o.namespace, o.name, o.metadata.labels]).toEqual(['ConfigMap', 'api', 'big', { v: '1' }]);
    const diff = compareTrees(tree('v: "1"'), tree('v: "2"'));
    expect(diff.clusters[0].components[0].changed[0].fields.map((f) => [renderPath(f.path), f.before, f.after])).toEqual([
      ['metadata.labels.v', '1', '2'],
    ]);
    expect(compareTrees(tree('v: "1"'), tree('v: "1"')).clusters).toEqual([]);
  });

  test('a body read key by key equals the whole document parsed', () => {
    const yaml =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {a: b}\n';
    const [o] = parseDistFiles(new Map([['dev/api/manifests/d.yaml', yaml]]))
      .get('dev')!
      .components.get('api')!
      .objects.values();
    expect(o.body).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { a: 'b' } } },
    });
  });
});

describe('reading dist/ from a git ref', () => {
  const repo = join(work, 'repo');
  const committed = {
    'dev/README.md': '# dev\n',
    'dev/api/component.json': componentJson('dev', 'api', '1.0.0'),
    'dev/api/values.yaml': { server: { replicas: 2 } },
    'dev/api/manifests/deployment-web.yaml': deployment('api', 'web', 2, 'web:1.0'),
    'dev/api/manifests/networkpolicy-allow-web.yaml': networkPolicy('api', 'allow-web'),
    'dev/api/manifests/file name with spaces ü.yaml': networkPolicy('api', 'spaces'),
  };
  mkdirSync(repo, { recursive: true });
  git(repo, 'init', '-q');
  writeFileSync(join(repo, 'outside.txt'), 'not in dist/\n');
  write(repo, committed);
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'dist');
  // The working tree moves on: replicas lowered, a NetworkPolicy removed, a component added.
  write(repo, {
    'dev/api/manifests/deployment-web.yaml': deployment('api', 'web', 1, 'web:1.0'),
    'dev/web/component.json': componentJson('dev', 'web', '1.0.0'),
  });
  unlinkSync(join(repo, 'dist/dev/api/manifests/networkpolicy-allow-web.yaml'));

  test('the tree at a ref equals the tree read from the same files on disk', () => {
    const fromGit = readDistRef(repo, 'HEAD');
    expect(fromGit).toEqual(parseDistFiles(distFiles(committed)));
    expect([...fromGit.get('dev')!.components.get('api')!.objects.values()].map((o) => o.name).sort()).toEqual([
      'allow-web',
      'spaces',
      'web',
    ]);
  });

  test('the working tree compared with HEAD', () => {
    const diff = compareTrees(readDistRef(repo, 'HEAD'), readDistDir(join(repo, 'dist')));
    const markdown = renderMarkdown(diff, { base: 'HEAD' });
    expect(markdown).toContain(
      '**Summary:** 1 cluster changed (dev); objects: 0 added, 1 removed, 1 changed; components: 1 added, 0 removed; 2 risks.',
    );
    expect(markdown).toContain('- **NetworkPolicy removed**: `dev/api` NetworkPolicy `api/allow-web`');
    expect(markdown).toContain('- **Replicas lowered**: `dev/api` Deployment `api/web`, `spec.replicas`: `2` → `1`');
    expect(markdown).toContain('#### dev/web\n\nNew component with 0 objects, rendered from chart `web` `1.0.0`.');
  });

  test('a ref without dist/ is an empty tree; a bad ref is an error naming it', () => {
    const empty = join(work, 'empty');
    mkdirSync(empty);
    git(empty, 'init', '-q');
    git(empty, 'commit', '-q', '--allow-empty', '-m', 'nothing');
    expect(readDistRef(empty, 'HEAD').size).toBe(0);
    expect(() => readDistRef(repo, 'no-such-branch')).toThrow('not a git commit: "no-such-branch"');
  });
});

describe('npm run diff', () => {
  test('synthesizes the working tree and compares it with HEAD; --out writes the same Markdown', () => {
    const out = join(work, 'diff.md');
    const run = spawnSync(process.execPath, [join(ROOT, 'apps/platform/bin/diff.mjs'), '--base', 'HEAD', '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^## dist\/ diff against `HEAD \([0-9a-f]{12}\)`\n\n/);
    expect(run.stdout).not.toContain(tmpdir());
    expect(readFileSync(out, 'utf8')).toBe(run.stdout);
  });

  test('usage errors exit 2', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'apps/platform/bin/diff.mjs'), '--max-fields', 'zero'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--max-fields takes a positive integer');
  });
});
