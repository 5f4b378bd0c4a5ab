// Integration tests run the real function bundle under the Fn agent: build it once, before any test.
import { buildFunction } from "../../scripts/build.mjs";

export default async function setup(): Promise<void> {
  await buildFunction();
}
