// A loopback stand-in for the few GitHub REST endpoints setup calls on one repository (Actions public key,
// repository secrets, repository variables), with GitHub's documented paths, status codes and bodies. Every
// request must carry the token as GitHub takes it, `Authorization: Bearer <token>` or `token <token>` (401
// "Bad credentials" otherwise); each one is recorded.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface GithubRequest {
  method: string;
  path: string;
  authorized: boolean;
  body: Record<string, unknown> | undefined;
}

export interface GithubRestServer {
  /** What GITHUB_API_URL is set to. */
  url: string;
  requests: GithubRequest[];
  /** Stored secrets: name -> what the last PUT sent. */
  secrets: Map<string, { encrypted_value: string; key_id: string }>;
  variables: Map<string, string>;
  close(): Promise<void>;
}

export interface GithubRestOptions {
  token: string;
  repository: string;
  /** The repository's Actions public key (base64) and its id. */
  publicKey: { keyId: string; key: string };
}

type Reply = [status: number, body?: unknown];

const NOT_FOUND: Reply = [
  404,
  { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" },
];
const STAMP = "2026-01-01T00:00:00Z";

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

function send(res: ServerResponse, [status, body]: Reply): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
}

/** The route table: each endpoint's documented answer. */
function route(
  options: GithubRestOptions,
  state: Pick<GithubRestServer, "secrets" | "variables">,
  method: string,
  rest: string,
  body: Record<string, unknown> | undefined,
): Reply {
  const secret = /^\/actions\/secrets\/([A-Za-z0-9_]+)$/.exec(rest)?.[1];
  const variable = /^\/actions\/variables\/([A-Za-z0-9_]+)$/.exec(rest)?.[1];
  if (method === "GET" && rest === "/actions/secrets/public-key")
    return [200, { key_id: options.publicKey.keyId, key: options.publicKey.key }];
  if (secret && method === "GET")
    return state.secrets.has(secret)
      ? [200, { name: secret, created_at: STAMP, updated_at: STAMP }]
      : NOT_FOUND;
  if (secret && method === "PUT") {
    const existed = state.secrets.has(secret);
    state.secrets.set(secret, {
      encrypted_value: String(body?.encrypted_value),
      key_id: String(body?.key_id),
    });
    return existed ? [204] : [201, {}];
  }
  if (variable && method === "GET") {
    const value = state.variables.get(variable);
    return value === undefined
      ? NOT_FOUND
      : [200, { name: variable, value, created_at: STAMP, updated_at: STAMP }];
  }
  if (variable && method === "PATCH" && state.variables.has(variable)) {
    state.variables.set(variable, String(body?.value));
    return [204];
  }
  if (method === "POST" && rest === "/actions/variables") {
    const name = String(body?.name);
    if (state.variables.has(name)) return [409, { message: "Variable already exists" }];
    state.variables.set(name, String(body?.value));
    return [201, {}];
  }
  return NOT_FOUND;
}

export async function startGithubRest(options: GithubRestOptions): Promise<GithubRestServer> {
  const requests: GithubRequest[] = [];
  const state = { secrets: new Map(), variables: new Map<string, string>() };
  const prefix = `/repos/${options.repository}`;
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const method = req.method ?? "GET";
    const [scheme, given] = (req.headers.authorization ?? "").split(" ");
    const authorized = /^(bearer|token)$/i.test(scheme ?? "") && given === options.token;
    const body = await readJson(req);
    requests.push({ method, path, authorized, body });
    if (!authorized) {
      send(res, [
        401,
        { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" },
      ]);
      return;
    }
    send(
      res,
      path.startsWith(prefix) ? route(options, state, method, path.slice(prefix.length), body) : NOT_FOUND,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    ...state,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
