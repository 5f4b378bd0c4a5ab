import { describe, expect, it } from "vitest";
import { type CliIo, consoleDeps, helpText, parseArgs, resolveInputs, runCli } from "../../src/cli.js";
import { UserFacingError } from "../../src/lib/errors.js";
import type { LoadedProfile } from "../../src/oci/config-file.js";
import type { SetupDeps } from "../../src/setup/index.js";
import { SETUP_INPUTS } from "../../src/setup/inputs.js";
import { SETUP_GOOD } from "../support/setup-fixtures.js";

function io(
  options: {
    env?: Record<string, string>;
    profile?: Partial<LoadedProfile>;
    files?: Record<string, string>;
  } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const loads: string[] = [];
  const value: CliIo = {
    env: options.env ?? {},
    readFile: async (path) => {
      const text = options.files?.[path];
      if (text === undefined) throw new Error(`no file ${path}`);
      return text;
    },
    loadProfile: async (configFile, profile) => {
      loads.push(`${configFile} [${profile}]`);
      if (!options.profile)
        throw new UserFacingError(`the OCI config file ${configFile} does not exist; create it`);
      return {
        path: configFile,
        profile,
        values: {},
        keyContent: undefined,
        keyFile: undefined,
        warnings: [],
        ...options.profile,
      };
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { io: value, out, err, loads };
}

describe("parseArgs", () => {
  it("reads the command, --name value, --name=value and a bare --dry-run", () => {
    const args = parseArgs([
      "setup",
      "--compartment-id",
      "c",
      "--subnet-id=s",
      "--dry-run",
      "--profile",
      "ADMIN",
    ]);
    expect(args.command).toBe("setup");
    expect(Object.fromEntries(args.flags)).toEqual({
      "compartment-id": "c",
      "subnet-id": "s",
      "dry-run": "true",
      profile: "ADMIN",
    });
    expect(parseArgs(["setup", "--dry-run", "false"]).flags.get("dry-run")).toBe("false");
  });

  it.each([
    [["setup", "--nope", "x"], "unknown flag --nope; run with --help for the list"],
    [["setup", "--subnet-id"], "flag --subnet-id needs a value"],
    [["setup", "extra"], "unexpected argument 'extra'; flags start with --"],
  ])("refuses %j", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe("helpText", () => {
  it("lists every flag of the input table and the local ones", () => {
    const text = helpText();
    for (const name of Object.values(SETUP_INPUTS)) expect(text).toContain(`--${name}`);
    for (const name of ["config-file", "profile", "github-repository"]) expect(text).toContain(`--${name}`);
    expect(text).toMatch(
      /--application-shape\s+GENERIC_X86, GENERIC_ARM or GENERIC_X86_ARM \(default GENERIC_X86\)/,
    );
    expect(text).toMatch(/--subnet-id\s+public subnet of the application and the gateway \(required\)/);
    for (const line of text.split("\n").filter((l) => l.startsWith("  --")))
      expect(line).toMatch(/^\s+--\S+\s+\S/);
  });
});

describe("resolveInputs: the OCI CLI's order", () => {
  const profile: Partial<LoadedProfile> = {
    values: {
      tenancy: "T-profile",
      user: "U-profile",
      fingerprint: "F-profile",
      region: "R-profile",
      pass_phrase: "P-profile",
    },
    keyContent: "KEY-profile",
    warnings: ["key readable by others"],
  };

  it("takes flags first, then OCI_CLI_* (left to the reader), then the profile for the rest", async () => {
    const h = io({ env: { OCI_CLI_USER: "U-env" }, profile });
    const { values, sources, warnings } = await resolveInputs(new Map([["oci-tenancy", "T-flag"]]), h.io);
    expect(values.get("oci-tenancy")).toBe("T-flag");
    expect(values.get("oci-user")).toBeUndefined();
    expect(values.get("oci-fingerprint")).toBe("F-profile");
    expect(values.get("oci-private-key")).toBe("KEY-profile");
    expect(values.get("oci-region")).toBe("R-profile");
    expect(values.get("oci-private-key-passphrase")).toBe("P-profile");
    expect(h.loads).toEqual(["~/.oci/config [DEFAULT]"]);
    expect(sources).toEqual([
      "profile [DEFAULT] of ~/.oci/config for fingerprint, key_file, region, pass_phrase",
    ]);
    expect(warnings).toEqual(["key readable by others"]);
  });

  it("reads no profile when flags and environment give everything", async () => {
    const h = io({
      env: {
        OCI_CLI_TENANCY: "t",
        OCI_CLI_USER: "u",
        OCI_CLI_FINGERPRINT: "f",
        OCI_CLI_KEY_CONTENT: "k",
        OCI_CLI_REGION: "r",
      },
    });
    await resolveInputs(new Map(), h.io);
    expect(h.loads).toEqual([]);
  });

  it("honours --config-file, --profile, OCI_CLI_PROFILE and OCI_CLI_KEY_FILE", async () => {
    const h = io({
      env: { OCI_CLI_PROFILE: "ENVPROF", OCI_CLI_KEY_FILE: "/k.pem" },
      profile,
      files: { "/k.pem": "KEY-file" },
    });
    const { values } = await resolveInputs(new Map([["config-file", "/cfg"]]), h.io);
    expect(h.loads).toEqual(["/cfg [ENVPROF]"]);
    expect(values.get("oci-private-key")).toBe("KEY-file");
  });

  it("leaves a missing default config file to the 'is required' messages, but not a missing --config-file", async () => {
    await expect(resolveInputs(new Map(), io().io)).resolves.toBeDefined();
    await expect(resolveInputs(new Map([["config-file", "/cfg"]]), io().io)).rejects.toThrow(
      "/cfg does not exist",
    );
  });
});

describe("runCli", () => {
  it("prints help and exits 0; exits 2 without a command", async () => {
    const h = io();
    expect(await runCli(["--help"], h.io)).toBe(0);
    expect(h.out.join("\n")).toContain("usage: usage-api-action setup");
    expect(await runCli([], io().io)).toBe(2);
  });

  it("fails with one line naming every missing input", async () => {
    const h = io();
    expect(await runCli(["setup"], h.io)).toBe(1);
    expect(h.err).toHaveLength(1);
    expect(h.err[0]).toMatch(/^error: input 'compartment-id': is required.*input 'oci-tenancy': is required/);
  });

  it("refuses another command", async () => {
    const h = io();
    expect(await runCli(["deploy"], h.io)).toBe(1);
    expect(h.err).toEqual(["error: unknown command 'deploy'; use setup"]);
  });

  it("runs setup with the secret file under ~/.oci by default, and the flags as inputs", async () => {
    const h = io({ env: { HOME: "/home/me" } });
    let seen: Record<string, unknown> | undefined;
    const deps = {
      ...consoleDeps(h.io),
      createClients: (inputs: Record<string, unknown>) => {
        seen = inputs;
        throw new UserFacingError("stop here");
      },
    } as unknown as SetupDeps;
    const argv = [
      "setup",
      ...Object.entries(SETUP_GOOD).flatMap(([k, v]) => [`--${k}`, v]),
      "--scope-name",
      "usage.all",
    ];
    expect(await runCli(argv, h.io, deps)).toBe(1);
    expect(h.err.at(-1)).toBe("error: stop here");
    expect(seen).toMatchObject({ scopeName: "usage.all", compartmentId: SETUP_GOOD["compartment-id"] });
    expect(String(seen?.secretFile)).toMatch(/\/\.oci\/usage-api-report\.client-secret$/);
  });
});

describe("consoleDeps", () => {
  it("masks registered secrets (and their base64 and URL forms) in every line and output", () => {
    const h = io();
    const deps = consoleDeps(h.io);
    const secret = "p@ss/word+1";
    deps.setSecret(secret);
    deps.log.info(
      `got ${secret} and ${Buffer.from(secret).toString("base64")} and ${encodeURIComponent(secret)}`,
    );
    deps.log.warning(secret);
    deps.setOutput("x", secret);
    const all = [...h.out, ...h.err].join("\n");
    expect(all).not.toContain(secret);
    expect(all).not.toContain(Buffer.from(secret).toString("base64"));
    expect(all).not.toContain(encodeURIComponent(secret));
    expect(h.err[0]).toBe("got *** and *** and ***");
    expect(h.out).toEqual(["x=***"]);
  });
});
