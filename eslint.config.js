import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'web/dist/', 'native/build/', 'node_modules/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  { files: ['web/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
  {
    // The composition root (Server.ts, wiring/) adapts the hub and the routers to the small
    // sinks and shapes the lower modules declare (issue 17 part 3): no module below http/
    // imports a router, none below the wiring imports the hub, and none reaches into a
    // camera's camerad supervisor (Camera has state, onState, onRestarted, ...).
    files: ['server/**/*.ts', 'media/**/*.ts'],
    ignores: ['server/http/**', 'server/Server.ts', 'server/main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/http/routers/*'], message: 'declare the shape you need here; wiring passes it in' }],
        },
      ],
    },
  },
  {
    files: ['server/**/*.ts', 'media/**/*.ts'],
    ignores: ['server/http/**', 'server/events/**', 'server/wiring/**', 'server/Server.ts', 'server/main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/http/routers/*'], message: 'declare the shape you need here; wiring passes it in' },
            { group: ['**/events/EventHub*'], message: 'declare a small event sink here; wiring passes the hub in' },
          ],
        },
      ],
    },
  },
  {
    files: ['server/**/*.ts', 'media/**/*.ts'],
    ignores: ['media/camera/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='supervisor']",
          message: 'use Camera.state, pid, cameradStats, onState, onRestarted, onCameradStats',
        },
      ],
    },
  },
);
