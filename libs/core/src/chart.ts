/**
 * Upstream Helm charts, pinned. A chart is rendered at synth (`helm template`, hydration) into plain
 * objects in the component's manifests; Argo CD never fetches it. The pin names the exact source
 * tree, so every machine renders the same bytes.
 */

/** Where a chart's source tree comes from when it is not in a local charts directory. */
export type ChartSourcePin =
  /** A folder of a Git repository at a commit (downloaded as the commit's tarball). */
  | { readonly type: 'git'; readonly repo: string; readonly commit: string; readonly path: string }
  /** A packaged chart (`.tgz` over https, or `oci://`), checked by its sha256. */
  | { readonly type: 'package'; readonly url: string; readonly sha256: string };

/** The pinned source tree of a chart (see scripts/charts.mjs). */
export interface ChartPin {
  /** Folder name in a charts directory (`--charts-dir`, `PLATFORM_CHARTS_DIR`, `../shared/charts`, `.cache/charts`). */
  readonly dir: string;
  /** sha256 of the unpacked tree (`node scripts/charts.mjs digest <charts dir> <dir>`). */
  readonly digest: string;
  readonly source: ChartSourcePin;
  /** Dependencies unpacked under the chart's `charts/` folder, each with its own source. */
  readonly dependencies?: readonly { readonly name: string; readonly dir: string; readonly source: ChartSourcePin }[];
}

/** An upstream chart at an exact version: provenance plus the pinned source it renders from. */
export interface UpstreamChart {
  /** The chart's repository (`https://...` or `oci://...`), for provenance and version bumps. */
  readonly repoURL: string;
  /** Chart name in that repository. */
  readonly chart: string;
  /** Exact chart version (semver, no ranges). */
  readonly version: string;
  /**
   * Version of the software the chart installs, for the generated cluster README.
   * @default - not shown
   */
  readonly appVersion?: string;
  readonly pin: ChartPin;
  /**
   * API versions the chart's CRDs serve (`cert-manager.io/v1`): passed as `--api-versions` to every
   * chart of a cluster that includes this component. Synth checks it against the CRDs rendered.
   * @default []
   */
  readonly apiVersions?: readonly string[];
}

/** A chart a component renders, with the values we set. */
export interface ChartUse extends UpstreamChart {
  /** The Helm values (written to values.yaml and rendered with). */
  readonly values: object;
  /**
   * Helm release name.
   * @default - the component name
   */
  readonly releaseName?: string;
  /**
   * Render the chart's `crds/` directory too (`helm template --include-crds`). Off when another
   * component delivers those CRDs from its own chart (Karpenter's controller and its CRD chart).
   * @default true
   */
  readonly includeCrds?: boolean;
}

const SEMVER = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const SHA256 = /^[a-f0-9]{64}$/;
const COMMIT = /^[a-f0-9]{40}$/;

/** Why a chart pin is not exact, or undefined: checked when the component is built. */
export function chartPinProblems(chart: UpstreamChart): string[] {
  const problems: string[] = [];
  if (!SEMVER.test(chart.version))
    problems.push(
      `chart ${chart.chart}: version ${JSON.stringify(chart.version)} is not an exact version; allowed: semver such as "1.2.3" (no ranges)`,
    );
  if (!SHA256.test(chart.pin.digest))
    problems.push(`chart ${chart.chart}: digest ${JSON.stringify(chart.pin.digest)} is not a sha256 (64 hex)`);
  const sources = [chart.pin.source, ...(chart.pin.dependencies ?? []).map((d) => d.source)];
  for (const s of sources) {
    if (s.type === 'git' && !COMMIT.test(s.commit))
      problems.push(`chart ${chart.chart}: source ${s.repo} commit ${JSON.stringify(s.commit)} is not a 40-hex commit id`);
    if (s.type === 'package' && !SHA256.test(s.sha256))
      problems.push(`chart ${chart.chart}: package ${s.url} sha256 ${JSON.stringify(s.sha256)} is not a sha256 (64 hex)`);
  }
  return problems;
}

/**
 * The CRD files a component's kinds are checked against (`validate`) and generated from
 * (`crds:import`), pinned by the upstream project and tag; `libs/crds/crds.json` and
 * `libs/crds/crd-sources.json` must agree (apps/platform/src/versions.test.ts checks it).
 */
export interface CrdPin {
  /** Folder in the CRD directory and key in crd-sources.json, e.g. `cert-manager`. */
  readonly project: string;
  /** GitHub repository, e.g. `cert-manager/cert-manager`. */
  readonly repo: string;
  readonly tag: string;
  /** Files of that folder the platform uses. */
  readonly files: readonly string[];
  /** Why the tag differs from the chart's appVersion, when it does. */
  readonly tagReason?: string;
}

/**
 * Every version a component pins, in one place (its `versions.ts`): the chart, the CRDs, the
 * Helm values schema. The JSON files other tools read are checked against these records.
 */
export interface ComponentVersions {
  readonly chart?: UpstreamChart;
  readonly crds?: CrdPin;
  /**
   * The chart's values schema in `apps/platform/src/validate/chart-schema-sources.json`, or
   * `none` when the chart ships none (its values are then checked by our types only).
   */
  readonly valuesSchema: 'pinned' | 'none';
}
