//! # Option pricing in deterministic fixed point
//!
//! European call and put prices, Greeks and implied volatility under Black–Scholes on the
//! oracle's index price `S` with a continuously compounded rate `r` (default 0, where it is
//! Black–76 on `F = S`):
//!
//! ```text
//! d1 = (ln(S/K) + (r + σ²/2)·T) / (σ·√T),   d2 = d1 − σ·√T
//! call = S·N(d1) − K·e^(−rT)·N(d2)          put = K·e^(−rT)·N(−d2) − S·N(−d1)
//! delta = N(d1) (call), N(d1) − 1 (put)     gamma = φ(d1) / (S·σ·√T)
//! vega = S·φ(d1)·√T (per 1.00 of vol)       theta = −S·φ(d1)·σ / (2√T) ∓ r·K·e^(−rT)·N(±d2)
//! ```
//!
//! All values are [`Fixed`] (18 decimals, the scale of `sp_arithmetic::FixedU128`); time is in
//! years (365-day), vol and rate as fractions (0.8 = 80%). Theta is per year (divide by 365 for
//! a day).
//!
//! ## Domain and errors
//!
//! [`Inputs::check`] accepts `0 < S, K ≤ 10^12`, `S/K` in `[1/100, 100]`, `0 ≤ σ ≤ 10`,
//! `0 ≤ T ≤ 10` years and `|r| ≤ 1`; anything else is [`Error::OutOfDomain`], never a panic or
//! a silently wrong number. Within the domain:
//!
//! * Accuracy (tested against an independent double-precision reference over moneyness S/K
//!   0.5–2, vol 5%–150%, expiry 1 day–2 years): price within 10^−8 of `S` (per unit of the
//!   underlying's price), each Greek within 10^−6 in the same normalisation (delta as is,
//!   gamma·S, vega/S, theta/S). The arithmetic is good to about 10^−15 (Φ to 10^−17 against
//!   mpmath); the bounds leave room, and the double-precision reference is itself only good to
//!   about 10^−11 in places.
//! * Where the option is all but certain (σ·√T below 10^−9: vol 0, expiry now) the price is
//!   the discounted intrinsic value `max(S − K·e^(−rT), 0)` (call) and the Greeks those of the
//!   payoff (delta 0 or ±1, gamma and vega 0); deep in or out of the money `N(d)` is 0 or 1 to
//!   the scale, so prices meet intrinsic value continuously. Up to 1,000% vol is accepted.
//! * An arithmetic overflow inside the domain cannot happen for the bounds above; were it to,
//!   it is [`Error::Overflow`].
//!
//! ## Why hand-written
//!
//! The runtime needs bit-identical results on every node, so no floats. The no_std fixed-point
//! crates at hand do not fit: `sp_arithmetic`'s `FixedI128` has no `exp`/`ln`/normal
//! distribution, and general libraries (`fixed` + `cordic`) give about 10^−10 on these
//! functions, short of the 10^−8 price bound once errors compound through `N(d)` and the
//! strike term. This crate has no dependencies; `exp`, `ln` and `sqrt` are short series and Φ
//! a generated polynomial table, each with documented error (see [`fixed`]).
//!
//! ## Many revaluations
//!
//! [`price`] skips the Greeks; a [`Revaluer`] keeps everything of one option at one vol and
//! time that does not depend on the spot and prices it at a spot in two table lookups of Φ
//! and a few binary fixed-point products (what a margin scenario grid needs).

#![cfg_attr(not(feature = "std"), no_std)]

pub mod fixed;
mod ncdf_table;

use fixed::{exp, ln, ncdf, ncdf_and_density, sqrt};
pub use fixed::{Fixed, Overflow, SCALE};

/// Why a price could not be given.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Error {
	/// An input is outside the documented domain (see the crate docs).
	OutOfDomain,
	/// An intermediate result left the fixed-point range (not expected within the domain).
	Overflow,
	/// No volatility in the searched range reproduces the price (it is below the option's
	/// lower no-arbitrage bound or above its upper one).
	NoImpliedVol,
}

impl From<Overflow> for Error {
	fn from(_: Overflow) -> Self {
		Error::Overflow
	}
}

/// Call or put.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Right {
	/// The right to buy at the strike.
	Call,
	/// The right to sell at the strike.
	Put,
}

/// What prices an option.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Inputs {
	/// Call or put.
	pub right: Right,
	/// The underlying's index price.
	pub spot: Fixed,
	/// The strike.
	pub strike: Fixed,
	/// Annualised volatility (0.8 = 80%).
	pub vol: Fixed,
	/// Time to expiry in years.
	pub time: Fixed,
	/// Continuously compounded rate (0 for Black–76 on the index).
	pub rate: Fixed,
}

/// Price and Greeks of one option on one unit of the underlying.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Valuation {
	/// The premium.
	pub price: Fixed,
	/// ∂price/∂S.
	pub delta: Fixed,
	/// ∂²price/∂S².
	pub gamma: Fixed,
	/// ∂price/∂σ, per 1.00 of vol.
	pub vega: Fixed,
	/// ∂price/∂t (calendar time passing), per year.
	pub theta: Fixed,
}

/// The largest price either of spot and strike may take.
const MAX_PRICE: i128 = 1_000_000_000_000 * SCALE;
/// Below this σ·√T the option is priced at its intrinsic value.
const MIN_DEVIATION: i128 = SCALE / 1_000_000_000;

impl Inputs {
	/// `Ok` if the inputs are in the documented domain.
	pub fn check(&self) -> Result<(), Error> {
		let in_range = |x: Fixed, lo: i128, hi: i128| x.0 >= lo && x.0 <= hi;
		let ok = in_range(self.spot, 1, MAX_PRICE)
			&& in_range(self.strike, 1, MAX_PRICE)
			&& in_range(self.vol, 0, 10 * SCALE)
			&& in_range(self.time, 0, 10 * SCALE)
			&& in_range(self.rate, -SCALE, SCALE);
		if !ok {
			return Err(Error::OutOfDomain);
		}
		// Moneyness within [1/100, 100].
		let (s, k) = (self.spot.0, self.strike.0);
		if s > k.saturating_mul(100) || k > s.saturating_mul(100) {
			return Err(Error::OutOfDomain);
		}
		Ok(())
	}
}

/// Price and Greeks of `inputs` (see the crate docs for the formulas and the domain).
pub fn value(inputs: &Inputs) -> Result<Valuation, Error> {
	inputs.check()?;
	let Inputs { right, spot, strike, vol, time, rate } = *inputs;
	// Everything per unit of the spot price: k = K/S, then scaled back by S at the end.
	let k = strike.try_div(spot)?;
	let discount = exp(rate.checked_mul(time)?.try_neg()?)?;
	let k_disc = k.checked_mul(discount)?;
	let root_t = sqrt(time)?;
	let deviation = vol.checked_mul(root_t)?;
	let unit = if deviation.0 < MIN_DEVIATION {
		intrinsic(right, k_disc)?
	} else {
		// d1 = (ln(1/k) + (r + σ²/2)·T) / (σ√T)
		let drift = rate.try_add(vol.checked_mul(vol)?.div_int(2))?.checked_mul(time)?;
		let d1 = ln(k)?.try_neg()?.try_add(drift)?.try_div(deviation)?;
		let d2 = d1.try_sub(deviation)?;
		let (n1, density) = ncdf_and_density(d1)?;
		let n2 = ncdf(d2)?;
		// −φ(d1)·σ / (2√T), per unit of spot.
		let decay = density.checked_mul(vol)?.try_div(Fixed(2 * root_t.0))?.try_neg()?;
		let carry = rate.checked_mul(k_disc)?;
		let (price, delta, theta) = match right {
			Right::Call => {
				(n1.try_sub(k_disc.checked_mul(n2)?)?, n1, decay.try_sub(carry.checked_mul(n2)?)?)
			},
			Right::Put => {
				let (m1, m2) = (Fixed::ONE.try_sub(n1)?, Fixed::ONE.try_sub(n2)?);
				(
					k_disc.checked_mul(m2)?.try_sub(m1)?,
					n1.try_sub(Fixed::ONE)?,
					decay.try_add(carry.checked_mul(m2)?)?,
				)
			},
		};
		Valuation {
			// A price is never below zero: rounding at the last digit of a worthless option.
			price: Fixed(price.0.max(0)),
			delta,
			gamma: density.try_div(deviation)?,
			vega: density.checked_mul(root_t)?,
			theta,
		}
	};
	// Back from per-unit-of-spot: price, vega, theta scale with S, gamma with 1/S.
	Ok(Valuation {
		price: unit.price.checked_mul(spot)?,
		delta: unit.delta,
		gamma: unit.gamma.try_div(spot)?,
		vega: unit.vega.checked_mul(spot)?,
		theta: unit.theta.checked_mul(spot)?,
	})
}

/// The price alone of `inputs` (as [`value`]'s `price`, without the Greeks: the density is
/// not needed, so no `exp` of `d1²`). What margin scenarios revalue options with.
pub fn price(inputs: &Inputs) -> Result<Fixed, Error> {
	inputs.check()?;
	let Inputs { right, spot, strike, vol, time, rate } = *inputs;
	let k = strike.try_div(spot)?;
	let discount =
		if rate.0 == 0 { Fixed::ONE } else { exp(rate.checked_mul(time)?.try_neg()?)? };
	let k_disc = k.checked_mul(discount)?;
	let deviation = vol.checked_mul(sqrt(time)?)?;
	let unit = if deviation.0 < MIN_DEVIATION {
		intrinsic(right, k_disc)?.price
	} else {
		let drift = rate.try_add(vol.checked_mul(vol)?.div_int(2))?.checked_mul(time)?;
		let d1 = ln(k)?.try_neg()?.try_add(drift)?.try_div(deviation)?;
		let d2 = d1.try_sub(deviation)?;
		let (n1, n2) = (ncdf(d1)?, ncdf(d2)?);
		let p = match right {
			Right::Call => n1.try_sub(k_disc.checked_mul(n2)?)?,
			Right::Put => {
				k_disc.checked_mul(Fixed::ONE.try_sub(n2)?)?.try_sub(Fixed::ONE.try_sub(n1)?)?
			},
		};
		Fixed(p.0.max(0))
	};
	Ok(unit.checked_mul(spot)?)
}

/// One option at one vol and time, revalued at many spots (rate 0): what a margin scenario
/// grid needs. Everything that does not depend on the spot — `σ√T`, its inverse, `σ²T/2` —
/// is computed once; each [`Revaluer::price`] then costs two normal distributions and a few
/// products, given `ln(S/K)` (which a grid of relative moves gets by adding `ln(1 + m)` to
/// the option's own `ln(S/K)`, both computed once).
#[derive(Clone, Copy, Debug)]
pub struct Revaluer {
	right: Right,
	strike: Fixed,
	/// `σ√T`, `1/(σ√T)` and `σ²T/2` in 60-bit binary fixed point; no deviation: the payoff.
	deviation: i128,
	inverse_deviation: i128,
	half_variance: i128,
	payoff_only: bool,
}

/// The largest `σ√T` a [`Revaluer`] takes (exclusive): 11.
const MAX_REVALUER_DEVIATION: i128 = 11 * SCALE;

/// `ln 100`: the moneyness bound of the domain, as a log.
const LN_100: Fixed = Fixed(4_605_170_185_988_091_368);

/// `a · b` in binary fixed point, saturating to ±2^70 (Φ is 0 or 1 far before).
fn mul_q_saturating(a: i128, b: i128) -> i128 {
	match a.checked_mul(b) {
		Some(p) => (p + (1 << 59)) >> 60,
		None if (a < 0) != (b < 0) => -(1 << 70),
		None => 1 << 70,
	}
}

/// `v · n / 2^60` for `0 ≤ v < 2^127` and `0 ≤ n ≤ 2^60`, rounded: a price scaled by a
/// probability, in 192 bits without a division.
fn scale_by(v: i128, n: i128) -> i128 {
	let (hi, lo) = (v >> 64, v & ((1 << 64) - 1));
	((hi * n) << 4) + ((lo * n + (1 << 59)) >> 60)
}

impl Revaluer {
	/// The option `right` struck at `strike`, at `vol` with `time` (years) to expiry, rate 0.
	/// [`Error::OutOfDomain`] outside the domain's strike, vol and time bounds.
	pub fn new(right: Right, strike: Fixed, vol: Fixed, time: Fixed) -> Result<Self, Error> {
		Self::with_root_time(right, strike, vol, time, sqrt(time)?)
	}

	/// As [`Revaluer::new`] with `√time` given (revaluers at several vols of one expiry
	/// share it).
	pub fn with_root_time(
		right: Right,
		strike: Fixed,
		vol: Fixed,
		time: Fixed,
		root_time: Fixed,
	) -> Result<Self, Error> {
		Inputs { right, spot: strike, strike, vol, time, rate: Fixed::ZERO }.check()?;
		let deviation = vol.checked_mul(root_time)?;
		// σ√T ≥ 11 (vol near the domain's 1,000% over years) would overflow σ²T/2 in binary
		// fixed point: such an option is refused here (a scenario grid then takes its
		// no-arbitrage bound), `price` still values it.
		if deviation.0 >= MAX_REVALUER_DEVIATION {
			return Err(Error::OutOfDomain);
		}
		let payoff_only = deviation.0 < MIN_DEVIATION;
		let deviation_q = fixed::q::from_small(deviation.0);
		// 1/(σ√T) in binary fixed point: 2^120 / (σ√T · 2^60), one 128-bit division.
		let inverse_deviation = if payoff_only || deviation_q <= 0 {
			0
		} else {
			((1i128 << 120) + deviation_q / 2) / deviation_q
		};
		Ok(Self {
			right,
			strike,
			deviation: deviation_q,
			inverse_deviation,
			half_variance: fixed::q::mul(deviation_q, deviation_q) / 2,
			payoff_only,
		})
	}

	/// The price at `spot`, given `ln_moneyness` = `ln(spot / strike)`: [`price`] of the
	/// same inputs to within 10^−15 of the spot. [`Error::OutOfDomain`] for a spot outside the
	/// domain or a moneyness beyond 1/100–100.
	pub fn price(&self, spot: Fixed, ln_moneyness: Fixed) -> Result<Fixed, Error> {
		Ok(self.price_and_delta(spot, ln_moneyness)?.0)
	}

	/// [`Revaluer::price`] and the delta there — `Φ(d1)` for a call, `Φ(d1) − 1` for a put
	/// (the payoff's 0 or ±1 with no deviation left) — from one `d1`.
	pub fn price_and_delta(
		&self,
		spot: Fixed,
		ln_moneyness: Fixed,
	) -> Result<(Fixed, Fixed), Error> {
		if spot.0 < 1 || spot.0 > MAX_PRICE || ln_moneyness.0.unsigned_abs() > LN_100.0 as u128 {
			return Err(Error::OutOfDomain);
		}
		let (s, k) = (spot.0, self.strike.0);
		let one = 1i128 << 60;
		let delta = |n1: i128| {
			fixed::q::to_fixed(match self.right {
				Right::Call => n1,
				Right::Put => n1 - one,
			})
		};
		if self.payoff_only {
			let payoff = match self.right {
				Right::Call => s - k,
				Right::Put => k - s,
			};
			let n1 = if ln_moneyness.0 > 0 { one } else { 0 };
			return Ok((Fixed(payoff.max(0)), delta(n1)));
		}
		// In binary fixed point throughout: d1, d2 and Φ, then the two products.
		let x = fixed::q::from_small(ln_moneyness.0) + self.half_variance;
		let d1 = mul_q_saturating(x, self.inverse_deviation);
		let d2 = d1 - self.deviation;
		let (n1, n2) = (fixed::ncdf_q(d1), fixed::ncdf_q(d2));
		let p = match self.right {
			Right::Call => scale_by(s, n1) - scale_by(k, n2),
			Right::Put => scale_by(k, one - n2) - scale_by(s, one - n1),
		};
		Ok((Fixed(p.max(0)), delta(n1)))
	}
}

/// The payoff's value and Greeks per unit of spot when nothing is left to chance:
/// `max(1 − k·e^(−rT), 0)` for a call, `max(k·e^(−rT) − 1, 0)` for a put.
fn intrinsic(right: Right, k_disc: Fixed) -> Result<Valuation, Error> {
	let (price, delta) = match right {
		Right::Call if k_disc.0 < SCALE => (Fixed::ONE.try_sub(k_disc)?, Fixed::ONE),
		Right::Put if k_disc.0 > SCALE => (k_disc.try_sub(Fixed::ONE)?, Fixed::ONE.try_neg()?),
		_ => (Fixed::ZERO, Fixed::ZERO),
	};
	Ok(Valuation { price, delta, ..Default::default() })
}

/// The volatility at which `inputs` (its `vol` ignored) is worth `price`, within
/// `tolerance` of the price: Newton steps on vega, kept inside a bisection bracket over
/// `[0.1%, 1,000%]`, at most 100 evaluations. [`Error::NoImpliedVol`] if the price is
/// outside what that range of vols gives.
pub fn implied_vol(inputs: &Inputs, price: Fixed, tolerance: Fixed) -> Result<Fixed, Error> {
	let at = |vol: Fixed| value(&Inputs { vol, ..*inputs });
	let (mut lo, mut hi) = (Fixed(SCALE / 1_000), Fixed(10 * SCALE));
	if price.0 < at(lo)?.price.0 - tolerance.0 || price.0 > at(hi)?.price.0 + tolerance.0 {
		return Err(Error::NoImpliedVol);
	}
	let mut vol = Fixed(SCALE / 2);
	for _ in 0..100 {
		let v = at(vol)?;
		let miss = v.price.try_sub(price)?;
		if miss.abs()?.0 <= tolerance.0 {
			return Ok(vol);
		}
		// The price rises with vol: shrink the bracket to the side the root is on.
		if miss.0 > 0 {
			hi = vol;
		} else {
			lo = vol;
		}
		let newton = if v.vega.0 > 0 { vol.try_sub(miss.try_div(v.vega)?).ok() } else { None };
		vol = match newton {
			Some(next) if next.0 > lo.0 && next.0 < hi.0 => next,
			_ => Fixed((lo.0 + hi.0) / 2),
		};
	}
	Err(Error::NoImpliedVol)
}
