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
import type { DistCluster, DistComponent, DistObject, Finding, ValidateContext } from './types';
import { compareStrings, isRecord } from './util';

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

  constructor(private readonly root: string) {}

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
    const documents = this.parseYaml(cluster, path, 'helm-values');
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
    const documents = this.parseYaml(cluster, path, 'schema');
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
        object: document as DistObject['object'],
      });
    });
    return objects;
  }

  /** The non-empty documents of a YAML file; syntax errors are reported and their document dropped. */
  private parseYaml(cluster: string, path: string, check: Finding['check']): unknown[] {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      this.report(cluster, path, check, 'unreadable-file', `cannot read the file: ${(error as Error).message}`);
      return [];
    }
    const values: unknown[] = [];
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0) {
        for (const error of document.errors)
          this.report(cluster, path, check, 'yaml-syntax', `YAML syntax error: ${error.message.split('\n')[0]}`);
        continue;
      }
      const value = document.toJS({ maxAliasCount: 100 }) as unknown;
      if (value !== null && value !== undefined) values.push(value);
    }
    return values;
  }

  private report(cluster: string, path: string, check: Finding['check'], rule: string, message: string, hint?: string): void {
    this.findings.push({ check, rule, severity: 'error', cluster, file: this.rel(path), message, ...(hint ? { hint } : {}) });
  }
}

/**
 * Loads `distDir` (absolute, or relative to `root`). A missing dist directory gives a context with
 * no clusters and a load finding.
 */
export function loadDist(root: string, distDir: string): ValidateContext {
  const absoluteRoot = resolve(root);
  const absoluteDist = resolve(absoluteRoot, distDir);
  const reader = new DistReader(absoluteRoot);
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
  return { root: absoluteRoot, distDir: absoluteDist, clusters, loadFindings: reader.findings, ...note };
}
