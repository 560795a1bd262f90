/**
 * The schema check of `platform:validate`: every object in dist against the Kubernetes 1.30
 * schemas (core kinds) or its CRD (custom resources), strictly: unknown or typo'd fields and
 * wrong types are errors.
 *
 * Also errors: unknown kinds (neither built in nor defined by a pinned or rendered CRD), apiVersions
 * removed up to Kubernetes 1.30 (with the replacement), versions a CRD does not serve, objects
 * without a name, namespaced objects without metadata.namespace (cluster-scoped ones with one),
 * request-only kinds and Lists, and the same object (group/kind/namespace/name) twice in a cluster.
 * Warnings: deprecated apiVersions and CRD versions, alpha APIs (off by default in clusters).
 *
 * Core schemas come from kubernetes-types@1.30.0 (see k8s-types-schema.ts), cached as JSON in the
 * cache directory; CRD schemas from crd-schemas.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { createAjv } from './ajv-setup';
import { CrdRegistry, crdsOf, type Crd, type CrdSourceFile } from './crd-schemas';
import { DEPRECATED_APIS, findRemovedApi, isClusterScopedBuiltin, isRequestOnly, KUBERNETES_VERSION, splitApiVersion } from './k8s-api';
import { GENERATOR_VERSION, generateCoreSchemas, type CoreSchemaBundle } from './k8s-types-schema';
import { describeErrors, type SchemaProblem } from './schema-errors';
import type { SourceLocation } from '../../../../scripts/pinned-files.mjs';
import type { DistCluster, DistObject, Finding, ValidateContext } from './types';
import { closest, isRecord, listNames, objectRef, writeFileAtomic, type Json } from './util';

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

/** Core schemas derived from kubernetes-types, generated once and cached as JSON in `cacheDir`. */
export function loadCoreSchemas(cacheDir: string): CoreSchemaBundle {
  const require = localRequire();
  const packageDir = dirname(require.resolve('kubernetes-types/package.json'));
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  const cached = join(cacheDir, `k8s-${version}-g${GENERATOR_VERSION}.json`);
  let bundle: CoreSchemaBundle | undefined;
  if (existsSync(cached)) {
    try {
      bundle = JSON.parse(readFileSync(cached, 'utf8')) as CoreSchemaBundle;
    } catch {
      bundle = undefined;
    }
  }
  if (!bundle) {
    bundle = generateCoreSchemas(require('typescript') as typeof import('typescript'), packageDir);
    writeFileAtomic(cached, JSON.stringify(bundle));
  }
  return {
    ...bundle,
    definitions: { ...bundle.definitions, ...AGGREGATOR_DEFINITIONS },
    kinds: { ...bundle.kinds, 'apiregistration.k8s.io/v1': { APIService: 'apiregistration.v1.APIService' } },
  };
}

const CORE_SCHEMA_ID = 'k8s';
const OBJECT_META_REF = `${CORE_SCHEMA_ID}#/definitions/meta.v1.ObjectMeta`;

/** Core kinds, compiled lazily, one validator per kind. */
class CoreRegistry {
  private readonly validators = new Map<string, ValidateFunction>();
  /** group → kinds of any version, for "unknown kind" messages. */
  readonly kindsByGroup = new Map<string, Set<string>>();

  constructor(
    private readonly ajv: Ajv,
    readonly bundle: CoreSchemaBundle,
  ) {
    ajv.addSchema({ definitions: bundle.definitions }, CORE_SCHEMA_ID);
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

  /** apiVersions serving `kind` in 1.30 (GA first). */
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
      validator = this.ajv.getSchema(`${CORE_SCHEMA_ID}#/definitions/${definition}`);
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

  constructor(
    private readonly core: CoreRegistry,
    private readonly crds: CrdRegistry,
  ) {}

  checkCluster(cluster: DistCluster): void {
    const distCrds = distCrdsOf(cluster);
    const seen = new Map<string, DistObject>();
    for (const component of cluster.components)
      for (const item of component.objects) {
        const resolution = this.checkObject(item, distCrds);
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
    this.findings.push({
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
    const removed = findRemovedApi(apiVersion, kind);
    if (removed) {
      const replacement = removed.replacement ?? this.core.apiVersionsOf(kind).join(' or ');
      const use = replacement ? `; use ${replacement}` : `; Kubernetes ${KUBERNETES_VERSION} has no ${kind}`;
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
    const deprecated = DEPRECATED_APIS[apiVersion];
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
    this.reportProblems(
      item,
      this.core.validate(definition, item.object),
      `Kubernetes ${KUBERNETES_VERSION} schema of ${kind} ${apiVersion}`,
    );
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
          ? `Kubernetes ${KUBERNETES_VERSION} has no kind ${kind} in ${apiVersion}; kinds there: ${listNames(kinds, 30)}`
          : `Kubernetes ${KUBERNETES_VERSION} does not serve ${apiVersion}`;
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

/** `<group>/<kind>` of every object that is not a built-in kind: the CRDs this run needs. */
function customGroupKinds(ctx: ValidateContext, core: CoreRegistry): Set<string> {
  const wanted = new Set<string>();
  for (const cluster of ctx.clusters)
    for (const component of cluster.components)
      for (const { object } of component.objects) {
        if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') continue;
        if (!core.definition(object.apiVersion, object.kind)) wanted.add(`${splitApiVersion(object.apiVersion).group}/${object.kind}`);
      }
  return wanted;
}

/**
 * Runs the schema check over every cluster of `ctx`. Throws PinnedFileError when pinned CRD
 * files can be neither read nor downloaded, or do not match their sha256.
 */
export async function checkSchemas(ctx: ValidateContext, options: SchemaCheckOptions): Promise<Finding[]> {
  const ajv = createAjv();
  const core = new CoreRegistry(ajv, loadCoreSchemas(options.cacheDir));
  const crds = await CrdRegistry.load(ajv, OBJECT_META_REF, customGroupKinds(ctx, core), {
    location: options.crdLocation,
    cacheDir: options.cacheDir,
    ...(options.crdSources ? { sources: options.crdSources } : {}),
  });
  const checker = new SchemaChecker(core, crds);
  for (const cluster of ctx.clusters) checker.checkCluster(cluster);
  return checker.findings;
}
