import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  setSecret
} from "./chunk-QRUMXL3U.js";

// src/lib/mask.ts
function secretForms(value) {
  const forms = /* @__PURE__ */ new Set([value, Buffer.from(value).toString("base64"), encodeURIComponent(value)]);
  for (const line of value.split(/\r?\n/)) if (line.trim().length >= 8) forms.add(line.trim());
  return [...forms].filter((form) => form.length > 0);
}
function createMasker(register = (form) => setSecret(form)) {
  const registered = /* @__PURE__ */ new Set();
  const exact = (form) => {
    if (form === "" || registered.has(form)) return;
    registered.add(form);
    register(form);
  };
  const mask = (value) => {
    if (value) for (const form of secretForms(value)) exact(form);
  };
  return Object.assign(mask, { exact });
}
var maskSecret = createMasker();

export {
  secretForms,
  createMasker,
  maskSecret
};
