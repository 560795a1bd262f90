/**
 * The ajv 8 instance the schema checks share, taught Kubernetes' dialect of OpenAPI v3:
 * - `x-kubernetes-int-or-string`: a real keyword (integer or string);
 * - `x-kubernetes-list-type: set|map` (+ `x-kubernetes-list-map-keys`): duplicates are errors, as
 *   the API server rejects them;
 * - the other `x-kubernetes-*` keywords are annotations (CEL rules in `x-kubernetes-validations`
 *   are not evaluated);
 * - formats as the API server reads them: int32, int64, float, double, byte, date-time, date,
 *   duration (Go syntax: `30s`, `2160h`), quantity, cidr, mac, ... ; formats it does not check
 *   are accepted as they are.
 * `strictifySchema` makes a CRD or Helm values schema reject unknown fields.
 */
import Ajv, { type AnySchema, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { isRecord, type Json } from './util';

const QUANTITY = /^[+-]?((\d+(\.\d*)?)|(\.\d+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?((\d+(\.\d*)?)|(\.\d+))))?$/;
const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^0$/;
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/;
const MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{2}[:-]){19}[0-9a-fA-F]{2}$/;

/** Formats the API server does not check (or that we do not model): any value passes. */
const UNCHECKED_FORMATS = [
  'binary',
  'password',
  'idn-hostname',
  'idn-email',
  'bsonobjectid',
  'isbn',
  'isbn10',
  'isbn13',
  'creditcard',
  'ssn',
  'hexcolor',
  'rgbcolor',
  'uuid3',
  'uuid4',
  'uuid5',
  'uri-reference',
  'iri',
  'iri-reference',
  'regex',
  'datetime',
];

function listKey(item: unknown, keys: readonly string[]): string {
  return JSON.stringify(keys.map((key) => (isRecord(item) ? item[key] : undefined)));
}

interface ValidateFn {
  (schema: unknown, data: unknown, parentSchema?: Json): boolean;
  errors?: Partial<ErrorObject>[];
}

const intOrString: ValidateFn = (schema, data) => {
  if (schema !== true || typeof data === 'string' || Number.isInteger(data)) return true;
  intOrString.errors = [{ keyword: 'x-kubernetes-int-or-string', message: 'must be an integer or a string', params: {} }];
  return false;
};

const listType: ValidateFn = (schema, data, parentSchema) => {
  if (!Array.isArray(data) || (schema !== 'set' && schema !== 'map')) return true;
  const keys = schema === 'map' ? ((parentSchema?.['x-kubernetes-list-map-keys'] as string[] | undefined) ?? []) : [];
  const seen = new Map<string, number>();
  const errors: Partial<ErrorObject>[] = [];
  data.forEach((item, index) => {
    const key = schema === 'set' ? JSON.stringify(item) : listKey(item, keys);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else
      errors.push({
        keyword: 'x-kubernetes-list-type',
        message:
          schema === 'set'
            ? `items [${first}] and [${index}] are equal (the list is a set)`
            : `items [${first}] and [${index}] have the same ${keys.join('+')} ${key.slice(1, -1)}`,
        params: { index },
      });
  });
  listType.errors = errors;
  return errors.length === 0;
};

export function createAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, logger: false, validateSchema: false, addUsedSchema: false });
  addFormats(ajv, [
    'date-time',
    'date',
    'time',
    'uri',
    'url',
    'email',
    'hostname',
    'ipv4',
    'ipv6',
    'uuid',
    'byte',
    'int32',
    'int64',
    'float',
    'double',
    'json-pointer',
    'uri-template',
  ]);
  ajv.addFormat('duration', GO_DURATION);
  ajv.addFormat('quantity', QUANTITY);
  ajv.addFormat('cidr', { validate: (s: string) => IPV4_CIDR.test(s) || IPV6_CIDR.test(s) });
  ajv.addFormat('mac', MAC);
  for (const format of UNCHECKED_FORMATS) ajv.addFormat(format, true);
  ajv.addKeyword({ keyword: 'x-kubernetes-int-or-string', schemaType: 'boolean', errors: true, validate: intOrString });
  ajv.addKeyword({ keyword: 'x-kubernetes-list-type', schemaType: 'string', errors: true, validate: listType });
  for (const keyword of [
    'x-kubernetes-list-map-keys',
    'x-kubernetes-map-type',
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-embedded-resource',
    'x-kubernetes-validations',
  ])
    ajv.addKeyword({ keyword, annotation: true } as never);
  return ajv;
}

/** Registers every `format` used in a schema that ajv does not know, as unchecked. */
export function allowUnknownFormats(ajv: Ajv, schema: unknown): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (isRecord(node)) {
      if (typeof node.format === 'string' && !ajv.formats[node.format]) ajv.addFormat(node.format, true);
      Object.values(node).forEach(visit);
    }
  };
  visit(schema);
}

export interface StrictifyOptions {
  /**
   * `crd`: every object schema without `x-kubernetes-preserve-unknown-fields` and without
   * `additionalProperties` rejects unknown fields (the API server prunes or, with strict field
   * validation, rejects them), also objects that declare no properties.
   * `values`: only object schemas that declare properties (a Helm values schema leaves free-form
   * maps such as `podAnnotations: {type: object}` open).
   */
  readonly mode: 'crd' | 'values';
  /** Extra property names allowed at given JSON paths (`a.b`), e.g. keys of a chart's default values. */
  readonly extraProperties?: ReadonlyMap<string, readonly string[]>;
}

const EMBEDDED_RESOURCE_FIELDS: Json = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } };
const LOGICAL = ['allOf', 'anyOf', 'oneOf'] as const;

function isObjectSchema(node: Json): boolean {
  if (Array.isArray(node.type)) return node.type.includes('object');
  return node.type === 'object' || (node.type === undefined && isRecord(node.properties));
}

/** Structural fixes that apply anywhere in a schema, logical branches included. */
function normalize(node: Json): Json {
  const out: Json = { ...node };
  // "nullable" needs "type" in ajv; without a type any value (null included) is allowed anyway.
  if (out.nullable === true && out.type === undefined) delete out.nullable;
  // int-or-string has its own keyword; the conventional anyOf [integer, string] beside it only repeats errors.
  if (out['x-kubernetes-int-or-string'] === true && Array.isArray(out.anyOf)) delete out.anyOf;
  delete out.$schema;
  return out;
}

/**
 * Returns a copy of `schema` in which object schemas reject unknown fields. Logical branches
 * (allOf/anyOf/oneOf/not) are normalized but never closed: in a structural schema they only add
 * constraints to fields declared beside them.
 */
export function strictifySchema(schema: unknown, options: StrictifyOptions, path: readonly string[] = []): unknown {
  if (!isRecord(schema)) return schema;
  const node = normalize(schema);
  if (isRecord(node.properties))
    node.properties = Object.fromEntries(
      Object.entries(node.properties).map(([key, value]) => [key, strictifySchema(value, options, [...path, key])]),
    );
  if (Array.isArray(node.items)) node.items = node.items.map((item) => strictifySchema(item, options, path));
  else if (isRecord(node.items)) node.items = strictifySchema(node.items, options, path);
  if (isRecord(node.additionalProperties)) node.additionalProperties = strictifySchema(node.additionalProperties, options, path);
  for (const keyword of LOGICAL) if (Array.isArray(node[keyword])) node[keyword] = (node[keyword] as unknown[]).map(normalizeDeep);
  if (isRecord(node.not)) node.not = normalizeDeep(node.not);
  closeObject(node, options, path);
  return node;
}

function normalizeDeep(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(normalizeDeep);
  if (!isRecord(schema)) return schema;
  return Object.fromEntries(
    Object.entries(normalize(schema)).map(([key, value]) => [
      key,
      key === 'enum' || key === 'default' || key === 'example' ? value : normalizeDeep(value),
    ]),
  );
}

function closeObject(node: Json, options: StrictifyOptions, path: readonly string[]): void {
  if (!isObjectSchema(node) || node['x-kubernetes-preserve-unknown-fields'] === true || node.additionalProperties !== undefined) return;
  const hasProperties = isRecord(node.properties) && Object.keys(node.properties).length > 0;
  if (options.mode === 'values' && !hasProperties) return;
  const properties: Json = { ...(isRecord(node.properties) ? node.properties : {}) };
  if (node['x-kubernetes-embedded-resource'] === true)
    for (const [key, value] of Object.entries(EMBEDDED_RESOURCE_FIELDS)) properties[key] ??= value;
  for (const extra of options.extraProperties?.get(path.join('.')) ?? []) properties[extra] ??= {};
  node.properties = properties;
  node.additionalProperties = false;
}

export type { AnySchema };
