import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { defineCluster, testSpec } from '@platform/core';
import { ArgoCd } from '@platform/argocd';
import { AcmeSolver, CertManager, Issuer } from '@platform/cert-manager';
import { ARGOCD_CHART } from '../../../libs/argocd/src/versions';
import { CERT_MANAGER_CHART } from '../../../libs/cert-manager/src/versions';
import { main } from './main';

const ROOT = resolve(__dirname, '../../..');
const SYNTH = join(ROOT, 'apps/platform/bin/synth.mjs');
const CHARTS = resolve(ROOT, '../shared/charts');
const work = mkdtempSync(join(tmpdir(), 'synth-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function synth(args: string[], env: Record<string, string> = {}): Run {
  return spawnSync(process.execPath, [SYNTH, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
}

/** synth as a child process, asynchronously (independent runs go in parallel). */
function synthAsync(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [SYNTH, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/** main() in this process, with what it prints. */
async function inProcess(root: string, modules: Parameters<typeof main>[0]['modules'], argv: string[]) {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const code = await main({ root, modules, argv });
    const text = (calls: unknown[][]) => calls.map((c) => c.join(' ')).join('\n');
    return { code, stdout: text(log.mock.calls), stderr: text(error.mock.calls) };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
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

/** Every file under dir with its mtime. */
function mtimes(dir: string): Record<string, number> {
  return Object.fromEntries(Object.keys(tree(dir)).map((f) => [f, statSync(join(dir, f)).mtimeMs]));
}

describe('synth of the repository clusters', () => {
  test('two runs give byte-identical trees, equal to the committed dist/; stale files go; the second renders no chart', () => {
    const a = join(work, 'a');
    const b = join(work, 'b');
    mkdirSync(join(a, 'dev/removed-component/manifests'), { recursive: true });
    writeFileSync(join(a, 'dev/removed-component/manifests/configmap-old.yaml'), 'old');
    const first = synth(['--out', a]);
    expect(first.status, first.stderr).toBe(0);
    const second = synth(['--out', b]);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/\(charts: 0 rendered, [1-9]\d* from cache\)/);
    const ta = tree(a);
    expect(Object.keys(ta).length).toBeGreaterThan(50);
    expect(Object.keys(ta).some((f) => f.includes('removed-component'))).toBe(false);
    expect(tree(b)).toEqual(ta);
    expect(tree(join(ROOT, 'dist')), 'dist/ is stale: run `npm run synth` and commit dist/').toEqual(ta);
  });

  test('a TypeScript syntax error fails without touching dist', () => {
    const dir = join(work, 'syntax');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'broken.ts'), 'export default {');
    const result = synth(['--clusters', dir, '--out', join(work, 'never-written')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('failed to compile, nothing was written');
    expect(existsSync(join(work, 'never-written'))).toBe(false);
  });

  test.each([
    [['--frobnicate'], "synth: Unknown option '--frobnicate'"],
    [['--out'], "synth: Option '--out <value>' argument missing"],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const result = await inProcess(ROOT, [], args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('usage: npm run synth');
  });
});

/**
 * One fixture clusters directory for every failing case, bundled once. Each case is a cluster file
 * that is valid unless `SYNTH_FIXTURE` names it (or its phase): synth reports the problems of every
 * cluster file at once, so one run checks every case of a phase.
 */
const FIXTURE = join(work, 'clusters');
const fixtureFile = (name: string) => `${relative(ROOT, FIXTURE)}/${name}.ts`;
const FIXTURE_HEADER = `
import { k8s } from 'cdk8s-plus-30';
import { Component, Namespace, Platform, defineCluster, testChart, testSpec } from '@platform/core';
import { CertManager, Issuer } from '@platform/cert-manager';

export const broken = (name: string, phase: string) => [name, phase].includes(process.env.SYNTH_FIXTURE ?? '');

export class Web extends Component {
  constructor(scope: Platform, id: string, props: { namespace?: Namespace; chart?: ReturnType<typeof testChart>; configMapNamespace?: string } = {}) {
    const namespace = props.namespace ?? Namespace.restricted(id);
    super(scope, id, { namespace, project: 'apps', chart: props.chart });
    new k8s.KubeConfigMap(this, 'settings', { metadata: { name: 'settings', namespace: props.configMapNamespace ?? namespace.name } });
  }
}
export { CertManager, Issuer, Namespace, defineCluster, testChart, testSpec };
`;
/** Case name → [phase, compose body (platform `p`, `bad` when the case is selected), the message synth prints]. */
const CASES: Record<string, [phase: string, spec: string, body: string, message: string]> = {
  'invalid-spec': [
    'compose',
    `bad ? testSpec({ name: 'invalid-spec', network: { vpcCidr: '10.0.0.0/33', podCidr: '100.64.0.0/16', serviceCidr: '172.20.0.0/16' } }) : testSpec({ name: 'invalid-spec' })`,
    `new Web(p, 'web');`,
    'spec.network.vpcCidr: got "10.0.0.0/33", expected an IPv4 CIDR',
  ],
  throws: [
    'compose',
    `testSpec({ name: 'throws' })`,
    `if (bad) throw new Error('construct exploded');`,
    'components: a construct failed: construct exploded',
  ],
  'unknown-option': [
    'compose',
    `testSpec({ name: 'unknown-option' })`,
    `new CertManager(p, 'cert-manager', { issuers: [Issuer.selfSignedCa({ commonName: 'x' })], ...(bad && { replicsa: 2 }) } as never);`,
    'components.cert-manager.replicsa: unknown field "replicsa"; allowed: additionalValues, gateway, issuers, replicas',
  ],
  'chart-range': [
    'compose',
    `testSpec({ name: 'chart-range' })`,
    `new Web(p, 'web', { chart: bad ? testChart({ version: '^6.0.0' }) : undefined });`,
    'components.web.chart: chart example: version "^6.0.0" is not an exact version; allowed: semver such as "1.2.3" (no ranges)',
  ],
  'namespace-conflict': [
    'compose',
    `testSpec({ name: 'namespace-conflict' })`,
    `new Web(p, 'web'); new Web(p, 'batch', { namespace: bad ? Namespace.baseline('web', { reason: 'runs as root' }) : undefined });`,
    'components.batch.namespace: declares namespace web (baseline: runs as root), but component "web" declares it as web (restricted)',
  ],
  'reserved-name': [
    'compose',
    `testSpec({ name: 'reserved-name' })`,
    `new Web(p, bad ? 'namespaces' : 'web');`,
    'components.namespaces: the name "namespaces" is reserved',
  ],
  'undeclared-namespace': [
    'finish',
    `testSpec({ name: 'undeclared-namespace' })`,
    `new Web(p, 'web', { configMapNamespace: bad ? 'nowhere' : undefined });`,
    'components.web: ConfigMap settings is in namespace "nowhere", which no component of this cluster declares',
  ],
};

describe('synth of a fixture clusters directory (one bundle for every case)', () => {
  const out = join(work, 'fixture-out');
  let before: Record<string, string>;
  const runs = new Map<string, Promise<Run>>();
  beforeAll(() => {
    mkdirSync(FIXTURE, { recursive: true });
    writeFileSync(join(FIXTURE, '_fixture.ts'), FIXTURE_HEADER);
    for (const [name, [phase, spec, body]] of Object.entries(CASES))
      writeFileSync(
        join(FIXTURE, `${name}.ts`),
        [
          `import { CertManager, Issuer, Namespace, Web, broken, defineCluster, testChart, testSpec } from './_fixture';`,
          `const bad = broken(${JSON.stringify(name)}, ${JSON.stringify(phase)});`,
          `export default defineCluster(${spec}, (p) => { ${body} });`,
        ].join('\n'),
      );
    // The first run bundles; every later run reuses that bundle.
    const ok = synth(['--clusters', FIXTURE, '--out', out]);
    expect(ok.status, ok.stderr).toBe(0);
    before = tree(out);
    for (const phase of ['compose', 'finish']) runs.set(phase, synthAsync(['--clusters', FIXTURE, '--out', out], { SYNTH_FIXTURE: phase }));
  });

  test('every case is a valid cluster until it is broken', () => {
    expect(Object.keys(before).filter((f) => f.endsWith('README.md'))).toEqual(
      Object.keys(CASES)
        .sort()
        .map((c) => `${c}/README.md`),
    );
  });

  test.each(['compose', 'finish'])('the %s phase: every broken cluster file is reported in one run, dist untouched', async (phase) => {
    const result = await runs.get(phase)!;
    const cases = Object.values(CASES).filter(([p]) => p === phase);
    expect(result.status, result.stdout).toBe(1);
    expect(result.stderr).toContain(
      `synth failed, ${relative(ROOT, out)} left untouched (${cases.length} problem${cases.length === 1 ? '' : 's'})`,
    );
    expect(tree(out)).toEqual(before);
  });

  test.each(Object.entries(CASES))('%s fails naming the file, the path and what to do', async (name, [phase, , , message]) => {
    const result = await runs.get(phase)!;
    expect(result.stderr).toContain(`${fixtureFile(name)}: ${message}`);
  });
});

/** Why the hydration test cannot run here, or undefined. */
function hydrationUnavailable(): string | undefined {
  for (const chart of [ARGOCD_CHART, CERT_MANAGER_CHART])
    if (!existsSync(join(CHARTS, chart.pin.dir)))
      return `${CHARTS}/${chart.pin.dir} is missing (../shared/charts holds the pinned chart sources)`;
  if (`${process.platform}-${process.arch}` !== 'linux-x64' && !process.env.PLATFORM_HELM)
    return 'the pinned helm is linux-x64 only: set PLATFORM_HELM';
  return undefined;
}
const unavailable = hydrationUnavailable();
if (unavailable) console.warn(`synth.test: hydration test skipped: ${unavailable}`);

describe('hydration: the real Argo CD and cert-manager charts, rendered at synth', () => {
  test.skipIf(!!unavailable)(
    `renders the charts into the manifests once, then serves them from the cache without touching a file${unavailable ? ` (skipped: ${unavailable})` : ''}`,
    async () => {
      // A repository root of its own: an empty render cache and YAML memo, the repository's node_modules (helm).
      const root = mkdtempSync(join(work, 'root-'));
      symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
      const out = join(root, 'dist');
      const modules = [
        {
          file: 'clusters/hydrated.ts',
          exports: {
            default: defineCluster(testSpec({ name: 'hydrated' }), (p) => {
              new CertManager(p, 'cert-manager', {
                issuers: [Issuer.letsEncrypt({ staging: true, email: 'ops@example.com', solver: AcmeSolver.route53() })],
              });
              new ArgoCd(p, 'argocd');
            }),
          },
        },
      ];
      const run = () => inProcess(root, modules, ['--out', out, '--charts-dir', CHARTS]);

      const first = await run();
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('written to');
      expect(first.stdout).toContain('(charts: 2 rendered, 0 from cache)');

      const manifests = (component: string) => {
        const dir = join(out, 'hydrated', component, 'manifests');
        return new Map(readdirSync(dir).map((f) => [f, parse(readFileSync(join(dir, f), 'utf8'))]));
      };
      const certManager = manifests('cert-manager');
      const argocd = manifests('argocd');
      for (const [files, names, namespace] of [
        [certManager, ['cert-manager', 'cert-manager-webhook', 'cert-manager-cainjector'], 'cert-manager'],
        [argocd, ['argocd-server', 'argocd-repo-server', 'argocd-applicationset-controller'], 'argocd'],
      ] as const) {
        for (const name of names) {
          const deployment = files.get(`deployment-${name}.yaml`);
          expect(deployment, `deployment-${name}.yaml`).toBeDefined();
          expect(deployment.metadata.namespace).toBe(namespace);
          expect(deployment.spec.template.spec.containers.length).toBeGreaterThan(0);
        }
      }
      // Chart CRDs sync first; our own objects sit next to the chart's.
      const crd = certManager.get('customresourcedefinition-certificates.cert-manager.io.yaml');
      expect(crd.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
      expect(certManager.has('clusterissuer-letsencrypt-staging.yaml')).toBe(true);
      expect(certManager.has('clusterrole-cert-manager-controller-approve-cert-manager-io.yaml')).toBe(true);
      expect(argocd.has('applicationset-cert-manager.yaml')).toBe(true);
      const json = JSON.parse(readFileSync(join(out, 'hydrated/cert-manager/component.json'), 'utf8'));
      expect(json.chart.digest).toBe(CERT_MANAGER_CHART.pin.digest);

      const stamps = mtimes(out);
      const second = await run();
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain('unchanged in');
      expect(second.stdout).toContain('(charts: 0 rendered, 2 from cache)');
      expect(mtimes(out)).toEqual(stamps);
    },
    120_000,
  );
});
