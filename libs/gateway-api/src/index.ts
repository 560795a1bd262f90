export * from './gateway-api';
export * from './versions';
