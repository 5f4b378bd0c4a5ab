// Hand-made JWTs for attack tests: any header, any payload, any signer, including ones no JWT library would
// produce (duplicate header members, empty or broken signatures). Shared by the gateway tests and the
// reliability suites.
import { createHmac, type KeyObject, sign } from "node:crypto";

/** base64url of a string as is, or of a value's JSON. */
export const b64 = (value: unknown): string =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** A compact JWS with any header, signed by `signer` over the exact signing input. */
export function craft(header: unknown, payload: unknown, signer: (input: Buffer) => Buffer | string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = signer(Buffer.from(input));
  return `${input}.${typeof signature === "string" ? signature : signature.toString("base64url")}`;
}

export const rs256 = (key: KeyObject) => (input: Buffer) => sign("sha256", input, key);
export const hs256 = (secret: string | Buffer) => (input: Buffer) =>
  createHmac("sha256", secret).update(input).digest();

/** The decoded header and payload of a compact JWS, and its signature as sent. */
export function parts(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  sig: string;
} {
  const [h = "", p = "", sig = ""] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(h, "base64url").toString()),
    payload: JSON.parse(Buffer.from(p, "base64url").toString()),
    sig,
  };
}
