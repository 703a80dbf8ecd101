import mqtt, { type MqttClient } from 'mqtt';

/**
 * MQTT 3.1.1 clients for suites against a running urbs: connect without automatic reconnects (a refused
 * or closed connection must stay visible), and an inbox that records every message so a test can wait for
 * the next one on a topic or assert that none arrived.
 */
export interface TestMqttClient {
  client: MqttClient;
  clientId: string;
  /** The next message on `topic` not yet taken (waits up to `timeoutMs`). */
  next(topic: string, timeoutMs?: number): Promise<Buffer>;
  /** The next message on `topic`, parsed as JSON. */
  nextJson(topic: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Messages received on `topic` so far and not taken. */
  pending(topic: string): Buffer[];
  /** Resolves when the connection closes. */
  closed: Promise<void>;
  end(): Promise<void>;
}

export interface ConnectOptions {
  username?: string;
  password?: string;
  clientId?: string;
  clean?: boolean;
}

let counter = 0;

export async function connectMqtt(url: string, o: ConnectOptions = {}): Promise<TestMqttClient> {
  const clientId = o.clientId ?? `urbs-test-${process.pid}-${++counter}`;
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    clientId,
    clean: o.clean ?? true,
    ...(o.username === undefined ? {} : { username: o.username }),
    ...(o.password === undefined ? {} : { password: o.password }),
  });
  const inbox = new Map<string, Buffer[]>();
  const waiters = new Map<string, ((m: Buffer) => void)[]>();
  client.on('message', (topic, payload) => {
    const w = waiters.get(topic)?.shift();
    if (w) return w(payload);
    const list = inbox.get(topic) ?? [];
    list.push(payload);
    inbox.set(topic, list);
  });
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  const next = (topic: string, timeoutMs = 5000) =>
    new Promise<Buffer>((resolve, reject) => {
      const queued = inbox.get(topic)?.shift();
      if (queued) return resolve(queued);
      const timer = setTimeout(() => {
        const list = waiters.get(topic) ?? [];
        list.splice(list.indexOf(deliver), 1);
        reject(new Error(`no message on ${topic} within ${timeoutMs} ms`));
      }, timeoutMs);
      const deliver = (m: Buffer) => {
        clearTimeout(timer);
        resolve(m);
      };
      const list = waiters.get(topic) ?? [];
      list.push(deliver);
      waiters.set(topic, list);
    });
  return {
    client,
    clientId,
    next,
    nextJson: async (topic, timeoutMs) => JSON.parse((await next(topic, timeoutMs)).toString()),
    pending: (topic) => [...(inbox.get(topic) ?? [])],
    closed,
    // Forced: a connection the broker closed still holds its unacknowledged publish, and would wait for it.
    end: () => client.endAsync(true),
  };
}

/** Waits a moment so that a message that should not come would have arrived. */
export const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));
