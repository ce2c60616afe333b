/** @type {import('jest').Config} */
module.exports = {
  // Component and page suites need jsdom; sandbox and cloud-function suites opt into node with a
  // `/** @jest-environment node */` docblock.
  testEnvironment: 'jsdom',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // dist/cloudfunctions/*/package.json would collide with cloudfunctions/*/package.json.
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.sandbox/'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  moduleNameMapper: { '^@vant/weapp/(.*)$': '<rootDir>/node_modules/@vant/weapp/lib/$1' },
  testTimeout: 30000,
};
