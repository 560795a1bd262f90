export * from './namespaces';
