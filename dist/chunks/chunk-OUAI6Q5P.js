import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __require = /* @__PURE__ */ ((x) => typeof require !== "undefined" ? require : typeof Proxy !== "undefined" ? new Proxy(x, {
  get: (a, b) => (typeof require !== "undefined" ? require : a)[b]
}) : x)(function(x) {
  if (typeof require !== "undefined") return require.apply(this, arguments);
  throw Error('Dynamic require of "' + x + '" is not supported');
});
var __commonJS = (cb, mod) => function __require2() {
  try {
    return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// src/lib/text.ts
var LINE_BREAKERS = /[\u0000-\u001f\u007f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;
function flatten(text) {
  return text.replace(LINE_BREAKERS, " ");
}
function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}\u2026` : text;
}
function oneLineText(text, max = 300) {
  return clip(flatten(text).replace(/\s+/g, " ").trim(), max);
}
function quote(value, max = 80) {
  return `'${clip(flatten(value), max)}'`;
}
function safeLogLine(line) {
  return flatten(line).replace(/^(\s*)::/, "$1: :");
}
function redact(text, secrets) {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("***");
  return out;
}
function sanitizeServerText(value, secrets = [], max = 200) {
  const text = typeof value === "string" ? value : value === void 0 || value === null ? "" : JSON.stringify(value);
  return clip(flatten(redact(text, secrets)).trim(), max);
}

// src/lib/errors.ts
var InputError = class extends Error {
  constructor(input, detail) {
    super(`input '${input}': ${detail}`);
    this.input = input;
  }
  input;
  name = "InputError";
};
var UserFacingError = class extends Error {
  name = "UserFacingError";
};
function oneLine(err) {
  let text;
  if (err instanceof Error) text = err.message || err.name;
  else if (typeof err === "string") text = err;
  else {
    try {
      text = JSON.stringify(err) ?? String(err);
    } catch {
      text = String(err);
    }
  }
  return flatten(text).replace(/\s+/g, " ").trim() || "unknown error";
}

export {
  __require,
  __commonJS,
  __toESM,
  flatten,
  clip,
  oneLineText,
  quote,
  safeLogLine,
  redact,
  sanitizeServerText,
  InputError,
  UserFacingError,
  oneLine
};
