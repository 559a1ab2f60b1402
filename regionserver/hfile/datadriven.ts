// A small data-driven test runner in the style of Pebble's `datadriven` package.
//
// A test file is a list of cases separated by blank lines:
//
//   # comment
//   command arg=value flag
//   input line
//   ----
//   expected output line
//
// Each case runs `handler`; its output must equal the expected lines. Run with `--rewrite` on
// the command line or TSB_REWRITE=1 in the environment to write the actual outputs back into
// the source file instead (then review the diff).

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';

export interface DataDrivenCase {
  readonly command: string;
  readonly args: ReadonlyMap<string, string>;
  readonly input: string[];
  /** Line (1-based) of the command in the file. */
  readonly line: number;
}

interface ParsedCase extends DataDrivenCase {
  expected: string[];
}

export function shouldRewrite(): boolean {
  return process.argv.includes('--rewrite') || process.env['TSB_REWRITE'] === '1';
}

function parse(text: string): { cases: ParsedCase[]; layout: (string | ParsedCase)[] } {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const layout: (string | ParsedCase)[] = [];
  const cases: ParsedCase[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.trim() === '' || l.startsWith('#')) {
      layout.push(l);
      i++;
      continue;
    }
    const [command, ...rest] = l.trim().split(/\s+/);
    const args = new Map<string, string>();
    for (const a of rest) {
      const eq = a.indexOf('=');
      if (eq < 0) args.set(a, '');
      else args.set(a.slice(0, eq), a.slice(eq + 1));
    }
    const line = i + 1;
    i++;
    const input: string[] = [];
    while (i < lines.length && lines[i] !== '----') {
      if (lines[i]!.trim() === '') throw new Error(`datadriven: missing ---- after the command at line ${line}`);
      input.push(lines[i]!);
      i++;
    }
    if (i >= lines.length) throw new Error(`datadriven: missing ---- after the command at line ${line}`);
    i++;
    const expected: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') {
      expected.push(lines[i]!);
      i++;
    }
    const c: ParsedCase = { command: command!, args, input, line, expected };
    cases.push(c);
    layout.push(c);
  }
  return { cases, layout };
}

/**
 * Runs every case of the file at `path` through `handler` and checks (or, when rewriting,
 * records) its output. Throws an AssertionError naming the file and line of a failing case.
 */
export async function runDataDriven(path: string, handler: (c: DataDrivenCase) => string | Promise<string>): Promise<void> {
  const { cases, layout } = parse(readFileSync(path, 'utf8'));
  const rewrite = shouldRewrite();
  for (const c of cases) {
    let out: string;
    try {
      out = await handler(c);
    } catch (err) {
      out = `error: ${err instanceof Error ? err.message : String(err)}`;
    }
    const actual = out.replace(/\n+$/, '').split('\n').map((l) => (l.trim() === '' ? '.' : l));
    if (rewrite) c.expected = actual;
    else assert.deepEqual(actual, c.expected, `${path}:${c.line}: ${c.command}`);
  }
  if (rewrite) {
    const text = layout
      .map((x) => (typeof x === 'string' ? x : [[x.command, ...[...x.args].map(([k, v]) => (v === '' ? k : `${k}=${v}`))].join(' '), ...x.input, '----', ...x.expected].join('\n')))
      .join('\n');
    writeFileSync(path, text + '\n');
  }
}

/** `16 bytes per line` hex dump with offsets, for expected outputs. */
export function hexdump(b: Buffer, from = 0, to = b.length): string {
  const out: string[] = [];
  for (let p = from; p < to; p += 16) {
    const bytes = [...b.subarray(p, Math.min(p + 16, to))].map((x) => x.toString(16).padStart(2, '0'));
    out.push(`${p.toString(16).padStart(4, '0')}: ${bytes.join(' ')}`);
  }
  return out.join('\n');
}
