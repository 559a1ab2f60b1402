// Tokenizer for the subset of Ruby that HBase shell commands are written in (the HBase shell is
// JRuby; tsbase does not evaluate Ruby, it reads this literal subset):
//
//   'single quoted'      only \\ and \' are escapes; everything else is literal
//   "double quoted"      Ruby escapes: \x00..\xFF (a raw byte), \0 and \NNN (octal byte),
//                        \n \t \r \s \a \b \e \f \v \\ \" \#, \uXXXX and \u{X...} (UTF-8);
//                        an unknown escape is the character itself (Ruby); #{...} interpolation
//                        is refused
//   123  -5  1_000  0x1F  1.5      numbers (integers are bigint, so timestamps stay exact)
//   NAME  FOREVER  true  nil       identifiers
//   , => { } [ ] ( ) ;  newline    punctuation; `#` starts a comment outside strings
//
// Strings are bytes: literal characters are UTF-8, \x and octal escapes are raw bytes, as JRuby's
// to_java_bytes gives them.
//
// Errors: InvalidError (TSB_INVALID_ARGUMENT) `syntax error: ...` with line and column details;
// `incomplete=true` when the text ends inside a string (more input could complete it).

import { InvalidError } from '../../common/errors.js';

export interface Position {
  /** 0-based offset into the source. */
  readonly offset: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export type Token =
  | { readonly kind: 'string'; readonly bytes: Buffer; readonly pos: Position }
  | { readonly kind: 'int'; readonly value: bigint; readonly text: string; readonly pos: Position }
  | { readonly kind: 'float'; readonly value: number; readonly text: string; readonly pos: Position }
  | { readonly kind: 'ident'; readonly name: string; readonly pos: Position }
  | { readonly kind: 'punct'; readonly text: ',' | '=>' | '{' | '}' | '[' | ']' | '(' | ')' | ';' | '.'; readonly pos: Position }
  | { readonly kind: 'newline'; readonly pos: Position }
  | { readonly kind: 'eof'; readonly pos: Position };

/** A syntax error at `pos`; `incomplete` marks errors that more input could fix. */
export function syntaxError(message: string, pos: Position, incomplete = false): InvalidError {
  return new InvalidError(`syntax error: ${message}`, {
    details: { line: pos.line, column: pos.column, incomplete: incomplete ? true : undefined },
  });
}

const SIMPLE_ESCAPES: Record<string, number> = {
  n: 0x0a,
  t: 0x09,
  r: 0x0d,
  s: 0x20,
  a: 0x07,
  b: 0x08,
  e: 0x1b,
  f: 0x0c,
  v: 0x0b,
};

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

function isIdentStart(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z_]/.test(ch);
}

function isIdentPart(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_]/.test(ch);
}

/** Splits `src` into tokens, ending with one `eof` token. Throws InvalidError on bad input. */
export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const posAt = (offset: number): Position => ({ offset, line, column: offset - lineStart + 1 });
  // Positions inside multi-line strings: recompute from the offset.
  const posOf = (offset: number): Position => {
    let l = 1;
    let ls = 0;
    for (let k = 0; k < offset; k++) {
      if (src[k] === '\n') {
        l++;
        ls = k + 1;
      }
    }
    return { offset, line: l, column: offset - ls + 1 };
  };
  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
  };

  while (i < src.length) {
    const ch = src[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === '\\' && (src[i + 1] === '\n' || (src[i + 1] === '\r' && src[i + 2] === '\n'))) {
      // Ruby line continuation.
      i += src[i + 1] === '\n' ? 2 : 3;
      newline(i - 1);
      continue;
    }
    if (ch === '\n') {
      tokens.push({ kind: 'newline', pos: posAt(i) });
      newline(i);
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (ch === "'" || ch === '"') {
      const { bytes, end } = ch === "'" ? readSingle(src, i, posOf) : readDouble(src, i, posOf);
      tokens.push({ kind: 'string', bytes, pos: posAt(start) });
      for (let k = i; k < end; k++) if (src[k] === '\n') newline(k);
      i = end;
      continue;
    }
    if (isDigit(ch) || (ch === '-' && isDigit(src[i + 1])) || (ch === '+' && isDigit(src[i + 1]))) {
      const { token, end } = readNumber(src, i, posAt(start));
      tokens.push(token);
      i = end;
      continue;
    }
    if (isIdentStart(ch)) {
      while (isIdentPart(src[i])) i++;
      if (src[i] === '?' || src[i] === '!') i++;
      tokens.push({ kind: 'ident', name: src.slice(start, i), pos: posAt(start) });
      continue;
    }
    if (ch === '=' && src[i + 1] === '>') {
      tokens.push({ kind: 'punct', text: '=>', pos: posAt(start) });
      i += 2;
      continue;
    }
    if (ch === ',' || ch === '{' || ch === '}' || ch === '[' || ch === ']' || ch === '(' || ch === ')' || ch === ';' || ch === '.') {
      tokens.push({ kind: 'punct', text: ch, pos: posAt(start) });
      i++;
      continue;
    }
    if (ch === ':' && (src[i + 1] === "'" || src[i + 1] === '"' || isIdentStart(src[i + 1]))) {
      throw syntaxError('ruby symbols (:name) are not supported; use a string or a constant such as NAME', posAt(start));
    }
    throw syntaxError(`unexpected character ${JSON.stringify(ch)}`, posAt(start));
  }
  tokens.push({ kind: 'eof', pos: posAt(i) });
  return tokens;
}

function readSingle(src: string, start: number, posOf: (o: number) => Position): { bytes: Buffer; end: number } {
  let text = '';
  let i = start + 1;
  while (true) {
    if (i >= src.length) throw syntaxError('unterminated string', posOf(start), true);
    const ch = src[i]!;
    if (ch === "'") return { bytes: Buffer.from(text, 'utf8'), end: i + 1 };
    if (ch === '\\' && (src[i + 1] === '\\' || src[i + 1] === "'")) {
      text += src[i + 1];
      i += 2;
      continue;
    }
    text += ch;
    i++;
  }
}

function readDouble(src: string, start: number, posOf: (o: number) => Position): { bytes: Buffer; end: number } {
  const parts: Buffer[] = [];
  let text = '';
  const flushText = (): void => {
    if (text !== '') parts.push(Buffer.from(text, 'utf8'));
    text = '';
  };
  const byte = (b: number): void => {
    flushText();
    parts.push(Buffer.of(b));
  };
  let i = start + 1;
  while (true) {
    if (i >= src.length) throw syntaxError('unterminated string', posOf(start), true);
    const ch = src[i]!;
    if (ch === '"') {
      flushText();
      return { bytes: Buffer.concat(parts), end: i + 1 };
    }
    if (ch === '#' && src[i + 1] === '{') throw syntaxError('string interpolation #{...} is not supported', posOf(i));
    if (ch !== '\\') {
      // Whole code points (surrogate pairs stay together).
      const cp = src.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      text += s;
      i += s.length;
      continue;
    }
    const escPos = i;
    const e = src[i + 1];
    if (e === undefined) throw syntaxError('unterminated string', posOf(start), true);
    i += 2;
    if (e in SIMPLE_ESCAPES) {
      byte(SIMPLE_ESCAPES[e]!);
    } else if (e === 'x') {
      let hex = '';
      while (hex.length < 2 && /[0-9A-Fa-f]/.test(src[i] ?? '')) hex += src[i++];
      if (hex === '') throw syntaxError('invalid hex escape: \\x needs one or two hex digits', posOf(escPos));
      byte(parseInt(hex, 16));
    } else if (e >= '0' && e <= '7') {
      let oct = e;
      while (oct.length < 3 && /[0-7]/.test(src[i] ?? '')) oct += src[i++];
      byte(parseInt(oct, 8) & 0xff);
    } else if (e === 'u') {
      let cps: number[];
      if (src[i] === '{') {
        const close = src.indexOf('}', i);
        if (close < 0) throw syntaxError('unterminated \\u{...} escape', posOf(escPos));
        const body = src.slice(i + 1, close).trim();
        if (!/^[0-9A-Fa-f]{1,6}(\s+[0-9A-Fa-f]{1,6})*$/.test(body)) throw syntaxError('invalid \\u{...} escape', posOf(escPos));
        cps = body.split(/\s+/).map((h) => parseInt(h, 16));
        i = close + 1;
      } else {
        const hex = src.slice(i, i + 4);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw syntaxError('invalid unicode escape: \\u needs four hex digits', posOf(escPos));
        cps = [parseInt(hex, 16)];
        i += 4;
      }
      for (const cp of cps) {
        if (cp > 0x10ffff) throw syntaxError('invalid unicode escape: code point out of range', posOf(escPos));
        text += String.fromCodePoint(cp);
      }
    } else if (e === '\n') {
      // Backslash-newline inside a string: both dropped (Ruby).
    } else if (e === 'c' || e === 'C' || e === 'M') {
      throw syntaxError(`control/meta escapes (\\${e}) are not supported; use \\xNN`, posOf(escPos));
    } else {
      // \\ \" \# \' and unknown escapes: the character itself.
      text += e;
    }
  }
}

function readNumber(src: string, start: number, pos: Position): { token: Token; end: number } {
  let i = start;
  if (src[i] === '-' || src[i] === '+') i++;
  if (src[i] === '0' && (src[i + 1] === 'x' || src[i + 1] === 'X')) {
    i += 2;
    const digitsStart = i;
    while (/[0-9A-Fa-f_]/.test(src[i] ?? '')) i++;
    const digits = src.slice(digitsStart, i).replace(/_/g, '');
    if (digits === '') throw syntaxError('invalid hex number', pos);
    if (isIdentPart(src[i])) throw syntaxError(`invalid number ${src.slice(start, i + 1)}`, pos);
    const v = BigInt('0x' + digits);
    return { token: { kind: 'int', value: src[start] === '-' ? -v : v, text: src.slice(start, i), pos }, end: i };
  }
  while (isDigit(src[i]) || (src[i] === '_' && isDigit(src[i + 1]))) i++;
  let isFloat = false;
  if (src[i] === '.' && isDigit(src[i + 1])) {
    isFloat = true;
    i++;
    while (isDigit(src[i]) || (src[i] === '_' && isDigit(src[i + 1]))) i++;
  }
  if ((src[i] === 'e' || src[i] === 'E') && (isDigit(src[i + 1]) || ((src[i + 1] === '-' || src[i + 1] === '+') && isDigit(src[i + 2])))) {
    isFloat = true;
    i += 2;
    while (isDigit(src[i])) i++;
  }
  if (isIdentPart(src[i])) throw syntaxError(`invalid number ${src.slice(start, i + 1)}`, pos);
  const text = src.slice(start, i);
  const clean = text.replace(/_/g, '');
  if (isFloat) return { token: { kind: 'float', value: Number(clean), text, pos }, end: i };
  return { token: { kind: 'int', value: BigInt(clean), text, pos }, end: i };
}
