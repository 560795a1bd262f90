/**
 * Schema projection: keeps only the parts of a schema that the given data can reach.
 *
 * Why: ajv compiles a schema into JavaScript, and the biggest CRD schemas are huge (the Argo CD
 * ApplicationSet schema repeats the whole Application template in every generator: 0.4 MB of
 * schema, 13 MB of generated code, 4 s to compile). An object in dist uses a tiny part of that.
 * Projecting first and compiling the projection gives the same verdict and the same errors for
 * that data, in milliseconds.
 *
 * Rules: a property the data does not have keeps its name (so "allowed fields" messages and
 * `additionalProperties: false` stay exact) but its schema becomes `{}`; `items` and
 * `additionalProperties` schemas are projected against every element/value; logical branches
 * (allOf/anyOf/oneOf/not) are projected against the same data. Keywords that constrain the node
 * itself (type, required, enum, format, pattern, bounds, ...) are kept as they are.
 */
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { allowUnknownFormats } from './ajv-setup';
import { describeErrors, type SchemaProblem } from './schema-errors';
import { isRecord, sha256, type Json } from './util';

function recordsOf(samples: readonly unknown[]): Json[] {
  return samples.filter(isRecord);
}

function projectProperties(properties: Json, samples: readonly unknown[]): Json {
  const records = recordsOf(samples);
  const out: Json = {};
  for (const [key, schema] of Object.entries(properties)) {
    const values = records.filter((r) => Object.prototype.hasOwnProperty.call(r, key)).map((r) => r[key]);
    out[key] = values.length > 0 ? projectSamples(schema, values) : {};
  }
  return out;
}

function projectSamples(schema: unknown, samples: readonly unknown[]): unknown {
  if (!isRecord(schema)) return schema;
  const out: Json = { ...schema };
  if (isRecord(schema.properties)) out.properties = projectProperties(schema.properties, samples);
  if (isRecord(schema.items)) {
    const elements = samples.filter(Array.isArray).flat();
    out.items = elements.length > 0 ? projectSamples(schema.items, elements) : {};
  }
  if (isRecord(schema.additionalProperties)) {
    const declared = isRecord(schema.properties) ? schema.properties : {};
    const values = recordsOf(samples).flatMap((r) =>
      Object.entries(r)
        .filter(([key]) => !(key in declared))
        .map(([, value]) => value),
    );
    out.additionalProperties = values.length > 0 ? projectSamples(schema.additionalProperties, values) : {};
  }
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const)
    if (Array.isArray(schema[keyword])) out[keyword] = (schema[keyword] as unknown[]).map((branch) => projectSamples(branch, samples));
  if (isRecord(schema.not)) out.not = projectSamples(schema.not, samples);
  return out;
}

/** The part of `schema` that validating `data` can reach (schemas without `$ref` only). */
export function projectSchema(schema: unknown, data: unknown): unknown {
  return projectSamples(schema, [data]);
}

/**
 * Validates `data` against the projection of `schema` onto its fields, compiling each distinct
 * projection once (`cache` is keyed by the projection's hash). Returns the problems found.
 */
export function validateProjected(ajv: Ajv, cache: Map<string, ValidateFunction>, schema: unknown, data: unknown): SchemaProblem[] {
  const projected = projectSchema(schema, data);
  const id = sha256(JSON.stringify(projected));
  let validator = cache.get(id);
  if (!validator) {
    allowUnknownFormats(ajv, projected);
    validator = ajv.compile(projected as Json);
    cache.set(id, validator);
  }
  validator(data);
  return describeErrors(validator.errors);
}
