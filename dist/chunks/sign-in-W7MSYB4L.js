import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  describeAuth,
  sessionDeps,
  signInInputs,
  signInOci
} from "./chunk-3AWMZJ4T.js";
import "./chunk-XFWKZHZF.js";
import "./chunk-AXVNEEDD.js";
import "./chunk-HPSKY6V7.js";
import "./chunk-KBJOOKCP.js";
import "./chunk-X67DKTTP.js";
import "./chunk-BDIMR6XZ.js";
import "./chunk-UF4WGPFS.js";
export {
  describeAuth,
  sessionDeps,
  signInInputs,
  signInOci
};
