// The public client library: `import { Connection } from 'tsbase/client'`.

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
