export * from './cert-manager';
export * from './issuers';
export * from './versions';
export * from './values';
