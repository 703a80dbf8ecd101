import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createUploadTracker } from './data-source-uploads.ts';

describe('upload tracker', () => {
  test('keeps the newest uploads per tenant, never a running one; ids are used once per tenant', () => {
    const tracker = createUploadTracker(2);
    const a = tracker.begin('default', 1, 'a', 100);
    tracker.begin('default', 1, 'b', undefined);
    tracker.begin('default', 1, 'c', undefined);
    // All three run: none is dropped.
    assert.equal(tracker.get('default', 1, 'a').status, 'running');
    a.status = 'done';
    tracker.begin('default', 2, 'd', undefined);
    assert.throws(() => tracker.get('default', 1, 'a'), { code: 'URBS_NOT_FOUND' });
    assert.equal(tracker.get('default', 1, 'b').totalBytes, null);
    assert.throws(() => tracker.begin('default', 2, 'b', 1), { code: 'URBS_CONFLICT' });
    // Another tenant, another source: not found.
    assert.throws(() => tracker.get('other', 1, 'b'), { code: 'URBS_NOT_FOUND' });
    assert.throws(() => tracker.get('default', 2, 'b'), { code: 'URBS_NOT_FOUND' });
    tracker.begin('other', 1, 'b', 1);
    assert.equal(tracker.get('other', 1, 'b').totalBytes, 1);
  });

  test('get answers a copy: the caller cannot change the state', () => {
    const tracker = createUploadTracker();
    tracker.begin('default', 1, 'x', 10);
    const copy = tracker.get('default', 1, 'x');
    copy.records = 99;
    assert.equal(tracker.get('default', 1, 'x').records, 0);
  });
});
