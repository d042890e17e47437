//! The valuation of one collateral balance in the settlement asset: pure arithmetic, no storage.
//!
//! Prices are quoted in whole settlement units per whole unit of the asset (the oracle's
//! convention: a key is quoted against the settlement stablecoin), so the settlement asset
//! itself is valued at par.
//!
//! Rounding: every step rounds **down** (a collateral value is what the account is credited
//! with, so rounding is against the account).

use polkadot_sdk::sp_arithmetic::{
	helpers_128bit::multiply_by_rational_with_rounding, FixedPointNumber, FixedU128, PerThing,
	Permill, Rounding,
};

/// The largest decimals an asset may declare: `10^38` still fits in `u128`.
pub const MAX_DECIMALS: u8 = 38;

/// `10^exp`, or `None` above `u128`.
fn pow10(exp: u8) -> Option<u128> {
	10u128.checked_pow(u32::from(exp))
}

/// The market value in smallest settlement units of `balance` smallest units of an asset with
/// `asset_decimals`, at `price` whole settlement units per whole asset unit, for a settlement
/// asset with `settlement_decimals`: `balance · price · 10^settlement_decimals /
/// 10^asset_decimals`, rounded down. `None` if the result does not fit in `u128`.
pub fn market_value(
	balance: u128,
	price: FixedU128,
	asset_decimals: u8,
	settlement_decimals: u8,
) -> Option<u128> {
	let inner = price.into_inner();
	// One multiply-divide with a 256-bit intermediate wherever the divisor fits, so the
	// result is the exact floor of the true value; where it does not, dividing a floor again
	// is still the floor of the whole quotient.
	if settlement_decimals >= asset_decimals {
		let up = settlement_decimals - asset_decimals;
		if up <= 18 {
			multiply_by_rational_with_rounding(balance, inner, pow10(18 - up)?, Rounding::Down)
		} else {
			multiply_by_rational_with_rounding(balance, inner, 1, Rounding::Down)?
				.checked_mul(pow10(up - 18)?)
		}
	} else {
		let down = asset_decimals - settlement_decimals;
		match pow10(18u8.checked_add(down)?) {
			Some(divisor) => {
				multiply_by_rational_with_rounding(balance, inner, divisor, Rounding::Down)
			},
			None => {
				let scaled = multiply_by_rational_with_rounding(
					balance,
					inner,
					FixedU128::DIV,
					Rounding::Down,
				)?;
				Some(scaled / pow10(down)?)
			},
		}
	}
}

/// What `balance` counts as collateral: its market value less the `haircut`, rounded down.
pub fn collateral_value(
	balance: u128,
	price: FixedU128,
	haircut: Permill,
	asset_decimals: u8,
	settlement_decimals: u8,
) -> Option<u128> {
	let value = market_value(balance, price, asset_decimals, settlement_decimals)?;
	Some(haircut.left_from_one().mul_floor(value))
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
		assert_eq!(market_value(150_000_000, price(60_000, 500), 8, 6), Some(90_000_750_000));
		// 2 ETH (18 decimals) at 3,000 → 6,000 USDT.
		assert_eq!(market_value(2 * 10u128.pow(18), price(3_000, 0), 18, 6), Some(6_000_000_000));
		// 10 CLR (12 decimals) at 0.25 into an 18-decimal settlement asset.
		assert_eq!(
			market_value(10 * 10u128.pow(12), price(0, 250), 12, 18),
			Some(25 * 10u128.pow(17))
		);
	}

	#[test]
	fn haircut_reduces_and_rounds_down() {
		// 1 USDT-equivalent worth 999_999 units after a 10% haircut: 899_999.1 → 899_999.
		assert_eq!(
			collateral_value(999_999, FixedU128::from_u32(1), Permill::from_percent(10), 6, 6),
			Some(899_999)
		);
		assert_eq!(collateral_value(1_000, FixedU128::from_u32(1), Permill::one(), 6, 6), Some(0));
		assert_eq!(
			collateral_value(1_000, FixedU128::from_u32(1), Permill::zero(), 6, 6),
			Some(1_000)
		);
	}

	#[test]
	fn dust_below_one_settlement_unit_is_worth_nothing() {
		// 1 wei of an 18-decimal asset at 3,000 is 3e-15 USDT: rounds down to zero.
		assert_eq!(market_value(1, price(3_000, 0), 18, 6), Some(0));
	}

	#[test]
	fn overflow_is_none_not_a_wrap() {
		assert_eq!(market_value(u128::MAX, price(2, 0), 6, 6), None);
		assert_eq!(market_value(u128::MAX / 2, price(1, 0), 0, 38), None);
	}

	proptest! {
		/// The value is the exact floor of `balance · price · 10^sd / 10^ad`: never rounded in
		/// the account's favour, never more than one unit short.
		#[test]
		fn is_the_exact_floor(balance in 0u128..10u128.pow(15), inner in 1u128..10u128.pow(20), ad in 0u8..7, sd in 0u8..4) {
			let p = FixedU128::from_inner(inner);
			let v = market_value(balance, p, ad, sd).unwrap();
			let exact_numerator = balance * inner * 10u128.pow(sd.into());
			let denominator = 10u128.pow(18 + u32::from(ad));
			prop_assert!(v * denominator <= exact_numerator);
			prop_assert!((v + 1) * denominator > exact_numerator);
		}

		/// More balance or a higher price is never worth less; a larger haircut never worth more.
		#[test]
		fn monotone(b1 in 0u128..10u128.pow(24), extra in 0u128..10u128.pow(24), inner in 1u128..10u128.pow(30), h1 in 0u32..1_000_000, h2 in 0u32..1_000_000) {
			let p = FixedU128::from_inner(inner);
			let (lo_h, hi_h) = (Permill::from_parts(h1.min(h2)), Permill::from_parts(h1.max(h2)));
			let small = collateral_value(b1, p, lo_h, 12, 6).unwrap();
			let big = collateral_value(b1 + extra, p, lo_h, 12, 6).unwrap();
			prop_assert!(small <= big);
			let more_cut = collateral_value(b1, p, hi_h, 12, 6).unwrap();
			prop_assert!(more_cut <= small);
		}
	}
}
