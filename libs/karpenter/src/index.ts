export * from './karpenter';
export * from './versions';
export * from './values';
