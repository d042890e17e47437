//! Portfolio (scenario) margin: an account's positions revalued, per underlying, under a
//! governance-set grid of price moves and implied-vol shocks, the worst loss being the
//! requirement (SPAN's and Deribit's portfolio margin, in deterministic fixed point).
//!
//! ## The grid
//!
//! Per underlying, with `S` its index and `R` the price range:
//!
//! * **ordinary scenarios**: the price moves `−R … +R` in `price_steps` equal steps (an odd
//!   count includes "no move"), each with the implied vol shocked **up** and **down**;
//! * **extreme scenarios**: `±extreme_multiple × R` with the vol up, their loss counted at
//!   `extreme_fraction` (SPAN's extreme moves);
//! * every scenario also lets the margin period of risk (`decay_ms`) pass for options.
//!
//! A vol shock is relative (`σ → σ·(1 ± shock)`) and grows for short expiries as
//! `(30 days / T)^p` (`T` at least one day, Deribit's scaling), capped at a 100% rise and a
//! 90% fall. The default grid is 13 price steps over ±15%, vol +45% / −30% at 30 days with
//! `p = 0.3`, extremes at ±45% counted at 33%, one day of decay: 28 scenarios.
//!
//! ## The requirement
//!
//! Per underlying: the **scan loss** (the worst weighted scenario loss, never negative) plus a
//! **short-option minimum** (per short option unit a share of the spot: a far out-of-the-money
//! short is never free) plus a **concentration add-on** (per position a rate of its notional
//! times its share of the market's open interest). Across underlyings, a governance list of
//! **correlation credits** `(a, b, c)`: when the two underlyings' net deltas have opposite
//! signs (one hedges the other), `c × min(L_a, L_b) × h` comes off, `L` the scan losses (never
//! the add-ons) and `h` the hedged share, the smaller delta notional over the larger (a small
//! hedge earns a small credit); each underlying's scan loss is credited at most once in all
//! (pairs in list order). `IM` = the sum less the credits, `MM = mm_ratio × IM`.
//!
//! Every rounding is against the account: losses and add-ons up, gains down. A revaluation the
//! pricing cannot give (a scenario pushing an option outside the pricing domain) takes the
//! no-arbitrage bound against the holder: a long option worth nothing, a short one owing the
//! spot (a call) or the strike (a put). The cost is linear in positions × scenarios: one model
//! price per option per scenario.

use alloc::vec::Vec;

use crate::{options, units, FixedI128, FixedU128, Permill, Rounding};
use clearinghouse_pricing::{
	fixed::{exp, ln},
	Fixed, Revaluer, Right, SCALE,
};
use polkadot_sdk::sp_arithmetic::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{Saturating, Zero},
	FixedPointNumber,
};

/// The most scenarios a grid may have.
pub const MAX_SCENARIOS: usize = 64;
/// The largest correlation credit governance may give a pair.
pub const MAX_CREDIT: Permill = Permill::from_percent(50);
/// The longest margin period of risk (ms): a week.
pub const MAX_DECAY_MS: u64 = 7 * DAY_MS;
const DAY_MS: u64 = 86_400_000;

/// The model's parameters, set by governance (see the module docs; bounds in
/// [`ModelParams::check`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ModelParams {
	/// The largest ordinary price move, a share of the spot (at most 50%).
	pub price_range: Permill,
	/// How many ordinary price moves, `−range … +range` in equal steps (1 to 31).
	pub price_steps: u32,
	/// The relative vol rise at 30 days to expiry.
	pub vol_up: Permill,
	/// The relative vol fall at 30 days to expiry (below 100%).
	pub vol_down: Permill,
	/// `p` of the shock scaling `(30 days / T)^p` (at most 1).
	pub vol_scaling: Permill,
	/// Extreme moves are `±extreme_multiple × price_range` (0: none; the move below 100%).
	pub extreme_multiple: u8,
	/// The share of an extreme scenario's loss that counts.
	pub extreme_fraction: Permill,
	/// The margin period of risk (ms) options decay over in every scenario (at most a week).
	pub decay_ms: u64,
	/// Per short option unit, this share of the spot is added (at most 10%).
	pub short_option_minimum: Permill,
	/// Per position, this rate × its notional × its share of open interest is added.
	pub concentration: Permill,
	/// `MM = mm_ratio × IM` (strictly between 0 and 1).
	pub mm_ratio: Permill,
}

impl Default for ModelParams {
	/// 28 scenarios: 13 price moves over ±15% × vol +45% / −30% (at 30 days, `p` = 0.3),
	/// extremes ±45% at 33%; a day of decay; 1% short-option minimum; 10% concentration rate;
	/// maintenance at 70% of initial.
	fn default() -> Self {
		Self {
			price_range: Permill::from_percent(15),
			price_steps: 13,
			vol_up: Permill::from_percent(45),
			vol_down: Permill::from_percent(30),
			vol_scaling: Permill::from_percent(30),
			extreme_multiple: 3,
			extreme_fraction: Permill::from_percent(33),
			decay_ms: DAY_MS,
			short_option_minimum: Permill::from_percent(1),
			concentration: Permill::from_percent(10),
			mm_ratio: Permill::from_percent(70),
		}
	}
}

/// Why parameters are refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ParamsError {
	/// No price steps: no scenario at all.
	NoScenarios,
	/// More than [`MAX_SCENARIOS`] scenarios.
	TooManyScenarios,
	/// A price range of zero or above 50%, or extreme moves of 100% or more.
	PriceRangeOutOfBounds,
	/// A vol fall of 100% (a zero vol is no scenario).
	VolShockOutOfBounds,
	/// A margin period of risk above a week.
	DecayOutOfBounds,
	/// A short-option minimum above 10%.
	ShortMinimumOutOfBounds,
	/// A maintenance ratio of 0 or 100%.
	MaintenanceRatio,
	/// A correlation credit above [`MAX_CREDIT`], or a pair of one underlying with itself.
	CreditAboveBound,
}

impl ModelParams {
	/// How many scenarios the grid has.
	pub fn scenario_count(&self) -> usize {
		let extremes = if self.extreme_multiple > 0 { 2 } else { 0 };
		(self.price_steps as usize).saturating_mul(2).saturating_add(extremes)
	}

	/// `Ok` if every parameter is inside its documented bounds.
	pub fn check(&self) -> Result<(), ParamsError> {
		if self.price_steps == 0 {
			return Err(ParamsError::NoScenarios);
		}
		if self.scenario_count() > MAX_SCENARIOS || self.price_steps > 31 {
			return Err(ParamsError::TooManyScenarios);
		}
		let extreme = u64::from(self.price_range.deconstruct())
			.saturating_mul(u64::from(self.extreme_multiple.max(1)));
		if self.price_range.is_zero()
			|| self.price_range > Permill::from_percent(50)
			|| extreme >= 1_000_000
		{
			return Err(ParamsError::PriceRangeOutOfBounds);
		}
		if self.vol_down == Permill::one() {
			return Err(ParamsError::VolShockOutOfBounds);
		}
		if self.decay_ms > MAX_DECAY_MS {
			return Err(ParamsError::DecayOutOfBounds);
		}
		if self.short_option_minimum > Permill::from_percent(10) {
			return Err(ParamsError::ShortMinimumOutOfBounds);
		}
		if self.mm_ratio.is_zero() || self.mm_ratio == Permill::one() {
			return Err(ParamsError::MaintenanceRatio);
		}
		Ok(())
	}

	/// The grid's scenarios, ordinary ones first (by price move, vol up then down), then the
	/// extremes (down, up).
	pub fn scenarios(&self) -> Vec<Scenario> {
		let mut out = Vec::with_capacity(self.scenario_count());
		let range = i64::from(self.price_range.deconstruct());
		let steps = i64::from(self.price_steps);
		for i in 0..steps {
			let price_move = if steps == 1 { 0 } else { -range + 2 * range * i / (steps - 1) };
			for vol_up in [true, false] {
				out.push(Scenario {
					price_move: price_move as i32,
					vol_up,
					weight: Permill::one(),
				});
			}
		}
		if self.extreme_multiple > 0 {
			let extreme = range * i64::from(self.extreme_multiple);
			for price_move in [-extreme, extreme] {
				out.push(Scenario {
					price_move: price_move as i32,
					vol_up: true,
					weight: self.extreme_fraction,
				});
			}
		}
		out
	}
}

/// `Ok` if every credit is within [`MAX_CREDIT`] and pairs two different underlyings.
pub fn check_credits<K: PartialEq>(credits: &[(K, K, Permill)]) -> Result<(), ParamsError> {
	if credits.iter().any(|(a, b, c)| a == b || *c > MAX_CREDIT) {
		return Err(ParamsError::CreditAboveBound);
	}
	Ok(())
}

/// One scenario of the grid.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Scenario {
	/// The price move, parts per million of the spot (signed).
	pub price_move: i32,
	/// Whether the vol is shocked up (else down).
	pub vol_up: bool,
	/// The share of its loss that counts (extremes: less than all).
	pub weight: Permill,
}

/// An underlying's prices now.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct UnderlyingState<K> {
	/// The underlying.
	pub underlying: K,
	/// Its index.
	pub spot: FixedU128,
	/// The implied vol its options are marked at; `None` if it has none (then it may hold no
	/// options).
	pub vol: Option<FixedU128>,
}

/// What a position is, for revaluation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
	/// A perpetual or dated future: its value moves with the index, one for one.
	Linear,
	/// A European option.
	Option {
		/// Call or put.
		right: Right,
		/// The strike.
		strike: FixedU128,
		/// Time left to expiry (ms).
		ms_to_expiry: u64,
	},
}

/// One position of the account.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Holding<K> {
	/// Its underlying.
	pub underlying: K,
	/// What it is.
	pub kind: Kind,
	/// Signed quantity (long > 0) in size units.
	pub quantity: i128,
	/// Decimals of the size unit.
	pub size_decimals: u8,
	/// The market's open interest (size units, one side), for the concentration add-on.
	pub open_interest: u128,
}

/// One underlying's risk: the PnL of every scenario and what the requirement is made of.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnderlyingRisk<K> {
	/// The underlying.
	pub underlying: K,
	/// The PnL of each scenario (settlement units, unweighted), in grid order.
	pub pnl: Vec<i128>,
	/// The scenario with the largest weighted loss (`None`: no scenario loses).
	pub worst: Option<u16>,
	/// The largest weighted scenario loss, or zero.
	pub scan_loss: u128,
	/// The short-option minimum.
	pub short_option_minimum: u128,
	/// The concentration add-on.
	pub concentration: u128,
	/// Net delta in whole units of the underlying (for the correlation credits).
	pub delta: FixedI128,
	/// `scan_loss + short_option_minimum + concentration`.
	pub requirement: u128,
}

/// An account's whole risk array and requirement.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RiskArray<K> {
	/// The grid.
	pub scenarios: Vec<Scenario>,
	/// Per underlying held, in the order first held.
	pub underlyings: Vec<UnderlyingRisk<K>>,
	/// The correlation credits given: the pair and the amount.
	pub credits: Vec<(K, K, u128)>,
	/// Σ requirements − Σ credits.
	pub initial: u128,
	/// `mm_ratio × initial`, rounded up.
	pub maintenance: u128,
}

/// Why a risk array cannot be computed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Error {
	/// A holding's underlying has no state, or an option's underlying no vol.
	Unpriced,
	/// The option's current mark cannot be priced (outside the pricing domain).
	NoMark,
	/// A value left its range.
	Overflow,
}

/// `x` as a signed 18-decimal number.
fn signed(x: FixedU128) -> Result<i128, Error> {
	i128::try_from(x.into_inner()).map_err(|_| Error::Overflow)
}

/// `S · (1 + m)` for a move of `m` parts per million.
fn moved(spot: FixedU128, price_move: i32) -> FixedU128 {
	let factor = 1_000_000i64 + i64::from(price_move);
	let factor = u128::try_from(factor.max(0)).unwrap_or_default();
	// One 128-bit product where it fits (every oracle price does), else 256 bits.
	let inner = match spot.into_inner().checked_mul(factor) {
		Some(product) => product / 1_000_000,
		None => {
			multiply_by_rational_with_rounding(spot.into_inner(), factor, 1_000_000, Rounding::Down)
				.unwrap_or(u128::MAX)
		},
	};
	FixedU128::from_inner(inner)
}

/// The vol shocks' growth at `ms_to_expiry`: `(30 days / T)^p`, `T` at least a day.
fn shock_scale(p: Permill, ms_to_expiry: u64) -> Fixed {
	let t = ms_to_expiry.max(DAY_MS);
	let ratio = Fixed::from_rational(i128::from(30 * DAY_MS), i128::from(t)).unwrap_or(Fixed::ONE);
	let p = Fixed(i128::from(p.deconstruct()) * (SCALE / 1_000_000));
	ln(ratio).and_then(|l| l.checked_mul(p)).and_then(exp).unwrap_or(Fixed::ONE)
}

/// `shock` (relative, at 30 days) times the expiry's `scale` ([`shock_scale`]).
fn scaled_shock(shock: Permill, scale: Fixed) -> Fixed {
	let shock = Fixed(i128::from(shock.deconstruct()) * (SCALE / 1_000_000));
	shock.checked_mul(scale).unwrap_or(shock)
}

/// The shocked vol: `σ·(1 + s)` capped at `2σ` up, `σ·(1 − s)` floored at `0.1σ` down.
fn shocked_vol(vol: FixedU128, shock: Fixed, up: bool) -> FixedU128 {
	let s = u128::try_from(shock.0.max(0)).unwrap_or_default();
	let one = FixedU128::accuracy();
	let factor =
		if up { one.saturating_add(s.min(one)) } else { one.saturating_sub(s).max(one / 10) };
	FixedU128::from_inner(
		multiply_by_rational_with_rounding(vol.into_inner(), factor, one, Rounding::Down)
			.unwrap_or(u128::MAX),
	)
}

/// Σ `a` and `b` as signed settlement units.
fn add(a: i128, b: i128) -> Result<i128, Error> {
	a.checked_add(b).ok_or(Error::Overflow)
}

/// The value of `|quantity|` at a per-unit change `delta` (18 decimals, signed), signed as the
/// position gains (+) or loses (−), rounded against the holder.
fn pnl_of(
	quantity: i128,
	delta: i128,
	decimals: u8,
	settlement_decimals: u8,
) -> Result<i128, Error> {
	if quantity == 0 || delta == 0 {
		return Ok(0);
	}
	let gains = (quantity > 0) == (delta > 0);
	let rounding = if gains { Rounding::Down } else { Rounding::Up };
	let v = units::value(
		quantity.unsigned_abs(),
		FixedU128::from_inner(delta.unsigned_abs()),
		decimals,
		settlement_decimals,
		rounding,
	)
	.and_then(|v| i128::try_from(v).ok())
	.ok_or(Error::Overflow)?;
	Ok(if gains { v } else { -v })
}

/// Unrounded scenario PnL of an underlying's positions of one size scale.
struct Sums {
	/// `10^(18 + size decimals − settlement decimals)`: a numerator over it is settlement
	/// units (the scale of the first position held; others go one by one).
	divisor: Option<u128>,
	/// Σ quantity × per-unit change (18 decimals), per scenario.
	numerators: Vec<i128>,
}

/// The divisor turning quantity × 18-decimal price into settlement units, if it fits.
fn pnl_divisor(size_decimals: u8, settlement_decimals: u8) -> Option<u128> {
	let exponent =
		18u32.checked_add(u32::from(size_decimals))?.checked_sub(u32::from(settlement_decimals))?;
	10u128.checked_pow(exponent)
}

impl Sums {
	/// Add `holding`'s PnL at a per-unit change of `delta` in scenario `i`: to the unrounded
	/// sum when `summed` (its scale is the sum's) and the product fits, else rounded against
	/// the holder straight into `pnl`.
	fn add_or<K>(
		&mut self,
		summed: bool,
		i: usize,
		pnl: &mut i128,
		holding: &Holding<K>,
		delta: i128,
		settlement_decimals: u8,
	) -> Result<(), Error> {
		if summed {
			let product = holding.quantity.checked_mul(delta);
			if let Some(total) = product.and_then(|p| self.numerators[i].checked_add(p)) {
				self.numerators[i] = total;
				return Ok(());
			}
		}
		let own = pnl_of(holding.quantity, delta, holding.size_decimals, settlement_decimals)?;
		*pnl = add(*pnl, own)?;
		Ok(())
	}
}

/// The no-arbitrage bound of an option against its holder, for a scenario the pricing cannot
/// value (see the module docs): a long worth nothing, a short call owing the spot, a short
/// put the strike.
fn bound(right: Right, long: bool, spot: FixedU128, strike: FixedU128) -> FixedU128 {
	match (long, right) {
		(true, _) => FixedU128::zero(),
		(false, Right::Call) => spot,
		(false, Right::Put) => strike,
	}
}

fn fixed(x: FixedU128) -> Option<Fixed> {
	i128::try_from(x.into_inner()).ok().map(Fixed)
}

fn unsigned(x: Fixed) -> FixedU128 {
	FixedU128::from_inner(u128::try_from(x.0.max(0)).unwrap_or_default())
}

/// Time to expiry in years and its square root.
fn years(ms_left: u64) -> Option<(Fixed, Fixed)> {
	let time = Fixed::from_rational(i128::from(ms_left), options::YEAR_MS as i128)?;
	Some((time, clearinghouse_pricing::fixed::sqrt(time).ok()?))
}

/// One option revalued across the grid at one vol: the pricing crate's [`Revaluer`] (the
/// vol and time fixed, only the spot moving), or nothing when it cannot be built.
fn revaluer(
	right: Right,
	strike: FixedU128,
	vol: FixedU128,
	(time, root): (Fixed, Fixed),
) -> Option<Revaluer> {
	Revaluer::with_root_time(right, fixed(strike)?, fixed(vol)?, time, root).ok()
}

/// The account's risk array (see the module docs). `params` and `credits` must have passed
/// their checks; `states` give every underlying held.
pub fn evaluate<K: Copy + PartialEq>(
	params: &ModelParams,
	credits: &[(K, K, Permill)],
	states: &[UnderlyingState<K>],
	holdings: &[Holding<K>],
	settlement_decimals: u8,
) -> Result<RiskArray<K>, Error> {
	evaluate_on(&params.grid(), params, credits, states, holdings, settlement_decimals)
}

/// The grid of `params` with what every evaluation on it shares: each scenario's `ln(1 + m)`
/// (an option's scenario moneyness is its own `ln(S/K)` plus this). A pure function of the
/// parameters: keep it with them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Grid {
	/// The scenarios, in grid order.
	pub scenarios: Vec<Scenario>,
	/// `ln(1 + m)` of each scenario's move (`None` for a move the log cannot take).
	ln_moves: Vec<Option<Fixed>>,
}

impl ModelParams {
	/// The grid and its logs ([`Grid`]).
	pub fn grid(&self) -> Grid {
		let scenarios = self.scenarios();
		let mut ln_moves = Vec::with_capacity(scenarios.len());
		// Each move comes twice in a row, vol up then down: one log each.
		let mut previous: Option<(i32, Option<Fixed>)> = None;
		for s in &scenarios {
			let value = match previous {
				Some((m, v)) if m == s.price_move => v,
				_ => ln(Fixed(i128::from(1_000_000 + s.price_move) * (SCALE / 1_000_000))).ok(),
			};
			previous = Some((s.price_move, value));
			ln_moves.push(value);
		}
		Grid { scenarios, ln_moves }
	}
}

/// [`evaluate`] on a grid computed beforehand from `params` ([`ModelParams::grid`]).
pub fn evaluate_on<K: Copy + PartialEq>(
	grid: &Grid,
	params: &ModelParams,
	credits: &[(K, K, Permill)],
	states: &[UnderlyingState<K>],
	holdings: &[Holding<K>],
	settlement_decimals: u8,
) -> Result<RiskArray<K>, Error> {
	let revaluation = revalue(grid, params, states, holdings)?;
	let quantities: Vec<i128> = holdings.iter().map(|h| h.quantity).collect();
	risk_array(&revaluation, params, credits, &quantities, settlement_decimals)
}

/// One holding revalued: its per-unit change in each scenario held long and held short (they
/// differ only where the pricing gave way to the no-arbitrage bound), its delta per whole
/// unit, and its underlying's place in [`Revaluation`].
#[derive(Clone, PartialEq, Eq, Debug)]
struct Revalued {
	at: usize,
	long: Vec<i128>,
	/// Held short, where it differs from `long` (only where a bound stood in for a price).
	short: Option<Vec<i128>>,
	unit_delta: FixedI128,
	option: bool,
}

/// Every holding of an account revalued under the grid ([`revalue`]): the expensive part of an
/// evaluation, independent of the quantities held. [`risk_array`] then gives the requirement
/// of any quantities of the same holdings without pricing anything again (a check with and
/// without an order, resting orders alone).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Revaluation<K> {
	scenarios: Vec<Scenario>,
	underlyings: Vec<(K, FixedU128)>,
	holdings: Vec<(Holding<K>, Revalued)>,
}

/// Revalue every holding (whatever its quantity, zero included) under `grid`.
pub fn revalue<K: Copy + PartialEq>(
	grid: &Grid,
	params: &ModelParams,
	states: &[UnderlyingState<K>],
	holdings: &[Holding<K>],
) -> Result<Revaluation<K>, Error> {
	let scenarios = grid.scenarios.clone();
	let mut underlyings: Vec<(K, FixedU128)> = Vec::new();
	// Per underlying, its spot after each scenario's move, shared by its holdings.
	let mut moved_spots: Vec<Vec<FixedU128>> = Vec::new();
	let mut out = Vec::with_capacity(holdings.len());
	for h in holdings {
		let state = states.iter().find(|s| s.underlying == h.underlying).ok_or(Error::Unpriced)?;
		let at = match underlyings.iter().position(|(u, _)| *u == h.underlying) {
			Some(at) => at,
			None => {
				underlyings.push((h.underlying, state.spot));
				moved_spots
					.push(scenarios.iter().map(|s| moved(state.spot, s.price_move)).collect());
				underlyings.len() - 1
			},
		};
		let spots = &moved_spots[at];
		let spot = state.spot;
		let revalued = match h.kind {
			Kind::Linear => {
				let now = signed(spot)?;
				let long = spots
					.iter()
					.map(|s| signed(*s).map(|v| v - now))
					.collect::<Result<Vec<i128>, Error>>()?;
				Revalued {
					at,
					short: None,
					long,
					unit_delta: FixedI128::from_u32(1),
					option: false,
				}
			},
			Kind::Option { right, strike, ms_to_expiry } => {
				let vol = state.vol.ok_or(Error::Unpriced)?;
				let ln_sk = fixed(spot)
					.zip(fixed(strike))
					.and_then(|(s, k)| s.try_div(k).ok())
					.and_then(|m| ln(m).ok());
				// The option now (the mark's model, price and delta), then at each scenario.
				let at_mark = years(ms_to_expiry)
					.and_then(|t| revaluer(right, strike, vol, t))
					.ok_or(Error::NoMark)?;
				let ln_now = ln_sk.ok_or(Error::NoMark)?;
				let (now_price, now_delta) = at_mark
					.price_and_delta(fixed(spot).ok_or(Error::Overflow)?, ln_now)
					.map_err(|_| Error::NoMark)?;
				let unit_delta = FixedI128::from_inner(now_delta.0);
				let left = ms_to_expiry.saturating_sub(params.decay_ms);
				let scale = shock_scale(params.vol_scaling, ms_to_expiry);
				let up = scaled_shock(params.vol_up, scale);
				let down = scaled_shock(params.vol_down, scale);
				let after = years(left);
				let revaluers = [
					after.and_then(|t| revaluer(right, strike, shocked_vol(vol, up, true), t)),
					after.and_then(|t| revaluer(right, strike, shocked_vol(vol, down, false), t)),
				];
				let mut long = Vec::with_capacity(scenarios.len());
				let mut short: Option<Vec<i128>> = None;
				for (i, (s, ln_move)) in scenarios.iter().zip(&grid.ln_moves).enumerate() {
					let spot_s = spots[i];
					let revaluer = &revaluers[usize::from(!s.vol_up)];
					let value = revaluer
						.zip(ln_sk.zip(*ln_move))
						.zip(fixed(spot_s))
						.and_then(|((r, (a, b)), spot_s)| r.price(spot_s, a.try_add(b).ok()?).ok())
						.map(unsigned);
					let (l, sh) = match value {
						Some(v) => (v, v),
						None => (
							bound(right, true, spot_s, strike),
							bound(right, false, spot_s, strike),
						),
					};
					let l = signed(l)? - now_price.0;
					let sh = signed(sh)? - now_price.0;
					if sh != l && short.is_none() {
						short = Some(long.clone());
					}
					if let Some(short) = short.as_mut() {
						short.push(sh);
					}
					long.push(l);
				}
				Revalued { at, long, short, unit_delta, option: true }
			},
		};
		out.push((*h, revalued));
	}
	Ok(Revaluation { scenarios, underlyings, holdings: out })
}

/// The risk array of `revaluation`'s holdings at `quantities` (one per holding, in order;
/// zero: not held), pricing nothing again.
pub fn risk_array<K: Copy + PartialEq>(
	revaluation: &Revaluation<K>,
	params: &ModelParams,
	credits: &[(K, K, Permill)],
	quantities: &[i128],
	settlement_decimals: u8,
) -> Result<RiskArray<K>, Error> {
	let scenarios = revaluation.scenarios.clone();
	let mut underlyings: Vec<UnderlyingRisk<K>> = Vec::new();
	// Where each of the revaluation's underlyings sits in `underlyings`, once held.
	let mut place: Vec<Option<usize>> = alloc::vec![None; revaluation.underlyings.len()];
	// Per underlying, the scenario PnL of its positions of one size scale, summed unrounded
	// (quantity × per-unit change) and converted to settlement units once per scenario.
	let mut sums: Vec<Sums> = Vec::new();
	for ((h, r), &quantity) in revaluation.holdings.iter().zip(quantities) {
		if quantity == 0 {
			continue;
		}
		let (underlying, spot) = revaluation.underlyings[r.at];
		let at = match place[r.at] {
			Some(at) => at,
			None => {
				underlyings.push(UnderlyingRisk {
					underlying,
					pnl: alloc::vec![0; scenarios.len()],
					worst: None,
					scan_loss: 0,
					short_option_minimum: 0,
					concentration: 0,
					delta: FixedI128::zero(),
					requirement: 0,
				});
				sums.push(Sums { divisor: None, numerators: alloc::vec![0; scenarios.len()] });
				place[r.at] = Some(underlyings.len() - 1);
				underlyings.len() - 1
			},
		};
		let h = Holding { quantity, ..*h };
		let risk = &mut underlyings[at];
		let sum = &mut sums[at];
		let divisor = pnl_divisor(h.size_decimals, settlement_decimals);
		if sum.divisor.is_none() {
			sum.divisor = divisor;
		}
		let summed = divisor.is_some() && divisor == sum.divisor;
		let units = match (&r.short, quantity > 0) {
			(Some(short), false) => short,
			_ => &r.long,
		};
		for (i, pnl) in risk.pnl.iter_mut().enumerate() {
			sum.add_or(summed, i, pnl, &h, units[i], settlement_decimals)?;
		}
		let whole = FixedI128::checked_from_rational(
			quantity,
			10i128.checked_pow(u32::from(h.size_decimals)).ok_or(Error::Overflow)?,
		)
		.ok_or(Error::Overflow)?;
		risk.delta = risk.delta.saturating_add(r.unit_delta.saturating_mul(whole));
		let size = quantity.unsigned_abs();
		if r.option && quantity < 0 {
			let minimum =
				FixedU128::from_inner(params.short_option_minimum.mul_ceil(spot.into_inner()));
			let add_on =
				units::value(size, minimum, h.size_decimals, settlement_decimals, Rounding::Up)
					.ok_or(Error::Overflow)?;
			risk.short_option_minimum = risk.short_option_minimum.saturating_add(add_on);
		}
		// Concentration: rate × notional (at the spot) × the position's share of the open
		// interest (all of it when the market reports none).
		let notional = units::value(size, spot, h.size_decimals, settlement_decimals, Rounding::Up)
			.ok_or(Error::Overflow)?;
		let share = if h.open_interest == 0 {
			notional
		} else {
			multiply_by_rational_with_rounding(
				notional,
				size.min(h.open_interest),
				h.open_interest,
				Rounding::Up,
			)
			.ok_or(Error::Overflow)?
		};
		risk.concentration =
			risk.concentration.saturating_add(params.concentration.mul_ceil(share));
	}
	// The summed PnL in settlement units, rounded down (against the account) once.
	for (risk, sum) in underlyings.iter_mut().zip(&sums) {
		let Some(divisor) = sum.divisor.and_then(|d| i128::try_from(d).ok()) else { continue };
		for (pnl, numerator) in risk.pnl.iter_mut().zip(&sum.numerators) {
			*pnl = add(*pnl, numerator.div_euclid(divisor))?;
		}
	}
	let mut total: u128 = 0;
	for risk in underlyings.iter_mut() {
		for (i, (pnl, s)) in risk.pnl.iter().zip(&scenarios).enumerate() {
			if *pnl >= 0 {
				continue;
			}
			let loss = s.weight.mul_ceil(pnl.unsigned_abs());
			if loss > risk.scan_loss || risk.worst.is_none() {
				risk.scan_loss = loss;
				risk.worst = Some(i as u16);
			}
		}
		risk.requirement = risk
			.scan_loss
			.saturating_add(risk.short_option_minimum)
			.saturating_add(risk.concentration);
		total = total.saturating_add(risk.requirement);
	}
	// Correlation credits: off the scan losses only (never the add-ons), scaled by how much of
	// the larger delta the smaller one offsets, each underlying's scan loss credited at most
	// once in all.
	let mut creditable: Vec<u128> = underlyings.iter().map(|u| u.scan_loss).collect();
	let delta_notional = |i: usize| -> u128 {
		let spot = revaluation
			.underlyings
			.iter()
			.find(|(k, _)| *k == underlyings[i].underlying)
			.map(|(_, spot)| *spot)
			.unwrap_or_default();
		FixedU128::from_inner(underlyings[i].delta.into_inner().unsigned_abs())
			.saturating_mul(spot)
			.into_inner()
	};
	let mut given = Vec::new();
	for (a, b, rate) in credits {
		let (Some(i), Some(j)) = (
			underlyings.iter().position(|u| u.underlying == *a),
			underlyings.iter().position(|u| u.underlying == *b),
		) else {
			continue;
		};
		let (da, db) = (underlyings[i].delta, underlyings[j].delta);
		let hedged =
			(da.is_positive() && db.is_negative()) || (da.is_negative() && db.is_positive());
		if !hedged {
			continue;
		}
		let (na, nb) = (delta_notional(i), delta_notional(j));
		let (small, large) = (na.min(nb), na.max(nb));
		let offsetting = creditable[i].min(creditable[j]);
		let base = if large == 0 {
			0
		} else {
			multiply_by_rational_with_rounding(offsetting, small, large, Rounding::Down)
				.unwrap_or_default()
		};
		let credit = rate.mul_floor(base);
		if credit == 0 {
			continue;
		}
		creditable[i] -= base;
		creditable[j] -= base;
		total = total.saturating_sub(credit);
		given.push((*a, *b, credit));
	}
	Ok(RiskArray {
		scenarios,
		underlyings,
		credits: given,
		initial: total,
		maintenance: params.mm_ratio.mul_ceil(total),
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	const BTC: u8 = 1;
	const ETH: u8 = 2;
	const DAY: u64 = DAY_MS;

	fn p(x: u32) -> FixedU128 {
		FixedU128::from_u32(x)
	}

	fn states() -> Vec<UnderlyingState<u8>> {
		alloc::vec![
			UnderlyingState {
				underlying: BTC,
				spot: p(50_000),
				vol: Some(FixedU128::from_rational(8, 10))
			},
			UnderlyingState {
				underlying: ETH,
				spot: p(2_000),
				vol: Some(FixedU128::from_rational(7, 10))
			},
		]
	}

	/// `quantity` thousandths of a BTC perpetual.
	fn perp(quantity: i128) -> Holding<u8> {
		Holding {
			underlying: BTC,
			kind: Kind::Linear,
			quantity,
			size_decimals: 3,
			open_interest: 1_000_000,
		}
	}

	fn option(right: Right, strike: u32, days: u64, quantity: i128) -> Holding<u8> {
		Holding {
			underlying: BTC,
			kind: Kind::Option { right, strike: p(strike), ms_to_expiry: days * DAY },
			quantity,
			size_decimals: 3,
			open_interest: 1_000_000,
		}
	}

	fn im(holdings: &[Holding<u8>]) -> u128 {
		evaluate(&ModelParams::default(), &[], &states(), holdings, 6).unwrap().initial
	}

	#[test]
	fn the_default_grid_is_valid_and_has_28_scenarios() {
		let params = ModelParams::default();
		assert_eq!(params.check(), Ok(()));
		let grid = params.scenarios();
		assert_eq!(grid.len(), 28);
		assert_eq!(grid.first().map(|s| s.price_move), Some(-150_000));
		assert_eq!(grid[12].price_move, 0);
		assert_eq!(grid[25].price_move, 150_000);
		assert_eq!(
			grid[26],
			Scenario { price_move: -450_000, vol_up: true, weight: Permill::from_percent(33) }
		);
	}

	#[test]
	fn bad_parameters_are_refused_each_with_its_own_error() {
		let d = ModelParams::default();
		for (bad, error) in [
			(ModelParams { price_steps: 0, ..d }, ParamsError::NoScenarios),
			(ModelParams { price_steps: 33, ..d }, ParamsError::TooManyScenarios),
			(ModelParams { price_range: Permill::zero(), ..d }, ParamsError::PriceRangeOutOfBounds),
			(
				ModelParams { price_range: Permill::from_percent(40), ..d },
				ParamsError::PriceRangeOutOfBounds,
			),
			(ModelParams { vol_down: Permill::one(), ..d }, ParamsError::VolShockOutOfBounds),
			(ModelParams { decay_ms: 8 * DAY, ..d }, ParamsError::DecayOutOfBounds),
			(
				ModelParams { short_option_minimum: Permill::from_percent(11), ..d },
				ParamsError::ShortMinimumOutOfBounds,
			),
			(ModelParams { mm_ratio: Permill::one(), ..d }, ParamsError::MaintenanceRatio),
			(ModelParams { mm_ratio: Permill::zero(), ..d }, ParamsError::MaintenanceRatio),
		] {
			assert_eq!(bad.check(), Err(error), "{bad:?}");
		}
		assert_eq!(
			check_credits(&[(BTC, ETH, Permill::from_percent(51))]),
			Err(ParamsError::CreditAboveBound)
		);
		assert_eq!(
			check_credits(&[(BTC, BTC, Permill::from_percent(10))]),
			Err(ParamsError::CreditAboveBound)
		);
		assert_eq!(check_credits(&[(BTC, ETH, Permill::from_percent(50))]), Ok(()));
	}

	#[test]
	fn a_future_revalues_at_exactly_its_linear_pnl() {
		let risk = evaluate(&ModelParams::default(), &[], &states(), &[perp(1_000)], 6).unwrap();
		let btc = &risk.underlyings[0];
		for (pnl, s) in btc.pnl.iter().zip(&risk.scenarios) {
			// 1 BTC × 50,000 × move, in micro-USD.
			assert_eq!(*pnl, 50_000 * i128::from(s.price_move));
		}
		// The worst: −15% in full (7,500) beats −45% at 33% (7,425).
		assert_eq!(btc.scan_loss, 7_500_000_000);
		assert_eq!(btc.worst, Some(0));
		assert_eq!(btc.short_option_minimum, 0);
	}

	#[test]
	fn hedged_books_need_far_less_than_their_legs_alone() {
		use Right::*;
		let books: [(&str, Vec<Holding<u8>>); 4] = [
			("covered call", alloc::vec![perp(1_000), option(Call, 50_000, 30, -1_000)]),
			(
				"calendar spread",
				alloc::vec![
					perp(1_000),
					Holding { kind: Kind::Linear, quantity: -1_000, ..perp(0) }
				],
			),
			(
				"box spread",
				alloc::vec![
					option(Call, 45_000, 30, 1_000),
					option(Call, 55_000, 30, -1_000),
					option(Put, 55_000, 30, 1_000),
					option(Put, 45_000, 30, -1_000),
				],
			),
			(
				"delta-hedged straddle",
				alloc::vec![
					option(Call, 50_000, 30, 1_000),
					option(Put, 50_000, 30, 1_000),
					perp(-91)
				],
			),
		];
		for (name, book) in books {
			let together = im(&book);
			let alone: u128 = book.iter().map(|h| im(&[*h])).sum();
			assert!(together * 2 < alone, "{name}: {together} not well below {alone}");
		}
	}

	#[test]
	fn a_naked_short_option_pays_at_least_the_short_option_minimum() {
		// Far out of the money: no scenario reaches the strike, the minimum still applies.
		let risk = evaluate(
			&ModelParams::default(),
			&[],
			&states(),
			&[option(Right::Call, 90_000, 7, -1_000)],
			6,
		)
		.unwrap();
		let btc = &risk.underlyings[0];
		assert_eq!(btc.short_option_minimum, 500_000_000);
		assert!(risk.initial >= btc.short_option_minimum);
		assert!(risk.initial >= btc.scan_loss);
	}

	#[test]
	fn a_correlation_credit_applies_to_opposite_deltas_only_and_once() {
		let eth = |q| Holding { underlying: ETH, ..perp(q) };
		let credits = [(BTC, ETH, Permill::from_percent(40))];
		let hedged = [perp(1_000), eth(-25_000)];
		let params = ModelParams::default();
		let with = evaluate(&params, &credits, &states(), &hedged, 6).unwrap();
		let without = evaluate(&params, &[], &states(), &hedged, 6).unwrap();
		// 1 BTC against 25 ETH: 50,000 of delta each way, fully hedged: the smaller scan loss.
		let base = without.underlyings.iter().map(|u| u.scan_loss).min().unwrap();
		assert_eq!(
			with.credits,
			alloc::vec![(BTC, ETH, Permill::from_percent(40).mul_floor(base))]
		);
		assert_eq!(with.initial, without.initial - Permill::from_percent(40).mul_floor(base));
		// A small hedge earns a small credit: 1 ETH against the BTC (2,000 of 50,000).
		let small = evaluate(&params, &credits, &states(), &[perp(1_000), eth(-1_000)], 6).unwrap();
		let small_base = small.underlyings.iter().map(|u| u.scan_loss).min().unwrap();
		assert_eq!(
			small.credits,
			alloc::vec![(
				BTC,
				ETH,
				Permill::from_percent(40).mul_floor(small_base * 2_000 / 50_000)
			)]
		);
		// Same direction: no credit.
		let both_long =
			evaluate(&params, &credits, &states(), &[perp(1_000), eth(25_000)], 6).unwrap();
		assert!(both_long.credits.is_empty());
		// Listed twice, the pair is credited once.
		let twice = [credits[0], credits[0]];
		assert_eq!(evaluate(&params, &twice, &states(), &hedged, 6).unwrap().credits.len(), 1);
		assert_eq!(with.maintenance, Permill::from_percent(70).mul_ceil(with.initial));
	}

	#[test]
	fn options_without_a_vol_or_a_state_cannot_be_valued() {
		let no_vol = [UnderlyingState { underlying: BTC, spot: p(50_000), vol: None }];
		let params = ModelParams::default();
		assert_eq!(
			evaluate(&params, &[], &no_vol, &[option(Right::Call, 50_000, 30, 1)], 6),
			Err(Error::Unpriced)
		);
		assert!(evaluate(&params, &[], &no_vol, &[perp(1)], 6).is_ok());
		assert_eq!(evaluate(&params, &[], &[], &[perp(1)], 6), Err(Error::Unpriced));
	}

	mod props {
		use super::*;
		use proptest::prelude::*;

		fn holding() -> impl Strategy<Value = Holding<u8>> {
			(any::<bool>(), 0u8..3, 30_000u32..70_000, 1u64..120, -5_000i128..5_000, 1u8..3)
				.prop_map(|(linear, right, strike, days, quantity, underlying)| {
					let kind = if linear {
						Kind::Linear
					} else {
						let right = if right == 0 { Right::Put } else { Right::Call };
						let strike = if underlying == ETH { strike / 25 } else { strike };
						Kind::Option { right, strike: p(strike), ms_to_expiry: days * DAY }
					};
					Holding { underlying, kind, quantity, size_decimals: 3, open_interest: 100_000 }
				})
		}

		proptest! {
			#![proptest_config(ProptestConfig::with_cases(64))]

			/// The requirement is at least the worst single scenario's (weighted) loss, for
			/// every underlying, and maintenance is below initial.
			#[test]
			fn never_below_the_worst_scenario(book in proptest::collection::vec(holding(), 1..8)) {
				let risk = evaluate(&ModelParams::default(), &[], &states(), &book, 6).unwrap();
				for u in &risk.underlyings {
					for (pnl, s) in u.pnl.iter().zip(&risk.scenarios) {
						prop_assert!(u.requirement >= s.weight.mul_ceil(pnl.min(&0).unsigned_abs()));
					}
				}
				prop_assert!(risk.maintenance <= risk.initial);
			}

			/// Doubling every position never lowers the requirement.
			#[test]
			fn monotone_in_size(book in proptest::collection::vec(holding(), 1..8)) {
				let double: Vec<Holding<u8>> =
					book.iter().map(|h| Holding { quantity: h.quantity * 2, ..*h }).collect();
				prop_assert!(im(&double) >= im(&book));
			}

			/// A position and its exact opposite (in another market) add nothing but rounding
			/// to the scan loss: the pair's PnL cancels in every scenario.
			#[test]
			fn an_exact_hedge_adds_no_risk(
				book in proptest::collection::vec(holding(), 1..6),
				extra in holding(),
			) {
				let params = ModelParams {
					short_option_minimum: Permill::zero(),
					concentration: Permill::zero(),
					..ModelParams::default()
				};
				let base = evaluate(&params, &[], &states(), &book, 6).unwrap().initial;
				let mut hedged = book.clone();
				hedged.push(extra);
				hedged.push(Holding { quantity: -extra.quantity, ..extra });
				let with = evaluate(&params, &[], &states(), &hedged, 6).unwrap().initial;
				// At most one unit of rounding per underlying (and per extreme weighting).
				prop_assert!(with <= base + 4, "{with} > {base}");
			}
		}
	}
}
