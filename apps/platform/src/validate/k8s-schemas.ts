/**
 * The schema check of `platform:validate`: every object in dist against the Kubernetes schemas
 * (core kinds) or its CRD (custom resources), strictly: unknown or typo'd fields and wrong types
 * are errors.
 *
 * Core kinds are checked against two releases: the floor (1.30, FLOOR_VERSION) and the release the
 * cluster declares (`dist/<cluster>/cluster.json` `kubernetesVersion`, else the Kubernetes row of
 * the generated `dist/<cluster>/README.md`; load.ts). A problem found in both is reported once,
 * naming both releases. A cluster that declares no release is checked against the floor with a
 * warning; one that declares a release without schemas here (SCHEMA_PACKAGES) is an error.
 *
 * A field set to null counts as absent, as for the API server (util.withoutNulls).
 *
 * Also errors: unknown kinds (neither built in nor defined by a pinned or rendered CRD), apiVersions
 * removed by the release checked (with the replacement), versions a CRD does not serve, objects
 * without a name, namespaced objects without metadata.namespace (cluster-scoped ones with one),
 * request-only kinds and Lists, and the same object (group/kind/namespace/name) twice in a cluster.
 * Warnings: deprecated apiVersions and CRD versions, alpha APIs (off by default in clusters).
 *
 * Core schemas come from kubernetes-types@1.30.0 (k8s-types-schema.ts) and kubernetes-models@4.5.1
 * for 1.33 (k8s-models-schema.ts), cached as JSON in the cache directory; CRD schemas from
 * crd-schemas.ts (custom resources do not depend on the Kubernetes release: checked once).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { createAjv } from './ajv-setup';
import { CrdRegistry, crdsOf, type Crd, type CrdSourceFile } from './crd-schemas';
import {
  compareVersions,
  findDeprecatedApi,
  findRemovedApi,
  FLOOR_VERSION,
  isClusterScopedBuiltin,
  isRequestOnly,
  splitApiVersion,
} from './k8s-api';
import { generateModelsSchemas, MODELS_GENERATOR_VERSION } from './k8s-models-schema';
import { GENERATOR_VERSION, generateCoreSchemas, type CoreSchemaBundle } from './k8s-types-schema';
import { describeErrors, type SchemaProblem } from './schema-errors';
import type { SourceLocation } from '../../../../scripts/pinned-files.mjs';
import type { DistCluster, DistObject, Finding, ValidateContext } from './types';
import { closest, isRecord, listNames, objectRef, withoutNulls, writeFileAtomic, type Json } from './util';

declare const __filename: string | undefined;

/** `require` relative to this module, in the esbuild CommonJS bundle as in vitest's ESM. */
function localRequire(): NodeJS.Require {
  return typeof __filename === 'string' ? createRequire(__filename) : createRequire(import.meta.url);
}

/** apiregistration.k8s.io (kube-aggregator) is not part of kubernetes-types: its 1.30 schema, by hand. */
const AGGREGATOR_DEFINITIONS: Record<string, unknown> = {
  'apiregistration.v1.APIService': {
    type: 'object',
    additionalProperties: false,
    properties: {
      apiVersion: { type: 'string', enum: ['apiregistration.k8s.io/v1'] },
      kind: { type: 'string', enum: ['APIService'] },
      metadata: { $ref: '#/definitions/meta.v1.ObjectMeta' },
      spec: { $ref: '#/definitions/apiregistration.v1.APIServiceSpec' },
      status: {},
    },
  },
  'apiregistration.v1.APIServiceSpec': {
    type: 'object',
    additionalProperties: false,
    required: ['groupPriorityMinimum', 'versionPriority'],
    properties: {
      caBundle: { type: 'string', format: 'byte' },
      group: { type: 'string' },
      groupPriorityMinimum: { type: 'integer', format: 'int32' },
      insecureSkipTLSVerify: { type: 'boolean' },
      service: {
        type: 'object',
        additionalProperties: false,
        properties: { name: { type: 'string' }, namespace: { type: 'string' }, port: { type: 'integer', format: 'int32' } },
      },
      version: { type: 'string' },
      versionPriority: { type: 'integer', format: 'int32' },
    },
  },
};

/**
 * The npm package that carries each Kubernetes release's types, and how to read it. Adding a
 * release: an npm alias in package.json (`kubernetes-models-1-34@npm:kubernetes-models@<x>`) and a
 * line here; then review the tables of k8s-api.ts.
 */
export const SCHEMA_PACKAGES: Readonly<
  Record<string, { readonly package: string; readonly format: 'kubernetes-types' | 'kubernetes-models' }>
> = {
  '1.30': { package: 'kubernetes-types', format: 'kubernetes-types' },
  '1.33': { package: 'kubernetes-models-1-33', format: 'kubernetes-models' },
};

function packageOf(version: string): { dir: string; name: string; version: string; format: 'kubernetes-types' | 'kubernetes-models' } {
  const source = SCHEMA_PACKAGES[version];
  if (!source) throw new Error(`no schema package for Kubernetes ${version}`);
  const dir = dirname(localRequire().resolve(`${source.package}/package.json`));
  const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
  return { dir, name: json.name, version: json.version, format: source.format };
}

/** `kubernetes-types 1.30.0`: where the schemas of a release come from, for the report. */
export function schemaPackage(version: string): string {
  const pkg = packageOf(version);
  return `${pkg.name} ${pkg.version}`;
}

/** Core schemas of Kubernetes `version` (default: the floor), generated once and cached as JSON in `cacheDir`. */
export function loadCoreSchemas(cacheDir: string, version: string = FLOOR_VERSION): CoreSchemaBundle {
  const require = localRequire();
  const pkg = packageOf(version);
  const cached = join(
    cacheDir,
    pkg.format === 'kubernetes-types'
      ? `k8s-${pkg.version}-g${GENERATOR_VERSION}.json`
      : `k8s-${version}-models-${pkg.version}-g${GENERATOR_VERSION}.${MODELS_GENERATOR_VERSION}.json`,
  );
  let bundle: CoreSchemaBundle | undefined;
  if (existsSync(cached)) {
    try {
      bundle = JSON.parse(readFileSync(cached, 'utf8')) as CoreSchemaBundle;
    } catch {
      bundle = undefined;
    }
  }
  if (!bundle) {
    const ts = require('typescript') as typeof import('typescript');
    if (pkg.format === 'kubernetes-types') bundle = generateCoreSchemas(ts, pkg.dir);
    else {
      const apimachinery = dirname(createRequire(join(pkg.dir, 'package.json')).resolve('@kubernetes-models/apimachinery/package.json'));
      bundle = generateModelsSchemas(ts, [pkg.dir, apimachinery], version);
    }
    writeFileAtomic(cached, JSON.stringify(bundle));
  }
  return {
    ...bundle,
    definitions: { ...AGGREGATOR_DEFINITIONS, ...bundle.definitions },
    kinds: {
      ...bundle.kinds,
      'apiregistration.k8s.io/v1': { APIService: 'apiregistration.v1.APIService', ...bundle.kinds['apiregistration.k8s.io/v1'] },
    },
  };
}

/** In messages, stands for the release(s) a problem was found in, filled in when runs are merged. */
const RELEASE = '\u0000release\u0000';

/** `1.30`, `1.30 and 1.33`. */
function releases(versions: readonly string[]): string {
  return versions.length <= 1 ? (versions[0] ?? '') : `${versions.slice(0, -1).join(', ')} and ${versions[versions.length - 1]}`;
}

/**
 * One object's findings from each release's run → one list: a finding of the same rule, path and
 * severity in several runs is reported once, with the releases it was found in.
 */
function mergeRuns(runs: readonly Finding[][], versions: readonly string[]): Finding[] {
  const groups = new Map<string, { finding: Finding; versions: string[] }>();
  runs.forEach((run, index) => {
    const occurrences = new Map<string, number>();
    for (const finding of run) {
      const base = `${finding.rule}\0${finding.path ?? ''}\0${finding.severity}`;
      const n = occurrences.get(base) ?? 0;
      occurrences.set(base, n + 1);
      const key = `${base}\0${n}`;
      const group = groups.get(key);
      if (group) group.versions.push(versions[index]);
      else groups.set(key, { finding, versions: [versions[index]] });
    }
  });
  return [...groups.values()].map(({ finding, versions: found }) => {
    const fill = (text: string) => text.split(RELEASE).join(releases(found));
    return { ...finding, message: fill(finding.message), ...(finding.hint ? { hint: fill(finding.hint) } : {}) };
  });
}

const coreSchemaId = (version: string) => `k8s-${version}`;
/** Custom resources' metadata is checked with the floor's ObjectMeta. */
const OBJECT_META_REF = `${coreSchemaId(FLOOR_VERSION)}#/definitions/meta.v1.ObjectMeta`;

/** Core kinds of one release, compiled lazily, one validator per kind. */
class CoreRegistry {
  private readonly validators = new Map<string, ValidateFunction>();
  /** group → kinds of any version, for "unknown kind" messages. */
  readonly kindsByGroup = new Map<string, Set<string>>();

  private readonly id: string;

  constructor(
    private readonly ajv: Ajv,
    readonly bundle: CoreSchemaBundle,
    readonly version: string,
  ) {
    this.id = coreSchemaId(version);
    ajv.addSchema({ definitions: bundle.definitions }, this.id);
    for (const [apiVersion, kinds] of Object.entries(bundle.kinds)) {
      const { group } = splitApiVersion(apiVersion);
      const set = this.kindsByGroup.get(group) ?? new Set<string>();
      for (const kind of Object.keys(kinds)) set.add(kind);
      this.kindsByGroup.set(group, set);
    }
  }

  definition(apiVersion: string, kind: string): string | undefined {
    return this.bundle.kinds[apiVersion]?.[kind];
  }

  /** apiVersions serving `kind` in this release (GA first). */
  apiVersionsOf(kind: string): string[] {
    const stability = (v: string) => (/alpha/.test(v) ? 2 : /beta/.test(v) ? 1 : 0);
    return Object.keys(this.bundle.kinds)
      .filter((v) => this.bundle.kinds[v][kind])
      .sort((a, b) => stability(a) - stability(b) || (a < b ? -1 : 1));
  }

  kindsOf(apiVersion: string): string[] {
    return Object.keys(this.bundle.kinds[apiVersion] ?? {}).filter((k) => !k.endsWith('List'));
  }

  validate(definition: string, object: Json): SchemaProblem[] {
    let validator = this.validators.get(definition);
    if (!validator) {
      validator = this.ajv.getSchema(`${this.id}#/definitions/${definition}`);
      if (!validator) throw new Error(`core schema ${definition} is missing`);
      this.validators.set(definition, validator);
    }
    validator(object);
    return describeErrors(validator.errors);
  }
}

export interface SchemaCheckOptions {
  /** Where the pinned CRD files come from (sources.ts). */
  readonly crdLocation: SourceLocation;
  /** Directory for derived JSON (core schemas, parsed CRDs). */
  readonly cacheDir: string;
  /** Override of crd-sources.json (tests). */
  readonly crdSources?: readonly CrdSourceFile[];
}

/** What an object is, once its apiVersion and kind are looked up. */
type Resolution =
  | { readonly type: 'core'; readonly definition: string; readonly clusterScoped: boolean }
  | { readonly type: 'crd'; readonly crd: Crd; readonly version: string }
  | { readonly type: 'rejected' };

class SchemaChecker {
  readonly findings: Finding[] = [];
  /** Where report() writes: this.findings, or the run of one release while an object is checked. */
  private sink: Finding[] = this.findings;
  /** The release being checked. */
  private core: CoreRegistry;
  /** Verdicts of core objects by content and releases checked, reused for the same object in another cluster. */
  private readonly coreResults = new Map<string, { findings: Finding[]; resolution: Resolution }>();

  constructor(
    private readonly cores: ReadonlyMap<string, CoreRegistry>,
    private readonly crds: CrdRegistry,
  ) {
    this.core = this.registry(FLOOR_VERSION);
  }

  private registry(version: string): CoreRegistry {
    const core = this.cores.get(version);
    if (!core) throw new Error(`Kubernetes ${version} schemas are not loaded`);
    return core;
  }

  /** Checks each object once per release in `versions` (the floor first), merging what they find. */
  checkCluster(cluster: DistCluster, versions: readonly string[]): void {
    const distCrds = distCrdsOf(cluster);
    const seen = new Map<string, DistObject>();
    for (const component of cluster.components)
      for (const read of component.objects) {
        const item = { ...read, object: withoutNulls(read.object) };
        const memoKey = read.contentKey === undefined ? undefined : `${read.contentKey}\0${versions.join(' ')}`;
        const memo = memoKey === undefined ? undefined : this.coreResults.get(memoKey);
        let resolution: Resolution = { type: 'rejected' };
        if (memo) {
          // The same object (same text) already checked in another cluster, as a core kind: same verdict.
          this.findings.push(...memo.findings.map((f) => ({ ...f, cluster: item.cluster, file: item.file })));
          resolution = memo.resolution;
        } else {
          const runs: Finding[][] = [];
          for (const version of versions) {
            this.core = this.registry(version);
            this.sink = [];
            const result = this.checkObject(item, distCrds);
            runs.push(this.sink);
            if (resolution.type === 'rejected') resolution = result;
            if (result.type === 'crd') break; // a custom resource does not depend on the Kubernetes release
          }
          this.sink = this.findings;
          const merged = mergeRuns(runs, versions);
          this.findings.push(...merged);
          // Core verdicts depend on the object alone; custom resources also on the cluster's CRDs.
          if (memoKey !== undefined && resolution.type === 'core') this.coreResults.set(memoKey, { findings: merged, resolution });
        }
        if (resolution.type !== 'rejected') this.checkIdentity(item, resolution, seen);
      }
  }

  private report(
    item: DistObject,
    severity: Finding['severity'],
    rule: string,
    message: string,
    extra: { path?: string; hint?: string } = {},
  ): void {
    this.sink.push({
      check: 'schema',
      rule,
      severity,
      cluster: item.cluster,
      file: item.file,
      object: objectRef(item.object),
      message,
      ...(extra.path ? { path: extra.path } : {}),
      ...(extra.hint ? { hint: extra.hint } : {}),
    });
  }

  private reportProblems(item: DistObject, problems: SchemaProblem[], against: string): void {
    for (const problem of problems)
      this.report(item, 'error', problem.rule, `${problem.message} (${against})`, {
        path: problem.path,
        ...(problem.hint ? { hint: problem.hint } : {}),
      });
  }

  private checkObject(item: DistObject, distCrds: ReadonlyMap<string, Crd>): Resolution {
    const { apiVersion, kind } = item.object;
    if (typeof apiVersion !== 'string' || apiVersion === '' || typeof kind !== 'string' || kind === '') {
      this.report(
        item,
        'error',
        'missing-type-meta',
        `the object needs string apiVersion and kind, got apiVersion ${JSON.stringify(apiVersion)} and kind ${JSON.stringify(kind)}`,
      );
      return { type: 'rejected' };
    }
    const { group, version } = splitApiVersion(apiVersion);
    const removed = findRemovedApi(apiVersion, kind, this.core.version);
    if (removed) {
      const replacement = removed.replacement ?? this.core.apiVersionsOf(kind).join(' or ');
      const use = replacement ? `; use ${replacement}` : `; there is no ${kind} in Kubernetes ${RELEASE}`;
      this.report(item, 'error', 'removed-api', `${apiVersion} (${kind}) is not served since Kubernetes ${removed.removedIn}${use}`, {
        path: 'apiVersion',
        hint: replacement
          ? `set apiVersion to ${replacement} and adapt the fields that changed (Kubernetes Deprecated API Migration Guide)`
          : 'remove the object, or fix apiVersion/kind',
      });
      return { type: 'rejected' };
    }
    const definition = this.core.definition(apiVersion, kind);
    if (definition) return this.checkCore(item, group, version, kind, definition);
    const crd = this.crds.find(group, kind, distCrds);
    if (crd) return this.checkCustom(item, crd, version);
    this.reportUnknownKind(item, apiVersion, group, kind);
    return { type: 'rejected' };
  }

  private checkCore(item: DistObject, group: string, version: string, kind: string, definition: string): Resolution {
    const apiVersion = item.object.apiVersion as string;
    if (isRequestOnly(group, kind) || (kind.endsWith('List') && definition.endsWith('List'))) {
      this.report(
        item,
        'error',
        'not-a-resource',
        `${kind} ${apiVersion} is ${kind.endsWith('List') ? 'a list of objects' : 'a request, not a stored object'}; it cannot be applied from dist`,
        { hint: kind.endsWith('List') ? 'render each item as its own object, one per file' : 'remove it' },
      );
      return { type: 'rejected' };
    }
    const deprecated = findDeprecatedApi(apiVersion, this.core.version);
    if (deprecated)
      this.report(
        item,
        'warning',
        'deprecated-api',
        `${kind} ${apiVersion} is deprecated and removed in Kubernetes ${deprecated.removedIn}; use ${deprecated.replacement}`,
        { path: 'apiVersion' },
      );
    if (/alpha/.test(version))
      this.report(
        item,
        'warning',
        'alpha-api',
        `${apiVersion} is an alpha API: clusters serve it only when its feature gate and runtime-config are enabled (never on EKS)`,
        { path: 'apiVersion' },
      );
    this.reportProblems(item, this.core.validate(definition, item.object), `Kubernetes ${RELEASE} schema of ${kind} ${apiVersion}`);
    return { type: 'core', definition, clusterScoped: isClusterScopedBuiltin(group, kind) };
  }

  private checkCustom(item: DistObject, crd: Crd, versionName: string): Resolution {
    const apiVersion = item.object.apiVersion as string;
    const version = crd.versions.find((v) => v.name === versionName);
    const served = crd.versions.filter((v) => v.served).map((v) => `${crd.group}/${v.name}`);
    if (!version || !version.served) {
      this.report(
        item,
        'error',
        'unknown-version',
        `${crd.kind} ${apiVersion} is not served by the CRD (${crd.source}); served versions: ${served.join(', ') || 'none'}`,
        { path: 'apiVersion', ...(served.length > 0 ? { hint: `use apiVersion ${served[served.length - 1]}` } : {}) },
      );
      return { type: 'rejected' };
    }
    if (version.deprecated)
      this.report(
        item,
        'warning',
        'deprecated-api',
        `${crd.kind} ${apiVersion} is deprecated by its CRD (${crd.source})${version.deprecationWarning ? `: ${version.deprecationWarning}` : ''}`,
        { path: 'apiVersion' },
      );
    this.reportProblems(item, this.crds.validate(item.object, crd, version), `CRD schema of ${crd.kind} ${apiVersion} from ${crd.source}`);
    return { type: 'crd', crd, version: versionName };
  }

  private reportUnknownKind(item: DistObject, apiVersion: string, group: string, kind: string): void {
    const builtinKinds = this.core.kindsByGroup.get(group);
    if (builtinKinds) {
      const kinds = this.core.kindsOf(apiVersion);
      const suggestion = closest(kind, kinds.length > 0 ? kinds : [...builtinKinds]);
      const inOtherVersion = [...builtinKinds].includes(kind);
      const message =
        kinds.length > 0
          ? `no kind ${kind} in ${apiVersion} in Kubernetes ${RELEASE}; kinds there: ${listNames(kinds, 30)}`
          : `${apiVersion} is not served in Kubernetes ${RELEASE}`;
      const hint =
        suggestion && suggestion !== kind
          ? `did you mean kind ${suggestion}?`
          : inOtherVersion
            ? `${kind} is served as ${this.core.apiVersionsOf(kind).join(', ')}`
            : undefined;
      this.report(item, 'error', 'unknown-kind', message, { path: 'kind', ...(hint ? { hint } : {}) });
      return;
    }
    this.report(
      item,
      'error',
      'unknown-kind',
      `no CRD defines ${kind} in group ${group || '(core)'}: neither a pinned CRD (crd-sources.json) nor a CustomResourceDefinition in dist/${item.cluster}`,
      {
        path: 'kind',
        hint: 'fix apiVersion/kind, or pin the CRD file of the operator in libs/crds/crd-sources.json',
      },
    );
  }

  /** metadata.name, namespace scope and duplicates. */
  private checkIdentity(item: DistObject, resolution: Exclude<Resolution, { type: 'rejected' }>, seen: Map<string, DistObject>): void {
    const metadata = isRecord(item.object.metadata) ? item.object.metadata : {};
    const name = metadata.name;
    const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
    const clusterScoped = resolution.type === 'core' ? resolution.clusterScoped : resolution.crd.scope === 'Cluster';
    const kind = item.object.kind as string;
    if (typeof name !== 'string' || name === '')
      this.report(item, 'error', 'missing-name', `${kind} has no metadata.name; every object in dist needs an explicit, stable name`, {
        path: 'metadata.name',
      });
    if (!clusterScoped && !namespace)
      this.report(item, 'error', 'missing-namespace', `${kind} is namespaced but has no metadata.namespace`, {
        path: 'metadata.namespace',
        hint: 'set metadata.namespace explicitly, so the object does not depend on the Application destination',
      });
    if (clusterScoped && namespace)
      this.report(
        item,
        'error',
        'unexpected-namespace',
        `${kind} is cluster-scoped but sets metadata.namespace ${JSON.stringify(namespace)}`,
        { path: 'metadata.namespace', hint: 'remove metadata.namespace' },
      );
    if (typeof name !== 'string') return;
    const group = splitApiVersion(item.object.apiVersion as string).group;
    const identity = `${group}/${kind}/${clusterScoped ? '' : (namespace ?? '')}/${name}`;
    const first = seen.get(identity);
    if (first)
      this.report(
        item,
        'error',
        'duplicate-object',
        `${objectRef(item.object)} (${group || 'core'}) is defined twice in cluster ${item.cluster}: here and in ${first.file}`,
        { hint: 'keep one definition; names must be unique per kind and namespace' },
      );
    else seen.set(identity, item);
  }
}

/** CustomResourceDefinitions rendered in a cluster's dist, by `<group>/<kind>`. */
function distCrdsOf(cluster: DistCluster): Map<string, Crd> {
  const crds = new Map<string, Crd>();
  for (const component of cluster.components)
    for (const item of component.objects) {
      if (item.object.kind !== 'CustomResourceDefinition' || item.object.apiVersion !== 'apiextensions.k8s.io/v1') continue;
      try {
        for (const crd of crdsOf([item.object], item.file)) crds.set(`${crd.group}/${crd.kind}`, crd);
      } catch {
        // its own schema check reports what is wrong with it
      }
    }
  return crds;
}

/** `<group>/<kind>` of every object that is not a built-in kind of some release checked: the CRDs this run needs. */
function customGroupKinds(ctx: ValidateContext, cores: readonly CoreRegistry[]): Set<string> {
  const wanted = new Set<string>();
  for (const cluster of ctx.clusters)
    for (const component of cluster.components)
      for (const { object } of component.objects) {
        if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') continue;
        const { apiVersion, kind } = object;
        if (cores.some((core) => !core.definition(apiVersion, kind))) wanted.add(`${splitApiVersion(apiVersion).group}/${kind}`);
      }
  return wanted;
}

/** The Kubernetes releases one cluster is checked against, and why. */
export interface ClusterReleases {
  /** The release the cluster declares, if it does. */
  readonly declared?: string;
  /** The file it was read from. */
  readonly source?: string;
  /** Releases checked, the floor first. */
  readonly checked: readonly string[];
  /** Set when the declared release cannot be checked (or none is declared). */
  readonly problem?: Finding;
}

/** Per cluster: the floor, and the declared release when there are schemas for it. */
export function clusterReleases(ctx: ValidateContext): Map<string, ClusterReleases> {
  const result = new Map<string, ClusterReleases>();
  const known = Object.keys(SCHEMA_PACKAGES).sort(compareVersions);
  for (const cluster of ctx.clusters) {
    const declared = cluster.kubernetes;
    const problem = (severity: Finding['severity'], rule: string, message: string, hint: string, file: string): Finding => ({
      check: 'schema',
      rule,
      severity,
      cluster: cluster.name,
      file,
      message,
      hint,
    });
    if (!declared) {
      result.set(cluster.name, {
        checked: [FLOOR_VERSION],
        problem: problem(
          'warning',
          'unknown-kubernetes-version',
          `cluster ${cluster.name} declares no Kubernetes release (no kubernetesVersion in ${cluster.dir}/cluster.json, no Kubernetes row in ${cluster.dir}/README.md): checked against the floor ${FLOOR_VERSION} only`,
          'synth writes the cluster facts; re-run it',
          `${cluster.dir}/cluster.json`,
        ),
      });
      continue;
    }
    const base = { declared: declared.version, source: declared.source };
    // A release below the floor, or one without schemas here, is checked against the floor only.
    const unsupported: [message: string, hint: string] | undefined =
      compareVersions(declared.version, FLOOR_VERSION) < 0
        ? [
            `cluster ${cluster.name} declares Kubernetes ${declared.version}, below the floor ${FLOOR_VERSION} the platform supports`,
            `upgrade the cluster to ${FLOOR_VERSION} or later`,
          ]
        : !SCHEMA_PACKAGES[declared.version]
          ? [
              `cluster ${cluster.name} declares Kubernetes ${declared.version}; validate has schemas for ${known.join(', ')}: checked against the floor ${FLOOR_VERSION} only`,
              `pin the types of Kubernetes ${declared.version} (SCHEMA_PACKAGES in apps/platform/src/validate/k8s-schemas.ts), or declare a release listed there`,
            ]
          : undefined;
    result.set(
      cluster.name,
      unsupported
        ? {
            ...base,
            checked: [FLOOR_VERSION],
            problem: problem('error', 'unsupported-kubernetes-version', ...unsupported, declared.source),
          }
        : { ...base, checked: [...new Set([FLOOR_VERSION, declared.version])] },
    );
  }
  return result;
}

/**
 * Runs the schema check over every cluster of `ctx`. Throws PinnedFileError when pinned CRD
 * files can be neither read nor downloaded, or do not match their sha256.
 */
export async function checkSchemas(ctx: ValidateContext, options: SchemaCheckOptions): Promise<Finding[]> {
  const plan = clusterReleases(ctx);
  const versions = [...new Set([FLOOR_VERSION, ...[...plan.values()].flatMap((p) => p.checked)])];
  const ajv = createAjv();
  const cores = new Map(versions.map((v) => [v, new CoreRegistry(ajv, loadCoreSchemas(options.cacheDir, v), v)]));
  const crds = await CrdRegistry.load(ajv, OBJECT_META_REF, customGroupKinds(ctx, [...cores.values()]), {
    location: options.crdLocation,
    cacheDir: options.cacheDir,
    ...(options.crdSources ? { sources: options.crdSources } : {}),
  });
  const checker = new SchemaChecker(cores, crds);
  for (const cluster of ctx.clusters) {
    const releasesOf = plan.get(cluster.name) ?? { checked: [FLOOR_VERSION] };
    if (releasesOf.problem) checker.findings.push(releasesOf.problem);
    checker.checkCluster(cluster, releasesOf.checked);
  }
  return checker.findings;
}
