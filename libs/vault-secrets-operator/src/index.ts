export * from './vault-secrets-operator';
export * from './versions';
export * from './values';
