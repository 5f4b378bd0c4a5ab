import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  describeAuth,
  sessionDeps,
  signInInputs,
  signInOci
} from "./chunk-3QMIH6OF.js";
import "./chunk-KOMLM6I6.js";
import "./chunk-TSMQTZ4R.js";
import "./chunk-B4CAYYDZ.js";
import "./chunk-X67DKTTP.js";
import "./chunk-BDIMR6XZ.js";
import "./chunk-UF4WGPFS.js";
export {
  describeAuth,
  sessionDeps,
  signInInputs,
  signInOci
};
