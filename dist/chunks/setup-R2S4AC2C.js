import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  createSetupDeps,
  runSetup
} from "./chunk-NLXQQ3DW.js";
import "./chunk-X77V3F2V.js";
import "./chunk-7RYO7CZA.js";
import "./chunk-GCDNQKBZ.js";
import "./chunk-KOHMWR6L.js";
import "./chunk-2FL2BCQO.js";
import "./chunk-BDIMR6XZ.js";
import "./chunk-UF4WGPFS.js";
export {
  createSetupDeps,
  runSetup
};
