#!/usr/bin/env node
// terraform fmt -check over apps/terraform-aws (every module, root and the vault/ root if present).
// Skipped, with a message, only where terraform is not installed: it is not an npm or apt package.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null', TF_IN_AUTOMATION: '1' };
const version = spawnSync('terraform', ['version'], { env, encoding: 'utf8' });
if (version.error) {
  console.log('terraform-aws:fmt skipped: terraform is not on PATH (install Terraform >= 1.11 to check formatting).');
  process.exit(0);
}
const run = spawnSync('terraform', ['fmt', '-check', '-diff', '-recursive', app], { env, stdio: 'inherit' });
if (run.status !== 0) console.error('terraform-aws:fmt: run `terraform fmt -recursive apps/terraform-aws` and commit the result.');
process.exit(run.status ?? 1);
