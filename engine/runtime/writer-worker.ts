// The writer thread: its own connection to the store and the output files; commits each batch it is
// handed, then writes the batch's outputs. Protocol in writer-client.ts.
import { parentPort, workerData } from "node:worker_threads";
import { createOutputFiles } from "../sinks/files.js";
import { createFormatter } from "../sinks/formatter.js";
import { openStore } from "../store/open.js";
import { WRITER_WAL_PAGES } from "./writer-client.js";
import type { WriterThreadInput } from "./writer-client.js";
import { BatchWriter } from "./writer.js";
import { loadPlugins } from "../plugins/index.js";
import type { WriteJob } from "./writer.js";

const input = workerData as WriterThreadInput;
const port = parentPort!;
const store = await openStore(input.db, { giveWayTo: input.giveWayTo, walAutoCheckpoint: input.walPages ?? WRITER_WAL_PAGES });
// This thread only commits and writes: its output writes block it, not the run.
const writer = new BatchWriter(store, createOutputFiles(input.out, input.format, { sync: true }), createFormatter(input.format));
// Every thread loads the run's plugins and runs their hooks (README "Plugins").
const plugins = await loadPlugins(input.plugins ?? { baseDir: process.cwd(), plugins: [] });
await plugins.setup();

type Message = { type: "job"; job: WriteJob } | { type: "close"; summary: object } | { type: "abort" };

const fail = (error: unknown) => {
  const e = error as Error & { code?: string };
  port.postMessage({ type: "error", code: e.code ?? "MF_ERR_WRITER", message: e.message });
};

// Messages are handled one at a time, in order: a job's output writes finish before the next.
let queue = Promise.resolve();
port.on("message", (message: Message) => {
  queue = queue.then(async () => {
    try {
      if (message.type === "job") {
        await writer.write(message.job);
        await writer.drain(64 << 20);
        port.postMessage({ type: "done" });
      } else if (message.type === "close") {
        await writer.close(message.summary);
        await store.close();
        await plugins.teardown();
        port.postMessage({ type: "closed" });
      } else {
        try {
          writer.abort();
          await store.close();
          await plugins.teardown();
        } finally {
          port.postMessage({ type: "aborted" });
        }
      }
    } catch (error) {
      fail(error);
    }
  });
});
