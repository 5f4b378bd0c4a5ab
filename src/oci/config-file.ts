// The OCI CLI/SDK config file (~/.oci/config): INI sections, one per profile, whose keys (user, fingerprint,
// key_file, tenancy, region, pass_phrase) give an API key. As in the OCI CLI, every profile inherits the keys
// of [DEFAULT], `~` in key_file is the home folder, and a relative key_file is relative to the config
// file's folder. A key file that others may read is used, with a warning (the CLI warns too).
import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { UserFacingError } from "../lib/errors.js";
import { quote } from "../lib/text.js";

export const DEFAULT_CONFIG_FILE = "~/.oci/config";
export const DEFAULT_PROFILE = "DEFAULT";

type OciProfileKey = "user" | "fingerprint" | "key_file" | "tenancy" | "region" | "pass_phrase";

interface OciProfile {
  /** The keys of the profile, [DEFAULT]'s included, by their config-file names. */
  values: Partial<Record<OciProfileKey, string>> & Record<string, string>;
}

/** Every section of the file, by name, with its own keys (no inheritance yet). */
export function parseOciConfig(
  text: string,
  path = "the OCI config file",
): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      const name = header[1]!.trim();
      current = sections.get(name) ?? {};
      sections.set(name, current);
      return;
    }
    const pair = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (!pair || !current) {
      throw new UserFacingError(
        `${path} line ${index + 1}: ${quote(line, 40)} is neither a [PROFILE] header nor key=value inside a profile`,
      );
    }
    current[pair[1]!.trim().toLowerCase()] = pair[2]!.trim();
  });
  return sections;
}

/** One profile with [DEFAULT]'s keys beneath it. */
export function profileOf(
  sections: Map<string, Record<string, string>>,
  profile: string,
  path: string,
): OciProfile {
  const own = sections.get(profile);
  if (!own) {
    const known = [...sections.keys()];
    throw new UserFacingError(
      `${path} has no profile [${profile}]${known.length > 0 ? `; it has ${known.map((k) => `[${k}]`).join(", ")}` : " (it has no profiles)"}; pass --profile with one of them`,
    );
  }
  return { values: { ...(sections.get(DEFAULT_PROFILE) ?? {}), ...own } };
}

/** `~` and `~/…` become the home folder; anything else is left as it is. */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  return path;
}

export interface ConfigFileAccess {
  readFile(path: string): Promise<string>;
  /** The file's permission bits (mode & 0o777). */
  mode(path: string): Promise<number>;
  home: string;
}

export const nodeConfigFileAccess: ConfigFileAccess = {
  readFile: (path) => readFile(path, "utf8"),
  mode: async (path) => (await stat(path)).mode & 0o777,
  home: homedir(),
};

export interface LoadedProfile {
  path: string;
  profile: string;
  values: OciProfile["values"];
  /** key_file's content (the PEM), when the profile names one. */
  keyContent: string | undefined;
  keyFile: string | undefined;
  warnings: string[];
}

function notFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "ENOENT";
}

/** Read the config file, pick the profile, and read its key file. Every failure is one line. */
export async function loadOciProfile(
  configFile: string,
  profile: string,
  access: ConfigFileAccess = nodeConfigFileAccess,
): Promise<LoadedProfile> {
  const path = resolve(expandHome(configFile, access.home));
  let text: string;
  try {
    text = await access.readFile(path);
  } catch (err) {
    if (notFound(err)) {
      throw new UserFacingError(
        `the OCI config file ${path} does not exist; create it with 'oci setup config', pass --config-file, or give the key with flags or OCI_CLI_* variables`,
      );
    }
    throw new UserFacingError(`could not read the OCI config file ${path}: ${(err as Error).message}`);
  }
  const { values } = profileOf(parseOciConfig(text, path), profile, path);
  const warnings: string[] = [];
  let keyFile: string | undefined;
  let keyContent: string | undefined;
  if (values.key_file) {
    const expanded = expandHome(values.key_file, access.home);
    keyFile = isAbsolute(expanded) ? expanded : resolve(dirname(path), expanded);
    try {
      keyContent = await access.readFile(keyFile);
    } catch (err) {
      throw new UserFacingError(
        `profile [${profile}] of ${path}: key_file ${keyFile} ${notFound(err) ? "does not exist" : `could not be read (${(err as Error).message})`}; fix key_file`,
      );
    }
    const mode = await access.mode(keyFile);
    if ((mode & 0o077) !== 0) {
      warnings.push(
        `the private key ${keyFile} may be read by other users (mode ${mode.toString(8).padStart(3, "0")}); run: chmod 600 ${keyFile}`,
      );
    }
  }
  return { path, profile, values, keyContent, keyFile, warnings };
}
