import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/lib/fetch-first.ts
void globalThis.Headers;
