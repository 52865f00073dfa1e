/** @type {import('jest').Config} */
const project = (displayName, roots) => ({
  displayName,
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": [
      "ts-jest",
      { useESM: true, tsconfig: "tsconfig.json", diagnostics: { ignoreCodes: [151002] } },
    ],
  },
  testMatch: roots.map((r) => `<rootDir>/test/${r}/**/*.test.ts`),
});

export default {
  // `npm test` runs every project; `npm run test:e2e` only the end-to-end one (real processes).
  projects: [project("unit", ["unit"]), project("integration", ["integration"]), project("e2e", ["e2e"])],
  globalSetup: "<rootDir>/test/setup/global-setup.js",
  testTimeout: 60000,
  // Integration tests spawn git, agents and Redis clients; two workers fit a 2-core machine.
  maxWorkers: 2,
};
