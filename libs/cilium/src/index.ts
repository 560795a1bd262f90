export * from './cilium';
export * from './versions';
export * from './values';
