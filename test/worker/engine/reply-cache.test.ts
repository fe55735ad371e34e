import { describe, expect, it } from 'vitest';
import { ReplyCache, requestFingerprint } from '../../../worker/engine/reply-cache.js';

describe('ReplyCache', () => {
  it('keeps at most `entries` replies, dropping the oldest first', () => {
    const cache = new ReplyCache({ entries: 3, bytes: 1 << 20 });
    for (const id of ['a', 'b', 'c', 'd']) cache.set(id, 'f', `reply-${id}`);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('d')).toEqual({ fingerprint: 'f', reply: 'reply-d' });
    expect(cache.size).toBe(3);
  });

  it('keeps at most `bytes` of reply text and never stores a reply larger than that', () => {
    const cache = new ReplyCache({ entries: 100, bytes: 10 });
    cache.set('a', 'f', '12345');
    cache.set('b', 'f', '12345');
    cache.set('c', 'f', '123');
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map(Boolean)).toEqual([
      false,
      true,
      true,
    ]);
    cache.set('huge', 'f', 'x'.repeat(11));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('b')).toBeDefined();
  });

  it('stays correct over many evictions', () => {
    const cache = new ReplyCache({ entries: 50, bytes: 1 << 20 });
    for (let i = 0; i < 10_000; i++) cache.set(`id-${i}`, 'f', `r${i}`);
    expect(cache.size).toBe(50);
    expect(cache.get('id-9949')).toBeUndefined();
    expect(cache.get('id-9950')?.reply).toBe('r9950');
    expect(cache.get('id-9999')?.reply).toBe('r9999');
  });

  it('replacing an entry keeps the byte count right', () => {
    const cache = new ReplyCache({ entries: 10, bytes: 10 });
    cache.set('a', 'f', '1234567890');
    cache.set('a', 'f', '12');
    cache.set('b', 'f', '12345678');
    expect(cache.get('a')?.reply).toBe('12');
    expect(cache.get('b')?.reply).toBe('12345678');
  });

  it('fingerprints method and params', () => {
    expect(requestFingerprint('m', { a: 1 })).toBe(requestFingerprint('m', { a: 1 }));
    expect(requestFingerprint('m', { a: 1 })).not.toBe(requestFingerprint('m', { a: 2 }));
    expect(requestFingerprint('m', {})).not.toBe(requestFingerprint('n', {}));
  });
});
