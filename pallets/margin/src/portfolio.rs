//! Portfolio margin: an account that opted in ([`PortfolioAccounts`]) is margined by the
//! scenario model of `clearinghouse_risk::scenario` on its whole book instead of market by
//! market. Equity is computed as for every account; only the requirements differ:
//!
//! * **maintenance** = the model's `MM` of the positions;
//! * **initial** = the model's `IM` of the positions with the order being checked filled,
//!   plus, for every market with resting orders, the larger of the `IM` of its resting buys
//!   alone and of its resting sells alone (the worst loss of a sum is at most the sum of the
//!   worst losses, so this bounds every way the resting orders can fill, across markets
//!   too) and the concentration add-on's cross term of orders that extend the position (it
//!   grows with the square of the size), plus the resting orders' loss against the mark as
//!   for every account, plus the haircut of the options the buys would add. An order
//!   that reduces the portfolio's risk lowers the first term: an account below its initial
//!   requirement can still de-risk.
//!
//! A position without a price (no index, an option without its vol) makes the check fail
//! with `PriceUnavailable` (orders that cannot add exposure still pass, as for every account);
//! liquidation leaves it out of the scenarios (its loss is already guessed in equity). A
//! dated position whose settlement price is fixed carries no more risk and is left out too.

use alloc::vec::Vec;
use clearinghouse_risk::scenario::{self, Holding, Kind, UnderlyingState};
use frame_support::{pallet_prelude::*, traits::Time};
use polkadot_sdk::sp_arithmetic::ArithmeticError;

use crate::{
	functions::{PendingOrder, Valuation},
	options::pricing_right,
	pallet::*,
	*,
};

/// One market of a portfolio account, as the model needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Leg {
	/// The market.
	pub market: MarketId,
	/// The position and its size scale, as a scenario holding.
	pub holding: Holding<OracleKey>,
	/// Resting buys and sells (size units), the pending order not included.
	pub resting_buy: u128,
	/// Resting sells.
	pub resting_sell: u128,
}

impl Leg {
	/// The leg of `entry` in a market of `params` and `state`; `None` when it carries no risk
	/// (a dated market whose settlement price is fixed).
	pub fn of(
		entry: &PositionEntry,
		params: &RiskParams,
		state: &MarketState,
		now: Moment,
	) -> Option<Self> {
		if state.settlement_price.is_some() {
			return None;
		}
		let kind = match state.instrument {
			Instrument::Option { right, strike, expiry } => Kind::Option {
				right: pricing_right(right),
				strike,
				ms_to_expiry: expiry.saturating_sub(now),
			},
			Instrument::Perpetual | Instrument::Future { .. } => Kind::Linear,
		};
		Some(Self {
			market: entry.market,
			holding: Holding {
				underlying: params.underlying,
				kind,
				quantity: entry.quantity,
				size_decimals: params.size_decimals,
				open_interest: state.open_interest,
			},
			resting_buy: entry.resting_buy,
			resting_sell: entry.resting_sell,
		})
	}
}

fn to_u128(x: u128) -> i128 {
	i128::try_from(x).unwrap_or(i128::MAX)
}

impl<T: Config> Pallet<T> {
	/// Whether `account` is margined by the portfolio model (it opted in and governance has set
	/// the model): the model's parameters, if so.
	pub(crate) fn portfolio_of(account: &AccountOf<T>) -> Option<PortfolioParams> {
		Self::portfolio_for(&Accounts::<T>::get(account))
	}

	/// [`Self::portfolio_of`] for an account whose record has been read.
	pub(crate) fn portfolio_for(record: &RecordOf<T>) -> Option<PortfolioParams> {
		if !record.portfolio {
			return None;
		}
		PortfolioConfig::<T>::get()
	}

	/// The underlyings' prices the legs need, and the legs that can be valued: strictly every
	/// one (else `PriceUnavailable`), for liquidation those with prices.
	fn priced_legs(
		legs: &[Leg],
		valuation: Valuation,
	) -> Result<(Vec<Leg>, Vec<UnderlyingState<OracleKey>>), DispatchError> {
		let mut states: Vec<UnderlyingState<OracleKey>> = Vec::new();
		let mut kept = Vec::with_capacity(legs.len());
		for leg in legs {
			let underlying = leg.holding.underlying;
			let state = match states.iter().find(|s| s.underlying == underlying) {
				Some(state) => Some(*state),
				None => T::Prices::price(&underlying).map(|(spot, _)| {
					let vol = OptionRisks::<T>::get(underlying)
						.and_then(|o| T::Prices::vol(&o.vol_key))
						.map(|(vol, _)| vol);
					let state = UnderlyingState { underlying, spot, vol };
					states.push(state);
					state
				}),
			};
			let priced = state.is_some_and(|s| {
				s.vol.is_some() || !matches!(leg.holding.kind, Kind::Option { .. })
			});
			match (priced, valuation) {
				(true, _) => kept.push(*leg),
				(false, Valuation::Strict) => return Err(Error::<T>::PriceUnavailable.into()),
				(false, Valuation::Liquidation) => {},
			}
		}
		Ok((kept, states))
	}

	/// Every leg revalued under the model's grid, once: requirements of any quantities of
	/// these legs then price nothing again (`scenario::risk_array`).
	fn revalue_legs(
		params: &PortfolioParams,
		legs: &[Leg],
		states: &[UnderlyingState<OracleKey>],
	) -> Result<scenario::Revaluation<OracleKey>, DispatchError> {
		let model = params.model();
		let holdings: Vec<Holding<OracleKey>> = legs.iter().map(|l| l.holding).collect();
		scenario::revalue(&model.grid(), &model, states, &holdings).map_err(Self::model_error)
	}

	/// The risk array of `revaluation`'s legs at `quantities`.
	fn requirement_at(
		params: &PortfolioParams,
		revaluation: &scenario::Revaluation<OracleKey>,
		quantities: &[i128],
		settlement_decimals: u8,
	) -> Result<scenario::RiskArray<OracleKey>, DispatchError> {
		scenario::risk_array(
			revaluation,
			&params.model(),
			&params.credits,
			quantities,
			settlement_decimals,
		)
		.map_err(Self::model_error)
	}

	fn model_error(e: scenario::Error) -> DispatchError {
		match e {
			scenario::Error::Overflow => ArithmeticError::Overflow.into(),
			scenario::Error::Unpriced | scenario::Error::NoMark => {
				Error::<T>::PriceUnavailable.into()
			},
		}
	}

	/// The (initial, initial without `pending`, maintenance) requirement of a portfolio
	/// account's `legs` (see the module docs), `pending` counted filled for the first. Resting
	/// orders' loss against the mark is the caller's. The legs are revalued once; every
	/// requirement below combines those revaluations at other quantities.
	pub(crate) fn portfolio_requirements(
		params: &PortfolioParams,
		legs: &[Leg],
		pending: Option<PendingOrder>,
		settlement_decimals: u8,
		valuation: Valuation,
	) -> Result<(u128, u128, u128), DispatchError> {
		let (legs, states) = Self::priced_legs(legs, valuation)?;
		let revaluation = Self::revalue_legs(params, &legs, &states)?;
		let now: Vec<i128> = legs.iter().map(|l| l.holding.quantity).collect();
		let held = Self::requirement_at(params, &revaluation, &now, settlement_decimals)?;
		let mut without = held.initial;
		let mut initial = match pending {
			None => held.initial,
			Some(p) => {
				let with: Vec<i128> = legs
					.iter()
					.map(|l| {
						let q = l.holding.quantity;
						if l.market == p.market {
							q.saturating_add(p.size)
						} else {
							q
						}
					})
					.collect();
				Self::requirement_at(params, &revaluation, &with, settlement_decimals)?.initial
			},
		};
		for (i, leg) in legs.iter().enumerate() {
			if leg.resting_buy == 0 && leg.resting_sell == 0 {
				continue;
			}
			let alone = |quantity: i128| -> Result<u128, DispatchError> {
				if quantity == 0 {
					return Ok(0);
				}
				let mut quantities = alloc::vec![0i128; legs.len()];
				quantities[i] = quantity;
				Ok(Self::requirement_at(params, &revaluation, &quantities, settlement_decimals)?
					.initial)
			};
			let worst = alone(to_u128(leg.resting_buy))?.max(alone(-to_u128(leg.resting_sell))?);
			// The concentration add-on grows with the square of the size: orders extending the
			// position add 2·rate·notional(orders)·|position| / open interest beyond what each
			// costs alone.
			let extending =
				if leg.holding.quantity > 0 { leg.resting_buy } else { leg.resting_sell };
			let cross =
				Self::concentration_cross(params, leg, extending, &states, settlement_decimals)?;
			let resting = worst.saturating_add(cross);
			initial = initial.saturating_add(resting);
			without = without.saturating_add(resting);
		}
		Ok((initial, without, held.maintenance))
	}

	/// `2 · rate · notional(orders) · |position| / open interest` (the whole open interest
	/// when none is reported): what filling `orders` that extend `leg`'s position adds to the
	/// concentration add-on beyond the orders' own.
	fn concentration_cross(
		params: &PortfolioParams,
		leg: &Leg,
		orders: u128,
		states: &[UnderlyingState<OracleKey>],
		settlement_decimals: u8,
	) -> Result<u128, DispatchError> {
		let held = leg.holding.quantity.unsigned_abs();
		if orders == 0 || held == 0 || params.concentration.is_zero() {
			return Ok(0);
		}
		let spot = states
			.iter()
			.find(|s| s.underlying == leg.holding.underlying)
			.map(|s| s.spot)
			.ok_or(Error::<T>::PriceUnavailable)?;
		let notional = clearinghouse_risk::units::value(
			orders,
			spot,
			leg.holding.size_decimals,
			settlement_decimals,
			polkadot_sdk::sp_arithmetic::Rounding::Up,
		)
		.ok_or(ArithmeticError::Overflow)?;
		let interest = leg.holding.open_interest.max(1);
		let share =
			polkadot_sdk::sp_arithmetic::helpers_128bit::multiply_by_rational_with_rounding(
				notional.saturating_mul(2),
				held.min(interest),
				interest,
				polkadot_sdk::sp_arithmetic::Rounding::Up,
			)
			.ok_or(ArithmeticError::Overflow)?;
		Ok(params.concentration.mul_ceil(share))
	}

	/// What each of `legs`' positions adds to the portfolio's maintenance requirement:
	/// `MM(all) − MM(all but it)` (what closing it frees), for liquidation's ranking and the
	/// account view. Zero for a leg that cannot be valued.
	pub(crate) fn portfolio_marginals(
		params: &PortfolioParams,
		legs: &[Leg],
		settlement_decimals: u8,
	) -> Result<Vec<(MarketId, u128)>, DispatchError> {
		let (legs, states) = Self::priced_legs(legs, Valuation::Liquidation)?;
		let revaluation = Self::revalue_legs(params, &legs, &states)?;
		let all: Vec<i128> = legs.iter().map(|l| l.holding.quantity).collect();
		let total =
			Self::requirement_at(params, &revaluation, &all, settlement_decimals)?.maintenance;
		let mut out = Vec::with_capacity(legs.len());
		for (i, leg) in legs.iter().enumerate().filter(|(_, l)| l.holding.quantity != 0) {
			let mut rest = all.clone();
			rest[i] = 0;
			let without =
				Self::requirement_at(params, &revaluation, &rest, settlement_decimals)?.maintenance;
			out.push((leg.market, total.saturating_sub(without)));
		}
		Ok(out)
	}

	/// `Ok` if `params` are within every bound, else the bound's own error.
	pub(crate) fn check_portfolio_params(params: &PortfolioParams) -> DispatchResult {
		use scenario::ParamsError as E;
		params.model().check().and_then(|_| scenario::check_credits(&params.credits)).map_err(|e| {
			match e {
				E::NoScenarios => Error::<T>::PortfolioGridEmpty,
				E::TooManyScenarios => Error::<T>::PortfolioGridTooLarge,
				E::PriceRangeOutOfBounds => Error::<T>::PortfolioPriceRangeOutOfBounds,
				E::VolShockOutOfBounds => Error::<T>::PortfolioVolShockOutOfBounds,
				E::DecayOutOfBounds => Error::<T>::PortfolioDecayOutOfBounds,
				E::ShortMinimumOutOfBounds => Error::<T>::PortfolioShortMinimumOutOfBounds,
				E::MaintenanceRatio => Error::<T>::PortfolioMaintenanceRatio,
				E::CreditAboveBound => Error::<T>::PortfolioCreditAboveBound,
			}
			.into()
		})
	}

	/// `account`'s portfolio risk array (whether or not it opted in) with the standard model's
	/// requirements beside it, for the runtime API; `None` without a portfolio model or a
	/// settlement asset. Positions without a price are left out and named.
	pub fn risk_array(account: &AccountOf<T>) -> Option<RiskArrayView> {
		let (standard, _) =
			Self::health_by_model(account, None, false, Valuation::Liquidation, false).ok()?;
		let record = Accounts::<T>::get(account);
		Self::risk_array_of(&record, standard, record.portfolio)
	}

	/// The risk array of an account holding `entries` (stored or hypothetical), `standard`
	/// its standard model's figures.
	pub(crate) fn risk_array_of(
		entries: &[PositionEntry],
		standard: clearinghouse_risk::margin::Health,
		portfolio_margined: bool,
	) -> Option<RiskArrayView> {
		let params = PortfolioConfig::<T>::get()?;
		let settlement_decimals = T::Ledger::settlement_decimals()?;
		let now = T::Time::now();
		let all: Vec<Leg> = entries
			.iter()
			.filter_map(|e| {
				let risk = Pallet::<T>::risk(e.market)?;
				Leg::of(e, &risk, &Pallet::<T>::market_state(e.market), now)
			})
			.collect();
		let (legs, states) = Self::priced_legs(&all, Valuation::Liquidation).ok()?;
		let unpriced_markets = all
			.iter()
			.filter(|l| l.holding.quantity != 0 && legs.iter().all(|k| k.market != l.market))
			.map(|l| l.market)
			.collect();
		let revaluation = Self::revalue_legs(&params, &legs, &states).ok()?;
		let quantities: Vec<i128> = legs.iter().map(|l| l.holding.quantity).collect();
		let array =
			Self::requirement_at(&params, &revaluation, &quantities, settlement_decimals).ok()?;
		Some(RiskArrayView {
			portfolio_margined,
			scenarios: array
				.scenarios
				.iter()
				.map(|s| ScenarioView {
					price_move: s.price_move,
					vol_up: s.vol_up,
					weight: s.weight,
				})
				.collect(),
			underlyings: array
				.underlyings
				.into_iter()
				.map(|u| UnderlyingRiskView {
					underlying: u.underlying,
					pnl: u.pnl,
					worst: u.worst,
					scan_loss: u.scan_loss,
					short_option_minimum: u.short_option_minimum,
					concentration: u.concentration,
					delta: u.delta,
					requirement: u.requirement,
				})
				.collect(),
			credits: array.credits,
			initial: array.initial,
			maintenance: array.maintenance,
			standard_initial: standard.initial,
			standard_maintenance: standard.maintenance,
			unpriced_markets,
		})
	}

	/// The time the model's options count their expiry from.
	pub(crate) fn portfolio_now() -> Moment {
		T::Time::now()
	}
}
