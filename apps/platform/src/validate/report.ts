/**
 * Output of `platform:validate`: sorting, the per-cluster human report and the JSON document.
 * Pure functions of their input: the same findings always give the same bytes.
 */
import type { Exemption, Finding, ValidateContext, WorkloadsChecked } from './types';
import { compareStrings } from './util';

export interface ValidateResult {
  readonly ctx: ValidateContext;
  readonly findings: readonly Finding[];
  readonly exemptions: readonly Exemption[];
  /** Workloads the policies checked, by cluster. */
  readonly workloads?: Readonly<Record<string, WorkloadsChecked>>;
  /** Kubernetes releases each cluster's objects were checked against, by cluster. */
  readonly kubernetes?: Readonly<Record<string, KubernetesChecked>>;
  /** Helm values coverage lines (helm-values.ts). */
  readonly helmValues: readonly string[];
  /** Where schemas came from, for the footer. */
  readonly schemaSources: Readonly<Record<string, string>>;
}

export interface KubernetesChecked {
  /** The release the cluster declares, and where. */
  readonly declared?: string;
  readonly source?: string;
  /** Releases checked, the floor first. */
  readonly checked: readonly string[];
}

export interface Summary {
  readonly errors: number;
  readonly warnings: number;
  readonly exemptions: number;
  readonly clusters: number;
}

function compareBy<T>(...keys: ((item: T) => string | undefined)[]): (a: T, b: T) => number {
  return (a, b) => {
    for (const key of keys) {
      const order = compareStrings(key(a) ?? '', key(b) ?? '');
      if (order !== 0) return order;
    }
    return 0;
  };
}

/** Source-tree findings (no cluster) sort after every cluster. */
const clusterKey = (cluster: string | undefined): string => (cluster === undefined ? '\uffff' : cluster);

export const sortFindings = (findings: readonly Finding[]): Finding[] =>
  [...findings].sort(
    compareBy<Finding>(
      (f) => clusterKey(f.cluster),
      (f) => f.file,
      (f) => f.object,
      (f) => f.path,
      (f) => f.check,
      (f) => f.rule,
      (f) => f.message,
      (f) => f.severity,
    ),
  );

export const sortExemptions = (exemptions: readonly Exemption[]): Exemption[] =>
  [...exemptions].sort(
    compareBy<Exemption>(
      (e) => e.cluster,
      (e) => e.file,
      (e) => e.object,
      (e) => e.policy,
      (e) => e.reason,
    ),
  );

export function summarize(result: ValidateResult): Summary {
  return {
    errors: result.findings.filter((f) => f.severity === 'error').length,
    warnings: result.findings.filter((f) => f.severity === 'warning').length,
    exemptions: result.exemptions.length,
    clusters: result.ctx.clusters.length,
  };
}

export function summaryLine(summary: Summary): string {
  return `validate: ${summary.errors} errors, ${summary.warnings} warnings, ${summary.exemptions} exemptions in ${summary.clusters} clusters`;
}

function formatFinding(finding: Finding): string[] {
  const where = [finding.object, finding.path].filter(Boolean).join(' ');
  const lines = [
    `    ${finding.severity.padEnd(7)} ${finding.check}/${finding.rule}${where ? `  ${where}` : ''}`,
    `            ${finding.message}`,
  ];
  if (finding.hint) lines.push(`            hint: ${finding.hint}`);
  return lines;
}

function formatFindingsByFile(findings: readonly Finding[]): string[] {
  const lines: string[] = [];
  let file: string | undefined;
  for (const finding of findings) {
    if (finding.file !== file) {
      file = finding.file;
      lines.push(`  ${file}`);
    }
    lines.push(...formatFinding(finding));
  }
  return lines;
}

function clusterHeader(result: ValidateResult, name: string, findings: readonly Finding[]): string {
  const cluster = result.ctx.clusters.find((c) => c.name === name);
  const objects = cluster?.components.reduce((n, c) => n + c.objects.length, 0) ?? 0;
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  return `cluster ${name}: ${cluster?.components.length ?? 0} components, ${objects} objects: ${errors} errors, ${warnings} warnings`;
}

/** `  schemas: Kubernetes 1.30 (floor) and 1.33 (declared in dist/dev/cluster.json)` */
function kubernetesLine(k: KubernetesChecked | undefined): string | undefined {
  if (!k) return undefined;
  const [floor, ...others] = k.checked;
  if (others.length > 0) return `  schemas: Kubernetes ${floor} (floor) and ${others.join(', ')} (declared in ${k.source})`;
  if (k.declared === floor) return `  schemas: Kubernetes ${floor} (floor; declared in ${k.source})`;
  const why = k.declared ? `${k.declared}, declared in ${k.source}, has no schemas here` : 'the cluster declares no release';
  return `  schemas: Kubernetes ${floor} (floor) only: ${why}`;
}

function countBy(findings: readonly Finding[]): { errors: number; warnings: number } {
  const errors = findings.filter((f) => f.severity === 'error').length;
  return { errors, warnings: findings.length - errors };
}

/** `policies: 5 workloads checked (CronJob 1, Deployment 3, Job 1; 1 Helm hook): 1 error, 0 warnings, 2 exemptions` */
function policyLine(workloads: WorkloadsChecked | undefined, findings: readonly Finding[], exemptions: number): string {
  const { errors, warnings } = countBy(findings.filter((f) => f.check === 'policy'));
  const kinds = Object.entries(workloads?.byKind ?? {}).map(([kind, n]) => `${kind} ${n}`);
  const hooks = workloads?.helmHooks ? `; ${workloads.helmHooks} Helm hook${workloads.helmHooks === 1 ? '' : 's'}` : '';
  const detail = kinds.length > 0 ? ` (${kinds.join(', ')}${hooks})` : '';
  return `  policies: ${workloads?.total ?? 0} workloads checked${detail}: ${errors} errors, ${warnings} warnings, ${exemptions} exemptions`;
}

function formatExemption(e: Exemption): string {
  return `    ${e.object}: ${e.policy}: ${e.reason}  (${e.file}${e.on === 'pod-template' ? ', on the pod template' : ''})`;
}

/** The human report: per cluster, findings grouped by file, then exemptions; then the summary line. */
export function formatHuman(result: ValidateResult): string {
  const lines: string[] = result.ctx.recovered ? [`dist: ${result.ctx.recovered}`, ''] : [];
  const clusterNames = [
    ...new Set([...result.ctx.clusters.map((c) => c.name), ...result.findings.flatMap((f) => (f.cluster ? [f.cluster] : []))]),
  ].sort(compareStrings);
  for (const name of clusterNames) {
    const findings = result.findings.filter((f) => f.cluster === name);
    const exemptions = result.exemptions.filter((e) => e.cluster === name);
    lines.push(clusterHeader(result, name, findings));
    const kubernetes = kubernetesLine(result.kubernetes?.[name]);
    if (kubernetes) lines.push(kubernetes);
    if (result.workloads) lines.push(policyLine(result.workloads[name], findings, exemptions.length));
    lines.push(...formatFindingsByFile(findings));
    if (exemptions.length > 0) lines.push(`  exemptions (${exemptions.length}):`, ...exemptions.map(formatExemption));
    lines.push('');
  }
  const outside = result.findings.filter((f) => f.cluster === undefined);
  if (outside.length > 0) lines.push('outside dist/<cluster>:', ...formatFindingsByFile(outside), '');
  if (result.helmValues.length > 0) lines.push('helm values:', ...result.helmValues.map((line) => `  ${line}`));
  lines.push(
    `schemas: ${Object.entries(result.schemaSources)
      .map(([what, where]) => `${what} from ${where}`)
      .join('; ')}`,
  );
  lines.push(summaryLine(summarize(result)));
  return `${lines.join('\n')}\n`;
}

/** The JSON document: `{ clusters, findings, exemptions, summary, helmValues, schemaSources }`. */
export function formatJson(result: ValidateResult): string {
  const clusters: Record<string, unknown> = {};
  for (const cluster of result.ctx.clusters) {
    const findings = result.findings.filter((f) => f.cluster === cluster.name);
    clusters[cluster.name] = {
      components: cluster.components.length,
      objects: cluster.components.reduce((n, c) => n + c.objects.length, 0),
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warning').length,
      exemptions: result.exemptions.filter((e) => e.cluster === cluster.name).length,
      kubernetes: result.kubernetes?.[cluster.name],
      workloads: result.workloads?.[cluster.name] ?? { total: 0, byKind: {}, helmHooks: 0 },
      policies: countBy(findings.filter((f) => f.check === 'policy')),
    };
  }
  const document = {
    ...(result.ctx.recovered ? { recovered: result.ctx.recovered } : {}),
    clusters,
    findings: result.findings,
    exemptions: result.exemptions,
    summary: summarize(result),
    helmValues: result.helmValues,
    schemaSources: result.schemaSources,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
