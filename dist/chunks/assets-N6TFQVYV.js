import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  loadFuncYaml,
  readFunctionBundle
} from "./chunk-HDRYRDE4.js";
import "./chunk-UF4WGPFS.js";
export {
  loadFuncYaml,
  readFunctionBundle
};
