/**
 * Helm values check: the values.yaml of a component whose upstream chart ships a values schema
 * (chart-schema-sources.json: cilium, vault) is validated with ajv against the schema of exactly
 * the chart version in component.json (`chart.chart` + `chart.version`).
 *
 * - Unknown keys fail: object schemas that declare properties are closed (Helm itself accepts any
 *   key the schema does not forbid, so a typo would silently do nothing). Keys the chart supports
 *   but forgot in its schema (often documented only as a commented-out setting in its values.yaml)
 *   are listed per chart in `extraKeys` of the sources JSON and stay allowed.
 * - A chart version with no pinned schema while another version of that chart is pinned is an
 *   error: values are never checked against the wrong version, and never silently unchecked.
 * - Keys set to null are dropped first: Helm reads `key: null` as "remove the default".
 * Charts without an upstream schema are listed as such (coverage), not reported as findings.
 */
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { createAjv, strictifySchema } from './ajv-setup';
import chartSourcesJson from './chart-schema-sources.json';
import { validateProjected } from './project-schema';
import { PinnedFileError, readPinnedFiles, type PinnedFile, type SourceLocation } from '../../../../scripts/pinned-files.mjs';
import type { DistComponent, Finding, ValidateContext } from './types';
import { isRecord, type Json } from './util';

export interface ChartSchemaSource {
  readonly chart: string;
  readonly version: string;
  readonly schema: PinnedFile;
  /** Dotted paths of supported keys the schema omits (allowed despite the closed schema). */
  readonly extraKeys?: readonly string[];
}

export const CHART_SCHEMA_SOURCES: readonly ChartSchemaSource[] = chartSourcesJson.charts;

export interface HelmValuesOptions {
  readonly location: SourceLocation;
  /** Override of chart-schema-sources.json (tests). */
  readonly sources?: readonly ChartSchemaSource[];
}

export interface HelmValuesResult {
  readonly findings: Finding[];
  /** One line per chart seen: validated against which schema, or why not. Sorted. */
  readonly coverage: string[];
}

interface ChartRef {
  readonly chart: string;
  readonly version: string;
}

function chartOf(component: DistComponent): ChartRef | undefined {
  const chart = isRecord(component.componentJson) ? component.componentJson.chart : undefined;
  if (!isRecord(chart) || typeof chart.chart !== 'string' || typeof chart.version !== 'string') return undefined;
  return { chart: chart.chart, version: chart.version.replace(/^v/, '') };
}

/** Helm reads `key: null` in user values as "delete this default": drop those keys before checking. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

/** `a.b.c` paths grouped by parent path: `a.b` → [c]. */
function extraKeysByParent(paths: readonly string[]): Map<string, string[]> {
  const byParent = new Map<string, string[]>();
  for (const path of paths) {
    const parts = path.split('.');
    const parent = parts.slice(0, -1).join('.');
    byParent.set(parent, [...(byParent.get(parent) ?? []), parts[parts.length - 1]]);
  }
  return byParent;
}

class ValuesValidator {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(
    private readonly ajv: Ajv,
    private readonly schema: Json,
  ) {}

  static create(ajv: Ajv, source: ChartSchemaSource, files: ReadonlyMap<string, Buffer>): ValuesValidator {
    let schema: unknown;
    try {
      schema = JSON.parse(files.get(source.schema.path)!.toString('utf8'));
    } catch (error) {
      throw new PinnedFileError(`${source.schema.path}: not valid JSON (${(error as Error).message})`);
    }
    return new ValuesValidator(
      ajv,
      strictifySchema(schema, { mode: 'values', extraProperties: extraKeysByParent(source.extraKeys ?? []) }) as Json,
    );
  }

  validate(values: unknown) {
    return validateProjected(this.ajv, this.validators, this.schema, values);
  }
}

function finding(
  component: DistComponent,
  file: string,
  rule: string,
  message: string,
  extra: { path?: string; hint?: string } = {},
): Finding {
  return {
    check: 'helm-values',
    rule,
    severity: 'error',
    cluster: component.cluster,
    file: `${component.dir}/${file}`,
    message,
    ...(extra.path ? { path: extra.path } : {}),
    ...(extra.hint ? { hint: extra.hint } : {}),
  };
}

/**
 * Checks every component's values.yaml against its chart's pinned values schema. Throws
 * PinnedFileError when a needed schema can be neither read nor downloaded, or fails its sha256.
 */
export async function checkHelmValues(ctx: ValidateContext, options: HelmValuesOptions): Promise<HelmValuesResult> {
  const sources = options.sources ?? CHART_SCHEMA_SOURCES;
  const components = ctx.clusters
    .flatMap((cluster) => cluster.components)
    .flatMap((component) => {
      const chart = chartOf(component);
      return chart ? [{ component, chart }] : [];
    });
  const sourceFor = (chart: ChartRef) => sources.find((s) => s.chart === chart.chart && s.version.replace(/^v/, '') === chart.version);
  const needed = [...new Set(components.map(({ chart }) => sourceFor(chart)).filter((s): s is ChartSchemaSource => s !== undefined))];
  const files = await readPinnedFiles(
    needed.map((s) => s.schema),
    options.location,
  );
  const ajv = createAjv();
  const validators = new Map(needed.map((s) => [s, ValuesValidator.create(ajv, s, files)]));
  const findings: Finding[] = [];
  const coverage = new Set<string>();
  for (const { component, chart } of components) {
    const source = sourceFor(chart);
    const pinnedVersions = sources.filter((s) => s.chart === chart.chart).map((s) => s.version);
    if (!source) {
      if (pinnedVersions.length === 0) {
        coverage.add(`${chart.chart} ${chart.version}: no upstream values schema pinned (values not schema-checked)`);
        continue;
      }
      coverage.add(`${chart.chart} ${chart.version}: NOT checked, schema pinned only for ${pinnedVersions.join(', ')}`);
      findings.push(
        finding(
          component,
          'component.json',
          'schema-version-mismatch',
          `chart ${chart.chart} ${chart.version} has no pinned values schema; chart-schema-sources.json pins ${chart.chart} ${pinnedVersions.join(', ')}. Values are not checked against another version's schema`,
          {
            path: 'chart.version',
            hint: `pin the values.schema.json of ${chart.chart} ${chart.version} in apps/platform/src/validate/chart-schema-sources.json, or use chart version ${pinnedVersions.join(' / ')}`,
          },
        ),
      );
      continue;
    }
    coverage.add(`${chart.chart} ${chart.version}: checked against ${source.schema.path}`);
    if (component.values === undefined) continue;
    if (!isRecord(component.values)) {
      findings.push(
        finding(
          component,
          'values.yaml',
          'wrong-type',
          `values.yaml must be a mapping of chart values, got ${Array.isArray(component.values) ? 'a list' : typeof component.values}`,
        ),
      );
      continue;
    }
    for (const problem of validators.get(source)!.validate(withoutNulls(component.values)))
      findings.push(
        finding(component, 'values.yaml', problem.rule, `${problem.message} (values schema of chart ${chart.chart} ${source.version})`, {
          path: problem.path,
          ...(problem.hint ? { hint: problem.hint } : {}),
        }),
      );
  }
  return { findings, coverage: [...coverage].sort() };
}
