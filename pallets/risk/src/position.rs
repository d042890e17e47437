//! Positions and PnL by cost basis.
//!
//! A position is a signed size and a signed **cost**: the settlement value paid to open it
//! (positive for a long) or received (negative for a short). A fill's notional is computed once
//! and is the same number for both sides of the trade, so Σ cost changes over all accounts is
//! zero up to the cost splits. Closing part of a position releases the same share of its cost;
//! the split rounds against the account (less realised now), so two sides of a trade can lose
//! at most one unit each between them per trade and never gain one.

use polkadot_sdk::sp_arithmetic::{
	helpers_128bit::multiply_by_rational_with_rounding, FixedU128, Rounding,
};

use crate::units::value;

/// A position in one market.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Position {
	/// Signed size in the market's size units: long > 0, short < 0.
	pub size: i128,
	/// Signed cost in settlement units: paid (> 0) for a long, received (< 0) for a short.
	pub cost: i128,
}

/// A position after a fill, and the PnL the fill realised.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Filled {
	/// The new position.
	pub position: Position,
	/// Realised PnL (settlement units; negative is a loss).
	pub realized: i128,
}

/// `a · b / c` for a signed `a`, rounded toward +∞ (`ceil`) or −∞ (`floor`).
fn scale_signed(a: i128, b: u128, c: u128, toward_positive: bool) -> Option<i128> {
	let magnitude = a.unsigned_abs();
	let rounding = match (a >= 0, toward_positive) {
		(true, true) | (false, false) => Rounding::Up,
		_ => Rounding::Down,
	};
	let scaled =
		i128::try_from(multiply_by_rational_with_rounding(magnitude, b, c, rounding)?).ok()?;
	Some(if a >= 0 { scaled } else { -scaled })
}

/// Apply a trade of signed `qty` (buy > 0, sell < 0) whose notional is `notional` (the same
/// number for both sides of the trade). `None` on overflow or a zero `qty`.
pub fn apply_fill(position: Position, qty: i128, notional: u128) -> Option<Filled> {
	if qty == 0 {
		return None;
	}
	let signed_notional = {
		let n = i128::try_from(notional).ok()?;
		if qty > 0 {
			n
		} else {
			-n
		}
	};
	if position.size == 0 || (position.size > 0) == (qty > 0) {
		return Some(Filled {
			position: Position {
				size: position.size.checked_add(qty)?,
				cost: position.cost.checked_add(signed_notional)?,
			},
			realized: 0,
		});
	}
	let held = position.size.unsigned_abs();
	let traded = qty.unsigned_abs();
	let closed = held.min(traded);
	// The cost the closed part carried; rounded toward +∞ so realised PnL (−released − paid)
	// never rounds in the account's favour.
	let released = scale_signed(position.cost, closed, held, true)?;
	// The part of the notional that closed; the rest (on a flip) opens the new position.
	// Rounded toward −∞ in signed terms for the same reason.
	let closing_notional = scale_signed(signed_notional, closed, traded, false)?;
	let realized = released.checked_add(closing_notional)?.checked_neg()?;
	let size = position.size.checked_add(qty)?;
	let cost = if traded > held {
		signed_notional.checked_sub(closing_notional)?
	} else {
		position.cost.checked_sub(released)?
	};
	Some(Filled { position: Position { size, cost }, realized })
}

/// The signed market value of `position` at `mark`, rounded against the account (a long's
/// asset down, a short's liability up).
pub fn market_value(
	position: Position,
	mark: FixedU128,
	size_decimals: u8,
	settlement_decimals: u8,
) -> Option<i128> {
	let rounding = if position.size >= 0 { Rounding::Down } else { Rounding::Up };
	let v = i128::try_from(value(
		position.size.unsigned_abs(),
		mark,
		size_decimals,
		settlement_decimals,
		rounding,
	)?)
	.ok()?;
	Some(if position.size >= 0 { v } else { -v })
}

/// Unrealised PnL at `mark`: market value less cost, rounded against the account.
pub fn unrealized(
	position: Position,
	mark: FixedU128,
	size_decimals: u8,
	settlement_decimals: u8,
) -> Option<i128> {
	market_value(position, mark, size_decimals, settlement_decimals)?.checked_sub(position.cost)
}

/// The absolute notional of `position` at `mark`, rounded up (what requirements are based on).
pub fn notional(
	position: Position,
	mark: FixedU128,
	size_decimals: u8,
	settlement_decimals: u8,
) -> Option<u128> {
	value(position.size.unsigned_abs(), mark, size_decimals, settlement_decimals, Rounding::Up)
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn open_add_reduce_close_and_flip() {
		let p = Position::default();
		// Buy 10 for 1,000.
		let f = apply_fill(p, 10, 1_000).unwrap();
		assert_eq!(f, Filled { position: Position { size: 10, cost: 1_000 }, realized: 0 });
		// Buy 10 more for 1,200: average 110.
		let f = apply_fill(f.position, 10, 1_200).unwrap();
		assert_eq!(f.position, Position { size: 20, cost: 2_200 });
		// Sell 5 for 600: releases 550 of cost, realises 50.
		let f = apply_fill(f.position, -5, 600).unwrap();
		assert_eq!(f, Filled { position: Position { size: 15, cost: 1_650 }, realized: 50 });
		// Sell 20 for 2,000 (100 each): closes 15 (released 1,650 vs 1,500), opens short 5.
		let f = apply_fill(f.position, -20, 2_000).unwrap();
		assert_eq!(f.realized, -150);
		assert_eq!(f.position, Position { size: -5, cost: -500 });
		// Buy 5 back for 400: the short made 100.
		let f = apply_fill(f.position, 5, 400).unwrap();
		assert_eq!(f, Filled { position: Position { size: 0, cost: 0 }, realized: 100 });
	}

	#[test]
	fn partial_closes_round_against_the_account() {
		// Long 3 at a cost of 100: closing 1 releases 33.33 → 34, realised 40 − 34 = 6.
		let f = apply_fill(Position { size: 3, cost: 100 }, -1, 40).unwrap();
		assert_eq!(f.realized, 6);
		assert_eq!(f.position.cost, 66);
		// Short 3 having received 100: closing 1 releases −33.33 → −33, realised 33 − 40 = −7.
		let f = apply_fill(Position { size: -3, cost: -100 }, 1, 40).unwrap();
		assert_eq!(f.realized, -7);
		assert_eq!(f.position.cost, -67);
	}

	#[test]
	fn values_round_against_the_account() {
		let mark = FixedU128::from_rational(1, 3);
		// Long 10 units (0 decimals) at 1/3: worth 3 (down); short: owes 4 (up).
		assert_eq!(market_value(Position { size: 10, cost: 0 }, mark, 0, 0), Some(3));
		assert_eq!(market_value(Position { size: -10, cost: 0 }, mark, 0, 0), Some(-4));
		assert_eq!(notional(Position { size: -10, cost: 0 }, mark, 0, 0), Some(4));
		assert_eq!(unrealized(Position { size: 10, cost: 2 }, mark, 0, 0), Some(1));
	}

	proptest! {
		/// Two accounts trading only with each other: their realised plus unrealised PnL never
		/// sums above zero (no value is created), and falls short of zero by at most one unit
		/// per trade (each side's cost split rounds against it; the margin engine books the
		/// realised amounts through the ledger, so the residue stays in its clearing account).
		#[test]
		fn trading_never_creates_value(trades in proptest::collection::vec((-50i128..50, 1u128..500), 1..40), mark in 1u128..500) {
			let (mut a, mut b) = (Position::default(), Position::default());
			let (mut realized_a, mut realized_b) = (0i128, 0i128);
			let mut count = 0i128;
			for (qty, price) in trades {
				if qty == 0 { continue; }
				count += 1;
				let notional = qty.unsigned_abs() * price;
				let fa = apply_fill(a, qty, notional).unwrap();
				let fb = apply_fill(b, -qty, notional).unwrap();
				a = fa.position; b = fb.position;
				realized_a += fa.realized; realized_b += fb.realized;
				prop_assert_eq!(a.size, -b.size);
			}
			let mark = FixedU128::from_u32(mark as u32);
			let total = realized_a + realized_b
				+ unrealized(a, mark, 0, 0).unwrap()
				+ unrealized(b, mark, 0, 0).unwrap();
			prop_assert!(total <= 0, "value created: {}", total);
			prop_assert!(total >= -count, "more than a unit lost per trade: {}", total);
		}

		/// A flat position has no cost left, and the total realised equals proceeds − costs.
		#[test]
		fn closing_realises_everything(open in proptest::collection::vec((1i128..30, 1u128..300), 1..10), close_price in 1u128..300) {
			let mut p = Position::default();
			let mut paid = 0i128;
			for (qty, price) in open {
				let f = apply_fill(p, qty, qty.unsigned_abs() * price).unwrap();
				p = f.position; paid += (qty.unsigned_abs() * price) as i128;
			}
			let proceeds = p.size.unsigned_abs() * close_price;
			let f = apply_fill(p, -p.size, proceeds).unwrap();
			prop_assert_eq!(f.position, Position::default());
			prop_assert_eq!(f.realized, proceeds as i128 - paid);
		}
	}
}
