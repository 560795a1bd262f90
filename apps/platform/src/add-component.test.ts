// The README's "Add a component" steps, followed once for a throw-away component in a copy of the
// repository: its own lib, its alias, the cluster file that composes it, and nothing else. Synth
// renders it (its namespace first, its ApplicationSet, its objects) and validate passes on the result.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const ROOT = resolve(__dirname, '../../..');
const SHARED = resolve(ROOT, '../shared');

const LIB: Record<string, string> = {
  'libs/hello/project.json': JSON.stringify(
    { name: 'hello', projectType: 'library', sourceRoot: 'libs/hello/src', tags: ['type:component'], targets: {} },
    null,
    2,
  ),
  'libs/hello/src/versions.ts': `import type { ComponentVersions } from '@platform/core';
/** The pinned image of the hello service. */
export const HELLO_IMAGE = 'registry.example.com/hello:1.0.0';
export const HELLO_VERSIONS: ComponentVersions = { valuesSchema: 'none' };
`,
  'libs/hello/src/hello.ts': `import { z } from 'zod';
import { Component, Namespace, Platform, SecureDeployment, addMonitor, parseComponentProps, replicasSchema, strictObject } from '@platform/core';
import { HELLO_IMAGE } from './versions';

const propsSchema = strictObject({
  /** @default - the cluster's availability.replicas */
  replicas: replicasSchema().optional(),
  /** @default 'hello' */
  greeting: z.string().optional(),
});
export type HelloProps = z.input<typeof propsSchema>;

/** A throw-away component: one secure Deployment and its Service. */
export class Hello extends Component {
  constructor(scope: Platform, id: string, props: HelloProps = {}) {
    const p = parseComponentProps(scope, id, propsSchema, props);
    super(scope, id, { namespace: Namespace.restricted('hello'), project: 'apps' });
    const replicas = p.replicas ?? scope.spec.availability.replicas;
    new SecureDeployment(this, 'hello', {
      name: 'hello',
      namespace: 'hello',
      image: HELLO_IMAGE,
      replicas,
      spread: scope.spec.availability.spread,
      resources: { cpu: { request: '10m', limit: '100m' }, memory: { request: '32Mi', limit: '64Mi' } },
      port: { name: 'http', containerPort: 8080 },
      liveness: { path: '/live', port: 8080 },
      readiness: { path: '/ready', port: 8080 },
      env: [{ name: 'GREETING', value: p.greeting ?? 'hello' }],
    });
    addMonitor(this, { name: 'hello', podLabels: { 'app.kubernetes.io/name': 'hello' }, port: { name: 'http', number: 8080 } });
  }
}
`,
  'libs/hello/src/index.ts': `export * from './hello';\nexport * from './versions';\n`,
};

const work = mkdtempSync(join(tmpdir(), 'add-component-'));
const repo = join(work, 'repo');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of what synth and validate read, with node_modules and ../shared linked. */
function copyRepository(): void {
  mkdirSync(repo);
  for (const entry of ['apps', 'libs', 'clusters', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.base.json']) {
    cpSync(join(ROOT, entry), join(repo, entry), { recursive: true, filter: (src) => !src.includes('/.cache') });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'));
  if (existsSync(SHARED)) symlinkSync(SHARED, join(work, 'shared'));
}

const run = (bin: string, args: string[]) =>
  spawnSync(process.execPath, [join(repo, 'apps/platform/bin', bin), ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });

describe.skipIf(!existsSync(SHARED))('adding a component touches its lib, its alias and the cluster file only', () => {
  test('the README steps, followed for a throw-away component, synthesize and validate', () => {
    copyRepository();
    // 1. Its own lib.
    for (const [path, text] of Object.entries(LIB)) {
      mkdirSync(join(repo, path, '..'), { recursive: true });
      writeFileSync(join(repo, path), text);
    }
    // 2. Its alias.
    const tsconfig = JSON.parse(readFileSync(join(repo, 'tsconfig.base.json'), 'utf8'));
    tsconfig.compilerOptions.paths['@platform/hello'] = ['./libs/hello/src/index.ts'];
    writeFileSync(join(repo, 'tsconfig.base.json'), JSON.stringify(tsconfig, null, 2));
    // 3. The cluster file that composes it.
    const dev = join(repo, 'clusters/dev.ts');
    writeFileSync(
      dev,
      readFileSync(dev, 'utf8')
        .replace(
          "import { defineCluster } from '@platform/core';",
          "import { defineCluster } from '@platform/core';\nimport { Hello } from '@platform/hello';",
        )
        .replace('(platform) => {', "(platform) => {\n    new Hello(platform, 'hello', { replicas: 2 });"),
    );
    // 4. Synth, then validate what it wrote.
    // The copy's own dist/ (component.json paths are relative to the repository root).
    const out = join(repo, 'dist');
    const synth = run('synth.mjs', []);
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    const component = JSON.parse(readFileSync(join(out, 'dev/hello/component.json'), 'utf8'));
    // Like every component but the bootstrap, it waits for the CNI.
    expect(component).toMatchObject({ name: 'hello', namespace: 'hello', project: 'apps', dependsOn: ['cilium', 'namespaces'] });
    expect(existsSync(join(out, 'dev/hello/manifests/deployment-hello.yaml'))).toBe(true);
    expect(existsSync(join(out, 'dev/hello/manifests/poddisruptionbudget-hello.yaml'))).toBe(true);
    expect(existsSync(join(out, 'dev/argocd/manifests/applicationset-hello.yaml'))).toBe(true);
    expect(readFileSync(join(out, 'dev/namespaces/manifests/namespace-hello.yaml'), 'utf8')).toContain(
      'pod-security.kubernetes.io/enforce: restricted',
    );
    // No monitoring component in dev: the monitor renders nothing.
    expect(existsSync(join(out, 'dev/hello/manifests/podmonitor-hello.yaml'))).toBe(false);
    const validate = run('validate.mjs', ['--root', repo, '--cluster', 'dev']);
    const components = readdirSync(join(out, 'dev')).filter((d) => existsSync(join(out, 'dev', d, 'component.json'))).length;
    expect(validate.stdout).toMatch(new RegExp(`cluster dev: ${components} components, \\d+ objects: 0 errors, 0 warnings`));
    expect(validate.status).toBe(0);
  });
});
