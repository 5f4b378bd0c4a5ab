// oci-common needs only jsonwebtoken.decode(token, { complete: true }) to read the RPST's claims
// (security-token-adapter.js); it never verifies there. This decode-only stand-in keeps the bundle from
// loading jsonwebtoken, jws, semver and their helpers at cold start.
function part(text) {
  return JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
}

function decode(token, options) {
  if (typeof token !== "string") return null;
  const pieces = token.split(".");
  if (pieces.length !== 3) return null;
  try {
    const header = part(pieces[0]);
    const payload = part(pieces[1]);
    if (payload === null || typeof payload !== "object") return null;
    return options?.complete ? { header, payload, signature: pieces[2] } : payload;
  } catch {
    return null;
  }
}

module.exports = { decode };
