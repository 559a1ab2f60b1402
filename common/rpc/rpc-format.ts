// Constants of the data RPC's byte layout (docs/formats/rpc.md). They are a wire contract
// between clients and servers of different versions: never change or reuse a value; retired
// values stay here as comments.

/** Connection preamble, sent first by both peers: magic "TSBR", version:u16, reserved:u16 = 0. */
export const PREAMBLE_MAGIC = 0x54534252; // "TSBR"
export const PREAMBLE_SIZE = 8;
/** The protocol version this code speaks. 1 (retired): puts and results as per-field layouts. 2: as KeyValues. */
export const PROTOCOL_VERSION = 2;

/** length:u32 — counts the bytes after itself (header rest + body). */
export const LENGTH_SIZE = 4;
/** callId:u32 method:u8 flags:u8 — the part of the header counted by `length`. */
export const HEADER_REST_SIZE = 6;
/** Whole frame header: length + callId + method + flags. */
export const FRAME_HEADER_SIZE = LENGTH_SIZE + HEADER_REST_SIZE;

/** Response flag: the body is a WireError (the call failed). Requests carry flags = 0. */
export const FLAG_ERROR = 0x01;
/** Flags a response may carry; any other bit set is a protocol error. */
export const RESPONSE_FLAGS_MASK = FLAG_ERROR;

/** Call id of connection-level error frames (bad preamble, frame too large): not a call. */
export const CONNECTION_CALL_ID = 0;

/** Default largest frame accepted (HBase hbase.ipc.max.request.size, 256 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 256 * 1024 * 1024;
/** Hard ceiling of `length` (u32): a frame can never be larger than this. */
export const MAX_FRAME_LENGTH = 0xffffffff;

// Presence flags inside bodies (see docs/formats/rpc.md, "Bodies").

/** ReadSpec flags (Get and Scan). */
export const READ_COLUMNS = 0x01;
export const READ_MAX_VERSIONS = 0x02;
export const READ_TIME_RANGE = 0x04;
export const READ_FILTER = 0x08;
export const READ_RAW = 0x10;

/** Get flags. */
export const GET_EXISTENCE_ONLY = 0x01;

/** Scan flags. */
export const SCAN_START_ROW = 0x01;
export const SCAN_STOP_ROW = 0x02;
export const SCAN_REVERSED = 0x04;
export const SCAN_LIMIT = 0x08;
export const SCAN_BATCH = 0x10;
export const SCAN_CACHING = 0x20;

/** ColumnSpec flags. */
export const COLUMN_QUALIFIER = 0x01;

/** Mutation kinds. */
export const MUTATION_PUT = 0;
export const MUTATION_DELETE = 1;
/** Mutation / Increment / Append flags. */
export const MUTATION_SKIP_WAL = 0x01;
export const MUTATION_TIMESTAMP = 0x02; // Delete only: whole-row delete timestamp present
/** Increment / Append flags: nonceGroup:u64 nonce:u64 follow the flags (docs/rfcs/0006-operation-nonces.md). */
export const RMW_NONCE = 0x02;

/** DeleteColumn flags. */
export const DELETE_QUALIFIER = 0x01;
export const DELETE_TIMESTAMP = 0x02;
export const DELETE_ALL_VERSIONS = 0x04;

/** CheckAndMutate flags. */
export const CAM_VALUE = 0x01;
export const CAM_TIME_RANGE = 0x02;
/** nonceGroup:u64 nonce:u64 follow the time range. */
export const CAM_NONCE = 0x04;
/** CompareOp codes (HBase CompareOperator ordinal order). */
export const COMPARE_OPS = ['LESS', 'LESS_OR_EQUAL', 'EQUAL', 'NOT_EQUAL', 'GREATER_OR_EQUAL', 'GREATER'] as const;

/** GET response flags. */
export const GET_RESPONSE_EXISTS = 0x01;

/** Outcome tags of multi-call entries. */
export const ACTION_ERROR = 0;
export const ACTION_OK = 1;
/** Per-mutation outcome of MULTI_MUTATE. */
export const MUTATION_APPLIED = 0;
export const MUTATION_FAILED = 1;
