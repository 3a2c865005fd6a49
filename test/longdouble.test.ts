// Why: unit tests of the 80-bit long double emulation behind INCRBYFLOAT (parse, round, add,
// "%.17Lf" formatting) on values whose results are known from glibc / Redis 7.0.15.
import { describe, expect, it } from 'vitest';
import { addLD, formatLDHuman, incrByFloat, LongDoubleError, parseLongDouble, roundLD } from '../src/datatypes/longdouble.js';
import { Rng } from './support/diff.js';

const fmt = (s: string): string | null => {
  const v = parseLongDouble(s);
  return v === null ? null : formatLDHuman(v);
};

function errKind(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof LongDoubleError) return e.message;
    throw e;
  }
  return 'none';
}

describe('long double emulation', () => {
  it('adds like x87 and prints like %.17Lf with trailing zeros removed', () => {
    expect(incrByFloat('10.5', '0.1')).toBe('10.6');
    expect(incrByFloat('10.5', '0.5')).toBe('11');
    expect(incrByFloat(undefined, '3.0e3')).toBe('3000');
    expect(incrByFloat('3000', '0x10')).toBe('3016');
    expect(incrByFloat('0.1', '0.2')).toBe('0.3');
    expect(incrByFloat(undefined, '-0.0')).toBe('0');
    expect(incrByFloat(undefined, '-1e-30')).toBe('0');
    expect(incrByFloat(undefined, '123456789012345678901234567890')).toBe('123456789012345678899921813504');
    expect(incrByFloat('1.7976931348623157e308', '1.7976931348623157e308')).toBe(
      '359538626972463139991842093548208868096772893888658356970628841530353257046248792709403737216774171128857586838851041378617416726902272110715794556052955234146997955372576789671236326588091188869859074894581254961338834769297758245552436667197907705664206565009503223382416235440319971852753604933726679072768',
    );
  });

  it('rounds printf ties half to even (2^-18 has 18 decimals)', () => {
    expect(fmt('0.000003814697265625')).toBe('0.00000381469726562');
    expect(fmt('0.000011444091796875')).toBe('0.00001144409179688'); // 3 * 2^-18: ...687|5 -> 688
  });

  it('rounds the 64-bit mantissa half to even', () => {
    expect(fmt('18446744073709551617')).toBe('18446744073709551616'); // 2^64 + 1 -> 2^64
    expect(fmt('18446744073709551619')).toBe('18446744073709551620'); // 2^64 + 3 -> 2^64 + 4
    expect(fmt('18446744073709551615')).toBe('18446744073709551615'); // 2^64 - 1 is exact
    expect(incrByFloat('9223372036854775808', '0.5')).toBe('9223372036854775808');
    expect(incrByFloat('9223372036854775808', '1.5')).toBe('9223372036854775810');
    expect(incrByFloat('9223372036854775809', '0.5')).toBe('9223372036854775810');
  });

  it('accepts what string2ld accepts and refuses the rest', () => {
    for (const ok of ['1', '-1', '+1', '.5', '5.', '1e5', '1E-5', '0x1p3', '0X1.8P1', '0x.8', 'inf', '-INF', 'Infinity', '0e99999999999', '1e-4950', '0x1p-16445']) {
      expect(parseLongDouble(ok), ok).not.toBeNull();
    }
    for (const bad of ['', ' 1', '1 ', '\t1', 'nan', '-nan', 'NaN(1)', '1e', '1e+', '0x', '0x1p', '.', '+', '-', 'e5', '1.5x', '1\0', '1e5000', '1e-5000', '0x1p-16446', '0x1p16384', 'infin', '1'.repeat(5120)]) {
      expect(parseLongDouble(bad), JSON.stringify(bad)).toBeNull();
    }
    expect(parseLongDouble('1'.repeat(5119))).toBeNull(); // ~1e5118 overflows
    expect(parseLongDouble('0.' + '0'.repeat(5000) + '1')).toBeNull(); // underflows to zero
    expect(parseLongDouble('0x1.fffffffffffffffep16383')).not.toBeNull(); // LDBL_MAX
    expect(parseLongDouble('0x1.ffffffffffffffffp16383')).toBeNull(); // rounds up to infinity
  });

  it('reports NaN / infinity results and bad operands separately', () => {
    expect(errKind(() => incrByFloat('inf', '1'))).toBe('nan');
    expect(errKind(() => incrByFloat('inf', '-inf'))).toBe('nan');
    expect(errKind(() => incrByFloat('1e4932', '1e4932'))).toBe('nan');
    expect(errKind(() => incrByFloat('abc', '1'))).toBe('value');
    expect(errKind(() => incrByFloat('1', 'abc'))).toBe('incr');
    expect(errKind(() => incrByFloat('1', '2'))).toBe('none');
  });

  it('handles subnormals and signed zeros', () => {
    const min = parseLongDouble('0x1p-16445')!;
    expect(min.m).toBe(1n);
    expect(min.e).toBe(-16445);
    const twice = addLD(min, min)!;
    expect(twice.m * 2n ** BigInt(twice.e + 16445)).toBe(2n);
    const z = addLD(parseLongDouble('-0')!, parseLongDouble('-0')!)!;
    expect(z.neg).toBe(true);
    expect(formatLDHuman(z)).toBe('0');
    const x = parseLongDouble('1.25')!;
    const negx = parseLongDouble('-1.25')!;
    const zero = addLD(x, negx)!;
    expect(zero.m).toBe(0n);
    expect(zero.neg).toBe(false);
    expect(roundLD(false, (1n << 70n) - 1n, 0).m).toBe(1n << 63n); // rounds up and renormalises
  });

  it('round-trips decimals below 100 with up to 17 fractional digits', () => {
    const r = new Rng(99);
    for (let i = 0; i < 3000; i++) {
      const ip = String(r.int(0, 99));
      let frac = '';
      const n = r.int(0, 17);
      for (let j = 0; j < n; j++) frac += r.int(0, 9);
      const s = (r.bool() ? '-' : '') + ip + (n ? '.' + frac : '');
      let want = s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
      if (/^-0?$/.test(want) || want === '-0') want = '0';
      expect(fmt(s), s).toBe(want);
    }
  });

  it('agrees with double arithmetic where doubles are exact', () => {
    const r = new Rng(7);
    for (let i = 0; i < 2000; i++) {
      const a = r.int(-1e6, 1e6) / 1024;
      const b = r.int(-1e6, 1e6) / 256;
      expect(incrByFloat(String(a), String(b))).toBe(String(a + b));
    }
  });
});
