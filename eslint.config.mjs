// ESLint's flat config for dyad's JavaScript: the browser client (web/js),
// the tests and the tools. `make check` runs `npx eslint .`; the rules are
// ESLint's recommended set, so a finding is a likely bug, not a matter of
// taste (formatting is left alone).
import js from '@eslint/js';
import globals from 'globals';

export default [
    { ignores: ['node_modules/', 'build/', 'tests/fuzz/corpus/'] },
    js.configs.recommended,
    {
        files: ['web/**/*.js'],
        languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.browser } },
    },
    {
        // the service worker: h_sw (src/web/h_ops.c) puts VERSION and SHELL above it
        files: ['web/sw.js'],
        languageOptions: { sourceType: 'script', globals: { ...globals.serviceworker, VERSION: 'readonly', SHELL: 'readonly' } },
    },
    {
        files: ['**/*.mjs', 'scripts/**/*.js', 'tools/**/*.js'],
        languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    },
    {
        // Playwright hands these functions to the page: they run in the browser.
        files: ['tests/browser/**/*.mjs', 'tests/lib/browser.mjs', 'tests/lib/journey.mjs', 'scripts/screenshots.mjs'],
        languageOptions: { globals: { ...globals.node, ...globals.browser } },
    },
    {
        rules: {
            // `catch {}` and `_unused` arguments are how this code says "deliberately ignored"
            'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
            'no-empty': ['error', { allowEmptyCatch: true }],
        },
    },
];
