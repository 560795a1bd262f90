/**
 * `platform:validate`: checks dist/ before anything reaches Argo CD.
 *
 *   npm run validate -- [--dist <dir>] [--cluster <name>]... [--json]
 *                       [--crds-dir <dir>] [--schemas-dir <dir>] [--root <dir>]
 *
 * Runs, over every cluster: the schema check (Kubernetes 1.30 and the cluster's declared release,
 * CRDs), the Helm values check, the
 * policy rules, the secret scan (dist and the source tree) and the Argo CD contract check. Prints a
 * human report per cluster, or one JSON document with --json. Exit code 0 when there is no error,
 * 1 on any error (or when pinned schemas cannot be read or downloaded), 2 on a usage error.
 *
 * Environment: PLATFORM_CRDS_DIR / PLATFORM_CHART_SCHEMAS_DIR (same as the flags),
 * PLATFORM_CRDS_BASE_URL / PLATFORM_CHART_SCHEMAS_BASE_URL (download mirrors).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Flags, parseFlags, runCommand, UsageError } from '../cli-args';
import { checkContract } from './contract';
import { checkHelmValues } from './helm-values';
import { compareVersions } from './k8s-api';
import { checkSchemas, clusterReleases, schemaPackage } from './k8s-schemas';
import { loadDist } from './load';
import { applyScanExemptions, checkPolicies } from './policies';
import { formatHuman, formatJson, sortExemptions, sortFindings, summarize, type ValidateResult } from './report';
import { scanSecrets } from './secrets';
import { describeLocation, locateSources, PinnedFileError, type SourceLocation } from '../../../../scripts/pinned-files.mjs';
import type { Exemption, Finding, ValidateContext } from './types';
import { findRepoRoot } from './util';

declare const __dirname: string | undefined;

const USAGE = `usage: validate [--dist <dir>] [--cluster <name>]... [--json] [--crds-dir <dir>] [--schemas-dir <dir>] [--root <dir>]
  --dist <dir>         dist directory to check (default: <root>/dist)
  --cluster <name>     check only this cluster (repeatable)
  --json               print one JSON document instead of the report
  --crds-dir <dir>     pinned CRD files (default: $PLATFORM_CRDS_DIR, else <root>/../shared/crds if it exists, else download)
  --schemas-dir <dir>  pinned Helm values schemas (default: $PLATFORM_CHART_SCHEMAS_DIR, else <root>/../shared/chart-schemas if it exists, else download)
  --root <dir>         repository root (default: found from this program's location)`;

export interface CliOptions {
  readonly root: string;
  readonly dist?: string;
  readonly clusters: readonly string[];
  readonly json: boolean;
  readonly crdsDir?: string;
  readonly schemasDir?: string;
}

const VALIDATE = {
  name: 'validate',
  usage: USAGE,
  options: {
    dist: { type: 'string' },
    cluster: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    'crds-dir': { type: 'string' },
    'schemas-dir': { type: 'string' },
    root: { type: 'string' },
  },
} as const;

function moduleDir(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}

function cliOptions(flags: Flags<typeof VALIDATE.options>): CliOptions {
  // Paths given on the command line are relative to the working directory.
  return {
    root: resolve(flags.root ?? findRepoRoot(moduleDir())),
    ...(flags.dist ? { dist: resolve(flags.dist) } : {}),
    clusters: flags.cluster ?? [],
    json: flags.json ?? false,
    ...(flags['crds-dir'] ? { crdsDir: resolve(flags['crds-dir']) } : {}),
    ...(flags['schemas-dir'] ? { schemasDir: resolve(flags['schemas-dir']) } : {}),
  };
}

/** The options of a command line, or 'help'; throws a UsageError (cli-args.ts) for a bad one. */
export function parseArgs(argv: readonly string[]): CliOptions | 'help' {
  const flags = parseFlags(VALIDATE, argv);
  return flags === 'help' ? 'help' : cliOptions(flags);
}

function locations(options: CliOptions): { crds: SourceLocation; charts: SourceLocation } {
  const env = process.env;
  return {
    crds: locateSources({
      root: options.root,
      label: 'CRD dir',
      flagDir: options.crdsDir,
      flagName: '--crds-dir',
      envDir: env.PLATFORM_CRDS_DIR,
      envName: 'PLATFORM_CRDS_DIR',
      defaultDir: resolve(options.root, '../shared/crds'),
      cacheDir: join(options.root, '.cache/crds'),
      baseUrl: env.PLATFORM_CRDS_BASE_URL,
      baseUrlEnvName: 'PLATFORM_CRDS_BASE_URL',
      listFile: 'libs/crds/crd-sources.json',
    }),
    charts: locateSources({
      root: options.root,
      label: 'chart schemas dir',
      flagDir: options.schemasDir,
      flagName: '--schemas-dir',
      envDir: env.PLATFORM_CHART_SCHEMAS_DIR,
      envName: 'PLATFORM_CHART_SCHEMAS_DIR',
      defaultDir: resolve(options.root, '../shared/chart-schemas'),
      cacheDir: join(options.root, '.cache/chart-schemas'),
      baseUrl: env.PLATFORM_CHART_SCHEMAS_BASE_URL,
      baseUrlEnvName: 'PLATFORM_CHART_SCHEMAS_BASE_URL',
      listFile: 'apps/platform/src/validate/chart-schema-sources.json',
    }),
  };
}

/** Keeps the selected clusters; checks that look at the disk may still report others, filtered later. */
function selectClusters(ctx: ValidateContext, names: readonly string[]): ValidateContext {
  if (names.length === 0) return ctx;
  const known = ctx.clusters.map((c) => c.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0)
    throw new UsageError(`no cluster ${unknown.join(', ')} in ${ctx.distDir}; clusters: ${known.join(', ') || 'none'}`);
  return {
    ...ctx,
    clusters: ctx.clusters.filter((c) => names.includes(c.name)),
    loadFindings: (ctx.loadFindings ?? []).filter((f) => f.cluster === undefined || names.includes(f.cluster)),
  };
}

/** Runs every check; returns the sorted result. Throws PinnedFileError when pinned schemas are unavailable. */
export async function runValidate(options: CliOptions): Promise<ValidateResult> {
  const ctx = selectClusters(loadDist(options.root, options.dist ?? 'dist'), options.clusters);
  const where = locations(options);
  const cacheDir = join(options.root, '.cache/validate');
  const schema = await checkSchemas(ctx, { crdLocation: where.crds, cacheDir });
  const helm = await checkHelmValues(ctx, { location: where.charts });
  const policies = checkPolicies(ctx);
  const releases = clusterReleases(ctx);
  const kubernetes = Object.fromEntries(
    [...releases].map(([cluster, r]) => [
      cluster,
      { checked: r.checked, ...(r.declared ? { declared: r.declared, source: r.source } : {}) },
    ]),
  );
  const checkedReleases = [...new Set([...releases.values()].flatMap((r) => r.checked))].sort(compareVersions);
  const findings: Finding[] = [
    ...(ctx.loadFindings ?? []),
    ...schema,
    ...helm.findings,
    ...policies.findings,
    ...applyScanExemptions(scanSecrets(ctx), policies.exemptions),
    ...checkContract(ctx),
  ];
  const selected = new Set(ctx.clusters.map((c) => c.name));
  const inScope = (cluster: string | undefined) => cluster === undefined || selected.has(cluster);
  return {
    ctx,
    findings: sortFindings(findings.filter((f) => inScope(f.cluster))),
    exemptions: sortExemptions(policies.exemptions.filter((e: Exemption) => inScope(e.cluster))),
    workloads: policies.workloads,
    kubernetes,
    helmValues: helm.coverage,
    schemaSources: {
      ...Object.fromEntries(checkedReleases.map((v) => [`Kubernetes ${v} schemas`, schemaPackage(v)])),
      CRDs: describeLocation(where.crds),
      'chart values schemas': describeLocation(where.charts),
    },
  };
}

/** The validate command. Returns the exit code (0 no error, 1 errors, 2 usage; cli-args.ts); never throws. */
export async function main(argv: string[]): Promise<number> {
  return runCommand(VALIDATE, argv, async (flags) => {
    const options = cliOptions(flags);
    try {
      const result = await runValidate(options);
      process.stdout.write(options.json ? formatJson(result) : formatHuman(result));
      return summarize(result).errors > 0 ? 1 : 0;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      if (error instanceof PinnedFileError) {
        console.error(`validate: cannot load the pinned schemas, nothing was checked:\n${error.message}`);
        return 1;
      }
      console.error(`validate: internal error: ${(error as Error).stack ?? String(error)}`);
      return 1;
    }
  });
}
