import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  describeAuth,
  sessionDeps,
  signInInputs,
  signInOci
} from "./chunk-F3P4WCTF.js";
import "./chunk-XFWKZHZF.js";
import "./chunk-UO7NIH2O.js";
import "./chunk-LZYNC46W.js";
import "./chunk-UF4WGPFS.js";
export {
  describeAuth,
  sessionDeps,
  signInInputs,
  signInOci
};
