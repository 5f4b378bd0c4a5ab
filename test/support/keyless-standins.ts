// Loopback stand-ins for the keyless contract (KEYLESS.md) until the sandbox serves it: an identity domain's
// token-exchange endpoint that checks the form and Basic auth and mints a UPST bound to the submitted public
// key, and a check of an OCI-signed request against the key in the UPST's `jwk` claim (what the sandbox's
// authority does for `ST$` keyIds).
import { createPublicKey, createVerify, generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt, jwtVerify, SignJWT } from "jose";

export const STANDIN_TENANCY = "ocid1.tenancy.oc1..aaaaaaaastandin";
export const STANDIN_USER = "ocid1.user.oc1..aaaaaaaaserviceuser";

export interface ExchangeCall {
  authorization: string | undefined;
  contentType: string | undefined;
  form: Record<string, string>;
}

export type ExchangeReply = { status: number; body: unknown; headers?: Record<string, string> };

/** The identity's signing key and a UPST minted with it for a public key (base64 DER SPKI). */
export class UpstIssuer {
  private readonly keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  constructor(private readonly now: () => number) {}

  async mint(publicKeyDer: string, ttlSeconds = 3600): Promise<string> {
    const spki = createPublicKey({ key: Buffer.from(publicKeyDer, "base64"), format: "der", type: "spki" });
    const iat = Math.floor(this.now() / 1000);
    return new SignJWT({
      ptype: "user",
      tenant: STANDIN_TENANCY,
      jwk: JSON.stringify(spki.export({ format: "jwk" })),
    })
      .setProtectedHeader({ alg: "RS256" })
      .setSubject(STANDIN_USER)
      .setIssuer("standin-identity")
      .setAudience("oci")
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .setJti(`upst-${iat}-${Math.random().toString(36).slice(2)}`)
      .sign(this.keys.privateKey);
  }

  /** The UPST verified, and the public key its `jwk` claim binds. */
  async verify(upst: string): Promise<KeyObject> {
    const { payload } = await jwtVerify(upst, this.keys.publicKey, {
      currentDate: new Date(this.now()),
    });
    return createPublicKey({ key: JSON.parse(String(payload.jwk)), format: "jwk" });
  }
}

/** A loopback server; `url` is its origin. */
export async function listen(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      Promise.resolve(handler(req, Buffer.concat(chunks).toString("utf8"), res)).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The token endpoint at `/oauth2/v1/token`. `reply` decides each answer (default: a UPST for the form's key);
 * every call is recorded.
 */
export async function tokenEndpoint(
  issuer: UpstIssuer,
  reply?: (call: ExchangeCall, n: number) => ExchangeReply | undefined,
) {
  const calls: ExchangeCall[] = [];
  const server = await listen(async (req, body, res) => {
    if (req.method !== "POST" || req.url !== "/oauth2/v1/token") {
      res.writeHead(404, { "content-type": "text/html" }).end("<html>not found</html>");
      return;
    }
    const call: ExchangeCall = {
      authorization: req.headers.authorization,
      contentType: req.headers["content-type"],
      form: Object.fromEntries(new URLSearchParams(body)),
    };
    calls.push(call);
    const custom = reply?.(call, calls.length);
    const answer = custom ?? { status: 200, body: { token: await issuer.mint(call.form.public_key ?? "") } };
    res
      .writeHead(answer.status, { "content-type": "application/json", ...answer.headers })
      .end(JSON.stringify(answer.body));
  });
  return { ...server, calls };
}

/**
 * Verify an OCI HTTP signature (draft-cavage, as oci-common signs): keyId `ST$<upst>`, the UPST verified by
 * `issuer`, the signature by the key in its `jwk` claim. Returns the UPST's subject, or throws why not.
 */
export async function verifyOciSignature(req: IncomingMessage, issuer: UpstIssuer): Promise<string> {
  const header = req.headers.authorization ?? "";
  const params = Object.fromEntries(
    [...header.replace(/^Signature\s+/, "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
  ) as Record<string, string>;
  if (!params.keyId?.startsWith("ST$")) throw new Error(`keyId is not a session token: ${params.keyId}`);
  const key = await issuer.verify(params.keyId.slice(3));
  const signingString = (params.headers ?? "")
    .split(" ")
    .map((name) =>
      name === "(request-target)"
        ? `(request-target): ${req.method?.toLowerCase()} ${req.url}`
        : `${name}: ${req.headers[name]}`,
    )
    .join("\n");
  const ok = createVerify("RSA-SHA256")
    .update(signingString)
    .verify(key, params.signature ?? "", "base64");
  if (!ok) throw new Error("signature does not verify with the UPST's jwk");
  return String(decodeJwt(params.keyId.slice(3)).sub);
}
