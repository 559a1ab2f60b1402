// Store manifest codec (docs/formats/manifest.md).
//
//   manifest = magic:8 "TSBSTMAN" | version:u16 = 1 | flags:u16 = 0 | bodyLen:u32 | crc32c(body):u32
//              | body: bodyLen bytes of UTF-8 JSON
//
//   body = { "store": {namespace, table, region, family}, "generation": n, "writer": {server, epoch},
//            "flushedSeqId": "<u64>", "updatedMs": n, "files": [file...], "references": [ref...],
//            "retired": [retired...], "daughters": ["<region>"...] }
//   file = { name, size, entries, maxSeqId: "<u64>", minTs: "<u64>", maxTs: "<u64>",
//            firstKey: "<base64>", lastKey: "<base64>", bloomType: "NONE"|"ROW"|"ROWCOL",
//            createdMs, majorCompaction: bool }
//   ref  = { parentRegion, parentFamily, parentFile: file, half: "top"|"bottom",
//            splitRow: "<base64>", createdMs }
//   retired = { name, retiredMs, size, reference?: {parentRegion, parentFamily, parentFile} }
//
// u64 values are decimal strings (JSON numbers lose precision past 2^53); byte strings are
// standard base64 with padding. Unknown fields are refused: a new field means a new version.
//
// decodeManifest checks the header, the CRC, the JSON shape and the structural rules of
// manifest.ts; any failure is a CorruptionError naming the object key.

import { crc32c } from '@node-rs/crc32';
import { z } from 'zod';
import { CorruptionError } from '../../common/errors.js';
import type { StoreId } from '../../common/paths.js';
import type { StoreFileEntry, StoreManifest } from './manifest.js';
import { U64_MAX, manifestProblem } from './manifest.js';
import {
  BLOOM_TYPE_NAMES,
  HEADER_SIZE,
  H_BODY_LEN,
  H_CRC,
  H_FLAGS,
  H_MAGIC,
  H_VERSION,
  MANIFEST_MAGIC,
  MANIFEST_VERSION,
  MAX_BODY_SIZE,
  REFERENCE_HALVES,
} from './manifest-format.js';

const u64String = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,19})$/, 'expected a decimal u64 string')
  .transform((s) => BigInt(s))
  .refine((v) => v <= U64_MAX, 'value exceeds u64');

const base64Bytes = z
  .string()
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'expected padded base64')
  .transform((s) => Buffer.from(s, 'base64'));

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const name = z.string().min(1).max(1024);

const fileSchema = z.strictObject({
  name,
  size: count,
  entries: count,
  maxSeqId: u64String,
  minTs: u64String,
  maxTs: u64String,
  firstKey: base64Bytes,
  lastKey: base64Bytes,
  bloomType: z.enum(BLOOM_TYPE_NAMES),
  createdMs: count,
  majorCompaction: z.boolean(),
});

const bodySchema = z.strictObject({
  store: z.strictObject({ namespace: name, table: name, region: name, family: name }),
  generation: count,
  writer: z.strictObject({ server: z.string().max(1024), epoch: count }),
  flushedSeqId: u64String,
  updatedMs: count,
  files: z.array(fileSchema),
  references: z.array(
    z.strictObject({
      parentRegion: name,
      parentFamily: name,
      parentFile: fileSchema,
      half: z.enum(REFERENCE_HALVES),
      splitRow: base64Bytes,
      createdMs: count,
    }),
  ),
  retired: z.array(
    z.strictObject({
      name,
      retiredMs: count,
      size: count,
      reference: z.strictObject({ parentRegion: name, parentFamily: name, parentFile: name }).optional(),
    }),
  ),
  daughters: z.array(name),
});

function fileJson(f: StoreFileEntry): Record<string, unknown> {
  return {
    name: f.name,
    size: f.size,
    entries: f.entries,
    maxSeqId: f.maxSeqId.toString(),
    minTs: f.minTs.toString(),
    maxTs: f.maxTs.toString(),
    firstKey: f.firstKey.toString('base64'),
    lastKey: f.lastKey.toString('base64'),
    bloomType: f.bloomType,
    createdMs: f.createdMs,
    majorCompaction: f.majorCompaction,
  };
}

/**
 * Encodes a manifest. REQUIRES: manifestProblem(m) === undefined (callers check invariants
 * first; this does not). Deterministic: equal manifests give equal bytes.
 */
export function encodeManifest(m: StoreManifest): Buffer {
  const doc = {
    store: { namespace: m.store.namespace, table: m.store.table, region: m.store.region, family: m.store.family },
    generation: m.generation,
    writer: { server: m.writer.server, epoch: m.writer.epoch },
    flushedSeqId: m.flushedSeqId.toString(),
    updatedMs: m.updatedMs,
    files: m.files.map(fileJson),
    references: m.references.map((r) => ({
      parentRegion: r.parentRegion,
      parentFamily: r.parentFamily,
      parentFile: fileJson(r.parentFile),
      half: r.half,
      splitRow: r.splitRow.toString('base64'),
      createdMs: r.createdMs,
    })),
    retired: m.retired.map((r) => ({
      name: r.name,
      retiredMs: r.retiredMs,
      size: r.size,
      ...(r.reference === undefined
        ? {}
        : { reference: { parentRegion: r.reference.parentRegion, parentFamily: r.reference.parentFamily, parentFile: r.reference.parentFile } }),
    })),
    daughters: [...m.daughters],
  };
  const body = Buffer.from(JSON.stringify(doc), 'utf8');
  const out = Buffer.alloc(HEADER_SIZE + body.length);
  MANIFEST_MAGIC.copy(out, H_MAGIC);
  out.writeUInt16BE(MANIFEST_VERSION, H_VERSION);
  out.writeUInt16BE(0, H_FLAGS);
  out.writeUInt32BE(body.length, H_BODY_LEN);
  out.writeUInt32BE(crc32c(body), H_CRC);
  body.copy(out, HEADER_SIZE);
  return out;
}

/**
 * Decodes and checks a manifest read from `key`. If `expectedStore` is given, the manifest must
 * say it belongs to that store (a manifest copied to the wrong key is damage too).
 * Throws CorruptionError (TSB_CORRUPTION) naming `key` for any damage or unknown version.
 */
export function decodeManifest(key: string, bytes: Buffer, expectedStore?: StoreId): StoreManifest {
  const fail = (reason: string, details: Record<string, string | number> = {}): CorruptionError =>
    new CorruptionError(`store manifest is damaged: ${reason}`, { details: { key, ...details } });
  if (bytes.length < HEADER_SIZE) throw fail('shorter than its header', { size: bytes.length });
  if (!bytes.subarray(H_MAGIC, H_MAGIC + MANIFEST_MAGIC.length).equals(MANIFEST_MAGIC)) throw fail('bad magic');
  const version = bytes.readUInt16BE(H_VERSION);
  if (version !== MANIFEST_VERSION) throw fail('unsupported format version (written by a newer tsbase?)', { version });
  const flags = bytes.readUInt16BE(H_FLAGS);
  if (flags !== 0) throw fail('unknown flags', { flags });
  const bodyLen = bytes.readUInt32BE(H_BODY_LEN);
  if (bodyLen > MAX_BODY_SIZE || HEADER_SIZE + bodyLen !== bytes.length) throw fail('length does not match the object size', { bodyLen, size: bytes.length });
  const body = bytes.subarray(HEADER_SIZE);
  const expectedCrc = bytes.readUInt32BE(H_CRC);
  const actualCrc = crc32c(body);
  if (expectedCrc !== actualCrc) throw fail('checksum mismatch', { expected: expectedCrc, actual: actualCrc });

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (e) {
    throw new CorruptionError('store manifest is damaged: body is not UTF-8 JSON', { details: { key }, cause: e });
  }
  const parsed = bodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw fail(`unexpected document shape: ${issue?.message ?? 'invalid'}`, { path: issue?.path.join('.') ?? '' });
  }
  const d = parsed.data;
  const m: StoreManifest = {
    store: d.store,
    generation: d.generation,
    writer: d.writer,
    flushedSeqId: d.flushedSeqId,
    updatedMs: d.updatedMs,
    files: d.files,
    references: d.references,
    retired: d.retired.map((r) => (r.reference === undefined ? { name: r.name, retiredMs: r.retiredMs, size: r.size } : r)),
    daughters: d.daughters,
  };
  const problem = manifestProblem(m);
  if (problem !== undefined) throw fail(problem, { generation: m.generation });
  if (m.generation === 0) throw fail('a stored manifest has generation >= 1');
  if (expectedStore !== undefined) {
    const s = m.store;
    if (s.namespace !== expectedStore.namespace || s.table !== expectedStore.table || s.region !== expectedStore.region || s.family !== expectedStore.family) {
      throw fail('it belongs to another store', { store: `${s.namespace}:${s.table}/${s.region}/${s.family}` });
    }
  }
  return m;
}
