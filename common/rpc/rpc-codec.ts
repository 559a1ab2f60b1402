// The body of every request and response of common/rpc/rpc-messages.ts, by method id.
// Layout: docs/formats/rpc.md, "Bodies". Data calls are binary (op-codec.ts, result-codec.ts);
// region admin calls are JSON (admin-codec.ts); errors are WireError JSON
// (wire-error-codec.ts).
//
//   method             request                                   response
//   PING (0)           payload (the whole body)                  payload (the whole body)
//   GET (1)            region:str16 get                          flags:u8 result   (0x01 exists)
//   MULTI_GET (2)      count:u32 (region:str16 get)*             count:u32 (1 result | 0 error:json32)*
//   MUTATE (3)         region:str16 mutation                     empty
//   MULTI_MUTATE (4)   count:u32 (region:str16 n:u32 mutation*)* count:u32 (1 n:u32 (0 | 1 error:json32)* | 0 error:json32)*
//   CHECK_AND_MUTATE   region:str16 checkAndMutate               processed:u8
//   INCREMENT (6)      region:str16 increment                    result
//   APPEND (7)         region:str16 append                       result
//                      (the request's nonce, if any, is inside the operation: op-codec.ts)
//   SCAN_OPEN (8)      region:str16 rows:u32 scan                scannerId:u64 batch
//   SCAN_NEXT (9)      scannerId:u64 rows:u32                    batch
//   SCAN_CLOSE (10)    scannerId:u64                             empty
//   META_MUTATE (11)   token:u64 mutation                        empty
//   META_FENCE (12)    token:u64                                 empty
//   OPEN_REGION (20) … MERGE_REGIONS (26): JSON bodies (admin-codec.ts)
//
// Decoders read the whole body and throw InvalidError (TSB_PROTOCOL) on any malformation, or
// InvalidError (TSB_VALUE_TOO_LARGE) for a value over the limit. Encoders throw InvalidError
// (TSB_INVALID_ARGUMENT) for a request that cannot be encoded.

import { InvalidError } from '../errors.js';
import type { WireError } from '../error-wire.js';
import type { Mutation, Result } from '../ops/operations.js';
import { RpcMethod } from './rpc-messages.js';
import type { ActionResult, RpcMethodName, RpcRequests, RpcResponses } from './rpc-messages.js';
import type { ByteWriter } from './byte-writer.js';
import { badField } from './byte-reader.js';
import type { ByteReader } from './byte-reader.js';
import * as F from './rpc-format.js';
import type { DecodeLimits } from './op-codec.js';
import {
  decodeAppendWithNonce,
  decodeCheckAndMutateWithNonce,
  decodeGet,
  decodeIncrementWithNonce,
  decodeMutation,
  decodeScan,
  encodeAppend,
  encodeCheckAndMutate,
  encodeGet,
  encodeIncrement,
  encodeMutation,
  encodeScan,
} from './op-codec.js';
import { decodeResult, decodeScanBatch, encodeResult, encodeScanBatch } from './result-codec.js';
import { decodeWireError, encodeWireError } from './wire-error-codec.js';
import { decodeAdminRequest, decodeAdminResponse, encodeAdminRequest, encodeAdminResponse } from './admin-codec.js';

/** Method name by wire id (undefined for an unknown id). */
export const METHOD_NAMES: readonly (RpcMethodName | undefined)[] = (() => {
  const out: (RpcMethodName | undefined)[] = new Array(256).fill(undefined);
  for (const [name, id] of Object.entries(RpcMethod)) out[id] = name as RpcMethodName;
  return out;
})();

// Requests and responses are typed per method at the API surface (RpcClient.call,
// RpcHandlers); inside the codec they are `unknown`, narrowed by the method id.
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyReq = any;
type AnyRes = any;
/* eslint-enable @typescript-eslint/no-explicit-any */

export function encodeRequest(w: ByteWriter, method: number, req: AnyReq): void {
  switch (method) {
    case RpcMethod.PING:
      w.raw((req as RpcRequests['PING']).payload);
      return;
    case RpcMethod.GET:
      w.str16(req.region, 'region');
      encodeGet(w, req.get);
      return;
    case RpcMethod.MULTI_GET: {
      const actions = (req as RpcRequests['MULTI_GET']).actions;
      w.u32(actions.length);
      for (const a of actions) {
        w.str16(a.region, 'region');
        encodeGet(w, a.get);
      }
      return;
    }
    case RpcMethod.MUTATE:
      w.str16(req.region, 'region');
      encodeMutation(w, req.mutation);
      return;
    case RpcMethod.MULTI_MUTATE: {
      const actions = (req as RpcRequests['MULTI_MUTATE']).actions;
      w.u32(actions.length);
      for (const a of actions) {
        w.str16(a.region, 'region');
        w.u32(a.mutations.length);
        for (const m of a.mutations) encodeMutation(w, m);
      }
      return;
    }
    case RpcMethod.CHECK_AND_MUTATE:
      w.str16(req.region, 'region');
      encodeCheckAndMutate(w, req.checkAndMutate, req.nonce);
      return;
    case RpcMethod.INCREMENT:
      w.str16(req.region, 'region');
      encodeIncrement(w, req.increment, req.nonce);
      return;
    case RpcMethod.APPEND:
      w.str16(req.region, 'region');
      encodeAppend(w, req.append, req.nonce);
      return;
    case RpcMethod.SCAN_OPEN:
      w.str16(req.region, 'region');
      w.u32(req.rows);
      encodeScan(w, req.scan);
      return;
    case RpcMethod.SCAN_NEXT:
      w.u64(req.scannerId);
      w.u32(req.rows);
      return;
    case RpcMethod.SCAN_CLOSE:
      w.u64(req.scannerId);
      return;
    case RpcMethod.META_MUTATE:
      w.u64(req.token);
      encodeMutation(w, req.mutation);
      return;
    case RpcMethod.META_FENCE:
      w.u64(req.token);
      return;
    case RpcMethod.OPEN_REGION:
    case RpcMethod.CLOSE_REGION:
    case RpcMethod.FLUSH_REGION:
    case RpcMethod.COMPACT_REGION:
    case RpcMethod.SPLIT_REGION:
    case RpcMethod.SERVER_INFO:
    case RpcMethod.MERGE_REGIONS:
      encodeAdminRequest(w, METHOD_NAMES[method] as 'OPEN_REGION', req);
      return;
  }
  throw new InvalidError('unknown rpc method', { details: { method } });
}

export function decodeRequest(r: ByteReader, method: number, limits: DecodeLimits): AnyReq {
  let out: AnyReq;
  switch (method) {
    case RpcMethod.PING:
      return { payload: r.rest() };
    case RpcMethod.GET: {
      const region = r.str16('region');
      out = { region, get: decodeGet(r) };
      break;
    }
    case RpcMethod.MULTI_GET: {
      const n = r.u32('actions.count');
      if (n * 6 > r.remaining) throw badField('actions.count', n);
      const actions: RpcRequests['MULTI_GET']['actions'][number][] = new Array(n);
      for (let i = 0; i < n; i++) {
        const region = r.str16('region');
        actions[i] = { region, get: decodeGet(r) };
      }
      out = { actions };
      break;
    }
    case RpcMethod.MUTATE: {
      const region = r.str16('region');
      out = { region, mutation: decodeMutation(r, limits) };
      break;
    }
    case RpcMethod.MULTI_MUTATE: {
      const n = r.u32('actions.count');
      if (n * 6 > r.remaining) throw badField('actions.count', n);
      const actions: { region: string; mutations: Mutation[] }[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const region = r.str16('region');
        const k = r.u32('mutations.count');
        if (k * 8 > r.remaining) throw badField('mutations.count', k);
        const mutations: Mutation[] = new Array(k);
        for (let j = 0; j < k; j++) mutations[j] = decodeMutation(r, limits);
        actions[i] = { region, mutations };
      }
      out = { actions };
      break;
    }
    case RpcMethod.CHECK_AND_MUTATE: {
      const region = r.str16('region');
      const d = decodeCheckAndMutateWithNonce(r, limits);
      out = d.nonce === undefined ? { region, checkAndMutate: d.op } : { region, checkAndMutate: d.op, nonce: d.nonce };
      break;
    }
    case RpcMethod.INCREMENT: {
      const region = r.str16('region');
      const d = decodeIncrementWithNonce(r);
      out = d.nonce === undefined ? { region, increment: d.op } : { region, increment: d.op, nonce: d.nonce };
      break;
    }
    case RpcMethod.APPEND: {
      const region = r.str16('region');
      const d = decodeAppendWithNonce(r, limits);
      out = d.nonce === undefined ? { region, append: d.op } : { region, append: d.op, nonce: d.nonce };
      break;
    }
    case RpcMethod.SCAN_OPEN: {
      const region = r.str16('region');
      const rows = r.u32('rows');
      out = { region, scan: decodeScan(r), rows };
      break;
    }
    case RpcMethod.SCAN_NEXT: {
      const scannerId = r.u64('scannerId');
      out = { scannerId, rows: r.u32('rows') };
      break;
    }
    case RpcMethod.SCAN_CLOSE:
      out = { scannerId: r.u64('scannerId') };
      break;
    case RpcMethod.META_MUTATE: {
      const token = r.u64('token');
      out = { token, mutation: decodeMutation(r, limits) };
      break;
    }
    case RpcMethod.META_FENCE:
      out = { token: r.u64('token') };
      break;
    case RpcMethod.OPEN_REGION:
    case RpcMethod.CLOSE_REGION:
    case RpcMethod.FLUSH_REGION:
    case RpcMethod.COMPACT_REGION:
    case RpcMethod.SPLIT_REGION:
    case RpcMethod.SERVER_INFO:
    case RpcMethod.MERGE_REGIONS:
      return decodeAdminRequest(r, METHOD_NAMES[method] as 'OPEN_REGION');
    default:
      throw badField('method', method);
  }
  r.done(METHOD_NAMES[method] ?? String(method));
  return out;
}

export function encodeResponse(w: ByteWriter, method: number, res: AnyRes): void {
  switch (method) {
    case RpcMethod.PING:
      w.raw((res as RpcResponses['PING']).payload);
      return;
    case RpcMethod.GET:
      w.u8(res.exists === true ? F.GET_RESPONSE_EXISTS : 0);
      encodeResult(w, res.result);
      return;
    case RpcMethod.MULTI_GET: {
      const results = (res as RpcResponses['MULTI_GET']).results;
      w.u32(results.length);
      for (const a of results) {
        if (a.ok) {
          w.u8(F.ACTION_OK);
          encodeResult(w, a.value);
        } else {
          w.u8(F.ACTION_ERROR);
          encodeWireError(w, a.error);
        }
      }
      return;
    }
    case RpcMethod.MULTI_MUTATE: {
      const results = (res as RpcResponses['MULTI_MUTATE']).results;
      w.u32(results.length);
      for (const a of results) {
        if (a.ok) {
          w.u8(F.ACTION_OK);
          w.u32(a.value.length);
          for (const e of a.value) {
            if (e === null) w.u8(F.MUTATION_APPLIED);
            else {
              w.u8(F.MUTATION_FAILED);
              encodeWireError(w, e);
            }
          }
        } else {
          w.u8(F.ACTION_ERROR);
          encodeWireError(w, a.error);
        }
      }
      return;
    }
    case RpcMethod.CHECK_AND_MUTATE:
      w.u8(res.processed === true ? 1 : 0);
      return;
    case RpcMethod.INCREMENT:
    case RpcMethod.APPEND:
      encodeResult(w, res.result);
      return;
    case RpcMethod.SCAN_OPEN:
      w.u64(res.scannerId);
      encodeScanBatch(w, res);
      return;
    case RpcMethod.SCAN_NEXT:
      encodeScanBatch(w, res);
      return;
    case RpcMethod.MUTATE:
    case RpcMethod.SCAN_CLOSE:
    case RpcMethod.META_MUTATE:
    case RpcMethod.META_FENCE:
      return;
    case RpcMethod.OPEN_REGION:
    case RpcMethod.CLOSE_REGION:
    case RpcMethod.FLUSH_REGION:
    case RpcMethod.COMPACT_REGION:
    case RpcMethod.SPLIT_REGION:
    case RpcMethod.SERVER_INFO:
    case RpcMethod.MERGE_REGIONS:
      encodeAdminResponse(w, METHOD_NAMES[method] as 'SPLIT_REGION', res);
      return;
  }
  throw new InvalidError('unknown rpc method', { details: { method } });
}

export function decodeResponse(r: ByteReader, method: number): AnyRes {
  let out: AnyRes;
  switch (method) {
    case RpcMethod.PING:
      return { payload: r.rest() };
    case RpcMethod.GET: {
      const flags = r.u8('get.flags');
      if ((flags & ~F.GET_RESPONSE_EXISTS) !== 0) throw badField('get.flags', flags);
      out = { result: decodeResult(r), exists: (flags & F.GET_RESPONSE_EXISTS) !== 0 };
      break;
    }
    case RpcMethod.MULTI_GET: {
      const n = r.u32('results.count');
      if (n * 5 > r.remaining) throw badField('results.count', n);
      const results: ActionResult<Result>[] = new Array(n);
      for (let i = 0; i < n; i++) results[i] = okTag(r) ? { ok: true, value: decodeResult(r) } : { ok: false, error: decodeWireError(r) };
      out = { results };
      break;
    }
    case RpcMethod.MULTI_MUTATE: {
      const n = r.u32('results.count');
      if (n * 5 > r.remaining) throw badField('results.count', n);
      const results: ActionResult<readonly (WireError | null)[]>[] = new Array(n);
      for (let i = 0; i < n; i++) {
        if (okTag(r)) {
          const k = r.u32('mutations.count');
          if (k > r.remaining) throw badField('mutations.count', k);
          const value: (WireError | null)[] = new Array(k);
          for (let j = 0; j < k; j++) {
            const t = r.u8('mutation.outcome');
            if (t === F.MUTATION_APPLIED) value[j] = null;
            else if (t === F.MUTATION_FAILED) value[j] = decodeWireError(r);
            else throw badField('mutation.outcome', t);
          }
          results[i] = { ok: true, value };
        } else {
          results[i] = { ok: false, error: decodeWireError(r) };
        }
      }
      out = { results };
      break;
    }
    case RpcMethod.CHECK_AND_MUTATE: {
      const p = r.u8('processed');
      if (p > 1) throw badField('processed', p);
      out = { processed: p === 1 };
      break;
    }
    case RpcMethod.INCREMENT:
    case RpcMethod.APPEND:
      out = { result: decodeResult(r) };
      break;
    case RpcMethod.SCAN_OPEN: {
      const scannerId = r.u64('scannerId');
      const b = decodeScanBatch(r);
      out = { results: b.results, moreInRegion: b.moreInRegion, scannerId };
      break;
    }
    case RpcMethod.SCAN_NEXT:
      out = decodeScanBatch(r);
      break;
    case RpcMethod.MUTATE:
    case RpcMethod.SCAN_CLOSE:
    case RpcMethod.META_MUTATE:
    case RpcMethod.META_FENCE:
      out = {};
      break;
    case RpcMethod.OPEN_REGION:
    case RpcMethod.CLOSE_REGION:
    case RpcMethod.FLUSH_REGION:
    case RpcMethod.COMPACT_REGION:
    case RpcMethod.SPLIT_REGION:
    case RpcMethod.SERVER_INFO:
    case RpcMethod.MERGE_REGIONS:
      return decodeAdminResponse(r, METHOD_NAMES[method] as 'SPLIT_REGION');
    default:
      throw badField('method', method);
  }
  r.done(METHOD_NAMES[method] ?? String(method));
  return out;
}

function okTag(r: ByteReader): boolean {
  const t = r.u8('action.outcome');
  if (t === F.ACTION_OK) return true;
  if (t === F.ACTION_ERROR) return false;
  throw badField('action.outcome', t);
}
