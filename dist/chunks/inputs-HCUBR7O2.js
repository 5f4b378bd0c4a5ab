import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DEFAULT_DOMAIN,
  SETUP_DEFAULTS,
  SETUP_INPUTS,
  SETUP_OUTPUTS,
  SETUP_TABLE,
  readSetupInputs
} from "./chunk-TLSLXBWA.js";
import "./chunk-UO7NIH2O.js";
import "./chunk-LZYNC46W.js";
import "./chunk-UF4WGPFS.js";
export {
  DEFAULT_DOMAIN,
  SETUP_DEFAULTS,
  SETUP_INPUTS,
  SETUP_OUTPUTS,
  SETUP_TABLE,
  readSetupInputs
};
