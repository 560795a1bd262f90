// Reads a dist/ tree (docs/dist-contract.md), from a directory or from a git ref, into
// cluster → component → {component.json, values.yaml, objects}. Objects are identified by
// apiVersion group + kind + namespace + name, never by file name.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** One Kubernetes object of a manifests/ file. */
export interface KObject {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Path of its file relative to the component directory. */
  readonly file: string;
  readonly body: Record<string, unknown>;
}

export interface ComponentTree {
  /** Parsed component.json, undefined when absent. */
  componentJson?: unknown;
  /** Parsed values.yaml, undefined when absent. */
  values?: unknown;
  /** By objectKey(). */
  readonly objects: Map<string, KObject>;
  /** Any other file (or a file that does not parse), raw text by path relative to the component. */
  readonly files: Map<string, string>;
}

export interface ClusterTree {
  readonly components: Map<string, ComponentTree>;
  /** Files directly under dist/<cluster>/ (the generated README.md), raw text by name. */
  readonly files: Map<string, string>;
}

/** Cluster name → cluster. */
export type DistTree = Map<string, ClusterTree>;

/** `networking.k8s.io/v1` → `networking.k8s.io`; `v1` → `` (core). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** The identity of an object; sorts by kind, namespace, name. */
export function objectKey(o: Pick<KObject, 'group' | 'kind' | 'namespace' | 'name'>): string {
  return [o.kind, o.namespace, o.name, o.group].join('\u0000');
}

/** Builds a tree from file contents keyed by path relative to dist/ (`dev/argocd/values.yaml`). */
export function parseDistFiles(files: ReadonlyMap<string, string>): DistTree {
  const tree: DistTree = new Map();
  for (const path of [...files.keys()].sort()) {
    const [cluster, ...rest] = path.split('/');
    if (rest.length === 0) continue; // a file directly under dist/ belongs to no cluster
    const clusterTree = getOrAdd<string, ClusterTree>(tree, cluster, () => ({ components: new Map(), files: new Map() }));
    if (rest.length === 1) clusterTree.files.set(rest[0], files.get(path)!);
    else addComponentFile(clusterTree, rest[0], rest.slice(1).join('/'), files.get(path)!);
  }
  return tree;
}

function addComponentFile(cluster: ClusterTree, component: string, file: string, text: string): void {
  const tree = getOrAdd<string, ComponentTree>(cluster.components, component, () => ({ objects: new Map(), files: new Map() }));
  const parsed = parseFile(file, text);
  if (!parsed.ok) tree.files.set(file, text);
  else if (file === 'component.json') tree.componentJson = parsed.docs[0];
  else if (file === 'values.yaml') tree.values = parsed.docs[0] ?? {};
  else if (file.startsWith('manifests/') && file.endsWith('.yaml')) addObjects(tree, file, text, parsed.docs);
  else tree.files.set(file, text);
}

type Parsed = { ok: true; docs: unknown[] } | { ok: false };

function parseFile(file: string, text: string): Parsed {
  try {
    if (file.endsWith('.json')) return { ok: true, docs: [JSON.parse(text)] };
    if (!file.endsWith('.yaml') && !file.endsWith('.yml')) return { ok: true, docs: [] };
    const docs = parseAllDocuments(text);
    if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return { ok: false };
    return { ok: true, docs: docs.map((d) => d.toJS()).filter((d) => d !== null && d !== undefined) };
  } catch {
    return { ok: false };
  }
}

function addObjects(tree: ComponentTree, file: string, text: string, docs: unknown[]): void {
  const objects = docs.map((body) => toObject(file, body));
  if (objects.length === 0 || objects.some((o) => o === undefined)) {
    tree.files.set(file, text); // not (only) Kubernetes objects: compared as text
    return;
  }
  for (const o of objects as KObject[]) {
    const key = objectKey(o);
    tree.objects.set(tree.objects.has(key) ? `${key}\u0000${file}` : key, o);
  }
}

function toObject(file: string, body: unknown): KObject | undefined {
  if (!isRecord(body) || typeof body.apiVersion !== 'string' || typeof body.kind !== 'string') return undefined;
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  if (typeof metadata.name !== 'string') return undefined;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  return { group: apiGroup(body.apiVersion), kind: body.kind, namespace, name: metadata.name, file, body };
}

/** Reads `dir` (a dist/ directory on disk). A missing directory is an empty tree. */
export function readDistDir(dir: string): DistTree {
  const files = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      if (statSync(join(dir, path)).isDirectory()) walk(path);
      else files.set(path, readFileSync(join(dir, path), 'utf8'));
    }
  };
  if (exists(dir)) walk('');
  return parseDistFiles(files);
}

/**
 * Reads `distPath` of the commit `ref` in the repository at `repo`, with one `git ls-tree` and one
 * `git cat-file --batch` for all files. Throws when `ref` is not a commit.
 */
export function readDistRef(repo: string, ref: string, distPath = 'dist'): DistTree {
  const commit = resolveCommit(repo, ref);
  const listing = git(repo, ['ls-tree', '-r', '-z', '--name-only', commit, '--', distPath]).toString('utf8');
  const paths = listing.split('\u0000').filter((p) => p.startsWith(`${distPath}/`));
  const blobs = catFiles(
    repo,
    paths.map((p) => `${commit}:${p}`),
  );
  const files = new Map(paths.map((p, i) => [p.slice(distPath.length + 1), blobs[i]] as const));
  return parseDistFiles(files);
}

/** The full commit id of `ref`; throws an Error naming the ref when there is none. */
export function resolveCommit(repo: string, ref: string): string {
  try {
    return git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])
      .toString('utf8')
      .trim();
  } catch {
    throw new Error(`not a git commit: ${JSON.stringify(ref)}`);
  }
}

/** Contents of `objects` (`<commit>:<path>`) in order, through one `git cat-file --batch`. */
function catFiles(repo: string, objects: readonly string[]): string[] {
  if (objects.length === 0) return [];
  const out = git(repo, ['cat-file', '--batch'], `${objects.join('\n')}\n`);
  const contents: string[] = [];
  let pos = 0;
  for (const name of objects) {
    const eol = out.indexOf(0x0a, pos);
    const header = out.subarray(pos, eol).toString('utf8').split(' ');
    if (header.length !== 3) throw new Error(`git cat-file: cannot read ${name}`);
    const size = Number(header[2]);
    contents.push(out.subarray(eol + 1, eol + 1 + size).toString('utf8'));
    pos = eol + 1 + size + 1;
  }
  return contents;
}

function git(repo: string, args: readonly string[], input?: string): Buffer {
  return execFileSync('git', ['-C', repo, ...args], { input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
}

function exists(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  if (!map.has(key)) map.set(key, create());
  return map.get(key)!;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
