import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sodium from "libsodium-wrappers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  actionsVariables,
  ghCommands,
  type SetupValues,
  sealSecret,
  writeSecretFile,
} from "../../src/setup/secret.js";

const VALUES: SetupValues = {
  applicationId: "ocid1.fnapp.oc1..a",
  gatewayId: "ocid1.apigateway.oc1..g",
  repository: "usage-api",
  audience: "https://gw.example.com/",
  scopeName: "usage.read",
  scope: "https://gw.example.com/usage.read",
  clientId: "0123abcd",
  identityDomainUrl: "https://idcs-1.identity.oraclecloud.com",
  issuer: "https://identity.oraclecloud.com/",
};

describe("sealSecret", () => {
  beforeAll(() => sodium.ready);

  it("seals for the repository key so that only its private key opens it", async () => {
    const keys = sodium.crypto_box_keypair();
    const publicKey = sodium.to_base64(keys.publicKey, sodium.base64_variants.ORIGINAL);
    const sealed = await sealSecret("the secret ☃", publicKey);
    expect(sealed).not.toContain("the secret");
    const opened = sodium.crypto_box_seal_open(
      sodium.from_base64(sealed, sodium.base64_variants.ORIGINAL),
      keys.publicKey,
      keys.privateKey,
    );
    expect(sodium.to_string(opened)).toBe("the secret ☃");
    const other = sodium.crypto_box_keypair();
    expect(() =>
      sodium.crypto_box_seal_open(
        sodium.from_base64(sealed, sodium.base64_variants.ORIGINAL),
        other.publicKey,
        other.privateKey,
      ),
    ).toThrow();
  });

  it("gives a new box each time (ephemeral sender key)", async () => {
    const keys = sodium.crypto_box_keypair();
    const publicKey = sodium.to_base64(keys.publicKey, sodium.base64_variants.ORIGINAL);
    expect(await sealSecret("x", publicKey)).not.toBe(await sealSecret("x", publicKey));
  });
});

describe("writeSecretFile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "setup-secret-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("writes the secret with mode 0600, in a new folder too", async () => {
    const path = join(dir, "sub", "client.secret");
    const result = await writeSecretFile(path, "hunter2-secret");
    expect(result).toEqual({ path, changed: true });
    expect(await readFile(path, "utf8")).toBe("hunter2-secret");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("leaves the same secret in place, and makes an existing file private", async () => {
    const path = join(dir, "existing.secret");
    await writeFile(path, "same", { mode: 0o644 });
    expect(await writeSecretFile(path, "same")).toEqual({ path, changed: false });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("replaces a different secret atomically (no temp file left)", async () => {
    const path = join(dir, "rotated.secret");
    await writeSecretFile(path, "old");
    await writeSecretFile(path, "new");
    expect(await readFile(path, "utf8")).toBe("new");
    const { readdir } = await import("node:fs/promises");
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("what the workflows read", () => {
  it("names the variables as deploy.yml and usage-report.yml read them", async () => {
    const names = actionsVariables(VALUES).map(([name]) => name);
    const workflows =
      (await readFile(new URL("../../.github/workflows/deploy.yml", import.meta.url), "utf8")) +
      (await readFile(new URL("../../.github/workflows/usage-report.yml", import.meta.url), "utf8"));
    for (const name of names) expect(workflows).toContain(`vars.${name}`);
    expect(workflows).toContain("secrets.USAGE_CLIENT_SECRET");
  });

  it("prints gh lines that read the secret from its file and quote values for the shell", () => {
    const lines = ghCommands({ ...VALUES, clientId: "it's" }, "/home/me/.oci/my secret", "octo/usage");
    expect(lines[0]).toBe("gh secret set USAGE_CLIENT_SECRET --repo octo/usage < '/home/me/.oci/my secret'");
    expect(lines).toContain("gh variable set USAGE_CLIENT_ID --repo octo/usage --body 'it'\\''s'");
    expect(lines).toContain(
      "gh variable set USAGE_SCOPE --repo octo/usage --body https://gw.example.com/usage.read",
    );
    expect(ghCommands(VALUES, "/s")[0]).toBe("gh secret set USAGE_CLIENT_SECRET < /s");
  });
});
