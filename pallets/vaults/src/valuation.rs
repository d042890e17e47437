//! The valuation of one collateral balance in the settlement asset.
//!
//! Prices are quoted in whole settlement units per whole unit of the asset (the oracle's
//! convention: a key is quoted against the settlement stablecoin), so the settlement asset
//! itself is valued at par. The arithmetic is `clearinghouse_risk::units::value`, shared with
//! the margin engine.
//!
//! Rounding: every step rounds **down** (a collateral value is what the account is credited
//! with, so rounding is against the account).

use clearinghouse_risk::units;
use polkadot_sdk::sp_arithmetic::{FixedU128, PerThing, Permill, Rounding};

pub use units::MAX_DECIMALS;

/// What `balance` counts as collateral: its market value less the `haircut`, rounded down.
/// `None` if it does not fit in `u128`.
pub fn collateral_value(
	balance: u128,
	price: FixedU128,
	haircut: Permill,
	asset_decimals: u8,
	settlement_decimals: u8,
) -> Option<u128> {
	let value = units::value(balance, price, asset_decimals, settlement_decimals, Rounding::Down)?;
	Some(haircut.left_from_one().mul_floor(value))
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn haircut_reduces_and_rounds_down() {
		let one = FixedU128::from_u32(1);
		// 999,999 units worth 899,999.1 after a 10% haircut → 899,999.
		assert_eq!(collateral_value(999_999, one, Permill::from_percent(10), 6, 6), Some(899_999));
		assert_eq!(collateral_value(1_000, one, Permill::one(), 6, 6), Some(0));
		assert_eq!(collateral_value(1_000, one, Permill::zero(), 6, 6), Some(1_000));
		// 0.5 BTC (8 decimals) at 60,000 with 10% off, in 6 decimals.
		assert_eq!(
			collateral_value(
				50_000_000,
				FixedU128::from_u32(60_000),
				Permill::from_percent(10),
				8,
				6
			),
			Some(27_000_000_000)
		);
	}

	proptest! {
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
