import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, InvalidError } from '../errors.js';
import { ByteWriter } from './byte-writer.js';
import { FrameDecoder, frameBodyStart, frameCallId, frameMethod } from './frame-decoder.js';
import { PREAMBLE_SIZE } from './rpc-format.js';

interface Seen {
  callId: number;
  method: number;
  body: Buffer;
  /** True when the body is a view of a pushed chunk (not an assembled copy). */
  sameMemory: boolean;
}

function collect(max = 1 << 20): { d: FrameDecoder; seen: Seen[]; chunks: Buffer[] } {
  const seen: Seen[] = [];
  const chunks: Buffer[] = [];
  const d = new FrameDecoder(max, (buf, start, end) => {
    seen.push({ callId: frameCallId(buf, start), method: frameMethod(buf, start), body: Buffer.from(buf.subarray(frameBodyStart(start), end)), sameMemory: chunks.some((c) => c.buffer === buf.buffer) });
  });
  return { d, seen, chunks };
}

function stream(bodies: Buffer[], preamble = true): Buffer {
  const w = new ByteWriter(100);
  if (preamble) w.preamble();
  bodies.forEach((body, i) => {
    w.beginFrame(i + 1, i % 30, 0);
    w.raw(body);
    w.endFrame();
  });
  return Buffer.concat(w.take());
}

const protocolError = (e: unknown): boolean => e instanceof InvalidError && e.code === ErrorCodes.PROTOCOL;

test('frames are cut correctly whatever the chunk boundaries (every split point of a stream)', () => {
  const bodies = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(300, 2), Buffer.alloc(5, 9)];
  const s = stream(bodies);
  for (let cut1 = 0; cut1 <= s.length; cut1++) {
    for (const cut2 of [cut1, Math.min(s.length, cut1 + 3), s.length]) {
      const { d, seen } = collect();
      d.push(s.subarray(0, cut1));
      d.push(s.subarray(cut1, cut2));
      d.push(s.subarray(cut2));
      assert.deepEqual(
        seen.map((f) => [f.callId, f.method, f.body.toString('hex')]),
        bodies.map((body, i) => [i + 1, i % 30, body.toString('hex')]),
        `cuts at ${cut1}, ${cut2}`,
      );
    }
  }
});

test('a frame wholly inside a chunk is a view of the chunk; a frame spanning chunks is assembled', () => {
  const s = stream([Buffer.alloc(10, 1), Buffer.alloc(10, 2)]);
  const { d, seen, chunks } = collect();
  // Buffer.alloc has its own memory (Buffer.from may share the small-buffer pool).
  const first = Buffer.alloc(s.length - 5);
  s.copy(first, 0, 0, s.length - 5);
  const second = Buffer.alloc(5);
  s.copy(second, 0, s.length - 5);
  chunks.push(first, second);
  d.push(first);
  d.push(second);
  assert.equal(seen.length, 2);
  assert.equal(seen[0]!.sameMemory, true);
  assert.equal(seen[1]!.sameMemory, false);
});

test('a wrong magic, an unsupported version or reserved preamble bits are protocol errors', () => {
  const good = stream([]);
  const badMagic = Buffer.from('GET / HTTP/1.1\r\n\r\n');
  // Version 1 (the retired per-field layouts) and a future version.
  const oldVersion = Buffer.from(good);
  oldVersion.writeUInt16BE(1, 4);
  const badVersion = Buffer.from(good);
  badVersion.writeUInt16BE(3, 4);
  const badReserved = Buffer.from(good);
  badReserved.writeUInt16BE(1, 6);
  for (const bad of [badMagic, oldVersion, badVersion, badReserved]) {
    const { d } = collect();
    assert.throws(() => d.push(bad), protocolError);
  }
  // A preamble arriving one byte at a time is fine.
  const { d, seen } = collect();
  const s = stream([Buffer.from('x')]);
  for (let i = 0; i < s.length; i++) d.push(s.subarray(i, i + 1));
  assert.equal(seen.length, 1);
  assert.equal(good.length, PREAMBLE_SIZE);
});

test('lengths under the header size or over the limit are protocol errors, found from the length alone', () => {
  const tooShort = Buffer.concat([stream([]), Buffer.from([0, 0, 0, 5, 0, 0])]);
  assert.throws(() => collect().d.push(tooShort), protocolError);
  const { d } = collect(1000);
  // Only the 4 length bytes of a 2 GB frame: refused before any body arrives.
  const huge = Buffer.concat([stream([]), Buffer.from([0x7f, 0xff, 0xff, 0xff])]);
  assert.throws(() => d.push(huge), (e: unknown) => protocolError(e) && /larger than the limit/.test((e as Error).message));
  // At the limit exactly is fine.
  const atLimit = collect(1000);
  atLimit.d.push(stream([Buffer.alloc(1000 - 10)]));
  assert.equal(atLimit.seen.length, 1);
  const overLimit = collect(1000);
  assert.throws(() => overLimit.d.push(stream([Buffer.alloc(1000 - 9)])), protocolError);
  assert.deepEqual(overLimit.d.rejected, { callId: 1, method: 0 });
});

test('suspend keeps the rest of the chunk and later chunks; resume hands them on in order', () => {
  const bodies = Array.from({ length: 6 }, (_, i) => Buffer.from(`frame-${i}`));
  const s = stream(bodies);
  const seen: number[] = [];
  const d: FrameDecoder = new FrameDecoder(1 << 20, (buf, start) => {
    seen.push(frameCallId(buf, start));
    if (seen.length === 2 || seen.length === 4) d.suspend();
  });
  d.push(s.subarray(0, s.length - 3));
  assert.deepEqual(seen, [1, 2]);
  d.push(s.subarray(s.length - 3));
  assert.deepEqual(seen, [1, 2]);
  d.resume();
  assert.deepEqual(seen, [1, 2, 3, 4]);
  d.resume();
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
});
