/**
 * What every policy module works with: the items of one cluster and a way to report a violation.
 * Violations become findings only after exemptions are applied (exemptions.ts).
 */
import { showValue } from '@platform/core/errors';
import type { DistObject, Finding, Severity } from '../types';
import type { Item } from '../workloads';

/** A policy violation before exemptions are applied. */
export interface Violation {
  readonly item: Item;
  readonly policy: string;
  readonly path: string;
  readonly message: string;
}

/** Everything a policy needs: the items of one cluster and a way to report. */
export interface ClusterScope {
  readonly items: readonly Item[];
  readonly report: (item: Item, policy: string, path: string, message: string) => void;
}

/** A value for a message; "not set" when absent. */
export function show(value: unknown): string {
  return value === undefined ? 'not set' : showValue(value);
}

export function policyFinding(
  source: DistObject,
  object: string,
  rule: string,
  severity: Severity,
  path: string,
  message: string,
  hint?: string,
): Finding {
  return { check: 'policy', rule, severity, cluster: source.cluster, file: source.file, path, object, message, hint };
}
