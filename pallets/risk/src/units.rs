//! Values: `amount` smallest units with `amount_decimals`, at `price` whole settlement units per
//! whole unit, in smallest settlement units (`settlement_decimals`).

use polkadot_sdk::sp_arithmetic::{
	helpers_128bit::multiply_by_rational_with_rounding, FixedPointNumber, FixedU128, Rounding,
};

/// The largest decimals an asset or market may declare: `10^38` still fits in `u128`.
pub const MAX_DECIMALS: u8 = 38;

fn pow10(exp: u8) -> Option<u128> {
	10u128.checked_pow(u32::from(exp))
}

/// `amount · price · 10^settlement_decimals / 10^amount_decimals`, rounded as asked — the exact
/// rounding of the true quotient (one multiply-divide with a 256-bit intermediate wherever the
/// divisor fits). `None` if the result does not fit in `u128`.
pub fn value(
	amount: u128,
	price: FixedU128,
	amount_decimals: u8,
	settlement_decimals: u8,
	rounding: Rounding,
) -> Option<u128> {
	let inner = price.into_inner();
	if settlement_decimals >= amount_decimals {
		let up = settlement_decimals - amount_decimals;
		if up <= 18 {
			multiply_by_rational_with_rounding(amount, inner, pow10(18 - up)?, rounding)
		} else {
			multiply_by_rational_with_rounding(amount, inner, 1, rounding)?
				.checked_mul(pow10(up - 18)?)
		}
	} else {
		let down = amount_decimals - settlement_decimals;
		match pow10(18u8.checked_add(down)?) {
			Some(divisor) => multiply_by_rational_with_rounding(amount, inner, divisor, rounding),
			None => {
				// Two divisions: rounding the first the same way keeps the second exact for
				// `Down` (⌊⌊x⌋/n⌋ = ⌊x/n⌋) and for `Up` (⌈⌈x⌉/n⌉ = ⌈x/n⌉).
				let scaled =
					multiply_by_rational_with_rounding(amount, inner, FixedU128::DIV, rounding)?;
				multiply_by_rational_with_rounding(scaled, 1, pow10(down)?, rounding)
			},
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn price(units: u128, thousandths: u128) -> FixedU128 {
		FixedU128::from_rational(units * 1000 + thousandths, 1000)
	}

	#[test]
	fn values_across_decimals() {
		// 1.5 BTC (8 decimals) at 60,000.5 → 90,000.75 USDT (6 decimals).
		assert_eq!(
			value(150_000_000, price(60_000, 500), 8, 6, Rounding::Down),
			Some(90_000_750_000)
		);
		assert_eq!(
			value(2 * 10u128.pow(18), price(3_000, 0), 18, 6, Rounding::Down),
			Some(6_000_000_000)
		);
		assert_eq!(
			value(10 * 10u128.pow(12), price(0, 250), 12, 18, Rounding::Down),
			Some(25 * 10u128.pow(17))
		);
	}

	#[test]
	fn dust_rounds_the_asked_way() {
		assert_eq!(value(1, price(3_000, 0), 18, 6, Rounding::Down), Some(0));
		assert_eq!(value(1, price(3_000, 0), 18, 6, Rounding::Up), Some(1));
		// Exact values do not round up.
		assert_eq!(
			value(10u128.pow(18), price(3_000, 0), 18, 6, Rounding::Up),
			Some(3_000_000_000)
		);
	}

	#[test]
	fn overflow_is_none_not_a_wrap() {
		assert_eq!(value(u128::MAX, price(2, 0), 6, 6, Rounding::Down), None);
		assert_eq!(value(u128::MAX / 2, price(1, 0), 0, 38, Rounding::Down), None);
	}

	proptest! {
		/// Down is the exact floor and Up the exact ceiling of the true value.
		#[test]
		fn exact_floor_and_ceiling(amount in 0u128..10u128.pow(15), inner in 1u128..10u128.pow(20), ad in 0u8..7, sd in 0u8..4) {
			let p = FixedU128::from_inner(inner);
			let down = value(amount, p, ad, sd, Rounding::Down).unwrap();
			let up = value(amount, p, ad, sd, Rounding::Up).unwrap();
			let numerator = amount * inner * 10u128.pow(sd.into());
			let denominator = 10u128.pow(18 + u32::from(ad));
			prop_assert!(down * denominator <= numerator);
			prop_assert!((down + 1) * denominator > numerator);
			prop_assert!(up * denominator >= numerator);
			prop_assert!(up == down || (up == down + 1 && down * denominator < numerator));
		}

		/// Also exact where the divisor does not fit in one step (36 decimals into 0).
		#[test]
		fn two_step_division_is_exact(amount in 0u128..u128::MAX / 10u128.pow(19), inner in 1u128..10u128.pow(19)) {
			let p = FixedU128::from_inner(inner);
			let down = value(amount, p, 36, 0, Rounding::Down).unwrap();
			let up = value(amount, p, 36, 0, Rounding::Up).unwrap();
			prop_assert!(up == down || up == down + 1);
		}
	}
}
