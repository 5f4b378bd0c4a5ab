// Debian's docker-registry (distribution 2.8) for the e2e suite, in one of three modes: no auth, htpasswd
// Basic, or token auth. Each registry sits behind a small loopback front of our own that
//   - answers the token realm itself (`/token`) in token mode: Basic credentials are checked here and an RS256
//     JWT is returned whose x5c certificate is the registry's `rootcertbundle`. The realm shares the registry's
//     origin, as OCIR's does (https://<region>.ocir.io/20180419/docker/token): the action sends credentials
//     only to a realm on the registry's own origin;
//   - passes every other request through unchanged and counts the request body bytes, which is how the tests
//     see what was uploaded.
// What the registry itself answered comes from its own access log (stdout, combined log format), cut into
// one slice per action run with a marker request.
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import { join } from "node:path";
import { selfSignedCertificate } from "../../sandbox/core/x509.js";
import { freePort, run, waitFor, which } from "./tools.js";

export type AuthMode = "none" | "htpasswd" | "token";

export interface Credentials {
  username: string;
  password: string;
}

/** One line of the registry's access log. */
export interface AccessLine {
  method: string;
  /** Request URI, percent-decoded. */
  uri: string;
  status: number;
}

export interface TokenRequest {
  /** The Basic user, or undefined for an anonymous request. */
  user: string | undefined;
  status: number;
  scopes: string[];
  /** What the token grants: `repository:<name>:<actions>`. */
  granted: string[];
}

export interface Distribution {
  name: string;
  mode: AuthMode;
  /** `127.0.0.1:<port>` of the front: what image references use. */
  host: string;
  url: string;
  /** The registry's storage root (filesystem driver). */
  storage: string;
  tokenRequests: TokenRequest[];
  /** Request body bytes that went through the front since the last `startRun()`. */
  bytesReceived(): number;
  /** Forget the byte count and the token requests; the access log is cut at the next `accessSince()`. */
  startRun(): Promise<void>;
  /** The registry's access log lines since the last `startRun()`, complete up to now. */
  accessSince(): Promise<AccessLine[]>;
  /** Everything the registry wrote (stdout and stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface DistributionOptions {
  name: string;
  mode: AuthMode;
  /** Parent folder; the registry gets its own folder in it. */
  workDir: string;
  /** The one user of the htpasswd and token modes (full rights). */
  user?: Credentials;
  /** Token mode: repositories under these prefixes may be pulled anonymously (like Docker Hub's library). */
  anonymousPullPrefixes?: string[];
}

const SERVICE = "e2e-registry";
const ISSUER = "e2e-token-issuer";
const TOKEN_PATH = "/token";
const MARKER_PARAM = "e2e-marker";
const OUTPUT_LIMIT = 4 * 1024 * 1024;

function certificatePem(der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

function parseAccessLine(line: string): AccessLine | undefined {
  const m = /^\S+ \S+ \S+ \[[^\]]+\] "(\S+) (\S+) HTTP\/[\d.]+" (\d{3}) /.exec(line);
  if (!m) return undefined;
  let uri = m[2]!;
  try {
    uri = decodeURIComponent(uri);
  } catch {
    // keep it as sent
  }
  return { method: m[1]!, uri, status: Number(m[3]) };
}

function basicUser(header: string | undefined): Credentials | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, "base64").toString("utf8");
  const cut = text.indexOf(":");
  return cut < 0 ? undefined : { username: text.slice(0, cut), password: text.slice(cut + 1) };
}

/** Start a registry; a port taken between choosing and binding it gets two more tries with new ports. */
export async function startDistribution(options: DistributionOptions): Promise<Distribution> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= 3 || !/address already in use|EADDRINUSE/i.test(String(err))) throw err;
    }
  }
}

async function startOnce(options: DistributionOptions): Promise<Distribution> {
  const binary = which("docker-registry");
  if (!binary) throw new Error("docker-registry is not installed: apt-get install -y docker-registry");
  const dir = await mkdtemp(join(options.workDir, `registry-${options.name}-`));
  const storage = join(dir, "data");
  await mkdir(storage);
  const [backendPort, frontPort] = [await freePort(), await freePort()];
  const host = `127.0.0.1:${frontPort}`;
  const url = `http://${host}`;

  let signing: { privateKey: KeyObject; certDer: Buffer } | undefined;
  let auth: Record<string, unknown> | undefined;
  if (options.mode === "htpasswd") {
    if (!options.user) throw new Error("htpasswd mode needs a user");
    const htpasswd = join(dir, "htpasswd");
    // -i: the password on stdin, not on a command line other processes can read.
    const { stdout } = await run("htpasswd", ["-Bin", options.user.username], {
      input: options.user.password,
    });
    await writeFile(htpasswd, `${stdout.trim()}\n`, { mode: 0o600 });
    auth = { htpasswd: { realm: "e2e-basic", path: htpasswd } };
  } else if (options.mode === "token") {
    if (!options.user) throw new Error("token mode needs a user");
    // The token signing key; its self-signed certificate is the registry's root bundle.
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const certDer = selfSignedCertificate({
      publicKey,
      privateKey,
      commonName: "e2e token issuer",
      notBefore: new Date(Date.now() - 3_600_000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    signing = { privateKey, certDer };
    const bundle = join(dir, "token-root.pem");
    await writeFile(bundle, certificatePem(certDer));
    auth = {
      token: { realm: `${url}${TOKEN_PATH}`, service: SERVICE, issuer: ISSUER, rootcertbundle: bundle },
    };
  }
  // YAML is a superset of JSON: the config is written as JSON.
  const config = {
    version: "0.1",
    log: { level: "info", formatter: "text", accesslog: { disabled: false } },
    storage: { filesystem: { rootdirectory: storage }, delete: { enabled: true } },
    http: {
      addr: `127.0.0.1:${backendPort}`,
      // Upload Locations point at the front, which the clients talk to.
      host: url,
      secret: randomBytes(16).toString("hex"),
    },
    ...(auth ? { auth } : {}),
  };
  const configPath = join(dir, "config.yml");
  await writeFile(configPath, JSON.stringify(config, null, 2));

  // ---- the registry process ----
  let stdout = "";
  let stderr = "";
  const child: ChildProcess = spawn(binary, ["serve", configPath], {
    // A clean environment: REGISTRY_* variables would override the config.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    stdout += chunk; // the access log; never cut (accessSince keeps offsets into it)
  });
  child.stderr?.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-OUTPUT_LIMIT);
  });
  child.on("error", (err) => {
    stderr += `\n${err.message}`;
  });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));

  // ---- the front: token realm + pass-through with byte counting ----
  const tokenRequests: TokenRequest[] = [];
  let bytes = 0;
  const agent = new Agent({ keepAlive: true });

  const grant = (user: Credentials | undefined, scope: string): string | undefined => {
    const m = /^repository:([^:]+):([a-z,*]+)$/.exec(scope);
    if (!m) return undefined;
    const [, name, actions] = m as unknown as [string, string, string];
    const wanted = actions.split(",");
    const allowed = user
      ? wanted
      : (options.anonymousPullPrefixes ?? []).some((p) => name.startsWith(p))
        ? wanted.filter((a) => a === "pull")
        : [];
    return allowed.length > 0 ? `repository:${name}:${allowed.join(",")}` : undefined;
  };

  const token = (
    req: IncomingMessage,
    res: ServerResponse,
    { privateKey, certDer }: NonNullable<typeof signing>,
  ): void => {
    const query = new URL(req.url ?? "/", url).searchParams;
    const scopes = query
      .getAll("scope")
      .flatMap((s) => s.split(" "))
      .filter(Boolean);
    const given = basicUser(req.headers.authorization);
    const ok =
      given === undefined ||
      (given.username === options.user?.username && given.password === options.user?.password);
    if (!ok || query.get("service") !== SERVICE) {
      tokenRequests.push({ user: given?.username, status: 401, scopes, granted: [] });
      res.writeHead(401, {
        "content-type": "application/json",
        "www-authenticate": 'Basic realm="e2e-token"',
      });
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
      return;
    }
    const granted = scopes.map((s) => grant(given, s)).filter((s): s is string => s !== undefined);
    tokenRequests.push({ user: given?.username, status: 200, scopes, granted });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: "JWT", alg: "RS256", x5c: [certDer.toString("base64")] };
    const claims = {
      iss: ISSUER,
      sub: given?.username ?? "",
      aud: SERVICE,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: granted.map((g) => {
        const [, name, actions] = /^repository:([^:]+):(.+)$/.exec(g) as unknown as [string, string, string];
        return { type: "repository", name, actions: actions.split(",") };
      }),
    };
    const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
    const jwt = `${input}.${sign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ token: jwt, access_token: jwt, expires_in: 300, issued_at: new Date().toISOString() }),
    );
  };

  const pass = (req: IncomingMessage, res: ServerResponse): void => {
    const upstream = request(
      {
        host: "127.0.0.1",
        port: backendPort,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, connection: "keep-alive" },
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`e2e front: registry unreachable: ${err.message}`);
    });
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.pipe(upstream);
  };

  const front: Server = createServer((req, res) => {
    if (signing && req.method === "GET" && (req.url ?? "").split("?")[0] === TOKEN_PATH) {
      token(req, res, signing);
    } else {
      pass(req, res);
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      front.once("error", reject);
      front.listen(frontPort, "127.0.0.1", () => resolve());
    });
  } catch (err) {
    child.kill("SIGKILL");
    await exited;
    throw err;
  }

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killed = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(killed);
    }
    agent.destroy();
    front.closeAllConnections();
    await new Promise<void>((resolve) => front.close(() => resolve()));
  };

  /** GET on the registry itself (not through the front). */
  const direct = (path: string): Promise<number> =>
    new Promise((resolve) => {
      const req = request({ host: "127.0.0.1", port: backendPort, path, agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", () => resolve(0));
      req.end();
    });

  // Ready when /v2/ answers 200 (no auth) or 401 (auth) through the front; bounded, and a crash fails at once.
  try {
    await waitFor(`registry ${options.name} on ${host}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `docker-registry (${options.name}) exited during start: ${stderr.trim().split("\n").slice(-5).join(" | ")}`,
        );
      }
      const status = await new Promise<number>((resolve) => {
        const req = request({ host: "127.0.0.1", port: frontPort, path: "/v2/", agent: false }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", () => resolve(0));
        req.end();
      });
      return status === 200 || status === 401 ? status : undefined;
    });
  } catch (err) {
    await stop();
    throw err;
  }

  let cut = 0;
  const startRun = async (): Promise<void> => {
    await accessSince();
    bytes = 0;
    tokenRequests.length = 0;
  };

  /** Send a marker request and wait until the access log has it: every earlier request is then logged. */
  const accessSince = async (): Promise<AccessLine[]> => {
    const marker = randomUUID();
    await direct(`/v2/?${MARKER_PARAM}=${marker}`);
    const end = await waitFor(`the access log marker of registry ${options.name}`, () => {
      const at = stdout.indexOf(marker, cut);
      return at < 0 ? undefined : at;
    });
    const lineStart = stdout.lastIndexOf("\n", end) + 1;
    const text = stdout.slice(cut, lineStart);
    cut = stdout.indexOf("\n", end) + 1;
    return text
      .split("\n")
      .map(parseAccessLine)
      .filter((l): l is AccessLine => l !== undefined);
  };

  return {
    name: options.name,
    mode: options.mode,
    host,
    url,
    storage,
    tokenRequests,
    bytesReceived: () => bytes,
    startRun,
    accessSince,
    output: () => `${stdout}\n${stderr}`,
    stop,
  };
}
