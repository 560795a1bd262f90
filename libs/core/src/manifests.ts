/**
 * Pinned upstream manifest files: plain YAML (not a chart) that a component delivers as upstream
 * publishes it (the Gateway API CRDs, an operator's install manifests), with the provenance and
 * offline behaviour of charts. Each file is pinned in libs/crds/crd-sources.json (path, upstream
 * URL at the tag, sha256) and read at synth, hash-checked, through libs/crds/scripts/pinned-crds.mjs:
 * from `--crds-dir`, `PLATFORM_CRDS_DIR` or `../shared/crds`, else downloaded once into
 * `.cache/crds/`. The objects join the component's chart objects, so they get the same
 * normalization (CRDs at sync-wave -1, server-side apply for the big ones), patches and checks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { writeFileAtomic } from '../../../scripts/pinned-files.mjs';
import crdSources from '@platform/crds/crd-sources.json';
import { loadPins, locateCrds, pinnedPath, readPinnedCrds } from '../../crds/scripts/pinned-crds.mjs';
import { clusterScopedCrdKinds } from './chart-objects';
import type { Component, KubeObject } from './component';
import { Problem, SynthError } from './errors';
import { groupOf, isClusterScoped } from './kinds';

/** Upstream manifest files a component delivers, pinned in libs/crds/crd-sources.json. */
export interface PinnedManifests {
  /** Project in crd-sources.json (its `dir` is the folder in the CRD dir), e.g. `gateway-api`. */
  readonly project: string;
  /** Upstream repository (`owner/name`): must be the project's in crd-sources.json. */
  readonly repo: string;
  /** Upstream tag: must be the project's in crd-sources.json. */
  readonly tag: string;
  /** Files of the project (names in its folder), delivered in this order. */
  readonly files: readonly string[];
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
const PROJECTS: Readonly<Record<string, { repo: string; tag: string; dir: string }>> = crdSources.projects;
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
  const project = PROJECTS[manifests.project];
  if (!project)
    return {
      problems: [
        `project ${JSON.stringify(manifests.project)} is not pinned in ${LIST_FILE} (projects: ${Object.keys(PROJECTS).sort().join(', ')})`,
      ],
    };
  for (const key of ['repo', 'tag'] as const)
    if (manifests[key] !== project[key])
      problems.push(
        `${key} ${JSON.stringify(manifests[key])} is not the ${key} ${LIST_FILE} pins for ${manifests.project}: ${project[key]}`,
      );
  if (manifests.files.length === 0) problems.push('files is empty: name the files of the project to deliver');
  const files = manifests.files.map((file) => ({ file, pin: PINNED.get(`${project.dir}/${file}`) }));
  for (const { file, pin } of files)
    if (!pin) problems.push(`${project.dir}/${file} is not pinned in ${LIST_FILE}: add its upstream url and sha256 there`);
  if (manifests.namespace !== undefined && !namespaces.includes(manifests.namespace))
    problems.push(
      `namespace ${JSON.stringify(manifests.namespace)} is not one of the component's namespaces (${namespaces.join(', ')}): declare it in extraNamespaces`,
    );
  const provenance: UpstreamFiles = {
    repo: project.repo,
    tag: project.tag,
    files: files.flatMap(({ pin }) => (pin ? [{ path: pin.path, url: pin.url, sha256: pin.sha256 }] : [])),
  };
  return { provenance, problems };
}

/** Where the files are read from: the repository root, and the CRD dir flag (`--crds-dir`) if given. */
export interface ReadManifestsOptions {
  readonly root: string;
  readonly crdsDir?: string;
  /** @default process.env (PLATFORM_CRDS_DIR, PLATFORM_CRDS_BASE_URL) */
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
  const known = parsed.get(sha256);
  if (known) return structuredClone(known);
  const cached = cacheDir && join(cacheDir, `manifests-${sha256}.json`);
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
  const location = locateCrds({ repoRoot: options.root, crdsDir: options.crdsDir, env: options.env ?? process.env });
  const problems: Problem[] = [];
  for (const component of withManifests) {
    const manifests = component.manifests!;
    try {
      const paths = manifests.files.map((f) => pinnedPath(pins, manifests.project, f));
      const files = await readPinnedCrds(paths, location, pins, { timeoutMs: options.timeoutMs });
      const objects = paths.flatMap((p) => parseManifestFile(p, pins.files.get(p)!.sha256, files.get(p)!, options.cacheDir));
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

/** Chart objects and manifest objects of each component in one map (what finishCluster takes). */
export function mergeRendered(...maps: readonly ReadonlyMap<Component, readonly KubeObject[]>[]): Map<Component, KubeObject[]> {
  const out = new Map<Component, KubeObject[]>();
  for (const map of maps) for (const [c, objects] of map) out.set(c, [...(out.get(c) ?? []), ...objects]);
  return out;
}
