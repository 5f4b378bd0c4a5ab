// OCIDs: ocid1.<resource type>.<realm>.[region][.future use].<unique id>
// (docs "Resource Identifiers"). Checked up front so a typo fails before any call, naming the input.
import { InputError } from "../lib/errors.js";
import { quote } from "../lib/text.js";

const OCID = /^ocid1\.([a-z0-9]+)\.([a-z0-9]+)\.([a-z0-9-]*)(?:\.([a-z0-9-]+))?\.([a-z0-9]{1,255})$/;

interface ParsedOcid {
  type: string;
  realm: string;
  /** Region key or id; empty for global resources (tenancy, user, compartment). */
  region: string;
  unique: string;
}

function parseOcid(value: string): ParsedOcid | undefined {
  const m = OCID.exec(value);
  if (!m) return undefined;
  return { type: m[1]!, realm: m[2]!, region: m[3]!, unique: m[5]! };
}

/** The resource types the deploy command takes, with an example for messages. */
const OCID_TYPES = {
  tenancy: { types: ["tenancy"], example: "ocid1.tenancy.oc1..aaaa…" },
  user: { types: ["user"], example: "ocid1.user.oc1..aaaa…" },
  compartment: { types: ["compartment", "tenancy"], example: "ocid1.compartment.oc1..aaaa…" },
  application: { types: ["fnapp"], example: "ocid1.fnapp.oc1.iad.aaaa…" },
  function: { types: ["fnfunc"], example: "ocid1.fnfunc.oc1.iad.aaaa…" },
  gateway: { types: ["apigateway"], example: "ocid1.apigateway.oc1.iad.aaaa…" },
  deployment: { types: ["apideployment"], example: "ocid1.apideployment.oc1.iad.aaaa…" },
  subnet: { types: ["subnet"], example: "ocid1.subnet.oc1.iad.aaaa…" },
} as const;

export type OcidKind = keyof typeof OCID_TYPES;

/** Why `value` is not an OCID of `kind`, or undefined when it is one. */
function ocidProblem(value: string, kind: OcidKind): string | undefined {
  const { types, example } = OCID_TYPES[kind];
  const parsed = parseOcid(value);
  if (!parsed) {
    return `${quote(value)} is not an OCID; copy the ${kind} OCID from the console (${example})`;
  }
  if (!(types as readonly string[]).includes(parsed.type)) {
    return `${quote(value)} is an OCID of a ${parsed.type}, not of a ${kind}; use the ${kind}'s OCID (${example})`;
  }
  return undefined;
}

/** An input parser for an OCID of `kind`: the text itself, or an InputError naming the input. */
export function ocidOf(kind: OcidKind): (text: string, name: string) => string {
  return (text, name) => {
    const problem = ocidProblem(text, kind);
    if (problem) throw new InputError(name, problem);
    return text;
  };
}
