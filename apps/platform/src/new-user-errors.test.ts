// Errors a new user meets first, as synth prints them: the cluster file, the field path, the value
// received and what is allowed; nothing written.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  ClusterDefinition,
  Platform,
  SynthError,
  defineCluster,
  findObject,
  formatProblem,
  renderTestCluster,
  testSpec,
} from '@platform/core';
import { ArgoCd } from '@platform/argocd';
import { AcmeSolver, CertManager, Issuer } from '@platform/cert-manager';
import { ClusterModule, renderAll } from './synth';

const ROOT = resolve(__dirname, '../../..');
const SYNTH = join(ROOT, 'apps/platform/bin/synth.mjs');
const FIXTURES = join(__dirname, '__fixtures__/new-user');
const work = mkdtempSync(join(tmpdir(), 'new-user-errors-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function synth(args: string[]) {
  return spawnSync(process.execPath, [SYNTH, ...args], { cwd: ROOT, encoding: 'utf8' });
}

/** An output directory holding one file, to check synth leaves it untouched. */
function outDir(name: string): string {
  const out = join(work, name);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'keep.txt'), 'before');
  return out;
}

/** The problems renderAll fails with, formatted as synth prints them. */
async function renderAllProblems(modules: ClusterModule[]): Promise<string[]> {
  try {
    await renderAll(modules, { root: work });
  } catch (error) {
    if (error instanceof SynthError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected renderAll to fail');
}

/** The problems a test cluster fails with. */
function problemsOf(compose: (p: Platform) => void, overrides: Parameters<typeof testSpec>[0] = {}): string[] {
  try {
    renderTestCluster(compose, overrides);
  } catch (error) {
    if (error instanceof SynthError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected synth to fail');
}

const cluster = (name: string): ClusterDefinition => defineCluster(testSpec({ name }), () => undefined);
const KIND = { provider: 'kind', environment: 'local', region: undefined, azs: ['local'] } as const;

describe('a cluster module that throws while loading', () => {
  test('is reported with its file and line, without a stack trace of the bundle, and nothing is written', () => {
    const out = outDir('module-throws');
    const result = synth(['--clusters', join(FIXTURES, 'module-throws'), '--out', out]);
    const file = relative(ROOT, join(FIXTURES, 'module-throws/broken.ts'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`  ${file}: module: threw while loading (line 6): NEW_USER_FIXTURE_DOMAIN is not set\n`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toContain('.cjs');
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('before');
  });

  test('does not hide the problems of the other cluster files', async () => {
    const modules: ClusterModule[] = [
      {
        file: 'clusters/broken.ts',
        get exports(): never {
          throw new TypeError("Cannot read properties of undefined (reading 'region')");
        },
      },
      { file: 'clusters/qa.ts', exports: { default: cluster('staging') } },
    ];
    expect(await renderAllProblems(modules)).toEqual([
      "clusters/broken.ts: module: threw while loading: TypeError: Cannot read properties of undefined (reading 'region')",
      'clusters/qa.ts: spec.name: got "staging", the cluster name is the file name: rename the file to clusters/staging.ts or set name "qa"',
    ]);
  });
});

describe('the cluster name is the file name', () => {
  test('a spec.name other than the file name fails, with one message', async () => {
    expect(await renderAllProblems([{ file: 'clusters/qa.ts', exports: { default: cluster('staging') } }])).toEqual([
      'clusters/qa.ts: spec.name: got "staging", the cluster name is the file name: rename the file to clusters/staging.ts or set name "qa"',
    ]);
    // A name that is no DNS label either: still the one rule, not a second message about spec.name.
    expect(await renderAllProblems([{ file: 'clusters/qa.ts', exports: { default: cluster('QA') } }])).toEqual([
      'clusters/qa.ts: spec.name: got "QA", the cluster name is the file name: set name "qa"',
    ]);
  });

  test('a file name that is not a DNS-1123 label fails naming the file', async () => {
    expect(await renderAllProblems([{ file: 'clusters/Dev2.ts', exports: { default: cluster('dev2') } }])).toEqual([
      `clusters/Dev2.ts: got file name "Dev2", the cluster name is the file name and must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters): rename the file to clusters/dev2.ts`,
    ]);
  });

  test('synth of a folder with both mistakes reports both and writes nothing', () => {
    const out = outDir('misnamed');
    const result = synth(['--clusters', join(FIXTURES, 'misnamed'), '--out', out]);
    const dir = relative(ROOT, join(FIXTURES, 'misnamed'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${dir}/Dev2.ts: got file name "Dev2", the cluster name is the file name`);
    expect(result.stderr).toContain(`rename the file to ${dir}/dev2.ts`);
    expect(result.stderr).toContain(
      `${dir}/qa.ts: spec.name: got "staging", the cluster name is the file name: rename the file to ${dir}/staging.ts or set name "qa"`,
    );
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('before');
  });
});

describe('no cluster files', () => {
  test('is one clean line, and nothing is written', () => {
    const out = join(work, 'no-clusters-out');
    const result = synth(['--clusters', join(FIXTURES, 'no-clusters'), '--out', out]);
    const dir = relative(ROOT, join(FIXTURES, 'no-clusters'));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `synth failed, nothing written: no cluster files in ${dir}/: add ${dir}/<name>.ts (files starting with "_" are shared modules)\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  test('renderAll without modules says so without an empty field path', async () => {
    expect(await renderAllProblems([])).toEqual(['clusters/: no cluster files: add clusters/<name>.ts']);
  });
});

describe('a Route 53 ACME solver needs a region', () => {
  const issuers = [
    Issuer.letsEncrypt({ staging: true, email: 'team@example.com', solver: AcmeSolver.route53() }),
    Issuer.letsEncrypt({ staging: false, email: 'team@example.com', solver: AcmeSolver.route53() }),
  ];
  const kindMessage =
    'got AcmeSolver.route53() without a region, and kind cluster "test" has no AWS region: Route 53 needs one; on kind use Issuer.selfSignedCa({ commonName }), or give AcmeSolver.route53({ region: "eu-west-1" })';

  test('on kind, which has no region, it fails at the solver of every such issuer', () => {
    expect(problemsOf((p) => new CertManager(p, 'cert-manager', { issuers }), KIND)).toEqual([
      `clusters/test.ts: components.cert-manager.issuers[0].solver: ${kindMessage}`,
      `clusters/test.ts: components.cert-manager.issuers[1].solver: ${kindMessage}`,
    ]);
  });

  test('on kind with a region given, and on EKS by default, it renders the region', () => {
    const onKind = renderTestCluster(
      (p) =>
        new CertManager(p, 'cert-manager', {
          issuers: [Issuer.letsEncrypt({ staging: true, email: 'team@example.com', solver: AcmeSolver.route53({ region: 'us-east-1' }) })],
        }),
      KIND,
    );
    expect(findObject(onKind, 'cert-manager', 'ClusterIssuer', 'letsencrypt-staging').spec.acme.solvers[0].dns01.route53).toEqual({
      region: 'us-east-1',
    });
    const onEks = renderTestCluster((p) => new CertManager(p, 'cert-manager', { issuers }));
    expect(findObject(onEks, 'cert-manager', 'ClusterIssuer', 'letsencrypt-production').spec.acme.solvers[0].dns01.route53).toEqual({
      region: 'eu-west-1',
    });
  });

  test('a region that is not an AWS region fails, and so does a missing solver', () => {
    expect(
      problemsOf(
        (p) =>
          new CertManager(p, 'cert-manager', {
            issuers: [
              Issuer.letsEncrypt({ staging: true, email: 'team@example.com', solver: AcmeSolver.route53({ region: 'Frankfurt' }) }),
            ],
          }),
        KIND,
      ),
    ).toEqual([
      'clusters/test.ts: components.cert-manager.issuers[0].solver: got AcmeSolver.route53({ region: "Frankfurt" }), expected an AWS region such as "eu-west-1"',
    ]);
    expect(
      problemsOf(
        (p) =>
          new CertManager(p, 'cert-manager', {
            issuers: [Issuer.letsEncrypt({ staging: true, email: 'team@example.com' } as never)],
          }),
      ),
    ).toEqual([
      'clusters/test.ts: components.cert-manager.issuers[0].solver: got nothing, expected AcmeSolver.route53(...) or AcmeSolver.http01Gateway(...)',
    ]);
  });
});

describe('Argo CD is once per cluster', () => {
  test('the same id twice is a duplicate component name, in our words', () => {
    const problems = problemsOf((p) => {
      new ArgoCd(p, 'argocd');
      new ArgoCd(p, 'argocd');
    });
    expect(problems).toEqual(['clusters/test.ts: components.argocd: declared twice: component names are unique per cluster']);
    expect(problems.join('\n')).not.toContain('There is already a Construct');
  });

  test('a second ArgoCd under another id fails naming both', () => {
    expect(
      problemsOf((p) => {
        new ArgoCd(p, 'argocd');
        new ArgoCd(p, 'argocd-2');
      }),
    ).toEqual([
      'clusters/test.ts: components.argocd-2: got a second ArgoCd (the first is "argocd"): ArgoCd is once per cluster (it syncs every component of the cluster and owns its AppProjects and bootstrap Applications); remove one',
    ]);
  });
});

describe('additionalValues', () => {
  test('a string is not a map of chart values', () => {
    expect(problemsOf((p) => new ArgoCd(p, 'argocd', { additionalValues: 'server:\n  replicas: 2' as never }))).toEqual([
      'clusters/test.ts: components.argocd.additionalValues: got "server:\\n  replicas: 2", expected a map of chart values (an object)',
    ]);
  });
});
