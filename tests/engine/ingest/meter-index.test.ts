// The meter index: dense indices in first-seen order, bytes and strings agreeing, growth to
// millions of ids.
import { describe, expect, it } from "vitest";
import { createMeterIndex } from "../../../engine/ingest/index.js";

const utf8 = new TextEncoder();

describe("createMeterIndex", () => {
  it("sized for an expected count, gives the same indices, hashes and ids as one grown from empty, past the guess too", () => {
    const grown = createMeterIndex();
    const sized = createMeterIndex(3000);
    const ids = Array.from({ length: 10_000 }, (_, i) => `M-${(i * 7919) % 10_007}`);
    for (const id of [...ids, ...ids.slice(0, 500).reverse()]) expect(sized.intern(id)).toBe(grown.intern(id));
    expect(sized.size).toBe(grown.size);
    for (let i = 0; i < sized.size; i += 97) {
      expect(sized.idOf(i)).toBe(grown.idOf(i));
      expect(sized.hashOf!(i)).toBe(grown.hashOf!(i));
    }
  });

  it("gives the same index for the same id, as bytes or as a string", () => {
    const index = createMeterIndex();
    const buf = utf8.encode("xxE-1yyE-2zzE-1");
    expect(index.internBytes(buf, 2, 5)).toBe(0);
    expect(index.internBytes(buf, 7, 10)).toBe(1);
    expect(index.internBytes(buf, 12, 15)).toBe(0);
    expect(index.intern("E-2")).toBe(1);
    expect(index.intern("E-3")).toBe(2);
    expect(index.internBytes(utf8.encode("E-3"), 0, 3)).toBe(2);
    expect(index.size).toBe(3);
    expect([0, 1, 2].map((i) => index.idOf(i))).toEqual(["E-1", "E-2", "E-3"]);
  });

  it("distinguishes ids that are prefixes of each other, the empty id and non-ASCII ids", () => {
    const index = createMeterIndex();
    const ids = ["A", "AB", "ABC", "", "Zähler-Ω", "Zähler-Ω2", "😀", "x".repeat(300)];
    ids.forEach((id, i) => expect(index.intern(id)).toBe(i));
    ids.forEach((id, i) => {
      const bytes = utf8.encode(`[${id}]`);
      expect(index.internBytes(bytes, 1, bytes.length - 1)).toBe(i);
      expect(index.idOf(i)).toBe(id);
    });
    expect(index.size).toBe(ids.length);
  });

  it("finds ids regardless of the order they come back in", () => {
    const index = createMeterIndex();
    for (let i = 0; i < 1000; i++) index.intern(`M${i}`);
    for (let k = 0; k < 5000; k++) {
      const i = (k * 7919) % 1000;
      expect(index.intern(`M${i}`)).toBe(i);
    }
    for (let i = 999; i >= 0; i--) expect(index.intern(`M${i}`)).toBe(i);
    expect(index.size).toBe(1000);
  });

  it("holds millions of ids", () => {
    const index = createMeterIndex();
    const n = 2_000_000;
    const buf = new Uint8Array(10);
    const write = (i: number): number => {
      const s = `E${i.toString(36)}`;
      for (let k = 0; k < s.length; k++) buf[k] = s.charCodeAt(k);
      return s.length;
    };
    let wrong = 0;
    for (let i = 0; i < n; i++) if (index.internBytes(buf, 0, write(i)) !== i) wrong++;
    expect(wrong).toBe(0);
    expect(index.size).toBe(n);
    // Again in a scattered order, so lookups go through the hash table.
    for (let k = 0; k < n; k++) {
      const i = (k * 7919) % n;
      if (index.internBytes(buf, 0, write(i)) !== i || index.idOf(i) !== `E${i.toString(36)}`) wrong++;
    }
    expect(wrong).toBe(0);
    expect(index.size).toBe(n);
  });

  it("interns spans at once as internBytes one by one: new ids, repeats in the order seen, runs of one id, growth, non-ASCII", () => {
    // Orders that switch internSpans between hashing ahead (new ids) and the sequential guess (a
    // backlog's later days), in spans cut at every size up to its batch, across rehashes.
    const ids: string[] = [];
    for (let i = 0; i < 3000; i++) ids.push(i % 211 === 7 ? `Zähler-${i}` : `M-${(i * 7919) % 100_003}`);
    const rows = [...ids, ...ids, ...ids.slice(0, 700).flatMap((id) => [id, id, id]), ...ids.slice().reverse(), "", "A", "AB", "A"];
    const text = rows.join(",");
    const buf = utf8.encode(text);
    const starts: number[] = [];
    const ends: number[] = [];
    let at = 0;
    for (const id of rows) {
      const n = utf8.encode(id).length;
      starts.push(at);
      ends.push(at + n);
      at += n + 1;
    }
    const one = createMeterIndex();
    const want = rows.map((_, j) => one.internBytes(buf, starts[j], ends[j]));
    for (const size of [1, 7, 64, 256, 1000]) {
      const spans = createMeterIndex();
      const got = new Int32Array(rows.length);
      for (let j = 0; j < rows.length; j += size) {
        const n = Math.min(size, rows.length - j);
        const out = new Int32Array(n);
        spans.internSpans!(buf, Int32Array.from(starts.slice(j, j + n)), Int32Array.from(ends.slice(j, j + n)), n, out);
        got.set(out, j);
      }
      expect([...got], `spans of ${size}`).toEqual(want);
      expect(spans.size).toBe(one.size);
      for (let i = 0; i < spans.size; i += 53) expect(spans.hashOf!(i)).toBe(one.hashOf!(i));
    }
  });

  it("refuses indices it never gave", () => {
    const index = createMeterIndex();
    index.intern("A");
    expect(() => index.idOf(1)).toThrow(RangeError);
    expect(() => index.idOf(-1)).toThrow(RangeError);
  });

  it("shares its ids: views taken as it grows read every id and hash they cover, also after it moved on", () => {
    const index = createMeterIndex(600, { shared: true });
    const ids = Array.from({ length: 5000 }, (_, i) => (i % 11 === 0 ? `Zähler-${i}` : `M-${(i * 7919) % 10_007}`));
    const views: Array<ReturnType<typeof index.sharedIds>> = [];
    let from = 0;
    for (let k = 0; k < ids.length; k += 700) {
      for (const id of ids.slice(k, k + 700)) index.intern(id);
      views.push(index.sharedIds(from));
      from = index.size;
    }
    // The index grew past its guess: later views are in other memory than the first.
    expect(views.at(-1)!.arena.buffer).not.toBe(views[0].arena.buffer);
    for (const v of views) {
      expect(v.arena.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(v.offsets.buffer).toBeInstanceOf(SharedArrayBuffer);
      for (let i = 0; i < v.count; i++) {
        const bytes = Buffer.from(v.arena.slice(v.offsets[i], v.offsets[i + 1]));
        expect(bytes.toString("utf8")).toBe(index.idOf(i));
        expect(v.hashes[i] >>> 0).toBe(index.hashOf!(i));
      }
    }
    expect(views.map((v) => v.from)).toEqual([0, ...views.slice(0, -1).map((v) => v.count)]);
  });
});
