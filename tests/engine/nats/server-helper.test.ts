// The test harness's nats-server: killed and restarted on the same port with the same store it
// keeps what JetStream stored; stop() ends the process by its pid and removes the store.
import { existsSync } from "node:fs";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { expect, test } from "vitest";
import { connectNats, ensureStream, readingsSubject } from "../../../engine/nats/index.js";
import { startNatsServer } from "../../helpers/nats-server.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("a server killed with SIGKILL and restarted keeps its port and its stored messages; stop removes everything", async () => {
  const server = await startNatsServer();
  try {
    const nc = await connectNats(server.url);
    const stream = await ensureStream(await jetstreamManager(nc), { partitions: 4 });
    expect(stream).toMatchObject({ name: "MFLOW", partitions: 4, created: true });
    await jetstream(nc).publish(readingsSubject(2), new Uint8Array([1, 2, 3]), { msgID: "one" });
    await nc.close();

    const pid = server.pid;
    await server.kill("SIGKILL");
    expect(alive(pid)).toBe(false);
    await expect(connectNats(server.url, { timeoutMs: 500 })).rejects.toMatchObject({ code: "MF_ERR_NATS_CONNECT" });

    await server.restart();
    expect(server.pid).not.toBe(pid);
    const again = await connectNats(server.url);
    const jsm = await jetstreamManager(again);
    expect(await ensureStream(jsm, {})).toMatchObject({ partitions: 4, created: false });
    const m = await jsm.streams.getMessage("MFLOW", { seq: 1 });
    expect(m?.subject).toBe("meterflow.readings.2");
    expect([...(m?.data ?? [])]).toEqual([1, 2, 3]);
    await again.close();
  } finally {
    const pid = server.pid;
    await server.stop();
    expect(alive(pid)).toBe(false);
    expect(existsSync(server.storeDir)).toBe(false);
  }
});
