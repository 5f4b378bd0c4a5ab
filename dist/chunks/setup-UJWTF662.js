import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  createSetupDeps,
  runSetup
} from "./chunk-7EIJATJY.js";
import "./chunk-X77V3F2V.js";
import "./chunk-LRO24H6P.js";
import "./chunk-5EAMN7NH.js";
import "./chunk-4DXEX4NU.js";
import "./chunk-HPSKY6V7.js";
import "./chunk-KOHMWR6L.js";
import "./chunk-2FL2BCQO.js";
import "./chunk-BDIMR6XZ.js";
import "./chunk-UF4WGPFS.js";
export {
  createSetupDeps,
  runSetup
};
