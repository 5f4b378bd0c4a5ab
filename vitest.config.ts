import { defineConfig } from "vitest/config";

// Options every project shares (project configs do not inherit the root's `test` block).
const shared = {
  environment: "node" as const,
  restoreMocks: true,
  unstubEnvs: true,
  // Load Node's fetch before anything imports undici (see src/lib/fetch-first.ts).
  setupFiles: ["test/setup/fetch-first.ts"],
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          ...shared,
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/integration/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: "forks",
        },
      },
      {
        // Fault, crash and attack suites against the sandbox: seeded, bounded in count and time.
        test: {
          ...shared,
          name: "reliability",
          include: ["test/reliability/**/*.test.ts"],
          globalSetup: ["test/integration/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          pool: "forks",
        },
      },
      {
        // Real registries (Debian docker-registry), skopeo, umoci, unshare: `npm run test:e2e`, as root.
        test: {
          ...shared,
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          pool: "forks",
        },
      },
    ],
  },
});
