export * from './vault';
export * from './config';
export * from './versions';
export * from './values';
