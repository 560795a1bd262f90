export * from './argocd';
export * from './health';
export * from './versions';
export * from './values';
