//! Signed 128-bit fixed point with 18 decimals (the scale of `sp_arithmetic::FixedU128`, so
//! values cross over by their inner integer), and the functions option pricing needs: `exp`,
//! `ln`, `sqrt`, the standard normal density and distribution. Integer arithmetic only: the
//! same inputs give the same bits on every machine. Every operation is checked: an overflow
//! is an [`Overflow`], never a panic or a wrapped value.
//!
//! Rounding: products and quotients round to the nearest representable value (ties away from
//! zero), so errors do not drift one way over a series.

/// The fixed-point scale: 1.0 is `SCALE`.
pub const SCALE: i128 = 1_000_000_000_000_000_000;

/// An arithmetic result left the representable range.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Overflow;

/// A real number `x` stored as the integer `round(x · 10^18)`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Default, Hash)]
pub struct Fixed(pub i128);

/// √2 (1.414213562373095048801…).
const SQRT_2: Fixed = Fixed(1_414_213_562_373_095_049);
/// 1/√(2π) (0.398942280401432677939…).
const INV_SQRT_2PI: Fixed = Fixed(398_942_280_401_432_678);

impl Fixed {
	/// 0.
	pub const ZERO: Fixed = Fixed(0);
	/// 1.
	pub const ONE: Fixed = Fixed(SCALE);
	/// 1/2.
	pub const HALF: Fixed = Fixed(SCALE / 2);

	/// The integer `n`.
	pub const fn from_int(n: i64) -> Self {
		Fixed(n as i128 * SCALE)
	}

	/// `n / d`, rounded to nearest; `None` for `d = 0` or out of range.
	pub fn from_rational(n: i128, d: i128) -> Option<Self> {
		mul_div(n, SCALE, d).map(Fixed)
	}

	/// The value as a float, for tests and display only (never in the runtime's arithmetic).
	#[cfg(any(test, feature = "std"))]
	pub fn to_f64(self) -> f64 {
		self.0 as f64 / SCALE as f64
	}

	/// The nearest value to a float, for tests only.
	#[cfg(any(test, feature = "std"))]
	pub fn from_f64(x: f64) -> Self {
		Fixed((x * SCALE as f64).round() as i128)
	}

	/// `self + other`.
	pub fn try_add(self, other: Fixed) -> Result<Fixed, Overflow> {
		self.0.checked_add(other.0).map(Fixed).ok_or(Overflow)
	}

	/// `self − other`.
	pub fn try_sub(self, other: Fixed) -> Result<Fixed, Overflow> {
		self.0.checked_sub(other.0).map(Fixed).ok_or(Overflow)
	}

	/// `−self`.
	pub fn try_neg(self) -> Result<Fixed, Overflow> {
		self.0.checked_neg().map(Fixed).ok_or(Overflow)
	}

	/// `|self|`.
	pub fn abs(self) -> Result<Fixed, Overflow> {
		self.0.checked_abs().map(Fixed).ok_or(Overflow)
	}

	/// `self · other`, rounded to nearest.
	pub fn checked_mul(self, other: Fixed) -> Result<Fixed, Overflow> {
		match self.0.checked_mul(other.0) {
			Some(p) => Ok(Fixed(div_round(p, SCALE))),
			None => mul_div(self.0, other.0, SCALE).map(Fixed).ok_or(Overflow),
		}
	}

	/// `self / other`, rounded to nearest; `None` for a zero divisor or out of range.
	pub fn checked_div(self, other: Fixed) -> Option<Fixed> {
		if other.0 == 0 {
			return None;
		}
		match self.0.checked_mul(SCALE) {
			Some(n) => Some(Fixed(div_round(n, other.0))),
			None => mul_div(self.0, SCALE, other.0).map(Fixed),
		}
	}

	/// `self / other` as a `Result` (a zero divisor is an overflow).
	pub fn try_div(self, other: Fixed) -> Result<Fixed, Overflow> {
		self.checked_div(other).ok_or(Overflow)
	}

	/// `self / n` for a small integer `n ≠ 0`.
	pub fn div_int(self, n: i128) -> Fixed {
		Fixed(div_round(self.0, n))
	}

	/// Whether the value is negative.
	pub fn is_negative(self) -> bool {
		self.0 < 0
	}
}

/// `n / d` rounded to nearest, ties away from zero (`d ≠ 0`).
fn div_round(n: i128, d: i128) -> i128 {
	let q = n / d;
	let r = n % d;
	// |2r| ≥ |d| rounds away from zero; no overflow: |r| < |d|.
	if r.unsigned_abs().saturating_mul(2) >= d.unsigned_abs() {
		if (n < 0) == (d < 0) {
			q + 1
		} else {
			q - 1
		}
	} else {
		q
	}
}

/// `a · b / c` with a 256-bit intermediate, rounded to nearest; `None` if `c = 0` or the
/// result does not fit.
fn mul_div(a: i128, b: i128, c: i128) -> Option<i128> {
	if c == 0 {
		return None;
	}
	let negative = (a < 0) ^ (b < 0) ^ (c < 0);
	let (hi, lo) = wide_mul(a.unsigned_abs(), b.unsigned_abs());
	let d = c.unsigned_abs();
	let (q, r) = wide_div(hi, lo, d)?;
	// Round half away from zero.
	let q = if r >= d - r { q.checked_add(1)? } else { q };
	let q = i128::try_from(q).ok()?;
	Some(if negative { -q } else { q })
}

/// The 256-bit product of two 128-bit values, as (high, low) halves.
fn wide_mul(a: u128, b: u128) -> (u128, u128) {
	const MASK: u128 = u64::MAX as u128;
	let (a1, a0) = (a >> 64, a & MASK);
	let (b1, b0) = (b >> 64, b & MASK);
	let p00 = a0 * b0;
	let p01 = a0 * b1;
	let p10 = a1 * b0;
	let p11 = a1 * b1;
	let mid = (p00 >> 64) + (p01 & MASK) + (p10 & MASK);
	let lo = (p00 & MASK) | (mid << 64);
	let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
	(hi, lo)
}

/// `(hi·2^128 + lo) / d` as (quotient, remainder), `None` if the quotient exceeds 128 bits.
///
/// Long division in chunks as wide as the divisor leaves room for: the remainder (below `d`)
/// shifted left by `128 − bits(d)` still fits, so each step brings down that many bits of `lo`
/// with one 128-bit division: two steps for a divisor below 2^64, three near 2^76.
fn wide_div(hi: u128, lo: u128, d: u128) -> Option<(u128, u128)> {
	if hi >= d {
		return None;
	}
	if hi == 0 {
		return Some((lo / d, lo % d));
	}
	let room = d.leading_zeros();
	if room == 0 {
		return Some(wide_div_top(hi, lo, d));
	}
	let (mut rem, mut quo) = (hi, 0u128);
	let mut left = 128u32;
	while left > 0 {
		let step = room.min(left);
		left -= step;
		let bits = (lo >> left) & ((1u128 << step) - 1);
		let num = (rem << step) | bits;
		quo = (quo << step) | (num / d);
		rem = num % d;
	}
	Some((quo, rem))
}

/// Restoring division one bit at a time (`hi < d`), the bit shifted out of the remainder
/// standing for 2^128: what [`wide_div`] does for a divisor with its top bit set (no room to
/// shift the remainder), and the tests' reference for any divisor.
fn wide_div_top(hi: u128, lo: u128, d: u128) -> (u128, u128) {
	let (mut rem, mut quo) = (hi, 0u128);
	for i in (0..128).rev() {
		let carry = rem >> 127;
		rem = (rem << 1) | ((lo >> i) & 1);
		quo <<= 1;
		if carry == 1 || rem >= d {
			rem = rem.wrapping_sub(d);
			quo |= 1;
		}
	}
	(quo, rem)
}

/// `e^x`. Exact to the last digit or two of the scale relative to the result; `0` below
/// `e^−42` (under half a unit of the scale); [`Overflow`] above `e^46`.
pub fn exp(x: Fixed) -> Result<Fixed, Overflow> {
	if x.0 > 46 * SCALE {
		return Err(Overflow);
	}
	if x.0 < -42 * SCALE {
		return Ok(Fixed::ZERO);
	}
	// x = k·ln 2 + r with |r| ≤ ln 2 / 2, so e^x = 2^k · e^r; r in binary fixed point, with
	// ln 2 to 80 bits so k·ln 2 loses nothing at the 60th.
	let xq = q::from_fixed(x);
	let k = div_round(xq, q::LN_2);
	let r = xq - ((k * q::LN_2_80 + (1 << 19)) >> 20);
	// e^r by its Taylor series: each term one product (a shift for the scale) and one
	// 64-bit division by n; 20 terms reach 2^−60.
	let mut term = q::ONE;
	let mut sum = q::ONE;
	let mut n = 1i64;
	while term != 0 && n < 40 {
		term = q::div_small(q::mul(term, r), n);
		sum += term;
		n += 1;
	}
	// sum·2^k back to 18 decimals: sum · 10^18 · 2^(k − 60), rounded.
	let decimal = sum.checked_mul(SCALE).ok_or(Overflow)?;
	let shift = 60 - k;
	if shift > 0 {
		if shift >= 127 {
			return Ok(Fixed::ZERO);
		}
		Ok(Fixed((decimal + (1i128 << (shift - 1))) >> shift))
	} else {
		let up = (-shift) as u32;
		let shifted = decimal.checked_shl(up).ok_or(Overflow)?;
		if shifted >> up != decimal {
			return Err(Overflow);
		}
		Ok(Fixed(shifted))
	}
}

/// Binary fixed point with 60 fractional bits, for the series' inner loops: the scale is a
/// shift, and a term divided by its index is a 64-bit division.
pub(crate) mod q {
	use super::{Fixed, SCALE};

	/// 1.0.
	pub const ONE: i128 = 1 << 60;
	/// ln 2 · 2^60, rounded.
	pub const LN_2: i128 = 799_144_290_325_165_979;
	/// ln 2 · 2^80, rounded.
	pub const LN_2_80: i128 = 837_963_523_372_001_241_319_908;

	/// A decimal value (|x| < 147) in binary fixed point, rounded.
	pub fn from_fixed(x: Fixed) -> i128 {
		super::div_round(x.0 * ONE, SCALE)
	}

	/// `2^120 / 10^18`, rounded: multiplying by it and shifting by 60 converts 18 decimals to
	/// 60 binary fraction bits without a division.
	const TO_BINARY: i128 = 1_329_227_995_784_915_873;

	/// A decimal value with `|x| < 2^64` (|x| < 18.4) in binary fixed point, to within a few
	/// units of 2^−60 (a multiplication, where [`from_fixed`] divides).
	pub fn from_small(x: i128) -> i128 {
		if x.unsigned_abs() >= 1 << 64 {
			return from_fixed(Fixed(x));
		}
		(x * TO_BINARY + (1 << 59)) >> 60
	}

	/// Back to 18 decimals, rounded (|v| < 147).
	pub fn to_fixed(v: i128) -> Fixed {
		Fixed((v * SCALE + (1 << 59)) >> 60)
	}

	/// `a · b`, rounded (the product of the reals below 2^66).
	pub fn mul(a: i128, b: i128) -> i128 {
		(a * b + (1 << 59)) >> 60
	}

	/// `v / n` (`n > 0`), rounded to nearest, in 64 bits where `v` and the rounding fit.
	pub fn div_small(v: i128, n: i64) -> i128 {
		let half = if v < 0 { -(n / 2) } else { n / 2 };
		match i64::try_from(v).ok().and_then(|v| v.checked_add(half)) {
			Some(rounded) => (rounded / n) as i128,
			None => super::div_round(v, n as i128),
		}
	}
}

/// `ln x` for `x > 0` ([`Overflow`] otherwise: there is no value to give).
pub fn ln(x: Fixed) -> Result<Fixed, Overflow> {
	if x.0 <= 0 {
		return Err(Overflow);
	}
	// x = m · 2^k with m in [1/√2, √2): ln x = k·ln 2 + ln m.
	let bits = 128 - x.0.leading_zeros() as i32;
	let scale_bits = 128 - SCALE.leading_zeros() as i32;
	let mut k = bits - scale_bits;
	let mut m = if k >= 0 {
		// Divided, not shifted: a shift would drop the low digits.
		x.try_div(Fixed(SCALE.checked_shl(k as u32).ok_or(Overflow)?))?
	} else {
		Fixed(x.0 << (-k))
	};
	if m.0 >= SQRT_2.0 {
		m = m.div_int(2);
		k += 1;
	}
	if m.0.saturating_mul(2) < SQRT_2.0 {
		m = Fixed(m.0 * 2);
		k -= 1;
	}
	// ln m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172: s + s³/3 + s⁵/5 + …
	let mq = q::from_fixed(m);
	let s = div_round((mq - q::ONE) * q::ONE, mq + q::ONE);
	let s2 = q::mul(s, s);
	let mut power = s;
	let mut sum = s;
	let mut n = 3i64;
	while power != 0 && n < 80 {
		power = q::mul(power, s2);
		sum += q::div_small(power, n);
		n += 2;
	}
	// 2·sum + k·ln 2, in binary, then to decimal.
	let total = 2 * sum + ((k as i128 * q::LN_2_80 + (1 << 19)) >> 20);
	Ok(q::to_fixed(total))
}

/// `√x` for `x ≥ 0` ([`Overflow`] for a negative `x`): rounded to nearest up to `x = 340`,
/// within `10^−18 · √x` above.
pub fn sqrt(x: Fixed) -> Result<Fixed, Overflow> {
	if x.0 < 0 {
		return Err(Overflow);
	}
	// √(x_raw / S) · S = √(x_raw · S) = √(x_raw · 10^(18 − 2j)) · 10^j, with j as small as
	// keeps the radicand in 128 bits.
	let raw = x.0 as u128;
	let mut j = 0u32;
	let n = loop {
		if j > 9 {
			return Err(Overflow);
		}
		if let Some(n) = raw.checked_mul(10u128.pow(18 - 2 * j)) {
			break n;
		}
		j += 1;
	};
	let root = isqrt(n);
	// Round to nearest: root² ≤ n < (root+1)²; take root+1 if n − root² > root.
	let rounded = if n - root * root > root { root + 1 } else { root };
	let scaled = rounded.checked_mul(10u128.pow(j)).ok_or(Overflow)?;
	i128::try_from(scaled).map(Fixed).map_err(|_| Overflow)
}

/// ⌊√n⌋.
fn isqrt(n: u128) -> u128 {
	if n < 2 {
		return n;
	}
	// Newton's iteration from a power of two above the root: decreases to ⌊√n⌋.
	let mut x = 1u128 << (128 - n.leading_zeros()).div_ceil(2);
	loop {
		let y = (x + n / x) / 2;
		if y >= x {
			return x;
		}
		x = y;
	}
}

/// The standard normal density φ(x) = e^{−x²/2} / √(2π).
pub fn npdf(x: Fixed) -> Result<Fixed, Overflow> {
	if x.0.unsigned_abs() > 40 * SCALE as u128 {
		return Ok(Fixed::ZERO);
	}
	let half_square = x.checked_mul(x)?.div_int(2);
	exp(half_square.try_neg()?)?.checked_mul(INV_SQRT_2PI)
}

/// The standard normal distribution Φ(x) = P(Z ≤ x), to about 10^−17 absolute.
///
/// On [0, 9) Φ is a degree-12 polynomial per interval of width 1/2 (mpmath Chebyshev fits,
/// error below 2·10^−18: [`crate::ncdf_table`]), evaluated by Estrin's scheme in 60-bit binary
/// fixed point, and Φ(−x) = 1 − Φ(x); beyond ±9, 0 or 1 (Φ(−9) < 1.2·10^−19, under the scale).
/// Fifteen 128-bit multiplications in four dependent rounds: the earlier series (Marsaglia's,
/// up to a hundred terms) took most of a price's time.
pub fn ncdf(x: Fixed) -> Result<Fixed, Overflow> {
	if x.0 <= -9 * SCALE {
		return Ok(Fixed::ZERO);
	}
	if x.0 >= 9 * SCALE {
		return Ok(Fixed::ONE);
	}
	Ok(q::to_fixed(ncdf_q(q::from_small(x.0))))
}

/// Φ of a 60-bit binary fraction (|x| < 2^66), in the same: the table on [0, 9), symmetry
/// below, 0 or 1 beyond ±9. For callers that stay in binary fixed point.
pub(crate) fn ncdf_q(x: i128) -> i128 {
	const NINE: i128 = 9 << 60;
	if x <= -NINE {
		return 0;
	}
	if x >= NINE {
		return q::ONE;
	}
	let p = table_phi(x.abs());
	if x < 0 {
		q::ONE - p
	} else {
		p
	}
}

/// Φ(a) for `0 ≤ a < 9` (60-bit fraction) from the table.
fn table_phi(a: i128) -> i128 {
	use crate::ncdf_table::{TABLE, WIDTH_SHIFT};
	let i = usize::try_from(a >> WIDTH_SHIFT).unwrap_or(usize::MAX).min(TABLE.len() - 1);
	let t = a - ((i as i128) << WIDTH_SHIFT);
	let row = &TABLE[i];
	// Estrin's scheme rather than Horner's rule: the same polynomial in four rounds of
	// independent products instead of a chain of twelve, so the processor overlaps them
	// (Φ is most of a scenario revaluation's time). `row` is highest degree first.
	let c = |k: usize| row[12 - k];
	let t2 = q::mul(t, t);
	let t4 = q::mul(t2, t2);
	let t8 = q::mul(t4, t4);
	let pair = |k: usize| c(k) + q::mul(c(k + 1), t);
	let (p0, p1, p2, p3, p4, p5) = (pair(0), pair(2), pair(4), pair(6), pair(8), pair(10));
	let (r0, r1, r2) = (p0 + q::mul(p1, t2), p2 + q::mul(p3, t2), p4 + q::mul(p5, t2));
	let s0 = r0 + q::mul(r1, t4);
	let s1 = r2 + q::mul(c(12), t4);
	s0 + q::mul(s1, t8)
}

/// Φ(x) and φ(x) together (the Greeks need the density).
pub fn ncdf_and_density(x: Fixed) -> Result<(Fixed, Fixed), Overflow> {
	Ok((ncdf(x)?, npdf(x.abs()?)?))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn close(a: Fixed, b: f64, tol: f64) -> bool {
		(a.to_f64() - b).abs() <= tol
	}

	#[test]
	fn products_and_quotients_round_to_nearest_and_never_wrap() {
		let third = Fixed::ONE.try_div(Fixed::from_int(3)).unwrap();
		assert_eq!(third, Fixed(333_333_333_333_333_333));
		let two_thirds = Fixed::from_int(2).try_div(Fixed::from_int(3)).unwrap();
		assert_eq!(two_thirds, Fixed(666_666_666_666_666_667));
		// Large operands take the 256-bit path.
		let big = Fixed::from_int(1_000_000_000);
		assert_eq!(big.checked_mul(big), Ok(Fixed::from_int(1_000_000_000_000_000_000)));
		assert_eq!(Fixed(i128::MAX).checked_mul(Fixed::from_int(2)), Err(Overflow));
		assert_eq!(Fixed::ONE.checked_div(Fixed::ZERO), None);
		assert_eq!(Fixed(-5).div_int(2), Fixed(-3));
	}

	/// Bit-by-bit restoring division (right for any divisor): the reference for `wide_div`.
	fn wide_div_bitwise(hi: u128, lo: u128, d: u128) -> Option<(u128, u128)> {
		(hi < d).then(|| wide_div_top(hi, lo, d))
	}

	proptest::proptest! {
		#[test]
		fn chunked_long_division_agrees_with_bitwise(a in proptest::prelude::any::<u128>(), b in proptest::prelude::any::<u128>(), d in 1u128..) {
			let (hi, lo) = wide_mul(a, b);
			proptest::prop_assert_eq!(wide_div(hi, lo, d), wide_div_bitwise(hi, lo, d));
		}
	}

	#[test]
	fn exp_ln_sqrt_match_the_floats_and_invert_each_other() {
		for x in [-41.0, -10.0, -1.0, -0.5, 0.0, 1e-9, 0.3, 1.0, 2.5, 10.0, 40.0] {
			let e = exp(Fixed::from_f64(x)).unwrap();
			assert!(((e.to_f64() - x.exp()) / x.exp()).abs() < 1e-13 || e.0 < 100, "exp({x})");
		}
		assert_eq!(exp(Fixed::from_int(47)), Err(Overflow));
		assert_eq!(exp(Fixed::from_int(-50)), Ok(Fixed::ZERO));
		for x in [1e-12, 1e-6, 0.1, 0.5, 0.99, 1.0, 1.5, 2.0, 10.0, 12_345.678, 1e12] {
			let l = ln(Fixed::from_f64(x)).unwrap();
			assert!(close(l, x.ln(), 1e-15 * x.ln().abs().max(1.0) + 1e-17), "ln({x}) = {l:?}");
		}
		assert_eq!(ln(Fixed::ZERO), Err(Overflow));
		for x in [0.0, 1e-18, 0.25, 2.0, 1e6] {
			let s = sqrt(Fixed::from_f64(x)).unwrap();
			assert!(close(s, x.sqrt(), 1e-15 * x.sqrt().max(1e-3)), "sqrt({x})");
		}
		assert_eq!(sqrt(Fixed(-1)), Err(Overflow));
		// ln(exp(x)) = x to the scale.
		for x in [-5i64, -1, 0, 1, 3, 20] {
			let back = ln(exp(Fixed::from_int(x)).unwrap()).unwrap();
			assert!((back.0 - Fixed::from_int(x).0).abs() < 1_000, "ln(exp({x}))");
		}
	}

	#[test]
	fn the_normal_distribution_is_symmetric_and_bounded() {
		for raw in [-9 * SCALE, -5 * SCALE - 1, -3 * SCALE, -1, 0, 1, SCALE, 5 * SCALE + 1] {
			let x = Fixed(raw);
			let sum = ncdf(x).unwrap().try_add(ncdf(x.try_neg().unwrap()).unwrap()).unwrap();
			assert!((sum.0 - SCALE).abs() <= 6, "Φ(x) + Φ(−x) at {raw}");
			let p = ncdf(x).unwrap();
			assert!(p.0 >= 0 && p.0 <= SCALE);
		}
		assert_eq!(ncdf(Fixed::ZERO), Ok(Fixed::HALF));
	}

	/// The table against values of Φ computed by mpmath at 30 digits (test vectors), to
	/// 10^−17, and against statrs' double-precision erfc over [−9, 9] every 1/1000, the
	/// interval joins included — to 3·10^−11, which is statrs' own error (its erfc is off by
	/// 2.5·10^−11 at x = −0.708, where mpmath and this table agree to 10^−18).
	#[test]
	fn the_table_matches_independent_references() {
		use statrs::function::erf::erfc;
		for (milli, reference) in [
			(-708i128, 239_472_628_739_879_874i128),
			(-3_000, 1_349_898_031_630_095),
			(-500, 308_537_538_725_986_896),
			(0, 500_000_000_000_000_000),
			(1_000, 841_344_746_068_542_949),
			(2_500, 993_790_334_674_223_865),
			(4_999, 999_999_711_857_985_854),
			(-6_250, 205_226_343),
			(8_999, 1_000_000_000_000_000_000),
		] {
			let got = ncdf(Fixed(milli * (SCALE / 1_000))).unwrap();
			assert!((got.0 - reference).abs() <= 10, "Φ({milli}/1000) = {got:?}");
		}
		let mut worst = 0f64;
		for i in -9_000i64..=9_000 {
			let x = i as f64 / 1_000.0;
			let reference = 0.5 * erfc(-x / core::f64::consts::SQRT_2);
			let got = ncdf(Fixed(i128::from(i) * (SCALE / 1_000))).unwrap().to_f64();
			worst = worst.max((got - reference).abs());
		}
		assert!(worst < 3e-11, "largest difference {worst:e}");
	}
}
