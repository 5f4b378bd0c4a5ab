import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  createSetupDeps,
  runSetup
} from "./chunk-TIEVC3N3.js";
import "./chunk-X77V3F2V.js";
import "./chunk-GTKO3JGO.js";
import "./chunk-5EAMN7NH.js";
import "./chunk-FF7BYSUF.js";
import "./chunk-3AWMZJ4T.js";
import "./chunk-XFWKZHZF.js";
import "./chunk-AXVNEEDD.js";
import "./chunk-HPSKY6V7.js";
import "./chunk-PUPHI65Z.js";
import "./chunk-KBJOOKCP.js";
import "./chunk-X67DKTTP.js";
import "./chunk-BDIMR6XZ.js";
import "./chunk-UF4WGPFS.js";
export {
  createSetupDeps,
  runSetup
};
