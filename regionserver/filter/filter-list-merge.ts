// How a FilterList merges the return codes of its filters (HBase 2.x FilterListWithAND /
// FilterListWithOR .mergeReturnCode). Codes ordered by how far they move the scanner:
//
//   INCLUDE < SKIP < INCLUDE_AND_NEXT_COL < NEXT_COL < INCLUDE_AND_SEEK_NEXT_ROW < NEXT_ROW < SEEK_NEXT_USING_HINT
//
// MUST_PASS_ALL takes the largest step any filter allows ("maximal step rule"); MUST_PASS_ONE the
// smallest ("minimal step rule"), and keeps a cell if any filter includes it. The tables in
// HBase's source comments are reproduced by filter-list-merge.test.ts.

import { InternalError } from '../../common/errors.js';
import { ReturnCode, returnCodeName } from './filter.js';

const { INCLUDE, INCLUDE_AND_NEXT_COL, INCLUDE_AND_SEEK_NEXT_ROW, SKIP, NEXT_COL, NEXT_ROW, SEEK_NEXT_USING_HINT } = ReturnCode;

/** MUST_PASS_ALL: merges `rc` (of the filters so far) with `local` (the next filter's). */
export function mergeAnd(rc: ReturnCode, local: ReturnCode): ReturnCode {
  if (rc === SEEK_NEXT_USING_HINT) return SEEK_NEXT_USING_HINT;
  switch (local) {
    case SEEK_NEXT_USING_HINT:
      return SEEK_NEXT_USING_HINT;
    case INCLUDE:
      return rc;
    case INCLUDE_AND_NEXT_COL:
      if (rc === INCLUDE || rc === INCLUDE_AND_NEXT_COL) return INCLUDE_AND_NEXT_COL;
      if (rc === INCLUDE_AND_SEEK_NEXT_ROW) return INCLUDE_AND_SEEK_NEXT_ROW;
      if (rc === SKIP || rc === NEXT_COL) return NEXT_COL;
      return NEXT_ROW;
    case INCLUDE_AND_SEEK_NEXT_ROW:
      if (rc === INCLUDE || rc === INCLUDE_AND_NEXT_COL || rc === INCLUDE_AND_SEEK_NEXT_ROW) return INCLUDE_AND_SEEK_NEXT_ROW;
      return NEXT_ROW;
    case SKIP:
      if (rc === INCLUDE || rc === SKIP) return SKIP;
      if (rc === INCLUDE_AND_NEXT_COL || rc === NEXT_COL) return NEXT_COL;
      return NEXT_ROW;
    case NEXT_COL:
      if (rc === INCLUDE_AND_SEEK_NEXT_ROW || rc === NEXT_ROW) return NEXT_ROW;
      return NEXT_COL;
    case NEXT_ROW:
      return NEXT_ROW;
  }
  throw new InternalError('unknown return code', { details: { rc: returnCodeName(rc), local: returnCodeName(local) } });
}

/** MUST_PASS_ONE: merges `rc` (undefined before the first filter) with `local`. */
export function mergeOr(rc: ReturnCode | undefined, local: ReturnCode): ReturnCode {
  if (rc === undefined) return local;
  switch (local) {
    case INCLUDE:
      return INCLUDE;
    case INCLUDE_AND_NEXT_COL:
      if (rc === INCLUDE || rc === SKIP || rc === SEEK_NEXT_USING_HINT) return INCLUDE;
      return INCLUDE_AND_NEXT_COL;
    case INCLUDE_AND_SEEK_NEXT_ROW:
      if (rc === INCLUDE || rc === SKIP || rc === SEEK_NEXT_USING_HINT) return INCLUDE;
      if (rc === INCLUDE_AND_NEXT_COL || rc === NEXT_COL) return INCLUDE_AND_NEXT_COL;
      return INCLUDE_AND_SEEK_NEXT_ROW;
    case SKIP:
      if (rc === INCLUDE || rc === INCLUDE_AND_NEXT_COL || rc === INCLUDE_AND_SEEK_NEXT_ROW) return INCLUDE;
      return SKIP;
    case NEXT_COL:
      if (rc === INCLUDE) return INCLUDE;
      if (rc === NEXT_COL || rc === NEXT_ROW) return NEXT_COL;
      if (rc === INCLUDE_AND_NEXT_COL || rc === INCLUDE_AND_SEEK_NEXT_ROW) return INCLUDE_AND_NEXT_COL;
      return SKIP;
    case NEXT_ROW:
      if (rc === SEEK_NEXT_USING_HINT) return SKIP;
      return rc;
    case SEEK_NEXT_USING_HINT:
      if (rc === INCLUDE || rc === INCLUDE_AND_NEXT_COL || rc === INCLUDE_AND_SEEK_NEXT_ROW) return INCLUDE;
      if (rc === SEEK_NEXT_USING_HINT) return SEEK_NEXT_USING_HINT;
      return SKIP;
  }
  throw new InternalError('unknown return code', { details: { rc: returnCodeName(rc), local: returnCodeName(local) } });
}
