// Three tiers: `unit` runs anywhere; `real-tools` (test/**/*.real.test.ts, npm run test:real-tools) checks the rendered
// files and host programs with the real programs installed here, and fails when one is missing; `e2e` needs root and
// the sandbox (npm run test:e2e).
const tsJest = { "^.+\\.ts$": ["ts-jest", { diagnostics: { warnOnly: false }, isolatedModules: true }] };

module.exports = {
  // The summary of failing tests is printed after every run, not only past 20 files: CI keeps only its output's tail.
  reporters: [["default", { summaryThreshold: 0 }]],
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      transform: tsJest,
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/", "\\.real\\.test\\.ts$"],
    },
    {
      displayName: "real-tools",
      testEnvironment: "node",
      transform: tsJest,
      testMatch: ["<rootDir>/test/**/*.real.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/"],
    },
    {
      displayName: "e2e",
      testEnvironment: "node",
      transform: tsJest,
      testMatch: ["<rootDir>/test/e2e/**/*.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/test/e2e/helpers/settleChecks.ts"],
    },
  ],
};
