// sshpk as the SDK's resource-principal path uses it, on node:crypto: parse the RSA PEM key (the key
// supplier and DefaultRequestSigner), write it back as PKCS#1 PEM and its public half as SPKI PEM, and sign
// (http-signature's RSA-SHA256). sshpk does each of these in JavaScript (its own ASN.1 and big integers, 150 KB
// of the bundle with jsbn and asn1) before it hands the key to crypto.createSign; node:crypto reads and writes
// the same DER, and an RSA PKCS#1 v1.5 signature is the same bytes whoever computes it
// (test/unit/function-bundle-shims.test.ts compares each result with sshpk's). Anything else sshpk offers
// (public-key and certificate parsing: the verifier and the instance-principal path) refuses in one line.
"use strict";
const crypto = require("node:crypto");

const RSA_ONLY =
  "the function bundle signs with RSA keys only (the resource principal's key); this key type is not supported";

class PrivateKey {
  /** @param {crypto.KeyObject} key */
  constructor(key) {
    this.key = key;
    this.type = "rsa";
    this.size = key.asymmetricKeyDetails.modulusLength;
  }

  /** sshpk's instance test; its version argument is met by any key of this class. */
  static isPrivateKey(value) {
    return value instanceof PrivateKey;
  }

  /** The key as sshpk writes an RSA private key in "pem": PKCS#1, 64-character lines. */
  toBuffer(format = "pem") {
    if (format !== "pem") throw new Error(`the function bundle writes keys as PEM only, not ${format}`);
    if (this.pem === undefined) {
      this.pem = this.key.export({ type: "pkcs1", format: "pem" });
      // http-signature parses this PEM again on every signing: it is the same key.
      remember(this.pem, undefined, this);
    }
    return Buffer.from(this.pem);
  }

  toString(format) {
    return this.toBuffer(format).toString();
  }

  toPublic() {
    this.public ??= new PublicKey(crypto.createPublicKey(this.key));
    return this.public;
  }

  /** A signer as sshpk's: update(), then sign() giving the signature with its hash algorithm. */
  createSign(hashAlgorithm = "sha256") {
    const signer = crypto.createSign(`RSA-${hashAlgorithm.toUpperCase()}`);
    const key = this.key;
    return {
      update(data) {
        signer.update(data);
        return this;
      },
      sign() {
        const bytes = signer.sign(key);
        return { hashAlgorithm, toBuffer: () => bytes, toString: () => bytes.toString("base64") };
      },
    };
  }
}

class PublicKey {
  /** @param {crypto.KeyObject} key */
  constructor(key) {
    this.key = key;
    this.type = "rsa";
    this.size = key.asymmetricKeyDetails.modulusLength;
  }

  /** The key as sshpk writes a public key in "pem": SPKI ("PUBLIC KEY"). */
  toString(format = "pem") {
    if (format !== "pem") throw new Error(`the function bundle writes keys as PEM only, not ${format}`);
    return this.key.export({ type: "spki", format: "pem" });
  }
}

/**
 * Keys parsed, by PEM text and passphrase: the same key is parsed by the key supplier, the signer, and by
 * http-signature on each request (sshpk parses each time; the keys here are never changed once made).
 */
const parsed = new Map();
const PARSED_KEPT = 8;

function cacheKey(pem, passphrase) {
  return `${passphrase ?? ""}\0${pem}`;
}

function remember(pem, passphrase, key) {
  if (parsed.size >= PARSED_KEPT) parsed.delete(parsed.keys().next().value);
  parsed.set(cacheKey(pem, passphrase), key);
}

/** sshpk.parsePrivateKey(data, format, options) for a PEM key (PKCS#1 or PKCS#8, encrypted with options.passphrase). */
function parsePrivateKey(data, format = "auto", options = {}) {
  if (format !== "auto" && format !== "pem") {
    throw new Error(`the function bundle reads PEM keys only, not ${format}`);
  }
  const passphrase = typeof options === "object" && options !== null ? options.passphrase : undefined;
  const pem = typeof data === "string" ? data : Buffer.from(data).toString("utf8");
  const known = parsed.get(cacheKey(pem, passphrase));
  if (known !== undefined) return known;
  const key = readKey(pem, passphrase);
  remember(pem, passphrase, key);
  return key;
}

function readKey(pem, passphrase) {
  let key;
  try {
    key = crypto.createPrivateKey({ key: pem, format: "pem", passphrase });
  } catch (err) {
    throw new Error(`the private key is not a readable PEM key: ${err.message}`);
  }
  if (key.asymmetricKeyType !== "rsa") throw new Error(RSA_ONLY);
  return new PrivateKey(key);
}

const PRIVATE_ONLY =
  "the function bundle reads RSA private keys only (it signs, and never verifies); public keys and certificates are not supported";
const refuse = () => {
  throw new Error(PRIVATE_ONLY);
};

module.exports = {
  parsePrivateKey,
  PrivateKey,
  parseKey: refuse,
  parseCertificate: refuse,
  Key: { isKey: refuse },
};
