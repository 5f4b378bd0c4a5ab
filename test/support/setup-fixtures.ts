// Good inputs of the setup command (a fresh RSA API key per test run), for the setup unit tests.
import { generateKeyPairSync } from "node:crypto";
import { keyFingerprint } from "../../src/oci/auth.js";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PEM = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
export const TENANCY = "ocid1.tenancy.oc1..aaaaaaaaba3pv6wkcr4jqae5f15p2b2m2yt2j6rx32uzr4h25vqstifsfdsq";
export const COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaa4fwqxxxjnn2b6bpdm56nwuqtj6jjaymfywqkbzjbi3lqf";
export const SUBNET = "ocid1.subnet.oc1.iad.aaaaaaaaf2pxxbqmxwzqvyqxbnvgtn4pmvfflwuxnntpfpgg7sboe3c4";

export const SETUP_GOOD: Record<string, string> = {
  "oci-tenancy": TENANCY,
  "oci-user": "ocid1.user.oc1..aaaaaaaao7ht2nwwyiqbgzp2d5fx7x5lqkjx3xm3y7u6hgbwqtt5g5zb2lpq",
  "oci-fingerprint": keyFingerprint(privateKey),
  "oci-private-key": PEM,
  "oci-region": "us-ashburn-1",
  "compartment-id": COMPARTMENT,
  "subnet-id": SUBNET,
  "identity-domain-url": "https://idcs-0123456789abcdef.identity.oraclecloud.com/",
};
