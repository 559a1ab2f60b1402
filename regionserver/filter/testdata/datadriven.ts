// A small data-driven test runner in the style of Pebble's datadriven package. A test file holds
// cases separated by blank lines:
//
//   # comment
//   <command> <arguments...>
//   <input lines...>
//   ----
//   <expected output lines...>
//
// The runner calls `run(command, args, input)` and compares its output with the expected text.
// TSB_REWRITE=1 rewrites the expected outputs in the source file instead of comparing.
// Files are read from the source tree (tests run from dist/).

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface TestCase {
  readonly command: string;
  readonly args: string;
  readonly input: string;
  readonly expected: string;
  /** 1-based line of the command. */
  readonly line: number;
  /** `#` comment lines just before the command (kept on rewrite). */
  readonly comments: readonly string[];
}

/** Path of a file in the source tree, given a path relative to the repository root. */
export function sourcePath(relative: string): string {
  // dist/regionserver/filter/testdata/datadriven.js → repository root is four levels up.
  return fileURLToPath(new URL(`../../../../${relative}`, import.meta.url));
}

export function parseCases(text: string): TestCase[] {
  const lines = text.split('\n');
  const cases: TestCase[] = [];
  let i = 0;
  let comments: string[] = [];
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.trim() === '') {
      i++;
      continue;
    }
    if (l.startsWith('#')) {
      comments.push(l);
      i++;
      continue;
    }
    const line = i + 1;
    const sp = l.indexOf(' ');
    const command = sp < 0 ? l : l.slice(0, sp);
    const args = sp < 0 ? '' : l.slice(sp + 1);
    i++;
    const input: string[] = [];
    while (i < lines.length && lines[i] !== '----') input.push(lines[i++]!);
    if (i >= lines.length) throw new Error(`case at line ${line}: missing ----`);
    i++;
    const expected: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!);
    cases.push({ command, args, input: input.join('\n'), expected: expected.join('\n'), line, comments });
    comments = [];
  }
  return cases;
}

function formatCases(cases: readonly TestCase[], outputs: readonly string[]): string {
  const parts = cases.map((c, k) => {
    const comments = c.comments.length === 0 ? '' : c.comments.join('\n') + '\n';
    const head = c.args === '' ? c.command : `${c.command} ${c.args}`;
    const input = c.input === '' ? '' : c.input + '\n';
    const out = outputs[k]!;
    return `${comments}${head}\n${input}----\n${out === '' ? '' : out + '\n'}`;
  });
  return parts.join('\n');
}

/**
 * Runs every case of the file (path relative to the repository root). Each case's failure message
 * names the file and line.
 */
export function runDataDriven(relative: string, run: (c: TestCase) => string): void {
  const path = sourcePath(relative);
  const text = readFileSync(path, 'utf8');
  const cases = parseCases(text);
  const outputs = cases.map((c) => run(c).replace(/\n+$/, ''));
  if (process.env.TSB_REWRITE === '1') {
    writeFileSync(path, formatCases(cases, outputs));
    return;
  }
  const failures: string[] = [];
  cases.forEach((c, k) => {
    if (outputs[k] !== c.expected) {
      failures.push(`${relative}:${c.line}: ${c.command} ${c.args}\n--- expected\n${c.expected}\n--- actual\n${outputs[k]}`);
    }
  });
  assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases failed:\n\n${failures.join('\n\n')}`);
}
