/**
 * The Vault root modules (apps/terraform-aws/vault, ADR 0007) against what synth renders into
 * dist/<cluster>/vault/config: every field a resource reads exists in the rendered files, every
 * rendered field is applied, each root reads its own cluster's folder with the provider pinned.
 * terraform init/validate need the registry (not reachable here): the files are read with an HCL parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, test } from 'vitest';
import { auditJson, authJson, mountsJson, roleJson } from '@platform/vault';

const DIR = __dirname;
const ENVS = ['local', 'dev', 'prod'] as const;

type Json = any;
const parsed = new Map<string, Json[]>();

async function load(dir: string): Promise<Json[]> {
  const files = readdirSync(join(DIR, dir)).filter((f) => f.endsWith('.tf'));
  return Promise.all(files.map(async (f) => parse(f, readFileSync(join(DIR, dir, f), 'utf8'))));
}

beforeAll(async () => {
  for (const dir of ['module', ...ENVS.map((e) => `envs/${e}`)]) parsed.set(dir, await load(dir));
});

/** `each.value.<path>` references anywhere in a resource body. */
function fieldsRead(body: Json): string[] {
  const text = JSON.stringify(body);
  return [...new Set([...text.matchAll(/each\.value\.([a-z_]+(?:\.[a-z_]+)*)/g)].map((m) => m[1]))].sort();
}

const has = (value: Json, path: string) => path.split('.').reduce((v, k) => (v && k in v ? v[k] : undefined), value) !== undefined;

function resource(type: string): Json {
  const found = parsed.get('module')!.flatMap((f) => f.resource?.[type]?.this ?? f.resource?.[type]?.consumer ?? []);
  expect(found, type).toHaveLength(1);
  return found[0];
}

const role = roleJson(
  { role: 'web-web', namespace: 'web', serviceAccount: 'web', component: 'web', paths: new Map([['web/a', ['read']]]) },
  'vault',
);

describe('the module applies exactly what synth renders', () => {
  const cases: [string, object][] = [
    ['vault_mount', Object.values(mountsJson())[0]],
    ['vault_auth_backend', Object.values(authJson())[0]],
    ['vault_kubernetes_auth_backend_config', Object.values(authJson())[0]],
    ['vault_audit', Object.values(auditJson())[0]],
    ['vault_kubernetes_auth_backend_role', role],
  ];
  for (const [type, rendered] of cases)
    test(`${type}: every field it reads is rendered`, () => {
      const read = fieldsRead(resource(type));
      expect(read.length, type).toBeGreaterThan(0);
      for (const field of read) expect(has(rendered, field), `${type} reads ${field}`).toBe(true);
    });

  test('every field of a role file is applied (none silently ignored)', () => {
    expect(fieldsRead(resource('vault_kubernetes_auth_backend_role'))).toEqual(Object.keys(role).sort());
  });

  test('the KV mount cannot be destroyed by a plan; roles are checked before they are written', () => {
    expect(resource('vault_mount').lifecycle[0].prevent_destroy).toBe(true);
    expect(JSON.stringify(resource('vault_kubernetes_auth_backend_role').lifecycle[0].precondition)).toContain('strcontains(n, \\"*\\")');
  });
});

describe('the roots', () => {
  for (const env of ENVS)
    test(`${env}: the vault provider pinned exactly, dist/${env}/vault/config, the token only from the environment`, () => {
      const files = parsed.get(`envs/${env}`)!;
      const terraform = files.flatMap((f) => f.terraform ?? []);
      const providers = Object.assign({}, ...terraform.flatMap((t: Json) => t.required_providers ?? []));
      expect(providers).toEqual({ vault: { source: 'hashicorp/vault', version: expect.stringMatching(/^\d+\.\d+\.\d+$/) } });
      const backend = terraform.flatMap((t: Json) => t.backend?.s3 ?? []);
      if (env === 'local') expect(backend).toEqual([]);
      else expect(backend).toEqual([{ key: `platform/${env}/vault-config.tfstate`, encrypt: true, use_lockfile: true }]);
      const mod = files.flatMap((f) => f.module?.config ?? []);
      expect(mod).toEqual([
        {
          source: '../../module',
          cluster: '${local.cluster}',
          config_dir: '${path.module}/../../../../../dist/${local.cluster.name}/vault/config',
        },
      ]);
      const locals = Object.assign({}, ...files.flatMap((f) => f.locals ?? []));
      expect(locals.cluster).toBe(`\${jsondecode(file("\${path.module}/../../../../../dist/${env}/cluster.json"))}`);
      expect(resolve(DIR, 'envs', env, '../../../../../dist', env)).toBe(resolve(DIR, '../../../dist', env));
      const provider = files.flatMap((f) => f.provider?.vault ?? []);
      expect(provider).toHaveLength(1);
      expect(Object.keys(provider[0]).sort()).toEqual(['address', 'ca_cert_file']);
    });
});
