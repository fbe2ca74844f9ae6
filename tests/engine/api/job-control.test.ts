// A job's progress figures only grow: a job fenced by other writers decides again from its first
// batch, and GET /v1/jobs/:id showed `processed` fall from 62,355 to 5,292 while it caught up.
import { describe, expect, it } from "vitest";
import { JobControl } from "../../../engine/api/jobs/control.js";

describe("JobControl progress", () => {
  it("keeps the furthest processed and bytes_read through a job that starts over", () => {
    const control = new JobControl();
    control.setBytes(1000);
    control.setProcessed(62_355);
    control.setBytesRead(600);
    // Fenced: deciding again from the first batch.
    control.setProcessed(5_292);
    control.setBytesRead(40);
    expect(control.figures).toEqual({ processed: 62_355, bytesRead: 600, bytes: 1000 });
    control.setProcessed(70_000);
    control.setBytesRead(700);
    // Seen from another thread through the shared buffer too.
    expect(new JobControl(control.buffer).figures).toEqual({ processed: 70_000, bytesRead: 700, bytes: 1000 });
  });
});
