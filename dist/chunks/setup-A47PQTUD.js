import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  createSetupDeps,
  runSetup
} from "./chunk-2SA2IK3B.js";
import "./chunk-CDVUESFF.js";
import "./chunk-ZENTQ4EY.js";
import "./chunk-46SPJVZL.js";
import "./chunk-LWTDWTVL.js";
import "./chunk-3QMIH6OF.js";
import "./chunk-KOMLM6I6.js";
import "./chunk-TSMQTZ4R.js";
import "./chunk-SGEM3A6C.js";
import "./chunk-B4CAYYDZ.js";
import "./chunk-X67DKTTP.js";
import "./chunk-BDIMR6XZ.js";
import "./chunk-UF4WGPFS.js";
export {
  createSetupDeps,
  runSetup
};
