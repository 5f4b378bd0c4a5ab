// Seeds and figures of the property-based reliability suites. Every suite draws from one seed: FC_SEED when
// set (to replay a failure), else a fresh one; fast-check prints the seed and the shrunk counterexample of a
// failing property, and each suite prints its seed with its figures, so any run can be replayed.
import type { Parameters } from "fast-check";

/** The seed of this run: FC_SEED (an integer) when set, else a fresh one. */
export function runSeed(): number {
  const raw = process.env.FC_SEED?.trim();
  if (raw === undefined || raw === "") return (Date.now() ^ (process.pid << 16)) | 0;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got '${raw}'`);
  return seed | 0;
}

/** fast-check parameters for `numRuns` runs from `seed`; a property's runs differ by `offset`. */
export function propertyParameters(seed: number, numRuns: number, offset = 0): Parameters<unknown> {
  return { seed: (seed + offset) | 0, numRuns };
}

/**
 * The one line of figures a suite prints for docs/security.md, e.g. `[attacks] seed 7 (FC_SEED=7 replays it):
 * attacks tried 412, findings 0`; a suite with no random draws passes no seed.
 */
export function figuresLine(suite: string, figures: Record<string, number | string>, seed?: number): string {
  const text = Object.entries(figures)
    .map(([name, value]) => `${name} ${value}`)
    .join(", ");
  return seed === undefined
    ? `[${suite}] ${text}`
    : `[${suite}] seed ${seed} (FC_SEED=${seed} replays it): ${text}`;
}
