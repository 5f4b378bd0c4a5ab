// A minimal DER writer for one thing: a self-signed X.509 v3 certificate (sha256WithRSAEncryption), so the
// identity emulator's JWKs carry a real `x5c` chain and `x5t`/`x5t#S256` thumbprints that clients can check.
import { createHash, type KeyObject, randomBytes, sign } from "node:crypto";

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

const sequence = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));
const explicit = (tagNumber: number, content: Buffer): Buffer => tlv(0xa0 | tagNumber, content);
const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, "utf8"));
const octetString = (content: Buffer): Buffer => tlv(0x04, content);
const bitString = (content: Buffer, unusedBits = 0): Buffer =>
  tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));
const derNull = Buffer.from([0x05, 0x00]);
const derTrue = Buffer.from([0x01, 0x01, 0xff]);

/** A non-negative INTEGER from big-endian magnitude bytes (minimal form, sign byte added when needed). */
function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let bytes = magnitude.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const out: number[] = [first * 40 + second];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      chunk.unshift((value & 0x7f) | 0x80);
    }
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(digits.slice(2), "ascii"));
  return tlv(0x18, Buffer.from(digits, "ascii"));
}

const OID = {
  commonName: "2.5.4.3",
  organizationName: "2.5.4.10",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  subjectKeyIdentifier: "2.5.29.14",
} as const;

function name(commonName: string, organization?: string): Buffer {
  const rdns: Buffer[] = [];
  if (organization)
    rdns.push(set(sequence(objectIdentifier(OID.organizationName), utf8String(organization))));
  rdns.push(set(sequence(objectIdentifier(OID.commonName), utf8String(commonName))));
  return sequence(...rdns);
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectIdentifier(oid), ...(critical ? [derTrue] : []), octetString(value));
}

interface SelfSignedCertificateOptions {
  /** RSA key pair; the certificate carries the public key and is signed by the private key. */
  publicKey: KeyObject;
  privateKey: KeyObject;
  commonName: string;
  organization?: string;
  notBefore: Date;
  notAfter: Date;
  /** Positive serial number bytes; 16 random bytes when omitted. */
  serialNumber?: Buffer;
}

/** DER bytes of a self-signed X.509 v3 signing certificate for an RSA key. */
export function selfSignedCertificate(options: SelfSignedCertificateOptions): Buffer {
  if (options.publicKey.asymmetricKeyType !== "rsa") throw new Error("selfSignedCertificate: only RSA keys");
  const serial = options.serialNumber ?? randomBytes(16);
  const signatureAlgorithm = sequence(objectIdentifier(OID.sha256WithRSAEncryption), derNull);
  const spki = options.publicKey.export({ type: "spki", format: "der" });
  const subject = name(options.commonName, options.organization);
  const keyIdentifier = createHash("sha1").update(spki).digest();
  const extensions = explicit(
    3,
    sequence(
      extension(OID.basicConstraints, true, sequence()),
      // digitalSignature only: bit 0 set, 7 unused bits.
      extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)),
      extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier)),
    ),
  );
  const tbsCertificate = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))),
    unsignedInteger(Buffer.concat([Buffer.from([0]), serial])),
    signatureAlgorithm,
    subject,
    sequence(time(options.notBefore), time(options.notAfter)),
    subject,
    spki,
    extensions,
  );
  const signature = sign("sha256", tbsCertificate, options.privateKey);
  return sequence(tbsCertificate, signatureAlgorithm, bitString(signature));
}

/** The JWK certificate thumbprints of RFC 7517 §4.8/§4.9: base64url SHA-1 and SHA-256 of the DER. */
export function certificateThumbprints(der: Buffer): { x5t: string; "x5t#S256": string } {
  return {
    x5t: createHash("sha1").update(der).digest("base64url"),
    "x5t#S256": createHash("sha256").update(der).digest("base64url"),
  };
}
