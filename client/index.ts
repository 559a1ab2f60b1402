// The public client library: `import { Connection } from 'tsbase/client'`.
//
//   const conn = await Connection.connect({ masters: ['m1:16010', 'm2:16010'] });
//   await conn.getAdmin().createTable({ name: 't', families: [{ NAME: 'f' }] });
//   const t = conn.getTable('t');
//   await t.put({ kind: 'put', row: Buffer.from('r1'), columns: [{ family: f, qualifier: q, value }] });
//   const r = await t.get({ row: Buffer.from('r1') });
//   for await (const row of t.getScanner({ startRow: Buffer.from('r') })) { ... }
//   const m = conn.getBufferedMutator('t'); await m.mutate(puts); await m.close();
//   await conn.close();
//
// Errors are the classes below with stable TSB_* codes (docs/errors.md). Calls retry
// routing errors (region moved, split, server restarted) and backpressure with backoff until
// operationTimeoutMs, then reject with UnavailableError TSB_TIMEOUT (cause: the last error).

export { Connection, toTableName, DEFAULT_OPERATION_TIMEOUT_MS, DEFAULT_RPC_TIMEOUT_MS, DEFAULT_RETRY_PAUSE_MS, DEFAULT_SCANNER_CACHING } from './connection.js';
export type { ConnectionDeps } from './connection.js';
export type { Admin, BufferedMutator, BufferedMutatorOptions, ConnectionLike, ConnectionOptions, ResultScanner, Table } from './client-types.js';
export type { RegionLocation } from './region-locator.js';
export { DEFAULT_WRITE_BUFFER_BYTES, DEFAULT_FLUSH_INTERVAL_MS } from './buffered-mutator.js';
export type {
  Append,
  CheckAndMutate,
  ColumnSpec,
  CompareOp,
  Delete,
  DeleteColumn,
  Get,
  Increment,
  Mutation,
  Put,
  PutColumn,
  Result,
  ResultCell,
  Scan,
  TimeRange,
} from '../common/ops/operations.js';
export type { ClusterStatusJson, ColumnFamilyAttributes, CreateTableRequest, RegionLocationJson, TableJson } from '../common/admin/admin-api.js';
export {
  ConflictError,
  CorruptionError,
  ErrorCodes,
  FencedError,
  InternalError,
  InvalidError,
  NotFoundError,
  NotServingRegionError,
  TsbaseError,
  UnavailableError,
  errorCode,
  isRetryable,
} from '../common/errors.js';
export type { ErrorCode } from '../common/errors.js';
export { LATEST_TIMESTAMP } from '../common/cells/keyvalue-format.js';
