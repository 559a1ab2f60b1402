// HBase shell's console formatter (hbase-shell formatter.rb): a header row, rows inset by one
// space, and an `N row(s)` footer. On a terminal (width > 0) a two-column row gives the first
// column a quarter of the width and wraps long cells; without a terminal (width 0, e.g. `-e` into
// a pipe) nothing is padded or wrapped:
//
//   ROW  COLUMN+CELL
//    r1 column=f:q, timestamp=1700000000000, value=v
//   1 row(s)

/** Where shell output goes: a Writable stream or anything with write(). */
export interface TextSink {
  write(chunk: string): unknown;
}

export class Formatter {
  private rows = 0;

  /** `width` 0 = no terminal: no padding, no wrapping. */
  constructor(
    private readonly out: TextSink,
    private readonly width: number,
  ) {}

  get rowCount(): number {
    return this.rows;
  }

  /** A line of text as is. */
  line(s = ''): void {
    this.out.write(s + '\n');
  }

  header(cols: readonly string[], widths: readonly number[] = []): void {
    if (cols.length > 0) this.row(cols, false, widths);
    this.rows = 0;
  }

  /** One row: one column printed flush left (wrapped to the width), or two columns. */
  row(cols: readonly string[], inset = true, widths: readonly number[] = []): void {
    if (cols.length === 0) return;
    if (cols.length === 1) {
      for (const l of split(this.width, cols[0]!)) this.out.write(l + '\n');
    } else if (cols.length === 2) {
      let w1 = 0;
      let w2 = 0;
      if (this.width > 0) {
        w1 = widths.length === 0 ? Math.floor(this.width / 4) : Math.floor((this.width * widths[0]!) / 100);
        w2 = widths.length < 2 ? this.width - w1 - 2 : Math.floor((this.width * widths[1]!) / 100) - 2;
      }
      const s1 = split(w1, cols[0]!);
      const s2 = split(w2, cols[1]!);
      const n = Math.max(s1.length, s2.length);
      for (let i = 0; i < n; i++) {
        let l = inset ? ' ' : '';
        l += padTo(w1, s1[i] ?? '');
        l += inset ? ' ' : '  ';
        l += padTo(w2, s2[i] ?? '');
        this.out.write(l.replace(/ +$/, '') + '\n');
      }
    } else {
      this.out.write(' ' + cols.join(' ') + '\n');
    }
    this.rows++;
  }

  footer(count = this.rows): void {
    this.out.write(`${count} row(s)\n`);
  }
}

function split(width: number, s: string): string[] {
  if (width <= 0 || s.length === 0) return [s];
  const out: string[] = [];
  for (let i = 0; i < s.length; i += width) out.push(s.slice(i, i + width));
  return out;
}

function padTo(width: number, s: string): string {
  return width <= 0 || s.length >= width ? s : s + ' '.repeat(width - s.length);
}
