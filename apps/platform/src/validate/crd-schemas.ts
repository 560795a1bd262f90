/**
 * Custom resources checked against the `openAPIV3Schema` of the matching CRD version, with ajv.
 *
 * CRDs come from the pinned upstream files listed in crd-sources.json (read and hash-checked by
 * sources.ts) and from CustomResourceDefinition objects rendered into the cluster's own dist.
 * Only the files defining kinds that dist uses are read. Parsing a large CRD file takes up to a
 * second, so the extracted CRDs are cached as JSON under the cache directory, keyed by sha256.
 *
 * Schemas are made strict (ajv-setup.ts: unknown fields fail unless the schema preserves them),
 * `metadata` is checked with the core ObjectMeta schema (names, string labels and annotations),
 * and each object is validated against the projection of the schema onto its own fields
 * (project-schema.ts), compiled once per distinct projection.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { strictifySchema } from './ajv-setup';
import { validateProjected } from './project-schema';
import type { SchemaProblem } from './schema-errors';
import { PinnedFileError, readPinnedFiles, type PinnedFile, type SourceLocation } from '../../../../scripts/pinned-files.mjs';
import { isRecord, writeFileAtomic, type Json } from './util';
import crdSourcesJson from '@platform/crds/crd-sources.json';

export interface CrdSourceFile extends PinnedFile {
  /** `<group>/<kind>` of every CRD in the file. */
  readonly kinds: readonly string[];
}

export const CRD_SOURCES: readonly CrdSourceFile[] = crdSourcesJson.files;

export interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly deprecated: boolean;
  readonly deprecationWarning?: string;
  readonly schema?: unknown;
}

export interface Crd {
  readonly group: string;
  readonly kind: string;
  readonly scope: 'Namespaced' | 'Cluster';
  readonly versions: readonly CrdVersion[];
  /** Where the CRD comes from, for messages: a pinned file path or a dist file. */
  readonly source: string;
}

/** Extracts the CRDs of parsed YAML documents; throws on a document that is not a usable CRD. */
export function crdsOf(documents: readonly unknown[], source: string): Crd[] {
  return documents.map((document, index) => {
    const spec = isRecord(document) && isRecord(document.spec) ? document.spec : undefined;
    const names = spec && isRecord(spec.names) ? spec.names : undefined;
    if (
      !isRecord(document) ||
      document.kind !== 'CustomResourceDefinition' ||
      !spec ||
      !names ||
      typeof spec.group !== 'string' ||
      typeof names.kind !== 'string' ||
      !Array.isArray(spec.versions)
    )
      throw new PinnedFileError(
        `${source}: document ${index + 1} is not an apiextensions.k8s.io/v1 CustomResourceDefinition with spec.group, spec.names.kind and spec.versions`,
      );
    const versions = spec.versions.filter(isRecord).map((v) => ({
      name: String(v.name),
      served: v.served !== false,
      deprecated: v.deprecated === true,
      ...(typeof v.deprecationWarning === 'string' ? { deprecationWarning: v.deprecationWarning } : {}),
      schema: isRecord(v.schema) ? v.schema.openAPIV3Schema : undefined,
    }));
    return { group: spec.group, kind: names.kind, scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced', versions, source };
  });
}

function parseCrdFile(text: string, source: string): Crd[] {
  const documents = parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) throw new PinnedFileError(`${source}: YAML syntax error: ${document.errors[0].message.split('\n')[0]}`);
    const value = document.toJS() as unknown;
    return value === null || value === undefined ? [] : [value];
  });
  return crdsOf(documents, source);
}

export interface CrdRegistryOptions {
  readonly location: SourceLocation;
  /** Directory for the parsed-CRD JSON cache. */
  readonly cacheDir: string;
  readonly sources?: readonly CrdSourceFile[];
}

const key = (group: string, kind: string): string => `${group}/${kind}`;

/** The CRDs known to one validation run, and the validators compiled from them. */
export class CrdRegistry {
  private readonly pinned = new Map<string, Crd>();
  private readonly validators = new Map<string, ValidateFunction>();

  private constructor(
    private readonly ajv: Ajv,
    private readonly objectMetaRef: string,
  ) {}

  /**
   * Loads the pinned CRDs that define any of `groupKinds` (`<group>/<kind>`). Kinds that no pinned
   * file defines are simply not known afterwards (the caller reports them).
   */
  static async load(ajv: Ajv, objectMetaRef: string, groupKinds: Iterable<string>, options: CrdRegistryOptions): Promise<CrdRegistry> {
    const registry = new CrdRegistry(ajv, objectMetaRef);
    const wanted = new Set(groupKinds);
    const files = (options.sources ?? CRD_SOURCES).filter((file) => file.kinds.some((k) => wanted.has(k)));
    const contents = await readPinnedFiles(files, options.location);
    for (const file of files)
      for (const crd of registry.parseCached(file, contents.get(file.path)!, options.cacheDir))
        registry.pinned.set(key(crd.group, crd.kind), crd);
    return registry;
  }

  /** `data` was hash-checked by readPinnedFiles, so its parsed form can be cached under its hash. */
  private parseCached(file: PinnedFile, data: Buffer, cacheDir: string): Crd[] {
    const cached = join(cacheDir, `crd-${file.sha256}.json`);
    if (existsSync(cached)) {
      try {
        return JSON.parse(readFileSync(cached, 'utf8')) as Crd[];
      } catch {
        // a damaged cache entry is rebuilt below
      }
    }
    const crds = parseCrdFile(data.toString('utf8'), file.path);
    writeFileAtomic(cached, JSON.stringify(crds));
    return crds;
  }

  /** The CRD for a kind: one rendered in the cluster's dist wins over the pinned upstream file. */
  find(group: string, kind: string, distCrds?: ReadonlyMap<string, Crd>): Crd | undefined {
    return distCrds?.get(key(group, kind)) ?? this.pinned.get(key(group, kind));
  }

  /** Validates a custom resource against one version of its CRD. */
  validate(object: Json, crd: Crd, version: CrdVersion): SchemaProblem[] {
    if (!isRecord(version.schema))
      return [
        {
          rule: 'invalid-value',
          path: '',
          message: `the CRD (${crd.source}) declares no schema for version ${version.name}; the object cannot be checked`,
        },
      ];
    const schema = this.rootSchema(crd, version);
    return validateProjected(this.ajv, this.validators, schema, object);
  }

  private readonly roots = new Map<string, Json>();

  /** The strict schema of one CRD version, with core ObjectMeta for metadata. */
  private rootSchema(crd: Crd, version: CrdVersion): Json {
    const id = `${crd.source}|${crd.group}/${crd.kind}/${version.name}`;
    let root = this.roots.get(id);
    if (!root) {
      root = strictifySchema(version.schema, { mode: 'crd' }) as Json;
      root.properties = {
        ...(isRecord(root.properties) ? root.properties : {}),
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { $ref: this.objectMetaRef },
      };
      root.required = [
        ...new Set([...(Array.isArray(root.required) ? (root.required as string[]) : []), 'apiVersion', 'kind', 'metadata']),
      ];
      this.roots.set(id, root);
    }
    return root;
  }
}
