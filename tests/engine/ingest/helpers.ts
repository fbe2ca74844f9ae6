// Test helpers for the ingest readers: byte streams cut into chunks, batches flattened into
// plain rows that assertions can compare, temporary files.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import type { MeterIndex, ReadingBatch } from "../../../engine/ingest/index.js";
import { NO_DAY, rejectReasonName } from "../../../engine/ingest/index.js";
import { formatDay } from "../../../engine/time/index.js";

/** A decoded row, as plain values. */
export interface Row {
  line: number;
  meter: string | null;
  end: string | null;
  value: number;
  override: number;
  source: number;
  verification: number;
  reject: string | null;
  raw: string;
}

/** Bytes of a string or bytes. */
export function bytesOf(input: string | Uint8Array): Uint8Array {
  return typeof input === "string" ? new TextEncoder().encode(input) : input;
}

/** A stream yielding `input` in chunks of `size` bytes (each chunk a fresh copy). */
export async function* chunks(input: string | Uint8Array, size = Number.POSITIVE_INFINITY): AsyncGenerator<Uint8Array> {
  const bytes = bytesOf(input);
  const step = Math.max(1, Math.min(size, bytes.length));
  for (let i = 0; i < bytes.length; i += step) yield bytes.slice(i, i + step);
}

/** Every row of every batch, with meter ids, days and reasons resolved. */
export async function rowsOf(batches: AsyncIterable<ReadingBatch>): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of batches) rows.push(...flatten(batch));
  return rows;
}

/** The rows of one batch. */
export function flatten(batch: ReadingBatch): Row[] {
  const rows: Row[] = [];
  for (let r = 0; r < batch.length; r++) {
    rows.push({
      line: batch.line[r],
      meter: batch.meter[r] < 0 ? null : batch.meters.idOf(batch.meter[r]),
      end: batch.end[r] === NO_DAY ? null : formatDay(batch.end[r]),
      value: batch.value[r],
      override: batch.override[r],
      source: batch.source[r],
      verification: batch.verification[r],
      reject: batch.reject[r] === 0 ? null : rejectReasonName(batch.reject[r]),
      raw: batch.rawOf(r),
    });
  }
  return rows;
}

/** A temporary directory removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "meterflow-ingest-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `content` to `dir/name` and returns the path. */
export function writeFile(dir: string, name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Default options for tests: a fixed latest end day (2026-12-31) and a fresh meter index. */
export function options(meters: MeterIndex, extra: Record<string, unknown> = {}) {
  return { meters, maxEndDay: 20818, ...extra };
}
