import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { main, parseArgs } from './cli';

const work = mkdtempSync(join(tmpdir(), 'diff-cli-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** A repository whose committed dist/ has one Namespace, and whose "synth" runs `synthBody`. */
function repoWithSynth(name: string, synthBody: string): string {
  const repo = join(work, name);
  mkdirSync(join(repo, 'dist/dev/namespaces/manifests'), { recursive: true });
  mkdirSync(join(repo, 'apps/platform/bin'), { recursive: true });
  writeFileSync(
    join(repo, 'dist/dev/namespaces/manifests/namespace-api.yaml'),
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: api\n',
  );
  writeFileSync(join(repo, 'apps/platform/bin/synth.mjs'), synthBody);
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args]);
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'dist');
  return repo;
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(console, 'error').mockImplementation((...args) => void err.push(args.join(' ')));
  return { out, err };
}

describe('diff cli', () => {
  test('arguments', () => {
    expect(parseArgs([])).toEqual({ maxFields: 20 });
    expect(parseArgs(['--base', 'main', '--out', 'x.md', '--max-fields', '3'])).toEqual({ base: 'main', out: 'x.md', maxFields: 3 });
    expect(parseArgs(['--help'])).toBe('help');
    expect(() => parseArgs(['--base'])).toThrow('--base needs a value');
    expect(() => parseArgs(['--bogus', 'x'])).toThrow('unknown argument "--bogus"');
  });

  test('the synthesized tree against the base, written to --out too; default base HEAD without origin/main', async () => {
    // This synth writes the Namespace with a new label, and a NetworkPolicy less.
    const repo = repoWithSynth(
      'ok',
      [
        `import { mkdirSync, writeFileSync } from 'node:fs';`,
        `const out = process.argv[process.argv.indexOf('--out') + 1];`,
        `mkdirSync(out + '/dev/namespaces/manifests', { recursive: true });`,
        `writeFileSync(out + '/dev/namespaces/manifests/namespace-api.yaml', 'apiVersion: v1\\nkind: Namespace\\nmetadata:\\n  name: api\\n  labels: {team: a}\\n');`,
      ].join('\n'),
    );
    const { out } = capture();
    const file = join(work, 'ok.md');
    expect(await main(['--out', file], repo)).toBe(0);
    expect(out.join('')).toMatch(/^## dist\/ diff against `HEAD \([0-9a-f]{12}\)`\n/);
    expect(out.join('')).toContain('- Namespace `api`\n  - `metadata.labels`: (none) → `{"team":"a"}`\n');
    expect(readFileSync(file, 'utf8')).toBe(out.join(''));
  });

  test('a failing synth: its error is printed (without the temporary path) and the exit code is 1', async () => {
    const repo = repoWithSynth('failing', `console.error('synth failed writing ' + process.argv[3] + ': boom'); process.exit(1);`);
    const { out, err } = capture();
    expect(await main(['--base', 'HEAD'], repo)).toBe(1);
    expect(out).toEqual([]);
    expect(err.join('\n')).toBe('diff: synth of the working tree failed:\nsynth failed writing <tmp>/dist: boom');
  });
});
