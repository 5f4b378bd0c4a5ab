// sshpk requires tweetnacl and ecc-jsbn at load for ed25519, curve25519, ECDSA and DH keys, and
// bcrypt-pbkdf for encrypted OpenSSH keys. A resource principal's key is an RSA PEM, and the RSA path
// (parse, PEM out, crypto.createSign) uses none of them, so the bundle carries this stand-in instead
// (60 KB less to compile). Any use of it fails with one line saying why.
const refuse = () => {
  throw new Error(
    "the function bundle signs with RSA keys only (the resource principal's key); this key type is not supported",
  );
};
module.exports = new Proxy(
  {},
  {
    get: (_, name) => (name === "__esModule" ? undefined : refuse()),
    has: refuse,
    ownKeys: refuse,
  },
);
