// oci-common calls require("es6-promise").polyfill(); native promises make it a no-op.
module.exports = { polyfill() {} };
