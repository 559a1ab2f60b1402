// Split points for `create ..., NUMREGIONS => n, SPLITALGO => '...'`, as HBase's RegionSplitter
// computes them: the n-1 boundaries that cut the algorithm's key range into n equal parts.
//   HexStringSplit      8 lower-case hex digits between 00000000 and ffffffff
//   DecimalStringSplit  8 decimal digits between 00000000 and 99999999
//   UniformSplit        8 raw bytes between 0x00.. and 0xff..

export const SPLIT_ALGORITHMS = ['HexStringSplit', 'DecimalStringSplit', 'UniformSplit'] as const;
export type SplitAlgorithm = (typeof SPLIT_ALGORITHMS)[number];

export function isSplitAlgorithm(s: string): s is SplitAlgorithm {
  return (SPLIT_ALGORITHMS as readonly string[]).includes(s);
}

/** REQUIRES: numRegions >= 2. The numRegions-1 split keys, ascending. */
export function splitKeys(algo: SplitAlgorithm, numRegions: number): Buffer[] {
  const n = BigInt(numRegions);
  const out: Buffer[] = [];
  if (algo === 'HexStringSplit' || algo === 'DecimalStringSplit') {
    const radix = algo === 'HexStringSplit' ? 16 : 10;
    const max = algo === 'HexStringSplit' ? 0xffffffffn : 99999999n;
    const size = max / n;
    for (let i = 1n; i < n; i++) out.push(Buffer.from((size * i).toString(radix).padStart(8, '0'), 'latin1'));
    return out;
  }
  // UniformSplit: even cuts of the 64-bit key space.
  const max = 0xffffffffffffffffn;
  for (let i = 1n; i < n; i++) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE((max / n) * i);
    out.push(b);
  }
  return out;
}
