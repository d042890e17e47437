//! European options as margin instruments: the model mark (Black–76 on the oracle index, with
//! the oracle's implied vol, through `clearinghouse-pricing`), the payoff at expiry, and the
//! standard (non-portfolio) requirement of a short option.
//!
//! **Short-option requirement** per whole unit of the underlying (Deribit's shape):
//!
//! ```text
//! requirement = max(a·S − OTM, b·S) + mark      OTM = max(K − S, 0) for a call,
//!                                                      max(S − K, 0) for a put
//! ```
//!
//! `a` is the market's margin fraction (initial or maintenance), `b ≤ a` the floor that keeps a
//! far out-of-the-money option from needing nothing. The `+ mark` term keeps the premium the
//! seller received locked: equity already counts the option as a liability of `mark`, so the
//! seller needs `max(a·S − OTM, b·S)` of its own beyond what buying the option back costs. A
//! short option **covered** by the underlying (a short call by a long perpetual or future on
//! the same underlying, a short put by a short one) needs only its mark: the covering position
//! carries its own requirement and gains what the option loses.
//!
//! Every rounding is against the account: requirements up, a long option's value down.

use crate::{FixedI128, FixedU128, Permill};
use clearinghouse_pricing::{Fixed, Inputs, Right, Valuation};
use polkadot_sdk::sp_arithmetic::traits::{Saturating, Zero};

/// Milliseconds in the 365-day year the pricing crate's time is measured in.
pub const YEAR_MS: u128 = 365 * 86_400_000;

/// An option's price and Greeks per whole unit of the underlying, as the chain reports them.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Greeks {
	/// The model price (the mark), rounded down to the 18th decimal.
	pub price: FixedU128,
	/// ∂price/∂S.
	pub delta: FixedI128,
	/// ∂²price/∂S².
	pub gamma: FixedI128,
	/// ∂price/∂σ per 1.00 of vol.
	pub vega: FixedI128,
	/// ∂price/∂t per year of calendar time.
	pub theta: FixedI128,
}

fn to_fixed(x: FixedU128) -> Option<Fixed> {
	i128::try_from(x.into_inner()).ok().map(Fixed)
}

fn to_signed(x: Fixed) -> FixedI128 {
	FixedI128::from_inner(x.0)
}

/// The pricing crate's inputs at rate 0, time in years from `ms_to_expiry`.
fn inputs(
	right: Right,
	spot: FixedU128,
	strike: FixedU128,
	vol: FixedU128,
	ms_to_expiry: u64,
) -> Option<Inputs> {
	Some(Inputs {
		right,
		spot: to_fixed(spot)?,
		strike: to_fixed(strike)?,
		vol: to_fixed(vol)?,
		time: Fixed::from_rational(i128::from(ms_to_expiry), YEAR_MS as i128)?,
		rate: Fixed::ZERO,
	})
}

/// Price and Greeks of a `right` option struck at `strike` with `ms_to_expiry` left, on index
/// `spot` at implied `vol` (a fraction: 0.8 = 80%), rate 0. `None` outside the pricing crate's
/// domain (`S/K` outside `[1/100, 100]`, vol above 1,000%, a zero price): the option then has
/// no mark, which the margin engine treats as any missing price.
pub fn model(
	right: Right,
	spot: FixedU128,
	strike: FixedU128,
	vol: FixedU128,
	ms_to_expiry: u64,
) -> Option<Greeks> {
	let inputs = inputs(right, spot, strike, vol, ms_to_expiry)?;
	let Valuation { price, delta, gamma, vega, theta } =
		clearinghouse_pricing::value(&inputs).ok()?;
	// With nothing left to chance the price is the payoff, exactly (the pricing crate works
	// per unit of spot, which leaves a last-digit rounding there).
	let price = if ms_to_expiry == 0 || vol.is_zero() {
		intrinsic(right, spot, strike)
	} else {
		FixedU128::from_inner(u128::try_from(price.0.max(0)).ok()?)
	};
	Some(Greeks {
		price,
		delta: to_signed(delta),
		gamma: to_signed(gamma),
		vega: to_signed(vega),
		theta: to_signed(theta),
	})
}

/// The model price alone (as [`model`]'s, without the Greeks): what marks and margin
/// scenarios need. `None` where [`model`] is.
pub fn price(
	right: Right,
	spot: FixedU128,
	strike: FixedU128,
	vol: FixedU128,
	ms_to_expiry: u64,
) -> Option<FixedU128> {
	if ms_to_expiry == 0 || vol.is_zero() {
		// As `model`: the payoff exactly (the domain still checked).
		inputs(right, spot, strike, vol, ms_to_expiry)?.check().ok()?;
		return Some(intrinsic(right, spot, strike));
	}
	let p = clearinghouse_pricing::price(&inputs(right, spot, strike, vol, ms_to_expiry)?).ok()?;
	Some(FixedU128::from_inner(u128::try_from(p.0.max(0)).ok()?))
}

/// The implied vol at which the model gives `price` (within 10^−8 of the spot), `None` if no
/// vol in 0.1%–1,000% does (a price outside the no-arbitrage bounds) or outside the domain.
pub fn implied_vol(
	right: Right,
	spot: FixedU128,
	strike: FixedU128,
	price: FixedU128,
	ms_to_expiry: u64,
) -> Option<FixedU128> {
	let inputs = inputs(right, spot, strike, FixedU128::zero(), ms_to_expiry)?;
	let tolerance = Fixed(inputs.spot.0 / 100_000_000);
	let vol = clearinghouse_pricing::implied_vol(&inputs, to_fixed(price)?, tolerance).ok()?;
	Some(FixedU128::from_inner(u128::try_from(vol.0).ok()?))
}

/// What the option pays per whole unit at `price`: `max(S − K, 0)` for a call, `max(K − S, 0)`
/// for a put.
pub fn intrinsic(right: Right, price: FixedU128, strike: FixedU128) -> FixedU128 {
	match right {
		Right::Call => price.saturating_sub(strike),
		Right::Put => strike.saturating_sub(price),
	}
}

/// How far out of the money the option is at `spot` (zero in the money).
pub fn out_of_the_money(right: Right, spot: FixedU128, strike: FixedU128) -> FixedU128 {
	match right {
		Right::Call => strike.saturating_sub(spot),
		Right::Put => spot.saturating_sub(strike),
	}
}

/// `fraction · x`, rounded up.
fn part_up(fraction: Permill, x: FixedU128) -> FixedU128 {
	FixedU128::from_inner(fraction.mul_ceil(x.into_inner()))
}

/// The requirement per whole unit of a short option (see the module docs):
/// `max(a·S − OTM, b·S) + mark`, or just `mark` when `covered`. Saturating (a price beyond
/// `FixedU128` is not reachable from oracle prices).
pub fn short_requirement_price(
	right: Right,
	spot: FixedU128,
	strike: FixedU128,
	mark: FixedU128,
	a: Permill,
	b: Permill,
	covered: bool,
) -> FixedU128 {
	if covered {
		return mark;
	}
	let otm = out_of_the_money(right, spot, strike);
	let base = part_up(a, spot).saturating_sub(otm).max(part_up(b, spot));
	base.saturating_add(mark)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn p(x: u128) -> FixedU128 {
		FixedU128::from_u32(x as u32)
	}

	#[test]
	fn intrinsic_and_out_of_the_money_are_the_two_halves_of_the_distance_to_the_strike() {
		for (s, k) in [(90u128, 100u128), (100, 100), (130, 100)] {
			for right in [Right::Call, Right::Put] {
				let i = intrinsic(right, p(s), p(k));
				let o = out_of_the_money(right, p(s), p(k));
				// One of the two is zero, and together they are |S − K|.
				assert!(i.is_zero() || o.is_zero());
				assert_eq!(i + o, p(s.abs_diff(k)));
			}
		}
		assert_eq!(intrinsic(Right::Call, p(130), p(100)), p(30));
		assert_eq!(intrinsic(Right::Put, p(90), p(100)), p(10));
	}

	#[test]
	fn short_requirement_follows_the_documented_shape() {
		let (a, b) = (Permill::from_percent(15), Permill::from_percent(10));
		// At the money: a·S + mark = 15 + 4.
		assert_eq!(short_requirement_price(Right::Call, p(100), p(100), p(4), a, b, false), p(19));
		// 3 out of the money: 15 − 3 = 12 > 10.
		assert_eq!(short_requirement_price(Right::Call, p(100), p(103), p(2), a, b, false), p(14));
		// Far out of the money: the floor b·S = 10.
		assert_eq!(short_requirement_price(Right::Put, p(100), p(50), p(0), a, b, false), p(10));
		// In the money: no OTM deduction (the mark carries the intrinsic value).
		assert_eq!(short_requirement_price(Right::Put, p(100), p(120), p(21), a, b, false), p(36));
		// Covered: the mark alone.
		assert_eq!(short_requirement_price(Right::Call, p(100), p(100), p(4), a, b, true), p(4));
	}

	#[test]
	fn the_model_mark_is_the_pricing_crates_price_and_meets_intrinsic_at_expiry() {
		let g =
			model(Right::Call, p(100), p(100), FixedU128::from_rational(8, 10), 30 * 86_400_000)
				.unwrap();
		// ATM 30-day call at 80% vol ≈ 0.4·σ·√T·S = 0.4·0.8·0.2867·100 ≈ 9.1.
		assert!(g.price > p(9) && g.price < p(10), "{:?}", g.price);
		assert!(g.delta > FixedI128::from_rational(1, 2));
		// At expiry: the payoff.
		let at = model(Right::Put, p(90), p(100), FixedU128::from_rational(8, 10), 0).unwrap();
		assert_eq!(at.price, p(10));
		assert_eq!(at.delta, FixedI128::from(-1));
		// Vol 0 before expiry: the payoff too (rate 0).
		let flat = model(Right::Call, p(120), p(100), FixedU128::zero(), 86_400_000).unwrap();
		assert_eq!(flat.price, p(20));
	}

	#[test]
	fn the_price_alone_is_the_models_price() {
		let vol = FixedU128::from_rational(8, 10);
		for (right, strike, days) in
			[(Right::Call, 45_000, 30), (Right::Put, 52_000, 1), (Right::Call, 60_000, 0)]
		{
			let left = days * 86_400_000;
			assert_eq!(
				price(right, p(50_000), p(strike), vol, left),
				model(right, p(50_000), p(strike), vol, left).map(|g| g.price)
			);
		}
		assert_eq!(price(Right::Call, p(100), p(100), p(11), 86_400_000), None);
	}

	#[test]
	fn the_implied_vol_of_a_model_price_is_the_vol_it_was_priced_at() {
		let vol = FixedU128::from_rational(65, 100);
		let left = 45 * 86_400_000;
		let price = model(Right::Put, p(50_000), p(47_000), vol, left).unwrap().price;
		let implied = implied_vol(Right::Put, p(50_000), p(47_000), price, left).unwrap();
		let miss = implied.into_inner().abs_diff(vol.into_inner());
		assert!(miss < 1_000_000_000_000, "{implied:?}");
		// Below the intrinsic value no vol gives the price.
		assert!(implied_vol(Right::Call, p(60_000), p(50_000), p(9_000), left).is_none());
	}

	#[test]
	fn extreme_inputs_have_no_mark_instead_of_a_panic_or_a_wrong_number() {
		let vol = FixedU128::from_rational(8, 10);
		// A spot near zero: S/K below 1/100.
		assert!(model(Right::Put, FixedU128::from_inner(1), p(100), vol, 86_400_000).is_none());
		// Vol above 1,000%.
		assert!(model(Right::Call, p(100), p(100), p(11), 86_400_000).is_none());
		// 1,000% is still priced (and worth less than the spot).
		let g = model(Right::Call, p(100), p(100), p(10), 86_400_000 * 365).unwrap();
		assert!(g.price < p(100));
		// The largest expiry a u64 holds is outside the pricing domain, not a panic.
		assert!(model(Right::Call, p(100), p(100), vol, u64::MAX).is_none());
	}

	proptest::proptest! {
		/// The requirement never falls below the floor plus the mark, never below `a·S − OTM`
		/// plus the mark, and covering only lowers it.
		#[test]
		fn short_requirement_bounds(
			spot in 1u32..1_000_000, strike in 1u32..1_000_000, mark in 0u32..1_000_000,
			a in 1u32..1_000_000, b_share in 0u32..=1_000_000, call: bool,
		) {
			let right = if call { Right::Call } else { Right::Put };
			let (a, b) = (Permill::from_parts(a), Permill::from_parts(b_share).mul_floor(a));
			let (s, k, m) = (p(spot.into()), p(strike.into()), p(mark.into()));
			let b = Permill::from_parts(b);
			let naked = short_requirement_price(right, s, k, m, a, b, false);
			let covered = short_requirement_price(right, s, k, m, a, b, true);
			proptest::prop_assert!(naked >= part_up(b, s) + m);
			proptest::prop_assert!(naked >= part_up(a, s).saturating_sub(out_of_the_money(right, s, k)) + m);
			proptest::prop_assert!(covered <= naked);
		}
	}
}
