export * from './karpenter';
export * from './quantity';
export * from './versions';
export * from './values';
