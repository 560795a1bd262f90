/**
 * Pinned chart sources: the tree digest reproduces ../shared/charts/SOURCES.md; locateChart takes
 * the flag, then PLATFORM_CHARTS_DIR, then ../shared/charts, then the cache, and checks the digest
 * wherever the chart comes from. The download path runs end to end against loopback servers: a
 * GitHub-like tarball made by `git archive` (pax header, symlinks to a file and to a folder outside
 * the chart), a dependency packaged like `helm package` does (GNU long name), the same package from
 * a fake OCI registry, tampered variants that must fail; then helm renders what was downloaded.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChartSourceError, chartTreeDigest, locateChart, type ChartPin } from './charts.mjs';
import { helmBinary } from './helm.mjs';
import { closedPort, startMirror, type MirrorServer } from './mirror-server';
import { sha256 } from './pinned-files.mjs';

const ROOT = resolve('.');
const SHARED_CHARTS = resolve(ROOT, '../shared/charts');
const FIXTURES = resolve('scripts/__fixtures__/charts');
const LINUX_X64 = process.platform === 'linux' && process.arch === 'x64';
/** One path component longer than ustar's 100-byte name field: pax `path` (git) or GNU `L` (package). */
const LONG_NAME = `${'a-template-with-a-very-long-name-'.repeat(4)}.yaml`;
const LONG_TEMPLATE = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: '{{ .Release.Name }}-long'\n";

const temps: string[] = [];
afterEach(() => temps.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function temp(prefix = 'platform-charts-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Every file under `dir` with its content, by relative path. */
function readTree(dir: string): Record<string, string> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return Object.fromEntries(
    files.map((f) => [relative(dir, join(f.parentPath, f.name)), readFileSync(join(f.parentPath, f.name), 'utf8')]).sort(),
  );
}

describe('chartTreeDigest', () => {
  const available = existsSync(join(SHARED_CHARTS, 'SOURCES.md'));
  const row = (dir: string) =>
    readFileSync(join(SHARED_CHARTS, 'SOURCES.md'), 'utf8').match(new RegExp(`^\\| ${dir} \\|.*\\| ([0-9a-f]{16}) \\|$`, 'm'))?.[1];
  const title = `reproduces the digest column of ../shared/charts/SOURCES.md${available ? '' : ' (skipped: ../shared/charts not found)'}`;

  it.skipIf(!available)(title, () => {
    expect(chartTreeDigest(SHARED_CHARTS, 'argo-cd-10.1.1')).toBe('61fa5f8de3784d32dc58ab4eee4adab5801047f48e9b0db9c213001f0c86d207');
    expect(chartTreeDigest(SHARED_CHARTS, 'cert-manager-v1.21.1')).toBe('86b67034727f7903f0e2d453f7d5360d2655ed8c9bbc4e84f54c29875638257d');
    for (const dir of ['argo-cd-10.1.1', 'cert-manager-v1.21.1', 'karpenter-1.14.1', 'vault-0.34.1'])
      expect(chartTreeDigest(SHARED_CHARTS, dir).slice(0, 16), dir).toBe(row(dir));
  });

  it('is printed by `node scripts/charts.mjs digest <chartsDir> <dir>`', () => {
    const printed = execFileSync(process.execPath, ['scripts/charts.mjs', 'digest', FIXTURES, 'sub'], { encoding: 'utf8' });
    expect(printed).toBe(`${chartTreeDigest(FIXTURES, 'sub')}\n`);
  });
});

/** The demo chart as a GitHub repository holds it, the same chart unpacked as pinned, and its pin. */
function stage() {
  const work = temp();
  const repo = join(work, 'repo');
  cpSync(join(FIXTURES, 'repo'), repo, { recursive: true });
  const chart = join(repo, 'charts/demo');
  mkdirSync(join(chart, 'files'));
  symlinkSync('../../../shared/config.txt', join(chart, 'files/config.txt'));
  symlinkSync('../../../shared', join(chart, 'files/shared'));
  writeFileSync(join(chart, 'templates', LONG_NAME), LONG_TEMPLATE);
  const sub = join(work, 'sub');
  cpSync(join(FIXTURES, 'sub'), sub, { recursive: true });
  writeFileSync(join(sub, 'templates', LONG_NAME), LONG_TEMPLATE.replace('-long', '-sub-long'));

  const expected = join(work, 'expected');
  cpSync(chart, join(expected, 'demo-0.1.0'), { recursive: true, dereference: true });
  cpSync(sub, join(expected, 'demo-0.1.0/charts/sub'), { recursive: true });
  return { work, repo, sub, expected, digest: chartTreeDigest(expected, 'demo-0.1.0') };
}

/**
 * `git archive` of the folder as codeload.github.com serves it: the commit id and the .tar.gz, whose
 * top folder is `demo-<commit>/` (or `demo-<as>/`, to pass a changed tree off as that commit).
 */
function githubTarball(repo: string, as?: string): { commit: string; tarball: Buffer } {
  const env = {
    PATH: process.env.PATH,
    HOME: repo,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env, maxBuffer: 1 << 26 });
  git('init', '-q');
  git('add', '.');
  const commit = git('commit-tree', git('write-tree').toString().trim(), '-m', 'fixture').toString().trim();
  return { commit, tarball: git('archive', '--format=tar.gz', `--prefix=demo-${as ?? commit}/`, commit) };
}

/** A .tgz like `helm package` makes: one top folder named like the chart; long names as GNU `L` entries. */
function helmPackage(dir: string, name: string): Buffer {
  const header = (path: string, type: string, size: number) => {
    const block = Buffer.alloc(512); // zero-filled: every field ends with NUL
    const fields: [number, string][] = [
      [0, path],
      [100, '0000644'],
      [108, '0000000'],
      [116, '0000000'],
      [124, size.toString(8).padStart(11, '0')],
      [136, '00000000000'],
      [148, ' '.repeat(8)], // the checksum counts its own field as spaces
      [156, type],
      [257, 'ustar'],
      [263, '00'],
    ];
    for (const [at, value] of fields) block.write(value, at);
    block.write(
      `${block
        .reduce((sum, byte) => sum + byte, 0)
        .toString(8)
        .padStart(6, '0')}\x00`,
      148,
    );
    return block;
  };
  const padded = (data: Buffer) => Buffer.concat([data, Buffer.alloc(-data.length & 511)]);
  const blocks = Object.entries(readTree(dir)).flatMap(([path, text]) => {
    const [full, data] = [`${name}/${path}`, Buffer.from(text)];
    const longName = Buffer.from(`${full}\0`);
    return [
      ...(longName.length > 100 ? [header('././@LongLink', 'L', longName.length), padded(longName)] : []),
      header(full.slice(0, 100), '0', data.length),
      padded(data),
    ];
  });
  return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
}

describe('locateChart: where the chart comes from', () => {
  /** A root beside a `shared/charts`, a flag folder and an env folder; each holds the demo chart. */
  function layout() {
    const { expected, digest } = stage();
    const base = temp();
    const root = join(base, 'main');
    for (const dir of ['shared/charts', 'flag', 'env', 'main/.cache/charts']) cpSync(expected, join(base, dir), { recursive: true });
    const pin: ChartPin = {
      name: 'demo',
      version: '0.1.0',
      dir: 'demo-0.1.0',
      digest,
      source: { type: 'git', repo: 'x/demo', commit: '0'.repeat(40), path: 'charts/demo' },
    };
    return { base, root, pin };
  }

  it('takes the flag, then PLATFORM_CHARTS_DIR, then ../shared/charts, then the cache', async () => {
    const { base, root, pin } = layout();
    const env = { PLATFORM_CHARTS_DIR: join(base, 'env') };
    expect(await locateChart(pin, { root, chartsDir: '../flag', env })).toEqual({
      dir: join(base, 'flag/demo-0.1.0'),
      origin: '--charts-dir',
    });
    expect(await locateChart(pin, { root, env })).toEqual({ dir: join(base, 'env/demo-0.1.0'), origin: 'PLATFORM_CHARTS_DIR' });
    expect(await locateChart(pin, { root, env: {} })).toEqual({ dir: join(base, 'shared/charts/demo-0.1.0'), origin: 'default' });
    rmSync(join(base, 'shared/charts/demo-0.1.0'), { recursive: true });
    expect(await locateChart(pin, { root, env: {} })).toEqual({ dir: join(root, '.cache/charts/demo-0.1.0'), origin: 'cache' });
  });

  it('fails when a given charts directory lacks the chart, naming it', async () => {
    const { base, root, pin } = layout();
    rmSync(join(base, 'env/demo-0.1.0'), { recursive: true });
    await expect(locateChart(pin, { root, env: { PLATFORM_CHARTS_DIR: join(base, 'env') } })).rejects.toThrow(
      `demo-0.1.0: not found in ${join(base, 'env')} (from PLATFORM_CHARTS_DIR). Point PLATFORM_CHARTS_DIR at a charts directory holding demo-0.1.0/`,
    );
    await expect(locateChart(pin, { root, chartsDir: join(base, 'nothing') })).rejects.toThrow(
      `not found in ${join(base, 'nothing')} (from --charts-dir)`,
    );
  });

  it('fails on a digest mismatch, naming the directory, both digests and the fixes', async () => {
    const { base, root, pin } = layout();
    const chart = join(base, 'flag/demo-0.1.0');
    expect((await locateChart(pin, { root, chartsDir: join(base, 'flag') })).dir).toBe(chart);
    writeFileSync(join(chart, 'values.yaml'), 'greeting: changed\n');
    const failure = locateChart(pin, { root, chartsDir: join(base, 'flag') });
    await expect(failure).rejects.toBeInstanceOf(ChartSourceError);
    await expect(failure).rejects.toThrow(
      `demo-0.1.0: tree digest mismatch in ${chart} (--charts-dir): expected ${pin.digest}, got ${chartTreeDigest(join(base, 'flag'), 'demo-0.1.0')}. ` +
        `Restore it from its source (x/demo@${'0'.repeat(40)}:charts/demo) or use another charts directory; or, if the change is on purpose, ` +
        `bump the pin (\`node scripts/charts.mjs digest ${join(base, 'flag')} demo-0.1.0\` prints the digest).`,
    );
    writeFileSync(join(base, 'main/.cache/charts/demo-0.1.0/Chart.yaml'), 'name: other\n');
    rmSync(join(base, 'shared'), { recursive: true });
    await expect(locateChart(pin, { root, env: {} })).rejects.toThrow(
      /\(cache\): expected .*Delete .*\.cache\/charts\/demo-0\.1\.0 to download it again/,
    );
  });

  it('remembers a verified tree by its listing (paths, sizes, mtimes): a second check reads no file', async () => {
    const { base, root, pin } = layout();
    const values = join(base, 'flag/demo-0.1.0/values.yaml');
    utimesSync(values, 1_000_000, 1_000_000);
    await locateChart(pin, { root, chartsDir: '../flag' });
    expect(readdirSync(join(root, 'node_modules/.cache/platform/charts-verified'))).toHaveLength(1);
    // Other bytes behind the same listing go unnoticed: the stamp is trusted, the file is not read...
    writeFileSync(values, 'greeting: HOLA!\n');
    utimesSync(values, 1_000_000, 1_000_000);
    expect((await locateChart(pin, { root, chartsDir: '../flag' })).origin).toBe('--charts-dir');
    // ...and any change of the listing makes the check hash the files again.
    utimesSync(values, 2_000_000, 2_000_000);
    await expect(locateChart(pin, { root, chartsDir: '../flag' })).rejects.toThrow('tree digest mismatch');
  });
});

describe('locateChart: downloads', () => {
  let mirror: MirrorServer;
  let served: string;
  beforeAll(async () => {
    served = mkdtempSync(join(tmpdir(), 'platform-charts-served-'));
    mirror = await startMirror(served);
  });
  afterAll(async () => {
    await mirror.close();
    rmSync(served, { recursive: true, force: true });
  });
  afterEach(() => {
    mirror.requests.length = 0;
    mirror.tampered.clear();
  });

  /** Serves the staged chart at `/<repo>/tar.gz/<commit>` and its dependency at `/packages/sub-0.1.0.tgz`. */
  function serve() {
    const staged = stage();
    const { commit, tarball } = githubTarball(staged.repo);
    const repo = `fixture/demo-${commit.slice(0, 8)}`;
    const tarballPath = `${repo}/tar.gz/${commit}`;
    mkdirSync(join(served, repo, 'tar.gz'), { recursive: true });
    writeFileSync(join(served, tarballPath), tarball);
    const subPackage = helmPackage(staged.sub, 'sub');
    const subUrl = `${mirror.baseUrl}/packages/sub-0.1.0.tgz`;
    mkdirSync(join(served, 'packages'), { recursive: true });
    writeFileSync(join(served, 'packages/sub-0.1.0.tgz'), subPackage);
    const pin: ChartPin = {
      name: 'demo',
      version: '0.1.0',
      dir: 'demo-0.1.0',
      digest: staged.digest,
      source: { type: 'git', repo, commit, path: 'charts/demo' },
      dependencies: [{ name: 'sub', dir: 'charts/sub', source: { type: 'package', url: subUrl, sha256: sha256(subPackage) } }],
    };
    return { ...staged, pin, commit, tarball, tarballPath, tarballUrl: `${mirror.baseUrl}/${tarballPath}`, subPackage, subUrl };
  }

  it('downloads a git tree and a packaged dependency, checks and caches the tree, and helm renders it', async () => {
    const { expected, pin, commit, tarball, tarballUrl, subPackage, subUrl } = serve();
    // The archives use what is under test: a pax `path` record (git) and a GNU long name (package).
    expect(gunzipSync(tarball).includes(`path=demo-${commit}/charts/demo/templates/${LONG_NAME}\n`)).toBe(true);
    expect(gunzipSync(subPackage).includes('././@LongLink')).toBe(true);
    const root = temp();
    const started: string[] = [];
    const options = { root, env: {}, baseUrl: mirror.baseUrl, onDownload: (url: string) => started.push(url) };
    const located = await locateChart(pin, options);
    expect(located).toEqual({ dir: join(root, '.cache/charts/demo-0.1.0'), origin: 'download' });
    const tree = readTree(located.dir);
    expect(tree).toEqual(readTree(join(expected, 'demo-0.1.0')));
    expect(Object.keys(tree)).toEqual(
      expect.arrayContaining([
        'files/config.txt',
        'files/shared/config.txt',
        `templates/${LONG_NAME}`,
        `charts/sub/templates/${LONG_NAME}`,
      ]),
    );
    expect(started).toEqual([tarballUrl, subUrl]);
    expect(readdirSync(join(root, '.cache/charts'))).toEqual(['demo-0.1.0']); // no work folder left
    // The next run reads the cache.
    mirror.requests.length = 0;
    expect(await locateChart(pin, options)).toEqual({ dir: located.dir, origin: 'cache' });
    expect(mirror.requests).toEqual([]);

    if (!LINUX_X64) return;
    const rendered = execFileSync(helmBinary(ROOT), ['template', 'test', located.dir], { encoding: 'utf8' });
    expect(rendered).toContain("config: 'from a symlinked file'");
    expect(rendered).toContain("linked-dir: 'from a symlinked file'");
    expect(rendered).toMatch(/name: 'test-sub'\n/);
    expect(rendered).toMatch(/name: 'test-long'\n/);
    expect(rendered).toMatch(/name: 'test-sub-long'\n/);
  });

  it('fails on a git tree that is not the pinned one, or a corrupt archive, and caches nothing', async () => {
    const { pin, repo, commit, tarballPath, tarballUrl, subUrl } = serve();
    writeFileSync(join(repo, 'charts/demo/values.yaml'), 'greeting: tampered\n');
    writeFileSync(join(served, tarballPath), githubTarball(repo, commit).tarball);
    const root = temp();
    const failure = locateChart(pin, { root, env: {}, baseUrl: mirror.baseUrl });
    await expect(failure).rejects.toBeInstanceOf(ChartSourceError);
    await expect(failure).rejects.toThrow(
      `demo-0.1.0: tree digest mismatch in the download from ${tarballUrl}, ${subUrl}: expected ${pin.digest}, got `,
    );
    await expect(failure).rejects.toThrow(/nothing was cached\.$/);
    mirror.tampered.add(tarballPath);
    await expect(locateChart(pin, { root, env: {}, baseUrl: mirror.baseUrl })).rejects.toThrow(
      `demo-0.1.0: cannot unpack ${tarballUrl}: incorrect header check`,
    );
    expect(readdirSync(join(root, '.cache/charts'))).toEqual([]);
  });

  it('fails on a package whose sha256 is not the pinned one, and caches nothing', async () => {
    const { pin, subPackage, subUrl } = serve();
    mirror.tampered.add('packages/sub-0.1.0.tgz');
    const root = temp();
    const failure = locateChart(pin, { root, env: {}, baseUrl: mirror.baseUrl });
    await expect(failure).rejects.toBeInstanceOf(ChartSourceError);
    await expect(failure).rejects.toThrow(
      `demo-0.1.0: sha256 mismatch in the download from ${subUrl}: expected ${sha256(subPackage)}, got `,
    );
    expect(readdirSync(join(root, '.cache/charts'))).toEqual([]);
  });

  it('fails on an HTTP error and on an unreachable server, naming the URL', async () => {
    const { pin } = serve();
    const missing: ChartPin = { ...pin, source: { type: 'git', repo: 'fixture/none', commit: 'f'.repeat(40), path: '' } };
    await expect(locateChart(missing, { root: temp(), env: {}, baseUrl: mirror.baseUrl })).rejects.toThrow(
      `demo-0.1.0: cannot download ${mirror.baseUrl}/fixture/none/tar.gz/${'f'.repeat(40)} (HTTP 404 Not Found). Fix PLATFORM_CHARTS_BASE_URL (${mirror.baseUrl}), ` +
        'or point --charts-dir or PLATFORM_CHARTS_DIR at a charts directory holding demo-0.1.0/.',
    );
    const closed = `http://127.0.0.1:${await closedPort()}`;
    await expect(locateChart(pin, { root: temp(), env: { PLATFORM_CHARTS_BASE_URL: closed } })).rejects.toThrow(
      new RegExp(`cannot download ${closed}/\\S+ \\(ECONNREFUSED\\)`),
    );
  });

  it.skipIf(!LINUX_X64)('pulls an oci:// dependency with helm, checked by its sha256', async () => {
    const { pin, expected, subPackage } = serve();
    const registry = await startRegistry('charts/sub', '0.1.0', subPackage);
    try {
      const url = `oci://${registry.host}/charts/sub`;
      const withSub = (sha: string): ChartPin => ({
        ...pin,
        dependencies: [{ name: 'sub', dir: 'charts/sub', version: '0.1.0', source: { type: 'package', url, sha256: sha } }],
      });
      // The temporary root has no node_modules: helm comes from PLATFORM_HELM.
      const options = { env: { PLATFORM_HELM: helmBinary(ROOT) }, baseUrl: mirror.baseUrl };
      const located = await locateChart(withSub(sha256(subPackage)), { root: temp(), ...options });
      expect(readTree(located.dir)).toEqual(readTree(join(expected, 'demo-0.1.0')));
      expect(registry.requests).toContain('GET /v2/charts/sub/manifests/0.1.0');
      await expect(locateChart(withSub('0'.repeat(64)), { root: temp(), ...options })).rejects.toThrow(
        `demo-0.1.0: sha256 mismatch in the download from ${url}: expected ${'0'.repeat(64)}, got ${sha256(subPackage)}.`,
      );
    } finally {
      await registry.close();
    }
  });
});

/** A fake OCI registry on loopback serving one helm chart (manifest, config and content blobs). */
async function startRegistry(repository: string, tag: string, chart: Buffer) {
  const digest = (data: Buffer) => `sha256:${sha256(data)}`;
  const config = Buffer.from(JSON.stringify({ apiVersion: 'v2', name: repository.split('/').pop(), version: tag }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: digest(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: digest(chart), size: chart.length }],
    }),
  );
  const paths = new Map<string, [Buffer, string]>([
    ['/v2/', [Buffer.from('{}'), 'application/json']],
    [`/v2/${repository}/manifests/${tag}`, [manifest, 'application/vnd.oci.image.manifest.v1+json']],
    [`/v2/${repository}/manifests/${digest(manifest)}`, [manifest, 'application/vnd.oci.image.manifest.v1+json']],
    [`/v2/${repository}/blobs/${digest(config)}`, [config, 'application/octet-stream']],
    [`/v2/${repository}/blobs/${digest(chart)}`, [chart, 'application/octet-stream']],
  ]);
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const found = paths.get(request.url ?? '');
    if (!found) return void response.writeHead(404).end();
    const [body, type] = found;
    response.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Docker-Content-Digest': digest(body) });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
