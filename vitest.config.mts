import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Vite 7 has no built-in tsconfig paths support: derive aliases from tsconfig.base.json,
// the one place module aliases are declared. Wildcard aliases name TypeScript modules whose names
// contain dots (`generated/cert-manager.io`), so the extension is explicit.
const paths: Record<string, string[]> = JSON.parse(readFileSync('tsconfig.base.json', 'utf8')).compilerOptions.paths;
const alias = Object.entries(paths).map(([key, [target]]) =>
  key.endsWith('/*')
    ? { find: new RegExp(`^${key.slice(0, -2)}/(.*)$`), replacement: `${resolve(target.slice(0, -2))}/$1.ts` }
    : { find: new RegExp(`^${key}$`), replacement: resolve(target) },
);

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['apps/**/*.test.ts', 'libs/**/*.test.ts', 'clusters/**/*.test.ts', 'scripts/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', 'tmp/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Test files share a worker's module cache: the generated CRD bindings are transformed once per
    // worker instead of once per file (40 s → 25 s). Tests that touch process.env restore it.
    isolate: false,
  },
});
