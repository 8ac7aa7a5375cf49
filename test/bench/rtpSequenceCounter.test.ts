import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpSequenceCounter } from '../../bench/fanout/RtpSequenceCounter.js';

/** Pushes sequence numbers of SSRC 1, 100 bytes each; returns the totals. */
function count(seqs: number[], counter = new RtpSequenceCounter()): ReturnType<RtpSequenceCounter['totals']> {
  for (const seq of seqs) counter.push(seq, 1, 100);
  return counter.totals();
}

describe('RtpSequenceCounter (RFC 3550 §A.1 sequence arithmetic)', () => {
  it('counts nothing lost in order, bytes and packets', () => {
    const t = count([10, 11, 12, 13]);
    assert.deepEqual([t.lost, t.packets, t.bytes, t.extendedHighest], [0, 4, 400, 13]);
  });

  it('counts a forward gap as loss', () => {
    assert.equal(count([10, 11, 15, 16]).lost, 3);
  });

  it('wraps at 65535 without loss, and counts a gap across the wrap', () => {
    assert.equal(count([65533, 65534, 65535, 0, 1]).lost, 0);
    const t = count([65534, 65535, 2]);
    assert.equal(t.lost, 2);
    assert.equal(t.extendedHighest, 65536 + 2);
  });

  it('takes a gap back when the late packet arrives (reordering is not loss)', () => {
    const t = count([10, 12, 11, 13]);
    assert.deepEqual([t.lost, t.reordered, t.duplicates], [0, 1, 0]);
  });

  it('does not count duplicates as loss or twice', () => {
    const t = count([10, 11, 11, 12, 10]);
    assert.deepEqual([t.lost, t.duplicates, t.packets], [0, 2, 5]);
  });

  it('tells a late packet from a duplicate across the wrap', () => {
    const t = count([65535, 1, 0, 0]);
    assert.deepEqual([t.lost, t.reordered, t.duplicates], [0, 1, 1]);
  });

  it('ignores packets from before the first one seen', () => {
    const t = count([100, 101, 99]);
    assert.deepEqual([t.lost, t.reordered, t.duplicates], [0, 0, 0]);
  });

  it('keeps the loss of an earlier SSRC and restarts the sequence space on a new one', () => {
    const counter = new RtpSequenceCounter();
    count([1, 2, 5], counter); // 2 lost
    counter.push(40_000, 2, 100);
    counter.push(40_002, 2, 100); // 1 lost
    const t = counter.totals();
    assert.deepEqual([t.lost, t.ssrcChanges, t.ssrc], [3, 1, 2]);
  });

  it('stays exact over many cycles with random loss and local reordering', () => {
    const counter = new RtpSequenceCounter();
    let lost = 0;
    let held: number | undefined;
    for (let ext = 0; ext < 300_000; ext += 1) {
      if (ext % 997 === 5) {
        lost += 1;
        continue;
      }
      if (ext % 101 === 7 && held === undefined) {
        held = ext; // delivered after the next one
        continue;
      }
      counter.push(ext & 0xffff, 1, 1);
      if (held !== undefined) {
        counter.push(held & 0xffff, 1, 1);
        held = undefined;
      }
    }
    assert.equal(counter.totals().lost, lost);
  });
});
