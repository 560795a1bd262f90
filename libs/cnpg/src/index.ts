export * from './operator';
export * from './barman-cloud';
export * from './postgres-cluster';
export * from './versions';
export * from './values';
