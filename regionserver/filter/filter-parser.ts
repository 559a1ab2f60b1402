// HBase's filter string language (ParseFilter), as the HBase shell and REST's `filter` parameter
// use it:
//
//   PrefixFilter ('row') AND (ValueFilter (=, 'binary:abc') OR SKIP QualifierFilter (!=, 'substring:x'))
//
// Grammar (docs/formats/filters.md):
//   expr    := and ('OR' and)*                 → FilterList(MUST_PASS_ONE) when more than one
//   and     := unary ('AND' unary)*            → FilterList(MUST_PASS_ALL) when more than one
//   unary   := 'SKIP' unary | 'WHILE' unary | '(' expr ')' | simple
//   simple  := Name '(' [arg ((',' | ' ') arg)*] ')'
//   arg     := 'quoted' (a quote inside is written '') | number | true | false | < <= = != > >=
// Keywords are upper case and must be followed by white space, '(' or the end. SKIP and WHILE bind
// tightest, then AND, then OR; a chain of the same operator becomes one flat FilterList, as in
// HBase. Quoted arguments are taken as the UTF-8 bytes of their text (no \x escapes, as HBase).
// Comparators are quoted `type:value` with type binary, binaryprefix, regexstring or substring;
// regexstring and substring only go with = and !=.
//
// Errors: InvalidError(TSB_INVALID_ARGUMENT) with the position (0-based character offset) and,
// where known, the filter name.

import { InvalidError } from '../../common/errors.js';
import { FamilyFilter, QualifierFilter, RowFilter, ValueFilter } from './compare-filters.js';
import type { ByteArrayComparable, CompareOperator } from './comparators.js';
import { BinaryComparator, BinaryPrefixComparator, RegexStringComparator, SubstringComparator } from './comparators.js';
import type { Filter } from './filter.js';
import { MAX_FILTER_DEPTH } from './filter-json.js';
import { FilterList } from './filter-list.js';
import { ColumnCountGetFilter, ColumnPaginationFilter } from './column-count-filters.js';
import { ColumnPrefixFilter, ColumnRangeFilter, InclusiveStopFilter, MultipleColumnPrefixFilter, PrefixFilter } from './key-range-filters.js';
import { FirstKeyOnlyFilter, KeyOnlyFilter, PageFilter } from './row-filters.js';
import { SingleColumnValueExcludeFilter, SingleColumnValueFilter } from './single-column-value-filter.js';
import { TimestampsFilter } from './timestamps-filter.js';
import { SkipFilter, WhileMatchFilter } from './wrapper-filters.js';

/** Filter names the language accepts. */
export const SUPPORTED_FILTER_NAMES: readonly string[] = [
  'KeyOnlyFilter',
  'FirstKeyOnlyFilter',
  'PrefixFilter',
  'ColumnPrefixFilter',
  'PageFilter',
  'TimestampsFilter',
  'RowFilter',
  'FamilyFilter',
  'QualifierFilter',
  'ValueFilter',
  'ColumnRangeFilter',
  'SingleColumnValueFilter',
  'SingleColumnValueExcludeFilter',
  'InclusiveStopFilter',
  'MultipleColumnPrefixFilter',
  'ColumnCountGetFilter',
  'ColumnPaginationFilter',
];

/** Names HBase's ParseFilter knows that tsbase does not implement (yet). */
const UNSUPPORTED_FILTER_NAMES = new Set([
  'DependentColumnFilter',
  'FirstKeyValueMatchingQualifiersFilter',
  'MultiRowRangeFilter',
  'ColumnValueFilter',
  'FuzzyRowFilter',
]);

const OPERATORS: Record<string, CompareOperator> = {
  '<': 'LESS',
  '<=': 'LESS_OR_EQUAL',
  '=': 'EQUAL',
  '!=': 'NOT_EQUAL',
  '>=': 'GREATER_OR_EQUAL',
  '>': 'GREATER',
};

interface Arg {
  readonly quoted: boolean;
  readonly text: string;
  readonly pos: number;
}

/** Parses a filter string. Throws InvalidError(TSB_INVALID_ARGUMENT) naming the position. */
export function parseFilterString(s: string): Filter {
  return new Parser(s).parse();
}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly s: string) {}

  parse(): Filter {
    this.skipSpace();
    if (this.pos >= this.s.length) this.fail('empty filter string');
    const f = this.parseOr();
    this.skipSpace();
    if (this.pos < this.s.length) {
      this.fail(this.s[this.pos] === ')' ? 'unmatched )' : 'expected AND, OR or the end after a filter (keywords are upper case)');
    }
    return f;
  }

  private fail(message: string, pos = this.pos, filter?: string): never {
    throw new InvalidError(`invalid filter string: ${message}`, { details: { position: pos, filter } });
  }

  private skipSpace(): void {
    while (isSpace(this.s[this.pos])) this.pos++;
  }

  /** True (and consumes it) if the keyword is next, followed by white space, '(' or the end. */
  private keyword(word: string): boolean {
    this.skipSpace();
    if (!this.s.startsWith(word, this.pos)) return false;
    const next = this.s[this.pos + word.length];
    if (next !== undefined && !isSpace(next) && next !== '(') return false;
    this.pos += word.length;
    return true;
  }

  private parseOr(): Filter {
    const list = [this.parseAnd()];
    while (this.keyword('OR')) list.push(this.parseAnd());
    return list.length === 1 ? list[0]! : new FilterList('MUST_PASS_ONE', list);
  }

  private parseAnd(): Filter {
    const list = [this.parseUnary()];
    while (this.keyword('AND')) list.push(this.parseUnary());
    return list.length === 1 ? list[0]! : new FilterList('MUST_PASS_ALL', list);
  }

  private parseUnary(): Filter {
    if (++this.depth > MAX_FILTER_DEPTH) this.fail(`filters nest deeper than ${MAX_FILTER_DEPTH} levels`);
    try {
      return this.parseUnaryAt();
    } finally {
      this.depth--;
    }
  }

  private parseUnaryAt(): Filter {
    if (this.keyword('SKIP')) return new SkipFilter(this.parseUnary());
    if (this.keyword('WHILE')) return new WhileMatchFilter(this.parseUnary());
    this.skipSpace();
    if (this.pos >= this.s.length) this.fail('expected a filter');
    if (this.s[this.pos] === '(') {
      const open = this.pos++;
      const f = this.parseOr();
      this.skipSpace();
      if (this.s[this.pos] !== ')') this.fail('missing ) for the ( at ' + open);
      this.pos++;
      return f;
    }
    return this.parseSimple();
  }

  private parseSimple(): Filter {
    const start = this.pos;
    while (this.pos < this.s.length && this.s[this.pos] !== '(' && !isSpace(this.s[this.pos]) && this.s[this.pos] !== ')') this.pos++;
    const name = this.s.slice(start, this.pos);
    if (name === '') this.fail('expected a filter name');
    this.skipSpace();
    if (this.s[this.pos] !== '(') this.fail(`expected ( after ${name}`, this.pos, name);
    this.pos++;
    const args = this.parseArgs(name);
    return buildFilter(name, args, start, (m, p) => this.fail(m, p, name));
  }

  private parseArgs(name: string): Arg[] {
    const args: Arg[] = [];
    const s = this.s;
    while (true) {
      while (isSpace(s[this.pos]) || s[this.pos] === ',') this.pos++;
      if (this.pos >= s.length) this.fail(`missing ) after the arguments of ${name}`, this.pos, name);
      if (s[this.pos] === ')') {
        this.pos++;
        return args;
      }
      const start = this.pos;
      if (s[this.pos] === "'") {
        let text = '';
        let i = this.pos + 1;
        while (true) {
          if (i >= s.length) this.fail('unterminated quoted argument', start, name);
          if (s[i] === "'") {
            if (s[i + 1] === "'") {
              text += "'";
              i += 2;
              continue;
            }
            break;
          }
          text += s[i];
          i++;
        }
        this.pos = i + 1;
        args.push({ quoted: true, text, pos: start });
      } else {
        while (this.pos < s.length && !isSpace(s[this.pos]) && s[this.pos] !== ',' && s[this.pos] !== ')') this.pos++;
        args.push({ quoted: false, text: s.slice(start, this.pos), pos: start });
      }
    }
  }
}

type Fail = (message: string, pos: number) => never;

function buildFilter(name: string, args: readonly Arg[], pos: number, fail: Fail): Filter {
  const arity = (...allowed: number[]): void => {
    if (!allowed.includes(args.length)) fail(`${name} expects ${allowed.join(' or ')} arguments, got ${args.length}`, pos);
  };
  const arg = (i: number): Arg => args[i]!;
  try {
    switch (name) {
      case 'KeyOnlyFilter':
        arity(0, 1);
        return new KeyOnlyFilter(args.length === 1 ? toBoolean(arg(0), fail) : false);
      case 'FirstKeyOnlyFilter':
        arity(0);
        return new FirstKeyOnlyFilter();
      case 'PrefixFilter':
        arity(1);
        return new PrefixFilter(toBytes(arg(0), fail));
      case 'ColumnPrefixFilter':
        arity(1);
        return new ColumnPrefixFilter(toBytes(arg(0), fail));
      case 'InclusiveStopFilter':
        arity(1);
        return new InclusiveStopFilter(toBytes(arg(0), fail));
      case 'MultipleColumnPrefixFilter':
        return new MultipleColumnPrefixFilter(args.map((a) => toBytes(a, fail)));
      case 'ColumnCountGetFilter':
        arity(1);
        return new ColumnCountGetFilter(toSafeInteger(arg(0), fail));
      case 'ColumnPaginationFilter':
        arity(2);
        return new ColumnPaginationFilter(toSafeInteger(arg(0), fail), toSafeInteger(arg(1), fail));
      case 'PageFilter':
        arity(1);
        return new PageFilter(toSafeInteger(arg(0), fail));
      case 'TimestampsFilter':
        return new TimestampsFilter(args.map((a) => toLong(a, fail)));
      case 'RowFilter':
      case 'FamilyFilter':
      case 'QualifierFilter':
      case 'ValueFilter': {
        arity(2);
        const op = toOperator(arg(0), fail);
        const cmp = toComparator(arg(1), op, fail);
        if (name === 'RowFilter') return new RowFilter(op, cmp);
        if (name === 'FamilyFilter') return new FamilyFilter(op, cmp);
        if (name === 'QualifierFilter') return new QualifierFilter(op, cmp);
        return new ValueFilter(op, cmp);
      }
      case 'ColumnRangeFilter': {
        arity(4);
        // HBase: an empty quoted bound means no bound.
        const min = toBytes(arg(0), fail);
        const max = toBytes(arg(2), fail);
        return new ColumnRangeFilter({
          minColumn: min.length === 0 ? undefined : min,
          minColumnInclusive: toBoolean(arg(1), fail),
          maxColumn: max.length === 0 ? undefined : max,
          maxColumnInclusive: toBoolean(arg(3), fail),
        });
      }
      case 'SingleColumnValueFilter':
      case 'SingleColumnValueExcludeFilter': {
        arity(4, 6);
        const family = toBytes(arg(0), fail);
        const qualifier = toBytes(arg(1), fail);
        const op = toOperator(arg(2), fail);
        const cmp = toComparator(arg(3), op, fail);
        const six = args.length === 6;
        const Ctor = name === 'SingleColumnValueFilter' ? SingleColumnValueFilter : SingleColumnValueExcludeFilter;
        return new Ctor(family, qualifier, op, cmp, {
          filterIfMissing: six ? toBoolean(arg(4), fail) : false,
          latestVersionOnly: six ? toBoolean(arg(5), fail) : true,
        });
      }
      default:
        if (UNSUPPORTED_FILTER_NAMES.has(name)) fail(`filter ${name} is not supported`, pos);
        fail(`unknown filter ${name}`, pos);
    }
  } catch (err) {
    // Constructor checks (negative page size, bad regex) become positioned parse errors.
    if (err instanceof InvalidError && !err.message.startsWith('invalid filter string')) fail(err.message, pos);
    throw err;
  }
}

function toBytes(a: Arg, fail: Fail): Buffer {
  if (!a.quoted) fail(`expected a quoted argument, got ${a.text}`, a.pos);
  return Buffer.from(a.text, 'utf8');
}

function toBoolean(a: Arg, fail: Fail): boolean {
  const t = a.quoted ? '' : a.text.toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  fail(`expected true or false, got ${a.quoted ? `'${a.text}'` : a.text}`, a.pos);
}

// HBase's convertByteArrayToLong: an optional minus sign and digits, at most 2^63-1.
function toLong(a: Arg, fail: Fail): bigint {
  if (a.quoted || !/^-?\d+$/.test(a.text)) fail(`expected an integer, got ${a.quoted ? `'${a.text}'` : a.text}`, a.pos);
  const v = BigInt(a.text);
  if (v > 0x7fffffffffffffffn || v < -0x7fffffffffffffffn) fail(`integer out of range: ${a.text}`, a.pos);
  return v;
}

function toSafeInteger(a: Arg, fail: Fail): number {
  const v = toLong(a, fail);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) fail(`integer out of range: ${a.text}`, a.pos);
  return Number(v);
}

function toOperator(a: Arg, fail: Fail): CompareOperator {
  const op = a.quoted ? undefined : OPERATORS[a.text];
  if (op === undefined) fail(`expected a compare operator (<, <=, =, !=, >=, >), got ${a.quoted ? `'${a.text}'` : a.text}`, a.pos);
  return op;
}

function toComparator(a: Arg, op: CompareOperator, fail: Fail): ByteArrayComparable {
  if (!a.quoted) fail(`expected a quoted comparator like 'binary:abc', got ${a.text}`, a.pos);
  const colon = a.text.indexOf(':');
  if (colon < 0) fail(`comparator needs a type prefix (binary:, binaryprefix:, regexstring:, substring:), got '${a.text}'`, a.pos);
  const type = a.text.slice(0, colon);
  const value = a.text.slice(colon + 1);
  if ((type === 'regexstring' || type === 'substring') && op !== 'EQUAL' && op !== 'NOT_EQUAL') {
    fail('a regexstring or substring comparator can only be used with = and !=', a.pos);
  }
  switch (type) {
    case 'binary':
      return new BinaryComparator(Buffer.from(value, 'utf8'));
    case 'binaryprefix':
      return new BinaryPrefixComparator(Buffer.from(value, 'utf8'));
    case 'regexstring':
      return new RegexStringComparator(value);
    case 'substring':
      return new SubstringComparator(value);
    default:
      fail(`unknown comparator type ${type}`, a.pos);
  }
}
