// oci-common pulls in isomorphic-fetch/node-fetch to polyfill fetch on old Node versions.
// Node >= 20 has fetch built in, so the bundle replaces those modules with this empty one.
module.exports = {};
