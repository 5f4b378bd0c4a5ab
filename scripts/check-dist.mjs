// CI: dist/ must be exactly what a fresh build of src/ produces (the committed action bundle).
import { readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { buildAction } from "./build.mjs";

const root = join(import.meta.dirname, "..");
const fresh = join(tmpdir(), `dist-check-${process.pid}`);

async function files(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath ?? entry.path, entry.name)));
  }
  return out.sort();
}

try {
  await buildAction(fresh);
  const committed = await files(join(root, "dist"));
  const built = await files(fresh);
  const problems = [];
  for (const name of new Set([...committed, ...built])) {
    if (!committed.includes(name)) problems.push(`dist/${name} is missing (a fresh build creates it)`);
    else if (!built.includes(name)) problems.push(`dist/${name} is stale (a fresh build does not create it)`);
    else if (!(await readFile(join(root, "dist", name))).equals(await readFile(join(fresh, name))))
      problems.push(`dist/${name} differs from a fresh build`);
  }
  if (problems.length > 0) {
    console.error(
      `dist/ is out of date with src/:\n- ${problems.join("\n- ")}\nRun 'npm run build' and commit dist/.`,
    );
    process.exitCode = 1;
  } else {
    console.error(`dist/ matches a fresh build (${built.length} files)`);
  }
} finally {
  await rm(fresh, { recursive: true, force: true });
}
