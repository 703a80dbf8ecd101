import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getPath, isWellFormedPath, setPath } from './field-path.ts';

describe('field paths', () => {
  it('reads nested members and stops at non-objects', () => {
    const record = { address: { city: 'Jena' }, list: [1], n: 0 };
    assert.equal(getPath(record, 'address.city'), 'Jena');
    assert.equal(getPath(record, 'n'), 0);
    assert.equal(getPath(record, 'address.city.x'), undefined);
    assert.equal(getPath(record, 'list.0'), undefined);
    assert.equal(getPath(record, 'toString'), undefined);
  });

  it('writes nested members, creating objects on the way', () => {
    const out: Record<string, unknown> = { address: 'replaced' };
    setPath(out, 'address.city', 'Jena');
    setPath(out, 'address.country', 'DE');
    setPath(out, 'id', 'x');
    assert.deepEqual(out, { address: { city: 'Jena', country: 'DE' }, id: 'x' });
  });

  it('knows well-formed paths', () => {
    assert.equal(isWellFormedPath('a.b'), true);
    for (const bad of ['', '.a', 'a.', 'a..b']) assert.equal(isWellFormedPath(bad), false, bad);
  });
});
