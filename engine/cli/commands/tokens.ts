// `meterflow tokens add|list|revoke`: the control API's bearer tokens, kept in the store as hashes.
import { parseOptions } from "../args.js";
import { newToken, ROLES } from "../../api/auth/tokens.js";
import { MeterflowError } from "../../errors.js";
import type { TokenRole } from "../../store/contract.js";
import { openStore } from "../../store/open.js";
import { UsageError } from "../errors.js";
import { existingDb } from "../operator.js";
import { formatTable } from "../table.js";

export const TOKENS_HELP = `Usage: meterflow tokens add NAME --role viewer|operator|admin --db FILE|URL
       meterflow tokens list [--json] --db FILE|URL
       meterflow tokens revoke NAME --db FILE|URL

Bearer tokens of the control API (meterflow serve). add prints the new token once, on standard
output alone: keep it, the store keeps only its SHA-256. The name is who the audit records for
what the token does. Roles: viewers read; operators also act on meters (temp_bad, releases,
manual readings); admins also change rules, jobs and tokens. A revoked name can be added again.

Options:
  --role ROLE     viewer, operator or admin (add)                                [required]
  --json          list as NDJSON
  --db FILE|URL   the store (an SQLite file a run made, or postgres://...)        [required]`;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export async function tokens(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseOptions({
    args: rest, allowPositionals: true,
    options: { role: { type: "string" }, json: { type: "boolean", default: false }, db: { type: "string" } },
  });
  if (sub !== "add" && sub !== "list" && sub !== "revoke") throw new UsageError(`unknown tokens command "${sub ?? ""}" (add, list or revoke; see meterflow tokens --help)`);
  if (sub === "list" ? positionals.length !== 0 : positionals.length !== 1) {
    throw new UsageError(sub === "list" ? "tokens list takes no arguments" : `tokens ${sub} needs exactly one NAME`);
  }
  const name = positionals[0];
  if (sub !== "list" && !NAME.test(name)) throw new UsageError(`a token's name is 1 to 64 letters, digits, . _ @ - (starting with a letter or digit), got ${JSON.stringify(name)}`);
  if (sub === "add" && (values.role === undefined || !(ROLES as readonly string[]).includes(values.role))) {
    throw new UsageError(`tokens add needs --role ${ROLES.join("|")}${values.role === undefined ? "" : `, got ${values.role}`}`);
  }
  if (sub !== "add" && values.role !== undefined) throw new UsageError(`--role is for tokens add`);
  const store = await openStore(existingDb(`tokens ${sub}`, values.db), { mustExist: true });
  try {
    if (sub === "add") {
      const { token, hash } = newToken();
      if (!(await store.addToken({ name, role: values.role as TokenRole, hash, createdAt: new Date().toISOString() }))) {
        throw new MeterflowError("MF_ERR_TOKEN_EXISTS", `a token named ${name} exists (meterflow tokens revoke ${name} first, or choose another name)`);
      }
      console.log(token);
    } else if (sub === "revoke") {
      if (!(await store.revokeToken(name, new Date().toISOString()))) throw new MeterflowError("MF_ERR_TOKEN_NOT_FOUND", `no valid token named ${name}`);
      console.log(`token ${name} revoked`);
    } else {
      const all = await store.listTokens();
      if (values.json) for (const t of all) console.log(JSON.stringify({ name: t.name, role: t.role, created_at: t.createdAt, revoked_at: t.revokedAt }));
      else if (all.length === 0) console.log("no tokens (meterflow tokens add NAME --role ROLE)");
      else console.log(formatTable(["name", "role", "created", "revoked"], all.map((t) => [t.name, t.role, t.createdAt, t.revokedAt ?? ""])));
    }
  } finally {
    await store.close();
  }
  return 0;
}
