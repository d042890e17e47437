//! The standard margin model's arithmetic under any inputs:
//! * a requirement is `fraction × notional` rounded up, never down and never a unit more;
//! * the open-interest-scaled initial fraction stays between `initial` and `initial_at_full`
//!   and never falls as open interest grows;
//! * the mark is the median of index, book mid and EMA;
//! * the liquidation / bankruptcy price (`exhaustion_price`) errs toward the mark: at the price
//!   it gives, a position with cushion left has not used it up, and a few units of rounding
//!   beyond it, it has (checked exactly, in integers).

#![no_main]

use arbitrary::Arbitrary;
use clearinghouse_risk::{
	margin::{exhaustion_price, requirement, Fractions},
	mark::mark_price,
};
use libfuzzer_sys::fuzz_target;
use polkadot_sdk::sp_arithmetic::{FixedU128, Permill};

#[derive(Arbitrary, Debug)]
struct Input {
	notional: u128,
	parts: [u32; 3],
	open_interest: [u128; 2],
	oi_full: u128,
	prices: [u64; 3],
	size: i32,
	mark_milli: u32,
	cushion: i64,
	fraction: u32,
	size_decimals: u8,
}

fuzz_target!(|x: Input| {
	// Requirement: ceil(fraction × notional).
	let f = Permill::from_parts(x.parts[0] % 1_000_001);
	let r = requirement(x.notional, f);
	let exact = u128::from(f.deconstruct());
	if let (Some(hi), Some(lo)) =
		(r.checked_mul(1_000_000), r.checked_sub(1).and_then(|r| r.checked_mul(1_000_000)))
	{
		if let Some(need) = x.notional.checked_mul(exact) {
			assert!(hi >= need, "rounded down");
			assert!(lo < need || r == 0, "rounded up by more than a unit");
		}
	}

	// Open-interest scaling.
	let mut p = [x.parts[0], x.parts[1], x.parts[2]].map(|v| v % 1_000_001);
	p.sort();
	let fr = Fractions {
		maintenance: Permill::from_parts(p[0]),
		initial: Permill::from_parts(p[1]),
		initial_at_full: Permill::from_parts(p[2]),
		open_interest_full: x.oi_full,
	};
	if fr.is_valid() {
		let (a, b) = (x.open_interest[0].min(x.open_interest[1]), x.open_interest[0].max(x.open_interest[1]));
		let (fa, fb) = (fr.initial_at(a), fr.initial_at(b));
		assert!(fa <= fb, "more open interest, a lower initial fraction");
		assert!(fr.initial <= fa && fb <= fr.initial_at_full.max(fr.initial), "scaled fraction out of bounds");
	}

	// Mark: the median.
	let [a, b, c] = x.prices.map(|v| FixedU128::from_inner(u128::from(v)));
	let mut v = [a, b, c];
	v.sort();
	assert_eq!(mark_price(a, Some(b), Some(c)), v[1]);
	assert_eq!(mark_price(a, None, None), a);

	// Exhaustion price, exactly: the cushion used moving from mark to the price is
	// |size| · Δ · (1e6 ∓ f) / (1e6 · 1e18 · 10^(sd − 6)) settlement units (6 decimals).
	let size = i128::from(x.size);
	let mark = FixedU128::from_rational(u128::from(x.mark_milli), 1000);
	let cushion = i128::from(x.cushion);
	let fraction = Permill::from_parts(x.fraction % 1_000_001);
	let sd = x.size_decimals % 13;
	let Some(price) = exhaustion_price(size, mark, cushion, fraction, sd, 6) else { return };
	let long = size > 0;
	if cushion < 0 {
		// Already past it: the price lies beyond the mark on the safe side of the position.
		assert!(if long { price >= mark } else { price <= mark }, "wrong side for a spent cushion");
		return;
	}
	assert!(if long { price <= mark } else { price >= mark }, "wrong side of the mark");
	let delta = if long { mark.into_inner() - price.into_inner() } else { price.into_inner() - mark.into_inner() };
	let factor = if long { 1_000_000 - u128::from(fraction.deconstruct()) } else { 1_000_000 + u128::from(fraction.deconstruct()) };
	let (a, b) = (6u32.saturating_sub(u32::from(sd)), u32::from(sd).saturating_sub(6));
	let used = |d: u128| -> Option<u128> {
		size.unsigned_abs().checked_mul(d)?.checked_mul(factor)?.checked_mul(10u128.checked_pow(a)?)
	};
	let Some(budget) = (cushion as u128).checked_mul(10u128.pow(24)).and_then(|c| c.checked_mul(10u128.checked_pow(b)?)) else { return };
	if let Some(u) = used(delta) {
		assert!(u <= budget, "the price overstates the distance: cushion used beyond what there is");
	}
	// Tight: a few units of rounding further, the cushion is gone (unless the price was
	// clamped at zero's side, where `None` would have come back).
	// Per whole unit the floors lose under 2·10^b (b = sd − 6 when the size unit is finer than
	// the settlement unit) before the division by the factor, which scales that loss by
	// 1e6 / factor (large for a long near 100% maintenance) and floors once more.
	let slack = ((2 * 10u128.pow(b) + 2) * 1_000_000).div_ceil(factor) + 1;
	if let Some(u) = used(delta + slack) {
		assert!(u >= budget, "the price errs toward the mark by more than rounding");
	}
});
