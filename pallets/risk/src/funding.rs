//! Perpetual funding through a cumulative index.
//!
//! The market keeps one number, the cumulative funding per whole size unit (whole settlement
//! units, signed: positive means longs pay shorts). Each sample adds `index price × premium ×
//! elapsed / period`; an account stores the index at its last settlement and pays
//! `size × (index now − index then)` when next touched: O(1) per account, no loops over
//! accounts on the schedule.

use polkadot_sdk::sp_arithmetic::{
	traits::{CheckedAdd, CheckedDiv, CheckedMul, CheckedSub},
	FixedI128, FixedPointNumber, FixedU128, Permill, Rounding,
};

use crate::units::value;

/// The premium `(mark − index) / index`, clamped to `±cap`.
pub fn premium(mark: FixedU128, index: FixedU128, cap: Permill) -> Option<FixedI128> {
	let index_i = FixedI128::from_inner(i128::try_from(index.into_inner()).ok()?);
	let mark_i = FixedI128::from_inner(i128::try_from(mark.into_inner()).ok()?);
	let raw = mark_i.checked_sub(&index_i)?.checked_div(&index_i)?;
	// Permill parts are millionths; FixedI128 has 18 decimals.
	let cap = FixedI128::from_inner(i128::from(cap.deconstruct()) * 1_000_000_000_000);
	Some(raw.max(FixedI128::from_inner(-cap.into_inner())).min(cap))
}

/// The index after `elapsed_ms` at `premium` (per `period_ms`) with the index price `price`.
pub fn accrue(
	index: FixedI128,
	premium: FixedI128,
	price: FixedU128,
	elapsed_ms: u64,
	period_ms: u64,
) -> Option<FixedI128> {
	if period_ms == 0 {
		return None;
	}
	let price_i = FixedI128::from_inner(i128::try_from(price.into_inner()).ok()?);
	let per_period = price_i.checked_mul(&premium)?;
	let delta =
		per_period.checked_mul(&FixedI128::checked_from_rational(elapsed_ms, period_ms)?)?;
	index.checked_add(&delta)
}

/// What a position of signed `size` owes for the index moving from `from` to `to`, in
/// settlement units: positive means the account pays. Rounded against the account (payments
/// up, receipts down), so lazily settled funding can leave a surplus, never a deficit.
pub fn payment(
	size: i128,
	from: FixedI128,
	to: FixedI128,
	size_decimals: u8,
	settlement_decimals: u8,
) -> Option<i128> {
	let per_unit = to.checked_sub(&from)?;
	let owes = (size > 0 && per_unit.is_positive()) || (size < 0 && per_unit.is_negative());
	let magnitude = value(
		size.unsigned_abs(),
		FixedU128::from_inner(per_unit.into_inner().unsigned_abs()),
		size_decimals,
		settlement_decimals,
		if owes { Rounding::Up } else { Rounding::Down },
	)?;
	let magnitude = i128::try_from(magnitude).ok()?;
	Some(if owes { magnitude } else { -magnitude })
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn fx(n: i128, d: i128) -> FixedI128 {
		FixedI128::checked_from_rational(n, d).unwrap()
	}

	#[test]
	fn premium_is_clamped() {
		let cap = Permill::from_percent(1);
		let p = |m: u128| premium(FixedU128::from_rational(m, 1000), FixedU128::from_u32(1), cap);
		assert_eq!(p(1000), Some(FixedI128::from_inner(0)));
		assert_eq!(p(1005), Some(fx(5, 1000)));
		assert_eq!(p(995), Some(fx(-5, 1000)));
		assert_eq!(p(1100), Some(fx(1, 100)));
		assert_eq!(p(900), Some(fx(-1, 100)));
	}

	#[test]
	fn accrual_and_payment() {
		// Price 100, premium 0.1% per 8 h period, 4 h elapsed: +0.05 per unit.
		let idx = accrue(
			FixedI128::from_inner(0),
			fx(1, 1000),
			FixedU128::from_u32(100),
			4 * 3_600_000,
			8 * 3_600_000,
		)
		.unwrap();
		assert_eq!(idx, fx(5, 100));
		// A long of 10 units (0 decimals) pays 0.5 → 1 unit (up); a short receives 0 (down).
		assert_eq!(payment(10, FixedI128::from_inner(0), idx, 0, 0), Some(1));
		assert_eq!(payment(-10, FixedI128::from_inner(0), idx, 0, 0), Some(0));
		// With 6 settlement decimals: exactly 0.5.
		assert_eq!(payment(10, FixedI128::from_inner(0), idx, 0, 6), Some(500_000));
		assert_eq!(payment(-10, FixedI128::from_inner(0), idx, 0, 6), Some(-500_000));
		assert_eq!(accrue(idx, fx(1, 1000), FixedU128::from_u32(1), 1, 0), None);
	}

	proptest! {
		/// Settling at any sequence of touches costs the same as settling once (up to one unit
		/// of rounding per touch, always against the account), and longs and shorts of equal
		/// size never create value: what shorts receive never exceeds what longs pay.
		#[test]
		fn lazy_settlement_never_creates_value(steps in proptest::collection::vec((-1000i128..1000, 1u64..10_000), 1..30), size in 1i128..1_000_000, touch_every in 1usize..5) {
			let mut idx = FixedI128::from_inner(0);
			let (mut long_last, mut short_last) = (idx, idx);
			let (mut long_paid, mut short_paid) = (0i128, 0i128);
			for (i, (bp, elapsed)) in steps.iter().enumerate() {
				idx = accrue(idx, fx(*bp, 1_000_000), FixedU128::from_u32(50_000), *elapsed, 3_600_000).unwrap();
				if i % touch_every == 0 {
					long_paid += payment(size, long_last, idx, 6, 6).unwrap();
					long_last = idx;
				}
				short_paid += payment(-size, short_last, idx, 6, 6).unwrap();
				short_last = idx;
			}
			long_paid += payment(size, long_last, idx, 6, 6).unwrap();
			prop_assert!(long_paid + short_paid >= 0, "funding created value: {} {}", long_paid, short_paid);
		}
	}
}
