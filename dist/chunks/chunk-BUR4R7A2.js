import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  group,
  info,
  warning
} from "./chunk-QRUMXL3U.js";

// src/lib/runner-log.ts
var runnerLog = {
  info: (line) => info(line),
  warning: (line) => warning(line),
  group: (name, fn) => group(name, fn)
};

export {
  runnerLog
};
