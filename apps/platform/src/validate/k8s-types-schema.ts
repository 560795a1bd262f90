/**
 * Derives JSON schemas for the Kubernetes 1.30 API from the npm package `kubernetes-types@1.30.0`,
 * TypeScript declarations generated from the Kubernetes 1.30 OpenAPI definitions (one file per API
 * group version, every property with its type, required properties without `?`).
 *
 * Why this source: no maintained npm package ships the 1.30 OpenAPI/JSON schemas as data.
 * `kubernetes-models` ships precompiled, non-strict validators (no schemas to make strict) and
 * merges many Kubernetes versions; `kubernetes-types` follows exactly one version.
 *
 * The schemas are strict: every object type gets `additionalProperties: false` (unknown or typo'd
 * fields fail, as `kubectl apply --validate=strict` does), maps (`{[name: string]: T}`) get
 * `additionalProperties: T`. What the declarations lose from the OpenAPI document: number formats
 * (int32/int64 become `number`) and enums (there are none in the 1.30 OpenAPI v2 document either).
 *
 * The conversion parses about 780 kB of declarations with the TypeScript compiler (~0.5 s), so
 * k8s-schemas.ts caches its result as JSON keyed by the package version and GENERATOR_VERSION.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type * as TS from 'typescript';

/** Bump when the output of this generator changes, to invalidate cached schemas. */
export const GENERATOR_VERSION = 6;

export interface CoreSchemaBundle {
  /** kubernetes-types version the schemas were derived from (= Kubernetes version). */
  readonly kubernetesVersion: string;
  /** JSON schema definitions, keyed `<dir>.<Type>` (e.g. `apps.v1.Deployment`). */
  readonly definitions: Record<string, unknown>;
  /** Top-level kinds: `apiVersion` → `kind` → definition name. */
  readonly kinds: Record<string, Record<string, string>>;
}

export type Schema = Record<string, unknown>;

export const ANY: Schema = {};

/** The schema of a scalar TypeScript type (string, number, boolean, any/unknown, a string literal), or undefined. */
export function scalarSchema(ts: typeof TS, node: TS.TypeNode): Schema | undefined {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { type: 'string' };
    case ts.SyntaxKind.NumberKeyword:
      return { type: 'number' };
    case ts.SyntaxKind.BooleanKeyword:
      return { type: 'boolean' };
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.UnknownKeyword:
      return ANY;
  }
  if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return { type: 'string', enum: [node.literal.text] };
  return undefined;
}
/** Types that the declarations give as aliases or empty interfaces, mapped to their wire format. */
export const SPECIAL: Record<string, Schema> = {
  'api.resource.Quantity': { type: ['string', 'number'], format: 'quantity' },
  'meta.v1.Time': { type: 'string', format: 'date-time' },
  'meta.v1.MicroTime': { type: 'string', format: 'date-time' },
  // Free-form JSON by definition.
  'runtime.RawExtension': ANY,
  'meta.v1.FieldsV1': ANY,
  'apiextensions.v1.JSON': ANY,
};

/**
 * Lists whose items the API server requires to be unique by some keys (it answers "Duplicate
 * value"); the declarations do not carry these `x-kubernetes-list-type: map` markers.
 */
const LIST_MAP_KEYS: Record<string, Record<string, string[]>> = {
  'core.v1.PodSpec': { containers: ['name'], initContainers: ['name'], ephemeralContainers: ['name'], volumes: ['name'] },
  'core.v1.Container': { volumeMounts: ['mountPath'] },
};

/**
 * Allowed values of common enum fields (Go types marked `+enum` in Kubernetes 1.30; the
 * declarations only mention them in prose). A string field listed here rejects other values, an
 * array field rejects other items.
 */
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const SELECTOR_OPERATORS = ['DoesNotExist', 'Exists', 'In', 'NotIn'];
const ENUMS: Record<string, Record<string, string[]>> = {
  'core.v1.Container': {
    imagePullPolicy: ['Always', 'IfNotPresent', 'Never'],
    terminationMessagePolicy: ['FallbackToLogsOnError', 'File'],
  },
  'core.v1.EphemeralContainer': { imagePullPolicy: ['Always', 'IfNotPresent', 'Never'] },
  'core.v1.ContainerPort': { protocol: PROTOCOLS },
  'core.v1.ServicePort': { protocol: PROTOCOLS },
  'networking.v1.NetworkPolicyPort': { protocol: PROTOCOLS },
  'networking.v1.NetworkPolicySpec': { policyTypes: ['Egress', 'Ingress'] },
  'core.v1.ServiceSpec': {
    type: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'],
    externalTrafficPolicy: ['Cluster', 'Local'],
    internalTrafficPolicy: ['Cluster', 'Local'],
    sessionAffinity: ['ClientIP', 'None'],
  },
  'core.v1.PodSpec': {
    restartPolicy: ['Always', 'Never', 'OnFailure'],
    dnsPolicy: ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'],
  },
  'core.v1.SeccompProfile': { type: ['Localhost', 'RuntimeDefault', 'Unconfined'] },
  'core.v1.AppArmorProfile': { type: ['Localhost', 'RuntimeDefault', 'Unconfined'] },
  'core.v1.HTTPGetAction': { scheme: ['HTTP', 'HTTPS'] },
  'core.v1.Toleration': { operator: ['Equal', 'Exists'], effect: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'] },
  'core.v1.TopologySpreadConstraint': {
    whenUnsatisfiable: ['DoNotSchedule', 'ScheduleAnyway'],
    nodeAffinityPolicy: ['Honor', 'Ignore'],
    nodeTaintsPolicy: ['Honor', 'Ignore'],
  },
  'core.v1.NodeSelectorRequirement': { operator: [...SELECTOR_OPERATORS, 'Gt', 'Lt'] },
  'meta.v1.LabelSelectorRequirement': { operator: SELECTOR_OPERATORS },
  'core.v1.PersistentVolumeClaimSpec': {
    accessModes: ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'],
    volumeMode: ['Block', 'Filesystem'],
  },
  'apps.v1.DeploymentStrategy': { type: ['Recreate', 'RollingUpdate'] },
  'apps.v1.StatefulSetSpec': { podManagementPolicy: ['OrderedReady', 'Parallel'] },
  'apps.v1.StatefulSetUpdateStrategy': { type: ['OnDelete', 'RollingUpdate'] },
  'apps.v1.DaemonSetUpdateStrategy': { type: ['OnDelete', 'RollingUpdate'] },
  'batch.v1.CronJobSpec': { concurrencyPolicy: ['Allow', 'Forbid', 'Replace'] },
  'policy.v1.PodDisruptionBudgetSpec': { unhealthyPodEvictionPolicy: ['AlwaysAllow', 'IfHealthyBudget'] },
};

type ObjectDefinition = { properties?: Record<string, Schema> };

function fieldOf(definitions: Record<string, unknown>, definition: string, field: string): Schema {
  const schema = (definitions[definition] as ObjectDefinition | undefined)?.properties?.[field];
  if (!schema) throw new Error(`kubernetes-types: ${definition} has no field ${field}`);
  return schema;
}

function addListMapKeys(definitions: Record<string, unknown>): void {
  for (const [definition, lists] of Object.entries(LIST_MAP_KEYS))
    for (const [field, keys] of Object.entries(lists))
      Object.assign(fieldOf(definitions, definition, field), { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys });
}

function addEnums(definitions: Record<string, unknown>): void {
  for (const [definition, fields] of Object.entries(ENUMS))
    for (const [field, values] of Object.entries(fields)) {
      const schema = fieldOf(definitions, definition, field);
      Object.assign(schema.type === 'array' ? (schema.items as Schema) : schema, { enum: values });
    }
}

export function listDeclarationFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === 'node_modules' || name === '_schemas' ? [] : listDeclarationFiles(path);
      return name.endsWith('.d.ts') ? [path] : [];
    });
}

/** `apps/v1.d.ts` → `apps.v1`; imports like `../meta/v1` resolve to `meta.v1`. */
function moduleId(packageDir: string, file: string): string {
  return relative(packageDir, file)
    .replace(/\.d\.ts$/, '')
    .split(/[\\/]/)
    .join('.');
}

class Converter {
  readonly definitions: Record<string, unknown> = {};
  readonly kinds: Record<string, Record<string, string>> = {};

  constructor(
    private readonly ts: typeof TS,
    private readonly packageDir: string,
  ) {}

  convertFile(file: string): void {
    const ts = this.ts;
    const id = moduleId(this.packageDir, file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const imports = this.importsOf(source, id);
    for (const statement of source.statements) {
      if (ts.isInterfaceDeclaration(statement)) this.addInterface(id, statement, imports);
      else if (ts.isTypeAliasDeclaration(statement))
        this.addDefinition(`${id}.${statement.name.text}`, this.typeSchema(statement.type, id, imports));
    }
  }

  private importsOf(source: TS.SourceFile, id: string): Map<string, string> {
    const ts = this.ts;
    const imports = new Map<string, string>();
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const target = join(id.split('.').slice(0, -1).join('/'), statement.moduleSpecifier.text).split(/[\\/]/).join('.');
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings))
        for (const element of bindings.elements) imports.set(element.name.text, `${target}.${(element.propertyName ?? element.name).text}`);
    }
    return imports;
  }

  private addDefinition(name: string, schema: Schema): void {
    this.definitions[name] = SPECIAL[name] ?? schema;
  }

  private addInterface(id: string, node: TS.InterfaceDeclaration, imports: Map<string, string>): void {
    const ts = this.ts;
    const name = `${id}.${node.name.text}`;
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    let apiVersion: string | undefined;
    let kind: string | undefined;
    for (const member of node.members) {
      if (!ts.isPropertySignature(member) || !member.type) throw new Error(`kubernetes-types: unexpected member in ${name}`);
      const key = ts.isIdentifier(member.name) || ts.isStringLiteral(member.name) ? member.name.text : member.name.getText();
      properties[key] = this.typeSchema(member.type, id, imports);
      if (!member.questionToken) required.push(key);
      const literal = ts.isLiteralTypeNode(member.type) && ts.isStringLiteral(member.type.literal) ? member.type.literal.text : undefined;
      if (key === 'apiVersion') apiVersion = literal;
      if (key === 'kind') kind = literal;
    }
    if (node.members.length === 0) {
      this.addDefinition(name, ANY);
      return;
    }
    const schema: Schema = { type: 'object', properties, additionalProperties: false };
    if (required.length > 0) schema.required = required.sort();
    this.addDefinition(name, schema);
    // meta/v1 declares discovery documents (APIGroup, APIVersions, ...), not resources.
    if (apiVersion && kind && id !== 'meta.v1') (this.kinds[apiVersion] ??= {})[kind] = name;
  }

  private typeSchema(node: TS.TypeNode, id: string, imports: Map<string, string>): Schema {
    const ts = this.ts;
    const scalar = scalarSchema(ts, node);
    if (scalar) return scalar;
    if (ts.isArrayTypeNode(node)) return { type: 'array', items: this.typeSchema(node.elementType, id, imports) };
    if (ts.isParenthesizedTypeNode(node)) return this.typeSchema(node.type, id, imports);
    if (ts.isUnionTypeNode(node)) return this.unionSchema(node, id, imports);
    if (ts.isTypeLiteralNode(node)) return this.mapSchema(node, id, imports);
    if (ts.isTypeReferenceNode(node)) {
      const name = node.typeName.getText();
      if (name === 'Array' && node.typeArguments?.length === 1)
        return { type: 'array', items: this.typeSchema(node.typeArguments[0], id, imports) };
      return { $ref: `#/definitions/${imports.get(name) ?? `${id}.${name}`}` };
    }
    throw new Error(`kubernetes-types: unsupported type ${node.getText()} in ${id}`);
  }

  /** `number | string` is IntOrString; other unions (JSONSchemaProps | boolean, ...) become anyOf. */
  private unionSchema(node: TS.UnionTypeNode, id: string, imports: Map<string, string>): Schema {
    const members = node.types.map((t) => this.typeSchema(t, id, imports));
    const types = members.map((m) => m.type);
    if (members.length === 2 && types.includes('number') && types.includes('string')) return { 'x-kubernetes-int-or-string': true };
    return { anyOf: members };
  }

  /** `{ [name: string]: T }` */
  private mapSchema(node: TS.TypeLiteralNode, id: string, imports: Map<string, string>): Schema {
    const ts = this.ts;
    const [member] = node.members;
    if (node.members.length !== 1 || !ts.isIndexSignatureDeclaration(member) || !member.type)
      throw new Error(`kubernetes-types: unsupported type literal ${node.getText()} in ${id}`);
    return { type: 'object', additionalProperties: this.typeSchema(member.type, id, imports) };
  }
}

/**
 * The structural-schema extensions of a CRD's JSONSchemaProps. kubernetes-types 1.30 leaves them
 * out of its declarations, so every CRD rendered into dist would fail on them; the API server
 * accepts exactly these, with these values.
 */
const JSON_SCHEMA_PROPS_EXTENSIONS: Record<string, Schema> = {
  'x-kubernetes-embedded-resource': { type: 'boolean' },
  'x-kubernetes-int-or-string': { type: 'boolean' },
  'x-kubernetes-list-map-keys': { type: 'array', items: { type: 'string' } },
  'x-kubernetes-list-type': { type: 'string', enum: ['atomic', 'map', 'set'] },
  'x-kubernetes-map-type': { type: 'string', enum: ['atomic', 'granular'] },
  'x-kubernetes-preserve-unknown-fields': { type: 'boolean' },
  'x-kubernetes-validations': { type: 'array', items: { $ref: '#/definitions/apiextensions.v1.ValidationRule' } },
};

/**
 * Fields of embedded Go structs that kubernetes-types 1.30 drops (admission rules embed `Rule`,
 * ResourceRule lists verbs and resources). Added where a definition of that name lacks them.
 */
const STRINGS: Schema = { type: 'array', items: { type: 'string' } };
const EMBEDDED_FIELDS: readonly [RegExp, Record<string, Schema>][] = [
  [
    /^admissionregistration\.v\w+\.(Named)?RuleWithOperations$/,
    { resources: STRINGS, scope: { type: 'string', enum: ['*', 'Cluster', 'Namespaced'] } },
  ],
  [/^authorization\.v\w+\.ResourceRule$/, { resources: STRINGS, verbs: STRINGS }],
];

function addEmbeddedFields(definitions: Record<string, unknown>): void {
  for (const [name, definition] of Object.entries(definitions)) {
    const fields = EMBEDDED_FIELDS.find(([pattern]) => pattern.test(name))?.[1];
    const properties = (definition as ObjectDefinition).properties;
    if (fields && properties) for (const [field, schema] of Object.entries(fields)) properties[field] ??= schema;
  }
}

function addSchemaExtensions(definitions: Record<string, unknown>): void {
  const props = definitions['apiextensions.v1.JSONSchemaProps'] as ObjectDefinition | undefined;
  if (!props?.properties) return;
  for (const [field, schema] of Object.entries(JSON_SCHEMA_PROPS_EXTENSIONS)) props.properties[field] = schema;
}

/**
 * What both generators add after converting declarations: wire formats of special types, the
 * JSONSchemaProps extensions, fields of embedded structs, the list-map keys and the enums of common
 * fields.
 */
export function finishDefinitions(definitions: Record<string, unknown>): void {
  for (const [name, schema] of Object.entries(SPECIAL)) definitions[name] = schema;
  addSchemaExtensions(definitions);
  addEmbeddedFields(definitions);
  addListMapKeys(definitions);
  addEnums(definitions);
}

/** Converts every declaration file of the kubernetes-types package at `packageDir`. */
export function generateCoreSchemas(ts: typeof TS, packageDir: string): CoreSchemaBundle {
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  const converter = new Converter(ts, packageDir);
  for (const file of listDeclarationFiles(packageDir)) converter.convertFile(file);
  finishDefinitions(converter.definitions);
  return { kubernetesVersion: version, definitions: converter.definitions, kinds: converter.kinds };
}
