import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DEFAULT_DEPLOYER_GROUP,
  GITHUB_KEYS,
  compartmentClause,
  createJsonGetter,
  createOciClients,
  discover,
  iamPolicy,
  ociCall,
  renderIamPolicy,
  require_oci_apigateway
} from "./chunk-AOM77KA5.js";
import {
  runnerLog
} from "./chunk-BUR4R7A2.js";
import {
  maskSecret
} from "./chunk-LWWDIQQV.js";
import {
  readFunctionBundle
} from "./chunk-JYRVYXJD.js";
import {
  DEPLOY_INPUTS,
  DEPLOY_OUTPUTS,
  GITHUB_DEPLOYMENT_SUFFIX,
  JWKS_CACHE_HOURS,
  PlatformError,
  expandTag,
  formatPlatform,
  formatReference,
  isLoopbackRegistry,
  isOcirHost,
  parseReference,
  platformMatches,
  platformsForShape,
  referenceIdentifier,
  registryBaseUrl,
  sameRegistry,
  selectChildren
} from "./chunk-VAKSCMIN.js";
import {
  describeAuth
} from "./chunk-4B74Y4DT.js";
import "./chunk-J4JFFB6M.js";
import {
  RetryDeadlineError,
  RetryableHttpError,
  classifyForRetry,
  defaultAgent,
  isNetworkError,
  isRetryableStatus,
  parseRetryAfter,
  readBody,
  readBodyBytes,
  realSleep,
  require_undici,
  setOutput,
  summary,
  withRetry
} from "./chunk-QRUMXL3U.js";
import {
  require_oci_common
} from "./chunk-AZMSNUSO.js";
import {
  GITHUB_ISSUER
} from "./chunk-X67DKTTP.js";
import "./chunk-TEULXIZG.js";
import {
  UserFacingError,
  __toESM,
  clip,
  flatten,
  oneLine,
  oneLineText,
  safeLogLine,
  sanitizeServerText
} from "./chunk-OUAI6Q5P.js";

// src/image/errors.ts
function parseDistributionErrors(body) {
  try {
    const parsed = JSON.parse(body);
    if (Array.isArray(parsed.errors)) {
      return parsed.errors.filter((e) => typeof e === "object" && e !== null).map((e) => ({
        code: typeof e.code === "string" ? e.code : "UNKNOWN",
        message: typeof e.message === "string" ? e.message : "",
        detail: e.detail
      }));
    }
    if (typeof parsed.code === "string") {
      return [{ code: parsed.code, message: typeof parsed.message === "string" ? parsed.message : "" }];
    }
  } catch {
  }
  return [];
}
var RegistryError = class extends UserFacingError {
  name = "RegistryError";
  registry;
  status;
  code;
  retryAfter;
  retryable;
  constructor(message, init) {
    super(
      init.hint ? `${message}: ${init.hint}` : message,
      init.cause === void 0 ? {} : { cause: init.cause }
    );
    this.registry = init.registry;
    this.status = init.status;
    this.code = init.code;
    this.retryAfter = init.retryAfter;
    this.retryable = init.retryable ?? false;
  }
};
var RegistryAuthError = class extends RegistryError {
  name = "RegistryAuthError";
};
var DigestMismatchError = class extends RegistryError {
  name = "DigestMismatchError";
};
function summarize(errors) {
  return errors.slice(0, 3).map((e) => {
    const detail = typeof e.detail === "string" ? e.detail : "";
    const text = [e.message, detail].filter((s) => s.length > 0).join(" ");
    return text ? `${e.code}: ${text}` : e.code;
  }).join("; ").replace(/\s+/g, " ").slice(0, 300);
}
function registryHttpError(init) {
  const errors = parseDistributionErrors(init.body);
  const summary2 = summarize(errors);
  const what = init.method && init.path ? `${init.method} ${init.path} failed with` : "answered";
  const message = `registry ${init.registry}: ${what} HTTP ${init.status}${summary2 ? ` (${summary2})` : ""}`;
  return new RegistryError(message, { ...init, code: init.code ?? errors[0]?.code });
}
function credentialsHint(registry, username) {
  if (/\.ocir\.io$|^ocir\.[a-z0-9-]+\.oci\.oraclecloud\.com$/.test(registry)) {
    const user = username ?? "<namespace>/<user>";
    const hasNamespace = username?.includes("/") ?? false;
    return hasNamespace ? `check the OCIR username (${user}) and auth token` : `check the OCIR username (${user}): it must be <tenancy-namespace>/<user> (federated: <namespace>/oracleidentitycloudservice/<user>) with an auth token as the password`;
  }
  return "check the registry username and password";
}
function rejectedCredentials(registry, username, cause) {
  return new RegistryAuthError(`registry ${registry} rejected the credentials for ${username}`, {
    registry,
    status: 401,
    code: "UNAUTHORIZED",
    hint: credentialsHint(registry, username),
    cause
  });
}

// src/image/auth.ts
function parseChallenges(header3) {
  if (header3 === void 0) return [];
  const text = typeof header3 === "string" ? header3 : header3.join(", ");
  const out = [];
  let i = 0;
  const skip = (chars) => {
    while (i < text.length && chars.test(text[i] ?? "")) i++;
  };
  const token = () => {
    const start = i;
    while (i < text.length && /[A-Za-z0-9!#$%&'*+.^_`|~-]/.test(text[i] ?? "")) i++;
    return text.slice(start, i);
  };
  while (i < text.length) {
    skip(/[\s,]/);
    const scheme = token();
    if (!scheme) {
      i++;
      continue;
    }
    const challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    for (; ; ) {
      skip(/[\s,]/);
      const save = i;
      const name = token();
      skip(/\s/);
      if (!name || text[i] !== "=") {
        i = save;
        break;
      }
      i++;
      skip(/\s/);
      let value = "";
      if (text[i] === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === "\\" && i + 1 < text.length) i++;
          value += text[i];
          i++;
        }
        i++;
      } else {
        const start = i;
        while (i < text.length && text[i] !== "," && !/\s/.test(text[i] ?? "")) i++;
        value = text.slice(start, i);
      }
      challenge.params[name.toLowerCase()] = value;
    }
  }
  return out;
}
function repositoryScope(repository, actions) {
  return `repository:${repository}:${actions.join(",")}`;
}
function mergeScopes(scopes) {
  const byResource = /* @__PURE__ */ new Map();
  for (const scope of scopes) {
    for (const single of scope.split(" ")) {
      const cut = single.lastIndexOf(":");
      if (cut <= 0) continue;
      const resource = single.slice(0, cut);
      const actions = byResource.get(resource) ?? /* @__PURE__ */ new Set();
      for (const a of single.slice(cut + 1).split(",")) if (a) actions.add(a);
      byResource.set(resource, actions);
    }
  }
  return [...byResource.entries()].map(([resource, actions]) => `${resource}:${[...actions].sort().join(",")}`).sort();
}
var KNOWN_REALMS = { "docker.io": ["auth.docker.io"] };
var EXPIRY_MARGIN_MS = 1e4;
var DEFAULT_EXPIRES_IN_S = 60;
var RegistryAuth = class {
  constructor(options) {
    this.options = options;
    this.scopes = mergeScopes(options.scopes);
    this.now = options.now ?? Date.now;
    if (options.credentials) {
      options.mask?.(options.credentials.password);
      options.mask?.(this.basicValue());
    }
  }
  options;
  mode = "none";
  realm;
  service;
  scopes;
  tokens = /* @__PURE__ */ new Map();
  pending = /* @__PURE__ */ new Map();
  now;
  /** How many token requests were sent (a test and a log figure). */
  tokenRequests = 0;
  basicValue() {
    const c = this.options.credentials;
    return c ? Buffer.from(`${c.username}:${c.password}`).toString("base64") : "";
  }
  /** Add scopes (e.g. a mount source) for the next token. */
  addScopes(scopes) {
    this.scopes = mergeScopes([...this.scopes, ...scopes]);
  }
  /** The registry accepted a request sent with this Authorization value. */
  accepted(sent) {
    if (!sent?.startsWith("Bearer ")) return;
    for (const token of this.tokens.values()) if (sent === `Bearer ${token.value}`) token.verified = true;
  }
  /** The Authorization value for a request to `url`, or undefined (no auth yet, or another origin). */
  async header(url) {
    if (new URL(url).origin !== this.options.origin) return void 0;
    if (this.mode === "basic") return `Basic ${this.basicValue()}`;
    if (this.mode === "bearer") return `Bearer ${(await this.token(this.scopes)).value}`;
    return void 0;
  }
  /**
   * Handle a 401 from the registry. Returns true when the request should be sent again with a new
   * Authorization; throws a readable RegistryAuthError when it would only fail again.
   */
  async onUnauthorized(wwwAuthenticate, sent, repository) {
    const challenges = parseChallenges(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const basic = challenges.find((c) => c.scheme === "basic");
    const { registry, credentials } = this.options;
    if (bearer) {
      const realm = bearer.params.realm;
      if (!realm)
        throw new RegistryAuthError(`registry ${registry} sent a Bearer challenge without a realm`, {
          registry,
          status: 401
        });
      this.realm = this.checkRealm(realm);
      this.service = bearer.params.service;
      const before = this.scopes.join(" ");
      if (bearer.params.scope) this.addScopes(bearer.params.scope.split(" "));
      const newScopes = this.scopes.join(" ") !== before;
      const current = this.tokens.get(this.cacheKey(this.scopes));
      const sentCurrent = current !== void 0 && sent === `Bearer ${current.value}`;
      if (this.mode === "bearer" && !newScopes && sentCurrent && !current.verified && this.fresh(current)) {
        throw this.denied(repository, bearer.params.scope ?? this.scopes.join(" "));
      }
      this.mode = "bearer";
      if (sentCurrent) this.tokens.delete(this.cacheKey(this.scopes));
      await this.token(this.scopes);
      return true;
    }
    if (basic) {
      if (!credentials) {
        throw new RegistryAuthError(`registry ${registry} requires credentials`, {
          registry,
          status: 401,
          hint: `give a username and password; ${credentialsHint(registry, void 0)}`
        });
      }
      if (this.mode === "basic" && sent?.startsWith("Basic "))
        throw rejectedCredentials(registry, credentials.username);
      this.mode = "basic";
      return true;
    }
    throw new RegistryAuthError(
      `registry ${registry} answered 401 without a usable WWW-Authenticate challenge`,
      {
        registry,
        status: 401
      }
    );
  }
  denied(repository, scope) {
    const { registry, credentials } = this.options;
    const what = repository ? `repository ${repository}` : scope;
    if (!credentials) {
      return new RegistryAuthError(`registry ${registry} refused anonymous access to ${what}`, {
        registry,
        status: 401,
        code: "UNAUTHORIZED",
        hint: `give credentials; ${credentialsHint(registry, void 0)}`
      });
    }
    const realmNote = this.realm && !this.realmTrusted(this.realm) ? ` (the token realm ${this.realm.origin} is another host, so the credentials were not sent to it; use a registry whose realm is on ${this.options.origin})` : "";
    return new RegistryAuthError(
      `registry ${registry} denied ${scope} to ${credentials.username}${realmNote}`,
      {
        registry,
        status: 401,
        code: "DENIED",
        hint: realmNote ? void 0 : "the user needs pull and push rights on the target repository (OCIR: a policy that lets the user's group manage repos in the compartment)"
      }
    );
  }
  checkRealm(realm) {
    let url;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryAuthError(
        `registry ${this.options.registry} sent an invalid token realm ${JSON.stringify(realm)}`,
        {
          registry: this.options.registry,
          status: 401
        }
      );
    }
    const loopback = isLoopbackRegistry(url.host);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
      throw new RegistryAuthError(
        `registry ${this.options.registry} sent a token realm that is not https (${url.origin})`,
        {
          registry: this.options.registry,
          status: 401
        }
      );
    }
    return url;
  }
  realmTrusted(realm) {
    if (realm.origin === this.options.origin) return true;
    const trusted = [
      ...KNOWN_REALMS[this.options.registry] ?? [],
      ...this.options.trustedRealmHosts ?? []
    ];
    return realm.protocol === "https:" && trusted.includes(realm.host);
  }
  cacheKey(scopes) {
    return `${this.realm?.href ?? ""}|${this.service ?? ""}|${scopes.join(" ")}`;
  }
  fresh(token) {
    return token.expiresAt - EXPIRY_MARGIN_MS > this.now();
  }
  async token(scopes) {
    const key = this.cacheKey(scopes);
    const cached = this.tokens.get(key);
    if (cached && this.fresh(cached)) return cached;
    let inFlight = this.pending.get(key);
    if (!inFlight) {
      inFlight = this.fetchToken(scopes).finally(() => this.pending.delete(key));
      this.pending.set(key, inFlight);
    }
    const token = await inFlight;
    this.tokens.set(key, token);
    return token;
  }
  async fetchToken(scopes) {
    const { registry, credentials } = this.options;
    const realm = this.realm;
    if (!realm) throw new RegistryAuthError(`registry ${registry}: no token realm known`, { registry });
    const url = new URL(realm.href);
    if (this.service) url.searchParams.append("service", this.service);
    for (const scope of scopes) url.searchParams.append("scope", scope);
    const headers = { accept: "application/json" };
    const sendCredentials = credentials !== void 0 && this.realmTrusted(realm);
    if (sendCredentials) headers.authorization = `Basic ${this.basicValue()}`;
    this.tokenRequests++;
    const response = await this.options.transport(url.href, headers);
    if (response.status >= 300 && response.status < 400) {
      throw new RegistryAuthError(
        `registry ${registry}: the token service ${realm.origin} redirected; redirects are not followed`,
        {
          registry,
          status: response.status
        }
      );
    }
    if ((response.status === 401 || response.status === 403) && sendCredentials && credentials) {
      throw rejectedCredentials(registry, credentials.username);
    }
    if (response.status !== 200) {
      throw new RegistryError(
        `registry ${registry}: the token service ${realm.origin} answered HTTP ${response.status}`,
        {
          registry,
          status: response.status,
          code: "TOKEN"
        }
      );
    }
    let json;
    try {
      json = JSON.parse(response.body);
    } catch {
      throw new RegistryError(`registry ${registry}: the token service answered something that is not JSON`, {
        registry
      });
    }
    const value = typeof json.token === "string" && json.token ? json.token : json.access_token;
    if (typeof value !== "string" || value.length === 0) {
      throw new RegistryError(`registry ${registry}: the token service answered without a token`, {
        registry
      });
    }
    this.options.mask?.(value);
    const expiresIn = typeof json.expires_in === "number" && json.expires_in > 0 ? json.expires_in : DEFAULT_EXPIRES_IN_S;
    return { value, expiresAt: this.now() + expiresIn * 1e3, verified: false };
  }
};

// src/image/config.ts
var EPOCH = "1970-01-01T00:00:00Z";
var ConfigError = class extends Error {
  name = "ConfigError";
};
function parseConfig(bytes) {
  let parsed;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new ConfigError("the base image config is not JSON");
  }
  const config = parsed;
  if (typeof config !== "object" || config === null)
    throw new ConfigError("the base image config is not an object");
  if (typeof config.os !== "string" || typeof config.architecture !== "string") {
    throw new ConfigError("the base image config has no os/architecture");
  }
  if (!config.rootfs || !Array.isArray(config.rootfs.diff_ids)) {
    throw new ConfigError("the base image config has no rootfs.diff_ids");
  }
  return config;
}
function functionConfig(base, options) {
  if (!/^sha256:[a-f0-9]{64}$/.test(options.diffId))
    throw new ConfigError(`diff_id ${options.diffId} is not a sha256 digest`);
  const created = options.created ?? EPOCH;
  const copy = structuredClone(base);
  const inner = { ...copy.config ?? {} };
  inner.WorkingDir = options.workingDir ?? "/function";
  inner.Entrypoint = [...options.entrypoint ?? ["node", "func.js"]];
  delete inner.Cmd;
  const entry = {
    created,
    created_by: options.createdBy ?? "usage-api-action: function layer"
  };
  if (options.comment !== void 0) entry.comment = options.comment;
  copy.config = inner;
  copy.created = created;
  copy.rootfs = { ...copy.rootfs, diff_ids: [...copy.rootfs.diff_ids, options.diffId] };
  copy.history = [...copy.history ?? [], entry];
  return copy;
}
function serializeConfig(config) {
  return Buffer.from(JSON.stringify(config));
}

// src/image/layer.ts
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { constants, crc32, deflateRawSync } from "node:zlib";
var LayerError = class extends Error {
  name = "LayerError";
};
var BLOCK = 512;
var DIR_MODE = 493;
var FILE_MODE = 420;
var EXEC_MODE = 493;
var GZIP_LEVEL = 9;
function sha256(data) {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}
function normalizeEntryPath(path) {
  const trimmed = path.replace(/^(?:\.?\/)+/, "");
  const parts = trimmed.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0) throw new LayerError(`layer path ${JSON.stringify(path)} is empty`);
  if (parts.includes("..")) throw new LayerError(`layer path ${JSON.stringify(path)} climbs out with '..'`);
  if (parts.some((p) => p.includes("\0")))
    throw new LayerError(`layer path ${JSON.stringify(path)} holds a NUL byte`);
  return parts.join("/");
}
function isSymlink(entry) {
  return typeof entry.linkTarget === "string";
}
function layerEntries(input) {
  const byName = /* @__PURE__ */ new Map();
  const addDirs = (name) => {
    const parts = name.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      const existing = byName.get(dir);
      if (existing && existing.type !== "dir") {
        throw new LayerError(`layer path ${JSON.stringify(dir)} is both a file and a directory`);
      }
      if (!existing)
        byName.set(dir, { name: dir, type: "dir", mode: DIR_MODE, content: Buffer.alloc(0), linkTarget: "" });
    }
  };
  for (const entry of input) {
    const name = normalizeEntryPath(entry.path);
    if (byName.has(name)) throw new LayerError(`layer path ${JSON.stringify(name)} is given twice`);
    addDirs(name);
    if (isSymlink(entry)) {
      const top = name.split("/")[0] ?? "";
      const resolved = posix.resolve(posix.dirname(`/${name}`), entry.linkTarget);
      if (entry.linkTarget.length === 0 || !(resolved === `/${top}` || resolved.startsWith(`/${top}/`))) {
        throw new LayerError(`symlink ${name} -> ${entry.linkTarget} points outside /${top}`);
      }
      byName.set(name, {
        name,
        type: "symlink",
        mode: 511,
        content: Buffer.alloc(0),
        linkTarget: entry.linkTarget
      });
    } else {
      const content = typeof entry.content === "string" ? Buffer.from(entry.content) : Buffer.from(entry.content);
      const mode = (entry.mode ?? 0) & 73 ? EXEC_MODE : FILE_MODE;
      byName.set(name, { name, type: "file", mode, content, linkTarget: "" });
    }
  }
  const key = (e) => Buffer.from(e.type === "dir" ? `${e.name}/` : e.name);
  return [...byName.values()].sort((a, b) => Buffer.compare(key(a), key(b)));
}
function writeString(block, offset, length, value) {
  const bytes = Buffer.from(value);
  if (bytes.length > length) throw new LayerError(`tar field overflow for ${JSON.stringify(value)}`);
  bytes.copy(block, offset);
}
function writeOctal(block, offset, length, value) {
  const text = value.toString(8).padStart(length - 1, "0");
  if (text.length > length - 1) throw new LayerError(`tar numeric field overflow (${value})`);
  writeString(block, offset, length, `${text}\0`);
}
function splitUstarName(name) {
  const bytes = Buffer.byteLength(name);
  if (bytes <= 100) return { prefix: "", name };
  if (bytes > 256) return void 0;
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== "/") continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0)
      return { prefix, name: rest };
  }
  return void 0;
}
function header(fields) {
  const block = Buffer.alloc(BLOCK);
  writeString(block, 0, 100, fields.name);
  writeOctal(block, 100, 8, fields.mode);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, 0);
  block.fill(32, 148, 156);
  writeString(block, 156, 1, fields.typeflag);
  writeString(block, 157, 100, fields.linkname);
  writeString(block, 257, 6, "ustar\0");
  writeString(block, 263, 2, "00");
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  writeString(block, 345, 155, fields.prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}
function paxRecord(key, value) {
  const body = ` ${key}=${value}
`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length)
    length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}
function padding(size) {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}
var isAscii = (text) => /^[\x20-\x7e]*$/.test(text);
function encodeTar(entries) {
  const parts = [];
  for (const entry of entries) {
    const fullName = entry.type === "dir" ? `${entry.name}/` : entry.name;
    const split = isAscii(fullName) ? splitUstarName(fullName) : void 0;
    const linkFits = isAscii(entry.linkTarget) && Buffer.byteLength(entry.linkTarget) <= 100;
    if (!split || !linkFits) {
      let records = "";
      if (!split) records += paxRecord("path", fullName);
      if (!linkFits) records += paxRecord("linkpath", entry.linkTarget);
      const data = Buffer.from(records);
      const paxName = `PaxHeaders/${posix.basename(entry.name)}`.slice(0, 100);
      parts.push(
        header({
          name: paxName,
          prefix: "",
          mode: FILE_MODE,
          size: data.length,
          typeflag: "x",
          linkname: ""
        })
      );
      parts.push(data, padding(data.length));
    }
    const fallbackName = fullName.replace(/[^\x20-\x7e]/g, "_").slice(-100);
    parts.push(
      header({
        name: split?.name ?? fallbackName,
        prefix: split?.prefix ?? "",
        mode: entry.mode,
        size: entry.type === "file" ? entry.content.length : 0,
        typeflag: entry.type === "file" ? "0" : entry.type === "dir" ? "5" : "2",
        linkname: linkFits ? entry.linkTarget : ""
      })
    );
    if (entry.type === "file") parts.push(entry.content, padding(entry.content.length));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
function reproducibleGzip(data) {
  const deflated = deflateRawSync(data, { level: GZIP_LEVEL, strategy: constants.Z_DEFAULT_STRATEGY });
  const head = Buffer.from([31, 139, 8, 0, 0, 0, 0, 0, 2, 255]);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(crc32(data) >>> 0, 0);
  tail.writeUInt32LE(data.length % 2 ** 32, 4);
  return Buffer.concat([head, deflated, tail]);
}
function buildLayer(files) {
  if (files.length === 0) throw new LayerError("the layer has no files");
  const entries = layerEntries(files);
  const tar = encodeTar(entries);
  const blob = reproducibleGzip(tar);
  return {
    blob,
    digest: sha256(blob),
    diffId: sha256(tar),
    size: blob.length,
    entries: entries.map((e) => e.type === "dir" ? `${e.name}/` : e.name)
  };
}

// src/image/manifest.ts
var MediaType = {
  OCI_INDEX: "application/vnd.oci.image.index.v1+json",
  DOCKER_LIST: "application/vnd.docker.distribution.manifest.list.v2+json",
  OCI_MANIFEST: "application/vnd.oci.image.manifest.v1+json",
  DOCKER_MANIFEST: "application/vnd.docker.distribution.manifest.v2+json",
  OCI_CONFIG: "application/vnd.oci.image.config.v1+json",
  DOCKER_CONFIG: "application/vnd.docker.container.image.v1+json",
  OCI_LAYER_GZIP: "application/vnd.oci.image.layer.v1.tar+gzip",
  DOCKER_LAYER_GZIP: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  DOCKER_FOREIGN_LAYER: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  OCI_NONDISTRIBUTABLE_LAYER: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  DOCKER_SCHEMA1: "application/vnd.docker.distribution.manifest.v1+json",
  DOCKER_SCHEMA1_SIGNED: "application/vnd.docker.distribution.manifest.v1+prettyjws"
};
var MANIFEST_ACCEPT = [
  MediaType.OCI_INDEX,
  MediaType.DOCKER_LIST,
  MediaType.OCI_MANIFEST,
  MediaType.DOCKER_MANIFEST
].join(", ");
var ManifestError = class extends Error {
  name = "ManifestError";
};
function familyOf(mediaType) {
  return mediaType.startsWith("application/vnd.docker.") ? "docker" : "oci";
}
function isIndexType(mediaType) {
  return mediaType === MediaType.OCI_INDEX || mediaType === MediaType.DOCKER_LIST;
}
function isManifestType(mediaType) {
  return mediaType === MediaType.OCI_MANIFEST || mediaType === MediaType.DOCKER_MANIFEST;
}
function bareMediaType(contentType) {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}
function parseManifest(bytes, contentType, what = "manifest") {
  let json;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new ManifestError(`the ${what} is not JSON`);
  }
  if (typeof json !== "object" || json === null) throw new ManifestError(`the ${what} is not a JSON object`);
  const header3 = bareMediaType(contentType);
  const declared = typeof json.mediaType === "string" ? json.mediaType : void 0;
  if (declared === MediaType.DOCKER_SCHEMA1 || declared === MediaType.DOCKER_SCHEMA1_SIGNED || header3 === MediaType.DOCKER_SCHEMA1 || header3 === MediaType.DOCKER_SCHEMA1_SIGNED || json.schemaVersion === 1) {
    throw new ManifestError(
      `the ${what} is a Docker schema 1 manifest, which is not supported; use a newer base image`
    );
  }
  if (json.schemaVersion !== 2)
    throw new ManifestError(`the ${what} has schemaVersion ${String(json.schemaVersion)}, expected 2`);
  let mediaType = declared ?? (isIndexType(header3) || isManifestType(header3) ? header3 : void 0);
  if (!mediaType) {
    if (Array.isArray(json.manifests)) mediaType = MediaType.OCI_INDEX;
    else if (json.config && Array.isArray(json.layers)) mediaType = MediaType.OCI_MANIFEST;
    else throw new ManifestError(`the ${what} is neither an image manifest nor an index`);
  }
  if (isIndexType(mediaType)) {
    if (!Array.isArray(json.manifests))
      throw new ManifestError(`the ${what} is an index without manifests[]`);
    return { kind: "index", mediaType, family: familyOf(mediaType), index: json };
  }
  if (isManifestType(mediaType)) {
    const m = json;
    if (!m.config || typeof m.config.digest !== "string" || !Array.isArray(m.layers)) {
      throw new ManifestError(`the ${what} has no config or layers`);
    }
    return { kind: "manifest", mediaType, family: familyOf(mediaType), manifest: m };
  }
  throw new ManifestError(`the ${what} has media type ${mediaType}, which is not an image manifest or index`);
}
function layerMediaType(family) {
  return family === "oci" ? MediaType.OCI_LAYER_GZIP : MediaType.DOCKER_LAYER_GZIP;
}
function isNonDistributable(layer) {
  return layer.mediaType === MediaType.DOCKER_FOREIGN_LAYER || layer.mediaType.startsWith("application/vnd.oci.image.layer.nondistributable.");
}
function built(value, mediaType) {
  const bytes = Buffer.from(JSON.stringify(value));
  return { bytes, mediaType, digest: sha256(bytes), size: bytes.length };
}
function appendLayer(base, options) {
  const family = familyOf(options.mediaType);
  const manifest = {
    ...structuredClone(base),
    schemaVersion: 2,
    mediaType: options.mediaType
  };
  manifest.config = {
    ...manifest.config,
    mediaType: manifest.config.mediaType ?? (family === "oci" ? MediaType.OCI_CONFIG : MediaType.DOCKER_CONFIG),
    digest: options.config.digest,
    size: options.config.size
  };
  manifest.layers = [
    ...manifest.layers,
    { mediaType: layerMediaType(family), digest: options.layer.digest, size: options.layer.size }
  ];
  if (family === "oci" && options.annotations && Object.keys(options.annotations).length > 0) {
    manifest.annotations = { ...manifest.annotations ?? {}, ...options.annotations };
  }
  return built(ordered(manifest, ["schemaVersion", "mediaType", "config", "layers"]), options.mediaType);
}
function buildIndex(mediaType, children, annotations) {
  const family = familyOf(mediaType);
  const manifests = children.map(({ base: d, manifest }) => {
    const descriptor = {
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size
    };
    if (d.platform) descriptor.platform = structuredClone(d.platform);
    if (family === "oci" && d.annotations) descriptor.annotations = { ...d.annotations };
    return descriptor;
  });
  const index = { schemaVersion: 2, mediaType, manifests };
  if (family === "oci" && annotations && Object.keys(annotations).length > 0)
    index.annotations = { ...annotations };
  return built(index, mediaType);
}
function baseAnnotations(baseName, baseDigest) {
  return {
    "org.opencontainers.image.base.name": baseName,
    "org.opencontainers.image.base.digest": baseDigest
  };
}
function ordered(value, first) {
  const out = {};
  const record = value;
  for (const key of first) if (key in record && record[key] !== void 0) out[key] = record[key];
  for (const [key, v] of Object.entries(record)) if (!(key in out) && v !== void 0) out[key] = v;
  return out;
}

// src/image/registry.ts
var import_undici = __toESM(require_undici(), 1);
import { createHash as createHash2 } from "node:crypto";
import { Transform } from "node:stream";
var MAX_REDIRECTS = 5;
var MANIFEST_LIMIT = 4 * 1024 * 1024;
var ERROR_BODY_LIMIT = 64 * 1024;
var DEFAULT_RETRY = { maxAttempts: 5, baseMs: 250, maxDelayMs: 8e3 };
function header2(headers, name) {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
function resolveLocation(requestUrl, location) {
  return new URL(location, requestUrl).href;
}
function appendQuery(url, name, value) {
  const hash = url.indexOf("#");
  const base = hash >= 0 ? url.slice(0, hash) : url;
  const sep = base.includes("?") ? base.endsWith("?") || base.endsWith("&") ? "" : "&" : "?";
  return `${base}${sep}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}
function parseRangeEnd(value) {
  const m = /^(?:bytes=)?(\d+)-(\d+)$/.exec((value ?? "").trim());
  return m ? Number(m[2]) : void 0;
}
function readLimited(body, limit, what) {
  return readBodyBytes(body, limit, () => new Error(`${what} is larger than ${limit} bytes`));
}
async function readText(body) {
  try {
    return (await readLimited(body, ERROR_BODY_LIMIT, "error body")).toString("utf8");
  } catch {
    return "";
  }
}
async function* rechunk(source, size) {
  let pending = [];
  let pendingSize = 0;
  for await (const piece of source) {
    let chunk = piece;
    while (pendingSize + chunk.length >= size) {
      const take = size - pendingSize;
      pending.push(chunk.subarray(0, take));
      yield Buffer.concat(pending);
      chunk = chunk.subarray(take);
      pending = [];
      pendingSize = 0;
    }
    if (chunk.length > 0) {
      pending.push(chunk);
      pendingSize += chunk.length;
    }
  }
  if (pendingSize > 0) yield Buffer.concat(pending);
}
var RegistryClient = class {
  registry;
  /** `https://host[:port]` (or http on loopback). */
  origin;
  auth;
  counters = {
    requests: 0,
    retries: 0,
    blobBytesUploaded: 0,
    manifestBytesUploaded: 0
  };
  options;
  retryOptions;
  constructor(options) {
    this.options = options;
    this.registry = options.registry;
    this.origin = registryBaseUrl(
      options.registry,
      options.plainHttp ?? isLoopbackRegistry(options.registry)
    );
    this.retryOptions = { ...DEFAULT_RETRY, ...options.retry };
    const transport = (url, headers) => this.retrying(`token request to ${new URL(url).origin}`, async () => {
      this.counters.requests++;
      const res = await (0, import_undici.request)(url, {
        method: "GET",
        headers: { "user-agent": this.userAgent, ...headers },
        dispatcher: this.options.dispatcher ?? defaultAgent(),
        headersTimeout: this.options.headersTimeoutMs ?? 6e4,
        bodyTimeout: this.options.bodyTimeoutMs ?? 6e4
      });
      const body = await readText(res.body);
      if (isRetryableStatus(res.statusCode)) {
        throw new RegistryError(
          `registry ${this.registry}: the token service answered HTTP ${res.statusCode}`,
          {
            registry: this.registry,
            status: res.statusCode,
            retryAfter: header2(res.headers, "retry-after")
          }
        );
      }
      return { status: res.statusCode, headers: res.headers, body };
    });
    this.auth = new RegistryAuth({
      registry: options.registry,
      origin: this.origin,
      credentials: options.credentials,
      scopes: options.scopes ?? [],
      transport,
      now: options.retry?.now,
      mask: options.mask,
      trustedRealmHosts: options.trustedRealmHosts
    });
  }
  get userAgent() {
    return this.options.userAgent ?? "usage-api-action";
  }
  url(path) {
    return `${this.origin}${path}`;
  }
  /** Run `fn` with the retry policy; a final network failure becomes one readable RegistryError. */
  async retrying(what, fn, extra) {
    const now = this.retryOptions.now ?? Date.now;
    try {
      return await withRetry(
        () => fn(),
        (err) => {
          if (err instanceof DigestMismatchError) return { retry: false };
          if (err instanceof RegistryError) {
            if (err.retryable || extra?.(err)) return { retry: true, reason: err.message };
            if (err.status !== void 0 && isRetryableStatus(err.status)) {
              return {
                retry: true,
                retryAfterMs: parseRetryAfter(err.retryAfter, now()),
                reason: `HTTP ${err.status}`
              };
            }
            return { retry: false };
          }
          if (isNetworkError(err)) return { retry: true, reason: networkReason(err) };
          return { retry: false };
        },
        {
          ...this.retryOptions,
          onRetry: (info) => {
            this.counters.retries++;
            this.options.log?.(
              `${what}: attempt ${info.attempt} failed (${info.reason}); retrying in ${info.delayMs} ms`
            );
            this.retryOptions.onRetry?.(info);
          }
        }
      );
    } catch (err) {
      const last = err instanceof RetryDeadlineError ? err.lastError : err;
      if (last instanceof RegistryError) throw last;
      if (isNetworkError(last)) {
        throw new RegistryError(`registry ${this.registry}: ${what} failed: ${networkReason(last)}`, {
          registry: this.registry,
          cause: last
        });
      }
      throw last;
    }
  }
  counting(stream) {
    const counters = this.counters;
    const counter = new Transform({
      transform(chunk, _encoding, callback) {
        counters.blobBytesUploaded += chunk.length;
        callback(null, chunk);
      }
    });
    stream.on("error", (err) => counter.destroy(err));
    return stream.pipe(counter);
  }
  /** One HTTP exchange, with the 401 challenge answered once and redirects followed when asked. */
  async send(init) {
    let url = init.url;
    let authRetried = false;
    for (let redirects = 0; ; ) {
      const authorization = await this.auth.header(url);
      const headers = { "user-agent": this.userAgent, ...init.headers };
      if (authorization) headers.authorization = authorization;
      let body;
      if (Buffer.isBuffer(init.body)) {
        body = init.body;
        if (init.method === "PUT" || init.method === "PATCH") {
          if (headers["content-type"] === "application/octet-stream")
            this.counters.blobBytesUploaded += body.length;
          else this.counters.manifestBytesUploaded += body.length;
        }
      } else if (init.body) {
        body = this.counting(init.body());
      }
      this.counters.requests++;
      const res = await (0, import_undici.request)(url, {
        method: init.method,
        headers,
        body,
        dispatcher: this.options.dispatcher ?? defaultAgent(),
        headersTimeout: this.options.headersTimeoutMs ?? 12e4,
        bodyTimeout: this.options.bodyTimeoutMs ?? 12e4
      });
      const reply = { status: res.statusCode, headers: res.headers, body: res.body, url };
      const sameOrigin = new URL(url).origin === this.origin;
      if (reply.status === 401 && sameOrigin) {
        await reply.body.dump();
        const again = await this.auth.onUnauthorized(
          header2(reply.headers, "www-authenticate"),
          authorization,
          init.repository
        );
        if (again && !authRetried && (body === void 0 || Buffer.isBuffer(body))) {
          authRetried = true;
          continue;
        }
        throw new RegistryError(
          `registry ${this.registry}: ${init.method} ${new URL(url).pathname} was refused (HTTP 401)`,
          {
            registry: this.registry,
            status: 401,
            retryable: again && !authRetried
          }
        );
      }
      if (init.redirects && reply.status >= 300 && reply.status < 400 && header2(reply.headers, "location")) {
        await reply.body.dump();
        if (++redirects > MAX_REDIRECTS) {
          throw new RegistryError(
            `registry ${this.registry}: too many redirects for ${new URL(init.url).pathname}`,
            {
              registry: this.registry,
              status: reply.status
            }
          );
        }
        url = resolveLocation(url, header2(reply.headers, "location"));
        continue;
      }
      if (init.ok.includes(reply.status)) {
        this.auth.accepted(authorization);
        return reply;
      }
      const text = init.method === "HEAD" ? "" : await readText(reply.body);
      if (init.method === "HEAD") await reply.body.dump();
      const error = registryHttpError({
        registry: this.registry,
        status: reply.status,
        method: init.method,
        path: new URL(url).pathname,
        body: text,
        retryAfter: header2(reply.headers, "retry-after"),
        hint: reply.status === 403 ? "the credentials lack permission for this repository" : void 0
      });
      throw error;
    }
  }
  checkDigestHeader(reply, expected, what) {
    const stated = header2(reply.headers, "docker-content-digest");
    if (stated?.startsWith("sha256:") && stated !== expected) {
      throw new DigestMismatchError(
        `registry ${this.registry}: ${what} has digest ${expected} but the registry says ${stated}`,
        {
          registry: this.registry,
          status: reply.status
        }
      );
    }
  }
  /** `GET /v2/`: checks the API is there and settles auth (one token for every scope) before any upload. */
  async ping() {
    await this.retrying("GET /v2/", async () => {
      const reply = await this.send({ method: "GET", url: this.url("/v2/"), ok: [200] });
      await reply.body.dump();
    });
  }
  /** A manifest or index by tag or digest; the digest of the bytes is checked against the reference and the header. */
  async getManifest(repository, reference) {
    return this.retrying(`GET manifest ${repository}:${reference}`, async () => {
      const reply = await this.send({
        method: "GET",
        url: this.url(`/v2/${repository}/manifests/${reference}`),
        headers: { accept: MANIFEST_ACCEPT },
        ok: [200],
        redirects: true,
        repository
      });
      const bytes = await readLimited(reply.body, MANIFEST_LIMIT, `manifest ${repository}:${reference}`);
      const digest = sha256(bytes);
      if (reference.startsWith("sha256:") && digest !== reference) {
        throw new DigestMismatchError(
          `registry ${this.registry}: manifest ${repository}@${reference} came back with digest ${digest}`,
          {
            registry: this.registry
          }
        );
      }
      this.checkDigestHeader(reply, digest, `manifest ${repository}:${reference}`);
      return { bytes, mediaType: bareMediaType(header2(reply.headers, "content-type")), digest };
    });
  }
  /** HEAD a manifest: its digest and type, or undefined when the registry does not have it. */
  async headManifest(repository, reference) {
    return this.retrying(`HEAD manifest ${repository}:${reference}`, async () => {
      const reply = await this.send({
        method: "HEAD",
        url: this.url(`/v2/${repository}/manifests/${reference}`),
        headers: { accept: MANIFEST_ACCEPT },
        ok: [200, 404],
        redirects: true,
        repository
      });
      await reply.body.dump();
      if (reply.status === 404) return void 0;
      const digest = header2(reply.headers, "docker-content-digest");
      if (reference.startsWith("sha256:"))
        this.checkDigestHeader(reply, reference, `manifest ${repository}@${reference}`);
      return {
        digest: digest ?? (reference.startsWith("sha256:") ? reference : void 0),
        mediaType: bareMediaType(header2(reply.headers, "content-type"))
      };
    });
  }
  /** True when the repository already has the blob. */
  async blobExists(repository, digest) {
    return this.retrying(`HEAD blob ${digest}`, async () => {
      const reply = await this.send({
        method: "HEAD",
        url: this.url(`/v2/${repository}/blobs/${digest}`),
        ok: [200, 404],
        redirects: true,
        repository
      });
      await reply.body.dump();
      if (reply.status === 200) this.checkDigestHeader(reply, digest, `blob ${digest}`);
      return reply.status === 200;
    });
  }
  /** One GET of a blob, redirects followed (to storage, without credentials to other hosts). */
  sendGetBlob(repository, digest) {
    return this.send({
      method: "GET",
      url: this.url(`/v2/${repository}/blobs/${digest}`),
      ok: [200],
      redirects: true,
      repository
    });
  }
  /** A small blob (a config) in memory, checked against its digest. */
  async getBlob(repository, digest, limit = MANIFEST_LIMIT) {
    return this.retrying(`GET blob ${digest}`, async () => {
      const reply = await this.sendGetBlob(repository, digest);
      const bytes = await readLimited(reply.body, limit, `blob ${digest}`);
      if (sha256(bytes) !== digest) {
        throw new DigestMismatchError(
          `registry ${this.registry}: blob ${digest} came back with digest ${sha256(bytes)}`,
          {
            registry: this.registry
          }
        );
      }
      return bytes;
    });
  }
  /**
   * A blob as a stream (redirects followed, without credentials to other hosts). The stream fails at its
   * end when the bytes do not hash to `digest`, so a bad copy is never committed silently.
   */
  async openBlob(repository, digest) {
    const reply = await this.retrying(`GET blob ${digest}`, async () => {
      const r = await this.sendGetBlob(repository, digest);
      this.checkDigestHeader(r, digest, `blob ${digest}`);
      return r;
    });
    const hash = createHash2("sha256");
    const registry = this.registry;
    const verify = new Transform({
      transform(chunk, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
      flush(callback) {
        const got = `sha256:${hash.digest("hex")}`;
        callback(
          got === digest ? null : new DigestMismatchError(`registry ${registry}: blob ${digest} streamed as ${got}`, {
            registry
          })
        );
      }
    });
    reply.body.on("error", (err) => verify.destroy(err));
    return {
      stream: reply.body.pipe(verify),
      size: Number(header2(reply.headers, "content-length") ?? Number.NaN)
    };
  }
  /** POST an upload session: its Location and the registry's minimum chunk size. */
  async startUpload(repository) {
    const url = this.url(`/v2/${repository}/blobs/uploads/`);
    const reply = await this.send({
      method: "POST",
      url,
      headers: { "content-length": "0" },
      ok: [202],
      repository
    });
    await reply.body.dump();
    return {
      location: this.uploadLocation(reply),
      minChunk: Number(header2(reply.headers, "oci-chunk-min-length") ?? 0) || 0
    };
  }
  uploadLocation(reply) {
    const location = header2(reply.headers, "location");
    if (!location) {
      throw new RegistryError(`registry ${this.registry}: an upload answer has no Location`, {
        registry: this.registry,
        status: reply.status
      });
    }
    return resolveLocation(reply.url, location);
  }
  /**
   * Cross-repository mount (same registry only): 201 = mounted; 202 = the registry declined and opened an
   * upload session instead, whose Location is returned for the upload.
   */
  async mountBlob(repository, digest, from) {
    return this.retrying(`mount ${digest} from ${from}`, async () => {
      const url = this.url(
        `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`
      );
      const reply = await this.send({
        method: "POST",
        url,
        headers: { "content-length": "0" },
        ok: [201, 202],
        repository
      });
      await reply.body.dump();
      if (reply.status === 201) {
        this.checkDigestHeader(reply, digest, `mounted blob ${digest}`);
        return { mounted: true };
      }
      return { mounted: false, location: this.uploadLocation(reply) };
    });
  }
  /**
   * Upload a blob: monolithic (POST, then PUT ?digest= with the body) up to `monolithicLimit`, chunked
   * (PATCH with Content-Range, then PUT ?digest=) above it or when the registry refuses the size (413).
   * A failed attempt restarts with a new session. `location` reuses a session already opened (a declined mount).
   */
  async uploadBlob(repository, digest, source, location) {
    let session = location;
    await this.retrying(
      `upload blob ${digest}`,
      async () => {
        const opened = session ? { location: session, minChunk: 0 } : await this.startUpload(repository);
        session = void 0;
        const size = "data" in source ? source.data.length : source.size;
        const limit = this.options.monolithicLimit ?? 64 * 1024 * 1024;
        if (size <= limit && opened.minChunk <= size) {
          try {
            await this.putBlob(opened.location, digest, source, repository);
            return;
          } catch (err) {
            if (!(err instanceof RegistryError && err.status === 413)) throw err;
            this.options.log?.(
              `registry ${this.registry} refused a ${size}-byte upload (413); sending it in chunks`
            );
          }
          const again = await this.startUpload(repository);
          await this.chunked(again.location, again.minChunk, digest, source, repository);
          return;
        }
        await this.chunked(opened.location, opened.minChunk, digest, source, repository);
      },
      // An upload that lost its place (416) or its session (404 BLOB_UPLOAD_UNKNOWN) starts over.
      (err) => err instanceof RegistryError && (err.status === 416 || err.code === "BLOB_UPLOAD_UNKNOWN")
    );
  }
  async putBlob(location, digest, source, repository) {
    const size = "data" in source ? source.data.length : source.size;
    const stream = "data" in source ? void 0 : await source.open();
    let reply;
    try {
      reply = await this.send({
        method: "PUT",
        url: appendQuery(location, "digest", digest),
        headers: { "content-type": "application/octet-stream", "content-length": String(size) },
        body: "data" in source ? source.data : () => stream,
        ok: [201, 204],
        repository
      });
    } finally {
      stream?.destroy();
    }
    await reply.body.dump();
    this.checkDigestHeader(reply, digest, `uploaded blob ${digest}`);
  }
  async chunked(location, minChunk, digest, source, repository) {
    const chunkSize = Math.max(this.options.chunkSize ?? 8 * 1024 * 1024, minChunk);
    const stream = "data" in source ? void 0 : await source.open();
    try {
      await this.patchChunks(
        location,
        chunkSize,
        digest,
        stream ?? [source.data],
        repository
      );
    } finally {
      stream?.destroy();
    }
  }
  async patchChunks(location, chunkSize, digest, input, repository) {
    let url = location;
    let offset = 0;
    for await (const chunk of rechunk(input, chunkSize)) {
      const end = offset + chunk.length - 1;
      const reply2 = await this.send({
        method: "PATCH",
        url,
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(chunk.length),
          "content-range": `${offset}-${end}`
        },
        body: chunk,
        ok: [202],
        repository
      });
      await reply2.body.dump();
      const confirmed = parseRangeEnd(header2(reply2.headers, "range"));
      if (confirmed !== void 0 && confirmed !== end) {
        throw new RegistryError(
          `registry ${this.registry}: upload of ${digest} is at byte ${confirmed + 1}, expected ${end + 1}`,
          {
            registry: this.registry,
            status: 416
          }
        );
      }
      url = header2(reply2.headers, "location") ? this.uploadLocation(reply2) : url;
      offset = end + 1;
    }
    const reply = await this.send({
      method: "PUT",
      url: appendQuery(url, "digest", digest),
      headers: { "content-type": "application/octet-stream", "content-length": "0" },
      body: Buffer.alloc(0),
      ok: [201, 204],
      repository
    });
    await reply.body.dump();
    this.checkDigestHeader(reply, digest, `uploaded blob ${digest}`);
  }
  /** PUT a manifest or index (by digest or tag); the registry must state the digest of the bytes sent. */
  async putManifest(repository, reference, manifest) {
    await this.retrying(`PUT manifest ${repository}:${reference}`, async () => {
      const reply = await this.send({
        method: "PUT",
        url: this.url(`/v2/${repository}/manifests/${reference}`),
        headers: { "content-type": manifest.mediaType },
        body: manifest.bytes,
        ok: [201],
        repository
      });
      await reply.body.dump();
      this.checkDigestHeader(reply, manifest.digest, `manifest ${repository}:${reference}`);
    });
  }
};
function networkReason(err) {
  for (let e = err, depth = 0; e && depth < 5; depth++) {
    const code = e.code;
    if (typeof code === "string") return code;
    e = e.cause;
  }
  return err instanceof Error ? err.message : String(err);
}

// src/image/build.ts
var ImageBuildError = class extends RegistryError {
  name = "ImageBuildError";
};
function parseReferences(base, target) {
  const baseRef = parseReference(base, { role: "base image" });
  const targetRef = parseReference(target, { role: "target image" });
  if (targetRef.digest) {
    throw new ImageBuildError(
      `target image reference ${JSON.stringify(target)} has a digest; give a tag to push to`,
      {
        registry: targetRef.registry
      }
    );
  }
  return { base: baseRef, target: targetRef };
}
function notFound(err, base) {
  if (err instanceof RegistryError && (err.status === 404 || err.code === "MANIFEST_UNKNOWN" || err.code === "NAME_UNKNOWN")) {
    throw new ImageBuildError(
      `base image ${formatReference(base)} was not found on ${base.registry} (${err.code ?? `HTTP ${err.status}`}): check the repository name and the tag`,
      { registry: base.registry, status: err.status, code: err.code, cause: err }
    );
  }
  throw err;
}
async function planImage(input, refs, baseClient, layer = buildLayer(input.files)) {
  const { base, target } = refs;
  if (input.platforms.length === 0)
    throw new ImageBuildError("no platform asked for", { registry: target.registry });
  const resolved = await resolveBase(input, base, baseClient);
  const children = [];
  for (const image of resolved.images) {
    children.push(await planChild(input, { base, baseClient, name: resolved.name }, image, layer));
  }
  return {
    base,
    target,
    baseDigest: resolved.digest,
    baseMediaType: resolved.top.mediaType,
    layer,
    children,
    top: topManifest(resolved, children),
    blobs: blobsToPush(resolved.images, layer, children)
  };
}
async function resolveBase(input, base, baseClient) {
  const name = formatReference(base);
  const fetched = await baseClient.getManifest(base.repository, referenceIdentifier(base)).catch((err) => notFound(err, base));
  const top = parseManifest(fetched.bytes, fetched.mediaType, `base image ${name}`);
  input.log?.(`base ${name}: ${top.kind} ${fetched.digest}`);
  if (top.kind !== "index") {
    const image = { platform: { os: "", architecture: "" }, parsed: top, digest: fetched.digest };
    return { name, digest: fetched.digest, top, images: [image] };
  }
  const images = [];
  for (const descriptor of selectChildren(top.index.manifests, input.platforms, name)) {
    images.push(await baseChild(base, name, descriptor, baseClient));
  }
  return { name, digest: fetched.digest, top, images };
}
async function baseChild(base, name, descriptor, baseClient) {
  if (descriptor.mediaType && isIndexType(descriptor.mediaType)) {
    throw new ImageBuildError(
      `base image ${name} nests an index for ${formatPlatform(descriptor.platform)}; nested indexes are not supported`,
      {
        registry: base.registry
      }
    );
  }
  const child = await baseClient.getManifest(base.repository, descriptor.digest);
  const parsed = parseManifest(
    child.bytes,
    descriptor.mediaType || child.mediaType,
    `base image ${name} (${descriptor.digest})`
  );
  if (parsed.kind !== "manifest") {
    throw new ImageBuildError(`base image ${name} child ${descriptor.digest} is not an image manifest`, {
      registry: base.registry
    });
  }
  return { descriptor, platform: descriptor.platform, parsed, digest: child.digest };
}
async function planChild(input, from, image, layer) {
  const { base, name } = from;
  const manifest = image.parsed.manifest;
  const baseConfig = parseConfig(await from.baseClient.getBlob(base.repository, manifest.config.digest));
  const configPlatform = {
    os: baseConfig.os,
    architecture: baseConfig.architecture,
    ...baseConfig.variant ? { variant: baseConfig.variant } : {}
  };
  if (!image.descriptor) {
    const wanted = input.platforms;
    if (wanted.length !== 1 || !platformMatches(wanted[0], configPlatform)) {
      throw new ImageBuildError(
        `base image ${name} is a single ${formatPlatform(configPlatform)} image, but ${wanted.map(formatPlatform).join(" and ")} ${wanted.length === 1 ? "is" : "are"} needed; use a multi-platform base (an index) or change 'platforms'`,
        { registry: base.registry }
      );
    }
    image.platform = configPlatform;
  }
  if (baseConfig.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new ImageBuildError(
      `base image ${name} (${formatPlatform(image.platform)}) has ${manifest.layers.length} layers but ${baseConfig.rootfs.diff_ids.length} diff_ids`,
      { registry: base.registry }
    );
  }
  const configBytes = serializeConfig(
    functionConfig(baseConfig, {
      diffId: layer.diffId,
      created: input.created,
      workingDir: input.workingDir,
      entrypoint: input.entrypoint
    })
  );
  const config = {
    bytes: configBytes,
    mediaType: manifest.config.mediaType,
    digest: sha256(configBytes),
    size: configBytes.length
  };
  const built2 = appendLayer(manifest, {
    mediaType: image.parsed.mediaType,
    layer: { digest: layer.digest, size: layer.size },
    config: { digest: config.digest, size: config.size },
    annotations: baseAnnotations(name, image.digest)
  });
  return { platform: image.platform, manifest: built2, config };
}
function topManifest(resolved, children) {
  if (resolved.top.kind === "index" && children.length > 1) {
    return buildIndex(
      resolved.top.mediaType,
      children.map((c, i) => ({
        base: resolved.images[i]?.descriptor,
        manifest: c.manifest
      })),
      baseAnnotations(resolved.name, resolved.digest)
    );
  }
  return children[0].manifest;
}
function blobsToPush(images, layer, children) {
  const baseLayers = /* @__PURE__ */ new Map();
  for (const image of images) {
    for (const l of image.parsed.manifest.layers) {
      if (!isNonDistributable(l) && !baseLayers.has(l.digest))
        baseLayers.set(l.digest, { digest: l.digest, size: l.size, kind: "base-layer" });
    }
  }
  const blobs = [
    ...baseLayers.values(),
    { digest: layer.digest, size: layer.size, kind: "layer", data: layer.blob }
  ];
  for (const c of children) {
    if (!blobs.some((b) => b.digest === c.config.digest)) {
      blobs.push({ digest: c.config.digest, size: c.config.size, kind: "config", data: c.config.bytes });
    }
  }
  return blobs;
}
function noPushes() {
  return {
    blobsUploaded: 0,
    blobsCopied: 0,
    blobsMounted: 0,
    blobsSkipped: 0,
    manifestsPushed: 0,
    manifestsSkipped: 0
  };
}
async function pool(items, limit, work) {
  let next = 0;
  let failed;
  const runners = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length && failed === void 0) {
      const item = items[next++];
      try {
        await work(item);
      } catch (err) {
        failed ??= err;
      }
    }
  });
  await Promise.all(runners);
  if (failed !== void 0) throw failed;
}
async function pushPlan(plan, target, baseClient, options = {}) {
  const push = { plan, target, baseClient, counts: noPushes(), log: options.log };
  await pool(plan.blobs, options.concurrency ?? 4, (blob) => pushBlob(push, blob));
  await pushManifests(push);
  return push.counts;
}
async function pushBlob({ plan, target, baseClient, counts, log }, blob) {
  const repo = plan.target.repository;
  if (await target.blobExists(repo, blob.digest)) {
    counts.blobsSkipped++;
    return;
  }
  if (blob.data) {
    await target.uploadBlob(repo, blob.digest, { data: blob.data });
    counts.blobsUploaded++;
    log?.(`uploaded ${blob.kind} ${blob.digest} (${blob.size} bytes)`);
    return;
  }
  let location;
  if (sameRegistry(plan.base, plan.target)) {
    const mount = await target.mountBlob(repo, blob.digest, plan.base.repository);
    if (mount.mounted) {
      counts.blobsMounted++;
      log?.(`mounted ${blob.digest} from ${plan.base.repository}`);
      return;
    }
    location = mount.location;
  }
  await target.uploadBlob(
    repo,
    blob.digest,
    {
      size: blob.size,
      open: async () => (await baseClient.openBlob(plan.base.repository, blob.digest)).stream
    },
    location
  );
  counts.blobsCopied++;
  log?.(`copied ${blob.digest} (${blob.size} bytes) from ${plan.base.registry}/${plan.base.repository}`);
}
async function pushManifests({ plan, target, counts, log }) {
  const repo = plan.target.repository;
  if (plan.children.length > 1) {
    for (const child of plan.children) {
      const existing = await target.headManifest(repo, child.manifest.digest);
      if (existing) {
        counts.manifestsSkipped++;
        continue;
      }
      await target.putManifest(repo, child.manifest.digest, child.manifest);
      counts.manifestsPushed++;
    }
  }
  const tag = plan.target.tag;
  const current = await target.headManifest(repo, tag);
  if (current?.digest === plan.top.digest) {
    counts.manifestsSkipped++;
  } else {
    await target.putManifest(repo, tag, plan.top);
    counts.manifestsPushed++;
  }
  log?.(`${formatReference(plan.target)} -> ${plan.top.digest}`);
}
function registryClients(input, refs) {
  const same = sameRegistry(refs.base, refs.target);
  const common2 = { ...input.client, log: input.client?.log ?? input.log };
  const basePull = repositoryScope(refs.base.repository, ["pull"]);
  const target = input.dryRun ? void 0 : new RegistryClient({
    ...common2,
    registry: refs.target.registry,
    credentials: input.credentials,
    scopes: [repositoryScope(refs.target.repository, ["pull", "push"]), ...same ? [basePull] : []]
  });
  const baseClient = same && target ? target : new RegistryClient({
    ...common2,
    registry: refs.base.registry,
    credentials: same ? input.credentials : input.baseCredentials,
    scopes: [basePull]
  });
  return { target, baseClient };
}
async function buildImage(input) {
  const refs = parseReferences(input.base, input.target);
  const layer = buildLayer(input.files);
  const { target, baseClient } = registryClients(input, refs);
  if (target) await target.ping();
  if (baseClient !== target) await baseClient.ping();
  const plan = await planImage(input, refs, baseClient, layer);
  const counts = target ? await pushPlan(plan, target, baseClient, { concurrency: input.concurrency, log: input.log }) : noPushes();
  const clients = [...new Set([target, baseClient].filter((c) => c !== void 0))];
  const targetName = formatReference({
    registry: refs.target.registry,
    repository: refs.target.repository,
    tag: refs.target.tag
  });
  return {
    image: `${targetName}@${plan.top.digest}`,
    digest: plan.top.digest,
    mediaType: plan.top.mediaType,
    base: { reference: formatReference(refs.base), digest: plan.baseDigest, mediaType: plan.baseMediaType },
    platforms: plan.children.map((c) => ({
      platform: formatPlatform(c.platform),
      digest: c.manifest.digest,
      configDigest: c.config.digest
    })),
    layer: { digest: layer.digest, diffId: layer.diffId, size: layer.size },
    dryRun: input.dryRun ?? false,
    bytesUploaded: target?.counters.blobBytesUploaded ?? 0,
    ...counts,
    requests: clients.reduce((n, c) => n + c.counters.requests, 0),
    retries: clients.reduce((n, c) => n + c.counters.retries, 0)
  };
}

// src/deploy/waiting.ts
async function pollUntilDone(waiting2, poll) {
  const sleep = waiting2.sleep ?? realSleep;
  const now = waiting2.now ?? Date.now;
  let interval = waiting2.pollMs ?? 500;
  for (; ; ) {
    const result = await poll();
    if (result.done) return result.value;
    const wait = result.waitMs?.(interval) ?? interval;
    if (now() + wait > waiting2.deadline) throw result.timedOut();
    waiting2.log?.(result.waitingLine);
    await sleep(wait);
    interval = Math.min(Math.round(interval * 1.5), waiting2.maxPollMs ?? 5e3);
  }
}

// src/deploy/function.ts
var GONE = /* @__PURE__ */ new Set(["DELETING", "DELETED"]);
var BUSY = /* @__PURE__ */ new Set(["CREATING", "UPDATING"]);
var FunctionDeployError = class extends UserFacingError {
  name = "FunctionDeployError";
};
async function readApplication(api, applicationId, call) {
  const { application } = await ociCall("GetApplication", () => api.getApplication({ applicationId }), {
    ...call,
    hint: (status) => status === 404 ? `input 'application-id': application ${applicationId} was not found in this region, or the user may not read it (policy: read fn-app)` : void 0
  });
  if (application.lifecycleState && application.lifecycleState !== "ACTIVE") {
    throw new FunctionDeployError(
      `input 'application-id': application ${application.displayName ?? applicationId} is ${application.lifecycleState}, not ACTIVE; fix or recreate it first`
    );
  }
  return application;
}
async function findFunction(api, where, call) {
  if (where.functionId) {
    const { function: fn2, etag: etag2 } = await ociCall(
      "GetFunction",
      () => api.getFunction({ functionId: where.functionId }),
      {
        ...call,
        hint: (status) => status === 404 ? `input 'function-id': function ${where.functionId} was not found; leave function-id empty to find or create the function by name` : void 0
      }
    );
    if (fn2.applicationId && fn2.applicationId !== where.applicationId) {
      throw new FunctionDeployError(
        `input 'function-id': function ${where.functionId} belongs to application ${fn2.applicationId}, not to ${where.applicationId}`
      );
    }
    if (fn2.lifecycleState && GONE.has(fn2.lifecycleState)) {
      throw new FunctionDeployError(
        `input 'function-id': function ${where.functionId} is ${fn2.lifecycleState}`
      );
    }
    return { fn: fn2, etag: etag2 };
  }
  const found = [];
  let page;
  for (let round = 0; round < 100; round++) {
    const response = await ociCall(
      "ListFunctions",
      () => api.listFunctions({
        applicationId: where.applicationId,
        displayName: where.name,
        limit: 50,
        ...page ? { page } : {}
      }),
      call
    );
    found.push(
      ...response.items.filter(
        (f) => f.displayName === where.name && !(f.lifecycleState && GONE.has(f.lifecycleState))
      )
    );
    page = response.opcNextPage || void 0;
    if (!page) break;
  }
  if (found.length > 1) {
    throw new FunctionDeployError(
      `application ${where.applicationId} has ${found.length} functions named ${where.name}; set 'function-id' to the one to deploy`
    );
  }
  const summary2 = found[0];
  if (!summary2) return void 0;
  const { function: fn, etag } = await ociCall(
    "GetFunction",
    () => api.getFunction({ functionId: summary2.id }),
    call
  );
  return { fn, etag };
}
function sameConfig(a, b) {
  const left = a ?? {};
  const keys = /* @__PURE__ */ new Set([...Object.keys(left), ...Object.keys(b)]);
  for (const key of keys) if (left[key] !== b[key]) return false;
  return true;
}
function functionChanges(current, desired) {
  const changes = [];
  if (current.imageDigest !== desired.imageDigest) {
    changes.push({ field: "imageDigest", before: current.imageDigest, after: desired.imageDigest });
  }
  if (current.image !== desired.image)
    changes.push({ field: "image", before: current.image, after: desired.image });
  if (current.memoryInMBs !== desired.memoryInMBs) {
    changes.push({
      field: "memoryInMBs",
      before: String(current.memoryInMBs ?? ""),
      after: String(desired.memoryInMBs)
    });
  }
  if (current.timeoutInSeconds !== desired.timeoutInSeconds) {
    changes.push({
      field: "timeoutInSeconds",
      before: String(current.timeoutInSeconds ?? ""),
      after: String(desired.timeoutInSeconds)
    });
  }
  if (!sameConfig(current.config, desired.config)) {
    const before = current.config ?? {};
    const keys = [.../* @__PURE__ */ new Set([...Object.keys(before), ...Object.keys(desired.config)])].sort();
    for (const key of keys) {
      if (before[key] !== desired.config[key]) {
        changes.push({ field: `config.${key}`, before: before[key], after: desired.config[key] });
      }
    }
  }
  return changes;
}
function planFunction(existing, desired) {
  if (!existing) return { action: "create", desired };
  const changes = functionChanges(existing.fn, desired);
  if (existing.fn.lifecycleState === "FAILED") {
    changes.push({ field: "lifecycleState", before: "FAILED", after: "ACTIVE (settings re-applied)" });
  }
  if (changes.length === 0) return { action: "none", desired, current: existing.fn, etag: existing.etag };
  return { action: "update", desired, current: existing.fn, etag: existing.etag, changes };
}
async function waitForFunction(api, functionId, waiting2, call) {
  return pollUntilDone(waiting2, async () => {
    const { function: fn, etag } = await ociCall("GetFunction", () => api.getFunction({ functionId }), call);
    const state = fn.lifecycleState ?? "ACTIVE";
    if (state === "ACTIVE") return { done: true, value: { fn, etag } };
    const name = fn.displayName ?? functionId;
    if (state === "FAILED" || GONE.has(state)) {
      throw new FunctionDeployError(
        `function ${name} is ${state} after the change; check the image (its architecture must match the application's shape) and the function's settings, then re-run`
      );
    }
    return {
      done: false,
      waitingLine: `function ${name} is ${state}; waiting`,
      timedOut: () => new FunctionDeployError(
        `function ${name} is still ${state} after the wait timeout; it may still become ACTIVE: re-run deploy later, or raise 'wait-timeout'`
      )
    };
  });
}
function updateDetails(changes, desired) {
  const fields = new Set(changes.map((c) => c.field.startsWith("config.") ? "config" : c.field));
  if (fields.has("lifecycleState")) {
    for (const field of ["image", "memoryInMBs", "timeoutInSeconds", "config"]) fields.add(field);
  }
  const details = {};
  if (fields.has("image") || fields.has("imageDigest")) {
    details.image = desired.image;
    details.imageDigest = desired.imageDigest;
  }
  if (fields.has("memoryInMBs")) details.memoryInMBs = desired.memoryInMBs;
  if (fields.has("timeoutInSeconds")) details.timeoutInSeconds = desired.timeoutInSeconds;
  if (fields.has("config")) details.config = desired.config;
  return details;
}
async function applyFunction(api, plan, waiting2, call) {
  const { desired } = plan;
  if (plan.action === "none") {
    if (plan.current.lifecycleState && BUSY.has(plan.current.lifecycleState)) {
      return (await waitForFunction(api, plan.current.id, waiting2, call)).fn;
    }
    return plan.current;
  }
  if (plan.action === "create") {
    const created = await createFunction(api, desired, call);
    return (await waitForFunction(api, created.id, waiting2, call)).fn;
  }
  let etag = plan.etag;
  if (plan.current.lifecycleState && BUSY.has(plan.current.lifecycleState)) {
    etag = (await waitForFunction(api, plan.current.id, waiting2, call)).etag;
  }
  try {
    await ociCall(
      "UpdateFunction",
      () => api.updateFunction({
        functionId: plan.current.id,
        ifMatch: etag,
        updateFunctionDetails: updateDetails(plan.changes, desired)
      }),
      call
    );
  } catch (err) {
    if (err.status !== 412) throw err;
    const again = await waitForFunction(api, plan.current.id, waiting2, call);
    if (functionChanges(again.fn, desired).length > 0) {
      throw new FunctionDeployError(
        `function ${desired.displayName} was changed by someone else while deploy ran (${oneLineText(err.message, 200)}); re-run deploy`
      );
    }
    return again.fn;
  }
  return (await waitForFunction(api, plan.current.id, waiting2, call)).fn;
}
async function createFunction(api, desired, call) {
  const { function: created } = await ociCall(
    "CreateFunction",
    () => api.createFunction({
      createFunctionDetails: {
        displayName: desired.displayName,
        applicationId: desired.applicationId,
        image: desired.image,
        imageDigest: desired.imageDigest,
        memoryInMBs: desired.memoryInMBs,
        timeoutInSeconds: desired.timeoutInSeconds,
        config: desired.config
      }
    }),
    {
      ...call,
      retry: (err) => err.status === 429,
      hint: (status) => status === 409 ? `a function named ${desired.displayName} already exists in the application (created concurrently?); re-run deploy` : void 0
    }
  );
  return created;
}

// src/deploy/gateway.ts
import { randomUUID } from "node:crypto";

// src/deploy/spec.ts
var import_oci_apigateway = __toESM(require_oci_apigateway(), 1);
var USAGE_ROUTE = "/request-summarized-usages";
var TOKEN_HEADER = "Authorization";
var TOKEN_AUTH_SCHEME = "Bearer";
function githubVerifyClaims(pins) {
  const claims = [{ key: "repository", values: [...pins.repositories], isRequired: true }];
  if (pins.refs.length > 0) claims.push({ key: "ref", values: [...pins.refs], isRequired: true });
  if (pins.environments.length > 0) {
    claims.push({ key: "environment", values: [...pins.environments], isRequired: true });
  }
  return claims;
}
function githubJwksUri(issuer) {
  return `${issuer.replace(/\/+$/, "")}/.well-known/jwks`;
}
function buildSpec(o) {
  const publicKeys = o.publicKeys.type === "STATIC_KEYS" ? {
    type: import_oci_apigateway.models.StaticPublicKeySet.type,
    keys: o.publicKeys.keys.map(
      (k) => ({
        kid: k.kid,
        format: import_oci_apigateway.models.JsonWebKey.format,
        kty: import_oci_apigateway.models.JsonWebKey.Kty.Rsa,
        use: import_oci_apigateway.models.JsonWebKey.Use.Sig,
        ...k.alg ? { alg: k.alg } : {},
        n: k.n,
        e: k.e
      })
    )
  } : {
    type: import_oci_apigateway.models.RemoteJsonWebKeySet.type,
    uri: o.publicKeys.uri,
    maxCacheDurationInHours: o.publicKeys.maxCacheDurationInHours,
    isSslVerifyDisabled: false
  };
  const authentication = {
    type: import_oci_apigateway.models.JwtAuthenticationPolicy.type,
    isAnonymousAccessAllowed: false,
    tokenHeader: TOKEN_HEADER,
    tokenAuthScheme: TOKEN_AUTH_SCHEME,
    issuers: [...o.issuers],
    audiences: [...o.audiences],
    maxClockSkewInSeconds: o.maxClockSkewSeconds,
    ...o.verifyClaims && o.verifyClaims.length > 0 ? {
      verifyClaims: o.verifyClaims.map(
        (c) => ({
          key: c.key,
          values: [...c.values],
          isRequired: c.isRequired
        })
      )
    } : {},
    publicKeys
  };
  const authorization = o.requiredScopes.length > 0 ? { type: import_oci_apigateway.models.AnyOfRouteAuthorizationPolicy.type, allowedScope: [...o.requiredScopes] } : { type: import_oci_apigateway.models.AuthenticationOnlyRouteAuthorizationPolicy.type };
  const backend = {
    type: import_oci_apigateway.models.OracleFunctionBackend.type,
    functionId: o.functionId
  };
  return {
    requestPolicies: {
      authentication,
      ...o.rateLimit !== void 0 ? {
        rateLimiting: {
          rateInRequestsPerSecond: o.rateLimit,
          rateKey: import_oci_apigateway.models.RateLimitingPolicy.RateKey.ClientIp
        }
      } : {}
    },
    routes: [
      {
        path: USAGE_ROUTE,
        methods: [import_oci_apigateway.models.ApiSpecificationRoute.Methods.Post],
        requestPolicies: { authorization },
        backend
      }
    ]
  };
}
var DEFAULTS = {
  maxClockSkewInSeconds: 0,
  maxCacheDurationInHours: 1,
  tokenHeader: TOKEN_HEADER,
  tokenAuthScheme: TOKEN_AUTH_SCHEME
};
var SETS = /* @__PURE__ */ new Set(["issuers", "audiences", "allowedScope", "methods", "keyOps", "values"]);
var RENAMES = { key_ops: "keyOps" };
function isRecord(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
function compareText(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
function identityOf(listKey, item) {
  if (!isRecord(item)) return void 0;
  if (listKey === "routes") {
    const methods = Array.isArray(item.methods) ? item.methods.join(",") : "ANY";
    return `${methods} ${String(item.path ?? "")}`;
  }
  if (listKey === "keys" && typeof item.kid === "string") return `kid=${item.kid}`;
  if (typeof item.name === "string") return `name=${item.name}`;
  if (typeof item.key === "string") return `key=${item.key}`;
  return void 0;
}
function canonicalValue(value, key) {
  if (value === null || value === void 0) return void 0;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    if (value === false && /^is[A-Z]/.test(key)) return void 0;
    if (Object.hasOwn(DEFAULTS, key) && DEFAULTS[key] === value) return void 0;
    return key === "methods" && typeof value === "string" ? value.toUpperCase() : value;
  }
  if (Array.isArray(value)) {
    let items = value.map((v) => canonicalValue(v, key)).filter((v) => v !== void 0);
    if (SETS.has(key) && items.every((v) => typeof v === "string")) {
      items = [...new Set(items)].sort(compareText);
    } else if (items.length > 1 && items.every((v) => identityOf(key, v) !== void 0)) {
      items = [...items].sort((a, b) => compareText(identityOf(key, a), identityOf(key, b)));
    }
    return items.length === 0 ? void 0 : items;
  }
  if (isRecord(value)) {
    const out = {};
    for (const rawKey of Object.keys(value).sort(compareText)) {
      const name = RENAMES[rawKey] ?? rawKey;
      const v = canonicalValue(value[rawKey], name);
      if (v !== void 0) out[name] = v;
    }
    if (key === "requestPolicies" && isRecord(out.authorization) && out.authorization.type === "AUTHENTICATION_ONLY") {
      const keys = Object.keys(out.authorization);
      if (keys.length === 1) delete out.authorization;
    }
    const sorted = {};
    for (const k of Object.keys(out).sort(compareText)) sorted[k] = out[k];
    return Object.keys(sorted).length === 0 ? void 0 : sorted;
  }
  return void 0;
}
function canonicalSpec(spec) {
  return canonicalValue(spec, "") ?? {};
}
function canonicalText(spec) {
  return JSON.stringify(canonicalSpec(spec));
}
function specsEqual(a, b) {
  return canonicalText(a) === canonicalText(b);
}
var VALUE_LIMIT = 60;
function showValue(value) {
  const text = JSON.stringify(value);
  return text.length > VALUE_LIMIT ? `${text.slice(0, VALUE_LIMIT - 1)}\u2026` : text;
}
function flatten2(value, path, listKey, out) {
  if (Array.isArray(value)) {
    if (value.every((v) => !isRecord(v) && !Array.isArray(v))) {
      out.set(path, value);
      return;
    }
    value.forEach((item, index) => {
      const id = identityOf(listKey, item) ?? String(index);
      flatten2(item, `${path}[${id}]`, listKey, out);
    });
    return;
  }
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) out.set(path, value);
    for (const [k, v] of entries) flatten2(v, path === "" ? k : `${path}.${k}`, k, out);
    return;
  }
  out.set(path, value);
}
function diffSpecs(current, desired) {
  const before = /* @__PURE__ */ new Map();
  const after = /* @__PURE__ */ new Map();
  if (current !== void 0) flatten2(canonicalSpec(current), "", "", before);
  flatten2(canonicalSpec(desired), "", "", after);
  const changes = [];
  const paths = [.../* @__PURE__ */ new Set([...before.keys(), ...after.keys()])].sort(compareText);
  for (const path of paths) {
    const a = before.get(path);
    const b = after.get(path);
    if (a === void 0 && b !== void 0) changes.push({ kind: "added", path, after: showValue(b) });
    else if (a !== void 0 && b === void 0)
      changes.push({ kind: "removed", path, before: showValue(a) });
    else if (a !== void 0 && b !== void 0 && JSON.stringify(a) !== JSON.stringify(b)) {
      changes.push({ kind: "changed", path, before: showValue(a), after: showValue(b) });
    }
  }
  return changes;
}
function renderSpecDiff(changes) {
  return changes.map(
    (c) => c.kind === "added" ? `+ ${c.path}: ${c.after}` : c.kind === "removed" ? `- ${c.path}: ${c.before}` : `~ ${c.path}: ${c.before} \u2192 ${c.after}`
  );
}

// src/deploy/gateway.ts
var GatewayDeployError = class extends UserFacingError {
  name = "GatewayDeployError";
};
var GONE2 = /* @__PURE__ */ new Set(["DELETING", "DELETED"]);
var BUSY2 = /* @__PURE__ */ new Set(["CREATING", "UPDATING"]);
async function readGateway(api, gatewayId, call) {
  const { gateway } = await ociCall("GetGateway", () => api.getGateway({ gatewayId }), {
    ...call,
    hint: (status) => status === 404 ? `input 'gateway-id': gateway ${gatewayId} was not found in this region, or the user may not use it (policy: use api-gateways); create the gateway first or fix the OCID` : void 0
  });
  if (gateway.lifecycleState && gateway.lifecycleState !== "ACTIVE") {
    throw new GatewayDeployError(
      `input 'gateway-id': gateway ${gateway.displayName ?? gatewayId} is ${gateway.lifecycleState}, not ACTIVE`
    );
  }
  return gateway;
}
async function findDeployment(api, where, call) {
  const found = [];
  let page;
  for (let round = 0; round < 100; round++) {
    const response = await ociCall(
      "ListDeployments",
      () => api.listDeployments({
        compartmentId: where.compartmentId,
        gatewayId: where.gatewayId,
        displayName: where.displayName,
        limit: 50,
        ...page ? { page } : {}
      }),
      call
    );
    found.push(
      ...response.deploymentCollection.items.filter(
        (d) => d.displayName === where.displayName && d.gatewayId === where.gatewayId && !(d.lifecycleState && GONE2.has(d.lifecycleState))
      )
    );
    page = response.opcNextPage || void 0;
    if (!page) break;
  }
  if (found.length > 1) {
    throw new GatewayDeployError(
      `gateway ${where.gatewayId} has ${found.length} deployments named ${where.displayName}; rename or delete the extra ones, or set 'deployment-name'`
    );
  }
  const summary2 = found[0];
  if (!summary2) return void 0;
  const { deployment, etag } = await ociCall(
    "GetDeployment",
    () => api.getDeployment({ deploymentId: summary2.id }),
    call
  );
  return { deployment, etag };
}
function planDeployment(existing, desired, pathPrefixInput = "path-prefix") {
  if (!existing) return { action: "create", desired, changes: diffSpecs(void 0, desired.specification) };
  const current = existing.deployment;
  if (current.pathPrefix !== desired.pathPrefix) {
    throw new GatewayDeployError(
      `input '${pathPrefixInput}': deployment ${desired.displayName} serves ${current.pathPrefix}, and API Gateway cannot change a deployment's path prefix; keep ${current.pathPrefix}, or use another 'deployment-name' for a new deployment at ${desired.pathPrefix}`
    );
  }
  const failed = current.lifecycleState === "FAILED";
  if (!failed && specsEqual(current.specification, desired.specification)) {
    return { action: "none", desired, current, etag: existing.etag };
  }
  return {
    action: "update",
    desired,
    current,
    etag: existing.etag,
    changes: diffSpecs(current.specification, desired.specification)
  };
}
async function failureText(workRequests, deployments, workRequestId, deploymentId, call) {
  const parts = [];
  if (deploymentId) {
    const details = await ociCall("GetDeployment", () => deployments.getDeployment({ deploymentId }), call).then((r) => r.deployment.lifecycleDetails).catch(() => void 0);
    if (details) parts.push(oneLineText(details));
  }
  if (workRequestId) {
    const errors = await ociCall(
      "ListWorkRequestErrors",
      () => workRequests.listWorkRequestErrors({ workRequestId }),
      call
    ).then((r) => r.workRequestErrorCollection.items).catch(() => []);
    for (const e of errors.slice(0, 3)) {
      const text = oneLineText(`${e.code ? `${e.code}: ` : ""}${e.message ?? ""}`);
      if (text && !parts.includes(text)) parts.push(text);
    }
  }
  return parts.length > 0 ? parts.join("; ") : "the service gave no details";
}
async function waitForDeployment(apis, ids, waiting2, call) {
  const timedOut = (what) => () => new GatewayDeployError(
    `deployment ${ids.displayName} is still ${what} after the wait timeout${ids.workRequestId ? ` (work request ${ids.workRequestId})` : ""}; the change continues in OCI: re-run deploy later, or raise 'wait-timeout'`
  );
  if (ids.workRequestId) {
    const workRequestId = ids.workRequestId;
    await pollUntilDone(waiting2, async () => {
      const response = await ociCall(
        "GetWorkRequest",
        () => apis.workRequests.getWorkRequest({ workRequestId }),
        call
      );
      const { status, operationType, percentComplete } = response.workRequest;
      if (status === "SUCCEEDED") return { done: true, value: void 0 };
      if (status === "FAILED" || status === "CANCELED") {
        const why = await failureText(
          apis.workRequests,
          apis.deployments,
          workRequestId,
          ids.deploymentId,
          call
        );
        throw new GatewayDeployError(
          `deployment ${ids.displayName}: work request ${workRequestId} (${operationType}) ${status}: ${why}`
        );
      }
      const serverWait = typeof response.retryAfter === "number" && response.retryAfter > 0 ? response.retryAfter * 1e3 : 0;
      return {
        done: false,
        waitingLine: `work request ${workRequestId} is ${status}; waiting`,
        timedOut: timedOut(`${status} (${percentComplete ?? 0}%)`),
        waitMs: (interval) => Math.min(Math.max(interval, serverWait), 1e4)
      };
    });
  }
  return pollUntilDone(waiting2, async () => {
    const { deployment, etag } = await ociCall(
      "GetDeployment",
      () => apis.deployments.getDeployment({ deploymentId: ids.deploymentId }),
      call
    );
    const state = deployment.lifecycleState ?? "ACTIVE";
    if (state === "ACTIVE") return { done: true, value: { deployment, etag } };
    if (state === "FAILED" || GONE2.has(state)) {
      throw new GatewayDeployError(
        `deployment ${ids.displayName} is ${state}: ${deployment.lifecycleDetails ? oneLineText(deployment.lifecycleDetails) : "the service gave no details"}`
      );
    }
    return {
      done: false,
      waitingLine: `deployment ${ids.displayName} is ${state}; waiting`,
      timedOut: timedOut(state)
    };
  });
}
async function applyDeployment(apis, plan, waiting2, call) {
  const { desired } = plan;
  const settled = (deploymentId, workRequestId2) => waitForDeployment(apis, { workRequestId: workRequestId2, deploymentId, displayName: desired.displayName }, waiting2, call);
  if (plan.action === "none") {
    if (plan.current.lifecycleState && BUSY2.has(plan.current.lifecycleState)) {
      return (await settled(plan.current.id)).deployment;
    }
    return plan.current;
  }
  if (plan.action === "create") {
    const created = await createDeployment(apis.deployments, desired, call);
    return (await settled(created.deployment.id, created.opcWorkRequestId || void 0)).deployment;
  }
  let etag = plan.etag;
  if (plan.current.lifecycleState && BUSY2.has(plan.current.lifecycleState)) {
    etag = (await settled(plan.current.id)).etag;
  }
  let workRequestId;
  try {
    const updated = await ociCall(
      "UpdateDeployment",
      () => apis.deployments.updateDeployment({
        deploymentId: plan.current.id,
        ifMatch: etag,
        updateDeploymentDetails: { displayName: desired.displayName, specification: desired.specification }
      }),
      call
    );
    workRequestId = updated.opcWorkRequestId || void 0;
  } catch (err) {
    if (err.status !== 412) throw err;
    const again = await settled(plan.current.id);
    if (!specsEqual(again.deployment.specification, desired.specification)) {
      throw new GatewayDeployError(
        `deployment ${desired.displayName} was changed by someone else while deploy ran (${oneLineText(err.message, 200)}); re-run deploy`
      );
    }
    return again.deployment;
  }
  return (await settled(plan.current.id, workRequestId)).deployment;
}
function createDeployment(api, desired, call) {
  const retryToken = randomUUID();
  return ociCall(
    "CreateDeployment",
    () => api.createDeployment({
      opcRetryToken: retryToken,
      createDeploymentDetails: {
        displayName: desired.displayName,
        gatewayId: desired.gatewayId,
        compartmentId: desired.compartmentId,
        pathPrefix: desired.pathPrefix,
        specification: desired.specification
      }
    }),
    {
      ...call,
      hint: (status) => status === 400 || status === 409 ? "check 'path-prefix' (another deployment on the gateway may use it) and the JWT inputs" : void 0
    }
  );
}

// src/deploy/jwks.ts
import { createPublicKey } from "node:crypto";
var JWT_ALGORITHMS = ["RS256", "RS384", "RS512"];
var MIN_RSA_BITS = 2048;
var MAX_RSA_BITS = 4096;
var JwksError = class extends UserFacingError {
  name = "JwksError";
};
function isRecord2(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
var show = (value) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}\u2026` : text;
};
function keyProblem(jwk) {
  if (typeof jwk.kid !== "string" || jwk.kid === "") return "no kid (the gateway picks keys by kid)";
  if (jwk.kty !== "RSA") return `kty ${show(jwk.kty)} (the gateway verifies RSA keys only)`;
  if (jwk.use !== void 0 && jwk.use !== "sig") return `use ${show(jwk.use)} (not a signing key)`;
  const ops = jwk.key_ops ?? jwk.keyOps;
  if (ops !== void 0) {
    if (!Array.isArray(ops)) return "key_ops is not a list";
    if (!ops.includes("sig") && !ops.includes("verify")) return `key_ops ${show(ops)} (not a signing key)`;
  }
  if (jwk.alg !== void 0 && !JWT_ALGORITHMS.includes(jwk.alg)) {
    return `alg ${show(jwk.alg)} (the gateway accepts ${JWT_ALGORITHMS.join(", ")})`;
  }
  if (typeof jwk.n !== "string" || typeof jwk.e !== "string" || jwk.n === "" || jwk.e === "") {
    return "n and e are missing";
  }
  let bits;
  try {
    const key = createPublicKey({ key: { kty: "RSA", n: jwk.n, e: jwk.e }, format: "jwk" });
    bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  } catch {
    return "n and e do not form an RSA public key";
  }
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    return `${bits}-bit RSA (the gateway accepts ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits)`;
  }
  return void 0;
}
function staticKeysFromJwks(jwks, source) {
  if (!isRecord2(jwks) || !Array.isArray(jwks.keys)) {
    throw new JwksError(`the JWKS at ${source} is not a JSON Web Key Set (no "keys" list)`);
  }
  const keys = [];
  const dropped = [];
  for (const entry of jwks.keys) {
    if (!isRecord2(entry)) {
      dropped.push({ kid: void 0, reason: "not a JSON object" });
      continue;
    }
    const kid = typeof entry.kid === "string" && entry.kid !== "" ? entry.kid : void 0;
    const problem = keyProblem(entry);
    if (problem) {
      dropped.push({ kid, reason: problem });
      continue;
    }
    if (keys.some((k) => k.kid === kid)) {
      throw new JwksError(
        `the JWKS at ${source} has two usable keys with kid ${show(kid)}; the gateway could not tell them apart`
      );
    }
    keys.push({
      kid,
      format: "JSON_WEB_KEY",
      kty: "RSA",
      use: "sig",
      ...typeof entry.alg === "string" ? { alg: entry.alg } : {},
      n: entry.n,
      e: entry.e
    });
  }
  if (keys.length === 0) {
    const why = dropped.length === 0 ? "it has no keys" : dropped.slice(0, 5).map((d) => `${d.kid === void 0 ? "a key" : `kid ${show(d.kid)}`}: ${d.reason}`).join("; ");
    throw new JwksError(
      `the JWKS at ${source} has no RSA signing key API Gateway can use (${why}); the gateway verifies RS256/384/512 tokens with 2048-4096-bit RSA keys only: check 'identity-domain-url' and 'jwks-url' (the identity domain's /admin/v1/SigningCert/jwk)`
    );
  }
  return { keys, dropped };
}

// src/deploy/current-state.ts
function platformNames(platforms) {
  return platforms.map((p) => `${p.os}/${p.architecture}`).join(", ");
}
function platformsOf(image, application) {
  try {
    return image.platforms ?? platformsForShape(application.shape ?? "GENERIC_X86");
  } catch (err) {
    if (!(err instanceof PlatformError)) throw err;
    throw new UserFacingError(
      `application ${application.displayName ?? application.id}: ${err.message}; or set 'platforms'`
    );
  }
}
async function checkApplication(run, applicationId, image) {
  const application = await readApplication(run.clients.functions, applicationId, run.call);
  const platforms = platformsOf(image, application);
  run.info(
    `application ${application.displayName ?? application.id}: shape ${application.shape ?? "GENERIC_X86"} -> ${platformNames(platforms)}${image.platforms ? " (from 'platforms')" : ""}`
  );
  return { application, platforms };
}
async function checkNamespace(run, image, tenancyId) {
  const namespace = image.namespace ?? (await ociCall(
    "GetContainerConfiguration",
    () => run.clients.artifacts.getContainerConfiguration({ compartmentId: tenancyId }),
    {
      ...run.call,
      hint: (status) => status === 403 || status === 404 ? "set 'namespace' to the tenancy namespace, or allow the user to read objectstorage-namespaces" : void 0
    }
  )).containerConfiguration.namespace;
  run.info(`registry ${image.registry}, namespace ${namespace}${image.namespace ? "" : " (looked up)"}`);
  return namespace;
}
async function checkGateway(run, inputs) {
  const gateway = await readGateway(run.clients.gateways, inputs.gatewayId, run.call);
  run.info(`gateway ${gateway.displayName ?? gateway.id} (${gateway.hostname ?? "no hostname"}) is ACTIVE`);
  return { gateway, compartmentId: inputs.compartmentId ?? gateway.compartmentId };
}
async function findExistingFunction(run, fn) {
  const { applicationId, name, functionId } = fn;
  const existing = await findFunction(run.clients.functions, { applicationId, name, functionId }, run.call);
  run.info(
    existing ? `function ${existing.fn.displayName} exists (${existing.fn.id})` : `function ${fn.name} does not exist yet`
  );
  return existing;
}
async function findExistingDeployment(run, where) {
  const existing = await findDeployment(run.clients.deployments, where, run.call);
  run.info(
    existing ? `deployment ${where.displayName} exists (${existing.deployment.id}, ${existing.deployment.lifecycleState ?? "ACTIVE"})` : `deployment ${where.displayName} does not exist yet`
  );
  return existing;
}
async function checkIdentityDomain(run, inputs) {
  const { http } = run.deps;
  const discovery = inputs.issuer !== void 0 && inputs.jwksUrl !== void 0 ? void 0 : await discover(http, inputs.identityDomainUrl);
  const issuer = inputs.issuer ?? discovery?.issuer;
  const jwksUri = inputs.jwksUrl ?? discovery?.jwksUri;
  const keys = staticKeysFromJwks(await http.getJson(jwksUri, "JWKS"), jwksUri);
  const skipped = keys.dropped.map((d) => `${d.kid ?? "(no kid)"} (${d.reason})`).join(", ");
  run.info(
    `identity domain: issuer ${issuer}; JWKS ${jwksUri}: usable ${keys.keys.map((k) => k.kid).join(", ")}${keys.dropped.length > 0 ? `; skipped ${skipped}` : ""}`
  );
  return { issuer, jwksUri, keys };
}
async function checkGithubDeployment(run, inputs, where) {
  const wanted = inputs.github;
  const name = wanted?.deploymentName ?? `${inputs.deploymentName}${GITHUB_DEPLOYMENT_SUFFIX}`;
  const existing = wanted ? await findExistingDeployment(run, { ...where, displayName: name }) : await findDeployment(run.clients.deployments, { ...where, displayName: name }, run.call);
  if (!wanted) return { name, existing, jwksUri: void 0, kids: [] };
  const jwksUri = githubJwksUri(wanted.issuer);
  const keys = staticKeysFromJwks(await run.deps.http.getJson(jwksUri, GITHUB_KEYS), jwksUri);
  run.info(
    `GitHub OIDC: issuer ${wanted.issuer}; JWKS ${jwksUri}: usable ${keys.keys.map((k) => k.kid).join(", ")}; repositories ${wanted.repositories.join(", ")}`
  );
  return { name, existing, jwksUri, kids: keys.keys.map((k) => k.kid) };
}
function readCurrentState(run, inputs) {
  return run.deps.log.group(
    "Check the application, gateway, registry namespace and identity domain",
    async () => {
      const { application, platforms } = await checkApplication(run, inputs.fn.applicationId, inputs.image);
      const { gateway, compartmentId } = await checkGateway(run, inputs.gateway);
      const existingFn = await findExistingFunction(run, inputs.fn);
      const existingDeployment = await findExistingDeployment(run, {
        compartmentId,
        gatewayId: gateway.id,
        displayName: inputs.gateway.deploymentName
      });
      const namespace = await checkNamespace(run, inputs.image, inputs.auth.tenancyId);
      const identity = await checkIdentityDomain(run, inputs.gateway);
      const github = await checkGithubDeployment(run, inputs.gateway, {
        compartmentId,
        gatewayId: gateway.id
      });
      return {
        github,
        application,
        platforms,
        gateway,
        compartmentId,
        existingFn,
        existingDeployment,
        namespace,
        ...identity
      };
    }
  );
}
function readImageOnlyState(run, inputs) {
  return run.deps.log.group("Check the application and registry namespace (image only)", async () => {
    let platforms = inputs.image.platforms;
    let applicationCompartmentId;
    if (inputs.applicationId !== void 0) {
      const checked = await checkApplication(run, inputs.applicationId, inputs.image);
      applicationCompartmentId = checked.application.compartmentId ?? inputs.auth.tenancyId;
      platforms = checked.platforms;
    } else {
      run.info(`platforms ${platformNames(platforms ?? [])} (from 'platforms')`);
    }
    const namespace = await checkNamespace(run, inputs.image, inputs.auth.tenancyId);
    return { platforms, namespace, applicationCompartmentId };
  });
}

// src/image/ocir-token.ts
var common = __toESM(require_oci_common(), 1);
var import_undici2 = __toESM(require_undici(), 1);
var BEARER_USERNAME = "BEARER_TOKEN";
var TOKEN_RETRY = { maxAttempts: 4, baseMs: 500, maxDelayMs: 8e3 };
async function ocirTokenCredentials(req) {
  const scope = `repository:${req.repository}:pull,push`;
  const url = `${registryBaseUrl(req.registry)}/20180419/docker/token?${new URLSearchParams({ service: req.registry, scope })}`;
  const shown = `${registryBaseUrl(req.registry)}/20180419/docker/token (scope ${scope})`;
  const answer = await withRetry(() => signedGet(url, req), classifyForRetry, {
    ...TOKEN_RETRY,
    ...req.retry
  }).catch((err) => {
    throw new UserFacingError(
      `could not get a registry token from ${shown}: ${clip(oneLine(err), 200)}; check 'registry' and that it is reachable`
    );
  });
  if (answer.status !== 200) {
    const why = sanitizeServerText(answer.body);
    const fix = answer.status === 401 || answer.status === 403 ? "the signing user needs the deployer group's policy on repositories (manage repos) in the repository's compartment; run setup" : "check 'registry' (the region's OCIR host, e.g. iad.ocir.io)";
    throw new UserFacingError(
      `the registry refused the signed token request to ${shown} (HTTP ${answer.status}${why ? `: ${why}` : ""}); ${fix}`
    );
  }
  const token = tokenOf(answer.body);
  if (!token) {
    throw new UserFacingError(`${shown} answered 200 without a token; check 'registry' (an OCIR host)`);
  }
  req.mask(token);
  return { username: BEARER_USERNAME, password: token };
}
async function signedGet(url, req) {
  const headers = new Headers({ accept: "application/json" });
  await new common.DefaultRequestSigner(req.provider).signHttpRequest({ method: "GET", uri: url, headers });
  const res = await (0, import_undici2.request)(url, {
    method: "GET",
    dispatcher: req.agent ?? defaultAgent(),
    headers: Object.fromEntries(headers.entries())
  });
  const body = await readBody(res.body);
  if (isRetryableStatus(res.statusCode)) {
    const retryAfter = res.headers["retry-after"];
    throw new RetryableHttpError(
      `HTTP ${res.statusCode}`,
      res.statusCode,
      parseRetryAfter(
        typeof retryAfter === "string" ? retryAfter : void 0,
        (req.retry?.now ?? Date.now)()
      )
    );
  }
  return { status: res.statusCode, body };
}
function tokenOf(body) {
  try {
    const token = JSON.parse(body).token;
    return typeof token === "string" && token !== "" ? token : void 0;
  } catch {
    return void 0;
  }
}

// src/deploy/image-plan.ts
var PLAN_TAG = "deploy-plan";
function ocirUsername(registry, namespace, username) {
  return isOcirHost(registry) && !username.startsWith(`${namespace}/`) ? `${namespace}/${username}` : username;
}
async function targetCredentials(run, image, where) {
  if (image.username && image.password) {
    const username = ocirUsername(image.registry, where.namespace, image.username);
    if (username !== image.username) run.info(`registry username: ${username} (namespace prefixed)`);
    return { username, password: image.password };
  }
  if (where.auth.kind !== "session") return void 0;
  const credentials = await ocirTokenCredentials({
    registry: image.registry,
    repository: `${where.namespace}/${image.repository}`,
    provider: where.auth.provider,
    mask: run.deps.setSecret,
    retry: { sleep: run.deps.sleep, now: run.deps.now }
  });
  run.info(
    `registry ${image.registry}: signed in as ${BEARER_USERNAME} with a token from OCIR's token service`
  );
  return credentials;
}
async function planImage2(run, image, where) {
  const { deps, info } = run;
  const repoRef = `${image.registry}/${where.namespace}/${image.repository}`;
  const credentials = await targetCredentials(run, image, where);
  const bundle = await deps.readFunctionBundle();
  const input = {
    files: [{ path: "function/func.js", content: bundle }],
    base: image.baseImage,
    platforms: where.platforms,
    ...credentials ? { credentials } : {},
    ...image.baseUsername && image.basePassword ? { baseCredentials: { username: image.baseUsername, password: image.basePassword } } : {},
    client: { mask: deps.setSecret, retry: { sleep: deps.sleep, now: deps.now } },
    log: info
  };
  const planned = await deps.log.group(
    "Plan the function image",
    () => deps.buildImage({ ...input, target: `${repoRef}:${PLAN_TAG}`, dryRun: true })
  );
  const target = `${repoRef}:${expandTag(image.tagTemplate, { digest: planned.digest, sha: where.githubSha })}`;
  return { input, planned, target, imageRef: `${target}@${planned.digest}` };
}
async function pushImage(run, image, baseImage) {
  const { deps, info } = run;
  const { planned, target } = image;
  const pushed = await deps.log.group(`Push ${target}`, () => deps.buildImage({ ...image.input, target }));
  if (pushed.digest !== planned.digest) {
    throw new UserFacingError(
      `the image digest changed between the plan (${planned.digest}) and the push (${pushed.digest}): the base image ${baseImage} moved while deploy ran; re-run deploy`
    );
  }
  info(
    `${pushed.image}: ${pushed.blobsUploaded} blobs uploaded (${pushed.bytesUploaded} bytes), ${pushed.blobsMounted} mounted, ${pushed.blobsCopied} copied, ${pushed.blobsSkipped} already there; ${pushed.manifestsPushed} manifests pushed`
  );
  return pushed;
}
function imagePlanView(image) {
  const { planned } = image;
  return {
    reference: image.imageRef,
    digest: planned.digest,
    base: planned.base.reference,
    baseDigest: planned.base.digest,
    platforms: planned.platforms.map((p) => p.platform),
    layerDigest: planned.layer.digest,
    layerSize: planned.layer.size
  };
}

// src/deploy/plan.ts
function imageOnlyStatements(ctx) {
  const group = ctx.deployerGroup ?? DEFAULT_DEPLOYER_GROUP;
  const statements = [];
  if (ctx.namespaceLookedUp)
    statements.push(`Allow group ${group} to read objectstorage-namespaces in tenancy`);
  statements.push(
    `Allow group ${group} to manage repos in tenancy where target.repo.name = '${ctx.repository.replace(/'/g, "")}'`
  );
  if (ctx.applicationCompartmentId !== void 0) {
    statements.push(
      `Allow group ${group} to read fn-app in ${compartmentClause(ctx.applicationCompartmentId, ctx.tenancyId)}`
    );
  }
  return statements;
}
function safeText(value, limit = 80) {
  if (value === void 0) return "(none)";
  return clip(flatten(value), limit);
}
var VERB = { create: "create", update: "update", none: "unchanged" };
function functionChangeLine(c) {
  if (c.before === void 0) return `+ ${c.field}: ${safeText(c.after)}`;
  if (c.after === void 0) return `- ${c.field}: ${safeText(c.before)}`;
  return `~ ${c.field}: ${safeText(c.before)} \u2192 ${safeText(c.after)}`;
}
function planHeadline(plan) {
  const parts = [`function ${VERB[plan.fn.action]}`, `deployment ${VERB[plan.deployment.action]}`];
  if (plan.github) {
    parts.push(
      `GitHub deployment ${plan.github.kind === "managed" ? VERB[plan.github.action] : "left in place"}`
    );
  }
  return `${plan.dryRun ? "Dry run (nothing is changed)" : "Plan"}: image ${plan.image.digest}; ${parts.join(", ")}`;
}
function renderPlan(plan) {
  const lines = [planHeadline(plan), ""];
  const { image, fn, deployment, jwt } = plan;
  lines.push(
    ...imageLines(image),
    "",
    `Function ${safeText(fn.name)} in application ${fn.applicationId}: ${VERB[fn.action]}${fn.id ? ` (${fn.id})` : ""}`
  );
  for (const c of fn.action === "none" ? [] : fn.changes) lines.push(`  ${functionChangeLine(c)}`);
  lines.push(
    "",
    `Deployment ${safeText(deployment.name)} at ${deployment.pathPrefix} on gateway ${deployment.gatewayId}: ${VERB[deployment.action]}${deployment.id ? ` (${deployment.id})` : ""}`
  );
  if (deployment.action !== "none") {
    for (const line of renderSpecDiff(deployment.changes)) lines.push(`  ${safeText(line, 200)}`);
  }
  if (deployment.endpoint) lines.push(`  endpoint ${deployment.endpoint}`);
  lines.push(
    "",
    `JWT: issuer ${safeText(jwt.issuer, 200)}; audiences ${jwt.audiences.map((a) => safeText(a)).join(", ")}`,
    jwt.mode === "static" ? `  static keys from ${safeText(jwt.jwksUri, 200)}: ${jwt.kids.map((k) => safeText(k)).join(", ")}` : `  remote JWKS ${safeText(jwt.jwksUri, 200)}`
  );
  for (const d of jwt.dropped)
    lines.push(`  skipped key ${d.kid === void 0 ? "(no kid)" : safeText(d.kid)}: ${d.reason}`);
  if (jwt.requiredScopes.length > 0)
    lines.push(`  required scope (any of): ${jwt.requiredScopes.join(", ")}`);
  if (plan.github) lines.push("", ...githubLines(plan.github));
  lines.push("", "IAM policy this setup needs (least privilege):");
  for (const line of renderIamPolicy(plan.iam)) lines.push(`  ${line}`);
  return lines.map(safeLogLine);
}
var LEFT_IN_PLACE = "left in place: 'github-repositories' is empty, and deploy never deletes a deployment; its repositories' workflows can still call it, so delete it if no report uses it";
function githubLines(github) {
  const head = `GitHub deployment ${safeText(github.name)} at ${github.pathPrefix}`;
  if (github.kind === "left") {
    return [
      `${head} (${github.id}): ${LEFT_IN_PLACE}`,
      ...github.endpoint ? [`  endpoint ${github.endpoint}`] : []
    ];
  }
  const lines = [`${head}: ${VERB[github.action]}${github.id ? ` (${github.id})` : ""}`];
  if (github.action !== "none") {
    for (const line of renderSpecDiff(github.changes)) lines.push(`  ${safeText(line, 200)}`);
  }
  if (github.endpoint) lines.push(`  endpoint ${github.endpoint}`);
  lines.push(
    `  GitHub OIDC: issuer ${safeText(github.issuer, 200)}; audience ${safeText(github.audience)}; remote JWKS ${safeText(github.jwksUri, 200)} (keys ${github.kids.map((k) => safeText(k)).join(", ")})`,
    `  repository (any of): ${github.repositories.join(", ")}`
  );
  if (github.refs.length > 0) lines.push(`  ref (any of): ${github.refs.map((r) => safeText(r)).join(", ")}`);
  if (github.environments.length > 0) {
    lines.push(`  environment (any of): ${github.environments.map((e) => safeText(e)).join(", ")}`);
  }
  return lines;
}
function imageLines(image) {
  return [
    `Image: ${image.reference}`,
    `  base ${safeText(image.base, 200)} (${image.baseDigest})`,
    `  platforms ${image.platforms.join(", ")}; function layer ${image.layerDigest} (${image.layerSize} bytes)`
  ];
}
function renderImageOnlyPlan(plan) {
  const lines = [
    `${plan.dryRun ? "Dry run (nothing is changed)" : "Plan"}: image ${plan.image.digest}; image only (the function and the gateway deployment are not touched)`,
    "",
    ...imageLines(plan.image),
    "",
    "IAM policy this run needs (least privilege):",
    ...plan.iam.map((line) => `  ${line}`)
  ];
  return lines.map(safeLogLine);
}
function cell(text) {
  return safeText(text, 120).replace(/\|/g, "\\|").replace(/`/g, "'");
}
function renderPlanMarkdown(plan) {
  const { image, fn, deployment, jwt } = plan;
  const out = [
    `## usage-api deploy${plan.dryRun ? " (dry run: nothing was changed)" : ""}`,
    "",
    "| | |",
    "|---|---|",
    `| Image | \`${cell(image.reference)}\` |`,
    `| Platforms | ${cell(image.platforms.join(", "))} |`,
    `| Function \`${cell(fn.name)}\` | ${VERB[fn.action]}${fn.id ? ` (\`${cell(fn.id)}\`)` : ""} |`,
    `| Deployment \`${cell(deployment.name)}\` | ${VERB[deployment.action]}${deployment.id ? ` (\`${cell(deployment.id)}\`)` : ""} |`,
    `| Endpoint | ${deployment.endpoint ? `\`${cell(deployment.endpoint)}\`` : "(after the first deploy)"} |`,
    `| JWT | issuer \`${cell(jwt.issuer)}\`, ${jwt.mode === "static" ? `static keys ${jwt.kids.map((k) => `\`${cell(k)}\``).join(", ")}` : "remote JWKS"} |`,
    ...plan.github ? githubRows(plan.github) : [],
    ""
  ];
  if (fn.action !== "none" && fn.changes.length > 0) {
    out.push(
      "### Function changes",
      "",
      "```",
      ...fn.changes.map((c) => safeText(functionChangeLine(c), 200)),
      "```",
      ""
    );
  }
  if (deployment.action !== "none") {
    out.push(
      "### Deployment specification diff",
      "",
      "```diff",
      ...renderSpecDiff(deployment.changes).map((l) => safeText(l, 200)),
      "```",
      ""
    );
  }
  if (plan.github?.kind === "managed" && plan.github.action !== "none") {
    out.push(
      "### GitHub deployment specification diff",
      "",
      "```diff",
      ...renderSpecDiff(plan.github.changes).map((l) => safeText(l, 200)),
      "```",
      ""
    );
  }
  out.push("### IAM policy (least privilege)", "", "```", ...renderIamPolicy(plan.iam), "```", "");
  return out.join("\n");
}
function githubRows(github) {
  const id = github.id ? ` (\`${cell(github.id)}\`)` : "";
  const endpoint = `| GitHub endpoint | ${github.endpoint ? `\`${cell(github.endpoint)}\`` : "(after the first deploy)"} |`;
  if (github.kind === "left") {
    return [`| GitHub deployment \`${cell(github.name)}\` | ${cell(LEFT_IN_PLACE)}${id} |`, endpoint];
  }
  const pins = [
    `repository ${github.repositories.map((r) => `\`${cell(r)}\``).join(", ")}`,
    ...github.refs.length > 0 ? [`ref ${github.refs.map((r) => `\`${cell(r)}\``).join(", ")}`] : [],
    ...github.environments.length > 0 ? [`environment ${github.environments.map((e) => `\`${cell(e)}\``).join(", ")}`] : []
  ];
  return [
    `| GitHub deployment \`${cell(github.name)}\` | ${VERB[github.action]}${id} |`,
    endpoint,
    `| GitHub OIDC | issuer \`${cell(github.issuer)}\`, audience \`${cell(github.audience)}\`; ${pins.join("; ")} |`
  ];
}
function renderImageOnlyPlanMarkdown(plan) {
  const { image } = plan;
  return [
    `## usage-api deploy, image only${plan.dryRun ? " (dry run: nothing was changed)" : ""}`,
    "",
    "| | |",
    "|---|---|",
    `| Image | \`${cell(image.reference)}\` |`,
    `| Base | \`${cell(image.base)}\` (\`${cell(image.baseDigest)}\`) |`,
    `| Platforms | ${cell(image.platforms.join(", "))} |`,
    "| Function, deployment | not touched (`image-only: true`) |",
    "",
    "### IAM policy (least privilege)",
    "",
    "```",
    ...plan.iam,
    "```",
    ""
  ].join("\n");
}

// src/deploy/index.ts
var PENDING_FUNCTION_ID = "(the new function's OCID)";
async function runDeploy(inputs, deps) {
  const info = (line) => deps.log.info(safeLogLine(line));
  info(authLine(inputs.auth));
  const clients = deps.createClients(inputs.auth);
  const run = {
    deps,
    clients,
    info,
    call: { log: info, retryOptions: { sleep: deps.sleep, now: deps.now } }
  };
  try {
    return inputs.imageOnly ? await runImageOnly(run, inputs) : await runFullDeploy(run, inputs);
  } finally {
    clients.close();
  }
}
function authLine(auth) {
  if (auth.kind === "session") return describeAuth(auth);
  const sources = [...new Set(Object.values(auth.sources))].join(" and ");
  const from = sources === "env" ? "OCI_CLI_* environment variables" : sources === "input" ? "inputs" : "inputs and OCI_CLI_* environment variables";
  return describeAuth(auth, `, from ${from}`);
}
async function runImageOnly(run, inputs) {
  const state = await readImageOnlyState(run, inputs);
  const image = await planImage2(run, inputs.image, {
    ...state,
    githubSha: inputs.githubSha,
    auth: inputs.auth
  });
  const plan = imageOnlyPlan(inputs, state, image);
  await printPlan(run, inputs.dryRun, renderImageOnlyPlan(plan));
  const pushed = inputs.dryRun ? void 0 : await pushImage(run, image, inputs.image.baseImage);
  return report(run, renderImageOnlyPlanMarkdown(plan), {
    plan,
    image: pushed?.image ?? image.imageRef,
    functionId: void 0,
    deploymentId: void 0,
    endpoint: void 0,
    deploymentEndpoint: void 0,
    githubEndpoint: void 0,
    bytesUploaded: pushed?.bytesUploaded ?? 0
  });
}
async function runFullDeploy(run, inputs) {
  const state = await readCurrentState(run, inputs);
  const image = await planImage2(run, inputs.image, {
    ...state,
    githubSha: inputs.githubSha,
    auth: inputs.auth
  });
  const changes = planChanges(inputs, state, image);
  const plan = deployPlan(inputs, state, image, changes);
  await printPlan(run, inputs.dryRun, renderPlan(plan));
  warnIfGithubLeft(run, plan);
  if (inputs.dryRun) return reportDryRun(run, plan, state, image);
  const pushed = await pushImage(run, image, inputs.image.baseImage);
  const fn = await applyFunctionStep(run, inputs, changes);
  const deployment = await applyDeploymentStep(run, inputs, state, changes, fn.id);
  const github = await applyGithubDeploymentStep(run, inputs, state, changes, fn.id);
  const endpoint = routeUrl(deployment.endpoint);
  const finalPlan = {
    ...plan,
    fn: { ...plan.fn, id: fn.id },
    deployment: { ...plan.deployment, id: deployment.id, endpoint },
    ...plan.github?.kind === "managed" && github ? { github: { ...plan.github, id: github.id, endpoint: routeUrl(github.endpoint) } } : {}
  };
  const summaryPlan = { ...finalPlan, iam: iamFor(inputs, state, fn.id) };
  return report(run, renderPlanMarkdown(summaryPlan), {
    plan: finalPlan,
    image: pushed.image,
    functionId: fn.id,
    deploymentId: deployment.id,
    endpoint,
    deploymentEndpoint: deployment.endpoint,
    githubEndpoint: github?.endpoint,
    bytesUploaded: pushed.bytesUploaded
  });
}
function planChanges(inputs, state, image) {
  const desiredFn = {
    applicationId: inputs.fn.applicationId,
    displayName: state.existingFn?.fn.displayName ?? inputs.fn.name,
    image: image.target,
    imageDigest: image.planned.digest,
    memoryInMBs: inputs.fn.memoryInMBs,
    timeoutInSeconds: inputs.fn.timeoutInSeconds,
    config: inputs.fn.config
  };
  const { gateway } = inputs;
  const desiredDeployment = (functionId) => ({
    gatewayId: state.gateway.id,
    compartmentId: state.compartmentId,
    displayName: gateway.deploymentName,
    pathPrefix: gateway.pathPrefix,
    specification: buildSpec({
      functionId,
      issuers: [state.issuer],
      audiences: gateway.audiences,
      maxClockSkewSeconds: gateway.maxClockSkewSeconds,
      publicKeys: gateway.jwksMode === "static" ? { type: "STATIC_KEYS", keys: state.keys.keys } : { type: "REMOTE_JWKS", uri: state.jwksUri, maxCacheDurationInHours: JWKS_CACHE_HOURS },
      requiredScopes: gateway.requiredScopes,
      rateLimit: gateway.rateLimit
    })
  });
  const pendingId = state.existingFn?.fn.id ?? PENDING_FUNCTION_ID;
  const github = desiredGithubDeployment(inputs, state);
  return {
    desiredFn,
    fnPlan: planFunction(state.existingFn, desiredFn),
    desiredDeployment,
    deploymentPlan: planDeployment(state.existingDeployment, desiredDeployment(pendingId)),
    github: github && {
      desired: github,
      plan: planDeployment(state.github.existing, github(pendingId), DEPLOY_INPUTS.githubPathPrefix)
    }
  };
}
function desiredGithubDeployment(inputs, state) {
  const { gateway } = inputs;
  const github = gateway.github;
  if (!github || !state.github.jwksUri) return void 0;
  if (github.issuer === state.issuer) {
    throw new UserFacingError(
      `input 'github-oidc-issuer': ${github.issuer} is also the identity domain's issuer, so each deployment would accept the other's tokens; use GitHub's issuer (${GITHUB_ISSUER}, or your GitHub Enterprise Server's)`
    );
  }
  const publicKeys = {
    type: "REMOTE_JWKS",
    uri: state.github.jwksUri,
    maxCacheDurationInHours: JWKS_CACHE_HOURS
  };
  return (functionId) => ({
    gatewayId: state.gateway.id,
    compartmentId: state.compartmentId,
    displayName: github.deploymentName,
    pathPrefix: github.pathPrefix,
    specification: buildSpec({
      functionId,
      issuers: [github.issuer],
      audiences: [github.audience],
      maxClockSkewSeconds: gateway.maxClockSkewSeconds,
      publicKeys,
      requiredScopes: [],
      rateLimit: gateway.rateLimit,
      verifyClaims: githubVerifyClaims(github)
    })
  });
}
function iamFor(inputs, state, functionId) {
  return iamPolicy({
    tenancyId: inputs.auth.tenancyId,
    functionCompartmentId: state.application.compartmentId ?? inputs.auth.tenancyId,
    deploymentCompartmentId: state.compartmentId,
    gatewayCompartmentId: state.gateway.compartmentId,
    repository: inputs.image.repository,
    functionId
  });
}
function deployPlan(inputs, state, image, changes) {
  const { fnPlan, deploymentPlan } = changes;
  return {
    dryRun: inputs.dryRun,
    region: inputs.auth.region,
    image: imagePlanView(image),
    fn: {
      name: changes.desiredFn.displayName,
      applicationId: inputs.fn.applicationId,
      id: state.existingFn?.fn.id,
      action: fnPlan.action,
      changes: fnPlan.action === "update" ? fnPlan.changes : []
    },
    deployment: {
      name: inputs.gateway.deploymentName,
      gatewayId: state.gateway.id,
      pathPrefix: inputs.gateway.pathPrefix,
      id: state.existingDeployment?.deployment.id,
      action: deploymentPlan.action,
      changes: deploymentPlan.action === "none" ? [] : deploymentPlan.changes,
      endpoint: routeUrl(state.existingDeployment?.deployment.endpoint)
    },
    jwt: {
      issuer: state.issuer,
      audiences: inputs.gateway.audiences,
      mode: inputs.gateway.jwksMode,
      jwksUri: state.jwksUri,
      kids: state.keys.keys.map((k) => k.kid),
      dropped: state.keys.dropped,
      requiredScopes: inputs.gateway.requiredScopes
    },
    iam: iamFor(inputs, state, state.existingFn?.fn.id),
    ...githubPlanView(inputs, state, changes)
  };
}
function githubPlanView(inputs, state, changes) {
  const existing = state.github.existing?.deployment;
  const github = inputs.gateway.github;
  if (github && changes.github) {
    const { plan } = changes.github;
    return {
      github: {
        kind: "managed",
        name: github.deploymentName,
        pathPrefix: github.pathPrefix,
        id: existing?.id,
        action: plan.action,
        changes: plan.action === "none" ? [] : plan.changes,
        endpoint: routeUrl(existing?.endpoint),
        issuer: github.issuer,
        audience: github.audience,
        jwksUri: state.github.jwksUri ?? "",
        kids: state.github.kids,
        repositories: github.repositories,
        refs: github.refs,
        environments: github.environments
      }
    };
  }
  if (!existing) return {};
  return {
    github: {
      kind: "left",
      name: state.github.name,
      pathPrefix: existing.pathPrefix,
      id: existing.id,
      endpoint: routeUrl(existing.endpoint)
    }
  };
}
function warnIfGithubLeft(run, plan) {
  if (plan.github?.kind !== "left") return;
  run.deps.log.warning(
    `GitHub deployment ${plan.github.name} (${plan.github.id}) is left in place although 'github-repositories' is empty: its repositories' workflows can still call it; delete it (oci api-gateway deployment delete --deployment-id ${plan.github.id}) if no report uses it`
  );
}
function imageOnlyPlan(inputs, state, image) {
  return {
    imageOnly: true,
    dryRun: inputs.dryRun,
    region: inputs.auth.region,
    image: imagePlanView(image),
    iam: imageOnlyStatements({
      tenancyId: inputs.auth.tenancyId,
      repository: inputs.image.repository,
      namespaceLookedUp: inputs.image.namespace === void 0,
      applicationCompartmentId: state.applicationCompartmentId
    })
  };
}
async function printPlan(run, dryRun, lines) {
  await run.deps.log.group(dryRun ? "Plan (dry run: nothing is changed)" : "Plan", async () => {
    for (const line of lines) run.deps.log.info(line);
  });
}
function waiting(run, inputs) {
  const { deps, info } = run;
  return { deadline: deps.now() + inputs.waitTimeoutMs, sleep: deps.sleep, now: deps.now, log: info };
}
function actionWord(action) {
  return action === "none" ? "unchanged" : action;
}
async function applyFunctionStep(run, inputs, { desiredFn, fnPlan }) {
  const fn = await run.deps.log.group(
    `Function ${desiredFn.displayName}: ${actionWord(fnPlan.action)}`,
    () => applyFunction(run.clients.functions, fnPlan, waiting(run, inputs), run.call)
  );
  run.info(
    `function ${fn.displayName ?? desiredFn.displayName} (${fn.id}) is ACTIVE with ${fn.imageDigest ?? desiredFn.imageDigest}`
  );
  return fn;
}
function upsertInGroup(run, inputs, title, plan) {
  return run.deps.log.group(`${title}: ${actionWord(plan.action)}`, async () => {
    if (plan.action !== "none") {
      run.info(`${plan.changes.length} specification changes (the diff is in the plan above)`);
    }
    return applyDeployment(
      { deployments: run.clients.deployments, workRequests: run.clients.workRequests },
      plan,
      waiting(run, inputs),
      run.call
    );
  });
}
async function applyDeploymentStep(run, inputs, state, changes, functionId) {
  const name = inputs.gateway.deploymentName;
  const plan = planDeployment(state.existingDeployment, changes.desiredDeployment(functionId));
  const deployment = await upsertInGroup(run, inputs, `Deployment ${name}`, plan);
  run.info(
    `deployment ${deployment.displayName ?? name} (${deployment.id}) is ACTIVE: POST ${routeUrl(deployment.endpoint)}`
  );
  return deployment;
}
async function applyGithubDeploymentStep(run, inputs, state, changes, functionId) {
  const github = inputs.gateway.github;
  if (!github || !changes.github) return void 0;
  const plan = planDeployment(
    state.github.existing,
    changes.github.desired(functionId),
    DEPLOY_INPUTS.githubPathPrefix
  );
  const deployment = await upsertInGroup(run, inputs, `GitHub deployment ${github.deploymentName}`, plan);
  run.info(
    `GitHub deployment ${deployment.displayName ?? github.deploymentName} (${deployment.id}) is ACTIVE: POST ${routeUrl(deployment.endpoint)} with a GitHub OIDC token for audience ${github.audience}`
  );
  return deployment;
}
function routeUrl(deploymentEndpoint) {
  return deploymentEndpoint ? `${deploymentEndpoint.replace(/\/+$/, "")}${USAGE_ROUTE}` : void 0;
}
function reportDryRun(run, plan, state, image) {
  const existingEndpoint = state.existingDeployment?.deployment.endpoint;
  return report(run, renderPlanMarkdown(plan), {
    plan,
    image: image.imageRef,
    functionId: state.existingFn?.fn.id,
    deploymentId: state.existingDeployment?.deployment.id,
    endpoint: routeUrl(existingEndpoint),
    deploymentEndpoint: existingEndpoint,
    githubEndpoint: plan.github?.kind === "managed" ? state.github.existing?.deployment.endpoint : void 0,
    bytesUploaded: 0
  });
}
async function report(run, summaryMarkdown, result) {
  const { deps } = run;
  deps.setOutput(DEPLOY_OUTPUTS.image, result.image);
  deps.setOutput(DEPLOY_OUTPUTS.functionId, result.functionId ?? "");
  deps.setOutput(DEPLOY_OUTPUTS.deploymentId, result.deploymentId ?? "");
  deps.setOutput(DEPLOY_OUTPUTS.endpoint, result.endpoint ?? "");
  deps.setOutput(DEPLOY_OUTPUTS.deploymentEndpoint, result.deploymentEndpoint ?? "");
  deps.setOutput(DEPLOY_OUTPUTS.githubEndpoint, result.githubEndpoint ?? "");
  if (deps.writeSummary) {
    try {
      await deps.writeSummary(summaryMarkdown);
    } catch (err) {
      deps.log.warning(`could not write the job summary: ${oneLine(err)}`);
    }
  }
  return result;
}
function createDeployDeps() {
  return {
    log: runnerLog,
    setOutput: (name, value) => setOutput(name, value),
    setSecret: (value) => maskSecret(value),
    writeSummary: async (markdown) => {
      if (!process.env.GITHUB_STEP_SUMMARY) return;
      await summary.addRaw(markdown).write();
    },
    createClients: (auth) => createOciClients(auth),
    buildImage,
    http: createJsonGetter(),
    readFunctionBundle: () => readFunctionBundle(),
    now: () => Date.now(),
    sleep: realSleep
  };
}
export {
  createDeployDeps,
  runDeploy
};
