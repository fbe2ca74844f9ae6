// If-Match on a meter's temp_bad (RFC 9110 13.1.1): `*`, or a list of entity tags, any of which
// may match; compared strongly, so a weak tag never matches and a tag matches only when it is
// the ETag character for character (`"00"` is not `"0"`). A field that is neither is 400.
import { unknownMeter } from "../operations/index.js";
import type { PartitionedStore } from "../store/contract.js";
import { StoreError } from "../store/errors.js";
import { ApiError } from "./errors.js";

/** One entity tag of the field: weak or not, and its opaque tag's characters between the quotes. */
interface EntityTag {
  weak: boolean;
  opaque: string;
}

// etagc = %x21 / %x23-7E / obs-text: no space, no double quote inside a tag.
const ETAGC = /^[\x21\x23-\x7e\x80-\xff]$/;
const OWS = /[ \t]/;

/** The field's entity tags, "*" for `*`, or undefined when it is neither (a malformed field). */
export function parseIfMatch(field: string): EntityTag[] | "*" | undefined {
  if (field.trim() === "*") return "*";
  const tags: EntityTag[] = [];
  let i = 0;
  const skip = (re: RegExp) => {
    while (i < field.length && re.test(field[i])) i++;
  };
  for (;;) {
    // Empty list elements (", ,") are allowed and ignored (RFC 9110 5.6.1.2).
    skip(/[ \t,]/);
    if (i >= field.length) break;
    let weak = false;
    if (field.startsWith("W/", i)) {
      weak = true;
      i += 2;
    }
    if (field[i] !== '"') return undefined;
    const start = ++i;
    while (i < field.length && field[i] !== '"') {
      if (!ETAGC.test(field[i])) return undefined;
      i++;
    }
    if (i >= field.length) return undefined;
    tags.push({ weak, opaque: field.slice(start, i++) });
    skip(OWS);
    if (i < field.length && field[i] !== ",") return undefined;
  }
  return tags.length === 0 ? undefined : tags;
}

/** A version as its ETag writes it: decimal, no leading zero, a safe integer. */
const VERSION = /^(0|[1-9][0-9]{0,14})$/;

/**
 * The version the change must find the meter at, from `If-Match`; undefined for none or `*`.
 * Several tags that could match: the meter's current version when it is one of them (the store
 * checks it again in the change's own transaction), else the first. None that could (only weak
 * tags, or tags no version is written as): 412 MF_ERR_STORE_VERSION, after 404 for a meter not in
 * the registry (a precondition is judged only where the request would succeed). Malformed: 400.
 */
export async function ifMatch(store: PartitionedStore, meterId: string, header: string | undefined): Promise<number | undefined> {
  if (header === undefined) return undefined;
  const tags = parseIfMatch(header);
  if (tags === undefined) {
    throw new ApiError(400, "MF_ERR_API_INVALID",
      `If-Match must be *, or entity tags in double quotes (the meter's ETag, e.g. "17"; several separated by commas), got ${header}`);
  }
  if (tags === "*") return undefined;
  const versions = tags.filter((t) => !t.weak && VERSION.test(t.opaque)).map((t) => Number(t.opaque));
  if (versions.length === 1) return versions[0];
  if (versions.length > 1) {
    const now = await store.meterVersion(meterId);
    return versions.includes(now) ? now : versions[0];
  }
  if ((await store.registry([meterId])).length === 0) throw unknownMeter(meterId);
  const weak = tags.filter((t) => t.weak).map((t) => `W/"${t.opaque}"`);
  throw new StoreError("MF_ERR_STORE_VERSION", weak.length === tags.length
    ? `If-Match compares strongly (RFC 9110): a weak tag (${weak.join(", ")}) never matches; send the ETag as given, "${tags[0].opaque}"`
    : `If-Match ${header.trim()} names no version this meter can be at (an ETag is its version in double quotes, e.g. "17")`);
}
