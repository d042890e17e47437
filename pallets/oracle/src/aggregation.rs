//! Storage-free aggregation: freshness, median, deviation and EMA decay. The pallet only feeds
//! these functions what it read from storage.
//!
//! Rounding: the median of an even count is the lower middle value plus half the gap, rounded
//! down; the EMA decay factor is rounded down (the older value keeps slightly less weight).

use polkadot_sdk::sp_arithmetic::{
	traits::{One, Saturating, Zero},
	FixedPointNumber, FixedU128, Permill,
};

use clearinghouse_primitives::oracle::Moment;

/// Whether a value submitted `at` is still usable `now` under `max_age`. A value from the
/// future (clock skew between blocks cannot produce one, but state could be corrupt) is not.
pub fn is_fresh(at: Moment, now: Moment, max_age: Moment) -> bool {
	at <= now && now - at <= max_age
}

/// The median of `values` (which it sorts in place), or `None` if there are fewer than
/// `quorum` values (or none). For an even count it lies between the two middle values.
pub fn median(values: &mut [FixedU128], quorum: usize) -> Option<FixedU128> {
	if values.is_empty() || values.len() < quorum {
		return None;
	}
	values.sort_unstable();
	let mid = values.len() / 2;
	if values.len() % 2 == 1 {
		values.get(mid).copied()
	} else {
		let (lo, hi) = (*values.get(mid - 1)?, *values.get(mid)?);
		// lo <= hi, so no underflow; halving rounds down.
		let half_gap = FixedU128::from_inner((hi.into_inner() - lo.into_inner()) / 2);
		Some(lo.saturating_add(half_gap))
	}
}

/// Whether `new` lies more than `bound` away from `reference`, relative to `reference`.
/// A zero reference has no scale: any non-zero move counts as beyond the bound.
pub fn exceeds_deviation(reference: FixedU128, new: FixedU128, bound: Permill) -> bool {
	if reference.is_zero() {
		return !new.is_zero();
	}
	let diff = if new > reference { new - reference } else { reference - new };
	// diff / reference > bound  <=>  diff > bound * reference (no division, no rounding).
	let allowed = FixedU128::from_inner(bound.mul_ceil(reference.into_inner()));
	diff > allowed
}

/// `0.5^(elapsed / half_life)`, the weight the previous EMA keeps after `elapsed`.
/// Computed as `2^-q · e^(-r·ln 2)` for `elapsed/half_life = q + r`, the second factor by its
/// Taylor series (r·ln 2 < 0.7, so 20 terms are far below FixedU128's resolution).
pub fn decay_factor(elapsed: Moment, half_life: Moment) -> FixedU128 {
	if half_life == 0 {
		return FixedU128::zero();
	}
	let whole_halvings = elapsed / half_life;
	if whole_halvings >= 64 {
		return FixedU128::zero();
	}
	let frac = FixedU128::saturating_from_rational(elapsed % half_life, half_life);
	// ln 2 to 18 decimals.
	let ln2 = FixedU128::from_inner(693_147_180_559_945_309);
	let x = frac.saturating_mul(ln2);
	// e^-x = Σ (-x)^k / k!, alternating; accumulate positive and negative parts separately.
	let (mut positive, mut negative) = (FixedU128::one(), FixedU128::zero());
	let mut term = FixedU128::one();
	for k in 1..=20u128 {
		term = term.saturating_mul(x) / FixedU128::saturating_from_integer(k);
		if term.is_zero() {
			break;
		}
		if k % 2 == 1 {
			negative = negative.saturating_add(term);
		} else {
			positive = positive.saturating_add(term);
		}
	}
	let fractional_part = positive.saturating_sub(negative);
	FixedU128::from_inner(fractional_part.into_inner() >> whole_halvings)
}

/// The EMA after a new observation `value`, `elapsed` ms after the previous EMA `previous`.
pub fn next_ema(
	previous: FixedU128,
	value: FixedU128,
	elapsed: Moment,
	half_life: Moment,
) -> FixedU128 {
	let keep = decay_factor(elapsed, half_life);
	let take = FixedU128::one().saturating_sub(keep);
	previous.saturating_mul(keep).saturating_add(value.saturating_mul(take))
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn fx(n: u128) -> FixedU128 {
		FixedU128::from_u32(n as u32)
	}

	#[test]
	fn median_of_odd_count_is_the_middle_value() {
		let mut v = [fx(5), fx(1), fx(3)];
		assert_eq!(median(&mut v, 1), Some(fx(3)));
	}

	#[test]
	fn median_of_even_count_is_halfway_rounded_down() {
		let mut v = [fx(4), fx(1), fx(2), fx(9)];
		assert_eq!(median(&mut v, 4), Some(fx(3)));
		let mut v = [FixedU128::from_inner(1), FixedU128::from_inner(2)];
		assert_eq!(median(&mut v, 2), Some(FixedU128::from_inner(1)));
	}

	#[test]
	fn median_needs_quorum() {
		let mut v = [fx(1), fx(2)];
		assert_eq!(median(&mut v, 3), None);
		assert_eq!(median(&mut [], 0), None);
	}

	#[test]
	fn freshness_is_inclusive_of_max_age_and_rejects_the_future() {
		assert!(is_fresh(1_000, 1_500, 500));
		assert!(!is_fresh(1_000, 1_501, 500));
		assert!(!is_fresh(2_000, 1_500, 500));
	}

	#[test]
	fn deviation_bound_is_relative_to_the_reference() {
		let bound = Permill::from_percent(10);
		assert!(!exceeds_deviation(fx(100), fx(110), bound));
		assert!(exceeds_deviation(fx(100), fx(111), bound));
		assert!(!exceeds_deviation(fx(100), fx(90), bound));
		assert!(exceeds_deviation(fx(100), fx(89), bound));
		assert!(exceeds_deviation(FixedU128::zero(), fx(1), bound));
	}

	#[test]
	fn decay_halves_every_half_life() {
		assert_eq!(decay_factor(0, 1_000), FixedU128::one());
		assert_eq!(decay_factor(1_000, 1_000), FixedU128::from_rational(1, 2));
		assert_eq!(decay_factor(3_000, 1_000), FixedU128::from_rational(1, 8));
		// 0.5^0.5 = 0.70710678118654752...
		let root_half = decay_factor(500, 1_000).into_inner();
		assert!((root_half as i128 - 707_106_781_186_547_524i128).abs() < 1_000, "{root_half}");
		assert_eq!(decay_factor(64_000, 1_000), FixedU128::zero());
	}

	#[test]
	fn ema_moves_toward_the_new_value_by_the_decay() {
		let ema = next_ema(fx(100), fx(200), 1_000, 1_000);
		assert_eq!(ema, fx(150));
		assert_eq!(next_ema(fx(100), fx(200), 0, 1_000), fx(100));
	}

	proptest! {
		#[test]
		fn median_lies_within_the_inputs(values in proptest::collection::vec(1u128..1_000_000_000_000_000_000_000, 1..33)) {
			let inputs: Vec<FixedU128> = values.iter().map(|v| FixedU128::from_inner(*v)).collect();
			let mut sorted = inputs.clone();
			let m = median(&mut sorted, 1).unwrap();
			let (min, max) = (*sorted.first().unwrap(), *sorted.last().unwrap());
			prop_assert!(min <= m && m <= max);
			if inputs.len() % 2 == 1 {
				prop_assert!(inputs.contains(&m));
			} else {
				let mid = inputs.len() / 2;
				prop_assert!(sorted[mid - 1] <= m && m <= sorted[mid]);
			}
			// At least half the inputs are <= m and at least half are >= m.
			let below = inputs.iter().filter(|v| **v <= m).count();
			let above = inputs.iter().filter(|v| **v >= m).count();
			prop_assert!(2 * below >= inputs.len() && 2 * above >= inputs.len());
		}

		#[test]
		fn ema_stays_between_previous_and_new(prev in 1u128..u64::MAX as u128, new in 1u128..u64::MAX as u128, elapsed in 0u64..10_000_000, half in 1u64..1_000_000) {
			let (p, n) = (FixedU128::from_inner(prev), FixedU128::from_inner(new));
			let e = next_ema(p, n, elapsed, half);
			let (lo, hi) = if p < n { (p, n) } else { (n, p) };
			// Each product rounds down, so the result may be up to 2 units below `lo`.
			prop_assert!(e.into_inner() + 2 >= lo.into_inner() && e <= hi);
		}

		#[test]
		fn decay_is_monotone_in_elapsed_time(a in 0u64..1_000_000, b in 0u64..1_000_000, half in 1u64..100_000) {
			let (short, long) = if a < b { (a, b) } else { (b, a) };
			prop_assert!(decay_factor(long, half) <= decay_factor(short, half));
		}
	}
}
