// core/auth.ts with user principal session tokens: a request signed with keyId ST$<upst> and the session key
// is the UPST's user (session: true); an expired UPST, another key, or a UPST of another authority is not.
// The SDK's own DefaultRequestSigner signs; the authority's clock is injected.
import { createHash, generateKeyPairSync } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import * as common from "oci-common";
import { describe, expect, it } from "vitest";
import { NotAuthenticatedError, OciAuthority } from "../../sandbox/core/auth.js";

const TENANCY = "ocid1.tenancy.oc1..aaaaaaaatenancy";
const USER = "ocid1.user.oc1..aaaaaaaaserviceuser";

function sessionKeys() {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { publicKey, privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

/** A GET signed by the SDK with keyId ST$<upst>, as verifyRequest receives it. */
async function signedGet(upst: string, privateKeyPem: string) {
  const provider: common.AuthenticationDetailsProvider = {
    getKeyId: async () => `ST$${upst}`,
    getPrivateKey: () => privateKeyPem,
    getPassphrase: () => null,
  };
  const headers = new Headers();
  const url = "/20181201/applications?compartmentId=ocid1.compartment.oc1..x";
  await new common.DefaultRequestSigner(provider).signHttpRequest({
    method: "GET",
    uri: `http://127.0.0.1:9/${url.slice(1)}`,
    headers,
  });
  const incoming: IncomingHttpHeaders = {};
  headers.forEach((value, name) => {
    incoming[name] = value;
  });
  return { method: "GET", url, headers: incoming, body: Buffer.alloc(0) };
}

function reason(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof NotAuthenticatedError) return err.reason;
    throw err;
  }
  return undefined;
}

describe("UPST session keys", () => {
  it("authenticate the UPST's user with session: true and the session key's fingerprint", async () => {
    const authority = new OciAuthority();
    const key = sessionKeys();
    const upst = authority.mintUpst({ tenancyId: TENANCY, userId: USER, publicKey: key.publicKey });
    const der = key.publicKey.export({ type: "spki", format: "der" });
    const fingerprint = createHash("md5").update(der).digest("hex").match(/../g)!.join(":");
    expect(authority.verifyRequest(await signedGet(upst, key.privateKeyPem))).toEqual({
      kind: "user",
      tenancyId: TENANCY,
      userId: USER,
      fingerprint,
      session: true,
    });
  });

  it("are refused once the UPST expired by the authority's clock", async () => {
    let offsetMs = -3601_000;
    const authority = new OciAuthority({ now: () => Date.now() + offsetMs });
    const key = sessionKeys();
    const upst = authority.mintUpst({ tenancyId: TENANCY, userId: USER, publicKey: key.publicKey });
    offsetMs = 0;
    const request = await signedGet(upst, key.privateKeyPem);
    expect(reason(() => authority.verifyRequest(request))).toBe("expired-token");
  });

  it("are refused when the request is signed by another key, or the UPST comes from another authority", async () => {
    const authority = new OciAuthority();
    const key = sessionKeys();
    const upst = authority.mintUpst({ tenancyId: TENANCY, userId: USER, publicKey: key.publicKey });
    const otherKey = await signedGet(upst, sessionKeys().privateKeyPem);
    expect(reason(() => authority.verifyRequest(otherKey))).toBe("bad-signature");
    const foreign = new OciAuthority().mintUpst({
      tenancyId: TENANCY,
      userId: USER,
      publicKey: key.publicKey,
    });
    const request = await signedGet(foreign, key.privateKeyPem);
    expect(reason(() => authority.verifyRequest(request))).toBe("bad-token");
  });
});
