// A slice crossing to a decision thread (engine/pool/transfer.ts): the batch's meter ids (known
// meters' by their slice keys, unknown ones' apart), types, units and columns come back as they were, rows without a meter stay without, and packing one
// batch leaves nothing behind for the next (the packer reuses its scratch).
import { describe, expect, it } from "vitest";
import type { DecideInput } from "../../../engine/decide/decide.js";
import { noHeld } from "../../../engine/decide/slice.js";
import { createMeterIndex } from "../../../engine/ingest/meter-index.js";
import { fromTask, toTask } from "../../../engine/pool/transfer.js";
import { MeterIds } from "../../../engine/runtime/meter-ids.js";
import { createEntries } from "../../../engine/store/history.js";
import { codeStrings, IdList, idsAsList } from "../../../engine/store/meter-table.js";
import type { MeterTable } from "../../../engine/store/meter-table.js";
import { createState } from "../../../engine/store/state.js";

const index = createMeterIndex();

function input(ids: Array<string | null>, meterIds: string[]): DecideInput {
  const n = ids.length;
  const m = meterIds.length;
  const f64 = (v: number) => new Float64Array(m).fill(v);
  const meters = {
    size: m, ids: new IdList(meterIds), keyOf: new Map(meterIds.map((id, k) => [id, k])), scale: f64(1), reset: f64(Number.NaN), digits: new Uint8Array(m),
    mode: new Uint8Array(m), type: codeStrings(meterIds.map((_, k) => (k % 2 === 0 ? "electricity.register" : "water.register"))),
    unit: codeStrings(meterIds.map((_, k) => (k % 2 === 0 ? "kWh" : "m3"))), pulseWeight: f64(Number.NaN), pulseInput: new Uint8Array(m),
    pulseWidthMs: f64(Number.NaN), qmax: f64(Number.NaN), noPulseDays: f64(Number.NaN), debounceMs: f64(Number.NaN),
    baseValue: f64(Number.NaN), baseEnd: new Int32Array(m),
  } as MeterTable;
  const batch = {
    length: n, line: Float64Array.from(ids, (_, i) => i + 2), meter: Int32Array.from(ids, (id) => (id === null ? -1 : index.intern(id))),
    end: new Int32Array(n).fill(20_000), value: Float64Array.from(ids, (_, i) => 100 + i), override: new Float64Array(n).fill(Number.NaN),
    source: new Uint8Array(n), verification: new Uint8Array(n), reject: new Uint8Array(n), rejectedRaw: new Map<number, string>(), rawOf: () => "",
    meters: index,
  };
  return { batch, keys: Int32Array.from(ids, (id) => (id === null ? -1 : meterIds.indexOf(id))), meters, state: createState(m),
    history: createEntries(1), held: noHeld() };
}

describe("slice transfer", () => {
  it("gives back every row's meter id, the registry's strings and the columns, batch after batch", () => {
    const first = input(["E-1", "E-2", null, "E-1", "E-3", "E-2"], ["E-1", "E-2", "E-3"]);
    const second = input(["E-3", "E-9", "E-3", null, "E-1"], ["E-3", "E-9", "E-1"]);
    // Meters the slice does not hold (unknown): their ids travel apart.
    const unknown = input(["X-404", "E-1", "X-405", "X-404", null, "E-1"], ["E-1"]);
    // Ids beyond Latin-1 travel as text.
    const wide = input(["Zähler-1", "水表-2", "E-1"], ["水表-2", "Zähler-1", "E-1"]);
    for (const original of [first, second, unknown, wide, first]) {
      const back = fromTask(structuredClone(toTask(original)));
      const b = back.batch;
      const ids = Array.from(b.meter, (m) => (m < 0 ? null : b.meters.idOf(m)));
      expect(ids).toEqual(Array.from(original.batch.meter, (m) => (m < 0 ? null : index.idOf(m))));
      expect([...b.value]).toEqual([...original.batch.value]);
      expect([...back.keys]).toEqual([...original.keys]);
      expect(idsAsList(back.meters.ids, back.meters.size)).toEqual(idsAsList(original.meters.ids, original.meters.size));
      expect(back.meters.type).toEqual(original.meters.type);
      expect(back.meters.unit).toEqual(original.meters.unit);
      const originalIds = idsAsList(original.meters.ids, original.meters.size);
      for (const id of originalIds) expect(back.meters.keyOf.get(id)).toBe(originalIds.indexOf(id));
    }
  });

  it("sends a working set's ids as their UTF-8 bytes, copied unless the slice is handed over", () => {
    const meterIds = ["E-1", "Zähler-1", "水表-2", "E-10"];
    const original = input(["水表-2", "E-1", "X-404", "E-10", null, "Zähler-1"], meterIds);
    // The slice's ids as a working set holds them: bytes gathered from a larger column, no strings.
    const column = new MeterIds();
    const all = ["unused", ...meterIds, "also-unused"];
    const bytes = new TextEncoder().encode(all.join(""));
    let at = 0;
    column.append(bytes, Int32Array.from(all, (id) => (at += new TextEncoder().encode(id).length)), all.length);
    const slice = column.gather(Int32Array.from(meterIds, (_, k) => k + 1));
    const meters = { ...original.meters, ids: slice } as MeterTable;
    for (const handOver of [false, true]) {
      const task = toTask({ ...original, meters }, handOver);
      expect(task.meters.ids.latin1).toBeUndefined();
      expect(new TextDecoder().decode(task.meters.ids.utf8)).toBe(meterIds.join(""));
      // Handed over, the task holds the slice's own bytes (to be transferred); else a copy.
      expect(task.meters.ids.utf8!.buffer === slice.packed().bytes.buffer).toBe(handOver);
      const back = fromTask(structuredClone(task));
      expect(idsAsList(back.meters.ids, back.meters.size)).toEqual(meterIds);
      for (const [k, id] of meterIds.entries()) expect(back.meters.keyOf.get(id)).toBe(k);
      const b = back.batch;
      expect(Array.from(b.meter, (m) => (m < 0 ? null : b.meters.idOf(m)))).toEqual(["水表-2", "E-1", "X-404", "E-10", null, "Zähler-1"]);
    }
  });
});
