import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  InputError,
  UserFacingError,
  quote
} from "./chunk-OUAI6Q5P.js";

// src/lib/inputs.ts
function parseBoolean(name, raw) {
  if (raw === "true" || raw === "True" || raw === "TRUE") return true;
  if (raw === "false" || raw === "False" || raw === "FALSE") return false;
  throw new InputError(name, `${quote(raw)} is not a boolean; use true or false`);
}
function isLoopbackHost(hostname) {
  return hostname === "localhost" || hostname === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}
function secureUrl(name, raw, options) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(name, `${quote(raw)} is not a URL; use ${options.example}`);
  }
  if (url.username !== "" || url.password !== "") {
    const hint = options.credentialsHint ? `; ${options.credentialsHint}` : "";
    throw new InputError(name, `must not contain credentials (user:password@)${hint}`);
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    throw new InputError(
      name,
      `${quote(raw)} must use https (http is allowed only for 127.0.0.1 and localhost)`
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InputError(name, `${quote(raw)} must be an https URL, e.g. ${options.example}`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new InputError(name, `${quote(raw)} must not have a query string or fragment`);
  }
  return url;
}
function input(name, parse, options = {}) {
  return { name, parse, ...options };
}
function inputNames(table) {
  return Object.fromEntries(Object.entries(table).map(([key, spec]) => [key, spec.name]));
}
function inputDefaults(table) {
  const out = {};
  for (const spec of Object.values(table)) if (spec.default !== void 0) out[spec.name] = spec.default;
  return out;
}
var InputProblems = class {
  errors = [];
  /** Run one check: an InputError is recorded (undefined is returned); anything else is a bug and propagates. */
  check(fn) {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      this.errors.push(err);
      return void 0;
    }
  }
  add(...errors) {
    this.errors.push(...errors);
  }
  /** Throw what was found: the one InputError itself, or every message in one line. */
  throwIfAny() {
    if (this.errors.length === 1) throw this.errors[0];
    if (this.errors.length > 1) throw new UserFacingError(this.errors.map((e) => e.message).join("; "));
  }
};
function inputText(spec, get) {
  const given = get(spec.name);
  const text = spec.untrimmed ? given : given.trim();
  return text.trim() === "" ? spec.default ?? "" : text;
}
function readInputTable(table, get, problems, mask) {
  for (const spec of Object.values(table)) {
    const value = get(spec.name).trim();
    if (spec.secret && value !== "") mask(value);
  }
  const values = {};
  for (const [key, spec] of Object.entries(table)) {
    const text = inputText(spec, get);
    problems.check(() => {
      values[key] = spec.parse(text, spec.name);
    });
  }
  return values;
}
var booleanInput = (text, name) => parseBoolean(name, text);
function optional(parse) {
  return (text, name) => text === "" ? void 0 : parse(text, name);
}
function required(parse, detail) {
  return (text, name) => {
    if (text === "") throw new InputError(name, detail);
    return parse(text, name);
  };
}
function oneOf(allowed) {
  return (text, name) => {
    const found = allowed.find((a) => a.toLowerCase() === text.toLowerCase());
    if (!found) throw new InputError(name, `${quote(text)} is not allowed; use ${allowed.join(" or ")}`);
    return found;
  };
}
function wholeNumber(min, max, what) {
  return (text, name) => {
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new InputError(name, `${quote(text)} is not ${what}; use a whole number from ${min} to ${max}`);
    }
    return Number(text);
  };
}
function singleLine(options = {}) {
  return (text, name) => {
    if (/[\u0000-\u001f\u007f]/.test(text)) {
      throw new InputError(
        name,
        options.noSpaces ? "must not contain spaces or control characters" : "must not contain control characters or line breaks"
      );
    }
    if (options.noSpaces && /\s/.test(text)) {
      throw new InputError(name, "must not contain spaces or control characters");
    }
    return text;
  };
}
function splitList(text) {
  return text.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== "");
}

export {
  isLoopbackHost,
  secureUrl,
  input,
  inputNames,
  inputDefaults,
  InputProblems,
  inputText,
  readInputTable,
  booleanInput,
  optional,
  required,
  oneOf,
  wholeNumber,
  singleLine,
  splitList
};
