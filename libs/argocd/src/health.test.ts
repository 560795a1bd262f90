/**
 * APPLICATIONSET_HEALTH_LUA run in a real Lua 5.1 interpreter (scripts/lua.mjs: lua5.1 on PATH, or
 * Debian's package unpacked into .cache/tools without root) against ApplicationSets in the shapes the
 * Argo CD controller writes (__fixtures__/applicationset-status, checked against the pinned CRD).
 *
 * The harness does what util/lua/lua.go does at v3.4.4: `obj` is a global table of the object, the
 * script is a chunk whose result is the health table, and only the libraries Argo CD loads without
 * useOpenLibs are visible (base, table, a safe os): no `string`, `math`, `io`, no string methods.
 * Without lua5.1 the tests fail in CI and are skipped elsewhere, saying why.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { ensureLua, type Lua } from '../../../scripts/lua.mjs';
import { locateSources, readPinnedFile, type PinnedFile } from '../../../scripts/pinned-files.mjs';
import { APPLICATIONSET_HEALTH_LUA } from './health';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const FIXTURES = join(HERE, '__fixtures__/applicationset-status');
/** The health codes Argo CD accepts (isValidHealthStatusCode in util/lua/lua.go); others become Unknown. */
const HEALTH_CODES = ['Unknown', 'Progressing', 'Suspended', 'Healthy', 'Degraded', 'Missing'];

let lua: Lua | undefined;
let unavailable = '';
try {
  lua = await ensureLua(ROOT);
} catch (error) {
  unavailable = (error as Error).message;
}

/** A JSON value as a Lua 5.1 table literal: objects keyed by string, arrays 1-based, strings byte-escaped. */
function toLua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a JSON number: ${value}`);
    return String(value);
  }
  if (typeof value === 'string') {
    let out = '"';
    for (const byte of Buffer.from(value, 'utf8')) {
      out +=
        byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, '0')}`;
    }
    return `${out}"`;
  }
  if (Array.isArray(value)) return `{${value.map(toLua).join(', ')}}`;
  if (typeof value === 'object') {
    const fields = Object.entries(value).filter(([, v]) => v !== null && v !== undefined);
    return `{${fields.map(([k, v]) => `[${toLua(k)}] = ${toLua(v)}`).join(', ')}}`;
  }
  throw new Error(`not a JSON value: ${typeof value}`);
}

/** The Lua program: the object, the script as a function in Argo CD's library set, its result as lines. */
function program(obj: unknown, script: string): string {
  return `local obj = ${toLua(obj)}
local env = {
  obj = obj, assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  rawequal = rawequal, rawget = rawget, rawset = rawset, select = select, setmetatable = setmetatable,
  getmetatable = getmetatable, tonumber = tonumber, tostring = tostring, type = type, unpack = unpack,
  table = table, os = { time = os.time, date = os.date },
}
local function health()
${script}
end
setfenv(health, env)
local format, gsub, write = string.format, string.gsub, io.write
local stringIndex = getmetatable("").__index
getmetatable("").__index = nil
local ok, hs = pcall(health)
getmetatable("").__index = stringIndex
if not ok then
  io.stderr:write("Lua error: ", tostring(hs), "\\n")
  os.exit(2)
end
if type(hs) ~= "table" then
  io.stderr:write("the script returned a ", type(hs), ", not a table\\n")
  os.exit(3)
end
for k, v in pairs(hs) do
  write(type(k), "\\t", tostring(k), "\\t", type(v), "\\t", (gsub(gsub(tostring(v), "\\\\", "\\\\\\\\"), "\\n", "\\\\n")), "\\n")
end
`;
}

interface Health {
  status: string;
  message: string;
}

/** Runs the script on `obj` in lua5.1; fails on a Lua error or a result Argo CD could not read. */
function runHealth(obj: unknown, script = APPLICATIONSET_HEALTH_LUA): Health {
  const result = spawnSync(lua!.command, ['-'], {
    input: program(obj, script),
    env: { ...process.env, ...lua!.env },
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`lua5.1 exited with ${result.status}: ${result.stderr}`);
  const fields: Record<string, string> = {};
  for (const line of result.stdout.split('\n').filter(Boolean)) {
    const [keyType, key, valueType, value] = line.split('\t');
    if (keyType !== 'string' || valueType !== 'string')
      throw new Error(`result field ${key} is ${keyType} → ${valueType}, not string → string`);
    fields[key] = value.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
  }
  expect(Object.keys(fields).sort()).toEqual(['message', 'status']);
  return fields as unknown as Health;
}

function fixture(name: string): any {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
}

const GENERATION_ERROR =
  "error generating params from git: error getting file paths from repository https://github.com/example-org/platform-manifests.git: rpc error: code = Unknown desc = unable to resolve git revision : unable to resolve 'main' to a commit SHA";

/** The behaviour table: fixture → exact status and message. */
const CASES: [fixture: string, status: string, message: string][] = [
  ['healthy', 'Healthy', 'All generated Applications are Synced and Healthy (1)'],
  ['progressing-app', 'Progressing', 'Waiting for Application cert-manager (Synced, Progressing)'],
  ['degraded-app', 'Degraded', 'Application monitoring-prometheus is Degraded'],
  ['out-of-sync', 'Progressing', 'Waiting for Application cert-manager (OutOfSync, Healthy)'],
  ['error-occurred', 'Degraded', GENERATION_ERROR],
  ['resources-not-up-to-date', 'Progressing', 'could not create application'],
  ['truncated', 'Progressing', '2 of 3 Applications visible in the ApplicationSet status'],
  ['missing-sync-status', 'Progressing', 'Application cert-manager has no sync status yet'],
  ['missing-health', 'Progressing', 'Application cert-manager has no health status yet'],
  ['no-status', 'Progressing', 'Waiting for the ApplicationSet to generate its Applications'],
  ['empty-resources', 'Progressing', 'Waiting for the ApplicationSet to generate its Applications'],
];

describe('lua5.1 for the health check tests', () => {
  test('is installed (required in CI)', (ctx) => {
    if (lua) return;
    if (process.env.CI) throw new Error(`lua5.1 is required in CI to test APPLICATIONSET_HEALTH_LUA: ${unavailable}`);
    console.warn(`Skipping the ApplicationSet health Lua tests: ${unavailable}`);
    ctx.skip(`lua5.1 unavailable: ${unavailable}`);
  });
});

describe.skipIf(!lua)('APPLICATIONSET_HEALTH_LUA in lua5.1', () => {
  test('every case has a fixture and every fixture a case', () => {
    const files = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length));
    expect(files.sort()).toEqual(CASES.map(([name]) => name).sort());
  });

  test.each(CASES)('%s → %s', (name, status, message) => {
    const health = runHealth(fixture(name));
    expect(health).toEqual({ status, message });
    expect(HEALTH_CODES).toContain(health.status);
    expect(health.message).not.toMatch(/nil/);
  });

  test('never errors or says nil on odd shapes', () => {
    const base = fixture('healthy');
    const shapes: [what: string, status: any, expected: string][] = [
      ['resources: [] written out', { ...base.status, resources: [] }, 'Progressing'],
      ['an entry without name, sync or health', { ...base.status, resources: [{ kind: 'Application' }] }, 'Progressing'],
      ['an empty status', {}, 'Progressing'],
      ['conditions without messages', { conditions: [{ type: 'ErrorOccurred', status: 'True' }] }, 'Degraded'],
      ['up-to-date False without a message', { conditions: [{ type: 'ResourcesUpToDate', status: 'False' }] }, 'Progressing'],
      ['no resourcesCount (controllers before v3.2)', { ...base.status, resourcesCount: undefined }, 'Healthy'],
    ];
    for (const [what, status, expected] of shapes) {
      const health = runHealth({ ...base, status });
      expect(health.status, what).toBe(expected);
      expect(health.message, what).not.toMatch(/nil/);
      expect(health.message, what).not.toBe('');
    }
  });

  test('a Degraded Application wins over truncation and over Applications still on their way', () => {
    const status = fixture('truncated').status;
    status.resources[1].health.status = 'Degraded';
    expect(runHealth({ ...fixture('truncated'), status })).toEqual({ status: 'Degraded', message: 'Application tenant-b is Degraded' });
  });

  test('the harness hides what Argo CD does not load', () => {
    expect(() => runHealth({}, 'return { status = string.upper("healthy"), message = "x" }')).toThrow(/string/);
    expect(() => runHealth({}, 'local s = "x"; return { status = s:upper(), message = "x" }')).toThrow(/Lua error/);
    expect(runHealth({}, 'return { status = "Healthy", message = "os.time is " .. type(os.time) }')).toEqual({
      status: 'Healthy',
      message: 'os.time is function',
    });
  });
});

test('the fixtures match the pinned ApplicationSet CRD (v3.5.1), unknown fields rejected', async (ctx) => {
  const pins: { files: PinnedFile[] } = JSON.parse(readFileSync(join(ROOT, 'libs/crds/crd-sources.json'), 'utf8'));
  const pin = pins.files.find((f) => f.path === 'argo-cd/applicationset-crd.yaml')!;
  const location = locateSources({
    root: ROOT,
    label: 'CRD dir',
    flagName: '--crds-dir',
    envDir: process.env.PLATFORM_CRDS_DIR,
    envName: 'PLATFORM_CRDS_DIR',
    defaultDir: resolve(ROOT, '../shared/crds'),
    cacheDir: join(ROOT, '.cache/crds'),
    listFile: 'libs/crds/crd-sources.json',
  });
  let crd: any;
  try {
    crd = parse((await readPinnedFile(pin, location, { timeoutMs: 10_000 })).toString('utf8'));
  } catch (error) {
    if (process.env.CI) throw error;
    ctx.skip(`ApplicationSet CRD unavailable: ${(error as Error).message}`);
  }
  const schema = strictify(crd.spec.versions.find((v: any) => v.name === 'v1alpha1').schema.openAPIV3Schema);
  const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  for (const [name] of CASES) {
    expect(validate(fixture(name)) ? [] : validate.errors, name).toEqual([]);
  }
});

/** additionalProperties: false on every object schema that lists its properties (as the API server prunes). */
function strictify(node: any): any {
  if (Array.isArray(node)) return node.map(strictify);
  if (node === null || typeof node !== 'object') return node;
  const out: any = Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === 'properties' ? mapValues(v, strictify) : strictify(v)]),
  );
  if (out.type === 'object' && out.properties && !out['x-kubernetes-preserve-unknown-fields'] && out.additionalProperties === undefined)
    out.additionalProperties = false;
  return out;
}

function mapValues(obj: any, fn: (v: any) => any): any {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fn(v)]));
}
