// Lint rules that keep workflow code deterministic and promises awaited.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'fs',
  'path',
  'crypto',
  'http',
  'https',
  'child_process',
  'os',
  'net',
  'dns',
  'tls',
  'zlib',
  'stream',
  'worker_threads',
  'cluster',
  'process',
  'timers',
  'util',
  'events',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.build/**', '.tools/**', '.data/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': 'off',
    },
  },
  {
    // Workflow code is replayed: it may import only the workflow SDK, types and pure modules.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins
              .flatMap((m) => [m, `node:${m}`])
              .map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
            ...[
              'pg',
              'typeorm',
              'express',
              'octokit',
              'discord.js',
              '@google-cloud/storage',
              '@temporalio/client',
              '@temporalio/worker',
              '@temporalio/activity',
              'pino',
            ].map((name) => ({ name, message: 'Workflow code may import only @temporalio/workflow, types and pure modules.' })),
          ],
          patterns: [
            {
              group: ['**/activities/*', '**/db/*', '**/api/*', '**/integrations/*', '**/config/*', '**/benefits/*'],
              allowTypeImports: true,
              message: 'Workflows may import only types from these layers.',
            },
          ],
        },
      ],
    },
  },
);
