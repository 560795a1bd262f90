// Reads a dist/ tree (docs/dist-contract.md), from a directory or from a git ref, into
// cluster → component → {component.json, values.yaml, objects}. Objects are identified by
// apiVersion group + kind + namespace + name, never by file name.
// Hydrated charts make dist/ large (a CRD of 1.4 MB takes a second to parse), so a manifest's
// apiVersion, kind and metadata are read first and the rest is parsed only when it is used; an
// object whose text is the same on both sides is never parsed. Each distinct text is parsed once.
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
  /** Its `metadata`, read without parsing the rest of the object. */
  readonly metadata: Record<string, unknown>;
  /** The whole object, parsed on first use. */
  readonly body: Record<string, unknown>;
  /** The YAML text of the object (its file holds only it); equal texts are equal objects. */
  readonly source?: string;
  /** The text of each top-level key, when the object was read key by key. */
  readonly blocks?: ReadonlyMap<string, string>;
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
  if (file.startsWith('manifests/') && file.endsWith('.yaml')) {
    const objects = readObjects(file, text);
    if (objects === undefined) tree.files.set(file, text); // not (only) Kubernetes objects: compared as text
    for (const o of objects ?? []) {
      const key = objectKey(o);
      tree.objects.set(tree.objects.has(key) ? `${key}\u0000${file}` : key, o);
    }
    return;
  }
  const parsed = parseFile(file, text);
  if (!parsed.ok) tree.files.set(file, text);
  else if (file === 'component.json') tree.componentJson = parsed.docs[0];
  else if (file === 'values.yaml') tree.values = parsed.docs[0] ?? {};
  else tree.files.set(file, text);
}

type Parsed = { ok: true; docs: unknown[] } | { ok: false };

/** Parsed documents by text: identical files (every cluster's copy of a CRD, both sides of a diff) parse once. */
const parsedTexts = new Map<string, Parsed>();

function parseFile(file: string, text: string): Parsed {
  const kind = file.endsWith('.json') ? 'json' : file.endsWith('.yaml') || file.endsWith('.yml') ? 'yaml' : 'other';
  if (kind === 'other') return { ok: true, docs: [] };
  const key = `${kind}\u0000${text}`;
  let parsed = parsedTexts.get(key);
  if (!parsed) {
    parsed = parseText(kind, text);
    parsedTexts.set(key, parsed);
  }
  return parsed;
}

function parseText(kind: 'json' | 'yaml', text: string): Parsed {
  try {
    if (kind === 'json') return { ok: true, docs: [JSON.parse(text)] };
    const docs = parseAllDocuments(text);
    if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return { ok: false };
    return { ok: true, docs: docs.map((d) => d.toJS()).filter((d) => d !== null && d !== undefined) };
  } catch {
    return { ok: false };
  }
}

/**
 * The objects of a manifests/ file; undefined when it is not only Kubernetes objects. A file of one
 * document is split into its top-level keys: apiVersion, kind and metadata are parsed at once, the
 * other keys on first use, each alone (a chart bump that changes only labels never parses a CRD's schema).
 */
function readObjects(file: string, text: string): KObject[] | undefined {
  const blocks = topLevelBlocks(text);
  const header = blocks && blockValues(blocks, ['apiVersion', 'kind', 'metadata']);
  const identity = header && identityOf(header);
  if (blocks && identity) {
    let body: Record<string, unknown> | undefined;
    const object: KObject = {
      ...identity,
      file,
      source: text,
      blocks,
      get body() {
        return (body ??= blockValues(blocks, [...blocks.keys()]) ?? wholeDocument(file, text) ?? { ...header, unparsable: true });
      },
    };
    return [object];
  }
  const parsed = parseFile(file, text);
  if (!parsed.ok || parsed.docs.length === 0) return undefined;
  const objects: KObject[] = [];
  for (const doc of parsed.docs) {
    const id = isRecord(doc) ? identityOf(doc) : undefined;
    if (!id) return undefined;
    objects.push({ ...id, file, body: doc as Record<string, unknown>, ...(parsed.docs.length === 1 ? { source: text } : {}) });
  }
  return objects;
}

function wholeDocument(file: string, text: string): Record<string, unknown> | undefined {
  const parsed = parseFile(file, text);
  return parsed.ok && parsed.docs.length === 1 && isRecord(parsed.docs[0]) ? parsed.docs[0] : undefined;
}

/**
 * The text of each top-level key of a one-document YAML mapping in block style, in order;
 * undefined for anything else (several documents, flow style, quoted keys), which is parsed whole.
 */
function topLevelBlocks(text: string): Map<string, string> | undefined {
  const blocks = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const [i, line] of text.split('\n').entries()) {
    if (/^(---|\.\.\.)(\s|$)/.test(line)) {
      if (i === 0 && line.trim() === '---') continue;
      return undefined;
    }
    const key = /^([A-Za-z_][\w./-]*):(\s|$)/.exec(line);
    if (key) {
      if (blocks.has(key[1])) return undefined;
      current = [line];
      blocks.set(key[1], current);
    } else if (line === '' || /^[\s#]/.test(line) || (current && line.startsWith('-'))) current?.push(line);
    else return undefined;
  }
  return blocks.size > 0 ? new Map([...blocks].map(([k, lines]) => [k, lines.join('\n')])) : undefined;
}

/** `keys` of a split document, each block parsed alone (cached by its text); undefined when one does not parse. */
function blockValues(blocks: ReadonlyMap<string, string>, keys: readonly string[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const text = blocks.get(key);
    if (text === undefined) continue;
    const parsed = parseFile('block.yaml', text);
    if (!parsed.ok || parsed.docs.length !== 1 || !isRecord(parsed.docs[0]) || !Object.hasOwn(parsed.docs[0], key)) return undefined;
    out[key] = parsed.docs[0][key];
  }
  return out;
}

/** The value of one top-level key of an object: its block alone when the object was split, else from its body. */
export function topLevelValue(o: KObject, key: string): unknown {
  const text = o.blocks?.get(key);
  if (text !== undefined) {
    const value = blockValues(o.blocks!, [key]);
    if (value) return value[key];
  }
  return o.body[key];
}

function identityOf(doc: Record<string, unknown>): Omit<KObject, 'file' | 'body' | 'source' | 'blocks'> | undefined {
  if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') return undefined;
  const metadata = isRecord(doc.metadata) ? doc.metadata : {};
  if (typeof metadata.name !== 'string') return undefined;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  return { group: apiGroup(doc.apiVersion), kind: doc.kind, namespace, name: metadata.name, metadata };
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
