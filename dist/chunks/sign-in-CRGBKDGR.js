import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  describeAuth,
  sessionDeps,
  signInInputs,
  signInOci
} from "./chunk-4B74Y4DT.js";
import "./chunk-J4JFFB6M.js";
import "./chunk-QRUMXL3U.js";
import "./chunk-AZMSNUSO.js";
import "./chunk-X67DKTTP.js";
import "./chunk-TEULXIZG.js";
import "./chunk-OUAI6Q5P.js";
export {
  describeAuth,
  sessionDeps,
  signInInputs,
  signInOci
};
