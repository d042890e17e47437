//! Options as margin instruments: what an option position's valuation needs, and how short
//! options are covered by the underlying.
//!
//! An option market is marked at its model price (Black–76 on the oracle index with the
//! implied vol of its underlying's vol key, see [`Pallet::option_mark`]); its premium changes
//! hands at the trade; a long counts its mark value less a governance haircut, a short owes its
//! mark and needs `max(a·S − OTM, b·S) + mark` per unit (`clearinghouse_risk::options`), or
//! only its mark where the account's perpetuals and futures on the same underlying cover it:
//!
//! * short calls are covered by long perpetual/future units, short puts by short ones, whole
//!   unit for whole unit of the underlying;
//! * for the initial requirement, a covering position counts only what its resting orders
//!   leave of it if they all fill (a long less its resting sells); for maintenance, as held;
//! * the cover is spent on the account's option markets in market order; a future whose
//!   settlement price is fixed no longer covers anything.

use alloc::{collections::btree_map::BTreeMap, vec::Vec};
use clearinghouse_risk::units;
use frame_support::pallet_prelude::*;
use frame_support::traits::Time;
use polkadot_sdk::sp_arithmetic::{
	traits::{One, Saturating, Zero},
	ArithmeticError, FixedI128, FixedPointNumber, FixedU128, Rounding,
};

use crate::{pallet::*, *};

/// One market of an account, read once per margin check.
pub(crate) struct Exposure {
	/// The account's entry (position and resting totals as stored).
	pub entry: PositionEntry,
	/// The market's risk parameters.
	pub params: RiskParams,
	/// The market's state.
	pub state: MarketState,
	/// Resting buys, the pending order's included.
	pub buys: u128,
	/// Resting sells, the pending order's included.
	pub sells: u128,
}

/// What an option's valuation needs ([`Pallet::option_mark`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct OptionMark {
	/// Call or put.
	pub right: OptionRight,
	/// The strike.
	pub strike: FixedU128,
	/// The underlying's index (or, once fixed, its settlement price).
	pub spot: FixedU128,
	/// The option's mark per whole unit.
	pub mark: FixedU128,
	/// Its underlying's option parameters.
	pub option: OptionParams,
	/// Whether the settlement price is fixed (the mark is the payoff).
	pub fixed: bool,
}

/// The pricing crate's name for a right.
pub(crate) fn pricing_right(right: OptionRight) -> clearinghouse_pricing::Right {
	match right {
		OptionRight::Call => clearinghouse_pricing::Right::Call,
		OptionRight::Put => clearinghouse_pricing::Right::Put,
	}
}

/// Whole units of the underlying (18 decimals) that can still cover short options of one
/// right on one underlying.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Budget {
	/// For the initial requirement.
	initial: u128,
	/// For the maintenance requirement.
	maintenance: u128,
}

/// `size` with `from` decimals in `to` decimals, rounded as asked.
fn rescale(size: u128, from: u8, to: u8, rounding: Rounding) -> Result<u128, DispatchError> {
	units::value(size, FixedU128::one(), from, to, rounding)
		.ok_or_else(|| ArithmeticError::Overflow.into())
}

/// The decimals of a [`Budget`]'s whole units.
const WHOLE: u8 = 18;

impl Budget {
	/// Spend as much of `budget` as covers `size` units of `decimals`; the size covered.
	fn take(budget: &mut u128, size: u128, decimals: u8) -> Result<u128, DispatchError> {
		if size == 0 || *budget == 0 {
			return Ok(0);
		}
		let covered = size.min(rescale(*budget, WHOLE, decimals, Rounding::Down)?);
		*budget = budget.saturating_sub(rescale(covered, decimals, WHOLE, Rounding::Up)?);
		Ok(covered)
	}

	/// Cover `size` short option units (of `decimals`) for the initial requirement.
	pub fn take_initial(&mut self, size: u128, decimals: u8) -> Result<u128, DispatchError> {
		Self::take(&mut self.initial, size, decimals)
	}

	/// Cover `size` short option units (of `decimals`) for the maintenance requirement.
	pub fn take_maintenance(&mut self, size: u128, decimals: u8) -> Result<u128, DispatchError> {
		Self::take(&mut self.maintenance, size, decimals)
	}
}

/// The cover an account's perpetuals and futures give its short options, per underlying and
/// right (see the module docs).
#[derive(Default)]
pub(crate) struct Cover(BTreeMap<(OracleKey, bool), Budget>);

impl Cover {
	/// The cover of the delta-one markets among `exposures`.
	pub fn of(exposures: &[Exposure]) -> Result<Self, DispatchError> {
		let mut cover = Self::default();
		for Exposure { entry, params, state, buys, sells } in exposures {
			if matches!(state.instrument, Instrument::Option { .. })
				|| state.settlement_price.is_some()
			{
				continue;
			}
			let whole = |size: i128| {
				rescale(size.max(0).unsigned_abs(), params.size_decimals, WHOLE, Rounding::Down)
			};
			let signed = |x: u128| i128::try_from(x).unwrap_or(i128::MAX);
			let q = entry.quantity;
			let calls = cover.0.entry((params.underlying, true)).or_default();
			calls.initial = calls.initial.saturating_add(whole(q.saturating_sub(signed(*sells)))?);
			calls.maintenance = calls.maintenance.saturating_add(whole(q)?);
			let puts = cover.0.entry((params.underlying, false)).or_default();
			puts.initial = puts
				.initial
				.saturating_add(whole(q.saturating_neg().saturating_sub(signed(*buys)))?);
			puts.maintenance = puts.maintenance.saturating_add(whole(q.saturating_neg())?);
		}
		Ok(cover)
	}

	/// What is left to cover `right` options on `underlying`.
	pub fn budget(&mut self, underlying: OracleKey, right: OptionRight) -> &mut Budget {
		self.0.entry((underlying, right == OptionRight::Call)).or_default()
	}
}

impl<T: Config> Pallet<T> {
	/// `market`'s option quote for the runtime API; `None` for a market that is not an
	/// option, or one without a mark (no index, no vol, outside the pricing domain).
	pub fn option_quote(market: MarketId) -> Option<OptionQuote> {
		use clearinghouse_risk::options;
		let params = Pallet::<T>::risk(market)?;
		let state = Pallet::<T>::market_state(market);
		let Instrument::Option { right, strike, expiry } = state.instrument else { return None };
		let option = OptionRisks::<T>::get(params.underlying)?;
		let r = pricing_right(right);
		let left = expiry.saturating_sub(T::Time::now());
		let (spot, vol, greeks) = match state.settlement_price {
			Some(price) => (
				price,
				FixedU128::zero(),
				options::Greeks {
					price: options::intrinsic(r, price, strike),
					..Default::default()
				},
			),
			None => {
				let (spot, _) = T::Prices::price(&params.underlying)?;
				let (vol, _) = T::Prices::vol(&option.vol_key)?;
				(spot, vol, options::model(r, spot, strike, vol, left)?)
			},
		};
		let book_mid = T::Book::mid(market);
		let book_vol = book_mid
			.filter(|_| state.settlement_price.is_none())
			.and_then(|mid| options::implied_vol(r, spot, strike, mid, left));
		Some(OptionQuote {
			market,
			underlying: params.underlying,
			right,
			strike,
			expiry,
			spot,
			vol,
			mark: greeks.price,
			delta: greeks.delta,
			gamma: greeks.gamma,
			vega: greeks.vega,
			theta: greeks.theta,
			book_mid,
			book_vol,
			open_interest: state.open_interest,
			fixed: state.settlement_price.is_some(),
		})
	}

	/// Every option listed on `underlying` with its quote, by expiry (the runtime API's chain
	/// view). Options without a mark are left out.
	pub fn option_chain(underlying: OracleKey) -> Vec<OptionQuote> {
		T::Book::option_markets(underlying).into_iter().filter_map(Self::option_quote).collect()
	}

	/// `account`'s option positions with their Greeks scaled to size.
	pub fn option_positions(account: &AccountOf<T>) -> Vec<OptionPositionView> {
		Accounts::<T>::get(account)
			.iter()
			.filter(|e| e.quantity != 0)
			.filter_map(|e| {
				let quote = Self::option_quote(e.market)?;
				let units = Self::whole_units(e.market, e.quantity)?;
				Some(OptionPositionView {
					market: e.market,
					quantity: e.quantity,
					premium: e.cost,
					delta: quote.delta.saturating_mul(units),
					gamma: quote.gamma.saturating_mul(units),
					vega: quote.vega.saturating_mul(units),
					theta: quote.theta.saturating_mul(units),
					quote,
				})
			})
			.collect()
	}

	/// `account`'s aggregate Greeks per underlying: its options' and its perpetuals' and
	/// futures' delta.
	pub fn greeks_by_underlying(account: &AccountOf<T>) -> Vec<UnderlyingGreeks> {
		let mut by: BTreeMap<OracleKey, UnderlyingGreeks> = BTreeMap::new();
		for view in Self::option_positions(account) {
			let g = by.entry(view.quote.underlying).or_default();
			g.delta = g.delta.saturating_add(view.delta);
			g.gamma = g.gamma.saturating_add(view.gamma);
			g.vega = g.vega.saturating_add(view.vega);
			g.theta = g.theta.saturating_add(view.theta);
		}
		for e in Accounts::<T>::get(account).iter().filter(|e| e.quantity != 0) {
			let state = Pallet::<T>::market_state(e.market);
			if matches!(state.instrument, Instrument::Option { .. })
				|| state.settlement_price.is_some()
			{
				continue;
			}
			let (Some(params), Some(units)) =
				(Pallet::<T>::risk(e.market), Self::whole_units(e.market, e.quantity))
			else {
				continue;
			};
			let g = by.entry(params.underlying).or_default();
			g.delta = g.delta.saturating_add(units);
		}
		by.into_iter().map(|(underlying, g)| UnderlyingGreeks { underlying, ..g }).collect()
	}

	/// `quantity` of `market` in whole units of its underlying.
	fn whole_units(market: MarketId, quantity: i128) -> Option<FixedI128> {
		let decimals = Pallet::<T>::risk(market)?.size_decimals;
		FixedI128::checked_from_rational(quantity, 10i128.checked_pow(u32::from(decimals))?)
	}
}
