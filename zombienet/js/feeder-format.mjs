// The feeder tool's value formats, shared with its test.

const FIXED = 10n ** 18n;

/** A decimal string as FixedU128's inner u128 (18 decimals), exactly. */
export function toFixed(decimal) {
  const [int, frac = ''] = decimal.trim().split('.');
  if (!/^\d+$/.test(int) || !/^\d*$/.test(frac) || frac.length > 18) throw new Error(`bad decimal ${decimal}`);
  return BigInt(int) * FIXED + BigInt(frac.padEnd(18, '0'));
}

/** An oracle key: up to 8 ASCII bytes, zero-padded. */
export function toKey(symbol) {
  const bytes = Buffer.from(symbol.trim(), 'ascii');
  if (bytes.length === 0 || bytes.length > 8) throw new Error(`bad key ${symbol}`);
  return '0x' + Buffer.concat([bytes, Buffer.alloc(8 - bytes.length)]).toString('hex');
}
