// jsSHA as oci-common uses it: new jsSHA("SHA-256", "TEXT"), update(text), getHash("B64"), the request
// body's x-content-sha256 (signer.js; the X509 federation client does the same). jsSHA hashes in
// JavaScript with every SHA variant in 23 KB of the bundle; node:crypto gives the same digest. TEXT input
// is UTF-8 in both. Any other variant, input or output type refuses in one line.
"use strict";
const { createHash } = require("node:crypto");

class Sha256 {
  constructor(variant, inputFormat, options) {
    if (
      variant !== "SHA-256" ||
      inputFormat !== "TEXT" ||
      (options !== undefined && options.encoding !== undefined && options.encoding !== "UTF8")
    ) {
      throw new Error(`the function bundle hashes SHA-256 of text only, not ${variant} of ${inputFormat}`);
    }
    this.hash = createHash("sha256");
  }

  update(text) {
    this.hash.update(text, "utf8");
    return this;
  }

  getHash(format) {
    if (format !== "B64")
      throw new Error(`the function bundle gives SHA-256 digests as B64 only, not ${format}`);
    return this.hash.digest("base64");
  }
}

module.exports = Sha256;
