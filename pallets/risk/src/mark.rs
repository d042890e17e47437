//! The mark price: what positions are valued and liquidated at.
//!
//! `mark = median(index, book mid, EMA of the index)`, with a missing book mid or EMA replaced
//! by the index. One manipulated input cannot move it: a mid pushed far away leaves the median
//! between the index and its EMA; a manipulated index (a single feed can't: the oracle takes a
//! median of feeders) is held back by the EMA and the book.

use polkadot_sdk::sp_arithmetic::FixedU128;

/// The median of the oracle index, the book's mid price and the index's EMA.
pub fn mark_price(
	index: FixedU128,
	book_mid: Option<FixedU128>,
	ema: Option<FixedU128>,
) -> FixedU128 {
	let (a, b, c) = (index, book_mid.unwrap_or(index), ema.unwrap_or(index));
	a.max(b).min(a.min(b).max(c))
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn the_median_resists_one_outlier() {
		let p = FixedU128::from_u32;
		assert_eq!(mark_price(p(100), Some(p(1_000)), Some(p(101))), p(101));
		assert_eq!(mark_price(p(100), Some(p(1)), Some(p(99))), p(99));
		assert_eq!(mark_price(p(100), None, None), p(100));
		assert_eq!(mark_price(p(100), Some(p(102)), None), p(100));
	}

	proptest! {
		#[test]
		fn is_the_median(a in 1u128..1_000_000, b in 1u128..1_000_000, c in 1u128..1_000_000) {
			let mut v = [a, b, c];
			v.sort();
			let m = mark_price(FixedU128::from_inner(a), Some(FixedU128::from_inner(b)), Some(FixedU128::from_inner(c)));
			prop_assert_eq!(m, FixedU128::from_inner(v[1]));
		}
	}
}
