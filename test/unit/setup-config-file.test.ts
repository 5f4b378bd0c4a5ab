import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ConfigFileAccess,
  expandHome,
  loadOciProfile,
  nodeConfigFileAccess,
  parseOciConfig,
  profileOf,
} from "../../src/oci/config-file.js";

const CONFIG = `# written by oci setup config
[DEFAULT]
user=ocid1.user.oc1..default
fingerprint = aa:bb
key_file=~/.oci/oci_api_key.pem
tenancy=ocid1.tenancy.oc1..t
region=us-ashburn-1

[ADMIN]
user = ocid1.user.oc1..admin
key_file = keys/admin.pem
pass_phrase = open sesame
; a comment
region=eu-frankfurt-1
`;

describe("parseOciConfig", () => {
  it("reads every section, trims keys and values, skips comments", () => {
    const sections = parseOciConfig(CONFIG);
    expect([...sections.keys()]).toEqual(["DEFAULT", "ADMIN"]);
    expect(sections.get("ADMIN")).toEqual({
      user: "ocid1.user.oc1..admin",
      key_file: "keys/admin.pem",
      pass_phrase: "open sesame",
      region: "eu-frankfurt-1",
    });
  });

  it("takes CRLF line ends and a byte-order mark", () => {
    expect(parseOciConfig("\uFEFF[DEFAULT]\r\nregion=x\r\n").get("DEFAULT")).toEqual({ region: "x" });
  });

  it.each([
    ["region=x\n", "line 1: 'region=x' is neither a [PROFILE] header nor key=value inside a profile"],
    ["[DEFAULT]\njust words\n", "line 2: 'just words' is neither"],
  ])("refuses %j", (text, message) => {
    expect(() => parseOciConfig(text, "/home/me/.oci/config")).toThrow(`/home/me/.oci/config ${message}`);
  });
});

describe("profileOf", () => {
  const sections = parseOciConfig(CONFIG);

  it("puts [DEFAULT]'s keys beneath the profile's own", () => {
    expect(profileOf(sections, "ADMIN", "cfg").values).toMatchObject({
      user: "ocid1.user.oc1..admin",
      fingerprint: "aa:bb",
      tenancy: "ocid1.tenancy.oc1..t",
      region: "eu-frankfurt-1",
      key_file: "keys/admin.pem",
    });
  });

  it("names the profiles there are when the one asked for is missing", () => {
    expect(() => profileOf(sections, "PROD", "cfg")).toThrow(
      "cfg has no profile [PROD]; it has [DEFAULT], [ADMIN]; pass --profile with one of them",
    );
    expect(() => profileOf(new Map(), "DEFAULT", "cfg")).toThrow(
      "cfg has no profile [DEFAULT] (it has no profiles)",
    );
  });
});

describe("expandHome", () => {
  it.each([
    ["~", "/home/me"],
    ["~/.oci/key.pem", "/home/me/.oci/key.pem"],
    ["/abs/key.pem", "/abs/key.pem"],
    ["rel/key.pem", "rel/key.pem"],
    ["~other/key.pem", "~other/key.pem"],
  ])("%s -> %s", (path, expanded) => {
    expect(expandHome(path, "/home/me")).toBe(expanded);
  });
});

describe("loadOciProfile", () => {
  const files = new Map<string, { text: string; mode: number }>([
    ["/home/me/.oci/config", { text: CONFIG, mode: 0o600 }],
    ["/home/me/.oci/oci_api_key.pem", { text: "PEM-DEFAULT", mode: 0o600 }],
    ["/home/me/.oci/keys/admin.pem", { text: "PEM-ADMIN", mode: 0o644 }],
  ]);
  const access: ConfigFileAccess = {
    home: "/home/me",
    readFile: async (path) => {
      const file = files.get(path);
      if (!file) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      return file.text;
    },
    mode: async (path) => files.get(path)!.mode,
  };

  it("reads the profile and its key file (~ expanded)", async () => {
    const loaded = await loadOciProfile("~/.oci/config", "DEFAULT", access);
    expect(loaded).toMatchObject({
      path: "/home/me/.oci/config",
      profile: "DEFAULT",
      keyFile: "/home/me/.oci/oci_api_key.pem",
      keyContent: "PEM-DEFAULT",
      warnings: [],
    });
  });

  it("reads a relative key_file from the config file's folder, and warns when others may read it", async () => {
    const loaded = await loadOciProfile("/home/me/.oci/config", "ADMIN", access);
    expect(loaded.keyContent).toBe("PEM-ADMIN");
    expect(loaded.values.pass_phrase).toBe("open sesame");
    expect(loaded.warnings).toEqual([
      "the private key /home/me/.oci/keys/admin.pem may be read by other users (mode 644); run: chmod 600 /home/me/.oci/keys/admin.pem",
    ]);
  });

  it("says how to fix a missing config file and a missing key file", async () => {
    await expect(loadOciProfile("/nowhere/config", "DEFAULT", access)).rejects.toThrow(
      "the OCI config file /nowhere/config does not exist; create it with 'oci setup config', pass --config-file, or give the key with flags or OCI_CLI_* variables",
    );
    files.set("/home/me/other", { text: "[DEFAULT]\nkey_file=/gone.pem\n", mode: 0o600 });
    await expect(loadOciProfile("/home/me/other", "DEFAULT", access)).rejects.toThrow(
      "profile [DEFAULT] of /home/me/other: key_file /gone.pem does not exist; fix key_file",
    );
  });

  it("leaves keys the profile lacks undefined (the command then names them)", async () => {
    files.set("/home/me/bare", { text: "[DEFAULT]\nregion=x\n", mode: 0o600 });
    const loaded = await loadOciProfile("/home/me/bare", "DEFAULT", access);
    expect(loaded.values.user).toBeUndefined();
    expect(loaded.keyContent).toBeUndefined();
  });

  describe("on the real file system", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "oci-config-"));
      await writeFile(join(dir, "config"), "[DEFAULT]\nkey_file=key.pem\n");
      await writeFile(join(dir, "key.pem"), "PEM");
      await chmod(join(dir, "key.pem"), 0o640);
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it("reads the key's mode bits", async () => {
      const loaded = await loadOciProfile(join(dir, "config"), "DEFAULT", nodeConfigFileAccess);
      expect(loaded.keyContent).toBe("PEM");
      expect(loaded.warnings[0]).toContain("(mode 640)");
    });
  });
});
