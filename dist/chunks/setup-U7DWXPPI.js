import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  createSetupDeps,
  runSetup
} from "./chunk-VYD373FR.js";
import "./chunk-X77V3F2V.js";
import "./chunk-DZPFFJP2.js";
import "./chunk-4X7MM4DM.js";
import "./chunk-MR4NOKHB.js";
import "./chunk-F3P4WCTF.js";
import "./chunk-XFWKZHZF.js";
import "./chunk-TLSLXBWA.js";
import "./chunk-UO7NIH2O.js";
import "./chunk-LZYNC46W.js";
import "./chunk-UF4WGPFS.js";
export {
  createSetupDeps,
  runSetup
};
