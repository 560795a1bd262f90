export * from './base';
export * from './cni';
export * from './istiod';
export * from './gateway';
export * from './namespace';
export * from './versions';
export * from './values';
