// WireError (common/error-wire.ts) inside RPC bodies: UTF-8 JSON
//   { "code": string, "message": string, "retryable": boolean, "details"?: { k: string|number|boolean } }
// An error frame's whole body is that JSON; inside MULTI_GET / MULTI_MUTATE answers it is
// length-prefixed (json32). Errors are rare, so the readable form costs nothing that matters.
// Decoders throw InvalidError (TSB_PROTOCOL) for anything that is not such an object.

import type { WireError } from '../error-wire.js';
import type { ByteWriter } from './byte-writer.js';
import { badField } from './byte-reader.js';
import type { ByteReader } from './byte-reader.js';

/** The error as JSON text. */
export function wireErrorJson(e: WireError): string {
  return JSON.stringify(e.details === undefined ? { code: e.code, message: e.message, retryable: e.retryable } : e);
}

/** Parses and checks a WireError's JSON text. */
export function parseWireError(text: string): WireError {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw badField('error', text.slice(0, 100));
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badField('error', text.slice(0, 100));
  const o = v as Record<string, unknown>;
  if (typeof o['code'] !== 'string' || typeof o['message'] !== 'string' || typeof o['retryable'] !== 'boolean') throw badField('error', text.slice(0, 100));
  const details = o['details'];
  if (details === undefined) return { code: o['code'], message: o['message'], retryable: o['retryable'] };
  if (details === null || typeof details !== 'object' || Array.isArray(details)) throw badField('error.details', text.slice(0, 100));
  for (const d of Object.values(details)) {
    if (typeof d !== 'string' && typeof d !== 'number' && typeof d !== 'boolean') throw badField('error.details', text.slice(0, 100));
  }
  return { code: o['code'], message: o['message'], retryable: o['retryable'], details: details as Record<string, string | number | boolean> };
}

/** json32 form, for errors inside multi answers. */
export function encodeWireError(w: ByteWriter, e: WireError): void {
  w.str32(wireErrorJson(e));
}

export function decodeWireError(r: ByteReader): WireError {
  return parseWireError(r.str32('error'));
}

/** Error frame body: the JSON without a length. */
export function encodeErrorBody(w: ByteWriter, e: WireError): void {
  w.text(wireErrorJson(e));
}

export function decodeErrorBody(r: ByteReader): WireError {
  const b = r.rest();
  return parseWireError(b.toString('utf8'));
}
