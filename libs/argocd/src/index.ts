export * from './argocd';
export * from './health';
export * from './versions';
