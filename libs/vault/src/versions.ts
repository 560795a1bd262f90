import type { ComponentVersions, UpstreamChart } from '@platform/core';

/** Vault's release the chart installs (`appVersion` of chart 0.34.1, the server image tag). */
export const VAULT_VERSION = '2.0.4';

/**
 * The vault chart from its source tree at the release tag (the chart is the repository root: path ''),
 * rendered at synth, never fetched by Argo CD. Bump: the version, the commit, `digest`
 * (`node scripts/charts.mjs digest <charts dir> vault-<version>`), VAULT_VERSION, and the values
 * schema pin in apps/platform/src/validate/chart-schema-sources.json.
 */
export const VAULT_CHART: UpstreamChart = {
  repoURL: 'https://helm.releases.hashicorp.com',
  chart: 'vault',
  version: '0.34.1',
  appVersion: VAULT_VERSION,
  pin: {
    dir: 'vault-0.34.1',
    digest: '01bb6eeb8b17dfff044316dadedb9e2776d580aa8fc916eb0ad4838149bbb0da',
    source: { type: 'git', repo: 'hashicorp/vault-helm', commit: 'aa1c92e4adddbce9660e536dfe5222a88eda6d52', path: '' },
  },
  // The chart serves no API of its own.
  apiVersions: [],
};

/** Every version Vault pins (see ComponentVersions): the chart ships a values schema, pinned for validate. */
export const VAULT_VERSIONS: ComponentVersions = { chart: VAULT_CHART, valuesSchema: 'pinned' };
