/**
 * Item 7 of issue 13: Terraform reads every fact it shares with the cluster files from
 * dist/<env>/cluster.json, and a drift on either side fails here.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkContract, envRoots } from './contract';
import { APP_DIR, loadApp, modules, readJson, REPO_ROOT } from './hcl';

const scratch = mkdtempSync(join(tmpdir(), 'terraform-aws-contract-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the app and of the cluster files it reads, at the same relative place; `edit` changes it. */
function copy(name: string, edit: (root: string) => void): string {
  const root = join(scratch, name);
  cpSync(APP_DIR, join(root, 'apps/terraform-aws'), { recursive: true, filter: (src) => !src.includes('.terraform') });
  for (const env of readdirSync(join(REPO_ROOT, 'dist')))
    if (existsSync(join(REPO_ROOT, 'dist', env, 'cluster.json')))
      cpSync(join(REPO_ROOT, 'dist', env, 'cluster.json'), join(root, 'dist', env, 'cluster.json'));
  edit(root);
  return join(root, 'apps/terraform-aws');
}

function replaceIn(root: string, file: string, from: string, to: string): void {
  const path = join(root, 'apps/terraform-aws', file);
  const text = readFileSync(path, 'utf8');
  expect(text, `${file} contains ${from}`).toContain(from);
  writeFileSync(path, text.split(from).join(to));
}

describe('one source of truth: dist/<env>/cluster.json', () => {
  test('each environment root reads its own cluster file, which synth wrote', async () => {
    const roots = envRoots(await loadApp(), APP_DIR);
    // envs/*; other roots of the app (vault/, another stack's) are held to the same contract.
    const envs = roots.filter((r) => r.dir.startsWith('envs/'));
    expect(envs.map((r) => [r.dir, r.clusterFile])).toEqual([
      ['envs/dev', '../../dist/dev/cluster.json'],
      ['envs/dev/bootstrap', '../../dist/dev/cluster.json'],
      ['envs/prod', '../../dist/prod/cluster.json'],
      ['envs/prod/bootstrap', '../../dist/prod/cluster.json'],
    ]);
    for (const r of envs) expect(r.cluster, r.clusterFile).toMatchObject({ provider: 'eks', aws: expect.any(Object) });
    for (const r of roots) expect(r.cluster, `${r.dir}: ${r.clusterFile}`).toBeDefined();
  });

  test('every fact Terraform uses comes from the cluster file: no hard-coded duplicate, every read exists', async () => {
    expect(await checkContract()).toEqual([]);
  });

  test('the modules get the facts as one typed `cluster` object from the root', async () => {
    const files = await loadApp();
    const local = modules(files).filter((m) => m.type.startsWith('.') && m.dir.startsWith('envs/'));
    expect(local.length).toBeGreaterThanOrEqual(10);
    for (const m of local) expect(m.body.cluster, `${m.file}: module "${m.name}"`).toBe('${local.cluster}');
  });

  test('a hard-coded duplicate of a fact fails', async () => {
    const app = copy('hard-coded', (root) =>
      replaceIn(root, 'modules/platform-iam/buckets.tf', 'var.cluster.aws.loki.bucket', '"dev-platform-loki"'),
    );
    expect(await checkContract(app)).toContain(
      'modules/platform-iam/buckets.tf: hard-codes "dev-platform-loki" (aws.loki.bucket in dist/dev/cluster.json): read it from the cluster file',
    );
  });

  test('a fact re-derived from the cluster name fails', async () => {
    const app = copy('re-derived', (root) =>
      replaceIn(root, 'modules/platform-iam/kms.tf', 'var.cluster.aws.vault.kmsAlias', '"alias/${var.cluster.name}-vault-unseal"'),
    );
    const problems = await checkContract(app);
    expect(problems).toContain(
      'modules/platform-iam/kms.tf: re-derives "alias/dev-vault-unseal" (aws.vault.kmsAlias) from the cluster name: read it from the cluster file',
    );
  });

  test('a value that differs from the cluster file fails, whatever it is', async () => {
    const app = copy('drifted', (root) => replaceIn(root, 'modules/network/main.tf', 'var.cluster.aws.network.vpcCidr', '"10.1.0.0/16"'));
    expect(await checkContract(app)).toContain(
      'modules/network/main.tf: module "vpc" cidr = "${local.vpc_cidr}" does not come from the cluster file',
    );
  });

  test('a fact the TypeScript side renamed or dropped fails (the cluster file lacks what Terraform reads)', async () => {
    const app = copy('renamed', (root) => {
      const path = join(root, 'dist/prod/cluster.json');
      const cluster = readJson(path);
      cluster.aws.karpenter.queue = cluster.aws.karpenter.interruptionQueue;
      delete cluster.aws.karpenter.interruptionQueue;
      writeFileSync(path, JSON.stringify(cluster));
    });
    expect(await checkContract(app)).toContain(
      'modules/karpenter/main.tf: reads cluster.aws.karpenter.interruptionQueue, which dist/prod/cluster.json does not have',
    );
  });

  test('a root whose cluster file synth did not write fails', async () => {
    const app = copy('missing', (root) => rmSync(join(root, 'dist/prod/cluster.json')));
    expect(await checkContract(app)).toContain('envs/prod: reads ../../dist/prod/cluster.json, which does not exist (run npm run synth)');
  });
});

describe('the API endpoint host flows the other way', () => {
  test('envs/<env> outputs cluster_endpoint_host from the cluster, and dist/<env>/cluster.json records it (apiServer.host)', async () => {
    const files = await loadApp();
    for (const env of ['dev', 'prod']) {
      const output = files.filter((f) => f.dir === `envs/${env}`).flatMap((f) => f.json.output?.cluster_endpoint_host ?? []);
      expect(output, `envs/${env}`).toEqual([expect.objectContaining({ value: '${module.eks.cluster_endpoint_host}' })]);
      const host = readJson(join(REPO_ROOT, 'dist', env, 'cluster.json')).aws.apiServerHost;
      expect(host, `dist/${env}/cluster.json aws.apiServerHost`).toMatch(/^[A-Za-z0-9.-]+\.eks\.amazonaws\.com$/);
    }
    const eksOutput = files.find((f) => f.path === 'modules/eks/outputs.tf')!.json.output.cluster_endpoint_host[0];
    expect(eksOutput.value).toBe('${trimprefix(module.eks.cluster_endpoint, "https://")}');
  });

  test('the bootstrap refuses a cluster file whose apiServerHost is not the live endpoint', async () => {
    const files = await loadApp();
    const check = files.find((f) => f.path === 'modules/bootstrap/main.tf')!.json.resource.terraform_data.api_server_host[0];
    expect(check.lifecycle[0].precondition[0].condition).toBe(
      '${var.cluster.aws.apiServerHost == trimprefix(var.cluster_endpoint, "https://")}',
    );
  });
});
