// A store's time zone on both stores: fixed when it is created (UTC unless asked), kept by later
// opens without one, refused when another is asked (MF_ERR_STORE_TIME_ZONE, nothing changed); a
// store made before zones were kept counts in UTC.
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { openSqlitePartitionedStore } from "../../../engine/store/index.js";
import type { PartitionedStore } from "../../../engine/store/index.js";
import { tempDir } from "../../helpers/tmp.js";
import { adminClient, openTestStore, runPostgresTests, testSchema } from "./postgres-env.js";

const dir = tempDir("meterflow-store-tz-");
let n = 0;

interface Kind {
  kind: string;
  /** Opens the store `name` (a fresh one for a new name). */
  open(name: string, timeZone?: string): Promise<PartitionedStore>;
  /** Removes the recorded zone, as a store made before zones were kept has none. */
  forget(name: string): Promise<void>;
  fresh(): string;
}

const sqlite: Kind = {
  kind: "sqlite",
  open: (name, timeZone) => openSqlitePartitionedStore(join(dir, name), timeZone === undefined ? {} : { timeZone }),
  forget: async (name) => {
    const db = new Database(join(dir, name));
    db.prepare("DELETE FROM meta WHERE key = 'time_zone'").run();
    db.close();
  },
  fresh: () => `tz-${n++}.db`,
};
const postgres: Kind = {
  kind: "postgres",
  open: (schema, timeZone) => openTestStore({ schema, ...(timeZone === undefined ? {} : { timeZone }) }),
  forget: async (schema) => {
    const client = adminClient();
    await client.connect();
    await client.query(`DELETE FROM "${schema}".meta WHERE key = 'time_zone'`);
    await client.end();
  },
  fresh: () => testSchema(),
};

describe.each([sqlite, ...(runPostgresTests ? [postgres] : [])])("a store's time zone on $kind", (k) => {
  it("is fixed when the store is created, kept, and another is refused", async () => {
    const name = k.fresh();
    const created = await k.open(name, "europe/berlin");
    expect(created.timeZone).toBe("Europe/Berlin");
    await created.close();
    const reopened = await k.open(name);
    expect(reopened.timeZone).toBe("Europe/Berlin");
    await reopened.close();
    const same = await k.open(name, "Europe/Berlin");
    await same.close();
    await expect(k.open(name, "UTC")).rejects.toMatchObject({ code: "MF_ERR_STORE_TIME_ZONE" });
    await expect(k.open(name, "Mars/Olympus")).rejects.toMatchObject({ code: "MF_ERR_TIME_ZONE" });
  });

  it("is UTC for a new store asked for none, and for a store that kept none", async () => {
    const name = k.fresh();
    const created = await k.open(name);
    expect(created.timeZone).toBe("UTC");
    await created.close();
    await k.forget(name);
    await expect(k.open(name, "+01:00")).rejects.toMatchObject({ code: "MF_ERR_STORE_TIME_ZONE", message: expect.stringContaining("counts days in UTC") });
    const old = await k.open(name);
    expect(old.timeZone).toBe("UTC");
    expect(await old.meta("time_zone")).toBe("UTC");
    await old.close();
  });
});
