// Where the client secret goes, and nowhere else: an encrypted Actions secret (GitHub REST: the repository's
// public key, a libsodium sealed box, PUT), or a file of mode 0600 written atomically. The other values
// become Actions variables (created, or updated only when they differ), named as the repository's
// workflows read them.
import { chmod } from "node:fs/promises";
import { resolve } from "node:path";
import * as github from "@actions/github";
import sodium from "libsodium-wrappers";
import { AtomicFileWriter } from "../lib/atomic.js";
import { UserFacingError } from "../lib/errors.js";
import { oneLineText } from "../lib/text.js";

/** The secret's name, as .github/workflows/usage-report.yml reads it. */
export const CLIENT_SECRET_NAME = "USAGE_CLIENT_SECRET";
/** The keyless deploy workflow's secrets: the exchange app's client id and secret (docs/deploy.md). */
export const OIDC_CLIENT_ID_NAME = "OIDC_CLIENT_ID";
export const OIDC_CLIENT_SECRET_NAME = "OIDC_CLIENT_SECRET";

export interface SetupValues {
  applicationId: string;
  gatewayId: string;
  repository: string;
  audience: string;
  scopeName: string;
  /** audience + scope name: what `report` takes as `scope`. */
  scope: string;
  clientId: string;
  identityDomainUrl: string;
  issuer: string;
}

/** Variable name -> value, as the deploy and report workflows read them. */
export function actionsVariables(values: SetupValues): Array<[string, string]> {
  return [
    ["FN_APPLICATION_ID", values.applicationId],
    ["API_GATEWAY_ID", values.gatewayId],
    ["IDENTITY_DOMAIN_URL", values.identityDomainUrl],
    ["API_AUDIENCE", values.audience],
    ["API_REQUIRED_SCOPE", values.scopeName],
    ["USAGE_CLIENT_ID", values.clientId],
    ["USAGE_SCOPE", values.scope],
  ];
}

/** The secret sealed for the repository's public key (base64 in, base64 out), as GitHub requires. */
export async function sealSecret(secret: string, publicKeyBase64: string): Promise<string> {
  await sodium.ready;
  const key = sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL);
  const sealed = sodium.crypto_box_seal(sodium.from_string(secret), key);
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}

/** The few GitHub REST calls setup makes, on one repository. */
export interface GithubApi {
  publicKey(): Promise<{ keyId: string; key: string }>;
  secretExists(name: string): Promise<boolean>;
  putSecret(name: string, encryptedValue: string, keyId: string): Promise<void>;
  /** The variable's value, or undefined when it does not exist. */
  getVariable(name: string): Promise<string | undefined>;
  createVariable(name: string, value: string): Promise<void>;
  updateVariable(name: string, value: string): Promise<void>;
}

function status(err: unknown): number | undefined {
  const s = (err as { status?: unknown }).status;
  return typeof s === "number" ? s : undefined;
}

function githubFailure(what: string, err: unknown): UserFacingError {
  const code = status(err);
  const hint =
    code === 401 || code === 403 || code === 404
      ? "; github-token must be allowed to write this repository's Actions secrets and variables (a fine-grained token with Secrets and Variables: read and write; GITHUB_TOKEN cannot)"
      : "";
  return new UserFacingError(
    `GitHub ${what} failed${code ? `: HTTP ${code}` : ""}: ${oneLineText((err as Error).message ?? String(err), 200)}${hint}`,
  );
}

async function guarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw githubFailure(what, err);
  }
}

/** The GitHub REST client (@actions/github's Octokit) for `owner/name`. */
export function githubApi(token: string, repository: string, baseUrl?: string): GithubApi {
  const [owner, repo] = repository.split("/") as [string, string];
  const octokit = github.getOctokit(token, baseUrl ? { baseUrl } : {});
  const actions = octokit.rest.actions;
  const notFoundIsUndefined = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      if (status(err) === 404) return undefined;
      throw err;
    }
  };
  return {
    publicKey: () =>
      guarded("get the repository public key", async () => {
        const r = await actions.getRepoPublicKey({ owner, repo });
        return { keyId: r.data.key_id, key: r.data.key };
      }),
    secretExists: (name) =>
      guarded(`read secret ${name}`, async () => {
        const r = await notFoundIsUndefined(() => actions.getRepoSecret({ owner, repo, secret_name: name }));
        return r !== undefined;
      }),
    putSecret: (name, encryptedValue, keyId) =>
      guarded(`store secret ${name}`, async () => {
        await actions.createOrUpdateRepoSecret({
          owner,
          repo,
          secret_name: name,
          encrypted_value: encryptedValue,
          key_id: keyId,
        });
      }),
    getVariable: (name) =>
      guarded(`read variable ${name}`, async () => {
        const r = await notFoundIsUndefined(() => actions.getRepoVariable({ owner, repo, name }));
        return r?.data.value;
      }),
    createVariable: (name, value) =>
      guarded(`create variable ${name}`, async () => {
        await actions.createRepoVariable({ owner, repo, name, value });
      }),
    updateVariable: (name, value) =>
      guarded(`update variable ${name}`, async () => {
        await actions.updateRepoVariable({ owner, repo, name, value });
      }),
  };
}

/** Store each secret sealed for the repository's key (the value never leaves encrypted-only). */
export async function storeSecrets(
  api: GithubApi,
  secrets: ReadonlyArray<readonly [string, string]>,
  log: (line: string) => void,
): Promise<void> {
  if (secrets.length === 0) return;
  const key = await api.publicKey();
  for (const [name, value] of secrets) {
    await api.putSecret(name, await sealSecret(value, key.key), key.keyId);
    log(`Actions secret ${name} stored (encrypted)`);
  }
}

/** Store the secret (when asked to, or when the repository lacks it) and each variable that differs. */
export async function storeInGithub(
  api: GithubApi,
  values: SetupValues,
  secret: string | undefined,
  log: (line: string) => void,
): Promise<void> {
  if (secret !== undefined) await storeSecrets(api, [[CLIENT_SECRET_NAME, secret]], log);
  for (const [name, value] of actionsVariables(values)) {
    const current = await api.getVariable(name);
    if (current === value) continue;
    if (current === undefined) await api.createVariable(name, value);
    else await api.updateVariable(name, value);
    log(`Actions variable ${name} ${current === undefined ? "created" : "updated"}: ${value}`);
  }
}

/** Write the secret to `path` with mode 0600 (temp file, then rename); returns the absolute path. */
export async function writeSecretFile(
  path: string,
  secret: string,
): Promise<{ path: string; changed: boolean }> {
  const target = resolve(path);
  const writer = await AtomicFileWriter.open(target, 0o600);
  try {
    await writer.write(secret);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const result = await writer.commit();
  // A file that already held these bytes is left in place: make sure it is private too.
  await chmod(target, 0o600);
  return { path: target, changed: result.changed };
}

/** Shell-quote for a POSIX shell: single quotes, with ' written as '\''. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@=-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

/** The `gh` lines that put the secret file and the values into a repository. */
export function ghCommands(values: SetupValues, secretPath: string, repository?: string): string[] {
  const repo = repository ? ` --repo ${shellQuote(repository)}` : "";
  return [
    `gh secret set ${CLIENT_SECRET_NAME}${repo} < ${shellQuote(secretPath)}`,
    ...actionsVariables(values).map(
      ([name, value]) => `gh variable set ${name}${repo} --body ${shellQuote(value)}`,
    ),
  ];
}
