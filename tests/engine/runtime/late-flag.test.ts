// A back-dated reading and a new day of one meter in one batch, where the new day's rules flag the
// meter temp_bad (zero consumption under verification): in end order the back-dated reading comes
// first, so it is judged without that flag and billed, as when the two arrive in separate runs.
// It used to be judged after the new day and held temp_bad: the bill depended on the batching.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCsv, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-late-flag-");
let n = 0;
const meters = write(dir, "meters.csv", ["meter_id", "R2"]);
const first = write(dir, "a.csv", ["meter_id,end,value", "R2,2026-11-01,100", "R2,2026-11-10,200"]);

/** Every billing and held row of the runs over `nights`, as reading:consumption:flags or held:reasons. */
async function outcome(nights: string[][]): Promise<{ billed: string[]; held: string[]; flagged: boolean }> {
  const db = join(dir, `s-${n++}.db`);
  await runAndRead({ meters, inputs: [first], db, out: join(dir, `o-${n++}`) });
  const billed: string[] = [];
  const held: string[] = [];
  for (const lines of nights) {
    const out = join(dir, `o-${n++}`);
    await runAndRead({ inputs: [write(dir, `b-${n++}.csv`, ["meter_id,end,value,verification", ...lines])], db, out });
    billed.push(...readCsv(join(out, "billing.csv")).map((r) => `${r.reading_id}:${r.consumption}:${r.flags}`));
    held.push(...readCsv(join(out, "held.csv")).map((r) => `${r.reading_id}:${r.reasons}`));
  }
  return { billed: billed.sort(), held: held.sort(), flagged: held.some((h) => h.includes("temp_bad")) };
}

describe("a back-dated reading beside a new day that flags its meter", () => {
  it("is billed as in any other batching; the new day is held and flags the meter", async () => {
    const back = "R2,2026-11-05,150,";
    const flagging = "R2,2026-11-20,200,true";
    const together = await outcome([[back, flagging]]);
    const apart = await outcome([[back], [flagging]]);
    expect(together).toEqual(apart);
    expect(together.billed).toEqual(["R2@2026-11-05:50:", "R2@2026-11-10:-50:correction"]);
    expect(together.held).toEqual(["R2@2026-11-20:temp_bad:zero_under_verification"]);
    // The flag stays: the next reading is held temp_bad.
    const db = join(dir, `s-${n++}.db`);
    await runAndRead({ meters, inputs: [first], db, out: join(dir, `o-${n++}`) });
    await runAndRead({ inputs: [write(dir, `t-${n++}.csv`, ["meter_id,end,value,verification", back, flagging])], db, out: join(dir, `o-${n++}`) });
    const next = await runAndRead({ inputs: [write(dir, `u-${n++}.csv`, ["meter_id,end,value", "R2,2026-11-25,210"])], db, out: join(dir, `o-${n++}`) });
    expect(next.held.map((r) => r.reasons)).toEqual(["temp_bad"]);
  });
});
