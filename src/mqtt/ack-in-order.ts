import type { Client } from 'aedes';

/**
 * PUBACKs written by urbs instead of aedes. aedes acknowledges a QoS 1 PUBLISH when `authorizePublish`
 * calls back, and reads nothing more from that connection until every packet of the current read has
 * called back; waiting there for the commit would allow one TCP read's worth of messages per commit per
 * client. So publish-to-create.ts calls back at once (as QoS 0, which aedes does not acknowledge) and
 * acknowledges here after the commit — in the order the PUBLISHes arrived, as MQTT 3.1.1 §4.6 requires
 * ([MQTT-4.6.0-2]), even when later messages commit first.
 *
 * The number of unacknowledged messages per connection is bounded: above `limit`, `whenBelowLimit` holds
 * aedes' callback, which stops reading from that socket until the database catches up.
 */
interface Slot {
  messageId: number | undefined;
  ready: boolean;
}

export class AckQueue {
  private readonly slots: Slot[] = [];
  private waiters: (() => void)[] = [];

  constructor(
    private readonly client: Client,
    private readonly limit: number,
  ) {}

  get size(): number {
    return this.slots.length;
  }

  /** Takes a place in line; `undefined` for QoS 0 (counted for the limit, nothing to send). */
  enqueue(messageId: number | undefined): () => void {
    const slot: Slot = { messageId, ready: false };
    this.slots.push(slot);
    return () => {
      slot.ready = true;
      this.flush();
    };
  }

  whenBelowLimit(): Promise<void> | undefined {
    if (this.slots.length < this.limit) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private flush(): void {
    const ids: number[] = [];
    while (this.slots[0]?.ready) {
      const { messageId } = this.slots.shift()!;
      if (messageId !== undefined) ids.push(messageId);
    }
    if (ids.length > 0) writePubacks(this.client, ids);
    if (this.slots.length < this.limit && this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }
}

/**
 * PUBACKs (MQTT 3.1.1 §3.4; also valid MQTT 5 success PUBACKs): type 4, remaining length 2, message id.
 * A whole commit's worth goes out in one socket write.
 */
function writePubacks(client: Client, messageIds: readonly number[]): void {
  if (client.closed || !client.connected) return;
  const out = Buffer.allocUnsafe(4 * messageIds.length);
  messageIds.forEach((id, i) => {
    out[4 * i] = 0x40;
    out[4 * i + 1] = 0x02;
    out.writeUInt16BE(id, 4 * i + 2);
  });
  client.conn.write(out);
}

const queues = new WeakMap<Client, AckQueue>();

export function ackQueueOf(client: Client, limit: number): AckQueue {
  let q = queues.get(client);
  if (!q) {
    q = new AckQueue(client, limit);
    queues.set(client, q);
  }
  return q;
}
