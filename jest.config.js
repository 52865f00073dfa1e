/** @type {import('jest').Config} */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": [
      "ts-jest",
      { useESM: true, tsconfig: "tsconfig.json", diagnostics: { ignoreCodes: [151002] } },
    ],
  },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  globalSetup: "<rootDir>/test/setup/global-setup.js",
  testTimeout: 60000,
  // Integration tests spawn git, agents and Redis clients; two workers fit a 2-core machine.
  maxWorkers: 2,
};
