import type { ComponentVersions, UpstreamChart } from '@platform/core';

/** CloudNativePG's release the operator chart installs; the CRDs in libs/crds are the same release. */
export const CNPG_OPERATOR_VERSION = '1.30.0';

/**
 * The cloudnative-pg chart 0.29.0 (operator 1.30.0; 1.28 is end of life) from its source tree at the
 * tag `cloudnative-pg-v0.29.0`, rendered at synth (never fetched by Argo CD). Its one dependency,
 * `cluster` (alias `monitoring`, the Grafana dashboard; off), is unpacked under `charts/cluster`.
 * Bump: version, appVersion, commits and `digest` (`node scripts/charts.mjs digest <charts dir> cloudnative-pg-<version>`).
 */
export const CNPG_CHART: UpstreamChart = {
  repoURL: 'https://cloudnative-pg.github.io/charts',
  chart: 'cloudnative-pg',
  version: '0.29.0',
  appVersion: CNPG_OPERATOR_VERSION,
  pin: {
    dir: 'cloudnative-pg-0.29.0',
    digest: 'a56fc0ffe12ec64b7c5c7391afea5df0d987c651c6bdd44d7ace595f76c33597',
    source: {
      type: 'git',
      repo: 'cloudnative-pg/charts',
      commit: 'd1b5ad60cee2d9432a9cc05627b42a8d8dc7bbae',
      path: 'charts/cloudnative-pg',
    },
    dependencies: [
      {
        name: 'monitoring',
        dir: 'charts/cluster',
        source: {
          type: 'git',
          repo: 'cloudnative-pg/grafana-dashboards',
          commit: 'cececeb393fb7c5400b4fa290aca68041293a127',
          path: 'charts/cluster',
        },
      },
    ],
  },
  apiVersions: ['postgresql.cnpg.io/v1'],
};

/** The CRD files validate checks our Cluster, ScheduledBackup and Database objects against (the operator's release). */
export const CNPG_VERSIONS: ComponentVersions = {
  chart: CNPG_CHART,
  crds: {
    project: 'cloudnative-pg',
    repo: 'cloudnative-pg/cloudnative-pg',
    tag: `v${CNPG_OPERATOR_VERSION}`,
    files: [
      'postgresql.cnpg.io_backups.yaml',
      'postgresql.cnpg.io_clusterimagecatalogs.yaml',
      'postgresql.cnpg.io_clusters.yaml',
      'postgresql.cnpg.io_databaseroles.yaml',
      'postgresql.cnpg.io_databases.yaml',
      'postgresql.cnpg.io_failoverquorums.yaml',
      'postgresql.cnpg.io_imagecatalogs.yaml',
      'postgresql.cnpg.io_poolers.yaml',
      'postgresql.cnpg.io_publications.yaml',
      'postgresql.cnpg.io_scheduledbackups.yaml',
      'postgresql.cnpg.io_subscriptions.yaml',
    ],
  },
  valuesSchema: 'pinned',
};

/**
 * The plugin-barman-cloud chart 0.7.0 (plugin v0.13.0, the newest chart release) from its source
 * tree at the tag `plugin-barman-cloud-v0.7.0`. Needs cert-manager (an Issuer and the plugin's
 * client and server certificates).
 */
export const BARMAN_CLOUD_CHART: UpstreamChart = {
  repoURL: 'https://cloudnative-pg.github.io/charts',
  chart: 'plugin-barman-cloud',
  version: '0.7.0',
  appVersion: 'v0.13.0',
  pin: {
    dir: 'plugin-barman-cloud-0.7.0',
    digest: '07e449e72c18f14be1c3a05d0cfe6fbddc9a77ff3f706773e609efe5db8e1dc3',
    source: {
      type: 'git',
      repo: 'cloudnative-pg/charts',
      commit: '83bd9c59514cb7ff3692049d85ba604dcb458700',
      path: 'charts/plugin-barman-cloud',
    },
  },
  apiVersions: ['barmancloud.cnpg.io/v1'],
};

/** Every version the Barman Cloud plugin component pins. */
export const BARMAN_CLOUD_VERSIONS: ComponentVersions = {
  chart: BARMAN_CLOUD_CHART,
  crds: {
    project: 'plugin-barman-cloud',
    repo: 'cloudnative-pg/plugin-barman-cloud',
    tag: 'v0.14.0',
    files: ['barmancloud.cnpg.io_objectstores.yaml'],
    tagReason:
      'the pinned CRD file is v0.14.0, the newest plugin release; the chart (0.7.0) deploys v0.13.0, whose ObjectStore CRD is byte-identical',
  },
  valuesSchema: 'pinned',
};

/**
 * The PostgreSQL 18 image of every PostgresCluster unless the cluster file says otherwise: the 18
 * minor CloudNativePG 1.30.0 defaults to (`18.4-system-trixie` in pkg/versions/versions.go at
 * v1.30.0), in its `standard` flavour: `system` adds the in-tree Barman Cloud tools, which the
 * Barman Cloud plugin replaces (its sidecar brings its own), so they would be dead weight and CVEs.
 */
export const POSTGRES_IMAGE = 'ghcr.io/cloudnative-pg/postgresql:18.4-standard-trixie';
