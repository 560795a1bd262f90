import { z } from 'zod';
import { Problem, SynthError, showValue } from './errors';

/** RFC 1123 label: what Kubernetes accepts for namespace and most object names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A fully qualified DNS name with at least two labels, lower case, no trailing dot. */
export const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

export const dns1123Label = (what = 'name') =>
  z
    .string({ error: (iss) => `got ${showValue(iss.input)}, expected a ${what} (string)` })
    .refine((v) => v.length > 0, { error: `must not be empty; a ${what} is a lower-case DNS-1123 label` })
    .refine((v) => v.length === 0 || DNS1123_LABEL.test(v), {
      error: (iss) =>
        `got ${showValue(iss.input)}, a ${what} must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
    });

export const domainName = () =>
  z.string().refine((v) => DOMAIN_NAME.test(v), {
    error: (iss) =>
      `got ${showValue(iss.input)}, expected a lower-case DNS domain with at least two labels such as "dev.example.com" (no scheme, port, path or trailing dot)`,
  });

/** Parses `a.b.c.d/n`; returns undefined when malformed or when host bits are set. */
export function parseCidr(value: string): { address: number; prefix: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o, i) => o > 255 || String(o) !== m[i + 1]) || prefix > 32) return undefined;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const hostMask = prefix === 32 ? 0 : (0xffffffff >>> prefix) >>> 0;
  if ((address & hostMask) !== 0) return undefined;
  return { address, prefix };
}

export const cidr = () =>
  z.string().refine((v) => parseCidr(v) !== undefined, {
    error: (iss) =>
      `got ${showValue(iss.input)}, expected an IPv4 CIDR such as "10.0.0.0/16" (four octets 0-255, prefix 0-32, no host bits set)`,
  });

/** True when two parsed CIDRs share addresses. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) return false;
  const prefix = Math.min(x.prefix, y.prefix);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (x.address & mask) === (y.address & mask);
}

/**
 * A strict object: unknown fields are errors that list the allowed fields (typos fail loudly
 * instead of being silently ignored).
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape).sort().join(', ');
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')}; allowed: ${allowed}`
        : undefined,
  });
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Formats a path as `a.b[0].c`; a key that is not a plain name is quoted: `labels["app.kubernetes.io/name"]`. */
export function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && !IDENTIFIER.test(key)) out += `[${JSON.stringify(key)}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Turns zod issues into problems; messages that do not mention the received value get it appended. */
export function issuesToProblems(file: string, prefix: string, input: unknown, issues: readonly z.core.$ZodIssue[]): Problem[] {
  return issues.map((issue) => {
    let path = issue.path;
    let message = issue.message;
    if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) path = [...path, issue.keys[0]];
    if (issue.code === 'invalid_type' && !message.startsWith('got ')) {
      message = `got ${showValue(valueAt(input, path))}, expected ${issue.expected}`;
    } else if (issue.code === 'invalid_value' && !message.startsWith('got ')) {
      message = `got ${showValue(valueAt(input, path))}, allowed: ${issue.values.map((v) => showValue(v)).join(', ')}`;
    } else if ((issue.code === 'too_small' || issue.code === 'too_big') && !message.startsWith('got ')) {
      const v = valueAt(input, path);
      const got = Array.isArray(v) ? `${v.length} item${v.length === 1 ? '' : 's'}` : showValue(v);
      const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
      // zod's own messages start with "Too"; ours say what is needed and why.
      message = message.startsWith('Too ') ? `got ${got}, must be ${bound}` : `got ${got}: ${message}`;
    }
    return { file, path: formatPath(prefix, path), message };
  });
}

/**
 * Parses `input` with `schema`; on failure throws a SynthError naming `file` and the field path
 * under `prefix` for every issue.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, file: string, prefix: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new SynthError(issuesToProblems(file, prefix, input, result.error.issues));
}

/** A replica count: an integer ≥ 1. */
export const replicasSchema = () =>
  z.int({ error: (iss) => `got ${showValue(iss.input)}, replicas must be an integer ≥ 1` }).min(1, {
    error: (iss) => `got ${showValue(iss.input)}, replicas must be an integer ≥ 1`,
  });

/** The `additionalValues` escape hatch of a component: a map of chart values. */
export const additionalValuesSchema = () =>
  z.record(z.string(), z.unknown(), {
    error: (iss) => `got ${showValue(iss.input)}, expected a map of chart values (an object)`,
  });

/**
 * A non-negative Kubernetes quantity (`resource.Quantity`): a decimal number with an optional
 * binary (`Ki`...`Ei`), decimal (`n`, `u`, `m`, `k`, `M`...`E`) or exponent suffix. The same
 * syntax as validate's `quantity` format (apps/platform/src/validate/ajv-setup.ts), without a sign.
 */
export const QUANTITY = /^\+?((\d+(\.\d*)?)|(\.\d+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?((\d+(\.\d*)?)|(\.\d+))))?$/;

/** A zod string that must be a non-negative Kubernetes quantity; `examples` go into the message. */
export const quantity = (examples: string) =>
  z
    .string({ error: (iss) => `got ${showValue(iss.input)}, expected a Kubernetes quantity as a string such as ${examples}` })
    .refine((v) => QUANTITY.test(v), {
      error: (iss) =>
        `got ${showValue(iss.input)}, which is not a Kubernetes quantity; expected a number with an optional suffix such as ${examples}`,
    });
