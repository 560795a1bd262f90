/**
 * Turns ajv errors into readable problems: the field path as people write it, the value found and
 * what is allowed there, and a hint ("did you mean replicas?"). Branch errors of anyOf/oneOf are
 * folded into one problem per alternative set, so a single mistake gives a single line.
 */
import type { ErrorObject } from 'ajv';
import { showValue } from '@platform/core/errors';
import { formatPath } from '@platform/core/validation';
import { closest, isRecord, listNames, pointerSegments } from './util';

export interface SchemaProblem {
  /** unknown-field | wrong-type | missing-field | invalid-value | duplicate-item */
  readonly rule: string;
  /** Field path, e.g. `spec.template.spec.containers[0].image`. */
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function got(value: unknown): string {
  return `got ${typeName(value)} ${showValue(value)}`;
}

function childPath(error: ErrorObject, child: string): string {
  return formatPath('', [...pointerSegments(error.instancePath), child]);
}

function describeUnknownField(error: ErrorObject): SchemaProblem {
  const field = String(error.params.additionalProperty);
  const allowed = isRecord(error.parentSchema?.properties) ? Object.keys(error.parentSchema.properties) : [];
  const suggestion = closest(field, allowed);
  const where = error.instancePath === '' ? 'at the top level' : `in ${formatPath('', pointerSegments(error.instancePath))}`;
  return {
    rule: 'unknown-field',
    path: childPath(error, field),
    message:
      allowed.length > 0
        ? `unknown field "${field}" ${where}; allowed fields: ${listNames(allowed, 25)}`
        : `unknown field "${field}": no fields are allowed ${where}`,
    hint: suggestion ? `did you mean "${suggestion}"?` : 'remove the field, or move it to where the schema allows it',
  };
}

function describeOne(error: ErrorObject): SchemaProblem | undefined {
  const path = formatPath('', pointerSegments(error.instancePath));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return describeUnknownField(error);
    case 'type':
      return { rule: 'wrong-type', path, message: `expected ${String(params.type).replace(/,/g, ' or ')}, ${got(error.data)}` };
    case 'x-kubernetes-int-or-string':
      return { rule: 'wrong-type', path, message: `expected an integer or a string, ${got(error.data)}` };
    case 'required':
      return {
        rule: 'missing-field',
        path: childPath(error, String(params.missingProperty)),
        message: `required field "${String(params.missingProperty)}" is missing`,
      };
    case 'enum':
      return {
        rule: 'invalid-value',
        path,
        message: `${showValue(error.data)} is not allowed; allowed values: ${(params.allowedValues as unknown[]).map((v) => showValue(v)).join(', ')}`,
      };
    case 'const':
      return {
        rule: 'invalid-value',
        path,
        message: `${showValue(error.data)} is not allowed; the only allowed value is ${showValue(params.allowedValue)}`,
      };
    case 'format':
      return {
        rule: 'invalid-value',
        path,
        message: `${showValue(error.data)} is not a valid ${String(params.format)}`,
        hint: formatHint(String(params.format)),
      };
    case 'pattern':
      return { rule: 'invalid-value', path, message: `${showValue(error.data)} does not match the pattern ${String(params.pattern)}` };
    case 'x-kubernetes-list-type':
      return { rule: 'duplicate-item', path, message: `duplicate list items: ${error.message ?? ''}` };
    case 'if':
      return undefined; // the failing "then"/"else" branch reports the reason
    default:
      return { rule: 'invalid-value', path, message: `${showValue(error.data)}: ${error.message ?? error.keyword}` };
  }
}

function formatHint(format: string): string | undefined {
  switch (format) {
    case 'duration':
      return 'a Go duration such as "30s", "5m" or "2160h"';
    case 'quantity':
      return 'a Kubernetes quantity such as "500m", "1", "512Mi" or "10Gi"';
    case 'date-time':
      return 'an RFC 3339 timestamp such as "2024-01-31T12:00:00Z"';
    default:
      return undefined;
  }
}

/** anyOf/oneOf: one problem listing what each alternative wanted. */
function describeAlternatives(error: ErrorObject, branchErrors: ErrorObject[]): SchemaProblem {
  const path = formatPath('', pointerSegments(error.instancePath));
  const reasons = [
    ...new Set(
      branchErrors
        .map(describeOne)
        .filter((p): p is SchemaProblem => p !== undefined)
        .map((p) => (p.path === path ? p.message : `${p.path}: ${p.message}`)),
    ),
  ];
  const detail = reasons.length > 0 ? `: ${reasons.slice(0, 4).join('; ')}${reasons.length > 4 ? '; ...' : ''}` : '';
  const which = error.keyword === 'oneOf' ? 'exactly one of the allowed alternatives' : 'any of the allowed alternatives';
  return { rule: 'invalid-value', path, message: `${showValue(error.data)} does not match ${which}${detail}` };
}

/** Readable problems for the errors of one validation, sorted and without duplicates. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): SchemaProblem[] {
  if (!errors) return [];
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const insideAlternative = (e: ErrorObject): ErrorObject | undefined =>
    alternatives.find((a) => a !== e && e.schemaPath.startsWith(`${a.schemaPath}/`) && e.instancePath.startsWith(a.instancePath));
  const problems: SchemaProblem[] = [];
  for (const error of errors) {
    if (insideAlternative(error)) continue;
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') {
      // oneOf also fails when several alternatives match: ajv then reports no branch errors.
      const branches = errors.filter((e) => insideAlternative(e) === error);
      problems.push(
        branches.length === 0 && error.keyword === 'oneOf'
          ? {
              rule: 'invalid-value',
              path: formatPath('', pointerSegments(error.instancePath)),
              message: `${showValue(error.data)} matches more than one of the alternatives; exactly one is allowed`,
            }
          : describeAlternatives(error, branches),
      );
      continue;
    }
    const problem = describeOne(error);
    if (problem) problems.push(problem);
  }
  const unique = new Map(problems.map((p) => [`${p.path}\0${p.rule}\0${p.message}`, p]));
  return [...unique.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0,
  );
}
