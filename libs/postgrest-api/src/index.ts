export * from './postgrest-api';
export * from './sql';
export * from './versions';
export { FOLLOWER_SCRIPT_FILE } from './follower-script';
