// Test-only: every secret the sandbox hands out (client secrets and their Basic credentials, access tokens,
// UPSTs, RPSTs and their keys, API keys, registry passwords and tokens, GitHub request and ID tokens), so the
// tests' leak scan (test/support/leak-scan.ts) can look for each in everything an action run showed. Off
// unless a test process turns it on: a long-running sandbox (`npm run sandbox`, the benchmarks) keeps nothing.
// The state lives on globalThis, so every copy of this module in a process (a test file and its setup files)
// records into the same list.

/** What a secret is, for the scan's report (never the value itself). */
export type SecretKind =
  | "client secret"
  | "client credentials (Basic)"
  | "access token"
  | "UPST"
  | "RPST"
  | "private key"
  | "registry password"
  | "registry credentials (Basic)"
  | "registry token"
  | "GitHub request token"
  | "GitHub ID token";

export interface IssuedSecret {
  kind: SecretKind;
  value: string;
}

interface IssuedState {
  recording: boolean;
  secrets: Map<string, SecretKind>;
}

const KEY = Symbol.for("usage-api-action.sandbox.issued-secrets");

function state(): IssuedState {
  const holder = globalThis as { [KEY]?: IssuedState };
  holder[KEY] ??= { recording: false, secrets: new Map() };
  return holder[KEY];
}

/** Start (or stop) keeping what the sandboxes of this process issue; stopping forgets what was kept. */
export function recordIssuedSecrets(on: boolean): void {
  const s = state();
  s.recording = on;
  if (!on) s.secrets.clear();
}

/** Every secret issued since recording started, first issued first. */
export function issuedSecrets(): IssuedSecret[] {
  return [...state().secrets].map(([value, kind]) => ({ kind, value }));
}

/** Called where the sandbox issues a secret; a no-op unless recording. */
export function recordIssued(kind: SecretKind, value: string): void {
  const s = state();
  if (s.recording && value !== "" && !s.secrets.has(value)) s.secrets.set(value, kind);
}

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 encodes each part of the Basic credentials. */
const formEncode = (value: string) => new URLSearchParams([["", value]]).toString().slice(1);

/** A secret and the `Authorization: Basic` values made of it (plain and form-encoded parts). */
export function recordBasicCredentials(
  kinds: { secret: SecretKind; basic: SecretKind },
  user: string,
  secret: string,
): void {
  recordIssued(kinds.secret, secret);
  for (const pair of [`${user}:${secret}`, `${formEncode(user)}:${formEncode(secret)}`])
    recordIssued(kinds.basic, Buffer.from(pair).toString("base64"));
}

export const CLIENT_SECRET = { secret: "client secret", basic: "client credentials (Basic)" } as const;
export const REGISTRY_PASSWORD = {
  secret: "registry password",
  basic: "registry credentials (Basic)",
} as const;
