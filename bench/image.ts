// Image benchmarks (issue 4): the deterministic layer build, a push to the sandbox registry with the base
// already there, and the blob bytes a no-op re-run uploads.
import "../src/lib/fetch-first.js";
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { DEFAULT_FUNCTION_ENTRY } from "../sandbox/index.js";
import { startRegistry } from "../sandbox/registry/index.js";
import { buildImage } from "../src/image/build.js";
import { buildLayer } from "../src/image/layer.js";
import { median, round } from "./stats.js";

export interface ImageBench {
  funcJsBytes: number;
  layerBytes: number;
  layerBuildMs: { median: number; runs: number };
  pushMs: { median: number; runs: number; bytesUploadedFirst: number };
  noopRerun: { medianMs: number; bytesUploaded: number; sameDigest: boolean };
}

export async function benchImage(runs = 10): Promise<ImageBench> {
  const content = await readFile(DEFAULT_FUNCTION_ENTRY);
  const files = [{ path: "function/func.js", content }];

  const layerTimes: number[] = [];
  let layerBytes = 0;
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    layerBytes = buildLayer(files).size;
    layerTimes.push(performance.now() - started);
  }

  const registry = await startRegistry({
    auth: { mode: "bearer", users: { "ns/deployer": "token-secret" } },
  });
  const credentials = { username: "ns/deployer", password: "token-secret" };
  try {
    // A base the size of a small node runtime layer set: two platforms, a few MiB of layers.
    registry.seedImage({
      repository: "ns/fnproject/node",
      tag: "24",
      files: [{ path: "usr/lib/libnode.so", content: Buffer.alloc(8 * 1024 * 1024, 7) }],
    });
    const base = `${registry.host}/ns/fnproject/node:24`;
    const pushTimes: number[] = [];
    let bytesUploadedFirst = 0;
    for (let i = 0; i < runs; i++) {
      // A new repository and a changed file each run: a real push of new code, base layers mounted.
      const started = performance.now();
      const result = await buildImage({
        files: [{ path: "function/func.js", content: Buffer.concat([content, Buffer.from(`\n//${i}`)]) }],
        base,
        target: `${registry.host}/ns/usage-api-${i}:bench`,
        platforms: [
          { os: "linux", architecture: "amd64" },
          { os: "linux", architecture: "arm64" },
        ],
        credentials,
      });
      pushTimes.push(performance.now() - started);
      if (i === 0) bytesUploadedFirst = result.bytesUploaded;
    }

    const target = `${registry.host}/ns/usage-api:bench`;
    const platforms = [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
    ];
    const first = await buildImage({ files, base, target, platforms, credentials });
    const rerunTimes: number[] = [];
    let bytesUploaded = 0;
    let sameDigest = true;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const again = await buildImage({ files, base, target, platforms, credentials });
      rerunTimes.push(performance.now() - started);
      bytesUploaded += again.bytesUploaded;
      sameDigest &&= again.digest === first.digest;
    }
    return {
      funcJsBytes: content.length,
      layerBytes,
      layerBuildMs: { median: round(median(layerTimes)), runs: layerTimes.length },
      pushMs: { median: round(median(pushTimes)), runs, bytesUploadedFirst },
      noopRerun: { medianMs: round(median(rerunTimes)), bytesUploaded, sameDigest },
    };
  } finally {
    await registry.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchImage(), null, 2));
}
