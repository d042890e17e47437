//! The standard margin model: initial and maintenance fractions of each position's notional,
//! with optional open-interest scaling of the initial fraction.

use polkadot_sdk::sp_arithmetic::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{CheckedAdd, CheckedSub, Zero},
	FixedPointNumber, FixedU128, PerThing, Permill, Rounding,
};

/// A market's margin fractions.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Fractions {
	/// Initial margin fraction at low open interest.
	pub initial: Permill,
	/// Maintenance margin fraction (below `initial`).
	pub maintenance: Permill,
	/// The initial fraction reached at `open_interest_full` (scaling is linear up to it);
	/// equal to `initial` for no scaling.
	pub initial_at_full: Permill,
	/// The open interest (size units, one side) at which `initial_at_full` applies.
	pub open_interest_full: u128,
}

impl Fractions {
	/// Whether the fractions are coherent: `0 < maintenance < initial ≤ initial_at_full`.
	pub fn is_valid(&self) -> bool {
		!self.maintenance.is_zero()
			&& self.maintenance < self.initial
			&& self.initial <= self.initial_at_full
	}

	/// The initial fraction at `open_interest`, rounded up.
	pub fn initial_at(&self, open_interest: u128) -> Permill {
		if self.initial_at_full <= self.initial || self.open_interest_full == 0 {
			return self.initial;
		}
		let span = self.initial_at_full.deconstruct() - self.initial.deconstruct();
		let share = Permill::from_rational_with_rounding(
			open_interest.min(self.open_interest_full),
			self.open_interest_full,
			Rounding::Up,
		)
		.unwrap_or(Permill::one());
		Permill::from_parts(self.initial.deconstruct() + share.mul_ceil(span))
	}
}

/// `fraction` of `notional`, rounded up.
pub fn requirement(notional: u128, fraction: Permill) -> u128 {
	fraction.mul_ceil(notional)
}

/// An account's margin state.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Health {
	/// Collateral value plus unrealised PnL less unsettled funding (settlement units).
	pub equity: i128,
	/// Σ initial requirements.
	pub initial: u128,
	/// Σ maintenance requirements.
	pub maintenance: u128,
}

impl Health {
	/// Equity above the initial requirement (what can be withdrawn or used for new orders);
	/// negative when below.
	pub fn free_collateral(&self) -> i128 {
		self.equity.saturating_sub(i128::try_from(self.initial).unwrap_or(i128::MAX))
	}

	/// Whether orders and withdrawals may leave the account here: equity ≥ initial.
	pub fn meets_initial(&self) -> bool {
		self.free_collateral() >= 0
	}

	/// Whether the account may be liquidated: equity < maintenance.
	pub fn is_liquidatable(&self) -> bool {
		self.equity < i128::try_from(self.maintenance).unwrap_or(i128::MAX)
	}
}

/// The mark at which a position of `size` (size units, long > 0) uses up `cushion` (settlement
/// units: equity less the requirement that must hold) when that requirement is `fraction` of
/// the position's notional and everything else stays where it is.
///
/// Moving the mark by `Δ` per whole unit changes equity by `size·Δ` and the requirement by
/// `fraction·|size|·Δ`, so a long's cushion is gone at `mark − cushion / (size·(1 − fraction))`
/// and a short's at `mark + cushion / (|size|·(1 + fraction))`. A negative cushion (already
/// past it) gives a price on the other side of the mark.
///
/// * `fraction` = maintenance, `cushion` = equity − maintenance: the **liquidation price**.
/// * `fraction` = 0, `cushion` = equity: the **bankruptcy price** (where closing the whole
///   position leaves equity at zero).
///
/// The distance is rounded toward the mark (the result errs on the side of the current price).
/// `None` without a position, for a fraction of 100%, or if the price is not positive (the
/// position cannot exhaust the cushion by itself).
pub fn exhaustion_price(
	size: i128,
	mark: FixedU128,
	cushion: i128,
	fraction: Permill,
	size_decimals: u8,
	settlement_decimals: u8,
) -> Option<FixedU128> {
	if size == 0 {
		return None;
	}
	// The cushion per size unit (18 decimals), then per whole size unit in whole settlement
	// units: a price.
	let per_size_unit = multiply_by_rational_with_rounding(
		cushion.unsigned_abs(),
		FixedU128::DIV,
		size.unsigned_abs(),
		Rounding::Down,
	)?;
	let per_unit = if size_decimals >= settlement_decimals {
		per_size_unit
			.checked_mul(10u128.checked_pow(u32::from(size_decimals - settlement_decimals))?)?
	} else {
		per_size_unit / 10u128.checked_pow(u32::from(settlement_decimals - size_decimals))?
	};
	let long = size > 0;
	let parts = u128::from(fraction.deconstruct());
	let whole = u128::from(Permill::ACCURACY);
	let divisor = if long { whole.checked_sub(parts)? } else { whole.checked_add(parts)? };
	if divisor == 0 {
		return None;
	}
	let distance = FixedU128::from_inner(multiply_by_rational_with_rounding(
		per_unit,
		whole,
		divisor,
		Rounding::Down,
	)?);
	// A long with cushion left is liquidated below the mark; a short above it.
	let price = match (long, cushion >= 0) {
		(true, true) | (false, false) => mark.checked_sub(&distance)?,
		(true, false) | (false, true) => mark.checked_add(&distance)?,
	};
	(!price.is_zero()).then_some(price)
}

#[cfg(test)]
mod tests {
	use super::*;
	use polkadot_sdk::sp_arithmetic::traits::Saturating;
	use proptest::prelude::*;

	fn fractions() -> Fractions {
		Fractions {
			initial: Permill::from_percent(10),
			maintenance: Permill::from_percent(5),
			initial_at_full: Permill::from_percent(20),
			open_interest_full: 1_000,
		}
	}

	#[test]
	fn open_interest_scales_the_initial_fraction() {
		let f = fractions();
		assert!(f.is_valid());
		assert_eq!(f.initial_at(0), Permill::from_percent(10));
		assert_eq!(f.initial_at(500), Permill::from_percent(15));
		assert_eq!(f.initial_at(5_000), Permill::from_percent(20));
		let flat = Fractions { initial_at_full: f.initial, ..f };
		assert_eq!(flat.initial_at(5_000), Permill::from_percent(10));
		assert!(!Fractions { maintenance: f.initial, ..f }.is_valid());
	}

	#[test]
	fn requirements_round_up_and_health_reads_right() {
		assert_eq!(requirement(1_001, Permill::from_percent(10)), 101);
		let h = Health { equity: 100, initial: 100, maintenance: 50 };
		assert!(h.meets_initial() && !h.is_liquidatable());
		let h = Health { equity: 49, ..h };
		assert!(!h.meets_initial() && h.is_liquidatable());
		assert_eq!(h.free_collateral(), -51);
	}

	fn usd(x: u32) -> FixedU128 {
		FixedU128::from_u32(x)
	}

	#[test]
	fn liquidation_and_bankruptcy_prices() {
		let mm = Permill::from_percent(5);
		// 0.1 BTC long (3 decimals) at mark 50,000, equity 600 USD (6 decimals), maintenance
		// 250: the 350 cushion lasts until 50,000 − 350 / (0.1 × 0.95) = 46,315.78…
		let liq = exhaustion_price(100, usd(50_000), 350_000_000, mm, 3, 6).unwrap();
		assert_eq!(liq, FixedU128::from_rational(50_000 * 95 - 350 * 1_000, 95));
		// Its bankruptcy price: 50,000 − 600 / 0.1 = 44,000.
		assert_eq!(
			exhaustion_price(100, usd(50_000), 600_000_000, Permill::zero(), 3, 6),
			Some(usd(44_000))
		);
		// A short mirrors it: 50,000 + 600 / 0.1.
		assert_eq!(
			exhaustion_price(-100, usd(50_000), 600_000_000, Permill::zero(), 3, 6),
			Some(usd(56_000))
		);
		// A long already past it (negative equity) sells above the mark to break even.
		assert_eq!(
			exhaustion_price(100, usd(40_000), -400_000_000, Permill::zero(), 3, 6),
			Some(usd(44_000))
		);
		// A short with more cushion than the price: it cannot be liquidated by this position.
		assert_eq!(exhaustion_price(100, usd(50), 600_000_000, Permill::zero(), 3, 6), None);
		assert_eq!(exhaustion_price(0, usd(50), 1, mm, 3, 6), None);
		assert_eq!(exhaustion_price(100, usd(50), 1, Permill::one(), 3, 6), None);
	}

	proptest! {
		/// At the liquidation price, equity and the maintenance requirement meet (within the
		/// rounding of one price step): just above it (for a long) the account is healthy,
		/// just below it is not.
		#[test]
		fn equity_meets_maintenance_at_the_liquidation_price(
			size in 1i128..1_000_000,
			long in any::<bool>(),
			mark in 1_000u32..100_000,
			collateral in 0i128..100_000_000_000,
			cost_offset in -5_000i32..5_000,
		) {
			let size = if long { size } else { -size };
			let mm = Permill::from_percent(5);
			let entry = (mark as i32 + cost_offset).max(1) as u32;
			let position = crate::position::Position {
				size,
				cost: crate::position::market_value(
					crate::position::Position { size, cost: 0 }, usd(entry), 3, 6).unwrap(),
			};
			let health_at = |p: FixedU128| {
				let equity = collateral + crate::position::unrealized(position, p, 3, 6).unwrap();
				let notional = crate::position::notional(position, p, 3, 6).unwrap();
				(equity, requirement(notional, mm) as i128)
			};
			let (equity, maintenance) = health_at(usd(mark));
			let Some(liq) = exhaustion_price(size, usd(mark), equity - maintenance, mm, 3, 6) else {
				return Ok(());
			};
			// A hundredth of a unit of price either side (far above the rounding): on the
			// healthy side equity covers maintenance, on the other it does not.
			let step = FixedU128::from_rational(1, 100);
			let (healthy, unhealthy) = if long {
				(liq.saturating_add(step), liq.saturating_sub(step))
			} else {
				(liq.saturating_sub(step), liq.saturating_add(step))
			};
			let (e, m) = health_at(healthy);
			prop_assert!(e >= m, "at {:?} (healthy side of {:?}): equity {} < {}", healthy, liq, e, m);
			if liq > step {
				let (e, m) = health_at(unhealthy);
				prop_assert!(e < m, "at {:?} (beyond {:?}): equity {} ≥ {}", unhealthy, liq, e, m);
			}
		}

		#[test]
		fn scaling_is_monotone(a in 0u128..2_000, b in 0u128..2_000) {
			let f = fractions();
			let (lo, hi) = (a.min(b), a.max(b));
			prop_assert!(f.initial_at(lo) <= f.initial_at(hi));
			prop_assert!(f.initial_at(hi) <= f.initial_at_full);
		}
	}
}
