// The one leak scan of the tests: a secret must show in no log, output, summary or file, in any of the forms
// it could leak in (raw, base64 of either alphabet with or without padding, URL- and form-encoded, and each
// line of a PEM). Lines of `::add-mask::` are left out: the runner consumes them to register the value and
// never shows them.
//
// It runs by itself: test/setup/leak-scan.ts arms it in the integration and reliability projects, the action
// runner (action-runner.ts) hands it every run's stdout, stderr, GITHUB_* files, left-over temp files and
// workspace files (and the workspace's git history), and after each test everything captured is scanned for
// every secret the sandbox issued (sandbox/core/issued-secrets.ts) and every secret input a run was given.
// The state lives on globalThis: the setup file and the test file may hold different copies of this module.
import { issuedSecrets, recordIssuedSecrets } from "../../sandbox/core/issued-secrets.js";

/** A secret to look for, and what it is (the report names the kind, never the value). */
export interface Secret {
  kind: string;
  value: string;
}

/** One place a secret showed: which text, which secret kind, in which form. */
export interface Finding {
  source: string;
  kind: string;
  form: string;
  /** The secret's first 4 characters and its length, so a reader can tell which one without seeing it. */
  hint: string;
}

export interface ScanFigures {
  texts: number;
  bytes: number;
  secrets: number;
  forms: number;
  findings: Finding[];
}

/** Shorter secrets are left out: they match by chance (and no issued secret is that short). */
const MIN_SECRET_LENGTH = 8;

/** application/x-www-form-urlencoded (URLSearchParams), as Basic credentials and form bodies encode. */
const formEncode = (value: string) => new URLSearchParams([["", value]]).toString().slice(1);

/** The forms a secret can leak in, each with its name. */
export function namedSecretForms(secret: string): { form: string; value: string }[] {
  const bytes = Buffer.from(secret);
  const b64 = bytes.toString("base64");
  const forms = [
    { form: "raw", value: secret },
    { form: "base64", value: b64 },
    { form: "base64 (no padding)", value: b64.replace(/=+$/, "") },
    { form: "base64url", value: bytes.toString("base64url") },
    { form: "URL-encoded", value: encodeURIComponent(secret) },
    { form: "form-encoded", value: formEncode(secret) },
  ];
  if (/\r?\n/.test(secret)) {
    const lines = secret.split(/\r?\n/).map((line) => line.trim());
    const body = lines.filter((line) => line !== "" && !line.startsWith("-----"));
    // A PEM's key material leaks as much in one 64-character line as in the whole block.
    for (const line of body) if (line.length >= 16) forms.push({ form: "one line", value: line });
    forms.push({ form: "PEM body without line breaks", value: body.join("") });
    forms.push({ form: "JSON-escaped", value: JSON.stringify(secret).slice(1, -1) });
  }
  const seen = new Set<string>();
  return forms.filter(({ value }) => {
    if (value.length < MIN_SECRET_LENGTH || seen.has(value)) return false;
    seen.add(value);
    return true;
  });
}

/** What the runner would show of a text: everything but its ::add-mask:: lines. */
function shownText(text: string): string {
  return text
    .split(/\r?\n/)
    .filter((line) => !line.startsWith("::add-mask::"))
    .join("\n");
}

/** Every form of every secret, indexed by its first characters, so one pass over a text finds them all. */
class SecretMatcher {
  private readonly byPrefix = new Map<string, { secret: Secret; form: string; value: string }[]>();
  forms = 0;

  constructor(secrets: readonly Secret[]) {
    for (const secret of secrets) {
      if (secret.value.length < MIN_SECRET_LENGTH) continue;
      for (const { form, value } of namedSecretForms(secret.value)) {
        const prefix = value.slice(0, MIN_SECRET_LENGTH);
        const list = this.byPrefix.get(prefix) ?? [];
        list.push({ secret, form, value });
        this.byPrefix.set(prefix, list);
        this.forms++;
      }
    }
  }

  find(source: string, text: string): Finding[] {
    const shown = shownText(text);
    const found = new Map<string, Finding>();
    if (this.byPrefix.size === 0) return [];
    for (let i = 0; i + MIN_SECRET_LENGTH <= shown.length; i++) {
      const candidates = this.byPrefix.get(shown.slice(i, i + MIN_SECRET_LENGTH));
      if (!candidates) continue;
      for (const { secret, form, value } of candidates) {
        if (!shown.startsWith(value, i)) continue;
        const hint = `${secret.value.slice(0, 4)}… (${secret.value.length} chars)`;
        found.set(`${secret.kind}\0${form}\0${hint}`, { source, kind: secret.kind, form, hint });
      }
    }
    return [...found.values()];
  }
}

/** Every place one of `secrets` shows in one of `texts` (as the runner shows them). */
function findSecrets(
  texts: readonly { source: string; text: string }[],
  secrets: readonly Secret[],
): Finding[] {
  const matcher = new SecretMatcher(secrets);
  return texts.flatMap(({ source, text }) => matcher.find(source, text));
}

/** One line per finding: where, what, in which form. */
export function describeFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.source}: ${f.kind} ${f.hint}, ${f.form}`).join("\n");
}

/** None of `secrets` (of 8 characters or more), in any form, in any of `texts` as the runner shows them. */
export function expectNoSecret(texts: readonly string[], secrets: string | readonly string[]): void {
  const list = (typeof secrets === "string" ? [secrets] : secrets).map((value) => ({
    kind: "secret",
    value,
  }));
  const findings = findSecrets(
    texts.map((text, i) => ({ source: `text ${i + 1}`, text })),
    list,
  );
  if (findings.length > 0) throw new Error(`a secret leaked:\n${describeFindings(findings)}`);
}

// ---- the automatic scan: what the runs of this test process showed, against what was issued ----

interface LeakScanState {
  armed: boolean;
  texts: { source: string; text: string }[];
  /** Secrets a test handed to an action run (secret inputs), beside the sandbox's. */
  given: Map<string, string>;
  totals: { texts: number; bytes: number };
}

const KEY = Symbol.for("usage-api-action.test.leak-scan");

function state(): LeakScanState {
  const holder = globalThis as { [KEY]?: LeakScanState };
  holder[KEY] ??= { armed: false, texts: [], given: new Map(), totals: { texts: 0, bytes: 0 } };
  return holder[KEY];
}

/** Start capturing (the setup file does, once per test file): issued secrets are kept from now on. */
export function armLeakScan(): void {
  const s = state();
  s.armed = true;
  s.texts = [];
  s.given.clear();
  s.totals = { texts: 0, bytes: 0 };
  recordIssuedSecrets(false);
  recordIssuedSecrets(true);
}

/** Whether anything is listening: the action runner skips reading files when not (the demo, the benchmarks). */
export function leakScanArmed(): boolean {
  return state().armed;
}

/** A text a test process showed (a log, an output file, a report file), for the next scan. */
export function captureText(source: string, text: string): void {
  const s = state();
  if (s.armed) s.texts.push({ source, text });
}

/** A secret a test gave an action run itself (an input), looked for beside the issued ones. */
export function captureSecret(kind: string, value: string): void {
  const s = state();
  if (s.armed && value.length >= MIN_SECRET_LENGTH && !s.given.has(value)) s.given.set(value, kind);
}

/** Every secret the scan looks for: the sandbox's issued ones and the given ones. */
function knownSecrets(): Secret[] {
  const given = [...state().given].map(([value, kind]) => ({ kind, value }));
  return [...issuedSecrets(), ...given];
}

/** Scan what was captured since the last scan against every known secret; the captured texts are dropped. */
export function scanCaptured(): ScanFigures {
  const s = state();
  const texts = s.texts;
  s.texts = [];
  const secrets = knownSecrets();
  const matcher = new SecretMatcher(secrets);
  const findings = texts.flatMap(({ source, text }) => matcher.find(source, text));
  const bytes = texts.reduce((sum, { text }) => sum + text.length, 0);
  s.totals.texts += texts.length;
  s.totals.bytes += bytes;
  return { texts: texts.length, bytes, secrets: secrets.length, forms: matcher.forms, findings };
}

/** The figures of every scan since arming, for the one line the setup file prints. */
export function leakScanTotals(): { texts: number; bytes: number; secrets: number } {
  const { texts, bytes } = state().totals;
  return { texts, bytes, secrets: knownSecrets().length };
}
