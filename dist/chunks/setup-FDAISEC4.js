import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  createSetupDeps,
  runSetup
} from "./chunk-5ZCMZFIG.js";
import "./chunk-X77V3F2V.js";
import "./chunk-EB5KTGFL.js";
import "./chunk-46SPJVZL.js";
import "./chunk-LWTDWTVL.js";
import "./chunk-IRVCEWYO.js";
import "./chunk-KOMLM6I6.js";
import "./chunk-TSMQTZ4R.js";
import "./chunk-PUPHI65Z.js";
import "./chunk-KBJOOKCP.js";
import "./chunk-X67DKTTP.js";
import "./chunk-BDIMR6XZ.js";
import "./chunk-UF4WGPFS.js";
export {
  createSetupDeps,
  runSetup
};
