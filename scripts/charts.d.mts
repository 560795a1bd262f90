// Types of charts.mjs (pinned upstream Helm chart sources).

/** A tree in a GitHub repository at a commit. */
export interface GitTreeSource {
  readonly type: 'git';
  /** `owner/name`. */
  readonly repo: string;
  /** 40 hex digits. */
  readonly commit: string;
  /** Folder of the chart in the repository; '' or '/' for the repository root. */
  readonly path: string;
}

/** A packaged chart (.tgz with one top folder named like the chart). */
export interface PackageSource {
  readonly type: 'package';
  /** `https://…/x.tgz`, or `oci://registry/repository/chart` (pulled with helm). */
  readonly url: string;
  /** sha256 of the .tgz. */
  readonly sha256: string;
}

export type ChartSource = GitTreeSource | PackageSource;

export interface ChartDependency {
  /** Chart.yaml name. */
  readonly name: string;
  /** Folder inside the chart, e.g. `charts/redis-ha`. */
  readonly dir: string;
  /** Exact chart version; needed only for an oci:// source. */
  readonly version?: string;
  readonly source: ChartSource;
}

export interface ChartPin {
  /** Chart.yaml name, e.g. `argo-cd`. */
  readonly name: string;
  /** Exact chart version, e.g. `10.1.1`. */
  readonly version: string;
  /** Folder name in a charts directory, e.g. `argo-cd-10.1.1`. */
  readonly dir: string;
  /** Tree digest of the unpacked folder, dependencies included (64 hex; see charts.mjs). */
  readonly digest: string;
  readonly source: ChartSource;
  readonly dependencies?: readonly ChartDependency[];
}

export interface LocateChartOptions {
  /** Repository root: `../shared/charts`, `.cache/charts` and the stamps are relative to it. */
  readonly root: string;
  /** A charts directory from a `--charts-dir` flag (relative to root). */
  readonly chartsDir?: string;
  /** Environment for PLATFORM_CHARTS_DIR, PLATFORM_CHARTS_BASE_URL and PLATFORM_HELM; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Download git trees from `<baseUrl>/<repo>/tar.gz/<commit>` (a mirror; tests use a loopback server). */
  readonly baseUrl?: string;
  /** Called as each download (or helm pull) starts, with its URL. */
  readonly onDownload?: (url: string) => void;
  /** Per download; default 300 s. */
  readonly timeoutMs?: number;
}

export interface LocatedChart {
  /** The verified chart folder. */
  readonly dir: string;
  /** `--charts-dir`, `PLATFORM_CHARTS_DIR`, `default` (../shared/charts), `cache` or `download`. */
  readonly origin: string;
}

export declare class ChartSourceError extends Error {}

/** Tree digest of `<chartsDir>/<dir>`: the SHA256SUMS convention of ../shared/charts. */
export declare function chartTreeDigest(chartsDir: string, dir: string): string;
/** Finds (or downloads) the pinned chart and checks its tree digest. */
export declare function locateChart(pin: ChartPin, options: LocateChartOptions): Promise<LocatedChart>;
