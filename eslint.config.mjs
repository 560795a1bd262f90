// ESLint flat config: typescript-eslint's recommended rules plus the module boundaries of
// DESIGN.md, derived from the aliases in tsconfig.base.json:
//   - a component lib may import @platform/core, @platform/crds and npm packages, never another component;
//   - @platform/core and @platform/crds import no component;
//   - nothing imports apps/.
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const { paths } = JSON.parse(readFileSync(new URL('./tsconfig.base.json', import.meta.url), 'utf8')).compilerOptions;
const NODE_GLOBALS = [
  'console',
  'process',
  'URL',
  'Buffer',
  'setTimeout',
  'clearTimeout',
  'setImmediate',
  'performance',
  'structuredClone',
  'fetch',
  'AbortController',
  'AbortSignal',
  'TextEncoder',
  'TextDecoder',
];
const SHARED = ['@platform/core', '@platform/crds'];
const components = Object.keys(paths)
  // A component is an alias of a library index that is neither core nor crds.
  .filter((alias) => paths[alias][0].endsWith('/src/index.ts') && !SHARED.includes(alias))
  .map((alias) => ({ alias, dir: paths[alias][0].replace(/^\.\//, '').replace(/\/src\/index\.ts$/, '') }));

const restrict = (forbidden, message) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: forbidden, message },
        { group: ['**/apps/**', '../../apps/*'], message: 'Nothing imports apps/: the app imports the libraries.' },
        {
          group: ['../../libs/*', '../../../libs/*', '**/libs/*/src/*'],
          message: 'Import libraries by their @platform/* alias, not by path.',
        },
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'tmp/**', '.cache/**', '.nx/**', 'libs/crds/src/generated/**', '**/.dist.*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: Object.fromEntries(NODE_GLOBALS.map((g) => [g, 'readonly'])) },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // Tests compose several components like a cluster file does, so the boundary applies to sources.
  ...components.map(({ alias, dir }) => ({
    files: [`${dir}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: restrict(
      components.filter((c) => c.alias !== alias).map((c) => c.alias),
      'A component lib never imports another component: wire components through typed values in clusters/*.ts.',
    ),
  })),
  {
    files: ['libs/core/**/*.ts', 'libs/crds/**/*.ts'],
    rules: restrict(
      components.map((c) => c.alias),
      'core and crds are shared building blocks: they import no component.',
    ),
  },
);
