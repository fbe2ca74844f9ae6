// Reads a readings stream back for the publish tests: every message by sequence (a work-queue
// stream keeps them until a worker acknowledges them), with its subject and Nats-Msg-Id.
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

/** Every message of a stream, read by sequence. */
export async function readStream(url: string, stream = "MFLOW") {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    const out: Array<{ subject: string; msgId: string | undefined; data: Uint8Array }> = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      if (m !== null) out.push({ subject: m.subject, msgId: m.header?.get("Nats-Msg-Id"), data: m.data });
    }
    return { info, messages: out };
  } finally {
    await nc.close();
  }
}
