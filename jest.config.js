// Two tiers: `unit` runs anywhere in seconds; `e2e` needs root and the sandbox (npm run test:e2e).
const tsJest = { "^.+\\.ts$": ["ts-jest", { diagnostics: { warnOnly: false }, isolatedModules: true }] };

module.exports = {
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      transform: tsJest,
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/"],
    },
    {
      displayName: "e2e",
      testEnvironment: "node",
      transform: tsJest,
      testMatch: ["<rootDir>/test/e2e/**/*.test.ts"],
    },
  ],
};
