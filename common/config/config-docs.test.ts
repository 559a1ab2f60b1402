import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { markdownRow, settingRows } from './config-docs.js';

// dist/common/config/ → the repository root.
const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  it('has the row of every setting, with its current default, HBase name and variable', () => {
    const lines = new Set(doc.split('\n'));
    const missing = settingRows()
      .map(markdownRow)
      .filter((row) => !lines.has(row));
    assert.deepEqual(missing, [], 'regenerate the rows with settingRows()/markdownRow() (see config-docs.ts)');
  });

  it('documents no setting that does not exist', () => {
    const known = new Set(settingRows().map((r) => r.path));
    const documented = [...doc.matchAll(/^\| `([A-Za-z]+\.[A-Za-z.]+)` \|/gm)].map((m) => m[1]!);
    assert.ok(documented.length >= known.size);
    assert.deepEqual(
      documented.filter((p) => !known.has(p)),
      [],
    );
  });
});
