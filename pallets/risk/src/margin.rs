//! The standard margin model: initial and maintenance fractions of each position's notional,
//! with optional open-interest scaling of the initial fraction.

use polkadot_sdk::sp_arithmetic::{PerThing, Permill, Rounding};

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

#[cfg(test)]
mod tests {
	use super::*;
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

	proptest! {
		#[test]
		fn scaling_is_monotone(a in 0u128..2_000, b in 0u128..2_000) {
			let f = fractions();
			let (lo, hi) = (a.min(b), a.max(b));
			prop_assert!(f.initial_at(lo) <= f.initial_at(hi));
			prop_assert!(f.initial_at(hi) <= f.initial_at_full);
		}
	}
}
