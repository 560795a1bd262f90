/**
 * Reads `dist/` into a ValidateContext: every `dist/<cluster>/<component>/` with its component.json,
 * values.yaml and `manifests/*.yaml` objects, in a deterministic order (names sorted by code point).
 *
 * Reading never stops at a bad file. A YAML syntax error, a document that is not a mapping or an
 * empty manifest becomes a finding in `ctx.loadFindings`. A file with several documents yields one
 * DistObject per document (`documentIndex`/`documentCount`), so the contract check can report the
 * file and the schema checks still see every object. An unparsable component.json is left
 * undefined for the contract check to report.
 *
 * Before reading, an interrupted synth swap of the dist directory is recovered (`recoverDist` of
 * @platform/core: a complete new tree is rolled forward, an incomplete one removed), so validate
 * never reads a half-written tree; what recovery did is kept in `ctx.recovered` for the report.
 *
 * The Kubernetes release of a cluster comes from `dist/<cluster>/cluster.json` (`kubernetesVersion`),
 * else from the "Kubernetes" row of the generated `dist/<cluster>/README.md`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { recoverDist } from '@platform/core/dist-swap';
import { parseAllDocuments } from 'yaml';
import yamlPackage from 'yaml/package.json';
import type { DistCluster, DistComponent, DistObject, Finding, ValidateContext } from './types';
import { compareStrings, isRecord, sha256, writeFileAtomic } from './util';

const YAML_VERSION = (yamlPackage as { version: string }).version;

/** `1.33`, `v1.33.2` → `1.33`; undefined for anything else. */
function minorVersion(text: string): string | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(text.trim());
  return match ? `${Number(match[1])}.${Number(match[2])}` : undefined;
}

function sortedEntries(dir: string): string[] {
  return readdirSync(dir).sort(compareStrings);
}

function subdirectories(dir: string): string[] {
  return sortedEntries(dir).filter((name) => !name.startsWith('.') && statSync(join(dir, name)).isDirectory());
}

class DistReader {
  readonly findings: Finding[] = [];

  constructor(
    private readonly root: string,
    private readonly cache: ParseCache,
  ) {}

  /** Path relative to the repository root, with forward slashes. */
  rel(path: string): string {
    return relative(this.root, path).split(/[\\/]/).join('/');
  }

  readCluster(distDir: string, name: string): DistCluster {
    const dir = join(distDir, name);
    const kubernetes = this.readKubernetesVersion(name, dir);
    return {
      name,
      dir: this.rel(dir),
      components: subdirectories(dir).map((component) => this.readComponent(name, join(dir, component), component)),
      ...(kubernetes ? { kubernetes } : {}),
    };
  }

  private readKubernetesVersion(cluster: string, dir: string): DistCluster['kubernetes'] {
    const clusterJson = join(dir, 'cluster.json');
    if (existsSync(clusterJson)) {
      let declared: unknown;
      try {
        declared = (JSON.parse(readFileSync(clusterJson, 'utf8')) as { kubernetesVersion?: unknown } | null)?.kubernetesVersion;
      } catch (error) {
        this.report(cluster, clusterJson, 'schema', 'invalid-cluster-json', `cluster.json is not valid JSON: ${(error as Error).message}`);
        return undefined;
      }
      const version = typeof declared === 'string' ? minorVersion(declared) : undefined;
      if (version) return { version, source: this.rel(clusterJson) };
      this.report(
        cluster,
        clusterJson,
        'schema',
        'invalid-cluster-json',
        `cluster.json: kubernetesVersion is ${JSON.stringify(declared)}; expected a release such as "1.33"`,
      );
      return undefined;
    }
    const readme = join(dir, 'README.md');
    if (!existsSync(readme)) return undefined;
    const row = /^\|\s*Kubernetes\s*\|\s*([^|]*?)\s*\|/m.exec(readFileSync(readme, 'utf8'));
    const version = row ? minorVersion(row[1]) : undefined;
    return version ? { version, source: this.rel(readme) } : undefined;
  }

  private readComponent(cluster: string, dir: string, name: string): DistComponent {
    const componentJson = this.readComponentJson(join(dir, 'component.json'));
    const values = this.readValues(cluster, join(dir, 'values.yaml'));
    const manifestsDir = join(dir, 'manifests');
    const objects = existsSync(manifestsDir) && statSync(manifestsDir).isDirectory() ? this.readManifests(cluster, name, manifestsDir) : [];
    return { cluster, name, dir: this.rel(dir), componentJson, values, objects };
  }

  private readComponentJson(path: string): unknown {
    if (!existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      return undefined; // reported by the contract check
    }
  }

  private readValues(cluster: string, path: string): unknown {
    if (!existsSync(path)) return undefined;
    const documents = this.parseYaml(cluster, path, 'helm-values').values;
    if (documents.length > 1)
      this.report(
        cluster,
        path,
        'helm-values',
        'multiple-documents',
        `values.yaml holds ${documents.length} YAML documents; Helm reads only one`,
      );
    return documents[0];
  }

  private readManifests(cluster: string, component: string, dir: string): DistObject[] {
    return sortedEntries(dir)
      .filter((name) => name.endsWith('.yaml') && statSync(join(dir, name)).isFile())
      .flatMap((name) => this.readManifest(cluster, component, join(dir, name)));
  }

  private readManifest(cluster: string, component: string, path: string): DistObject[] {
    const { values: documents, hash } = this.parseYaml(cluster, path, 'schema');
    if (documents.length === 0)
      this.report(
        cluster,
        path,
        'schema',
        'empty-manifest',
        'the file holds no Kubernetes object',
        'remove the file or render the object into it',
      );
    const objects: DistObject[] = [];
    documents.forEach((document, index) => {
      if (!isRecord(document)) {
        this.report(
          cluster,
          path,
          'schema',
          'not-an-object',
          `document ${index + 1} is ${Array.isArray(document) ? 'a list' : `a ${typeof document}`}, not a Kubernetes object (a mapping with apiVersion, kind and metadata)`,
        );
        return;
      }
      objects.push({
        cluster,
        component,
        file: this.rel(path),
        documentIndex: index,
        documentCount: documents.length,
        ...(hash ? { contentKey: `${hash}#${index}` } : {}),
        object: document as DistObject['object'],
      });
    });
    return objects;
  }

  /**
   * The non-empty documents of a YAML file; syntax errors are reported and their document dropped.
   * `hash` is the sha256 of the file's text: the same text always gives the same documents.
   */
  private parseYaml(cluster: string, path: string, check: Finding['check']): { values: unknown[]; hash?: string } {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      this.report(cluster, path, check, 'unreadable-file', `cannot read the file: ${(error as Error).message}`);
      return { values: [] };
    }
    const hash = sha256(bytes);
    const cached = this.cache.get(hash);
    if (cached) return { values: cached, hash };
    const values: unknown[] = [];
    let clean = true;
    for (const document of parseAllDocuments(bytes.toString('utf8'))) {
      if (document.errors.length > 0) {
        clean = false;
        for (const error of document.errors)
          this.report(cluster, path, check, 'yaml-syntax', `YAML syntax error: ${error.message.split('\n')[0]}`);
        continue;
      }
      const value = document.toJS({ maxAliasCount: 100 }) as unknown;
      if (value !== null && value !== undefined) values.push(value);
    }
    if (clean) this.cache.set(hash, values);
    return { values, hash };
  }

  private report(cluster: string, path: string, check: Finding['check'], rule: string, message: string, hint?: string): void {
    this.findings.push({ check, rule, severity: 'error', cluster, file: this.rel(path), message, ...(hint ? { hint } : {}) });
  }
}

/** Bump when what a parse yields changes (with the yaml package's version, part of the cache key). */
const PARSER_VERSION = 1;

/**
 * Parsed YAML by sha256 of the file's text: within a run (the same CRD in every cluster is parsed
 * once) and across runs, as JSON in `node_modules/.cache/platform/dist-yaml.json` (JSON.parse is
 * many times faster than YAML parsing). Only clean parses of JSON-safe values are kept; every use
 * gets fresh objects. The file keeps the entries of the last run only.
 */
class ParseCache {
  private readonly key = `yaml@${YAML_VERSION}/p${PARSER_VERSION}`;
  private readonly stored = new Map<string, string>();
  private readonly used = new Map<string, string>();
  private changed = false;

  constructor(private readonly file: string | false) {
    if (!file || !existsSync(file)) return;
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as { key?: string; entries?: Record<string, string> };
      if (data.key === this.key && isRecord(data.entries))
        for (const [hash, json] of Object.entries(data.entries)) if (typeof json === 'string') this.stored.set(hash, json);
    } catch {
      // unreadable: rebuilt below
    }
  }

  get(hash: string): unknown[] | undefined {
    const json = this.used.get(hash) ?? this.stored.get(hash);
    if (json === undefined) return undefined;
    this.used.set(hash, json);
    return JSON.parse(json) as unknown[];
  }

  set(hash: string, values: unknown[]): void {
    if (!isJsonSafe(values)) return;
    this.used.set(hash, JSON.stringify(values));
    this.changed = true;
  }

  save(): void {
    if (!this.file || (!this.changed && this.used.size === this.stored.size)) return;
    const entries = Object.fromEntries([...this.used].sort(([a], [b]) => compareStrings(a, b)));
    try {
      writeFileAtomic(this.file, JSON.stringify({ key: this.key, entries }));
    } catch {
      // a read-only checkout: parse again next time
    }
  }
}

/** True when JSON round-trips the value exactly (no NaN, Infinity, dates or other objects). */
function isJsonSafe(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonSafe);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).every(isJsonSafe);
  return false;
}

export interface LoadOptions {
  /** The parse cache file; default `<root>/node_modules/.cache/platform/dist-yaml.json`; false: none. */
  readonly cacheFile?: string | false;
}

/**
 * Loads `distDir` (absolute, or relative to `root`). A missing dist directory gives a context with
 * no clusters and a load finding.
 */
export function loadDist(root: string, distDir: string, options: LoadOptions = {}): ValidateContext {
  const absoluteRoot = resolve(root);
  const absoluteDist = resolve(absoluteRoot, distDir);
  const cache = new ParseCache(options.cacheFile ?? join(absoluteRoot, 'node_modules/.cache/platform/dist-yaml.json'));
  const reader = new DistReader(absoluteRoot, cache);
  let recovered: string | undefined;
  try {
    recovered = recoverDist(absoluteDist);
  } catch (error) {
    reader.findings.push({
      check: 'contract',
      rule: 'dist-recovery-failed',
      severity: 'error',
      file: reader.rel(absoluteDist),
      message: `an interrupted synth left ${reader.rel(absoluteDist)} half swapped and recovery failed: ${(error as Error).message}`,
      hint: 'fix what the message names, then run validate (or synth) again; nothing was checked',
    });
    return { root: absoluteRoot, distDir: absoluteDist, clusters: [], loadFindings: reader.findings };
  }
  const note = recovered ? { recovered } : {};
  if (!existsSync(absoluteDist) || !statSync(absoluteDist).isDirectory()) {
    reader.findings.push({
      check: 'contract',
      rule: 'missing-dist',
      severity: 'error',
      file: reader.rel(absoluteDist),
      message: `no dist directory at ${absoluteDist}`,
      hint: 'run `npm run synth` first',
    });
    return { root: absoluteRoot, distDir: absoluteDist, clusters: [], loadFindings: reader.findings, ...note };
  }
  const clusters = subdirectories(absoluteDist).map((name) => reader.readCluster(absoluteDist, name));
  cache.save();
  return { root: absoluteRoot, distDir: absoluteDist, clusters, loadFindings: reader.findings, ...note };
}
