import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DEFAULT_DOMAIN,
  SETUP_DEFAULTS,
  SETUP_INPUTS,
  SETUP_OUTPUTS,
  SETUP_TABLE,
  readSetupInputs
} from "./chunk-KOHMWR6L.js";
import "./chunk-2FL2BCQO.js";
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
