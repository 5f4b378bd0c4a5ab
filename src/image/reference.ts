// Image references as Docker and the distribution spec read them: [host[:port]/]path[:tag][@digest].
// Docker Hub names get `docker.io` and, for official images, `library/`. A tag defaults to `latest` only when
// there is no digest either.

import { UserFacingError } from "../lib/errors.js";
import { isLoopbackHost } from "../lib/inputs.js";

export interface ImageReference {
  /** Registry as written by users, lower case: `docker.io`, `iad.ocir.io`, `127.0.0.1:5000`. */
  registry: string;
  /** Repository path inside the registry, e.g. `library/node`, `ns/app/hello`. */
  repository: string;
  tag?: string;
  digest?: string;
}

export class InvalidReferenceError extends UserFacingError {
  override name = "InvalidReferenceError";
}

const DOCKER_HUB = "docker.io";
const DOCKER_HUB_API = "registry-1.docker.io";
const DEFAULT_TAG = "latest";

// distribution/reference grammar.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const OTHER_DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const HOST_LABEL = /^(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;
const OCIR_HOST = /^(?:[a-z0-9-]+\.ocir\.io|ocir\.[a-z0-9-]+\.oci\.oraclecloud\.com)$/;

function invalid(text: string, role: string, why: string): InvalidReferenceError {
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return new InvalidReferenceError(`${role} reference ${JSON.stringify(shown)} is invalid: ${why}`);
}

function validHost(host: string): boolean {
  const bracketed = /^\[([0-9a-f:]+)\](?::(\d{1,5}))?$/.exec(host);
  if (bracketed) return bracketed[2] === undefined || Number(bracketed[2]) <= 65535;
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(host);
  if (!m?.[1]) return false;
  if (m[2] !== undefined && Number(m[2]) > 65535) return false;
  return m[1].split(".").every((label) => HOST_LABEL.test(label));
}

/** A name whose first component is a host: it has a dot or a port, is `localhost`, or has upper case (Docker's rule). */
function looksLikeHost(first: string): boolean {
  return first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase();
}

interface ParseOptions {
  /** What the reference is, for the error message: `base image`, `target image`. */
  role?: string;
  /** Add `latest` when neither a tag nor a digest is given (the default). */
  defaultTag?: boolean;
}

/** Parse and normalise an image reference; throws InvalidReferenceError with the reason and the fix. */
export function parseReference(input: string, options: ParseOptions = {}): ImageReference {
  const role = options.role ?? "image";
  const text = input.trim();
  if (text.length === 0) throw invalid(input, role, "it is empty; use host/namespace/repository:tag");
  if (/\s/.test(text)) throw invalid(input, role, "it contains white space");
  if (text.includes("://")) {
    throw invalid(input, role, "drop the URL scheme; write host/namespace/repository:tag");
  }

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      const why = OTHER_DIGEST.test(digest)
        ? "only sha256 digests are supported"
        : "the digest must be sha256: followed by 64 lower-case hex characters";
      throw invalid(input, role, why);
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw invalid(
        input,
        role,
        `tag ${JSON.stringify(tag)} must be 1-128 of [A-Za-z0-9_.-], not starting with . or -`,
      );
    }
  }

  let registry = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0 && looksLikeHost(rest.slice(0, slash))) {
    const first = rest.slice(0, slash);
    if (!/[.:]/.test(first) && first.toLowerCase() !== "localhost") {
      // Docker would read "Fnproject/node" as a registry host named Fnproject; it is a capitalised namespace.
      throw invalid(input, role, `repository component ${JSON.stringify(first)} must be lower case`);
    }
    registry = first.toLowerCase();
    path = rest.slice(slash + 1);
    if (!validHost(registry))
      throw invalid(input, role, `registry host ${JSON.stringify(registry)} is malformed`);
  }
  if (registry === "index.docker.io" || registry === DOCKER_HUB_API) registry = DOCKER_HUB;
  if (path.length === 0) throw invalid(input, role, "the repository name is missing");
  if (registry === DOCKER_HUB && !path.includes("/")) path = `library/${path}`;

  for (const component of path.split("/")) {
    if (component.length === 0) throw invalid(input, role, "the repository path has an empty component (//)");
    if (!COMPONENT.test(component)) {
      const why =
        component !== component.toLowerCase()
          ? `repository component ${JSON.stringify(component)} must be lower case`
          : `repository component ${JSON.stringify(component)} may only hold a-z, 0-9 and single separators (. _ __ -)`;
      throw invalid(input, role, why);
    }
  }
  if (registry.length + 1 + path.length > 255)
    throw invalid(input, role, "the name is longer than 255 characters");
  if (isOcirHost(registry) && !path.includes("/")) {
    throw invalid(
      input,
      role,
      `OCIR repositories are <tenancy-namespace>/<repository>, e.g. ${registry}/mynamespace/${path}`,
    );
  }

  const ref: ImageReference = { registry, repository: path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  if (tag === undefined && digest === undefined && options.defaultTag !== false) ref.tag = DEFAULT_TAG;
  return ref;
}

/** The canonical text: `registry/repository[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** The tag or digest to ask the registry for (the digest wins: it is immutable). */
export function referenceIdentifier(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** Host[:port] that serves the registry API (Docker Hub's API lives on registry-1.docker.io). */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** Loopback registries (host[:port]; the sandbox, a local registry) speak plain HTTP, as ggcr and docker assume. */
export function isLoopbackRegistry(host: string): boolean {
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : (host.split(":")[0] ?? "");
  return isLoopbackHost(name);
}

/** The API base URL, e.g. `https://iad.ocir.io` or `http://127.0.0.1:5000`. */
export function registryBaseUrl(registry: string, plainHttp = isLoopbackRegistry(registry)): string {
  return `${plainHttp ? "http" : "https"}://${registryApiHost(registry)}`;
}

export function isOcirHost(registry: string): boolean {
  return OCIR_HOST.test(registry);
}

/** `iad` → `iad.ocir.io`; the region key is case-insensitive. */
export function ocirHost(regionKey: string): string {
  const key = regionKey.trim().toLowerCase();
  if (!/^[a-z0-9-]+$/.test(key))
    throw new InvalidReferenceError(`OCIR region key ${JSON.stringify(regionKey)} is invalid`);
  return `${key}.ocir.io`;
}

export function sameRegistry(a: ImageReference, b: ImageReference): boolean {
  return registryApiHost(a.registry) === registryApiHost(b.registry);
}
