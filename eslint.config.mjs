// Lint: TypeScript with type information, so the Pulumi rule can see Outputs inside template literals.
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", ".toolchain/**", ".state/**", ".sandbox/**", "jest.config.js", "eslint.config.mjs"] },
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser, parserOptions: { project: ["./tsconfig.json"], tsconfigRootDir: import.meta.dirname } },
    plugins: { "@pulumi": pulumi, "@typescript-eslint": tseslint.plugin },
    rules: {
      // A command string with an Output in it would carry "Calling [toString] on an Output" to a host.
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-require-imports": "error",
    },
  },
);
