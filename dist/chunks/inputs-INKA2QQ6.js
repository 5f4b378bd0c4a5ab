import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DEPLOY_DEFAULTS,
  DEPLOY_INPUTS,
  DEPLOY_OUTPUTS,
  JWKS_CACHE_HOURS,
  MAX_CLOCK_SKEW_SECONDS,
  MAX_CONFIG_BYTES,
  configBytes,
  expandTag,
  readDeployInputs
} from "./chunk-FPBWIUEV.js";
import "./chunk-PYWQ6PWE.js";
import "./chunk-BDIMR6XZ.js";
import "./chunk-UF4WGPFS.js";
export {
  DEPLOY_DEFAULTS,
  DEPLOY_INPUTS,
  DEPLOY_OUTPUTS,
  JWKS_CACHE_HOURS,
  MAX_CLOCK_SKEW_SECONDS,
  MAX_CONFIG_BYTES,
  configBytes,
  expandTag,
  readDeployInputs
};
