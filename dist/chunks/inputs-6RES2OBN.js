import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DEFAULT_DOMAIN,
  SETUP_DEFAULTS,
  SETUP_INPUTS,
  SETUP_OUTPUTS,
  SETUP_TABLE,
  readSetupInputs
} from "./chunk-P363C6LX.js";
import "./chunk-AZMSNUSO.js";
import "./chunk-X67DKTTP.js";
import "./chunk-TEULXIZG.js";
import "./chunk-OUAI6Q5P.js";
export {
  DEFAULT_DOMAIN,
  SETUP_DEFAULTS,
  SETUP_INPUTS,
  SETUP_OUTPUTS,
  SETUP_TABLE,
  readSetupInputs
};
