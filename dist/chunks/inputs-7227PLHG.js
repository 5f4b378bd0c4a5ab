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
} from "./chunk-XENODUWS.js";
import "./chunk-UO7NIH2O.js";
import "./chunk-LZYNC46W.js";
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
