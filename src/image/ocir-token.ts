// OCIR credentials without an auth token, for keyless deploys: OCIR's token service answers an OCI-signed
// `GET /20180419/docker/token?service=<host>&scope=…` with `{token}`, and docker clients log in with the
// username `BEARER_TOKEN` and that token as the password. The request is signed by the SDK's own signer, as
// every SDK call is, so a session (`ST$<upst>`) signs it as well as an API key does.
import * as common from "oci-common";
import { type Dispatcher, request } from "undici";
import { oneLine, UserFacingError } from "../lib/errors.js";
import { classifyForRetry, defaultAgent, RetryableHttpError, readBody } from "../lib/http.js";
import { isRetryableStatus, parseRetryAfter, type RetryOptions, withRetry } from "../lib/retry.js";
import { clip, sanitizeServerText } from "../lib/text.js";
import type { Credentials } from "./auth.js";
import { registryBaseUrl } from "./reference.js";

/** The username OCIR takes with a token from its token service. */
export const BEARER_USERNAME = "BEARER_TOKEN";
const TOKEN_RETRY: RetryOptions = { maxAttempts: 4, baseMs: 500, maxDelayMs: 8_000 };

interface OcirTokenRequest {
  /** Registry host (`iad.ocir.io`, or host:port of a loopback registry). */
  registry: string;
  /** `<namespace>/<repository>`: the token grants pull and push on it. */
  repository: string;
  provider: common.AuthenticationDetailsProvider;
  /** Registers a secret with the log masker. */
  mask(secret: string): void;
  agent?: Dispatcher;
  retry?: Partial<RetryOptions>;
}

/** Registry credentials (`BEARER_TOKEN` / token) for pull and push on `repository`, the token masked. */
export async function ocirTokenCredentials(req: OcirTokenRequest): Promise<Credentials> {
  const scope = `repository:${req.repository}:pull,push`;
  const url = `${registryBaseUrl(req.registry)}/20180419/docker/token?${new URLSearchParams({ service: req.registry, scope })}`;
  const shown = `${registryBaseUrl(req.registry)}/20180419/docker/token (scope ${scope})`;
  const answer = await withRetry(() => signedGet(url, req), classifyForRetry, {
    ...TOKEN_RETRY,
    ...req.retry,
  }).catch((err: unknown) => {
    throw new UserFacingError(
      `could not get a registry token from ${shown}: ${clip(oneLine(err), 200)}; check 'registry' and that it is reachable`,
    );
  });
  if (answer.status !== 200) {
    const why = sanitizeServerText(answer.body);
    const fix =
      answer.status === 401 || answer.status === 403
        ? "the signing user needs the deployer group's policy on repositories (manage repos) in the repository's compartment; run setup"
        : "check 'registry' (the region's OCIR host, e.g. iad.ocir.io)";
    throw new UserFacingError(
      `the registry refused the signed token request to ${shown} (HTTP ${answer.status}${why ? `: ${why}` : ""}); ${fix}`,
    );
  }
  const token = tokenOf(answer.body);
  if (!token) {
    throw new UserFacingError(`${shown} answered 200 without a token; check 'registry' (an OCIR host)`);
  }
  req.mask(token);
  return { username: BEARER_USERNAME, password: token };
}

interface Answer {
  status: number;
  body: string;
}

async function signedGet(url: string, req: OcirTokenRequest): Promise<Answer> {
  const headers = new Headers({ accept: "application/json" });
  await new common.DefaultRequestSigner(req.provider).signHttpRequest({ method: "GET", uri: url, headers });
  const res = await request(url, {
    method: "GET",
    dispatcher: req.agent ?? defaultAgent(),
    headers: Object.fromEntries(headers.entries()),
  });
  const body = await readBody(res.body);
  if (isRetryableStatus(res.statusCode)) {
    const retryAfter = res.headers["retry-after"];
    throw new RetryableHttpError(
      `HTTP ${res.statusCode}`,
      res.statusCode,
      parseRetryAfter(
        typeof retryAfter === "string" ? retryAfter : undefined,
        (req.retry?.now ?? Date.now)(),
      ),
    );
  }
  return { status: res.statusCode, body };
}

function tokenOf(body: string): string | undefined {
  try {
    const token = (JSON.parse(body) as { token?: unknown }).token;
    return typeof token === "string" && token !== "" ? token : undefined;
  } catch {
    return undefined;
  }
}
