// The transport ceiling of the YCSB benchmark: the same operations as round trips to a bare
// echo server over the same RPC framing, client and connection, with the same message sizes.
// Each YCSB operation becomes the RPC exchanges tsbase's client makes for it (a read = one
// GET; an update or insert = one MUTATE; a scan = one SCAN_OPEN answering every row, as the
// client does when caching >= the limit), each a PING whose request is as large as that
// call's request body and whose answer is as large as its response body. Sizes come from
// the real codec (common/rpc/rpc-codec.ts) encoding representative messages.

import { ByteWriter } from '../../common/rpc/byte-writer.js';
import { encodeRequest, encodeResponse } from '../../common/rpc/rpc-codec.js';
import type { RpcClient, RpcRequests, RpcResponses } from '../../common/rpc/rpc-messages.js';
import { RpcMethod } from '../../common/rpc/rpc-messages.js';
import type { Result } from '../../common/ops/operations.js';
import { FAMILY, rowColumns } from './tsbase-db.js';
import type { YcsbDb } from './workloads.js';
import { FIELD_COUNT, FIELD_LENGTH } from './workloads.js';

const REGION = 'd41d8cd98f00b204e9800998ecf8427e';

function requestBytes<M extends keyof RpcRequests>(method: M, req: RpcRequests[M]): number {
  const w = new ByteWriter();
  encodeRequest(w, RpcMethod[method], req);
  return w.pending;
}

function responseBytes<M extends keyof RpcResponses>(method: M, res: RpcResponses[M]): number {
  const w = new ByteWriter();
  encodeResponse(w, RpcMethod[method], res);
  return w.pending;
}

function sampleRow(key: Buffer): Result {
  const fields = new Map<number, Buffer>();
  for (let i = 0; i < FIELD_COUNT; i++) fields.set(i, Buffer.alloc(FIELD_LENGTH, 97));
  return {
    row: key,
    cells: rowColumns(fields).map((c) => ({ row: key, family: c.family, qualifier: c.qualifier, timestamp: 1_700_000_000_000n, type: 4, value: c.value })),
  };
}

export interface MessageSizes {
  readonly readReq: number;
  readonly readRes: number;
  readonly updateReq: number;
  readonly insertReq: number;
  readonly mutateRes: number;
  readonly scanReq: number;
  /** Response bytes per scanned row. */
  readonly scanResPerRow: number;
  readonly scanResBase: number;
}

/** Body sizes of the calls the tsbase binding makes, for 24-byte YCSB keys. */
export function messageSizes(): MessageSizes {
  const key = Buffer.alloc(24, 117);
  const one = new Map([[0, Buffer.alloc(FIELD_LENGTH, 97)]]);
  const all = new Map<number, Buffer>();
  for (let i = 0; i < FIELD_COUNT; i++) all.set(i, Buffer.alloc(FIELD_LENGTH, 97));
  const row = sampleRow(key);
  const scanRes = (n: number) => responseBytes('SCAN_OPEN', { scannerId: 1n, moreInRegion: false, results: Array.from({ length: n }, () => row) });
  return {
    readReq: requestBytes('GET', { region: REGION, get: { row: key, columns: [{ family: FAMILY }] } }),
    readRes: responseBytes('GET', { result: row, exists: true }),
    updateReq: requestBytes('MUTATE', { region: REGION, mutation: { kind: 'put', row: key, columns: rowColumns(one) } }),
    insertReq: requestBytes('MUTATE', { region: REGION, mutation: { kind: 'put', row: key, columns: rowColumns(all) } }),
    mutateRes: responseBytes('MUTATE', {}),
    scanReq: requestBytes('SCAN_OPEN', { region: REGION, scan: { startRow: key, limit: 50, caching: 50, columns: [{ family: FAMILY }] }, rows: 50 }),
    scanResPerRow: scanRes(2) - scanRes(1),
    scanResBase: scanRes(1) - (scanRes(2) - scanRes(1)),
  };
}

/** PING request payload: 4-byte size of the answer wanted, padded to `requestBytes`. */
export function echoRequest(requestBytes: number, responseBytes: number): Buffer {
  const b = Buffer.alloc(Math.max(4, requestBytes));
  b.writeUInt32BE(responseBytes, 0);
  return b;
}

export class EchoYcsbDb implements YcsbDb {
  private readonly readReq: Buffer;
  private readonly updateReq: Buffer;
  private readonly insertReq: Buffer;

  constructor(
    private readonly client: RpcClient,
    private readonly sizes: MessageSizes,
  ) {
    this.readReq = echoRequest(sizes.readReq, sizes.readRes);
    this.updateReq = echoRequest(sizes.updateReq, sizes.mutateRes);
    this.insertReq = echoRequest(sizes.insertReq, sizes.mutateRes);
  }

  async read(): Promise<void> {
    await this.client.call('PING', { payload: this.readReq });
  }

  async update(): Promise<void> {
    await this.client.call('PING', { payload: this.updateReq });
  }

  async insert(): Promise<void> {
    await this.client.call('PING', { payload: this.insertReq });
  }

  async scan(_key: Buffer, rows: number): Promise<void> {
    await this.client.call('PING', { payload: echoRequest(this.sizes.scanReq, this.sizes.scanResBase + rows * this.sizes.scanResPerRow) });
  }
}
