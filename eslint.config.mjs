// ESLint 9 flat config. Correctness rules only: formatting is Prettier's job (`prettier --check .`), and
// eslint-config-prettier is not installed, so no stylistic rule is enabled here.
// Not type-aware (no parserOptions.project), to stay fast.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** What the mini-program runtime defines (miniprogram-api-typings declares them for tsc). */
const miniprogramGlobals = {
  wx: 'readonly',
  App: 'readonly',
  Page: 'readonly',
  Component: 'readonly',
  Behavior: 'readonly',
  getApp: 'readonly',
  getCurrentPages: 'readonly',
  requirePlugin: 'readonly',
  requireMiniProgram: 'readonly',
};

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', '.sandbox/', 'miniprogram/miniprogram_npm/', 'coverage/'],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // `let server; ... server = listen()` read first by a closure is not a const in disguise
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['miniprogram/**/*.ts'],
    languageOptions: { globals: { ...globals.es2017, ...miniprogramGlobals } },
  },
  {
    files: [
      'cloudfunctions/**/*.ts',
      'sandbox/**/*.ts',
      'typings/**/*.ts',
      'bench/**/*.ts',
      'build/**/*.ts',
      'gulpfile.ts',
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The sandbox dashboard's browser UI (Preact, TSX).
    files: ['sandbox/dashboard/ui/**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.browser } },
  },
  {
    files: ['test/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.jest, ...miniprogramGlobals } },
    // Tests load some modules only once the environment is ready (miniprogram-simulate in jsdom, built
    // bundles from dist/), which takes a require() call.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Ambient declarations (`declare module`, `declare global`) are how typings are written.
    files: ['**/*.d.ts', 'typings/**/*.ts'],
    rules: { '@typescript-eslint/no-namespace': 'off' },
  },
  {
    // The launcher and CommonJS configs run as plain Node scripts.
    files: ['bin/**/*.js', '**/*.cjs', 'jest.config.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  {
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },
);
