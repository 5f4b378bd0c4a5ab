import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  createSetupDeps,
  runSetup
} from "./chunk-MKFACQOH.js";
import "./chunk-X77V3F2V.js";
import "./chunk-K46APDTU.js";
import "./chunk-46SPJVZL.js";
import "./chunk-LWTDWTVL.js";
import "./chunk-JBLKZOYA.js";
import "./chunk-TSMQTZ4R.js";
import "./chunk-2AB72JAJ.js";
import "./chunk-PYWQ6PWE.js";
import "./chunk-BDIMR6XZ.js";
import "./chunk-UF4WGPFS.js";
export {
  createSetupDeps,
  runSetup
};
