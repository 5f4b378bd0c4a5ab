import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  createMasker,
  secretForms
} from "./chunk-LWWDIQQV.js";
import {
  DEFAULT_TIMEOUTS,
  RetryDeadlineError,
  RetryableHttpError,
  classifyForRetry,
  createAgent,
  isRetryableStatus,
  parseRetryAfter,
  readBody,
  realSleep,
  require_undici,
  withRetry
} from "./chunk-QRUMXL3U.js";
import {
  InputProblems,
  booleanInput,
  input,
  inputDefaults,
  inputNames,
  oneOf,
  optional,
  readInputTable,
  required,
  secureUrl,
  singleLine,
  splitList,
  wholeNumber
} from "./chunk-TEULXIZG.js";
import {
  InputError,
  UserFacingError,
  __toESM,
  quote,
  sanitizeServerText
} from "./chunk-OUAI6Q5P.js";

// src/lib/money.ts
var ZERO = Object.freeze({ coef: 0n, scale: 0 });
var MAX_EXPONENT = 400;
var DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
var POW10 = [];
function pow10(n) {
  if (n < 64) {
    let cached = POW10[n];
    if (cached === void 0) {
      cached = 10n ** BigInt(n);
      POW10[n] = cached;
    }
    return cached;
  }
  return 10n ** BigInt(n);
}
function normalize(coef, scale) {
  if (coef === 0n) return ZERO;
  while (scale > 0 && coef % 10n === 0n) {
    coef /= 10n;
    scale--;
  }
  return { coef, scale };
}
function parseDecimal(value) {
  let text2;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
    text2 = String(value);
  } else if (typeof value === "string") {
    text2 = value.trim();
  } else {
    throw new TypeError(`not a number or decimal string: ${typeof value}`);
  }
  const m = DECIMAL_TEXT.exec(text2);
  const intPart = m?.[2] ?? "";
  const fracPart = m?.[3] ?? "";
  if (!m || intPart === "" && fracPart === "") {
    throw new RangeError(`not a decimal number: '${text2.length > 40 ? `${text2.slice(0, 40)}\u2026` : text2}'`);
  }
  const exponent = m[4] === void 0 ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT) {
    throw new RangeError(`exponent out of range: '${text2}'`);
  }
  let coef = BigInt(`${intPart}${fracPart}` || "0");
  if (m[1] === "-") coef = -coef;
  let scale = fracPart.length - exponent;
  if (scale < 0) {
    coef *= pow10(-scale);
    scale = 0;
  }
  return normalize(coef, scale);
}
function align(a, b) {
  if (a.scale === b.scale) return [a.coef, b.coef, a.scale];
  if (a.scale > b.scale) return [a.coef, b.coef * pow10(a.scale - b.scale), a.scale];
  return [a.coef * pow10(b.scale - a.scale), b.coef, b.scale];
}
function add(a, b) {
  if (b.coef === 0n) return a;
  if (a.coef === 0n) return b;
  const [x, y, scale] = align(a, b);
  return normalize(x + y, scale);
}
function negate(a) {
  return a.coef === 0n ? ZERO : { coef: -a.coef, scale: a.scale };
}
function subtract(a, b) {
  return add(a, negate(b));
}
function multiply(a, b) {
  return normalize(a.coef * b.coef, a.scale + b.scale);
}
function abs(a) {
  return a.coef < 0n ? negate(a) : a;
}
function compare(a, b) {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}
function digitsWithPoint(absCoef, scale) {
  const digits = absCoef.toString();
  if (scale === 0) return digits;
  const padded = digits.padStart(scale + 1, "0");
  return `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
}
function formatExact(a) {
  const sign = a.coef < 0n ? "-" : "";
  return sign + digitsWithPoint(a.coef < 0n ? -a.coef : a.coef, a.scale);
}
function roundAbs(absCoef, drop) {
  const factor = pow10(drop);
  const quotient = absCoef / factor;
  const remainder = absCoef % factor;
  return remainder * 2n >= factor ? quotient + 1n : quotient;
}
function formatFixed(a, decimals) {
  if (!Number.isInteger(decimals) || decimals < 0) throw new RangeError(`bad decimals: ${decimals}`);
  const negative = a.coef < 0n;
  let absCoef = negative ? -a.coef : a.coef;
  if (a.scale > decimals) absCoef = roundAbs(absCoef, a.scale - decimals);
  else absCoef *= pow10(decimals - a.scale);
  const text2 = digitsWithPoint(absCoef, decimals);
  return negative && absCoef !== 0n ? `-${text2}` : text2;
}
function divide(a, b, decimals) {
  if (b.coef === 0n) return void 0;
  const numerator = a.coef * pow10(b.scale + decimals + 1);
  const denominator = b.coef * pow10(a.scale);
  let q = numerator / denominator;
  const negative = q < 0n;
  if (negative) q = -q;
  q = roundAbs(q, 1);
  return normalize(negative ? -q : q, decimals);
}
function fromSafeInteger(coef, scale) {
  return coef === 0 ? ZERO : normalize(BigInt(coef), scale);
}
var MAX_SAFE = Number.MAX_SAFE_INTEGER;
var POW10_NUMBER = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
function smallDecimalParts(value, out) {
  if (!Number.isFinite(value)) return false;
  if (Number.isInteger(value)) {
    if (Math.abs(value) > MAX_SAFE) return false;
    out.coef = value === 0 ? 0 : value;
    out.scale = 0;
    return true;
  }
  const text2 = String(value);
  const dot = text2.indexOf(".");
  if (dot < 0 || text2.length > 17 || text2.includes("e")) return false;
  const digits = text2.length - 1 - (value < 0 ? 1 : 0);
  if (digits > 15) return false;
  out.coef = Number(text2.slice(0, dot) + text2.slice(dot + 1));
  out.scale = text2.length - dot - 1;
  return true;
}
var ExactSum = class {
  small = 0;
  scale = 0;
  carried = ZERO;
  /** Add a coefficient at a scale (value = coef / 10^scale); coef must be a safe integer. */
  addParts(coef, scale) {
    if (coef === 0) return;
    if (scale > this.scale) {
      const scaled = this.small * (POW10_NUMBER[scale - this.scale] ?? Number.POSITIVE_INFINITY);
      if (Math.abs(scaled) > MAX_SAFE) this.spill();
      else this.small = scaled;
      this.scale = scale;
    } else if (scale < this.scale) {
      const scaled = coef * (POW10_NUMBER[this.scale - scale] ?? Number.POSITIVE_INFINITY);
      if (Math.abs(scaled) > MAX_SAFE) {
        this.carried = add(this.carried, fromSafeInteger(coef, scale));
        return;
      }
      coef = scaled;
    }
    const next = this.small + coef;
    if (Math.abs(next) > MAX_SAFE) {
      this.spill();
      this.small = coef;
    } else this.small = next;
  }
  addDecimal(value) {
    this.carried = add(this.carried, value);
  }
  get value() {
    return add(this.carried, fromSafeInteger(this.small, this.scale));
  }
  spill() {
    this.carried = add(this.carried, fromSafeInteger(this.small, this.scale));
    this.small = 0;
  }
};

// src/lib/usage-api.ts
var GROUP_BY_DIMENSIONS = [
  "tagNamespace",
  "tagKey",
  "tagValue",
  "service",
  "skuName",
  "skuPartNumber",
  "unit",
  "compartmentName",
  "compartmentPath",
  "compartmentId",
  "platform",
  "region",
  "logicalAd",
  "resourceId",
  "tenantId",
  "tenantName"
];

// src/report/columns.ts
var TAG_DIMENSIONS = {
  tagNamespace: "namespace",
  tagKey: "key",
  tagValue: "value"
};
function text(value) {
  if (value === null || value === void 0) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
function numeric(value) {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && value.trim() !== "") return value;
  return null;
}
function tagsOf(item) {
  const tags = item.tags;
  return Array.isArray(tags) ? tags.filter((t) => t !== null && typeof t === "object") : [];
}
function tagColumnName(tag) {
  return `tag:${tag.namespace}.${tag.key}`;
}
function field(name) {
  return { name, kind: "text", value: (item) => text(item[name]), reads: { field: name } };
}
function numberField(name) {
  return { name, kind: "number", value: (item) => numeric(item[name]), reads: { field: name } };
}
function dimensionColumn(dimension) {
  const tagField = TAG_DIMENSIONS[dimension];
  if (tagField) return { name: dimension, kind: "text", value: (item) => text(tagsOf(item)[0]?.[tagField]) };
  return field(dimension);
}
function tagValueColumn(tag) {
  return {
    name: tagColumnName(tag),
    kind: "text",
    value: (item) => text(tagsOf(item).find((t) => t.namespace === tag.namespace && t.key === tag.key)?.value)
  };
}
function reportColumns(shape) {
  const columns = [
    { name: "month", kind: "text", value: (_item, ctx) => ctx.month, reads: "context" },
    field("timeUsageStarted"),
    field("timeUsageEnded")
  ];
  const seen = /* @__PURE__ */ new Set();
  for (const dimension of shape.groupBy) {
    if (seen.has(dimension)) continue;
    seen.add(dimension);
    columns.push(dimensionColumn(dimension));
  }
  if (shape.groupByTag) columns.push(tagValueColumn(shape.groupByTag));
  columns.push(numberField("computedAmount"), numberField("computedQuantity"));
  if (!seen.has("unit")) columns.push(field("unit"));
  columns.push(field("currency"));
  return columns;
}
function rowValues(columns, item, ctx) {
  const values = new Array(columns.length);
  for (let i = 0; i < columns.length; i++) values[i] = columns[i].value(item, ctx);
  return values;
}

// src/report/commit.ts
import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
var BOT_NAME = "github-actions[bot]";
var BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com";
var DEFAULT_PUSH_ATTEMPTS = 5;
var runGit = (args, cwd, env) => new Promise((resolve, reject) => {
  execFile(
    "git",
    args,
    {
      cwd,
      env: { ...process.env, ...env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", LANG: "C" },
      maxBuffer: 16 << 20,
      windowsHide: true
    },
    (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") {
        reject(new UserFacingError(`could not run git: ${err.message}`));
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    }
  );
});
function redactGitOutput(text2) {
  const line = text2.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, "$1***@").replace(/(authorization:\s*)(basic|bearer)\s+\S+/gi, "$1$2 ***").split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("hint:")).slice(-3).join(" / ");
  return line.length > 300 ? `${line.slice(0, 299)}\u2026` : line;
}
var IDENTITY = [
  "-c",
  `user.name=${BOT_NAME}`,
  "-c",
  `user.email=${BOT_EMAIL}`,
  "-c",
  "commit.gpgsign=false"
];
var BOT_ENV = {
  GIT_AUTHOR_NAME: BOT_NAME,
  GIT_AUTHOR_EMAIL: BOT_EMAIL,
  GIT_COMMITTER_NAME: BOT_NAME,
  GIT_COMMITTER_EMAIL: BOT_EMAIL
};
function isNonFastForward(stderr) {
  return /\[rejected\]|non-fast-forward|fetch first|cannot lock ref|failed to update ref|incorrect old value/i.test(
    stderr
  );
}
function isValidBranchName(name) {
  return name.length > 0 && name.length <= 255 && !name.startsWith("-") && !name.startsWith("/") && !name.endsWith("/") && !name.endsWith(".") && !name.endsWith(".lock") && !name.includes("..") && !name.includes("//") && !name.includes("@{") && name !== "@" && !/[\u0000-\u0020\u007f~^:?*[\\]/.test(name) && !name.split("/").some((part) => part.startsWith("."));
}
var Git = class {
  constructor(cwd, run) {
    this.cwd = cwd;
    this.run = run;
  }
  cwd;
  run;
  async ok(args, what, env) {
    const result = await this.run(args, this.cwd, env);
    if (result.code !== 0) {
      throw new UserFacingError(
        `${what} failed (git exit ${result.code}): ${redactGitOutput(result.stderr || result.stdout)}`
      );
    }
    return result.stdout.trim();
  }
  try(args, env) {
    return this.run(args, this.cwd, env);
  }
};
var BranchMoved = class extends Error {
  name = "BranchMoved";
};
async function commitReports(options) {
  const git = new Git(options.cwd, options.git ?? runGit);
  if (options.paths.length === 0) return void 0;
  const current = await git.try(["symbolic-ref", "--quiet", "--short", "HEAD"]);
  const currentBranch = current.code === 0 ? current.stdout.trim() : void 0;
  const branch = options.branch?.trim() || currentBranch;
  if (!branch) {
    throw new UserFacingError(
      "cannot commit: HEAD is detached (no current branch); set input 'commit-branch' to the branch to push to"
    );
  }
  if (!isValidBranchName(branch))
    throw new UserFacingError(`input 'commit-branch': '${branch}' is not a valid branch name`);
  const attempts = options.maxPushAttempts ?? DEFAULT_PUSH_ATTEMPTS;
  const run = {
    git,
    options,
    branch,
    remote: options.remote ?? "origin",
    attempts,
    log: options.log ?? (() => {
    }),
    retryPush: (attempt) => withRetry(attempt, (err) => ({ retry: err instanceof BranchMoved }), {
      maxAttempts: attempts,
      baseMs: 500,
      maxDelayMs: 5e3,
      sleep: options.sleep ?? realSleep,
      random: options.random ?? Math.random
    })
  };
  return branch === currentBranch ? commitToCurrentBranch(run) : commitToOtherBranch(run);
}
async function pushOnce(run, source, attempt, exhausted) {
  const { git, remote, branch } = run;
  const push = await git.try(["push", "--porcelain", remote, `${source}:refs/heads/${branch}`]);
  if (push.code === 0) return true;
  const output = `${push.stderr}
${push.stdout}`;
  if (!isNonFastForward(output)) {
    throw new UserFacingError(`git push to '${branch}' failed: ${redactGitOutput(output)}`);
  }
  if (attempt >= run.attempts) throw new UserFacingError(exhausted);
  return false;
}
async function commitToCurrentBranch(run) {
  const { git, options, branch, remote, attempts, log } = run;
  await git.ok(["add", "--", ...options.paths], "git add");
  const staged = await git.try(["diff", "--cached", "--quiet", "--", ...options.paths]);
  if (staged.code === 0) {
    if (!await hasUnpushedCommits(run)) {
      log("report files unchanged: nothing to commit");
      return void 0;
    }
    log(
      `report files unchanged, but '${branch}' has commits ${remote} lacks (an interrupted earlier run): pushing them`
    );
  } else {
    if (staged.code !== 1) throw new UserFacingError(`git diff failed: ${redactGitOutput(staged.stderr)}`);
    await git.ok(
      [...IDENTITY, "commit", "--no-verify", "--quiet", "-m", options.message, "--", ...options.paths],
      "git commit"
    );
  }
  const exhausted = `git push to '${branch}' was still rejected after ${attempts} attempts (other commits keep arriving); serialise report jobs with a concurrency group`;
  return run.retryPush(async (attempt) => {
    if (await pushOnce(run, "HEAD", attempt, exhausted))
      return git.ok(["rev-parse", "HEAD"], "git rev-parse");
    log(`push rejected (the branch moved); rebasing on ${remote}/${branch} (attempt ${attempt}/${attempts})`);
    const pull = await git.try([...IDENTITY, "pull", "--rebase", "--autostash", "--no-edit", remote, branch]);
    if (pull.code !== 0) {
      await git.try(["rebase", "--abort"]);
      throw new UserFacingError(
        `git pull --rebase from '${branch}' failed and was aborted: ${redactGitOutput(pull.stderr || pull.stdout)}`
      );
    }
    throw new BranchMoved();
  });
}
async function hasUnpushedCommits(run) {
  const tracking = `refs/remotes/${run.remote}/${run.branch}`;
  const ahead = await run.git.try(["rev-list", "--count", `${tracking}..HEAD`, "--"]);
  return ahead.code === 0 && Number(ahead.stdout.trim()) > 0;
}
async function commitToOtherBranch(run) {
  const { git, branch, remote, attempts, log } = run;
  const gitDir = await git.ok(["rev-parse", "--absolute-git-dir"], "git rev-parse");
  const index = `${gitDir}/usage-report-index-${process.pid}`;
  const env = { ...BOT_ENV, GIT_INDEX_FILE: index };
  const exhausted = `git push to '${branch}' was still rejected after ${attempts} attempts`;
  try {
    return await run.retryPush(async (attempt) => {
      const sha = await commitOnRemoteTip(run, env);
      if (sha === void 0 || await pushOnce(run, sha, attempt, exhausted)) return sha;
      log(
        `push rejected (the branch moved); rebuilding on ${remote}/${branch} (attempt ${attempt}/${attempts})`
      );
      throw new BranchMoved();
    });
  } finally {
    await rm(index, { force: true });
  }
}
async function commitOnRemoteTip(run, env) {
  const { git, options, branch, remote, log } = run;
  const tracking = `refs/remotes/${remote}/${branch}`;
  const fetch = await git.try(["fetch", "--quiet", "--no-tags", remote, `+refs/heads/${branch}:${tracking}`]);
  const remoteMissing = fetch.code !== 0 && /couldn't find remote ref/i.test(fetch.stderr);
  if (fetch.code !== 0 && !remoteMissing) {
    throw new UserFacingError(`git fetch of '${branch}' failed: ${redactGitOutput(fetch.stderr)}`);
  }
  const parent = remoteMissing ? void 0 : await git.ok(["rev-parse", tracking], "git rev-parse");
  await git.ok(parent ? ["read-tree", parent] : ["read-tree", "--empty"], "git read-tree", env);
  await git.ok(["add", "--", ...options.paths], "git add", env);
  const tree = await git.ok(["write-tree"], "git write-tree", env);
  if (parent && tree === await git.ok(["rev-parse", `${parent}^{tree}`], "git rev-parse")) {
    log(`report files unchanged on '${branch}': nothing to commit`);
    return void 0;
  }
  return git.ok(
    ["commit-tree", tree, ...parent ? ["-p", parent] : [], "-m", options.message],
    "git commit-tree",
    env
  );
}

// src/report/focus.ts
var FOCUS_VERSIONS = ["1.2"];
function focusGroupBy(reportGroupBy) {
  const groupBy = [
    "tenantId",
    "tenantName",
    "service",
    "skuPartNumber",
    "skuName",
    "unit",
    "compartmentId",
    "compartmentName",
    "compartmentPath",
    "region"
  ];
  if (reportGroupBy.includes("resourceId")) groupBy.push("resourceId");
  return groupBy;
}
var CATEGORY_RULES = [
  [
    /generativeai|aiservice|language|vision|speech|datascience|digitalassistant|machinelearning|documentunderstanding/,
    "AI and Machine Learning"
  ],
  [/analytics|dataflow|bigdata|datacatalog|dataintegration|goldengate|datalabeling/, "Analytics"],
  [/database|autonomous|exadata|mysql|nosql|postgres|heatwave|opensearch|cache|redis/, "Databases"],
  [/apigateway|integration|streaming|queue|notification|events|connectorhub|serviceconnector/, "Integration"],
  [/blockstorage|objectstorage|filestorage|archive|storage|backup|volume/, "Storage"],
  [
    /network|vcn|loadbalancer|fastconnect|dns|vpn|bandwidth|datatransfer|egress|natgateway|gateway/,
    "Networking"
  ],
  [/vault|keymanagement|kms|waf|firewall|cloudguard|bastion|certificate|security|scanning/, "Security"],
  [/identity|iam|idcs|accessgovernance/, "Identity"],
  [
    /monitoring|logging|audit|observability|apm|resourcemanager|operationsinsights|management|governance|budget|cost/,
    "Management and Governance"
  ],
  [/devops|registry|artifact|codeeditor|apex/, "Developer Tools"],
  [/compute|function|container|kubernetes|oke|instance|baremetal|vmware|gpu|batch/, "Compute"],
  [/mediaservice|media|streamingvideo/, "Media"],
  [/iot|internetofthings/, "Internet of Things"],
  [/migration|databasemigration/, "Migration"],
  [/email|webapp|visualbuilder|web/, "Web"]
];
var SUBCATEGORY_RULES = {
  "AI and Machine Learning": [
    [/generativeai/, "Generative AI"],
    [/language|speech|documentunderstanding/, "Natural Language Processing"],
    [/digitalassistant/, "Bots"],
    [/datascience|machinelearning/, "Machine Learning"],
    [/aiservice|vision/, "AI Platforms"]
  ],
  Analytics: [
    [/dataflow|bigdata|dataintegration|goldengate/, "Data Processing"],
    [/analytics/, "Business Intelligence"]
  ],
  Databases: [
    [/nosql/, "NoSQL Databases"],
    [/cache|redis/, "Caching"],
    [/exadata|autonomousdatawarehouse|heatwave/, "Data Warehouses"],
    [/database|autonomous|mysql|postgres/, "Relational Databases"]
  ],
  Integration: [
    [/apigateway/, "API Management"],
    [/streaming|queue|notification|events/, "Messaging"],
    [/integration|connectorhub|serviceconnector/, "Workflow Orchestration"]
  ],
  Storage: [
    [/backup/, "Backup Storage"],
    [/objectstorage|archive/, "Object Storage"],
    [/filestorage/, "File Storage"],
    [/blockstorage|volume/, "Block Storage"]
  ],
  Networking: [
    [/loadbalancer/, "Application Networking"],
    [/fastconnect|vpn/, "Network Connectivity"],
    [/dns/, "Network Routing"],
    [/firewall/, "Network Security"],
    [/network|vcn|bandwidth|datatransfer|egress|natgateway|gateway/, "Network Infrastructure"]
  ],
  Security: [
    [/vault|keymanagement|kms|certificate/, "Secret Management"],
    [/cloudguard|scanning/, "Security Posture Management"]
  ],
  Identity: [[/identity|iam|idcs|accessgovernance/, "Identity and Access Management"]],
  "Management and Governance": [
    [/budget|cost/, "Cost Management"],
    [/audit/, "Compliance"],
    [/monitoring|logging|observability|apm|operationsinsights/, "Observability"]
  ],
  "Developer Tools": [
    [/devops/, "Continuous Integration and Deployment"],
    [/codeeditor/, "Development Environments"],
    [/apex/, "Developer Platforms"]
  ],
  Compute: [
    [/function/, "Serverless Compute"],
    [/container|kubernetes|oke/, "Containers"],
    [/compute|instance|baremetal|vmware|gpu/, "Virtual Machines"]
  ],
  Media: [[/mediaservice|media|streamingvideo/, "Media Streaming"]],
  Migration: [[/databasemigration/, "Data Migration"]]
};
var serviceKey = (service) => service.toLowerCase().replace(/[^a-z0-9]/g, "");
function firstMatch(rules, key) {
  for (const [pattern, value] of rules ?? []) if (pattern.test(key)) return value;
  return void 0;
}
var classified = /* @__PURE__ */ new Map();
var MAX_CLASSIFIED = 1e4;
function classify(service) {
  const name = service ?? "";
  let found = classified.get(name);
  if (!found) {
    const key = serviceKey(name);
    const category = name && firstMatch(CATEGORY_RULES, key) || "Other";
    const subcategory = name && firstMatch(SUBCATEGORY_RULES[category], key) || `Other (${category})`;
    found = [category, subcategory];
    if (classified.size < MAX_CLASSIFIED) classified.set(name, found);
  }
  return found;
}
function serviceCategory(service) {
  return classify(service)[0];
}
function serviceSubcategory(service) {
  return classify(service)[1];
}
var REGION_NAMES = {
  "af-johannesburg-1": "South Africa Central (Johannesburg)",
  "ap-chuncheon-1": "South Korea North (Chuncheon)",
  "ap-hyderabad-1": "India South (Hyderabad)",
  "ap-melbourne-1": "Australia Southeast (Melbourne)",
  "ap-mumbai-1": "India West (Mumbai)",
  "ap-osaka-1": "Japan Central (Osaka)",
  "ap-seoul-1": "South Korea Central (Seoul)",
  "ap-singapore-1": "Singapore (Singapore)",
  "ap-sydney-1": "Australia East (Sydney)",
  "ap-tokyo-1": "Japan East (Tokyo)",
  "ca-montreal-1": "Canada Southeast (Montreal)",
  "ca-toronto-1": "Canada Southeast (Toronto)",
  "eu-amsterdam-1": "Netherlands Northwest (Amsterdam)",
  "eu-frankfurt-1": "Germany Central (Frankfurt)",
  "eu-madrid-1": "Spain Central (Madrid)",
  "eu-marseille-1": "France South (Marseille)",
  "eu-milan-1": "Italy Northwest (Milan)",
  "eu-paris-1": "France Central (Paris)",
  "eu-stockholm-1": "Sweden Central (Stockholm)",
  "eu-zurich-1": "Switzerland North (Zurich)",
  "il-jerusalem-1": "Israel Central (Jerusalem)",
  "me-abudhabi-1": "UAE Central (Abu Dhabi)",
  "me-dubai-1": "UAE East (Dubai)",
  "me-jeddah-1": "Saudi Arabia West (Jeddah)",
  "mx-monterrey-1": "Mexico Northeast (Monterrey)",
  "mx-queretaro-1": "Mexico Central (Queretaro)",
  "sa-santiago-1": "Chile Central (Santiago)",
  "sa-saopaulo-1": "Brazil East (Sao Paulo)",
  "sa-vinhedo-1": "Brazil Southeast (Vinhedo)",
  "uk-cardiff-1": "UK West (Newport)",
  "uk-london-1": "UK South (London)",
  "us-ashburn-1": "US East (Ashburn)",
  "us-chicago-1": "US Midwest (Chicago)",
  "us-phoenix-1": "US West (Phoenix)",
  "us-sanjose-1": "US West (San Jose)"
};
function regionName(regionId) {
  return REGION_NAMES[regionId] ?? regionId;
}
function finite(value) {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
var UTC_TEXT = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?Z$/;
function focusDateTime(value) {
  const raw = text(value);
  if (raw === null) return null;
  const utc = UTC_TEXT.exec(raw);
  if (utc) return `${utc[1]}Z`;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? raw : new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}
function isCredit(item) {
  const amount = finite(item.computedAmount);
  return amount !== null && amount < 0;
}
var billedCost = (item) => finite(item.computedAmount);
function pricingQuantity(item) {
  return isCredit(item) ? null : finite(item.computedQuantity);
}
function contractedUnitPrice(item) {
  if (isCredit(item)) return null;
  const price = finite(item.unitPrice);
  if (price !== null) return price;
  const amount = finite(item.computedAmount);
  const quantity = finite(item.computedQuantity);
  if (amount === null || quantity === null) return null;
  if (quantity !== 0) return amount / quantity;
  return amount === 0 ? 0 : null;
}
function listUnitPrice(item) {
  if (isCredit(item)) return null;
  return finite(item.listRate) ?? contractedUnitPrice(item);
}
function costAt(price, item) {
  const quantity = pricingQuantity(item);
  if (price === null || quantity === null) return billedCost(item);
  return price * quantity;
}
var usageOnly = (value) => (item) => isCredit(item) ? null : value(item);
function resourceType(item) {
  const id = text(item.resourceId);
  if (id === null) return null;
  const [prefix, type] = id.split(".");
  if (prefix?.startsWith("ocid") && type) return type;
  return serviceName(item);
}
function serviceName(item) {
  return text(item.service) ?? "Oracle Cloud Infrastructure";
}
function skuId(item) {
  return text(item.skuPartNumber);
}
function subAccountName(item) {
  const id = text(item.compartmentId);
  if (id === null) return null;
  return text(item.compartmentName) ?? text(item.compartmentPath) ?? id;
}
function focusTags(item) {
  const entries = [];
  for (const tag of tagsOf(item)) {
    const key = text(tag.key);
    if (key === null) continue;
    const ns = text(tag.namespace);
    entries.push([ns ? `${ns}.${key}` : key, text(tag.value) ?? ""]);
  }
  if (entries.length === 0) return null;
  entries.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return JSON.stringify(Object.fromEntries(entries));
}
var constant = (value) => () => value;
var textColumn = (name, value) => ({ name, kind: "text", value });
var decimalColumn = (name, value) => ({ name, kind: "decimal", value });
function focusColumns(_shape, _version = "1.2") {
  const billingAccountId = (item, ctx) => text(item.tenantId) ?? ctx.tenantId ?? null;
  return [
    decimalColumn("BilledCost", billedCost),
    textColumn("BillingAccountId", billingAccountId),
    textColumn("BillingAccountName", (item, ctx) => text(item.tenantName) ?? billingAccountId(item, ctx)),
    textColumn("BillingCurrency", (item, ctx) => text(item.currency) ?? ctx.fallbackCurrency ?? null),
    textColumn("BillingPeriodEnd", (_item, ctx) => focusDateTime(ctx.billingPeriodEnd)),
    textColumn("BillingPeriodStart", (_item, ctx) => focusDateTime(ctx.billingPeriodStart)),
    textColumn("ChargeCategory", (item) => isCredit(item) ? "Credit" : "Usage"),
    textColumn("ChargeClass", constant(null)),
    textColumn("ChargeDescription", (item) => text(item.skuName)),
    textColumn("ChargeFrequency", constant("Usage-Based")),
    textColumn("ChargePeriodEnd", (item) => focusDateTime(item.timeUsageEnded)),
    textColumn("ChargePeriodStart", (item) => focusDateTime(item.timeUsageStarted)),
    decimalColumn("ConsumedQuantity", pricingQuantity),
    textColumn(
      "ConsumedUnit",
      usageOnly((item) => text(item.unit))
    ),
    decimalColumn("ContractedCost", (item) => costAt(contractedUnitPrice(item), item)),
    decimalColumn("ContractedUnitPrice", contractedUnitPrice),
    decimalColumn("EffectiveCost", billedCost),
    textColumn("InvoiceIssuerName", constant("Oracle")),
    decimalColumn("ListCost", (item) => costAt(listUnitPrice(item), item)),
    decimalColumn("ListUnitPrice", listUnitPrice),
    textColumn(
      "PricingCategory",
      usageOnly(() => "Standard")
    ),
    decimalColumn("PricingQuantity", pricingQuantity),
    textColumn(
      "PricingUnit",
      usageOnly((item) => text(item.unit))
    ),
    textColumn("ProviderName", constant("Oracle")),
    textColumn("PublisherName", constant("Oracle")),
    textColumn("RegionId", (item) => text(item.region)),
    textColumn("RegionName", (item) => {
      const id = text(item.region);
      return id === null ? null : regionName(id);
    }),
    textColumn("ResourceId", (item) => text(item.resourceId)),
    textColumn("ResourceName", (item) => text(item.resourceId) === null ? null : text(item.resourceName)),
    textColumn("ResourceType", resourceType),
    textColumn("ServiceCategory", (item) => serviceCategory(text(item.service))),
    textColumn("ServiceName", serviceName),
    textColumn("ServiceSubcategory", (item) => serviceSubcategory(text(item.service))),
    textColumn("SkuId", skuId),
    textColumn("SkuMeter", (item) => skuId(item) === null ? null : text(item.skuName)),
    textColumn("SkuPriceDetails", constant(null)),
    textColumn("SkuPriceId", skuId),
    textColumn("SubAccountId", (item) => text(item.compartmentId)),
    textColumn("SubAccountName", subAccountName),
    textColumn("Tags", focusTags),
    textColumn("x_CompartmentPath", (item) => text(item.compartmentPath))
  ];
}

// src/report/months.ts
var MAX_MONTHS = 36;
var MONTHS_SYNTAX = "use previous, YYYY-MM, YYYY-MM..YYYY-MM or last-N";
function indexOf(date) {
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}
function label(index) {
  const year = Math.floor(index / 12);
  const month = index % 12 + 1;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}`;
}
function firstDay(index) {
  return new Date(Date.UTC(Math.floor(index / 12), index % 12, 1));
}
var MonthsError = class extends Error {
  name = "MonthsError";
};
function parseMonth(text2, whole) {
  const m = /^(\d{4})-(\d{2})$/.exec(text2);
  if (!m) throw new MonthsError(`'${whole}' is not a month; ${MONTHS_SYNTAX}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) throw new MonthsError(`'${text2}' is not a month; ${MONTHS_SYNTAX}`);
  if (year < 2e3) throw new MonthsError(`'${text2}' is before 2000; the Usage API has no data that old`);
  return year * 12 + (month - 1);
}
function monthWindow(index, now) {
  const current = indexOf(now);
  const start = firstDay(index);
  const periodEnd = firstDay(index + 1);
  let end = periodEnd;
  const partial = index === current;
  if (partial) {
    const tomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
    if (tomorrow < end) end = tomorrow;
  }
  return {
    month: label(index),
    start: start.toISOString(),
    end: end.toISOString(),
    periodEnd: periodEnd.toISOString(),
    partial
  };
}
function windowOf(month, now) {
  return monthWindow(parseMonth(month, month), now);
}
function previousMonth(month) {
  return label(parseMonth(month, month) - 1);
}
function parseMonths(spec, now, max = MAX_MONTHS) {
  const text2 = spec.trim();
  const current = indexOf(now);
  let first;
  let last;
  if (text2 === "" || text2.toLowerCase() === "previous") {
    first = last = current - 1;
  } else if (/^last-/i.test(text2)) {
    const m = /^last-(\d{1,3})$/i.exec(text2);
    const n = m ? Number(m[1]) : Number.NaN;
    if (!m || n < 1)
      throw new MonthsError(`'${text2}' is not a month count; ${MONTHS_SYNTAX} (N from 1 to ${max})`);
    if (n > max) throw new MonthsError(`'${text2}' asks for ${n} months; at most ${max} are allowed per run`);
    first = current - n;
    last = current - 1;
  } else if (text2.includes("..")) {
    const [a, b, ...rest] = text2.split("..");
    if (a === void 0 || b === void 0 || rest.length > 0) {
      throw new MonthsError(`'${text2}' is not a month range; ${MONTHS_SYNTAX}`);
    }
    first = parseMonth(a.trim(), text2);
    last = parseMonth(b.trim(), text2);
    if (last < first) {
      throw new MonthsError(
        `'${text2}' is reversed; write the earlier month first (${label(last)}..${label(first)})`
      );
    }
    if (last - first + 1 > max) {
      throw new MonthsError(
        `'${text2}' covers ${last - first + 1} months; at most ${max} are allowed per run`
      );
    }
  } else {
    first = last = parseMonth(text2, text2);
  }
  if (last > current) {
    throw new MonthsError(
      `'${text2}' includes ${label(last)}, a future month (now is ${label(current)} UTC); use months up to the current one`
    );
  }
  const windows = [];
  for (let i = first; i <= last; i++) windows.push(monthWindow(i, now));
  return windows;
}

// src/report/errors.ts
var FatalReportError = class extends UserFacingError {
  name = "FatalReportError";
};

// src/report/token.ts
var import_undici = __toESM(require_undici(), 1);

// src/report/remote.ts
function retryCall(options, policy, attempt, retryLine) {
  const { clock } = options;
  return withRetry(attempt, classifyForRetry, {
    ...policy,
    deadline: options.deadline,
    now: clock.now,
    sleep: clock.sleep,
    random: clock.random,
    onRetry: (retry) => options.log?.(retryLine(retry))
  });
}
function timeLeft(options) {
  return options.deadline === void 0 ? Number.POSITIVE_INFINITY : options.deadline - options.clock.now();
}
function requestTimeouts(options, remaining) {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  return {
    headersTimeout: Math.max(1, Math.min(timeouts.headersMs, remaining)),
    bodyTimeout: Math.max(1, Math.min(timeouts.bodyMs, remaining))
  };
}

// src/report/token.ts
var IDCS_TOKEN_PATH = "/oauth2/v1/token";
var EXPIRY_MARGIN_MS = 6e4;
function tokenEndpointFor(url) {
  const resolved = new URL(url.href);
  if (resolved.pathname === "" || resolved.pathname === "/") resolved.pathname = IDCS_TOKEN_PATH;
  return resolved;
}
function formEncode(value) {
  return new URLSearchParams([["", value]]).toString().slice(1);
}
function basicCredentials(clientId, clientSecret) {
  return Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString("base64");
}
var HINTS = {
  invalid_client: "the token endpoint does not accept the client credentials: check inputs 'client-id' and 'client-secret' (the confidential application's client ID and secret) and that the application is activated",
  invalid_scope: "the token endpoint does not know the scope: input 'scope' must be the resource application's primary audience followed by the scope name, e.g. https://usage.example.com/usage.read",
  unauthorized_client: "the client may not get this token: in the confidential application allow the client_credentials grant and add the resource application's scope named in input 'scope'",
  invalid_grant: "the token endpoint refused the client_credentials grant: allow it in the confidential application",
  unsupported_grant_type: "the token endpoint does not support client_credentials here: check that input 'token-url' is the identity domain's token endpoint"
};
var TokenClient = class {
  constructor(options) {
    this.options = options;
    this.mask = createMasker((form) => options.setSecret(form));
    this.mask(options.clientSecret);
    this.mask(formEncode(options.clientSecret));
    this.basic = basicCredentials(options.clientId, options.clientSecret);
    this.mask(this.basic);
    this.mask(`Basic ${this.basic}`);
    this.secrets = [
      ...secretForms(options.clientSecret),
      ...secretForms(formEncode(options.clientSecret)),
      this.basic
    ];
    this.ownsDispatcher = options.dispatcher === void 0;
    this.dispatcher = options.dispatcher ?? createAgent(options.timeouts ?? DEFAULT_TIMEOUTS);
  }
  options;
  token;
  expiresAt = 0;
  inflight;
  basic;
  secrets;
  dispatcher;
  ownsDispatcher;
  mask;
  invalidate(rejected) {
    if (rejected !== void 0 && rejected !== this.token) return false;
    this.token = void 0;
    this.expiresAt = 0;
    return true;
  }
  async getToken() {
    if (this.token !== void 0 && this.options.clock.now() < this.expiresAt) return this.token;
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = void 0;
    });
    return this.inflight;
  }
  async close() {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
  redact(text2, max) {
    return sanitizeServerText(text2, this.token ? [...this.secrets, this.token] : this.secrets, max);
  }
  async fetchToken() {
    const policy = this.options.retry ?? { maxAttempts: 4, baseMs: 500, maxDelayMs: 1e4 };
    const url = this.options.tokenUrl;
    try {
      return await retryCall(
        this.options,
        policy,
        () => this.attempt(url),
        ({ attempt, delayMs, reason }) => `token request attempt ${attempt}/${policy.maxAttempts} failed (${reason}); retrying in ${delayMs} ms`
      );
    } catch (err) {
      if (err instanceof RetryDeadlineError) {
        throw new FatalReportError(
          `the time budget ran out while getting a token (${this.describe(err.lastError)}); raise input 'time-budget' or retry later`
        );
      }
      if (err instanceof UserFacingError) throw err;
      throw new FatalReportError(`could not get a token from input 'token-url': ${this.describe(err)}`);
    }
  }
  describe(err) {
    if (err instanceof RetryableHttpError) return err.message;
    const code = err.code;
    const message = err instanceof Error ? err.message : String(err);
    return this.redact(typeof code === "string" ? `${code}: ${message}` : message);
  }
  async attempt(url) {
    const { clock } = this.options;
    const remaining = timeLeft(this.options);
    if (remaining <= 0)
      throw new FatalReportError(
        "the time budget ran out before a token could be requested; raise input 'time-budget'"
      );
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      scope: this.options.scope
    }).toString();
    const response = await (0, import_undici.request)(url, {
      method: "POST",
      dispatcher: this.dispatcher,
      headers: {
        authorization: `Basic ${this.basic}`,
        "content-type": "application/x-www-form-urlencoded;charset=UTF-8",
        accept: "application/json"
      },
      body,
      ...requestTimeouts(this.options, remaining)
    });
    const status = response.statusCode;
    const text2 = await readBody(response.body);
    if (status === 200) return this.accept(text2);
    if (isRetryableStatus(status)) {
      const retryAfter = response.headers["retry-after"];
      throw new RetryableHttpError(
        `token endpoint answered HTTP ${status}`,
        status,
        parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, clock.now())
      );
    }
    throw this.rejection(status, text2);
  }
  rejection(status, text2) {
    let code;
    let description = "";
    try {
      const parsed = JSON.parse(text2);
      if (typeof parsed.error === "string") code = parsed.error.replace(/[^A-Za-z0-9_.-]/g, "").slice(0, 60);
      if (typeof parsed.error_description === "string")
        description = this.redact(parsed.error_description, 160);
    } catch {
    }
    const hint = code ? HINTS[code] : void 0;
    const detail = description ? ` "${description}"` : "";
    if (hint)
      return new FatalReportError(`token request failed with ${code} (HTTP ${status})${detail}: ${hint}`);
    if (status === 404 || status === 405) {
      return new FatalReportError(
        `token endpoint answered HTTP ${status}: check input 'token-url' (the identity domain URL, or its ${IDCS_TOKEN_PATH} endpoint)`
      );
    }
    if (status >= 300 && status < 400) {
      return new FatalReportError(
        `token endpoint answered a redirect (HTTP ${status}): set input 'token-url' to the final token endpoint URL`
      );
    }
    return new FatalReportError(
      `token request failed with HTTP ${status}${code ? ` ${code}` : ""}${detail}: check inputs 'token-url', 'client-id', 'client-secret' and 'scope'`
    );
  }
  accept(text2) {
    const { clock } = this.options;
    let parsed;
    try {
      parsed = JSON.parse(text2);
    } catch {
      throw new FatalReportError(
        "the token endpoint answered HTTP 200 with a body that is not JSON: check that input 'token-url' is the identity domain's token endpoint"
      );
    }
    const body = parsed ?? {};
    if (typeof body.access_token !== "string" || body.access_token === "") {
      throw new FatalReportError(
        "the token endpoint answered HTTP 200 without an access_token: check that input 'token-url' is the identity domain's token endpoint"
      );
    }
    this.mask(body.access_token);
    if (typeof body.token_type === "string" && body.token_type.toLowerCase() !== "bearer") {
      throw new FatalReportError(
        `the token endpoint returned a token of type '${this.redact(body.token_type, 20)}', not Bearer`
      );
    }
    const expiresIn = typeof body.expires_in === "string" ? Number(body.expires_in) : body.expires_in;
    if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new FatalReportError(
        "the token endpoint answered HTTP 200 without a valid expires_in: check that input 'token-url' is the identity domain's token endpoint"
      );
    }
    const lifetimeMs = expiresIn * 1e3;
    this.token = body.access_token;
    this.expiresAt = clock.now() + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 2);
    return body.access_token;
  }
};

// src/report/inputs.ts
import { posix } from "node:path";
var COMMAND_INPUT = "command";
var OUTPUTS = {
  files: "files",
  total: "total",
  currency: "currency",
  months: "months",
  changed: "changed",
  commitSha: "commit-sha",
  anomalies: "anomalies",
  forecast: "forecast"
};
var MAX_GROUP_BY = 10;
var MAX_TIME_BUDGET_MINUTES = 350;
var MAX_SETTLE_DAYS = 31;
var MAX_CONCURRENCY = 16;
var AUTH_KINDS = ["client-credentials", "github-oidc"];
var DEFAULT_GITHUB_AUDIENCE = "usage-api-action";
function serviceUrl(example) {
  return required(
    (text2, name) => secureUrl(name, text2, { example, credentialsHint: "pass them in 'client-id' and 'client-secret'" }),
    `is required for command 'report'; set it to ${example}`
  );
}
var endpointUrl = (text2, name) => serviceUrl("the gateway deployment URL, e.g. https://\u2026/usage")(text2, name).href.replace(/\/+$/, "");
var tokenUrl = (text2, name) => tokenEndpointFor(
  serviceUrl("the identity domain URL, e.g. https://idcs-\u2026.identity.oraclecloud.com")(text2, name)
).href;
var tenancyOcid = (text2, name) => {
  if (!/^ocid1\.tenancy\.[a-z0-9-]+\.[a-z0-9-]*\.[a-z0-9._-]+$/i.test(text2)) {
    throw new InputError(
      name,
      `${quote(text2)} is not a tenancy OCID; use ocid1.tenancy.oc1..\u2026 or leave it empty`
    );
  }
  return text2;
};
function monthsInput(now) {
  return (text2, name) => {
    try {
      return { spec: text2, windows: parseMonths(text2, now) };
    } catch (err) {
      if (err instanceof MonthsError) throw new InputError(name, err.message);
      throw err;
    }
  };
}
var groupByList = (text2, name) => {
  if (text2.toLowerCase() === "none") return [];
  const result = [];
  for (const item of splitList(text2)) {
    const known = GROUP_BY_DIMENSIONS.find((d) => d.toLowerCase() === item.toLowerCase());
    if (!known) {
      throw new InputError(
        name,
        `${quote(item)} is not a Usage API dimension; use a comma-separated list of ${GROUP_BY_DIMENSIONS.join(", ")} (or none)`
      );
    }
    if (result.includes(known))
      throw new InputError(name, `'${known}' is listed twice; list each dimension once`);
    result.push(known);
  }
  if (result.length > MAX_GROUP_BY) {
    throw new InputError(name, `${result.length} dimensions given; use at most ${MAX_GROUP_BY}`);
  }
  return result;
};
var TAG_PART = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$/;
var definedTag = (text2, name) => {
  if (/[,\n]/.test(text2)) {
    throw new InputError(name, "the Usage API groups by one tag only; give a single namespace.key");
  }
  const dot = text2.indexOf(".");
  const namespace = dot > 0 ? text2.slice(0, dot) : "";
  const key = dot > 0 ? text2.slice(dot + 1) : "";
  if (!TAG_PART.test(namespace) || !TAG_PART.test(key)) {
    throw new InputError(
      name,
      `${quote(text2)} is not a defined tag; use namespace.key, e.g. Operations.CostCenter`
    );
  }
  return { namespace, key };
};
var workspaceFolder = (text2, name) => {
  if (/[\u0000-\u001f\u007f]/.test(text2)) throw new InputError(name, "must not contain control characters");
  const slashed = text2.replace(/\\/g, "/");
  if (slashed.startsWith("/") || /^[A-Za-z]:/.test(slashed)) {
    throw new InputError(
      name,
      `${quote(text2)} is absolute; use a folder relative to the workspace, e.g. reports`
    );
  }
  const normalized = posix.normalize(slashed).replace(/\/+$/, "");
  if (normalized === ".." || normalized.startsWith("../")) {
    throw new InputError(name, `${quote(text2)} leaves the workspace; use a folder inside it, e.g. reports`);
  }
  return normalized === "" ? "." : normalized;
};
var currencyCode = (text2, name) => {
  if (!/^[A-Za-z]{3}$/.test(text2)) {
    throw new InputError(name, `${quote(text2)} is not an ISO 4217 code; use e.g. USD or EUR`);
  }
  return text2.toUpperCase();
};
var branchName = (text2, name) => {
  if (!isValidBranchName(text2)) {
    throw new InputError(name, `${quote(text2)} is not a valid branch name; use e.g. main or reports`);
  }
  return text2;
};
var commitMessage = (text2, name) => {
  if (text2.length > 2e3) throw new InputError(name, "is longer than 2000 characters; shorten it");
  if (/\u0000/.test(text2)) throw new InputError(name, "must not contain NUL characters");
  return text2;
};
var budgetAmount = (text2, name) => {
  let value;
  try {
    if (!/^\d+(\.\d+)?$/.test(text2)) throw new Error("not plain");
    value = parseDecimal(text2);
  } catch {
    throw new InputError(
      name,
      `${quote(text2)} is not an amount; use a plain number in the report currency, e.g. 1000 or 1250.50`
    );
  }
  if (compare(value, ZERO) <= 0)
    throw new InputError(name, "must be greater than 0; leave it empty for no budget");
  return value;
};
function threshold(example) {
  return (text2, name) => {
    if (!/^\d+(\.\d+)?$/.test(text2) || compare(parseDecimal(text2), ZERO) <= 0) {
      throw new InputError(
        name,
        `${quote(text2)} is not a threshold; use a plain number above 0, e.g. ${example}`
      );
    }
    return parseDecimal(text2);
  };
}
function credentialInput(auth, parse) {
  return (text2, name) => {
    if (auth === "client-credentials") return parse(text2, name);
    if (auth === "github-oidc" && text2 !== "") {
      throw new InputError(
        name,
        "belongs to 'auth: client-credentials'; 'auth: github-oidc' uses the workflow's GitHub OIDC token and no client credentials: remove it (or set auth: client-credentials)"
      );
    }
    return void 0;
  };
}
var authKind = oneOf(AUTH_KINDS);
var githubAudience = (text2, name) => {
  if (/[\s,\u0000-\u001f\u007f]/.test(text2)) {
    throw new InputError(name, `${quote(text2)} must be one audience without spaces or commas`);
  }
  return text2;
};
function reportInputTable(now, auth = "client-credentials") {
  return {
    endpoint: input("endpoint", endpointUrl),
    auth: input("auth", authKind, { default: "client-credentials" }),
    githubAudience: input("github-audience", githubAudience, { default: DEFAULT_GITHUB_AUDIENCE }),
    tokenUrl: input("token-url", credentialInput(auth, tokenUrl)),
    clientId: input(
      "client-id",
      credentialInput(
        auth,
        required(
          singleLine(),
          "is required for command 'report'; set it to the confidential application's client ID"
        )
      )
    ),
    clientSecret: input(
      "client-secret",
      credentialInput(
        auth,
        required(
          (text2) => text2,
          "is required for command 'report'; pass it from a repository or environment secret"
        )
      ),
      { secret: true }
    ),
    scope: input(
      "scope",
      credentialInput(
        auth,
        required(
          singleLine(),
          "is required for command 'report'; use the resource application's primary audience followed by the scope name, e.g. https://usage.example.com/usage.read"
        )
      )
    ),
    tenantId: input("tenant-id", optional(tenancyOcid)),
    months: input("months", monthsInput(now), { default: "previous" }),
    granularity: input("granularity", oneOf(["MONTHLY", "DAILY"]), { default: "MONTHLY" }),
    queryType: input("query-type", oneOf(["COST", "USAGE"]), { default: "COST" }),
    groupBy: input("group-by", groupByList, {
      default: "service,skuPartNumber,skuName,unit,compartmentName,region"
    }),
    groupByTag: input("group-by-tag", optional(definedTag)),
    compartmentDepth: input("compartment-depth", optional(wholeNumber(1, 10, "a compartment depth"))),
    format: input("format", oneOf(["csv", "json", "both"]), { default: "both" }),
    focus: input("focus", booleanInput, { default: "false" }),
    focusVersion: input("focus-version", oneOf(FOCUS_VERSIONS), { default: "1.2" }),
    outputDir: input("output-dir", workspaceFolder, { default: "reports" }),
    currency: input("currency", optional(currencyCode)),
    commit: input("commit", booleanInput, { default: "false" }),
    commitBranch: input("commit-branch", optional(branchName)),
    commitMessage: input("commit-message", commitMessage, { default: "Usage report {months}" }),
    budget: input("budget", optional(budgetAmount)),
    budgetAction: input("budget-action", oneOf(["warn", "fail"]), { default: "warn" }),
    budgetOn: input("budget-on", oneOf(["actual", "forecast"]), { default: "actual" }),
    settleDays: input("settle-days", wholeNumber(0, MAX_SETTLE_DAYS, "a number of days"), { default: "2" }),
    timeBudget: input("time-budget", wholeNumber(1, MAX_TIME_BUDGET_MINUTES, "a number of minutes"), {
      default: "20"
    }),
    maxConcurrency: input("max-concurrency", wholeNumber(1, MAX_CONCURRENCY, "a number of requests"), {
      default: "4"
    }),
    summary: input("summary", booleanInput, { default: "true" }),
    comparePrevious: input("compare-previous", booleanInput, { default: "true" }),
    anomalyPercent: input("anomaly-percent", threshold("25"), { default: "25" }),
    anomalyAmount: input("anomaly-amount", threshold("100"), { default: "100" })
  };
}
var INPUTS = inputNames(reportInputTable(/* @__PURE__ */ new Date(0)));
var DEFAULTS = inputDefaults(reportInputTable(/* @__PURE__ */ new Date(0)));
function assemble(values) {
  const {
    months,
    format,
    timeBudget,
    auth,
    githubAudience: githubAudience2,
    tokenUrl: tokenUrl2,
    clientId,
    clientSecret,
    scope,
    ...rest
  } = values;
  return {
    ...rest,
    auth: auth === "github-oidc" ? { kind: auth, audience: githubAudience2 } : {
      kind: auth,
      tokenUrl: tokenUrl2,
      clientId,
      clientSecret,
      scope
    },
    monthsSpec: months.spec,
    months: months.windows,
    csv: format === "csv" || format === "both",
    json: format === "json" || format === "both",
    timeBudgetMs: timeBudget * 6e4
  };
}
function readReportInputs(get, options) {
  const problems = new InputProblems();
  const auth = new InputProblems().check(() => authKind(get("auth").trim() || "client-credentials", "auth"));
  const values = readInputTable(
    reportInputTable(options.now, auth ?? null),
    get,
    problems,
    options.setSecret
  );
  problems.throwIfAny();
  return assemble(values);
}

export {
  ZERO,
  parseDecimal,
  add,
  subtract,
  multiply,
  abs,
  compare,
  formatExact,
  formatFixed,
  divide,
  smallDecimalParts,
  ExactSum,
  tagsOf,
  reportColumns,
  rowValues,
  commitReports,
  focusGroupBy,
  focusColumns,
  windowOf,
  previousMonth,
  FatalReportError,
  retryCall,
  timeLeft,
  requestTimeouts,
  EXPIRY_MARGIN_MS,
  TokenClient,
  COMMAND_INPUT,
  OUTPUTS,
  readReportInputs
};
