// One jest run, in band (2 cores): globalSetup starts PostgreSQL and one Temporal dev server for
// the whole run and bundles workflows once; every file reuses them.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120000,
  verbose: false,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
