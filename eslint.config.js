// ESLint: typescript-eslint's recommended rules, no import cycles, Prettier for layout.
// `npm run lint` runs it with --max-warnings 0 (CI runs it before the tests).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.images-cache/**',
      'node_modules/**',
      'images/**/node_modules/**',
      'bench/results/**',
      'test/artifacts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // The layers: the pure core imports nothing outside it; the cluster, router, profiler and control never
      // reach into the HTTP API.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './src/domain', from: './src', except: ['./domain'], message: 'src/domain is pure' },
            ...['cluster', 'router', 'profiler', 'control', 'supervisor'].map((layer) => ({
              target: `./src/${layer}`,
              from: './src/api',
              message: `src/${layer} must not import the API`,
            })),
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  { files: ['images/**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  // Node scripts and sample modules; the status page's modules run in the browser.
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  { files: ['src/api/status-page/ui/**/*.js'], languageOptions: { globals: globals.browser } },
  prettier,
  // After eslint-config-prettier, which turns max-len off: Prettier wraps code, this catches long strings and comments.
  { rules: { 'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }] } },
  { files: ['test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
