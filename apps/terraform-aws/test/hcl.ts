/**
 * Reading the Terraform app for its tests: every `.tf` file parsed with @cdktf/hcl2json (HCL to the
 * JSON syntax of Terraform; expressions stay as `${...}` strings), plus the walks the tests share.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const APP_DIR = resolve(__dirname, '..');
export const REPO_ROOT = resolve(APP_DIR, '../..');

export type Json = any;

export interface TfFile {
  /** Path relative to the app directory, e.g. `modules/eks/main.tf`. */
  readonly path: string;
  /** The directory (a Terraform module), relative to the app directory. */
  readonly dir: string;
  readonly json: Json;
}

type Parse = (name: string, text: string) => Promise<Json>;

function hclParser(): Parse {
  const require = createRequire(__filename);
  try {
    return (require('@cdktf/hcl2json') as { parse: Parse }).parse;
  } catch {
    throw new Error(
      'apps/terraform-aws tests parse HCL with @cdktf/hcl2json, which is not installed: npm install --save-exact @cdktf/hcl2json@0.21.0',
    );
  }
}

function tfFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (name === '.terraform' || name === 'node_modules') return [];
      if (statSync(path).isDirectory()) return tfFiles(path);
      return name.endsWith('.tf') ? [path] : [];
    });
}

/** Every `.tf` file under `appDir`, parsed. */
export async function loadApp(appDir = APP_DIR): Promise<TfFile[]> {
  const parse = hclParser();
  return Promise.all(
    tfFiles(appDir).map(async (file) => {
      const path = relative(appDir, file);
      return { path, dir: dirname(path), json: await parse(path, readFileSync(file, 'utf8')) };
    }),
  );
}

/** The files of one module directory. */
export function moduleFiles(files: readonly TfFile[], dir: string): TfFile[] {
  return files.filter((f) => f.dir === dir);
}

export interface Block {
  readonly file: string;
  readonly dir: string;
  readonly type: string;
  readonly name: string;
  readonly body: Json;
}

/** `resource "<type>" "<name>"` blocks (`kind: 'resource'`), or `data`. */
export function resources(files: readonly TfFile[], kind: 'resource' | 'data' = 'resource'): Block[] {
  return files.flatMap((f) =>
    Object.entries((f.json[kind] ?? {}) as Record<string, Record<string, Json[]>>).flatMap(([type, byName]) =>
      Object.entries(byName).flatMap(([name, bodies]) => bodies.map((body) => ({ file: f.path, dir: f.dir, type, name, body }))),
    ),
  );
}

/** `module "<name>"` blocks; `type` is the module's source. */
export function modules(files: readonly TfFile[]): Block[] {
  return files.flatMap((f) =>
    Object.entries((f.json.module ?? {}) as Record<string, Json[]>).flatMap(([name, bodies]) =>
      bodies.map((body) => ({ file: f.path, dir: f.dir, type: String(body.source), name, body })),
    ),
  );
}

/** The `locals` of a module directory, merged. */
export function locals(files: readonly TfFile[], dir: string): Record<string, Json> {
  return Object.assign({}, ...moduleFiles(files, dir).flatMap((f) => (f.json.locals ?? []) as Json[]));
}

/** Every string in a JSON value (values, and object keys that carry text: tag keys). */
export function strings(value: Json, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (/[./]/.test(k)) out.push(k);
      strings(v, out);
    }
  return out;
}

/**
 * The literal text in a JSON-syntax string: the string itself when it holds no expression, else
 * the quoted literals inside its `${...}` expressions and the template text around them.
 */
export function literals(s: string): string[] {
  if (!s.includes('${')) return [s];
  const out: string[] = [];
  let depth = 0;
  let text = '';
  for (let i = 0; i < s.length; i++) {
    if (depth === 0 && s.startsWith('${', i)) {
      if (text) out.push(text);
      text = '';
      depth = 1;
      i++;
      continue;
    }
    if (depth > 0) {
      const c = s[i];
      if (c === '"') {
        let j = i + 1;
        let lit = '';
        while (j < s.length && s[j] !== '"') {
          if (s[j] === '\\') j++;
          else if (s.startsWith('${', j)) break;
          lit += s[j];
          j++;
        }
        if (s[j] === '"') out.push(lit);
        i = j;
        continue;
      }
      if (c === '{') depth++;
      else if (c === '}') depth--;
      continue;
    }
    text += s[i];
  }
  if (text) out.push(text);
  return out.filter((l) => l.length > 0);
}

/** The `cluster` paths an expression reads: `var.cluster.aws.loki.bucket` → `aws.loki.bucket`. */
export function clusterPaths(s: string): string[] {
  return [...s.matchAll(/\b(?:var|local)\.cluster((?:\.[A-Za-z_][\w-]*|\[\d+\])*)/g)].map((m) =>
    m[1].replace(/\[\d+\]/g, '.0').replace(/^\./, ''),
  );
}

/** Resolve a path expression like `${path.module}/../dist/dev` (with `${local.x}` of the same module) to a file path. */
export function resolvePath(expr: string, dir: string, moduleLocals: Record<string, Json>): string {
  const text = expr.replace(/\$\{local\.(\w+)\}/g, (_, name: string) => {
    const value = moduleLocals[name];
    if (typeof value !== 'string') throw new Error(`${dir}: local.${name} is not a string`);
    return value;
  });
  return text.replace(/\$\{path\.module\}/g, dir);
}

export function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export { existsSync };
