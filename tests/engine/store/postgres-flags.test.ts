// An operator's flag change on PostgreSQL is one statement (with If-Match, behind the meter's
// lock): conditional changes made at once on one version serialize (exactly one applies, the
// others are refused with nothing changed), and a set resolves the version it made.
import { describe, expect, it } from "vitest";
import { partitionOf } from "../../../engine/store/contract.js";
import { openTestStore, runPostgresTests } from "./postgres-env.js";

const flag = (reason: string) => ({ meterId: "M-7", reason, note: "", actor: "ops", at: "2026-12-02T08:00:00.000Z" });

describe.runIf(runPostgresTests)("PostgreSQL flag changes", () => {
  it("resolves the version a set made; a stale clear changes nothing", async () => {
    const store = await openTestStore({ partitions: 4 });
    const p = partitionOf("M-7", store.partitions);
    const v1 = await store.setFlag(p, flag("suspect"));
    expect(v1).toBe(await store.meterVersion("M-7"));
    const v2 = await store.setFlag(p, flag("still suspect"), v1 as number);
    expect(v2).toBeGreaterThan(v1 as number);
    expect(v2).toBe(await store.meterVersion("M-7"));
    await expect(store.clearFlag(p, "M-7", "ok", "ben", v1 as number)).rejects.toMatchObject({ code: "MF_ERR_STORE_VERSION" });
    expect(await store.readFlag("M-7")).toMatchObject({ reason: "still suspect" });
    expect(await store.clearFlag(p, "M-7", "ok", "ben", v2 as number)).toBe(true);
    expect(await store.clearFlag(p, "M-7", "again", "ben")).toBe(false);
    expect((await store.audit("M-7")).map((a) => [a.action, a.reason])).toEqual([["set", "suspect"], ["set", "still suspect"], ["clear", "ok"]]);
  });

  it("applies exactly one of several conditional changes made at once on one version", async () => {
    const store = await openTestStore({ partitions: 4 });
    const p = partitionOf("M-7", store.partitions);
    const v = (await store.setFlag(p, flag("first"))) as number;
    const tries = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.setFlag(p, flag(`try ${i}`), v)));
    const applied = tries.filter((t) => t.status === "fulfilled");
    expect(applied).toHaveLength(1);
    for (const t of tries) if (t.status === "rejected") expect(t.reason).toMatchObject({ code: "MF_ERR_STORE_VERSION" });
    const audit = await store.audit("M-7");
    expect(audit).toHaveLength(2);
    expect((await store.readFlag("M-7"))!.reason).toBe(audit[1].reason);
    expect((applied[0] as PromiseFulfilledResult<number>).value).toBe(await store.meterVersion("M-7"));
  });
});
