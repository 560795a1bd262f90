import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { certificate, chartSchemaLocation, crdLocation, deployment, edit, makeDist, service, type Fixture } from './__fixtures__/dist';
import { main, parseArgs } from './cli';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void (stdout += `${args.join(' ')}\n`));
  const error = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void (stderr += `${args.join(' ')}\n`));
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    write.mockRestore();
    log.mockRestore();
    error.mockRestore();
  }
}

let fixture: Fixture;
let common: string[];

beforeAll(() => {
  const typo = edit(deployment(), (d) => {
    d.spec.replica = 2;
    delete d.spec.replicas;
  });
  const badCertificate = edit(certificate(), (c) => (c.spec.secretNam = 'x'));
  const { template } = edit(deployment(), (d) => {
    d.spec.template.spec.restartPolicy = 'Never';
    d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
  }).spec as { template: unknown };
  const hookJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: 'web-migrate',
      namespace: 'apps',
      annotations: {
        'helm.sh/hook': 'pre-upgrade',
        'policy.platform/exempt-read-only-root-filesystem': 'the upstream migration writes to /var/lib/web',
      },
    },
    spec: { template },
  };
  fixture = makeDist({
    dev: [
      {
        name: 'web',
        manifests: { 'deployment-web.yaml': typo, 'service-web.yaml': service(), 'certificate-web-tls.yaml': badCertificate },
      },
    ],
    prod: [
      {
        name: 'web',
        manifests: {
          'deployment-web.yaml': deployment(),
          'service-web.yaml': { ...service(), kind: 'Servise' },
          'job-web-migrate.yaml': hookJob,
        },
      },
    ],
  });
  common = ['--root', fixture.root, '--crds-dir', crdLocation().dir ?? '', '--schemas-dir', chartSchemaLocation().dir ?? ''];
});

afterAll(() => fixture.cleanup());

describe('validate CLI', () => {
  it('prints a report per cluster, grouped by file, with paths, hints and the summary line; exits 1', async () => {
    const { code, stdout } = await run(common);
    expect(code).toBe(1);
    expect(stdout).toContain('cluster dev: 1 components, 3 objects');
    expect(stdout).toContain('\n  schemas: Kubernetes 1.30 (floor) and 1.33 (declared in dist/dev/cluster.json)\n');
    expect(stdout).toContain(
      'schemas: Kubernetes 1.30 schemas from kubernetes-types 1.30.0; Kubernetes 1.33 schemas from kubernetes-models 4.5.1;',
    );
    expect(stdout).toMatch(
      /\n {2}dist\/dev\/web\/manifests\/deployment-web\.yaml\n {4}error {3}schema\/unknown-field {2}Deployment\/apps\/web spec\.replica\n {12}unknown field "replica" in spec; allowed fields: .*\n {12}hint: did you mean "replicas"\?\n/,
    );
    expect(stdout).toContain('schema/unknown-field  Certificate/apps/web-tls spec.secretNam');
    expect(stdout).toContain('cluster prod: 1 components, 3 objects');
    expect(stdout).toMatch(/\n {2}policies: 1 workloads checked \(Deployment 1\): 0 errors, 0 warnings, 0 exemptions\n/);
    expect(stdout).toMatch(
      /\n {2}policies: 2 workloads checked \(Deployment 1, Job 1; 1 Helm hook\): 2 errors, 0 warnings, 1 exemptions\n/,
    );
    expect(stdout).toContain(
      '  exemptions (1):\n    Job/apps/web-migrate: read-only-root-filesystem: the upstream migration writes to /var/lib/web  (dist/prod/web/manifests/job-web-migrate.yaml)\n',
    );
    expect(stdout).toContain('schema/unknown-kind  Servise/apps/web kind');
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^validate: \d+ errors, \d+ warnings, \d+ exemptions in 2 clusters$/);
  });

  it('prints one JSON document with --json, the same on every run', async () => {
    const first = await run([...common, '--json']);
    const second = await run([...common, '--json']);
    expect(first.code).toBe(1);
    expect(second.stdout).toBe(first.stdout);
    const document = JSON.parse(first.stdout);
    expect(Object.keys(document.clusters)).toEqual(['dev', 'prod']);
    expect(document.clusters.dev).toMatchObject({ components: 1, objects: 3 });
    expect(document.clusters.dev.kubernetes).toEqual({ checked: ['1.30', '1.33'], declared: '1.33', source: 'dist/dev/cluster.json' });
    expect(document.schemaSources).toMatchObject({
      'Kubernetes 1.30 schemas': 'kubernetes-types 1.30.0',
      'Kubernetes 1.33 schemas': 'kubernetes-models 4.5.1',
    });
    expect(document.clusters.prod).toMatchObject({
      workloads: { total: 2, byKind: { Deployment: 1, Job: 1 }, helmHooks: 1 },
      policies: { errors: 2, warnings: 0 },
      exemptions: 1,
    });
    expect(document.exemptions).toEqual([
      {
        cluster: 'prod',
        file: 'dist/prod/web/manifests/job-web-migrate.yaml',
        object: 'Job/apps/web-migrate',
        policy: 'read-only-root-filesystem',
        reason: 'the upstream migration writes to /var/lib/web',
        on: 'object',
        path: 'metadata.annotations["policy.platform/exempt-read-only-root-filesystem"]',
      },
    ]);
    expect(document.summary).toMatchObject({ clusters: 2 });
    expect(document.summary.errors).toBe(document.findings.filter((f: { severity: string }) => f.severity === 'error').length);
    const schema = document.findings
      .filter((f: { check: string }) => f.check === 'schema')
      .map((f: { cluster: string; rule: string; path: string }) => [f.cluster, f.rule, f.path]);
    expect(schema).toEqual([
      ['dev', 'unknown-field', 'spec.secretNam'],
      ['dev', 'unknown-field', 'spec.replica'],
      ['prod', 'unknown-kind', 'kind'],
    ]);
  });

  it('checks only the clusters given with --cluster', async () => {
    const { stdout } = await run([...common, '--json', '--cluster', 'prod']);
    const document = JSON.parse(stdout);
    expect(Object.keys(document.clusters)).toEqual(['prod']);
    expect(document.findings.every((f: { cluster?: string }) => f.cluster === undefined || f.cluster === 'prod')).toBe(true);
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--dist'], "Option '--dist <value>' argument missing"],
    [['--dist='], "Option '--dist <value>' argument is empty"],
    [['--cluster', '--json'], "Option '--cluster' argument is ambiguous"],
    [['--json=yes'], "Option '--json' does not take an argument"],
    [['dist'], "Unexpected argument 'dist'"],
  ])('exits 2 on usage error %j, the message and the usage on stderr', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr.startsWith(`validate: ${message}`), stderr).toBe(true);
    expect(stderr).toContain('usage: validate');
    expect(stdout).toBe('');
  });

  it('exits 2 for a cluster that does not exist, listing the clusters', async () => {
    const { code, stderr } = await run([...common, '--cluster', 'staging']);
    expect(code).toBe(2);
    expect(stderr).toContain('no cluster staging in');
    expect(stderr).toContain('clusters: dev, prod');
  });

  it('prints usage with --help and finds the repository root by itself', async () => {
    for (const help of ['--help', '-h']) {
      const { code, stdout, stderr } = await run([help]);
      expect([code, stderr]).toEqual([0, '']);
      expect(stdout).toMatch(/^usage: validate \[--dist <dir>\]/);
    }
    expect(parseArgs(['--cluster', 'dev', '--cluster=prod', '--json', '--dist', 'out'])).toMatchObject({
      clusters: ['dev', 'prod'],
      json: true,
      dist: resolve('out'),
    });
    const options = parseArgs([]);
    expect(options !== 'help' && options.root).toMatch(/\/?[^/]+$/);
    expect(options !== 'help' && options.dist).toBeUndefined();
  });
});
