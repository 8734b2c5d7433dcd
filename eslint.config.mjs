// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layers point one way (docs/architecture.md, "Layers"); these rules fail the lint when an import breaks that. */
const localStandIns = {
  group: ['**/local', '**/local/**'],
  message: 'Product code never imports local/ (the stand-ins are never deployed).',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.local/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // src/ is the libraries and the core; only the entry point that registers functions sees the layers above.
    files: ['src/**/*.ts'],
    ignores: ['src/index.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            localStandIns,
            {
              group: ['**/activities', '**/activities/**', '**/orchestrators', '**/orchestrators/**'],
              message: 'src/ never imports activities/ or orchestrators/ (only src/index.ts registers them).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/index.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [localStandIns] }] },
  },
  {
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            localStandIns,
            {
              group: ['**/orchestrators/**'],
              message: 'Activities never import orchestrators.',
            },
          ],
        },
      ],
    },
  },
  {
    // Orchestrators replay: they use only the pure core (model, status, windows) and activity types.
    files: ['orchestrators/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            localStandIns,
            {
              group: [
                '../src/**',
                '!../src/pipeline',
                '../src/pipeline/*',
                '!../src/pipeline/model',
                '!../src/pipeline/status',
                '!../src/pipeline/windows',
              ],
              message: 'Orchestrators import only the pure core: src/pipeline/model, status and windows.',
            },
            {
              group: ['../activities', '../activities/**'],
              allowTypeImports: true,
              message: 'Orchestrators may import activity types only (import type …).',
            },
            {
              group: ['node:*', '@azure/*'],
              message: 'Orchestrators do no I/O.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use context.df.currentUtcDateTime.' },
        { object: 'Math', property: 'random', message: 'Orchestrators must be deterministic.' },
      ],
      'no-restricted-globals': ['error', 'fetch', 'setTimeout', 'setInterval'],
    },
  },
  {
    // The simulator stands in for Microsoft's service: it must not share the selection logic it is used to test.
    files: ['local/o365-sim/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/alerts', '**/src/alerts/**'],
              message:
                'The simulator never imports src/alerts: its ground truth must not come from the code under test.',
            },
          ],
        },
      ],
    },
  },
);
