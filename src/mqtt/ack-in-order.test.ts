import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Client } from 'aedes';
import { AckQueue } from './ack-in-order.ts';

function fakeClient() {
  const written: number[][] = [];
  const client = {
    closed: false,
    connected: true,
    conn: { write: (b: Buffer) => written.push([...b]) },
  } as unknown as Client;
  return { client, written };
}

describe('AckQueue', () => {
  test('PUBACKs go out in arrival order, a commit at a time', () => {
    const { client, written } = fakeClient();
    const q = new AckQueue(client, 10);
    const first = q.enqueue(1);
    const qos0 = q.enqueue(undefined);
    const third = q.enqueue(0x1234);
    third();
    assert.deepEqual(written, [], 'waits for the earlier ones');
    qos0();
    assert.deepEqual(written, []);
    first();
    assert.deepEqual(written, [[0x40, 2, 0, 1, 0x40, 2, 0x12, 0x34]]);
    assert.equal(q.size, 0);
  });

  test('above the limit the caller waits until acknowledgements catch up', async () => {
    const { client } = fakeClient();
    const q = new AckQueue(client, 2);
    const a = q.enqueue(1);
    assert.equal(q.whenBelowLimit(), undefined);
    q.enqueue(2);
    const wait = q.whenBelowLimit();
    assert.ok(wait);
    let released = false;
    wait.then(() => {
      released = true;
    });
    await Promise.resolve();
    assert.equal(released, false);
    a();
    await wait;
    assert.equal(released, true);
  });

  test('nothing is written to a closed connection', () => {
    const { client, written } = fakeClient();
    (client as { closed: boolean }).closed = true;
    new AckQueue(client, 10).enqueue(7)();
    assert.deepEqual(written, []);
  });
});
