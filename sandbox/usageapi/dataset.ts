// The sandbox's deterministic cost and usage data set. Nothing is stored per resource: every attribute, lifetime
// and monthly figure is a pure function of (seed, resource index, ...), so 1,000,000 resources cost no memory.
//
// Money is exact. Amounts and quantities are integers in micro-units (1e-6); unit prices are integers in
// nano-dollars (1e-9). A figure is generated per (resource, SKU line, month) and split into days, and each day
// into hours, by cumulative integer division (floor(T * cumulativeWeight / totalWeight) differences), so hourly
// rows sum to their day and daily rows sum to their month exactly, credits included.

const FIRST_MONTH = "2025-01";
const HOUR = 3_600_000;
const DAY = 86_400_000;
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

export type Granularity = "HOURLY" | "DAILY" | "MONTHLY";
type TotalKind = "COST" | "USAGE" | "CREDIT";

interface Sku {
  index: number;
  partNumber: string;
  name: string;
  unit: string;
  service: string;
  /** Price per unit in nano-dollars (1e-9 USD); null for credits. */
  unitPriceNanos: number | null;
}

export interface Compartment {
  index: number;
  id: string;
  name: string;
  path: string;
  /** Index of the parent, -1 for the root (the tenancy). */
  parent: number;
  /** 0 for the root, 1 for its children, ... */
  depth: number;
}

export interface Region {
  index: number;
  name: string;
  key: string;
}

interface AvailabilityDomain {
  index: number;
  name: string;
  region: number;
}

interface TagDef {
  index: number;
  namespace: string;
  key: string;
  value: string;
}

/** A billable resource, as tests and benchmarks see it. */
export interface Resource {
  index: number;
  id: string;
  type: string;
  service: string;
  compartmentId: string;
  compartmentPath: string;
  region: string;
  availabilityDomain: string | null;
  shape: string | null;
  platform: string | null;
  /** Start of billing (inclusive), ISO. */
  timeCreated: string;
  /** End of billing (exclusive), ISO; null when it lives through the data set's end. */
  timeDeleted: string | null;
  tags: { namespace: string; key: string; value: string }[];
  skuPartNumbers: string[];
}

/**
 * One base line of the data set: a resource's SKU over one hour, day or month (or part of a month, when a
 * MONTHLY window cuts a month). All dimension fields are indices into the data set's tables.
 * forEachRow reuses one object for every row: copy what you keep.
 */
export interface BaseRow {
  start: number;
  end: number;
  /** Resource index; -1 for credit lines. */
  resource: number;
  service: number;
  sku: number;
  compartment: number;
  region: number;
  /** Availability domain index, -1 for regional resources and credits. */
  ad: number;
  /** Platform index, -1 when the resource has none. */
  platform: number;
  /** Indices into `tags`. */
  tags: readonly number[];
  /** Micro-USD (negative for credits). */
  amount: number;
  /** Micro-units of the SKU's unit. */
  quantity: number;
  credit: boolean;
}

export interface RowWindow {
  /** ms, inclusive; whole hours (HOURLY) or whole UTC days (DAILY, MONTHLY). */
  start: number;
  /** ms, exclusive; same alignment as start. */
  end: number;
  granularity: Granularity;
  /** Include usage lines (default true). */
  usage?: boolean;
  /** Include credit lines (default true). */
  credits?: boolean;
}

interface DatasetOptions {
  seed?: number;
  /** The scale: how many billable resources (up to 1,000,000 and beyond; nothing is stored per resource). */
  resources?: number;
  tenancyName?: string;
  /** 'YYYY-MM', the last month with data; defaults to the current UTC month. */
  currentMonth?: string;
  /**
   * More Oracle-Tags.CreatedBy values for the resources from index 4 on, in turn (resource 4 + i carries value
   * i mod the count); the output-injection tests seed hostile text here. Default none: the data set is then
   * exactly the seed's.
   */
  extraTagValues?: readonly string[];
}

/** The data set's facts and tables; SyntheticDataset documents each. */
type DatasetFacts = Pick<
  SyntheticDataset,
  | "seed"
  | "tenancyId"
  | "tenancyName"
  | "homeRegion"
  | "currency"
  | "months"
  | "timeStart"
  | "timeEnd"
  | "resourceCount"
  | "compartments"
  | "regions"
  | "availabilityDomains"
  | "services"
  | "skus"
  | "units"
  | "platforms"
  | "tags"
>;

export interface Dataset extends DatasetFacts {
  /** Index into `units` of each SKU. */
  readonly skuUnit: readonly number[];
  resource(index: number): Resource;
  resources(): IterableIterator<Resource>;
  resourceId(index: number): string;
  /** The index of a resource OCID of this data set, or -1. */
  resourceIndexOf(id: string): number;
  /** Visit every base row in the window at the given granularity (O(resources) for whole MONTHLY months). */
  forEachRow(window: RowWindow, visit: (row: Readonly<BaseRow>) => void): void;
  /** The rows of a window as copies (small data sets and tests only). */
  rows(window: RowWindow): BaseRow[];
  /**
   * Truth for tests, computed from the monthly figures without any split or aggregation: COST = sum of amounts
   * including credits, USAGE = sum of quantities, CREDIT = sum of credit amounts. Micro-units.
   * Throws a RangeError when the sum is beyond 2^53 (use totalMicrosExact).
   */
  totalMicros(month: string, kind?: TotalKind): number;
  totalMicrosExact(month: string, kind?: TotalKind): bigint;
  /** How many (resource, SKU) lines and credit lines a month has: the row count of a MONTHLY query grouped by resourceId and skuPartNumber. */
  lineCount(month: string): number;
}

// ---------------------------------------------------------------------------------------------------------
// Exact decimal text

/** Exact decimal text of an integer count of 10^-scale units: (-12_500_000, 6) -> "-12.5". */
export function formatScaled(value: number | bigint, scale: number): string {
  if (typeof value === "bigint") {
    const negative = value < 0n;
    const digits = (negative ? -value : value).toString().padStart(scale + 1, "0");
    const fraction = digits.slice(digits.length - scale).replace(/0+$/, "");
    return `${negative ? "-" : ""}${digits.slice(0, digits.length - scale)}${fraction ? `.${fraction}` : ""}`;
  }
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an exact integer: ${value}`);
  const unit = 10 ** scale;
  const abs = Math.abs(value);
  const whole = Math.floor(abs / unit);
  let fraction = abs - whole * unit; // exact: both terms are integers below 2^53
  const sign = value < 0 ? "-" : "";
  if (fraction === 0) return `${sign}${whole}`;
  let width = scale;
  while (fraction % 10 === 0) {
    fraction /= 10;
    width--;
  }
  return `${sign}${whole}.${String(fraction).padStart(width, "0")}`;
}

/** Exact decimal text of micro-units: -12_500_000 -> "-12.5", 1_234_567 -> "1.234567". */
export function formatMicros(value: number | bigint): string {
  return formatScaled(value, 6);
}

// ---------------------------------------------------------------------------------------------------------
// Hashing: a murmur3-style finaliser over a few 32-bit inputs; stable across runs and platforms.

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hash(seed: number, salt: number, a: number, b = 0, c = 0): number {
  let h = fmix(seed ^ Math.imul(salt + 1, 0x9e3779b1));
  h = fmix(h ^ Math.imul(a | 0, 0xcc9e2d51));
  h = fmix(h ^ Math.imul(b | 0, 0x1b873593));
  h = fmix(h ^ Math.imul(c | 0, 0xe6546b64));
  return h;
}

/** Index drawn from integer weights. */
function weighted(h: number, weights: readonly number[], total: number): number {
  let x = h % total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i]!;
    if (x < 0) return i;
  }
  return weights.length - 1;
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

const BASE32_CODES = Array.from(BASE32, (c) => c.charCodeAt(0));

/** `length` base32 characters drawn from the hash stream (seed, salt, id), appended to `codes`. */
function hashCodes(seed: number, salt: number, id: number, length: number, codes: number[]): number[] {
  const end = codes.length + length;
  for (let k = 0; codes.length < end; k++) {
    let h = hash(seed, salt, id, k);
    for (let j = 0; j < 6 && codes.length < end; j++) {
      codes.push(BASE32_CODES[h & 31]!);
      h >>>= 5;
    }
  }
  return codes;
}

function hashChars(seed: number, salt: number, id: number, length: number): string {
  return String.fromCharCode(...hashCodes(seed, salt, id, length, []));
}

// Invertible 32-bit scramble of resource indices, so resource OCIDs look random but map back in O(1).
const SCRAMBLE_MUL = 0x2c1b3c6d;
const SCRAMBLE_INV = (() => {
  let inv = SCRAMBLE_MUL;
  for (let i = 0; i < 5; i++) inv = Math.imul(inv, 2 - Math.imul(SCRAMBLE_MUL, inv)) >>> 0;
  return inv >>> 0;
})();

function scramble(x: number, key: number): number {
  let y = (x ^ key) >>> 0;
  y = Math.imul(y, SCRAMBLE_MUL) >>> 0;
  return (y ^ (y >>> 15)) >>> 0;
}

function unscramble(y: number, key: number): number {
  let x = (y ^ (y >>> 15) ^ (y >>> 30)) >>> 0;
  x = Math.imul(x, SCRAMBLE_INV) >>> 0;
  return (x ^ key) >>> 0;
}

/** Seven base32 character codes of a 32-bit number, most significant first. */
function encode32(x: number, codes: number[]): number[] {
  for (let i = 6; i >= 0; i--) codes.push(BASE32_CODES[Math.floor(x / 32 ** i) % 32]!);
  return codes;
}

function decode32(text: string): number {
  let x = 0;
  for (const ch of text) {
    const v = BASE32.indexOf(ch);
    if (v < 0) return -1;
    x = x * 32 + v;
  }
  return x;
}

// ---------------------------------------------------------------------------------------------------------
// Catalogue. Part numbers, names and prices are synthetic but shaped like OCI's price list.

const SKUS: readonly Omit<Sku, "index">[] = [
  {
    partNumber: "B93113",
    name: "Compute - Standard - E4 - OCPU",
    unit: "OCPU Per Hour",
    service: "Compute",
    unitPriceNanos: 25_000_000,
  },
  {
    partNumber: "B93114",
    name: "Compute - Standard - E4 - Memory",
    unit: "Gigabyte Per Hour",
    service: "Compute",
    unitPriceNanos: 1_500_000,
  },
  {
    partNumber: "B97384",
    name: "Compute - Standard - E5 - OCPU",
    unit: "OCPU Per Hour",
    service: "Compute",
    unitPriceNanos: 30_000_000,
  },
  {
    partNumber: "B97385",
    name: "Compute - Standard - E5 - Memory",
    unit: "Gigabyte Per Hour",
    service: "Compute",
    unitPriceNanos: 2_000_000,
  },
  {
    partNumber: "B93297",
    name: "Compute - Ampere A1 - OCPU",
    unit: "OCPU Per Hour",
    service: "Compute",
    unitPriceNanos: 10_000_000,
  },
  {
    partNumber: "B93298",
    name: "Compute - Ampere A1 - Memory",
    unit: "Gigabyte Per Hour",
    service: "Compute",
    unitPriceNanos: 1_500_000,
  },
  {
    partNumber: "B91961",
    name: "Block Volume - Storage",
    unit: "Gigabyte Storage Capacity Per Month",
    service: "Block Storage",
    unitPriceNanos: 25_500_000,
  },
  {
    partNumber: "B91962",
    name: "Block Volume - Performance Units",
    unit: "Performance Units Per Gigabyte Per Month",
    service: "Block Storage",
    unitPriceNanos: 1_700_000,
  },
  {
    partNumber: "B91628",
    name: "Object Storage - Storage",
    unit: "Gigabyte Storage Capacity Per Month",
    service: "Object Storage",
    unitPriceNanos: 25_500_000,
  },
  {
    partNumber: "B91627",
    name: "Object Storage - Requests",
    unit: "10,000 Requests Per Month",
    service: "Object Storage",
    unitPriceNanos: 3_400_000,
  },
  {
    partNumber: "B95702",
    name: "Oracle Autonomous Transaction Processing - ECPU",
    unit: "ECPU Per Hour",
    service: "Database",
    unitPriceNanos: 336_000_000,
  },
  {
    partNumber: "B95706",
    name: "Oracle Autonomous Database Storage",
    unit: "Gigabyte Storage Capacity Per Month",
    service: "Database",
    unitPriceNanos: 115_600_000,
  },
  {
    partNumber: "B93030",
    name: "Load Balancer Base",
    unit: "Load Balancer Hour",
    service: "Load Balancer",
    unitPriceNanos: 11_300_000,
  },
  {
    partNumber: "B93031",
    name: "Load Balancer Bandwidth",
    unit: "Mbps Per Hour",
    service: "Load Balancer",
    unitPriceNanos: 100_000,
  },
  {
    partNumber: "B90617",
    name: "Oracle Functions - Invocations",
    unit: "1,000,000 Function Invocations",
    service: "Functions",
    unitPriceNanos: 200_000_000,
  },
  {
    partNumber: "B90618",
    name: "Oracle Functions - Execution Time",
    unit: "10,000 GB Memory-Seconds",
    service: "Functions",
    unitPriceNanos: 141_700_000,
  },
  {
    partNumber: "B92072",
    name: "API Gateway - 1,000,000 API Calls",
    unit: "1,000,000 API Calls Per Month",
    service: "API Gateway",
    unitPriceNanos: 3_000_000_000,
  },
  {
    partNumber: "B88327",
    name: "Networking - Outbound Data Transfer",
    unit: "Gigabyte Outbound Data Transfer",
    service: "Networking",
    unitPriceNanos: 8_500_000,
  },
  {
    partNumber: "B92593",
    name: "Logging - Storage",
    unit: "Gigabyte Log Storage Per Month",
    service: "Logging",
    unitPriceNanos: 50_000_000,
  },
  {
    partNumber: "B88206",
    name: "Promotional Credit",
    unit: "Credit",
    service: "Credits",
    unitPriceNanos: null,
  },
];
const CREDIT_SKU = SKUS.length - 1;
const skuIndex = (partNumber: string): number => SKUS.findIndex((s) => s.partNumber === partNumber);

type Rule = "rate" | "storage" | "volume";
interface Line {
  sku: number;
  rule: Rule;
}
interface Kind {
  type: string;
  ocidType: string;
  service: string;
  weight: number;
  perAd: boolean;
  lines: readonly Line[];
}

const line = (partNumber: string, rule: Rule): Line => ({ sku: skuIndex(partNumber), rule });

// Instance lines depend on the shape; the kind's lines hold the E4 pair and are swapped per shape.
const SHAPES: readonly { name: string; lines: readonly Line[] }[] = [
  { name: "VM.Standard.E4.Flex", lines: [line("B93113", "rate"), line("B93114", "rate")] },
  { name: "VM.Standard.E5.Flex", lines: [line("B97384", "rate"), line("B97385", "rate")] },
  { name: "VM.Standard.A1.Flex", lines: [line("B93297", "rate"), line("B93298", "rate")] },
];

const K_INSTANCE = 0;
const K_BOOT = 1;
const K_VOLUME = 2;
const K_BUCKET = 3;
const K_ADB = 4;
const K_LB = 5;
const K_FN = 6;
const K_APIGW = 7;
const K_NAT = 8;

/** A kind whose OCID type is its type name. */
const kind = (
  type: string,
  service: string,
  weight: number,
  perAd: boolean,
  lines: readonly Line[],
): Kind => ({
  type,
  ocidType: type,
  service,
  weight,
  perAd,
  lines,
});

const KINDS: readonly Kind[] = [
  kind("instance", "Compute", 26, true, SHAPES[0]!.lines),
  kind("bootvolume", "Block Storage", 14, true, [line("B91961", "storage"), line("B91962", "storage")]),
  kind("volume", "Block Storage", 10, true, [line("B91961", "storage"), line("B91962", "storage")]),
  kind("bucket", "Object Storage", 10, false, [line("B91628", "storage"), line("B91627", "volume")]),
  kind("autonomousdatabase", "Database", 6, false, [line("B95702", "rate"), line("B95706", "storage")]),
  kind("loadbalancer", "Load Balancer", 6, false, [line("B93030", "rate"), line("B93031", "rate")]),
  kind("fnfunc", "Functions", 10, false, [line("B90617", "volume"), line("B90618", "volume")]),
  kind("apigateway", "API Gateway", 5, false, [line("B92072", "volume")]),
  kind("natgateway", "Networking", 6, false, [line("B88327", "volume")]),
  kind("loggroup", "Logging", 7, false, [line("B92593", "storage")]),
];
const KIND_WEIGHTS = KINDS.map((k) => k.weight);
const KIND_TOTAL = KIND_WEIGHTS.reduce((a, b) => a + b, 0);

const REGIONS: readonly { name: string; key: string; adPrefix: string; weight: number }[] = [
  { name: "us-ashburn-1", key: "iad", adPrefix: "US-ASHBURN-AD-", weight: 60 },
  { name: "eu-frankfurt-1", key: "fra", adPrefix: "EU-FRANKFURT-1-AD-", weight: 25 },
  { name: "uk-london-1", key: "lhr", adPrefix: "UK-LONDON-1-AD-", weight: 15 },
];
const REGION_WEIGHTS = REGIONS.map((r) => r.weight);
const ADS_PER_REGION = 3;

// Compartment tree below the tenancy (root). Paths are relative to the root; weight = share of resources.
const COMPARTMENT_TREE: readonly { path: string; weight: number; env: string }[] = [
  { path: "", weight: 2, env: "shared" },
  { path: "prod", weight: 2, env: "prod" },
  { path: "prod/app", weight: 8, env: "prod" },
  { path: "prod/app/web", weight: 14, env: "prod" },
  { path: "prod/app/api", weight: 14, env: "prod" },
  { path: "prod/data", weight: 5, env: "prod" },
  { path: "prod/data/warehouse", weight: 9, env: "prod" },
  { path: "staging", weight: 2, env: "staging" },
  { path: "staging/app", weight: 12, env: "staging" },
  { path: "dev", weight: 2, env: "dev" },
  { path: "dev/sandbox-alice", weight: 7, env: "dev" },
  { path: "dev/sandbox-bob", weight: 7, env: "dev" },
  { path: "shared-services", weight: 2, env: "shared" },
  { path: "shared-services/network", weight: 6, env: "shared" },
  { path: "shared-services/security", weight: 3, env: "shared" },
  { path: "shared-services/observability", weight: 5, env: "shared" },
];
const COMPARTMENT_WEIGHTS = COMPARTMENT_TREE.map((c) => c.weight);
const COMPARTMENT_TOTAL = COMPARTMENT_WEIGHTS.reduce((a, b) => a + b, 0);

const PLATFORMS = ["Linux", "Windows"] as const;

// Tag vocabulary. The special values exercise CSV formula escaping downstream.
export const FORMULA_TAG_VALUE = '=HYPERLINK("http://example.invalid","x")';
const CREATED_BY = [
  "oracleidentitycloudservice/alice@acme.example",
  "oracleidentitycloudservice/bob@acme.example",
  "ci-deployer",
  "terraform-svc",
  FORMULA_TAG_VALUE,
  "@ops-bot",
  "+cloud-ops",
];
const COST_CENTERS = ["CC-1001", "CC-2040", "CC-3300", "CC-4410", "-42"];
const ENVIRONMENTS = ["prod", "staging", "dev", "shared"];
const REGULAR_CREATED_BY = 4;
const REGULAR_COST_CENTERS = 4;
/** The first resource that carries an extra CreatedBy value (0-3 carry the fixed formula-like ones). */
const FIRST_EXTRA_TAGGED = 4;

// Hour-of-day profile of request-driven lines (UTC); storage and provisioned capacity are flat.
const BUSY_PROFILE = [1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3, 2, 2, 2, 1, 1, 1];
const FLAT_PROFILE = new Array<number>(24).fill(1);
const prefix = (profile: readonly number[]): number[] => {
  const out = [0];
  for (const w of profile) out.push(out[out.length - 1]! + w);
  return out;
};
const BUSY_PREFIX = prefix(BUSY_PROFILE);
const FLAT_PREFIX = prefix(FLAT_PROFILE);

// Salts of the hash streams.
const S_KIND = 1;
const S_COMPARTMENT = 2;
const S_REGION = 3;
const S_AD = 4;
const S_SHAPE = 5;
const S_P1 = 6;
const S_P2 = 7;
const S_LIFE = 8;
const S_START = 9;
const S_END = 10;
const S_TAGS = 11;
const S_CREATED = 12;
const S_COST = 13;
const S_MONTH = 14;
const S_DAY = 15;
const S_OCID = 16;
const S_PLATFORM = 17;
const S_CREDIT = 18;
const S_SCRAMBLE = 19;
const S_TENANCY = 20;
const S_COMPARTMENT_ID = 21;

/** Internal numeric description of a resource; one object is reused while iterating. */
interface Spec {
  index: number;
  kind: number;
  compartment: number;
  region: number;
  ad: number;
  platform: number;
  shape: number;
  p1: number;
  p2: number;
  /** Absolute hours since the epoch, [startH, endH). */
  startH: number;
  endH: number;
  tags: readonly number[];
  lines: readonly Line[];
}

function newSpec(): Spec {
  return {
    index: 0,
    kind: 0,
    compartment: 0,
    region: 0,
    ad: -1,
    platform: -1,
    shape: -1,
    p1: 0,
    p2: 0,
    startH: 0,
    endH: 0,
    tags: [],
    lines: [],
  };
}

function newRow(): BaseRow {
  return {
    start: 0,
    end: 0,
    resource: -1,
    service: 0,
    sku: 0,
    compartment: 0,
    region: 0,
    ad: -1,
    platform: -1,
    tags: [],
    amount: 0,
    quantity: 0,
    credit: false,
  };
}

/** T * num / den rounded toward zero in magnitude (floor of |T| share), exact for |T| * den < 2^53. */
function share(total: number, num: number, den: number): number {
  if (total >= 0) return Math.floor((total * num) / den);
  return -Math.floor((-total * num) / den);
}

function parseMonth(month: string): { year: number; month: number } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) throw new Error(`not a month: '${month}'; use YYYY-MM`);
  const year = Number(m[1]);
  const mon = Number(m[2]);
  if (mon < 1 || mon > 12) throw new Error(`not a month: '${month}'; use YYYY-MM`);
  return { year, month: mon };
}

function currentUtcMonth(): string {
  const now = new Date();
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
}

class SyntheticDataset implements Dataset {
  readonly seed: number;
  readonly tenancyId: string;
  readonly tenancyName: string;
  readonly homeRegion = REGIONS[0]!.name;
  readonly currency = "USD" as const;
  /** 'YYYY-MM' from 2025-01 through the current month. */
  readonly months: readonly string[];
  /** ms of the first month's start, and of the end (exclusive) of the last month. */
  readonly timeStart: number;
  readonly timeEnd: number;
  readonly resourceCount: number;
  readonly compartments: readonly Compartment[];
  readonly regions: readonly Region[];
  readonly availabilityDomains: readonly AvailabilityDomain[];
  readonly services: readonly string[];
  readonly skus: readonly Sku[];
  readonly units: readonly string[];
  readonly platforms: readonly string[] = PLATFORMS;
  readonly tags: readonly TagDef[];
  readonly skuUnit: readonly number[];

  /** ms of each month's start, plus the end of the last month. */
  private readonly monthStarts: number[];
  private readonly firstHour: number;
  private readonly lastHour: number;
  private readonly scrambleKey: number;
  private readonly kindService: number[];
  private readonly creditService: number;
  private readonly tagSets = new Map<number, readonly number[]>();
  private readonly createdByTag: number[];
  private readonly costCenterTag: number[];
  private readonly environmentTag: Map<string, number>;
  /** The CreatedBy tag of resource FIRST_EXTRA_TAGGED + i is extraCreatedByTag[i mod its length]. */
  private readonly extraCreatedByTag: number[];
  private readonly dayWeights = new Float64Array(31);

  constructor(opts: DatasetOptions) {
    this.seed = (opts.seed ?? 42) >>> 0;
    const count = opts.resources ?? 60;
    if (!Number.isInteger(count) || count < 0 || count > 2 ** 32 - 1)
      throw new Error(`resources must be an integer in [0, 2^32), got ${count}`);
    this.resourceCount = count;
    this.tenancyName = opts.tenancyName ?? "acme-sandbox";
    const last = parseMonth(opts.currentMonth ?? currentUtcMonth());
    const first = parseMonth(FIRST_MONTH);
    const monthCount = (last.year - first.year) * 12 + (last.month - first.month) + 1;
    if (monthCount < 1) throw new Error(`currentMonth must be ${FIRST_MONTH} or later`);
    this.monthStarts = [];
    const months: string[] = [];
    for (let i = 0; i <= monthCount; i++) {
      const ms = Date.UTC(first.year, first.month - 1 + i, 1);
      this.monthStarts.push(ms);
      if (i < monthCount) months.push(new Date(ms).toISOString().slice(0, 7));
    }
    this.months = months;
    this.timeStart = this.monthStarts[0]!;
    this.timeEnd = this.monthStarts[monthCount]!;
    this.firstHour = this.timeStart / HOUR;
    this.lastHour = this.timeEnd / HOUR;
    this.scrambleKey = hash(this.seed, S_SCRAMBLE, 0);

    this.tenancyId = `ocid1.tenancy.oc1..aaaaaaaa${hashChars(this.seed, S_TENANCY, 0, 52)}`;
    this.compartments = COMPARTMENT_TREE.map((c, index) => {
      const parts = c.path ? c.path.split("/") : [];
      const parentPath = parts.slice(0, -1).join("/");
      return {
        index,
        id:
          index === 0
            ? this.tenancyId
            : `ocid1.compartment.oc1..aaaaaaaa${hashChars(this.seed, S_COMPARTMENT_ID, index, 52)}`,
        name: parts.length ? parts[parts.length - 1]! : this.tenancyName,
        path: [this.tenancyName, ...parts].join("/"),
        parent: index === 0 ? -1 : COMPARTMENT_TREE.findIndex((p) => p.path === parentPath),
        depth: parts.length,
      };
    });
    this.regions = REGIONS.map((r, index) => ({ index, name: r.name, key: r.key }));
    this.availabilityDomains = REGIONS.flatMap((r, region) =>
      Array.from({ length: ADS_PER_REGION }, (_, i) => ({
        index: region * ADS_PER_REGION + i,
        name: `${r.adPrefix}${i + 1}`,
        region,
      })),
    );
    this.skus = SKUS.map((s, index) => ({ ...s, index }));
    this.units = [...new Set(SKUS.map((s) => s.unit))];
    this.skuUnit = SKUS.map((s) => this.units.indexOf(s.unit));
    this.services = [...new Set(SKUS.map((s) => s.service))];
    this.kindService = KINDS.map((k) => this.services.indexOf(k.service));
    this.creditService = this.services.indexOf(SKUS[CREDIT_SKU]!.service);

    const tags: TagDef[] = [];
    const addTag = (namespace: string, key: string, value: string): number => {
      tags.push({ index: tags.length, namespace, key, value });
      return tags.length - 1;
    };
    this.createdByTag = CREATED_BY.map((v) => addTag("Oracle-Tags", "CreatedBy", v));
    this.costCenterTag = COST_CENTERS.map((v) => addTag("finance", "CostCenter", v));
    this.environmentTag = new Map(ENVIRONMENTS.map((v) => [v, addTag("ops", "Environment", v)]));
    const extra = opts.extraTagValues ?? [];
    if (extra.length > 0 && count < FIRST_EXTRA_TAGGED + extra.length) {
      throw new Error(
        `extraTagValues needs resources >= ${FIRST_EXTRA_TAGGED + extra.length} (at least one resource per value), got ${count}`,
      );
    }
    this.extraCreatedByTag = extra.map((v) => addTag("Oracle-Tags", "CreatedBy", v));
    this.tags = tags;
  }

  // -------------------------------------------------------------------------------------------- resources

  private fillSpec(index: number, spec: Spec): Spec {
    const seed = this.seed;
    spec.index = index;
    const kind = weighted(hash(seed, S_KIND, index), KIND_WEIGHTS, KIND_TOTAL);
    spec.kind = kind;
    const k = KINDS[kind]!;
    spec.compartment = weighted(hash(seed, S_COMPARTMENT, index), COMPARTMENT_WEIGHTS, COMPARTMENT_TOTAL);
    spec.region = weighted(hash(seed, S_REGION, index), REGION_WEIGHTS, 100);
    spec.ad = k.perAd ? spec.region * ADS_PER_REGION + (hash(seed, S_AD, index) % ADS_PER_REGION) : -1;
    spec.platform = -1;
    spec.shape = -1;
    spec.lines = k.lines;
    const h1 = hash(seed, S_P1, index);
    const h2 = hash(seed, S_P2, index);
    switch (kind) {
      case K_INSTANCE: {
        spec.shape = weighted(hash(seed, S_SHAPE, index), [45, 30, 25], 100);
        spec.lines = SHAPES[spec.shape]!.lines;
        spec.platform = hash(seed, S_PLATFORM, index) % 100 < 85 ? 0 : 1;
        spec.p1 = [1, 2, 4, 8][h1 % 4]!; // OCPUs
        spec.p2 = spec.p1 * [8, 16][h2 % 2]!; // GB of memory
        break;
      }
      case K_BOOT:
        spec.p1 = 47 + (h1 % 254); // GB
        spec.p2 = 10; // VPUs per GB (balanced)
        break;
      case K_VOLUME:
        spec.p1 = 50 + (h1 % 1999);
        spec.p2 = [10, 20][h2 % 2]!;
        break;
      case K_BUCKET:
        spec.p1 = 10 + (h1 % 4991); // GB in the first month, grows 3% a month
        spec.p2 = 10_000 + (h2 % 4_990_000); // milli-units of 10,000 requests a month
        break;
      case K_ADB:
        spec.p1 = [2, 4, 6, 8, 12][h1 % 5]!; // ECPUs
        spec.p2 = [1024, 2048, 4096][h2 % 3]!; // GB
        break;
      case K_LB:
        spec.p1 = [10, 50, 100, 400][h1 % 4]!; // Mbps
        spec.p2 = 0;
        break;
      case K_FN:
        spec.p1 = 50 + (h1 % 19_951); // milli-units of 1M invocations a month
        spec.p2 = 500 + (h2 % 299_501); // milli-units of 10,000 GB-s a month
        break;
      case K_APIGW:
        spec.p1 = 10 + (h1 % 9_991); // milli-units of 1M calls a month
        spec.p2 = 0;
        break;
      case K_NAT:
        spec.p1 = 5_000 + (h1 % 1_995_001); // milli-GB a month
        spec.p2 = 0;
        break;
      default:
        spec.p1 = 1 + (h1 % 100); // GB of logs
        spec.p2 = 0;
    }

    // Lifetime: most resources live through the whole range; some start later, end earlier, or both.
    const first = this.firstHour;
    const span = this.lastHour - first;
    spec.startH = first;
    spec.endH = this.lastHour;
    if (index >= 4) {
      const life = hash(seed, S_LIFE, index) % 100;
      const u = hash(seed, S_START, index) / 2 ** 32;
      const v = hash(seed, S_END, index) / 2 ** 32;
      if (life >= 55 && life < 75) spec.startH = first + Math.floor(u * 0.9 * span);
      else if (life >= 75 && life < 90) spec.endH = first + 1 + Math.floor((0.1 + 0.9 * v) * (span - 1));
      else if (life >= 90) {
        spec.startH = first + Math.floor(u * 0.8 * span);
        spec.endH = Math.min(this.lastHour, spec.startH + 24 + Math.floor(v * Math.max(1, span / 4)));
      }
    }
    spec.tags = this.tagsOf(index, spec.compartment);
    return spec;
  }

  private tagsOf(index: number, compartment: number): readonly number[] {
    let createdBy = -1;
    let costCenter = -1;
    let env = -1;
    const h = hash(this.seed, S_TAGS, index);
    const untagged = index >= 4 && h % 100 < 8;
    if (!untagged) {
      env = this.environmentTag.get(COMPARTMENT_TREE[compartment]!.env)!;
      const hc = hash(this.seed, S_CREATED, index);
      if (index >= 4 ? hc % 100 < 85 : true) createdBy = this.createdByTag[hc % REGULAR_CREATED_BY]!;
      const hk = hash(this.seed, S_COST, index);
      if (index >= 4 ? hk % 100 < 75 : true) costCenter = this.costCenterTag[hk % REGULAR_COST_CENTERS]!;
      // Fixed residents: values a spreadsheet would run as formulas.
      if (index === 0) createdBy = this.createdByTag[CREATED_BY.indexOf(FORMULA_TAG_VALUE)]!;
      if (index === 1) createdBy = this.createdByTag[CREATED_BY.indexOf("@ops-bot")]!;
      if (index === 2) costCenter = this.costCenterTag[COST_CENTERS.indexOf("-42")]!;
      if (index === 3) createdBy = this.createdByTag[CREATED_BY.indexOf("+cloud-ops")]!;
    }
    const extras = this.extraCreatedByTag;
    if (extras.length > 0 && index >= FIRST_EXTRA_TAGGED) {
      createdBy = extras[(index - FIRST_EXTRA_TAGGED) % extras.length]!;
    }
    const key = (createdBy + 1) * 10_000 + (costCenter + 1) * 100 + (env + 1);
    let set = this.tagSets.get(key);
    if (!set) {
      set = Object.freeze([createdBy, costCenter, env].filter((t) => t >= 0).sort((a, b) => a - b));
      this.tagSets.set(key, set);
    }
    return set;
  }

  resourceId(index: number): string {
    this.checkIndex(index);
    const kind = KINDS[weighted(hash(this.seed, S_KIND, index), KIND_WEIGHTS, KIND_TOTAL)]!;
    const region = REGIONS[weighted(hash(this.seed, S_REGION, index), REGION_WEIGHTS, 100)]!;
    const codes = encode32(scramble(index, this.scrambleKey), [BASE32_CODES[0]!]);
    return `ocid1.${kind.ocidType}.oc1.${region.key}.${String.fromCharCode(...hashCodes(this.seed, S_OCID, index, 52, codes))}`;
  }

  resourceIndexOf(id: string): number {
    const m = /^ocid1\.[a-z]+\.oc1\.[a-z]+\.a([a-z2-7]{7})[a-z2-7]{52}$/.exec(id);
    if (!m) return -1;
    const scrambled = decode32(m[1]!);
    if (scrambled < 0 || scrambled > 0xffffffff) return -1;
    const index = unscramble(scrambled, this.scrambleKey);
    if (index >= this.resourceCount) return -1;
    return this.resourceId(index) === id ? index : -1;
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.resourceCount) {
      throw new RangeError(`resource index ${index} is outside [0, ${this.resourceCount})`);
    }
  }

  resource(index: number): Resource {
    this.checkIndex(index);
    const spec = this.fillSpec(index, newSpec());
    const kind = KINDS[spec.kind]!;
    const compartment = this.compartments[spec.compartment]!;
    return {
      index,
      id: this.resourceId(index),
      type: kind.type,
      service: kind.service,
      compartmentId: compartment.id,
      compartmentPath: compartment.path,
      region: REGIONS[spec.region]!.name,
      availabilityDomain: spec.ad >= 0 ? this.availabilityDomains[spec.ad]!.name : null,
      shape: spec.shape >= 0 ? SHAPES[spec.shape]!.name : null,
      platform: spec.platform >= 0 ? PLATFORMS[spec.platform]! : null,
      timeCreated: new Date(spec.startH * HOUR).toISOString(),
      timeDeleted: spec.endH < this.lastHour ? new Date(spec.endH * HOUR).toISOString() : null,
      tags: spec.tags.map((t) => {
        const { namespace, key, value } = this.tags[t]!;
        return { namespace, key, value };
      }),
      skuPartNumbers: spec.lines.map((l) => SKUS[l.sku]!.partNumber),
    };
  }

  *resources(): IterableIterator<Resource> {
    for (let i = 0; i < this.resourceCount; i++) yield this.resource(i);
  }

  // -------------------------------------------------------------------------------------------- figures

  private monthIndexOf(ms: number): number {
    const d = new Date(ms);
    return (d.getUTCFullYear() - 2025) * 12 + d.getUTCMonth();
  }

  private monthIndex(month: string): number {
    const i = this.months.indexOf(month);
    if (i < 0)
      throw new RangeError(
        `month ${month} is outside the data set (${this.months[0]}..${this.months.at(-1)})`,
      );
    return i;
  }

  /** Monthly quantity of a line in milli-units, given the resource's active hours in the month. */
  private quantityMilli(
    spec: Spec,
    lineNo: number,
    rule: Rule,
    m: number,
    activeH: number,
    monthH: number,
  ): number {
    const seed = this.seed;
    switch (rule) {
      case "rate": {
        let perHour: number;
        if (spec.kind === K_INSTANCE) perHour = (lineNo === 0 ? spec.p1 : spec.p2) * 1000;
        else if (spec.kind === K_ADB)
          perHour = spec.p1 * (4 + (hash(seed, S_MONTH, spec.index, lineNo, m) % 3)) * 250;
        else if (spec.kind === K_LB) perHour = lineNo === 0 ? 1000 : spec.p1 * 1000;
        else perHour = 1000;
        return perHour * activeH;
      }
      case "storage": {
        let gb: number;
        if (spec.kind === K_BOOT || spec.kind === K_VOLUME) gb = lineNo === 0 ? spec.p1 : spec.p1 * spec.p2;
        else if (spec.kind === K_BUCKET) gb = Math.floor((spec.p1 * (100 + 3 * m)) / 100);
        else if (spec.kind === K_ADB) gb = spec.p2;
        else gb = spec.p1;
        return Math.round((gb * 1000 * activeH) / monthH);
      }
      default: {
        const base = lineNo === 0 ? spec.p1 : spec.p2;
        const variation = 80 + (hash(seed, S_MONTH, spec.index, lineNo, m) % 41);
        return Math.round((base * variation * activeH) / (100 * monthH));
      }
    }
  }

  /** Monthly amount in micro-USD of a quantity in milli-units at a price in nano-USD. */
  private amountMicros(quantityMilli: number, priceNanos: number): number {
    const x = quantityMilli * priceNanos;
    if (x > MAX_EXACT)
      throw new RangeError("monthly line exceeds the exact range; the catalogue is out of bounds");
    return Math.round(x / 1_000_000);
  }

  private creditMicros(m: number): number {
    // -$40.00 .. -$59.99 a month, whole cents.
    return -(4000 + (hash(this.seed, S_CREDIT, m) % 2000)) * 10_000;
  }

  /** Weight of each day of month m for a line, into this.dayWeights; returns the month's total weight. */
  private fillDayWeights(spec: Spec, lineNo: number, busy: boolean, m: number): number {
    const monthStartH = this.monthStarts[m]! / HOUR;
    const days = (this.monthStarts[m + 1]! - this.monthStarts[m]!) / DAY;
    const pre = busy ? BUSY_PREFIX : FLAT_PREFIX;
    let total = 0;
    for (let d = 0; d < days; d++) {
      const dayH = monthStartH + d * 24;
      const lo = Math.max(spec.startH, dayH) - dayH;
      const hi = Math.min(spec.endH, dayH + 24) - dayH;
      let w = 0;
      if (hi > lo) {
        w = pre[hi]! - pre[lo]!;
        if (busy) w *= this.dayFactor(spec.index, lineNo, dayH / 24);
      }
      this.dayWeights[d] = w;
      total += w;
    }
    return total;
  }

  private dayFactor(index: number, lineNo: number, absDay: number): number {
    const h = hash(this.seed, S_DAY, index, lineNo, absDay);
    const weekday = (absDay + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
    return weekday === 0 || weekday === 6 ? 1 + (h % 2) : 2 + (h % 3);
  }

  forEachRow(window: RowWindow, visit: (row: Readonly<BaseRow>) => void): void {
    const align = window.granularity === "HOURLY" ? HOUR : DAY;
    if (window.start % align !== 0 || window.end % align !== 0) {
      throw new RangeError(
        `window bounds must be whole ${window.granularity === "HOURLY" ? "hours" : "UTC days"}`,
      );
    }
    const start = Math.max(window.start, this.timeStart);
    const end = Math.min(window.end, this.timeEnd);
    if (start >= end) return;
    const firstMonth = this.monthIndexOf(start);
    const lastMonth = this.monthIndexOf(end - 1);
    const startH = start / HOUR;
    const endH = end / HOUR;
    const row = newRow();

    if (window.usage !== false) {
      const spec = newSpec();
      row.credit = false;
      for (let r = 0; r < this.resourceCount; r++) {
        this.fillSpec(r, spec);
        if (spec.endH <= startH || spec.startH >= endH) continue;
        row.resource = r;
        row.service = this.kindService[spec.kind]!;
        row.compartment = spec.compartment;
        row.region = spec.region;
        row.ad = spec.ad;
        row.platform = spec.platform;
        row.tags = spec.tags;
        const m0 = Math.max(firstMonth, this.monthIndexOf(spec.startH * HOUR));
        const m1 = Math.min(lastMonth, this.monthIndexOf((spec.endH - 1) * HOUR));
        for (let m = m0; m <= m1; m++) {
          const monthStartH = this.monthStarts[m]! / HOUR;
          const monthH = this.monthStarts[m + 1]! / HOUR - monthStartH;
          const activeH = Math.min(spec.endH, monthStartH + monthH) - Math.max(spec.startH, monthStartH);
          if (activeH <= 0) continue;
          for (let l = 0; l < spec.lines.length; l++) {
            const ln = spec.lines[l]!;
            const qMilli = this.quantityMilli(spec, l, ln.rule, m, activeH, monthH);
            row.sku = ln.sku;
            const amount = this.amountMicros(qMilli, SKUS[ln.sku]!.unitPriceNanos!);
            this.emit(
              row,
              spec,
              l,
              ln.rule === "volume",
              m,
              amount,
              qMilli * 1000,
              start,
              end,
              window.granularity,
              visit,
            );
          }
        }
      }
    }

    if (window.credits !== false) {
      const credit = newSpec();
      credit.index = -1;
      credit.startH = this.firstHour;
      credit.endH = this.lastHour;
      row.credit = true;
      row.resource = -1;
      row.service = this.creditService;
      row.sku = CREDIT_SKU;
      row.compartment = 0;
      row.region = 0;
      row.ad = -1;
      row.platform = -1;
      row.tags = [];
      for (let m = firstMonth; m <= lastMonth; m++) {
        this.emit(row, credit, 0, false, m, this.creditMicros(m), 0, start, end, window.granularity, visit);
      }
    }
  }

  /** Split one monthly figure of a line over the part of month m inside [start, end) and visit the rows. */
  private emit(
    row: BaseRow,
    spec: Spec,
    lineNo: number,
    busy: boolean,
    m: number,
    amount: number,
    quantity: number,
    start: number,
    end: number,
    granularity: Granularity,
    visit: (row: Readonly<BaseRow>) => void,
  ): void {
    const monthStart = this.monthStarts[m]!;
    const monthEnd = this.monthStarts[m + 1]!;
    const a = Math.max(start, monthStart);
    const b = Math.min(end, monthEnd);
    if (granularity === "MONTHLY" && a === monthStart && b === monthEnd) {
      row.start = monthStart;
      row.end = monthEnd;
      row.amount = amount;
      row.quantity = quantity;
      visit(row);
      return;
    }
    const total = this.fillDayWeights(spec, lineNo, busy, m);
    if (total === 0) return;
    if (Math.abs(amount) * total > MAX_EXACT || quantity * total > MAX_EXACT)
      throw new RangeError("split out of exact range");
    const weights = this.dayWeights;
    const d0 = Math.floor((a - monthStart) / DAY);
    const d1 = Math.ceil((b - monthStart) / DAY);
    let cum = 0;
    for (let d = 0; d < d0; d++) cum += weights[d]!;

    if (granularity === "MONTHLY") {
      let inside = 0;
      for (let d = d0; d < d1; d++) inside += weights[d]!;
      if (inside === 0) return;
      row.start = a;
      row.end = b;
      row.amount = share(amount, cum + inside, total) - share(amount, cum, total);
      row.quantity = share(quantity, cum + inside, total) - share(quantity, cum, total);
      visit(row);
      return;
    }

    const pre = busy ? BUSY_PREFIX : FLAT_PREFIX;
    const profile = busy ? BUSY_PROFILE : FLAT_PROFILE;
    for (let d = d0; d < d1; d++) {
      const w = weights[d]!;
      if (w === 0) continue;
      const dayAmount = share(amount, cum + w, total) - share(amount, cum, total);
      const dayQuantity = share(quantity, cum + w, total) - share(quantity, cum, total);
      cum += w;
      const dayStart = monthStart + d * DAY;
      if (granularity === "DAILY") {
        row.start = dayStart;
        row.end = dayStart + DAY;
        row.amount = dayAmount;
        row.quantity = dayQuantity;
        visit(row);
        continue;
      }
      // HOURLY: the day's weight w is factor * (sum of the profile over its active hours).
      const dayH = dayStart / HOUR;
      const lo = Math.max(spec.startH, dayH) - dayH;
      const hi = Math.min(spec.endH, dayH + 24) - dayH;
      const factor = w / (pre[hi]! - pre[lo]!);
      const h0 = Math.max(lo, (a - dayStart) / HOUR);
      const h1 = Math.min(hi, (b - dayStart) / HOUR);
      let hourCum = (pre[h0]! - pre[lo]!) * factor;
      for (let h = h0; h < h1; h++) {
        const hw = profile[h]! * factor;
        row.start = dayStart + h * HOUR;
        row.end = row.start + HOUR;
        row.amount = share(dayAmount, hourCum + hw, w) - share(dayAmount, hourCum, w);
        row.quantity = share(dayQuantity, hourCum + hw, w) - share(dayQuantity, hourCum, w);
        hourCum += hw;
        visit(row);
      }
    }
  }

  rows(window: RowWindow): BaseRow[] {
    const out: BaseRow[] = [];
    this.forEachRow(window, (row) => out.push({ ...row }));
    return out;
  }

  // -------------------------------------------------------------------------------------------- truth

  totalMicrosExact(month: string, kind: TotalKind = "COST"): bigint {
    const m = this.monthIndex(month);
    let exact = 0n;
    let running = 0;
    const add = (v: number): void => {
      const next = running + v;
      if (Math.abs(next) > MAX_EXACT) {
        exact += BigInt(running);
        running = v;
      } else running = next;
    };
    if (kind !== "CREDIT") {
      const spec = newSpec();
      const monthStartH = this.monthStarts[m]! / HOUR;
      const monthH = this.monthStarts[m + 1]! / HOUR - monthStartH;
      for (let r = 0; r < this.resourceCount; r++) {
        this.fillSpec(r, spec);
        const activeH = Math.min(spec.endH, monthStartH + monthH) - Math.max(spec.startH, monthStartH);
        if (activeH <= 0) continue;
        for (let l = 0; l < spec.lines.length; l++) {
          const ln = spec.lines[l]!;
          const q = this.quantityMilli(spec, l, ln.rule, m, activeH, monthH);
          add(kind === "USAGE" ? q * 1000 : this.amountMicros(q, SKUS[ln.sku]!.unitPriceNanos!));
        }
      }
    }
    if (kind !== "USAGE") add(this.creditMicros(m));
    return exact + BigInt(running);
  }

  totalMicros(month: string, kind: TotalKind = "COST"): number {
    const exact = this.totalMicrosExact(month, kind);
    if (exact > BigInt(MAX_EXACT) || exact < -BigInt(MAX_EXACT)) {
      throw new RangeError(`the ${kind} total of ${month} exceeds 2^53 micro-units; use totalMicrosExact`);
    }
    return Number(exact);
  }

  lineCount(month: string): number {
    const m = this.monthIndex(month);
    const monthStartH = this.monthStarts[m]! / HOUR;
    const monthEndH = this.monthStarts[m + 1]! / HOUR;
    const spec = newSpec();
    let count = 1; // the month's credit line
    for (let r = 0; r < this.resourceCount; r++) {
      this.fillSpec(r, spec);
      if (spec.endH > monthStartH && spec.startH < monthEndH) count += spec.lines.length;
    }
    return count;
  }
}

/** The sandbox's data set: deterministic from the seed, whole months from 2025-01 through currentMonth. */
export function createDataset(opts: DatasetOptions = {}): Dataset {
  return new SyntheticDataset(opts);
}
