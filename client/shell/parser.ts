// Parser for HBase shell command lines (a literal subset of Ruby; see lexer.ts):
//
//   script    := sep* (statement (sep+ statement)*)? sep*         sep := newline | ';'
//   statement := NAME args?  |  NAME '(' args? ')'
//   args      := arg (',' arg)*            key => value pairs at the end form one trailing hash
//   arg       := value | value '=>' value
//   value     := string | number | NAME | true | false | nil
//              | '[' (value (',' value)* ','?)? ']'
//              | '{' (value '=>' value (',' value '=>' value)* ','?)? '}'
//
// As in Ruby, a newline inside brackets or right after ',' or '=>' continues the statement.
// Errors: InvalidError (TSB_INVALID_ARGUMENT) `syntax error: ...` with line/column details and
// `incomplete=true` when more input could complete the statement (the interactive shell then
// asks for the next line).

import type { Position, Token } from './lexer.js';
import { syntaxError, tokenize } from './lexer.js';

export type Value =
  | { readonly kind: 'string'; readonly bytes: Buffer; readonly pos: Position }
  | { readonly kind: 'int'; readonly value: bigint; readonly pos: Position }
  | { readonly kind: 'float'; readonly value: number; readonly pos: Position }
  | { readonly kind: 'bool'; readonly value: boolean; readonly pos: Position }
  | { readonly kind: 'nil'; readonly pos: Position }
  /** A bare identifier such as NAME, VERSIONS or FOREVER: HBase's shell constants are their own names. */
  | { readonly kind: 'const'; readonly name: string; readonly pos: Position }
  | { readonly kind: 'array'; readonly items: readonly Value[]; readonly pos: Position }
  | { readonly kind: 'hash'; readonly entries: readonly HashEntry[]; readonly pos: Position };

export interface HashEntry {
  readonly key: Value;
  readonly value: Value;
}

export interface Statement {
  readonly name: string;
  readonly args: readonly Value[];
  readonly pos: Position;
  /** The statement's source text. */
  readonly text: string;
}

/** Parses a script into statements. Throws InvalidError (see the top of this file). */
export function parseScript(src: string): Statement[] {
  return new Parser(src, tokenize(src)).script();
}

/** True if `src` parses, or fails only because it ends too early (an interactive prompt waits for more). */
export function isIncomplete(src: string): boolean {
  try {
    parseScript(src);
    return false;
  } catch (err) {
    return (err as { details?: Record<string, unknown> }).details?.['incomplete'] === true;
  }
}

class Parser {
  private i = 0;

  constructor(
    private readonly src: string,
    private readonly tokens: readonly Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    const t = this.tokens[this.i]!;
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isPunct(t: Token, text: string): boolean {
    return t.kind === 'punct' && t.text === text;
  }

  private skipNewlines(): void {
    while (this.peek().kind === 'newline') this.i++;
  }

  private unexpected(t: Token, expected: string): never {
    if (t.kind === 'eof') throw syntaxError(`unexpected end of input, expected ${expected}`, t.pos, true);
    throw syntaxError(`unexpected ${describe(t)}, expected ${expected}`, t.pos);
  }

  script(): Statement[] {
    const out: Statement[] = [];
    while (true) {
      while (this.peek().kind === 'newline' || this.isPunct(this.peek(), ';')) this.i++;
      if (this.peek().kind === 'eof') return out;
      out.push(this.statement());
      const t = this.peek();
      if (t.kind !== 'eof' && t.kind !== 'newline' && !this.isPunct(t, ';')) this.unexpected(t, "',', a newline or ';'");
    }
  }

  private statement(): Statement {
    const first = this.next();
    if (first.kind !== 'ident') this.unexpected(first, 'a command name');
    const args: Value[] = [];
    const t = this.peek();
    if (this.isPunct(t, '(') && t.pos.offset === first.pos.offset + first.name.length) {
      // name(args): parentheses directly after the name.
      this.next();
      this.skipNewlines();
      if (!this.isPunct(this.peek(), ')')) this.args(args, true);
      this.skipNewlines();
      const close = this.next();
      if (!this.isPunct(close, ')')) this.unexpected(close, "')'");
    } else if (this.isPunct(t, '.')) {
      throw syntaxError('method calls and java classes are not supported (use the filter string language for FILTER)', t.pos);
    } else if (t.kind !== 'eof' && t.kind !== 'newline' && !this.isPunct(t, ';')) {
      this.args(args, false);
    }
    const end = this.peek().pos.offset;
    return { name: first.name, args, pos: first.pos, text: this.src.slice(first.pos.offset, end).trim() };
  }

  private args(out: Value[], inParens: boolean): void {
    let trailing: HashEntry[] | undefined;
    let trailingPos: Position | undefined;
    while (true) {
      if (inParens) this.skipNewlines();
      const v = this.value();
      if (this.isPunct(this.peek(), '=>')) {
        this.next();
        this.skipNewlines();
        const value = this.value();
        if (trailing === undefined) {
          trailing = [];
          trailingPos = v.pos;
        }
        trailing.push({ key: v, value });
      } else {
        if (trailing !== undefined) throw syntaxError('a positional argument cannot follow key => value arguments', v.pos);
        out.push(v);
      }
      if (inParens) this.skipNewlines();
      if (!this.isPunct(this.peek(), ',')) break;
      this.next();
      this.skipNewlines();
    }
    if (trailing !== undefined) out.push({ kind: 'hash', entries: trailing, pos: trailingPos! });
  }

  private value(): Value {
    const t = this.next();
    switch (t.kind) {
      case 'string': {
        // Adjacent literals concatenate ('a' 'b'), as in Ruby.
        let bytes = t.bytes;
        while (this.peek().kind === 'string') bytes = Buffer.concat([bytes, (this.next() as { bytes: Buffer }).bytes]);
        return { kind: 'string', bytes, pos: t.pos };
      }
      case 'int':
        return { kind: 'int', value: t.value, pos: t.pos };
      case 'float':
        return { kind: 'float', value: t.value, pos: t.pos };
      case 'ident': {
        if (this.isPunct(this.peek(), '.') || this.isPunct(this.peek(), '(')) {
          throw syntaxError(`method calls are not supported (${t.name}...)`, this.peek().pos);
        }
        if (t.name === 'true' || t.name === 'false') return { kind: 'bool', value: t.name === 'true', pos: t.pos };
        if (t.name === 'nil') return { kind: 'nil', pos: t.pos };
        if (!/^[A-Z]/.test(t.name)) {
          throw syntaxError(`undefined local variable or method ${t.name} (quote strings: '${t.name}')`, t.pos);
        }
        return { kind: 'const', name: t.name, pos: t.pos };
      }
      case 'punct':
        if (t.text === '[') return this.array(t.pos);
        if (t.text === '{') return this.hash(t.pos);
        return this.unexpected(t, 'a value');
      default:
        return this.unexpected(t, 'a value');
    }
  }

  private array(pos: Position): Value {
    const items: Value[] = [];
    while (true) {
      this.skipNewlines();
      if (this.isPunct(this.peek(), ']')) {
        this.next();
        return { kind: 'array', items, pos };
      }
      items.push(this.value());
      this.skipNewlines();
      const t = this.peek();
      if (this.isPunct(t, ',')) this.next();
      else if (!this.isPunct(t, ']')) this.unexpected(t, "',' or ']'");
    }
  }

  private hash(pos: Position): Value {
    const entries: HashEntry[] = [];
    while (true) {
      this.skipNewlines();
      if (this.isPunct(this.peek(), '}')) {
        this.next();
        return { kind: 'hash', entries, pos };
      }
      const key = this.value();
      this.skipNewlines();
      const arrow = this.next();
      if (!this.isPunct(arrow, '=>')) this.unexpected(arrow, "'=>'");
      this.skipNewlines();
      entries.push({ key, value: this.value() });
      this.skipNewlines();
      const t = this.peek();
      if (this.isPunct(t, ',')) this.next();
      else if (!this.isPunct(t, '}')) this.unexpected(t, "',' or '}'");
    }
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'string':
      return 'string';
    case 'int':
    case 'float':
      return `number ${t.text}`;
    case 'ident':
      return `'${t.name}'`;
    case 'punct':
      return `'${t.text}'`;
    case 'newline':
      return 'end of line';
    case 'eof':
      return 'end of input';
  }
}
