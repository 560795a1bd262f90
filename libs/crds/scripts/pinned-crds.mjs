// The CRD files import.mjs reads: pinned in libs/crds/crd-sources.json (shared with
// `platform:validate`), read from --crds-dir, $PLATFORM_CRDS_DIR, <repo>/../shared/crds, or downloaded
// into <repo>/.cache/crds and sha256-checked by scripts/pinned-files.mjs.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PinnedFileError, describeLocation, locateSources, readPinnedFiles } from '../../../scripts/pinned-files.mjs';

/** The pinned-file list, relative to the repository root. */
export const PINS_FILE = 'libs/crds/crd-sources.json';

export { PinnedFileError as PinnedCrdError, describeLocation };

/** Reads crd-sources.json: pinned files by path, and the projects (repo, tag, dir) by name. */
export function loadPins(repoRoot) {
  let list;
  try {
    list = JSON.parse(readFileSync(join(repoRoot, PINS_FILE), 'utf8'));
  } catch (err) {
    throw new PinnedFileError(`cannot read ${PINS_FILE}: ${err.message}`);
  }
  const files = new Map();
  for (const f of list.files ?? []) {
    if (typeof f?.path !== 'string' || typeof f.url !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256))
      throw new PinnedFileError(`${PINS_FILE}: every file needs path, url and sha256 (64 hex digits), got ${JSON.stringify(f)}`);
    files.set(f.path, f);
  }
  const projects = list.projects ?? {};
  for (const [name, p] of Object.entries(projects))
    if (typeof p?.repo !== 'string' || typeof p.tag !== 'string' || typeof p.dir !== 'string' || !p.dir)
      throw new PinnedFileError(
        `${PINS_FILE}: project ${name} needs repo, tag and dir (its folder in the CRD dir), got ${JSON.stringify(p)}`,
      );
  return { files, projects, listFile: PINS_FILE };
}

/**
 * Path in the CRD dir of `file` of `project` (`<dir>/<file>`, dir from crd-sources.json: the folder
 * may carry the version, `istio-1.30.3`, while the project keeps its name). Throws for an unknown project.
 */
export function pinnedPath(pins, project, file) {
  const dir = pins.projects[project]?.dir;
  if (!dir)
    throw new PinnedFileError(
      `project ${JSON.stringify(project)} is not in ${pins.listFile} (projects: ${Object.keys(pins.projects).sort().join(', ')})`,
    );
  return `${dir}/${file}`;
}

/** Where the CRD files come from: a directory, or downloads cached in `cacheDir` (default <repo>/.cache/crds). */
export function locateCrds({ repoRoot, crdsDir, env = process.env, cacheDir = join(repoRoot, '.cache/crds') }) {
  return locateSources({
    root: repoRoot,
    label: 'CRD dir',
    flagDir: crdsDir && resolve(crdsDir),
    flagName: '--crds-dir',
    envDir: env.PLATFORM_CRDS_DIR && resolve(env.PLATFORM_CRDS_DIR),
    envName: 'PLATFORM_CRDS_DIR',
    defaultDir: resolve(repoRoot, '../shared/crds'),
    cacheDir,
    baseUrl: env.PLATFORM_CRDS_BASE_URL,
    baseUrlEnvName: 'PLATFORM_CRDS_BASE_URL',
    listFile: PINS_FILE,
  });
}

/**
 * Reads the given CRD paths (relative to the CRD dir), hash-checked. Returns a Map path -> Buffer in
 * the order given; throws one error listing every file that is not pinned or cannot be read.
 */
export async function readPinnedCrds(paths, location, pins, options = {}) {
  const unique = [...new Set(paths)];
  const unpinned = unique.filter((p) => !pins.files.has(p));
  if (unpinned.length > 0)
    throw new PinnedFileError(
      unpinned
        .map((p) => `${p}: not pinned in ${pins.listFile}: add its upstream url and sha256 there (bindings come from pinned files only)`)
        .join('\n'),
    );
  try {
    return await readPinnedFiles(
      unique.map((p) => pins.files.get(p)),
      location,
      options,
    );
  } catch (error) {
    throw new PinnedFileError(`cannot read the pinned CRD files:\n  ${error.message.split('\n').join('\n  ')}`);
  }
}
