// The byte encoder of NDJSON billing rows against the string formatter (jsonRow, itself
// tested against JSON.stringify of the record): the same bytes for random rows and edge values.
import { describe, expect, test } from "vitest";
import { FLAG } from "../../../engine/flags/flags.js";
import { jsonRecord, jsonRow } from "../../../engine/sinks/formatter.js";
import { LineBuffer } from "../../../engine/sinks/line-buffer.js";
import { NdjsonRowEncoder } from "../../../engine/sinks/ndjson-bytes.js";

type Row = [string, number, number, number, number, number, number, number, number];

/** A seeded generator (mulberry32), so a failure repeats. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EDGE = [0, -0, 1, -1, 0.1, 0.2 + 0.1, 1e-6, 1e-7, -1e-7, 123456.789, 999999999.999999, 1e15, 1e21, 2 ** 53, 2 ** 53 + 2, -(2 ** 60),
  1 / 3, Math.PI, 5e-324, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 12.5, 100.000001, 0.000123];
const IDS = ["M-000001", "W-1", "a\"b", "back\\slash", "tab\there", "Zähler", "emoji😀", "", "del\x7f", "x".repeat(200)];

function number(next: () => number): number {
  const kind = next();
  if (kind < 0.2) return EDGE[Math.floor(next() * EDGE.length)];
  if (kind < 0.5) return Math.round(next() * 1e6) / 10 ** Math.floor(next() * 7);
  if (kind < 0.7) return (next() - 0.5) * 10 ** Math.floor(next() * 20 - 8);
  if (kind < 0.85) return Math.round((next() - 0.3) * 1e5) / 1e3 - Math.round(next() * 1e5) / 1e3;
  return Math.floor(next() * 2 ** 40) * (next() < 0.5 ? -1 : 1);
}

function row(next: () => number): Row {
  const id = next() < 0.7 ? `M-${String(Math.floor(next() * 1e6)).padStart(7, "0")}` : IDS[Math.floor(next() * IDS.length)];
  const end = 18000 + Math.floor(next() * 3000);
  const start = next() < 0.2 ? Number.NaN : end - Math.floor(next() * 40);
  const previous = next() < 0.1 ? Number.NaN : number(next);
  const flags = next() < 0.5 ? 0 : Math.floor(next() * (Object.values(FLAG).reduce((a, b) => a | b, 0) + 1));
  return [id, start, end, next() < 0.9 ? end - start + 1 : number(next), previous, number(next), number(next), number(next), flags];
}

/** An id as the encoder takes it: UTF-8 bytes and the span they fill, behind a byte of another id. */
function utf8(id: string): [Uint8Array, number, number] {
  const bytes = Buffer.from(`x${id}`, "utf8");
  return [bytes, 1, bytes.length];
}

describe("NDJSON billing bytes", () => {
  test("the same lines as jsonRow for random rows and edge values", () => {
    const next = random(20261204);
    const encoder = new NdjsonRowEncoder();
    const lines = new LineBuffer(false, 64);
    const rows: Row[] = [];
    for (let i = 0; i < 20_000; i++) rows.push(row(next));
    for (const x of EDGE) rows.push(["M-1", 20000, 20001, 2, x, x, x, x, FLAG.initial]);
    for (const [id, ...r] of rows) encoder.encode(lines, ...utf8(id), ...r);
    const got = lines.bytes().toString("utf8").split("\n");
    expect(got.pop()).toBe("");
    expect(got.length).toBe(rows.length);
    for (let i = 0; i < rows.length; i++) {
      if (got[i] !== jsonRow(...rows[i])) expect({ row: rows[i], line: got[i] }).toEqual({ row: rows[i], line: jsonRow(...rows[i]) });
    }
    // And the lines are the records JSON.stringify writes.
    for (let i = 0; i < 200; i++) expect(JSON.parse(got[i])).toEqual(JSON.parse(JSON.stringify(jsonRecord(...rows[i]))));
  });

  test("a buffer emptied for the next batch keeps appending after what it holds", () => {
    const encoder = new NdjsonRowEncoder();
    const lines = new LineBuffer(false, 16);
    encoder.encode(lines, ...utf8("A"), 20000, 20001, 2, 1, 3, 2, 1, 0);
    lines.clear();
    encoder.encode(lines, ...utf8("B"), Number.NaN, 20001, 0, Number.NaN, 3, 0, 0, FLAG.initial);
    encoder.encode(lines, ...utf8("C"), 20000, 20001, 2, 1.5, 3.25, 1.75, 0.875, 0);
    expect(lines.bytes().toString("utf8")).toBe(`${jsonRow("B", Number.NaN, 20001, 0, Number.NaN, 3, 0, 0, FLAG.initial)}\n${jsonRow("C", 20000, 20001, 2, 1.5, 3.25, 1.75, 0.875, 0)}\n`);
  });

  test("rows of one end day with other starts (an initial's null among them) each get their own start", () => {
    // The encoder keeps the last start/end pair's text at hand: a row that changes only the start,
    // or only between a day and none, must not reuse it.
    const rows: Row[] = [
      ["A", 20000, 20001, 2, 1, 3, 2, 1, 0], ["B", Number.NaN, 20001, 0, Number.NaN, 3, 0, 0, FLAG.initial],
      ["C", Number.NaN, 20001, 0, Number.NaN, 4, 0, 0, FLAG.initial], ["D", 19990, 20001, 12, 1, 13, 12, 1, 0],
      ["E", 20000, 20001, 2, 1, 3, 2, 1, 0], ["F", 20000, 20002, 3, 1, 4, 3, 1, 0], ["G", 20000, 20001, 2, 1, 3, 2, 1, 0],
    ];
    const encoder = new NdjsonRowEncoder();
    const lines = new LineBuffer(false, 16);
    for (const [id, ...r] of rows) encoder.encode(lines, ...utf8(id), ...r);
    expect(lines.bytes().toString("utf8")).toBe(rows.map((r) => `${jsonRow(...r)}\n`).join(""));
  });
});
