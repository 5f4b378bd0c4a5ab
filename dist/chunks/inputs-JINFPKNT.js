import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DEFAULT_DOMAIN,
  SETUP_DEFAULTS,
  SETUP_INPUTS,
  SETUP_OUTPUTS,
  SETUP_TABLE,
  readSetupInputs
} from "./chunk-SGEM3A6C.js";
import "./chunk-B4CAYYDZ.js";
import "./chunk-X67DKTTP.js";
import "./chunk-BDIMR6XZ.js";
import "./chunk-UF4WGPFS.js";
export {
  DEFAULT_DOMAIN,
  SETUP_DEFAULTS,
  SETUP_INPUTS,
  SETUP_OUTPUTS,
  SETUP_TABLE,
  readSetupInputs
};
