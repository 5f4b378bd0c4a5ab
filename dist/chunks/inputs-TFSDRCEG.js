import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DEPLOY_DEFAULTS,
  DEPLOY_INPUTS,
  DEPLOY_OUTPUTS,
  GITHUB_DEPLOYMENT_SUFFIX,
  JWKS_CACHE_HOURS,
  MAX_CLOCK_SKEW_SECONDS,
  MAX_CONFIG_BYTES,
  configBytes,
  expandTag,
  readDeployInputs
} from "./chunk-VAKSCMIN.js";
import "./chunk-AZMSNUSO.js";
import "./chunk-X67DKTTP.js";
import "./chunk-TEULXIZG.js";
import "./chunk-OUAI6Q5P.js";
export {
  DEPLOY_DEFAULTS,
  DEPLOY_INPUTS,
  DEPLOY_OUTPUTS,
  GITHUB_DEPLOYMENT_SUFFIX,
  JWKS_CACHE_HOURS,
  MAX_CLOCK_SKEW_SECONDS,
  MAX_CONFIG_BYTES,
  configBytes,
  expandTag,
  readDeployInputs
};
