// The merge tables below are copied from the comments of HBase's FilterListWithAND and
// FilterListWithOR (mergeReturnCode): row = the next filter's code, column = the code so far.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReturnCode, returnCodeName } from './filter.js';
import { mergeAnd, mergeOr } from './filter-list-merge.js';

const ORDER = ['INCLUDE', 'INCLUDE_AND_NEXT_COL', 'INCLUDE_AND_SEEK_NEXT_ROW', 'SKIP', 'NEXT_COL', 'NEXT_ROW', 'SEEK_NEXT_USING_HINT'] as const;

const AND_TABLE = `
INCLUDE                    INCLUDE                    INCLUDE_AND_NEXT_COL      INCLUDE_AND_SEEK_NEXT_ROW  SKIP                  NEXT_COL              NEXT_ROW              SEEK_NEXT_USING_HINT
INCLUDE_AND_NEXT_COL       INCLUDE_AND_NEXT_COL       INCLUDE_AND_NEXT_COL      INCLUDE_AND_SEEK_NEXT_ROW  NEXT_COL              NEXT_COL              NEXT_ROW              SEEK_NEXT_USING_HINT
INCLUDE_AND_SEEK_NEXT_ROW  INCLUDE_AND_SEEK_NEXT_ROW  INCLUDE_AND_SEEK_NEXT_ROW INCLUDE_AND_SEEK_NEXT_ROW  NEXT_ROW              NEXT_ROW              NEXT_ROW              SEEK_NEXT_USING_HINT
SKIP                       SKIP                       NEXT_COL                  NEXT_ROW                   SKIP                  NEXT_COL              NEXT_ROW              SEEK_NEXT_USING_HINT
NEXT_COL                   NEXT_COL                   NEXT_COL                  NEXT_ROW                   NEXT_COL              NEXT_COL              NEXT_ROW              SEEK_NEXT_USING_HINT
NEXT_ROW                   NEXT_ROW                   NEXT_ROW                  NEXT_ROW                   NEXT_ROW              NEXT_ROW              NEXT_ROW              SEEK_NEXT_USING_HINT
SEEK_NEXT_USING_HINT       SEEK_NEXT_USING_HINT       SEEK_NEXT_USING_HINT      SEEK_NEXT_USING_HINT       SEEK_NEXT_USING_HINT  SEEK_NEXT_USING_HINT  SEEK_NEXT_USING_HINT  SEEK_NEXT_USING_HINT
`;

const OR_TABLE = `
INCLUDE                    INCLUDE INCLUDE                  INCLUDE                    INCLUDE   INCLUDE               INCLUDE                   INCLUDE
INCLUDE_AND_NEXT_COL       INCLUDE INCLUDE_AND_NEXT_COL     INCLUDE_AND_NEXT_COL       INCLUDE   INCLUDE_AND_NEXT_COL  INCLUDE_AND_NEXT_COL      INCLUDE
INCLUDE_AND_SEEK_NEXT_ROW  INCLUDE INCLUDE_AND_NEXT_COL     INCLUDE_AND_SEEK_NEXT_ROW  INCLUDE   INCLUDE_AND_NEXT_COL  INCLUDE_AND_SEEK_NEXT_ROW INCLUDE
SKIP                       INCLUDE INCLUDE                  INCLUDE                    SKIP      SKIP                  SKIP                      SKIP
NEXT_COL                   INCLUDE INCLUDE_AND_NEXT_COL     INCLUDE_AND_NEXT_COL       SKIP      NEXT_COL              NEXT_COL                  SKIP
NEXT_ROW                   INCLUDE INCLUDE_AND_NEXT_COL     INCLUDE_AND_SEEK_NEXT_ROW  SKIP      NEXT_COL              NEXT_ROW                  SKIP
SEEK_NEXT_USING_HINT       INCLUDE INCLUDE                  INCLUDE                    SKIP      SKIP                  SKIP                      SEEK_NEXT_USING_HINT
`;

function code(name: string): ReturnCode {
  const rc = (ReturnCode as Record<string, ReturnCode>)[name];
  assert.ok(rc !== undefined, name);
  return rc;
}

function checkTable(table: string, merge: (rc: ReturnCode, local: ReturnCode) => ReturnCode): void {
  const rows = table.trim().split('\n');
  assert.equal(rows.length, 7);
  for (const row of rows) {
    const [local, ...expected] = row.trim().split(/\s+/);
    assert.equal(expected.length, 7);
    expected.forEach((want, col) => {
      const got = merge(code(ORDER[col]!), code(local!));
      assert.equal(returnCodeName(got), want, `rc=${ORDER[col]} local=${local}`);
    });
  }
}

test('MUST_PASS_ALL merges return codes by the maximal step rule', () => {
  checkTable(AND_TABLE, mergeAnd);
});

test('MUST_PASS_ONE merges return codes by the minimal step rule', () => {
  checkTable(OR_TABLE, mergeOr);
  for (const name of ORDER) assert.equal(mergeOr(undefined, code(name)), code(name));
});
