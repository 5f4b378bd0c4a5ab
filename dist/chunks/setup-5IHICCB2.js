import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  createSetupDeps,
  runSetup
} from "./chunk-3U47MAHC.js";
import "./chunk-X77V3F2V.js";
import "./chunk-OQC72R3W.js";
import "./chunk-2IXQ2D52.js";
import "./chunk-GCDNQKBZ.js";
import "./chunk-KOHMWR6L.js";
import "./chunk-2FL2BCQO.js";
import "./chunk-BDIMR6XZ.js";
import "./chunk-UF4WGPFS.js";
export {
  createSetupDeps,
  runSetup
};
