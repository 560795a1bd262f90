/**
 * Pinned upstream manifest files: plain YAML (not a chart) that a component delivers as upstream
 * publishes it (the Gateway API CRDs, an operator's install manifests), with the provenance and
 * offline behaviour of charts. Each file is pinned in libs/crds/crd-sources.json (path, upstream
 * URL at the tag, sha256) and read at synth, hash-checked, through libs/crds/scripts/pinned-crds.mjs:
 * from `--crds-dir`, `PLATFORM_CRDS_DIR` or `../shared/crds`, else downloaded once into
 * `.cache/crds/`. The objects join the component's chart objects, so they get the same
 * normalization (CRDs at sync-wave -1, server-side apply for the big ones), patches and checks.
 *
 * A project whose entry in crd-sources.json says `"from": "charts"` keeps its folder beside the
 * chart sources instead (an operator that publishes install manifests, not a chart: its
 * `kubernetes.yml` is no CRD): read from `--charts-dir`, `PLATFORM_CHARTS_DIR` or `../shared/charts`,
 * else downloaded from the pinned URL into `.cache/upstream-files/`, with the same sha256 check.
 * A component may deliver files of several projects of one upstream release (`more`): the
 * operator's CRDs from the CRD dir and its install manifest from the charts dir.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describeLocation, locateSources, readPinnedFiles, writeFileAtomic } from '../../../scripts/pinned-files.mjs';
import type { SourceLocation } from '../../../scripts/pinned-files.mjs';
import crdSources from '@platform/crds/crd-sources.json';
import { loadPins, locateCrds, pinnedPath, readPinnedCrds } from '../../crds/scripts/pinned-crds.mjs';
import { clusterScopedCrdKinds } from './chart-objects';
import type { Component, KubeObject } from './component';
import { Problem, SynthError } from './errors';
import { groupOf, isClusterScoped } from './kinds';

/** Files of one project pinned in libs/crds/crd-sources.json. */
export interface PinnedFiles {
  /**
   * Project in crd-sources.json (its `dir` is the folder in the CRD dir, or in the charts dir when
   * the project says `"from": "charts"`), e.g. `gateway-api`.
   */
  readonly project: string;
  /** Upstream repository (`owner/name`): must be the project's in crd-sources.json. */
  readonly repo: string;
  /** Upstream tag: must be the project's in crd-sources.json. */
  readonly tag: string;
  /** Files of the project (names in its folder), delivered in this order. */
  readonly files: readonly string[];
}

/** Upstream manifest files a component delivers, pinned in libs/crds/crd-sources.json. */
export interface PinnedManifests extends PinnedFiles {
  /**
   * Files of further projects of the same upstream repository and tag, delivered after `files`
   * (e.g. an operator's install manifest kept in the charts dir beside its CRDs in the CRD dir).
   * @default []
   */
  readonly more?: readonly PinnedFiles[];
  /**
   * Namespace of the namespaced objects the files leave without one (`kubectl apply -n`): one of
   * the component's namespaces.
   * @default - the component's home namespace
   */
  readonly namespace?: string;
  /**
   * API versions the files' CRDs serve (`gateway.networking.k8s.io/v1`), like a chart's
   * `apiVersions`: checked against the CRDs delivered.
   * @default []
   */
  readonly apiVersions?: readonly string[];
}

/** Provenance of delivered manifest files (component.json `upstreamFiles`, the cluster README). */
export interface UpstreamFiles {
  readonly repo: string;
  readonly tag: string;
  /** Path in the CRD dir, upstream URL and sha256 of each file. */
  readonly files: readonly { readonly path: string; readonly url: string; readonly sha256: string }[];
}

const LIST_FILE = 'libs/crds/crd-sources.json';
/** Where a project's folder is: the CRD dir (the default) or the charts dir (`"from": "charts"`). */
type FilesFrom = 'crds' | 'charts';
const PROJECTS: Readonly<Record<string, { repo: string; tag: string; dir: string }>> = crdSources.projects;
const fromOf = (pins: ReturnType<typeof loadPins>, project: string): FilesFrom =>
  (pins.projects[project] as { readonly from?: string } | undefined)?.from === 'charts' ? 'charts' : 'crds';
const PINNED = new Map(crdSources.files.map((f) => [f.path, f]));

/**
 * The pinned files of `manifests` and what is wrong with the declaration (an unknown project, a repo
 * or tag that is not the pinned one, a file that is not pinned, a namespace the component does not
 * declare). Checked when the component is built, so a test without files sees it too.
 */
export function resolveManifests(
  manifests: PinnedManifests,
  namespaces: readonly string[],
): { provenance?: UpstreamFiles; problems: string[] } {
  const problems: string[] = [];
  const sets: readonly PinnedFiles[] = [manifests, ...(manifests.more ?? [])];
  const unknown = sets.filter((set) => !PROJECTS[set.project]);
  if (unknown.length > 0)
    return {
      problems: unknown.map(
        (set) =>
          `project ${JSON.stringify(set.project)} is not pinned in ${LIST_FILE} (projects: ${Object.keys(PROJECTS).sort().join(', ')})`,
      ),
    };
  const pins: { path: string; url: string; sha256: string }[] = [];
  sets.forEach((set, i) => {
    const project = PROJECTS[set.project];
    const at = i === 0 ? '' : `more[${i - 1}]: `;
    for (const key of ['repo', 'tag'] as const)
      if (set[key] !== project[key])
        problems.push(`${at}${key} ${JSON.stringify(set[key])} is not the ${key} ${LIST_FILE} pins for ${set.project}: ${project[key]}`);
    if (i > 0 && (project.repo !== PROJECTS[manifests.project].repo || project.tag !== PROJECTS[manifests.project].tag))
      problems.push(
        `${at}project ${set.project} is ${project.repo} ${project.tag}, not ${PROJECTS[manifests.project].repo} ${PROJECTS[manifests.project].tag}: the files of one component come from one upstream release`,
      );
    if (set.files.length === 0) problems.push(`${at}files is empty: name the files of the project to deliver`);
    for (const file of set.files) {
      const pin = PINNED.get(`${project.dir}/${file}`);
      if (!pin) problems.push(`${at}${project.dir}/${file} is not pinned in ${LIST_FILE}: add its upstream url and sha256 there`);
      else pins.push({ path: pin.path, url: pin.url, sha256: pin.sha256 });
    }
  });
  if (manifests.namespace !== undefined && !namespaces.includes(manifests.namespace))
    problems.push(
      `namespace ${JSON.stringify(manifests.namespace)} is not one of the component's namespaces (${namespaces.join(', ')}): declare it in extraNamespaces`,
    );
  const provenance: UpstreamFiles = { repo: PROJECTS[manifests.project].repo, tag: PROJECTS[manifests.project].tag, files: pins };
  return { provenance, problems };
}

/** Where the files are read from: the repository root, and the CRD dir flag (`--crds-dir`) if given. */
export interface ReadManifestsOptions {
  readonly root: string;
  readonly crdsDir?: string;
  /**
   * The charts dir flag (`--charts-dir`), for projects kept beside the chart sources (`"from": "charts"`).
   * @default - PLATFORM_CHARTS_DIR, ../shared/charts, else downloads into .cache/upstream-files/
   */
  readonly chartsDir?: string;
  /** @default process.env (PLATFORM_CRDS_DIR, PLATFORM_CHARTS_DIR, PLATFORM_CRDS_BASE_URL) */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Per download. @default 30 s */
  readonly timeoutMs?: number;
  /**
   * Where parsed files are kept between runs (`<cacheDir>/manifests-<sha256>.json`): parsing YAML
   * is the slow part, and a file's content is fixed by its pinned sha256.
   * @default - this process only
   */
  readonly cacheDir?: string;
}

/** Parsed files by sha256: the same files are delivered in every cluster; each component gets a copy. */
const parsed = new Map<string, KubeObject[]>();

function parseManifestFile(path: string, sha256: string, data: Buffer, cacheDir: string | undefined): KubeObject[] {
  const cached = cacheDir && join(cacheDir, `manifests-${sha256}.json`);
  const known = parsed.get(sha256);
  if (known) {
    if (cached && !existsSync(cached)) writeFileAtomic(cached, JSON.stringify(known));
    return structuredClone(known);
  }
  if (cached && existsSync(cached)) {
    const objects = JSON.parse(readFileSync(cached, 'utf8')) as KubeObject[];
    parsed.set(sha256, objects);
    return structuredClone(objects);
  }
  // YAML 1.1, as Kubernetes reads it (and as hydrate parses what helm renders).
  const objects = parseAllDocuments(data.toString('utf8'), { version: '1.1' }).flatMap((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${path}: document ${i + 1}: ${doc.errors[0].message.split('\n')[0]}`);
    const value = doc.toJS({ maxAliasCount: -1 }) as KubeObject | null;
    if (value === null || value === undefined) return [];
    if (typeof value !== 'object' || !value.kind || !value.metadata?.name)
      throw new Error(`${path}: document ${i + 1} is not a Kubernetes object (no kind or metadata.name)`);
    return [value];
  });
  parsed.set(sha256, objects);
  if (cached) writeFileAtomic(cached, JSON.stringify(objects));
  return structuredClone(objects);
}

/**
 * Reads the manifest files of every component that declares `manifests` (hash-checked, see the
 * module comment) and returns their objects by component, namespaced objects without a namespace
 * in `manifests.namespace` when given. Throws one SynthError naming each component whose files
 * cannot be read, with what to do.
 */
export async function readManifests(
  components: readonly Component[],
  options: ReadManifestsOptions,
): Promise<Map<Component, KubeObject[]>> {
  const out = new Map<Component, KubeObject[]>();
  const withManifests = components.filter((c) => c.manifests);
  if (withManifests.length === 0) return out;
  const pins = loadPins(options.root);
  const env = options.env ?? process.env;
  const location = locateCrds({ repoRoot: options.root, crdsDir: options.crdsDir, env });
  let chartsLocation: SourceLocation | undefined;
  const locationOf = (from: FilesFrom): SourceLocation =>
    from === 'crds' ? location : (chartsLocation ??= locateChartsFiles(options.root, options.chartsDir, env));
  const problems: Problem[] = [];
  for (const component of withManifests) {
    const manifests = component.manifests!;
    try {
      const objects: KubeObject[] = [];
      for (const set of [manifests, ...(manifests.more ?? [])]) {
        const from = fromOf(pins, set.project);
        const paths = set.files.map((f) => pinnedPath(pins, set.project, f));
        const files =
          from === 'crds'
            ? await readPinnedCrds(paths, location, pins, { timeoutMs: options.timeoutMs })
            : await readChartsFiles(paths, locationOf(from), pins, options.timeoutMs);
        objects.push(...paths.flatMap((p) => parseManifestFile(p, pins.files.get(p)!.sha256, files.get(p)!, options.cacheDir)));
      }
      if (manifests.namespace) {
        const clusterCrds = clusterScopedCrdKinds(objects);
        for (const o of objects) {
          const key = `${groupOf(o.apiVersion)}/${o.kind}`;
          if (!o.metadata.namespace && !isClusterScoped(key) && !clusterCrds.has(key)) o.metadata.namespace = manifests.namespace;
        }
      }
      out.set(component, objects);
    } catch (error) {
      problems.push({
        file: component.platform.file,
        path: `components.${component.name}.manifests`,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  if (problems.length > 0) throw new SynthError(problems);
  return out;
}

/** Where projects kept beside the chart sources are read from (see the module comment). */
function locateChartsFiles(root: string, chartsDir: string | undefined, env: Readonly<Record<string, string | undefined>>): SourceLocation {
  return locateSources({
    root,
    label: 'charts dir',
    flagDir: chartsDir && resolve(chartsDir),
    flagName: '--charts-dir',
    envDir: env.PLATFORM_CHARTS_DIR && resolve(env.PLATFORM_CHARTS_DIR),
    envName: 'PLATFORM_CHARTS_DIR',
    defaultDir: resolve(root, '../shared/charts'),
    cacheDir: join(root, '.cache/upstream-files'),
    // A mirror of the pinned files serves every path of crd-sources.json, these included.
    baseUrl: env.PLATFORM_CRDS_BASE_URL,
    baseUrlEnvName: 'PLATFORM_CRDS_BASE_URL',
    listFile: LIST_FILE,
  });
}

async function readChartsFiles(
  paths: readonly string[],
  location: SourceLocation,
  pins: ReturnType<typeof loadPins>,
  timeoutMs: number | undefined,
): Promise<Map<string, Buffer>> {
  const unpinned = paths.filter((p) => !pins.files.has(p));
  if (unpinned.length > 0)
    throw new Error(unpinned.map((p) => `${p}: not pinned in ${pins.listFile}: add its upstream url and sha256 there`).join('\n'));
  try {
    return await readPinnedFiles(
      paths.map((p) => pins.files.get(p)!),
      location,
      { timeoutMs },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot read the pinned files from ${describeLocation(location)}:\n  ${message.split('\n').join('\n  ')}`, {
      cause: error,
    });
  }
}

/** Chart objects and manifest objects of each component in one map (what finishCluster takes). */
export function mergeRendered(...maps: readonly ReadonlyMap<Component, readonly KubeObject[]>[]): Map<Component, KubeObject[]> {
  const out = new Map<Component, KubeObject[]>();
  for (const map of maps) for (const [c, objects] of map) out.set(c, [...(out.get(c) ?? []), ...objects]);
  return out;
}
