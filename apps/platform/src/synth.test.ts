import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const ROOT = resolve(__dirname, '../../..');
const SYNTH = join(ROOT, 'apps/platform/bin/synth.mjs');
const work = mkdtempSync(join(tmpdir(), 'synth-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function synth(args: string[]) {
  return spawnSync(process.execPath, [SYNTH, ...args], { cwd: ROOT, encoding: 'utf8' });
}

/** Every file under dir with its sha256, sorted. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** A cluster file in a temporary clusters directory; `body` is the compose function's body. */
function clustersDir(name: string, spec: string, body: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'fixture.ts'),
    [
      `import { defineCluster } from '@platform/core';`,
      `import { testSpec } from '${join(ROOT, 'libs/core/src/testing')}';`,
      `import { Namespaces } from '@platform/namespaces';`,
      `export default defineCluster(${spec}, (platform) => { ${body} });`,
    ].join('\n'),
  );
  return dir;
}

describe('synth', () => {
  test('two runs give byte-identical trees, equal to the committed dist/', () => {
    const a = join(work, 'a');
    const b = join(work, 'b');
    expect(synth(['--out', a]).status).toBe(0);
    expect(synth(['--out', b]).status).toBe(0);
    const ta = tree(a);
    expect(Object.keys(ta).length).toBeGreaterThan(50);
    expect(tree(b)).toEqual(ta);
    expect(tree(join(ROOT, 'dist')), 'dist/ is stale: run `npm run synth` and commit dist/').toEqual(ta);
  });

  test('stale files of removed components disappear', () => {
    const out = join(work, 'stale');
    mkdirSync(join(out, 'dev/removed-component/manifests'), { recursive: true });
    writeFileSync(join(out, 'dev/removed-component/manifests/configmap-old.yaml'), 'old');
    expect(synth(['--out', out]).status).toBe(0);
    expect(Object.keys(tree(out)).some((f) => f.includes('removed-component'))).toBe(false);
  });

  test.each([
    [
      'an invalid cluster spec',
      `testSpec({ network: { vpcCidr: '10.0.0.0/33', podCidr: '100.64.0.0/16', serviceCidr: '172.20.0.0/16' } })`,
      `new Namespaces(platform, 'namespaces');`,
      'spec.network.vpcCidr: got "10.0.0.0/33", expected an IPv4 CIDR',
    ],
    [
      'a construct that throws',
      `testSpec()`,
      `new Namespaces(platform, 'namespaces'); throw new Error('construct exploded');`,
      'components: a construct failed: construct exploded',
    ],
    [
      'an unknown component option',
      `testSpec()`,
      `new Namespaces(platform, 'namespaces', { exclude: ['karpenter'], exlcude: [] } as never);`,
      'components.namespaces.exlcude: unknown field "exlcude"; allowed: exclude',
    ],
    [
      'a component value outside the allowed set',
      `testSpec()`,
      `new Namespaces(platform, 'namespaces', { exclude: ['kube-system'] });`,
      'components.namespaces.exclude[0]: got "kube-system", allowed: "istio-system"',
    ],
  ])('%s exits non-zero, names the file and leaves dist untouched', (_case, spec, body, message) => {
    const out = join(work, `untouched-${_case.replace(/\W+/g, '-')}`);
    expect(synth(['--out', out]).status).toBe(0);
    const before = tree(out);
    const dir = clustersDir(`clusters-${_case.replace(/\W+/g, '-')}`, spec, body);
    const result = synth(['--clusters', dir, '--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('left untouched');
    expect(result.stderr).toContain(`${relative(ROOT, dir)}/fixture.ts: ${message}`);
    expect(tree(out)).toEqual(before);
  });

  test('duplicate cluster names fail synth', () => {
    const dir = clustersDir('dup', `testSpec()`, `new Namespaces(platform, 'namespaces');`);
    writeFileSync(join(dir, 'again.ts'), readFileSync(join(dir, 'fixture.ts')));
    const result = synth(['--clusters', dir, '--out', join(work, 'dup-out')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('fixture.ts: spec.name: got "test", which');
    expect(result.stderr).toContain('again.ts already uses: cluster names are unique');
  });

  test('a TypeScript syntax error fails without touching dist', () => {
    const dir = join(work, 'syntax');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'broken.ts'), 'export default {');
    const result = synth(['--clusters', dir, '--out', join(work, 'never-written')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('failed to compile');
    expect(() => statSync(join(work, 'never-written'))).toThrow();
  });

  test('unknown arguments are usage errors', () => {
    const result = synth(['--frobnicate']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown argument "--frobnicate"');
  });
});

export { execFileSync };
