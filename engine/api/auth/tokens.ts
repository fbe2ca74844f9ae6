// API tokens: made once (32 random bytes, base64url, prefixed `mft_`), kept in the store only as
// their SHA-256, and checked against every valid token's hash in constant time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { PartitionedStore, TokenRecord, TokenRole } from "../../store/contract.js";

export const ROLES: readonly TokenRole[] = ["viewer", "operator", "admin"];

/** Whether `role` may do what `needed` may (viewer < operator < admin). */
export function allows(role: TokenRole, needed: TokenRole): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** A new token (shown once) and the hash the store keeps. */
export function newToken(): { token: string; hash: string } {
  const token = `mft_${randomBytes(32).toString("base64url")}`;
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * The valid token `presented` is, if any: its hash is compared with every valid token's hash in
 * constant time (no early exit), so timing says nothing about which bytes matched.
 */
export function matchToken(tokens: readonly TokenRecord[], presented: string): TokenRecord | undefined {
  const hash = Buffer.from(hashToken(presented), "hex");
  let found: TokenRecord | undefined;
  for (const t of tokens) {
    const kept = Buffer.from(t.hash, "hex");
    const same = kept.length === hash.length && timingSafeEqual(kept, hash);
    if (same && t.revokedAt === null) found = t;
  }
  return found;
}

/** The store's valid tokens. */
export async function validTokens(store: PartitionedStore): Promise<TokenRecord[]> {
  return (await store.listTokens()).filter((t) => t.revokedAt === null);
}
