import type { ComponentVersions, UpstreamChart } from '@platform/core';

/** The Vault Secrets Operator's release: chart version = app version = manager image tag. CRDs in libs/crds come from the same tag. */
export const VAULT_SECRETS_OPERATOR_VERSION = '1.4.1';

/**
 * The vault-secrets-operator chart from its source tree at the release tag (rendered at synth with
 * its `crds/`, never fetched by Argo CD). Bump: the version, the commit and `digest`
 * (`node scripts/charts.mjs digest <charts dir> vault-secrets-operator-<version>`), and the CRD
 * pin in libs/crds (`npm run crds:import`).
 */
export const VAULT_SECRETS_OPERATOR_CHART: UpstreamChart = {
  repoURL: 'https://helm.releases.hashicorp.com',
  chart: 'vault-secrets-operator',
  version: VAULT_SECRETS_OPERATOR_VERSION,
  appVersion: VAULT_SECRETS_OPERATOR_VERSION,
  pin: {
    dir: 'vault-secrets-operator-1.4.1',
    digest: '740e598b1e422c778771b35288273d0edd2177a479572f227280e543749ace89',
    source: {
      type: 'git',
      repo: 'hashicorp/vault-secrets-operator',
      commit: '9b840a5a0c3455278d580418d6336f2011cf8574',
      path: 'chart',
    },
  },
  // The chart's crds/ are rendered with it: charts of the cluster see the API it serves.
  apiVersions: ['secrets.hashicorp.com/v1beta1'],
};

/** Every version the Vault Secrets Operator pins (see ComponentVersions). The chart ships no values schema. */
export const VAULT_SECRETS_OPERATOR_VERSIONS: ComponentVersions = {
  chart: VAULT_SECRETS_OPERATOR_CHART,
  crds: {
    project: 'vault-secrets-operator',
    repo: 'hashicorp/vault-secrets-operator',
    tag: `v${VAULT_SECRETS_OPERATOR_VERSION}`,
    files: [
      'secrets.hashicorp.com_csisecrets.yaml',
      'secrets.hashicorp.com_hcpauths.yaml',
      'secrets.hashicorp.com_hcpvaultsecretsapps.yaml',
      'secrets.hashicorp.com_secrettransformations.yaml',
      'secrets.hashicorp.com_vaultauthglobals.yaml',
      'secrets.hashicorp.com_vaultauths.yaml',
      'secrets.hashicorp.com_vaultconnections.yaml',
      'secrets.hashicorp.com_vaultdynamicsecrets.yaml',
      'secrets.hashicorp.com_vaultpkisecrets.yaml',
      'secrets.hashicorp.com_vaultstaticsecrets.yaml',
    ],
  },
  valuesSchema: 'none',
};
