//! The margin engine's logic.

use alloc::vec::Vec;
use clearinghouse_risk::{
	funding,
	margin::Health,
	mark,
	position::{self, Position},
	units,
};
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{Get, Time},
};
use polkadot_sdk::sp_arithmetic::{
	helpers_128bit::multiply_by_rational_with_rounding, traits::Zero, ArithmeticError, FixedU128,
	Permill, Rounding,
};

use crate::{
	options::{pricing_right, Cover, Exposure, OptionMark},
	pallet::*,
	*,
};

/// What a health computation gives: the figures, the per-position views if asked, and the
/// initial requirement without the pending order where the model gave it for free.
pub(crate) struct Valued {
	/// The account's figures, the pending order counted.
	pub health: Health,
	/// The positions, if asked for.
	pub views: Vec<PositionView>,
	/// The initial requirement were the pending order not there (portfolio accounts only).
	pub initial_without_pending: Option<u128>,
	/// What the resting orders lose against the mark if they fill at their limits (in the
	/// initial requirement, not in equity).
	pub resting_loss: u128,
	/// Which of the benchmarked checks the valuation was: what it is charged.
	pub kind: CheckKind,
}

/// The kind of margin check a valuation is, by the account it values: each is benchmarked on
/// its own (`margin_check`, `option_margin_check`, `portfolio_margin_check`) and a check is
/// charged its kind's weight, not the costliest kind's.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CheckKind {
	/// Perpetuals and futures only, on the standard model.
	Linear,
	/// Options among the positions, on the standard model (an option's mark reads its
	/// underlying's parameters, index and vol, and runs the pricing model).
	Options,
	/// The portfolio model (the scenarios run on top of the marks).
	Portfolio,
}

/// How a health computation treats a market without a mark price.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Valuation {
	/// It cannot be valued: [`Error::PriceUnavailable`] (orders, withdrawals, the API).
	Strict,
	/// Conservatively, for liquidation (see [`Pallet::liquidation_health`]).
	Liquidation,
}

/// One account's side of a trade booked by [`Pallet::book_trade`].
pub(crate) struct Leg<'a, T: Config> {
	/// The account.
	pub account: &'a AccountOf<T>,
	/// Its fee rate on the notional.
	pub fee: Permill,
	/// Whether it took liquidity (pays the insurance share of its fee).
	pub is_taker: bool,
}

impl<'a, T: Config> Leg<'a, T> {
	/// A side that pays no fee (backstops, deleveraging).
	pub fn free(account: &'a AccountOf<T>) -> Self {
		Self { account, fee: Permill::zero(), is_taker: false }
	}
}

/// An account as a batch of its orders found it (see [`Pallet::check_batch`]).
pub struct OrderBatch {
	/// Its positions and resting orders.
	pub(crate) entries: Vec<PositionEntry>,
}

/// An order about to be placed, for the worst case.
#[derive(Clone, Copy)]
pub struct PendingOrder {
	/// Its market.
	pub market: MarketId,
	/// Signed size: buy > 0.
	pub size: i128,
	/// Its worst price.
	pub price: FixedU128,
}

impl<T: Config> Pallet<T> {
	/// Set `market`'s risk parameters (see [`Pallet::set_market_risk`]).
	pub fn do_set_market_risk(market: MarketId, params: RiskParams) -> DispatchResult {
		let valid = !params.maintenance.is_zero()
			&& params.maintenance < params.initial
			&& params.initial <= params.initial_at_full
			&& params.size_decimals <= units::MAX_DECIMALS
			&& params.funding.is_none_or(|f| f.period_ms > 0 && f.sample_interval_ms > 0);
		ensure!(valid, Error::<T>::InvalidRiskParams);
		// A dated market has no funding (it would accrue after the longs settled); an option
		// is marked with its underlying's implied vol, which governance must have named.
		let instrument = T::Book::instrument(market).unwrap_or_default();
		let expiry = instrument.expiry();
		ensure!(expiry.is_none() || params.funding.is_none(), Error::<T>::InvalidRiskParams);
		if matches!(instrument, Instrument::Option { .. }) {
			ensure!(OptionRisks::<T>::contains_key(params.underlying), Error::<T>::NoVolKey);
		}
		let (state, prices) = match Markets::<T>::get(market) {
			None => {
				ensure!(Markets::<T>::count() < T::MaxMarkets::get(), Error::<T>::TooManyMarkets);
				// A perpetual or future keeps a copy of its underlying's index reads, kept in
				// step by the oracle from now on.
				let prices = if matches!(instrument, Instrument::Option { .. }) {
					PriceSchedule::default()
				} else {
					LinearMarkets::<T>::try_mutate(params.underlying, |markets| {
						markets.try_push(market).map_err(|_| Error::<T>::TooManyMarketsOnUnderlying)
					})?;
					T::Prices::schedule(&params.underlying).unwrap_or_default()
				};
				// The book's mid as it stands: the market may have resting orders already.
				let state = MarketState {
					funding_at: T::Time::now(),
					instrument,
					mid: T::Book::mid(market),
					..Default::default()
				};
				(state, prices)
			},
			Some(MarketRecord { risk: old, mut state, prices }) => {
				// Positions and orders are stored in the market's size units against its
				// underlying: neither may change under them.
				ensure!(
					old.underlying == params.underlying
						&& old.size_decimals == params.size_decimals,
					Error::<T>::ImmutableParams
				);
				// Funding switched on for a live market starts now, not when it was listed.
				if old.funding.is_none() && params.funding.is_some() {
					state.funding_at = T::Time::now();
				}
				(state, prices)
			},
		};
		// A dated market settles at the average index before its expiry (registered whenever
		// its parameters are set after the book lists it).
		if let Some(expiry) = expiry {
			if !Settlements::<T>::contains_key(market) {
				Settlements::<T>::insert(market, SettlementState::new(expiry));
			}
		}
		Markets::<T>::insert(market, MarketRecord { risk: params, state, prices });
		Self::deposit_event(Event::MarketRiskSet { market, params });
		Ok(())
	}

	/// `market`'s risk parameters, if it is configured.
	pub fn risk(market: MarketId) -> Option<RiskParams> {
		Markets::<T>::get(market).map(|m| m.risk)
	}

	/// `market`'s running state (the default for a market not configured).
	pub fn market_state(market: MarketId) -> MarketState {
		Markets::<T>::get(market).map(|m| m.state).unwrap_or_default()
	}

	/// Change a configured market's running state (nothing for a market not configured).
	pub(crate) fn mutate_state(market: MarketId, f: impl FnOnce(&mut MarketState)) {
		Markets::<T>::mutate(market, |m| {
			if let Some(m) = m {
				f(&mut m.state)
			}
		})
	}

	/// The book reports `market`'s mid as the previous block ended: recorded (written only
	/// when it differs) for the marks of this block's checks.
	pub(crate) fn record_mid(market: MarketId, mid: Option<FixedU128>) {
		if let Some(mut record) = Markets::<T>::get(market) {
			if record.state.mid != mid {
				record.state.mid = mid;
				Markets::<T>::insert(market, record);
			}
		}
	}

	/// The mark price of `market`: for a perpetual or future the median of index, book mid
	/// (as the previous block ended) and EMA (a future's settlement price once fixed); for an
	/// option its model price (see [`Self::option_mark`]). `None` without a price.
	/// `None` for a market not configured.
	pub fn mark_price(market: MarketId, params: &RiskParams) -> Option<FixedU128> {
		let record = Markets::<T>::get(market)?;
		let quote = record.prices.quote(T::Time::now());
		Self::mark_with_state(params, &record.state, quote)
	}

	/// [`Self::mark_price`] for a caller that has read the market's record already (the margin
	/// check, per position: the record is not decoded twice), `quote` its copy of the index
	/// reads at now.
	pub(crate) fn mark_with_state(
		params: &RiskParams,
		state: &MarketState,
		quote: Option<Quote>,
	) -> Option<FixedU128> {
		if let Instrument::Option { right, strike, expiry } = state.instrument {
			return Self::option_mark(params, state, right, strike, expiry).map(|o| o.mark);
		}
		// Between the fixed price and a position's settlement the position is worth what it
		// will settle at: no withdrawal or check may lean on an index that has moved since.
		if let Some(price) = state.settlement_price {
			return Some(price);
		}
		let quote = quote?;
		Some(mark::mark_price(quote.price, state.mid, quote.ema))
	}

	/// `key`'s index reads changed to `schedule` (`None`: the key is gone): every perpetual's
	/// and future's copy on it is rewritten (see [`MarketRecord::prices`]). What it used.
	pub(crate) fn copy_prices(key: &OracleKey, schedule: Option<&PriceSchedule>) -> Weight {
		let markets = LinearMarkets::<T>::get(key);
		let schedule = schedule.cloned().unwrap_or_default();
		for market in markets.iter() {
			Markets::<T>::mutate(market, |record| {
				if let Some(record) = record {
					record.prices = schedule.clone();
				}
			});
		}
		T::WeightInfo::quotes_changed(markets.len() as u32)
	}

	/// An option's mark: Black–76 (rate 0) on the underlying's oracle index at the implied
	/// vol of its underlying's vol key, with the time left to expiry; once the settlement
	/// price is fixed, the intrinsic value there (what it will pay). `None` without option
	/// parameters, an index or a vol, or outside the pricing domain (see
	/// `clearinghouse_risk::options::model`).
	pub(crate) fn option_mark(
		params: &RiskParams,
		state: &MarketState,
		right: OptionRight,
		strike: FixedU128,
		expiry: Moment,
	) -> Option<OptionMark> {
		let option = OptionRisks::<T>::get(params.underlying)?;
		if let Some(price) = state.settlement_price {
			let mark = clearinghouse_risk::options::intrinsic(pricing_right(right), price, strike);
			return Some(OptionMark { right, strike, spot: price, mark, option, fixed: true });
		}
		let (spot, _) = T::Prices::price(&params.underlying)?;
		let (vol, _) = T::Prices::vol(&option.vol_key)?;
		let left = expiry.saturating_sub(T::Time::now());
		let mark =
			clearinghouse_risk::options::price(pricing_right(right), spot, strike, vol, left)?;
		Some(OptionMark { right, strike, spot, mark, option, fixed: false })
	}

	fn settlement_decimals() -> Result<u8, DispatchError> {
		T::Ledger::settlement_decimals().ok_or_else(|| Error::<T>::NoSettlementAsset.into())
	}

	/// Move `amount` (signed: positive from `account` to `counterparty`) through the ledger.
	fn book(
		account: &AccountOf<T>,
		counterparty: &AccountOf<T>,
		amount: i128,
		reason: SettlementReason,
	) -> DispatchResult {
		match amount {
			0 => Ok(()),
			a if a > 0 => {
				T::Ledger::transfer_settlement(account, counterparty, a.unsigned_abs(), reason)
			},
			a => T::Ledger::transfer_settlement(counterparty, account, a.unsigned_abs(), reason),
		}
	}

	/// Move `amount` of the settlement asset from `from` to `to`, if there is any to move.
	pub(crate) fn pay(
		from: &AccountOf<T>,
		to: &AccountOf<T>,
		amount: u128,
		reason: SettlementReason,
	) -> DispatchResult {
		if amount == 0 {
			return Ok(());
		}
		T::Ledger::transfer_settlement(from, to, amount, reason)
	}

	/// The index of `market`'s entry in `entries`, inserting a fresh one if absent.
	pub(crate) fn entry_index(
		entries: &mut EntriesOf<T>,
		market: MarketId,
		funding_index: FixedI128,
	) -> Result<usize, DispatchError> {
		match entries.binary_search_by_key(&market, |e| e.market) {
			Ok(i) => Ok(i),
			Err(i) => {
				entries
					.try_insert(i, PositionEntry::new(market, funding_index))
					.map_err(|_| Error::<T>::TooManyPositions)?;
				Ok(i)
			},
		}
	}

	/// Write `account`'s entries (empty ones dropped) and keep [`Holders`] in step.
	/// The account's model and floor are kept as stored.
	pub(crate) fn store_entries(account: &AccountOf<T>, mut entries: EntriesOf<T>) {
		entries.retain(|e| !e.is_empty());
		let mut record = Accounts::<T>::get(account);
		Self::index_holders(account, &record.entries, &entries);
		record.entries = entries;
		Self::store_record(account, record);
	}

	/// How many entries `account` holds: the compact length that begins its stored record (the
	/// entries encode first), read without decoding the record — what a call's weight needs
	/// before its check decodes the record once.
	pub(crate) fn held(account: &AccountOf<T>) -> u32 {
		use codec::Decode;
		let key = Accounts::<T>::hashed_key_for(account);
		let mut prefix = [0u8; 5];
		match polkadot_sdk::sp_io::storage::read(&key, &mut prefix, 0) {
			Some(_) => codec::Compact::<u32>::decode(&mut &prefix[..]).map_or(0, |c| c.0),
			None => 0,
		}
	}

	/// Write `account`'s record, or remove it when it holds nothing.
	pub(crate) fn store_record(account: &AccountOf<T>, record: RecordOf<T>) {
		if record.is_empty() {
			Accounts::<T>::remove(account);
		} else {
			Accounts::<T>::insert(account, record);
		}
	}

	/// Update [`Holders`] for `account`'s change from `before` to `after` (both sorted by
	/// market): a market whose side changed (opened, closed, flipped) moves in the index.
	fn index_holders(account: &AccountOf<T>, before: &[PositionEntry], after: &[PositionEntry]) {
		let side = |e: &PositionEntry| (e.quantity != 0).then_some(e.quantity > 0);
		let (mut i, mut j) = (0, 0);
		while i < before.len() || j < after.len() {
			let (market, old, new) = match (before.get(i), after.get(j)) {
				(Some(b), Some(a)) if b.market == a.market => {
					i += 1;
					j += 1;
					(a.market, side(b), side(a))
				},
				(Some(b), a) if a.is_none_or(|a| b.market < a.market) => {
					i += 1;
					(b.market, side(b), None)
				},
				(_, Some(a)) => {
					j += 1;
					(a.market, None, side(a))
				},
				// Unreachable: the loop runs while either list has an entry left.
				(_, None) => break,
			};
			if old == new {
				continue;
			}
			if let Some(long) = old {
				Holders::<T>::remove((market, long), account);
			}
			if let Some(long) = new {
				Holders::<T>::insert((market, long), account, ());
			}
		}
	}

	/// One side of a fill applied to `entry`, nothing booked: its funding brought up to the
	/// market's index, the position and cost basis moved. Returns what the account now owes
	/// and is owed (see [`FillCash`]). The one arithmetic of a fill, for [`Self::apply_side`]
	/// and the simulator.
	pub(crate) fn fill_entry(
		entry: &mut PositionEntry,
		params: &RiskParams,
		state: &MarketState,
		qty: i128,
		notional: u128,
		settlement_decimals: u8,
	) -> Result<FillCash, DispatchError> {
		let funding = funding::payment(
			entry.quantity,
			entry.funding_index,
			state.funding_index,
			params.size_decimals,
			settlement_decimals,
		)
		.ok_or(ArithmeticError::Overflow)?;
		entry.funding_index = state.funding_index;
		let filled = position::apply_fill(
			Position { size: entry.quantity, cost: entry.cost },
			qty,
			notional,
		)
		.ok_or(ArithmeticError::Overflow)?;
		entry.quantity = filled.position.size;
		entry.cost = filled.position.cost;
		let (paid, reason) = if matches!(state.instrument, Instrument::Option { .. }) {
			// An option's premium changes hands at the trade, through the clearing account:
			// the buyer pays the notional, the seller receives it (the realised PnL reported
			// is what those payments already made).
			let premium = i128::try_from(notional).map_err(|_| ArithmeticError::Overflow)?;
			(if qty > 0 { premium } else { -premium }, SettlementReason::Premium)
		} else {
			// Realised profit is paid by the clearing account; a loss paid to it.
			let loss = filled.realized.checked_neg().ok_or(ArithmeticError::Overflow)?;
			(loss, SettlementReason::Pnl)
		};
		Ok(FillCash { funding, paid, reason, realized: filled.realized })
	}

	/// Apply one side of a fill to `account`: funding, position, realised PnL, fee. Returns
	/// the change in the market's long open interest.
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn apply_side(
		account: &AccountOf<T>,
		market: MarketId,
		params: &RiskParams,
		state: &MarketState,
		qty: i128,
		notional: u128,
		fee_rate: Permill,
		is_taker: bool,
		settlement_decimals: u8,
	) -> Result<i128, DispatchError> {
		let mut entries = Accounts::<T>::get(account).entries;
		let i = Self::entry_index(&mut entries, market, state.funding_index)?;
		let entry = entries.get_mut(i).ok_or(ArithmeticError::Overflow)?;
		let before = entry.quantity;
		let cash = Self::fill_entry(entry, params, state, qty, notional, settlement_decimals)?;
		if cash.funding != 0 {
			let clearing = Self::clearing_account();
			Self::book(account, &clearing, cash.funding, SettlementReason::Funding)?;
			Self::deposit_event(Event::FundingSettled {
				account: account.clone(),
				market,
				amount: cash.funding,
			});
		}
		Self::book(account, &Self::clearing_account(), cash.paid, cash.reason)?;
		let fee = fee_rate.mul_ceil(notional);
		if fee > 0 {
			let insurance = if is_taker { T::InsuranceFeeShare::get().mul_floor(fee) } else { 0 };
			Self::pay(account, &Self::fee_account(), fee - insurance, SettlementReason::Fee)?;
			Self::pay(account, &Self::insurance_account(), insurance, SettlementReason::Fee)?;
		}
		let event = Event::PositionChanged {
			account: account.clone(),
			market,
			quantity: entry.quantity,
			cost: entry.cost,
			realized_pnl: cash.realized,
			fee,
		};
		let oi_delta = entry.quantity.max(0) - before.max(0);
		Self::store_entries(account, entries);
		Self::deposit_event(event);
		Ok(oi_delta)
	}

	/// Book one trade between two accounts: `taker` (or, off the book, the side named first)
	/// changes its position by `qty` and `maker` by `−qty`, both at `notional`: funding
	/// settled, positions moved, PnL realised, fees paid at each leg's rate (the taker's
	/// insurance share included), and the market's open interest moved. The one sequence that
	/// fills, backstops and deleveraging share.
	pub(crate) fn book_trade(
		market: MarketId,
		params: &RiskParams,
		taker: Leg<'_, T>,
		maker: Leg<'_, T>,
		qty: i128,
		notional: u128,
		settlement_decimals: u8,
	) -> DispatchResult {
		let mut record = Markets::<T>::get(market).ok_or(Error::<T>::MarketNotConfigured)?;
		let state = &mut record.state;
		let a = Self::apply_side(
			taker.account,
			market,
			params,
			state,
			qty,
			notional,
			taker.fee,
			taker.is_taker,
			settlement_decimals,
		)?;
		let neg = qty.checked_neg().ok_or(ArithmeticError::Overflow)?;
		let b = Self::apply_side(
			maker.account,
			market,
			params,
			state,
			neg,
			notional,
			maker.fee,
			false,
			settlement_decimals,
		)?;
		state.open_interest = Self::shifted_open_interest(state, a, b)?;
		Markets::<T>::insert(market, record);
		Ok(())
	}

	/// `state`'s open interest after the two sides of a trade changed the long side by `a` and
	/// `b` (what [`Self::apply_side`] returns).
	pub(crate) fn shifted_open_interest(
		state: &MarketState,
		a: i128,
		b: i128,
	) -> Result<u128, DispatchError> {
		i128::try_from(state.open_interest)
			.ok()
			.and_then(|oi| oi.checked_add(a)?.checked_add(b))
			.and_then(|oi| u128::try_from(oi).ok())
			.ok_or_else(|| ArithmeticError::Overflow.into())
	}

	/// A margin check of an account with `positions` positions, whatever they are: the largest
	/// of the benchmarked check over perpetuals (whose mark reads the book), over options
	/// (whose mark reads the option parameters, the index and the vol, and runs the model),
	/// and over options margined by the portfolio model (the scenarios run on top).
	pub fn margin_check_weight(positions: u32) -> Weight {
		T::WeightInfo::margin_check(positions)
			.max(T::WeightInfo::option_margin_check(positions))
			.max(T::WeightInfo::portfolio_margin_check(positions))
	}

	/// A margin check of `kind` of an account with `positions` positions: its kind's
	/// benchmark, and at least the perpetuals' (the benchmark the trading calls include).
	pub fn check_weight_of(kind: CheckKind, positions: u32) -> Weight {
		let linear = T::WeightInfo::margin_check(positions);
		match kind {
			CheckKind::Linear => linear,
			CheckKind::Options => T::WeightInfo::option_margin_check(positions).max(linear),
			CheckKind::Portfolio => T::WeightInfo::portfolio_margin_check(positions).max(linear),
		}
	}

	/// What a check of `kind` of an account of `positions` positions costs beyond the
	/// perpetual-filled account of as many positions the trading benchmarks use: nothing for
	/// perpetuals and futures on the standard model. What a check reports it cost.
	pub fn kind_surcharge(kind: CheckKind, positions: u32) -> Weight {
		let p = positions.min(T::MaxPositions::get());
		Self::check_weight_of(kind, p).saturating_sub(T::WeightInfo::margin_check(p))
	}

	/// What one margin check of an account of `positions` positions may cost beyond the
	/// perpetual-filled account of as many positions the trading benchmarks (`place_order`,
	/// `bulk`, `withdraw`, `liquidate`) use: an account of options costs more per position.
	/// Those calls add it per check.
	pub fn check_weight_surcharge(positions: u32) -> Weight {
		let p = positions.min(T::MaxPositions::get());
		Self::margin_check_weight(p).saturating_sub(T::WeightInfo::margin_check(p))
	}

	/// A valuation as liquidation makes it, of an account with `positions` positions: as
	/// [`Self::margin_check_weight`], except that a portfolio account whose book the model
	/// cannot value is valued again by the standard model (`health_of`'s fallback), so its
	/// worst case is both: their times added, and the larger proof (the second valuation reads
	/// the keys the first one read).
	pub fn liquidation_valuation_weight(positions: u32) -> Weight {
		let model = T::WeightInfo::portfolio_margin_check(positions);
		let standard = T::WeightInfo::option_margin_check(positions);
		let both = Weight::from_parts(
			model.ref_time().saturating_add(standard.ref_time()),
			model.proof_size().max(standard.proof_size()),
		);
		Self::margin_check_weight(positions).max(both)
	}

	/// A liquidation step: the benchmark (an account of perpetuals) plus, for each of the four
	/// valuations of the account a step makes, what a valuation of the largest account of
	/// options or on portfolio margin may cost beyond it.
	pub fn liquidate_weight() -> Weight {
		let p = T::MaxPositions::get();
		let surcharge =
			Self::liquidation_valuation_weight(p).saturating_sub(T::WeightInfo::margin_check(p));
		T::WeightInfo::liquidate().saturating_add(surcharge.saturating_mul(4))
	}

	/// `account`'s health, with `pending` (if any) counted at its worst case. Errors if a
	/// market it is exposed to has no mark price.
	pub fn health(
		account: &AccountOf<T>,
		pending: Option<PendingOrder>,
	) -> Result<Health, DispatchError> {
		Ok(Self::health_and_positions(account, pending, false, Valuation::Strict)?.0)
	}

	/// `account`'s health as liquidation judges it: like [`Self::health`], but a market
	/// without a mark price cannot shield the account. Resting orders there count for
	/// nothing (liquidation cancels them first); a position there is valued as if it had lost
	/// its whole entry notional `|cost|` (a long's worst case exactly, a short's if the price
	/// doubled) and carries no requirement, so only the priced positions are liquidated.
	pub fn liquidation_health(account: &AccountOf<T>) -> Result<Health, DispatchError> {
		Ok(Self::health_and_positions(account, None, false, Valuation::Liquidation)?.0)
	}

	/// As [`Self::health`], with the per-position views if asked, valuing unpriced markets as
	/// `valuation` says.
	pub(crate) fn health_and_positions(
		account: &AccountOf<T>,
		pending: Option<PendingOrder>,
		with_views: bool,
		valuation: Valuation,
	) -> Result<(Health, Vec<PositionView>), DispatchError> {
		Self::health_by_model(account, pending, with_views, valuation, true)
	}

	/// [`Self::health_and_positions`], by the account's own model, or by the standard model
	/// whatever the account's (`portfolio_allowed` false: the runtime API's comparison).
	pub(crate) fn health_by_model(
		account: &AccountOf<T>,
		pending: Option<PendingOrder>,
		with_views: bool,
		valuation: Valuation,
		portfolio_allowed: bool,
	) -> Result<(Health, Vec<PositionView>), DispatchError> {
		let record = Accounts::<T>::get(account);
		let portfolio = Self::portfolio_for(&record).filter(|_| portfolio_allowed);
		let collateral = Self::collateral_of(account, record.floor)?;
		let valued = Self::health_of(
			record.into_inner(),
			collateral,
			portfolio.as_ref(),
			pending,
			with_views,
			valuation,
			None,
		)?;
		Ok((valued.health, valued.views))
	}

	/// `account`'s collateral as every check counts it: its public collateral and, for a
	/// confidential account, the proven floor of its hidden balance (`floor`, its record's).
	pub(crate) fn collateral_of(
		account: &AccountOf<T>,
		floor: u128,
	) -> Result<CollateralValuation, DispatchError> {
		Self::with_floor(floor, T::Ledger::collateral_value(account)?)
	}

	/// `collateral` (public, stored or hypothetical) with an account's proven `floor` (its
	/// record's copy) added: the one place a confidential account's hidden balance enters a
	/// valuation.
	pub(crate) fn with_floor(
		floor: u128,
		mut collateral: CollateralValuation,
	) -> Result<CollateralValuation, DispatchError> {
		let floor = i128::try_from(floor).map_err(|_| ArithmeticError::Overflow)?;
		collateral.value = collateral.value.checked_add(floor).ok_or(ArithmeticError::Overflow)?;
		Ok(collateral)
	}

	/// `account`'s health with `pending` counted (strictly, by its own model), and its initial
	/// requirement without it where the valuation gave that too (the portfolio model: one
	/// revaluation serves both): what an order check needs.
	pub(crate) fn order_health(
		account: &AccountOf<T>,
		pending: PendingOrder,
	) -> Result<(Health, Option<u128>, CheckKind), DispatchError> {
		let valued = Self::strict_valuation(account, Some(pending))?;
		Ok((valued.health, valued.initial_without_pending, valued.kind))
	}

	/// `account` valued as it is stored, strictly and by its own model, with `pending` (if any)
	/// counted at its worst case: what the order and withdrawal checks run.
	fn strict_valuation(
		account: &AccountOf<T>,
		pending: Option<PendingOrder>,
	) -> Result<Valued, DispatchError> {
		let record = Accounts::<T>::get(account);
		let portfolio = Self::portfolio_for(&record);
		let collateral = Self::collateral_of(account, record.floor)?;
		Self::health_of(
			record.into_inner(),
			collateral,
			portfolio.as_ref(),
			pending,
			false,
			Valuation::Strict,
			None,
		)
	}

	/// The health of an account holding `entries` and `collateral`, margined by the portfolio
	/// model of `portfolio` or, without, the standard model: what every check and view runs,
	/// on the account's stored book or (the simulator) a hypothetical one. With `marked_at`,
	/// every perpetual and future on that underlying is marked at that price instead (a band
	/// proof's ends).
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn health_of(
		mut entries: Vec<PositionEntry>,
		collateral: CollateralValuation,
		portfolio: Option<&PortfolioParams>,
		pending: Option<PendingOrder>,
		with_views: bool,
		valuation: Valuation,
		marked_at: Option<(OracleKey, FixedU128)>,
	) -> Result<Valued, DispatchError> {
		// The standard model's figures stand in where the portfolio model cannot value the book
		// for liquidation: the book is kept for that.
		let fallback = portfolio.map(|_| entries.clone());
		if let Some(p) = pending {
			if entries.iter().all(|e| e.market != p.market) {
				let index = Pallet::<T>::market_state(p.market).funding_index;
				entries.push(PositionEntry::new(p.market, index));
			}
		}
		let mut health = Health { equity: collateral.value, ..Default::default() };
		let mut views = Vec::new();
		if entries.is_empty() {
			let kind = if portfolio.is_some() { CheckKind::Portfolio } else { CheckKind::Linear };
			return Ok(Valued {
				health,
				views,
				initial_without_pending: None,
				resting_loss: 0,
				kind,
			});
		}
		let settlement_decimals = Self::settlement_decimals()?;
		// Every market read once: its parameters and state, and the order totals with the
		// pending order counted on its side.
		let now = Self::portfolio_now();
		let mut exposures = Vec::with_capacity(entries.len());
		// Each market's index quote at now, from its record's copy (beside `exposures`).
		let mut quotes = Vec::with_capacity(entries.len());
		for entry in entries {
			let MarketRecord { risk: params, state, prices } =
				Markets::<T>::get(entry.market).ok_or(Error::<T>::MarketNotConfigured)?;
			quotes.push(prices.quote(now));
			let (mut buys, mut sells) = (entry.resting_buy, entry.resting_sell);
			if let Some(p) = pending.filter(|p| p.market == entry.market) {
				if p.size > 0 {
					buys = buys.saturating_add(p.size.unsigned_abs());
				} else {
					sells = sells.saturating_add(p.size.unsigned_abs());
				}
			}
			exposures.push(Exposure { entry, params, state, buys, sells });
		}
		let mut cover = Cover::of(&exposures)?;
		let kind = if portfolio.is_some() {
			CheckKind::Portfolio
		} else if exposures.iter().any(|e| matches!(e.state.instrument, Instrument::Option { .. }))
		{
			CheckKind::Options
		} else {
			CheckKind::Linear
		};
		// A portfolio account's requirements come from the scenario model (see the
		// `portfolio` module): its legs are collected here, its resting orders' losses summed.
		let mut legs = Vec::new();
		let mut resting_total: u128 = 0;
		// What every resting order loses against the mark at its limit (both models).
		let mut resting_losses: u128 = 0;
		// What of `resting_total` the pending order adds (the haircut of an option it buys).
		let mut pending_haircut: u128 = 0;
		// Per view: the maintenance fraction and decimals its liquidation price needs.
		let mut linear: Vec<Option<(Permill, u8)>> = Vec::new();
		for (Exposure { entry, params, state, buys, sells }, quote) in
			exposures.into_iter().zip(quotes)
		{
			let decimals = params.size_decimals;
			let pos = Position { size: entry.quantity, cost: entry.cost };
			let owed = funding::payment(
				entry.quantity,
				entry.funding_index,
				state.funding_index,
				decimals,
				settlement_decimals,
			)
			.ok_or(ArithmeticError::Overflow)?;
			let option = match state.instrument {
				Instrument::Option { right, strike, expiry } => {
					Self::option_mark(&params, &state, right, strike, expiry)
				},
				_ => None,
			};
			let mark = match &option {
				Some(o) => Some(o.mark),
				None if matches!(state.instrument, Instrument::Option { .. }) => None,
				// A band's end stands in for the mark — never for a fixed settlement price (the
				// position is worth that whatever the index does).
				None => match marked_at {
					Some((underlying, price))
						if underlying == params.underlying && state.settlement_price.is_none() =>
					{
						Some(price)
					},
					_ => Self::mark_with_state(&params, &state, quote),
				},
			};
			let Some(mark) = mark else {
				match valuation {
					Valuation::Strict => return Err(Error::<T>::PriceUnavailable.into()),
					Valuation::Liquidation => {
						let lost =
							Self::unpriced_loss(&entry, &state, &params, settlement_decimals)?
								.checked_add(owed)
								.ok_or(ArithmeticError::Overflow)?;
						health.equity =
							health.equity.checked_sub(lost).ok_or(ArithmeticError::Overflow)?;
						continue;
					},
				}
			};
			// What the position adds to equity and, for the view, its unrealised PnL.
			let (equity, pnl) = match &option {
				Some(o) => {
					// The premium was paid at the trade: the position is worth its mark value,
					// a long's after the haircut.
					let value = position::market_value(pos, mark, decimals, settlement_decimals)
						.ok_or(ArithmeticError::Overflow)?;
					let counted = if value > 0 {
						value.saturating_sub(
							i128::try_from(o.option.long_haircut.mul_ceil(value.unsigned_abs()))
								.unwrap_or(i128::MAX),
						)
					} else {
						value
					};
					(counted, value.checked_sub(entry.cost).ok_or(ArithmeticError::Overflow)?)
				},
				None => {
					let pnl = position::unrealized(pos, mark, decimals, settlement_decimals)
						.and_then(|u| u.checked_sub(owed))
						.ok_or(ArithmeticError::Overflow)?;
					(pnl, pnl)
				},
			};
			health.equity = health.equity.checked_add(equity).ok_or(ArithmeticError::Overflow)?;
			// Trading at a price worse than the mark is an immediate loss.
			if let Some(p) = pending.filter(|p| p.market == entry.market) {
				let loss = Self::adverse_loss(&p, mark, decimals, settlement_decimals)?;
				health.equity = health.equity.checked_sub(loss).ok_or(ArithmeticError::Overflow)?;
			}
			let exposure = Exposure { entry, params, state, buys, sells };
			// A portfolio account's requirements are the model's: the standard ones are not
			// computed for it.
			let (initial, maintenance) = match &option {
				_ if portfolio.is_some() => (0, 0),
				Some(o) => {
					Self::option_requirements(&exposure, o, &mut cover, settlement_decimals)?
				},
				None => Self::linear_requirements(&exposure, mark, settlement_decimals)?,
			};
			// Resting orders priced worse than the mark lose the difference when they fill
			// (an accomplice can make them fill): orders and withdrawals must leave room for it.
			let resting_loss = Self::resting_loss(&entry, mark, decimals, settlement_decimals)?;
			resting_losses = resting_losses.saturating_add(resting_loss);
			if portfolio.is_some() {
				legs.extend(crate::portfolio::Leg::of(&entry, &params, &state, now));
				resting_total = resting_total.saturating_add(resting_loss);
				// An option bought counts in equity after its haircut: what the buys (resting
				// and pending) would add long is charged that haircut up front, as the
				// scenarios revalue it at its whole mark.
				if let Some(o) = &option {
					let haircut = |buys: u128| -> Result<u128, DispatchError> {
						let bought = entry
							.quantity
							.saturating_add(i128::try_from(buys).unwrap_or(i128::MAX))
							.max(0)
							.unsigned_abs()
							.saturating_sub(entry.quantity.max(0).unsigned_abs());
						let value =
							units::value(bought, mark, decimals, settlement_decimals, Rounding::Up)
								.ok_or(ArithmeticError::Overflow)?;
						Ok(o.option.long_haircut.mul_ceil(value))
					};
					let with = haircut(buys)?;
					if buys != entry.resting_buy {
						pending_haircut = with.saturating_sub(haircut(entry.resting_buy)?);
					}
					resting_total = resting_total.saturating_add(with);
				}
			}
			let initial = initial.saturating_add(resting_loss);
			health.initial = health.initial.saturating_add(initial);
			health.maintenance = health.maintenance.saturating_add(maintenance);
			if with_views && entry.quantity != 0 {
				views.push(PositionView {
					market: entry.market,
					quantity: entry.quantity,
					cost: entry.cost,
					mark,
					unrealized_pnl: pnl,
					liquidation_price: None,
					equity,
					initial,
					maintenance,
				});
				linear.push(option.is_none().then_some((params.maintenance, decimals)));
			}
		}
		if let Some(params) = portfolio {
			let figures = Self::portfolio_requirements(
				params,
				&legs,
				pending,
				settlement_decimals,
				valuation,
			);
			let (initial, without, maintenance) = match (figures, valuation) {
				(Ok(figures), _) => figures,
				// Liquidation is never blocked by the model: where it cannot value the book
				// (an option it cannot price), the standard figures stand.
				(Err(_), Valuation::Liquidation) => {
					return Self::health_of(
						fallback.unwrap_or_default(),
						collateral,
						None,
						pending,
						with_views,
						valuation,
						marked_at,
					);
				},
				(Err(e), Valuation::Strict) => return Err(e),
			};
			health.initial = initial.saturating_add(resting_total);
			health.maintenance = maintenance;
			let initial_without_pending =
				without.saturating_add(resting_total.saturating_sub(pending_haircut));
			if with_views {
				// Per position: what it adds to the maintenance requirement (closing it frees
				// that); no initial share and no single-market liquidation price.
				let marginals = Self::portfolio_marginals(params, &legs, settlement_decimals)?;
				for view in views.iter_mut() {
					view.maintenance = marginals
						.iter()
						.find(|(m, _)| *m == view.market)
						.map(|(_, mm)| *mm)
						.unwrap_or_default();
					view.initial = 0;
				}
			}
			return Ok(Valued {
				health,
				views,
				initial_without_pending: Some(initial_without_pending),
				resting_loss: resting_losses,
				kind,
			});
		}
		// Each linear position's liquidation price, against the account's whole cushion.
		if with_views {
			let cushion = health
				.equity
				.saturating_sub(i128::try_from(health.maintenance).unwrap_or(i128::MAX));
			for (view, linear) in views.iter_mut().zip(linear) {
				let Some((maintenance, decimals)) = linear else { continue };
				view.liquidation_price = clearinghouse_risk::margin::exhaustion_price(
					view.quantity,
					view.mark,
					cushion,
					maintenance,
					decimals,
					settlement_decimals,
				);
			}
		}
		Ok(Valued {
			health,
			views,
			initial_without_pending: None,
			resting_loss: resting_losses,
			kind,
		})
	}

	/// What `pending` loses at its limit against `mark`, rounded up.
	fn adverse_loss(
		pending: &PendingOrder,
		mark: FixedU128,
		decimals: u8,
		settlement_decimals: u8,
	) -> Result<i128, DispatchError> {
		let adverse = if pending.size > 0 {
			pending.price.saturating_sub(mark)
		} else {
			mark.saturating_sub(pending.price)
		};
		units::value(
			pending.size.unsigned_abs(),
			adverse,
			decimals,
			settlement_decimals,
			Rounding::Up,
		)
		.and_then(|l| i128::try_from(l).ok())
		.ok_or_else(|| ArithmeticError::Overflow.into())
	}

	/// A perpetual's or future's (initial, maintenance) requirement from the [`MarginModel`]:
	/// the initial one on the larger of the position plus all resting buys or minus all
	/// resting sells.
	fn linear_requirements(
		exposure: &Exposure,
		mark: FixedU128,
		settlement_decimals: u8,
	) -> Result<(u128, u128), DispatchError> {
		let Exposure { entry, params, state, buys, sells } = exposure;
		let decimals = params.size_decimals;
		let long = entry.quantity.saturating_add(i128::try_from(*buys).unwrap_or(i128::MAX));
		let short = entry.quantity.saturating_sub(i128::try_from(*sells).unwrap_or(i128::MAX));
		let worst = long.unsigned_abs().max(short.unsigned_abs());
		let worst_notional = units::value(worst, mark, decimals, settlement_decimals, Rounding::Up)
			.ok_or(ArithmeticError::Overflow)?;
		let pos = Position { size: entry.quantity, cost: entry.cost };
		let notional = position::notional(pos, mark, decimals, settlement_decimals)
			.ok_or(ArithmeticError::Overflow)?;
		Ok(T::Model::requirements(params, worst_notional, notional, state.open_interest))
	}

	/// An option's (initial, maintenance) requirement (see `clearinghouse_risk::options`):
	///
	/// * maintenance: the short size times `max(a·S − OTM, b·S) + mark` with the market's
	///   maintenance fraction as `a` and the maintenance floor as `b`; the part covered by the
	///   underlying (see [`Cover`]) times the mark alone. A long needs nothing: its premium
	///   is paid, and its value is already haircut in equity.
	/// * initial: the worse of the two ways the resting orders can fill, with the initial
	///   fraction (open-interest scaled) and floor — all sells fill (the short grows), or all
	///   buys fill (the short shrinks, and what they buy beyond it is charged its whole mark
	///   value: a premium is paid out of free collateral, the option bought never finances
	///   itself; with the loss against the mark already charged, that is the premium at the
	///   order's limit or more).
	///
	/// Once the settlement price is fixed the option is worth exactly its payoff (in equity
	/// already): nothing more is required.
	fn option_requirements(
		exposure: &Exposure,
		option: &OptionMark,
		cover: &mut Cover,
		settlement_decimals: u8,
	) -> Result<(u128, u128), DispatchError> {
		if option.fixed {
			return Ok((0, 0));
		}
		let Exposure { entry, params, state, buys, sells } = exposure;
		let decimals = params.size_decimals;
		let q = entry.quantity;
		let signed = |x: u128| i128::try_from(x).unwrap_or(i128::MAX);
		let short_if_sold = q.saturating_sub(signed(*sells)).min(0).unsigned_abs();
		let short_if_bought = q.saturating_add(signed(*buys)).min(0).unsigned_abs();
		let bought_long = q
			.saturating_add(signed(*buys))
			.max(0)
			.unsigned_abs()
			.saturating_sub(q.max(0).unsigned_abs());
		let short_now = q.min(0).unsigned_abs();

		let budget = cover.budget(params.underlying, option.right);
		let covered_if_sold = budget.take_initial(short_if_sold, decimals)?;
		let covered_now = budget.take_maintenance(short_now, decimals)?;
		let fractions = clearinghouse_risk::margin::Fractions {
			initial: params.initial,
			maintenance: params.maintenance,
			initial_at_full: params.initial_at_full,
			open_interest_full: params.open_interest_full,
		};
		let a_initial = fractions.initial_at(state.open_interest);
		let short = |size: u128, covered: u128, a: Permill, b: Permill| {
			Self::short_option_requirement(
				option,
				size,
				covered,
				a,
				b,
				decimals,
				settlement_decimals,
			)
		};
		let if_sold =
			short(short_if_sold, covered_if_sold, a_initial, option.option.initial_floor)?;
		let premium =
			units::value(bought_long, option.mark, decimals, settlement_decimals, Rounding::Up)
				.ok_or(ArithmeticError::Overflow)?;
		let if_bought = short(
			short_if_bought,
			covered_if_sold.min(short_if_bought),
			a_initial,
			option.option.initial_floor,
		)?
		.saturating_add(premium);
		let maintenance =
			short(short_now, covered_now, params.maintenance, option.option.maintenance_floor)?;
		Ok((if_sold.max(if_bought), maintenance))
	}

	/// `size` short units of `option` of which `covered` are covered: the uncovered ones at
	/// `max(a·S − OTM, b·S) + mark`, the covered ones at the mark; rounded up.
	fn short_option_requirement(
		option: &OptionMark,
		size: u128,
		covered: u128,
		a: Permill,
		b: Permill,
		decimals: u8,
		settlement_decimals: u8,
	) -> Result<u128, DispatchError> {
		if size == 0 {
			return Ok(0);
		}
		let right = pricing_right(option.right);
		let price = |covered: bool| {
			clearinghouse_risk::options::short_requirement_price(
				right,
				option.spot,
				option.strike,
				option.mark,
				a,
				b,
				covered,
			)
		};
		let value = |size: u128, price: FixedU128| {
			units::value(size, price, decimals, settlement_decimals, Rounding::Up)
				.ok_or(ArithmeticError::Overflow)
		};
		let covered = covered.min(size);
		Ok(value(size - covered, price(false))?.saturating_add(value(covered, price(true))?))
	}

	/// What an unpriced position is taken to have lost when liquidation values the account
	/// (see [`Self::liquidation_health`]): a perpetual or future its whole entry notional
	/// `|cost|`; an option (its vol missing, or outside the pricing domain) its no-arbitrage
	/// bound against the holder on the index where there is one — a long worth its intrinsic
	/// value (a negative loss), a short call owing the index, a short put the strike — and
	/// without an index a long worth nothing and a short owing its strike. A guess, so while
	/// one stands liquidation closes no worse than the mark and nothing is deleveraged (see
	/// [`Pallet::bankruptcy_equity`]).
	fn unpriced_loss(
		entry: &PositionEntry,
		state: &MarketState,
		params: &RiskParams,
		settlement_decimals: u8,
	) -> Result<i128, DispatchError> {
		let Instrument::Option { right, strike, .. } = state.instrument else {
			return i128::try_from(entry.cost.unsigned_abs())
				.map_err(|_| ArithmeticError::Overflow.into());
		};
		let spot = state
			.settlement_price
			.or_else(|| T::Prices::price(&params.underlying).map(|(price, _)| price));
		let long = entry.quantity > 0;
		let per_unit = match (long, spot) {
			(true, Some(spot)) => {
				clearinghouse_risk::options::intrinsic(pricing_right(right), spot, strike)
			},
			(true, None) => FixedU128::zero(),
			(false, Some(spot)) if right == OptionRight::Call => spot,
			(false, _) => strike,
		};
		let rounding = if long { Rounding::Down } else { Rounding::Up };
		let value = units::value(
			entry.quantity.unsigned_abs(),
			per_unit,
			params.size_decimals,
			settlement_decimals,
			rounding,
		)
		.and_then(|v| i128::try_from(v).ok())
		.ok_or(ArithmeticError::Overflow)?;
		Ok(if long { -value } else { value })
	}

	/// What `entry`'s resting orders lose against `mark` if they all fill at their worst
	/// prices: `(highest_buy − mark)⁺ · buys + (mark − lowest_sell)⁺ · sells`, rounded up. An
	/// upper bound (every unit of a side is charged its worst price); an account's own bids
	/// and asks cannot cross, so at most one side is ever positive.
	pub(crate) fn resting_loss(
		entry: &PositionEntry,
		mark: FixedU128,
		decimals: u8,
		settlement_decimals: u8,
	) -> Result<u128, DispatchError> {
		let side = |size: u128, adverse: FixedU128| -> Result<u128, DispatchError> {
			if size == 0 || adverse.is_zero() {
				return Ok(0);
			}
			units::value(size, adverse, decimals, settlement_decimals, Rounding::Up)
				.ok_or_else(|| ArithmeticError::Overflow.into())
		};
		let buys = side(entry.resting_buy, entry.highest_buy.saturating_sub(mark))?;
		let sells = if entry.resting_sell == 0 {
			0
		} else {
			side(entry.resting_sell, mark.saturating_sub(entry.lowest_sell))?
		};
		Ok(buys.saturating_add(sells))
	}

	/// Whether `account` may place `pending`. The rule, for every order (reduce-only ones
	/// included: the flag limits an order's size, not what it may lose):
	///
	/// 1. With the order counted at its worst case (all buys or all sells of each market fill,
	///    each at its own limit, losses against the mark deducted), equity ≥ initial; or
	/// 2. the order is **risk-reducing**: it does not raise the initial requirement, and what
	///    it loses against the mark at its limit leaves equity ≥ maintenance (an account below
	///    its initial requirement can still cut risk, but cannot trade itself into
	///    liquidation or bankruptcy at an off-market price).
	/// 3. When a market of the account has no mark price nothing can be valued: only an order
	///    that cannot add exposure (on the side opposite its position, its size plus the
	///    resting orders on that side within the position) passes, and only at a limit no
	///    worse than the mark of its own market, or, if that market has no mark either, than
	///    the position's average entry price (so it realises no loss that no price can value).
	///    Otherwise [`Error::PriceUnavailable`].
	///
	/// Returns what the check cost beyond the trading benchmarks' one valuation of an account
	/// of as many perpetuals: its kind's surcharge ([`Self::kind_surcharge`]; none for
	/// perpetuals and futures on the standard model), and a second valuation where the order
	/// fails rule 1 and the model did not give the requirement without it (at most
	/// [`Self::margin_check_weight`] of the account's positions). A check that could not value
	/// the account (a market without a price) is charged the costliest kind's surcharge: it
	/// may have valued positions of any kind before it stopped.
	pub(crate) fn check_order(
		account: &AccountOf<T>,
		pending: PendingOrder,
	) -> Result<Weight, DispatchError> {
		let held = Self::held(account);
		// The order's market may be one more position valued.
		let valued = held.saturating_add(1);
		let (with, initial_without, kind) = match Self::order_health(account, pending) {
			Ok(valued) => valued,
			Err(e) if e == Error::<T>::PriceUnavailable.into() => {
				ensure!(Self::reduces_without_a_loss(account, pending)?, e);
				return Ok(Self::check_weight_surcharge(valued));
			},
			Err(e) => return Err(e),
		};
		let surcharge = Self::kind_surcharge(kind, valued);
		if with.meets_initial() {
			return Ok(surcharge);
		}
		let (initial_without, revaluation) = match initial_without {
			Some(initial) => (initial, Weight::zero()),
			None => (Self::health(account, None)?.initial, Self::check_weight_of(kind, held)),
		};
		let maintenance = i128::try_from(with.maintenance).unwrap_or(i128::MAX);
		ensure!(
			with.initial <= initial_without && with.equity >= maintenance,
			Self::short_of_margin_for(account, &pending)
		);
		Ok(surcharge.saturating_add(revaluation))
	}

	/// The error of a failed order check: as [`Self::short_of_margin`], except that an option
	/// buy priced with all collateral priced is [`Error::PremiumUnaffordable`] (its premium is
	/// what the account cannot pay).
	fn short_of_margin_for(account: &AccountOf<T>, pending: &PendingOrder) -> DispatchError {
		let error = Self::short_of_margin(account);
		let option = matches!(
			Pallet::<T>::market_state(pending.market).instrument,
			Instrument::Option { .. }
		);
		if pending.size > 0 && option && error == Error::<T>::InsufficientMargin.into() {
			return Error::<T>::PremiumUnaffordable.into();
		}
		error
	}

	/// Whether `account` may keep what a batch of `orders` did (a `bulk` call's placements:
	/// matched, rested and recorded) since it held `before`. [`Self::check_order`]'s rule,
	/// applied once to the outcome instead of once per order:
	///
	/// 1. With every resting order at its worst case, equity ≥ initial; or
	/// 2. the batch did not raise the initial requirement above `before`'s, and equity less
	///    what every resting order loses against the mark at its limit is ≥ maintenance (a
	///    single order's rule deducts its own loss from equity; an order of a batch that rests
	///    carries that loss only in the initial requirement, so rule 2 deducts it: otherwise a
	///    sale that frees requirement could fund a bid far over the mark for an accomplice to
	///    hit). Not when `released`: the placements took some of the account's own earlier
	///    orders out of the book (self-trade prevention, expiry, eviction, a reduce-only order
	///    refitted), and `before` still counts them, so the comparison would let their
	///    requirement pay for new exposure that, order by order, would be compared with the
	///    account without them.
	/// 3. When a market of the account has no mark price, every order must pass rule 3 of
	///    [`Self::check_order`] against `before`, each counting the orders before it as resting
	///    (a fill only turns resting size into a smaller position, so this is the per-order
	///    rule exactly); otherwise [`Error::PriceUnavailable`].
	///
	/// Returns what the check cost beyond the trading benchmarks' one valuation of an account of
	/// as many perpetuals: the outcome's kind's surcharge, and `before`'s valuation where it
	/// was needed (at most [`Self::margin_check_weight`] of its positions); the costliest
	/// kind's surcharge where a market had no price (as [`Self::check_order`]).
	pub(crate) fn check_batch(
		account: &AccountOf<T>,
		before: OrderBatch,
		orders: &[PendingOrder],
		released: bool,
	) -> Result<Weight, DispatchError> {
		let Some(first) = orders.first() else { return Ok(Weight::zero()) };
		// One valuation of the collateral serves the outcome and, where needed, the account as
		// it was (its requirement does not depend on it).
		let record = Accounts::<T>::get(account);
		let portfolio = Self::portfolio_for(&record);
		let value = |entries: Vec<PositionEntry>, collateral| {
			Self::health_of(
				entries,
				collateral,
				portfolio.as_ref(),
				None,
				false,
				Valuation::Strict,
				None,
			)
		};
		let collateral = Self::collateral_of(account, record.floor)?;
		let entries = record.into_inner();
		let held = entries.len() as u32;
		let valued = match value(entries, collateral) {
			Ok(valued) => valued,
			Err(e) if e == Error::<T>::PriceUnavailable.into() => {
				let mut entries = before.entries;
				for pending in orders {
					ensure!(Self::reduces_without_a_loss_of(&entries, *pending)?, e);
					// The next order counts this one as resting on its side.
					if let Some(entry) = entries.iter_mut().find(|x| x.market == pending.market) {
						let size = pending.size.unsigned_abs();
						if pending.size > 0 {
							entry.resting_buy = entry.resting_buy.saturating_add(size);
						} else {
							entry.resting_sell = entry.resting_sell.saturating_add(size);
						}
					}
				}
				return Ok(Self::check_weight_surcharge(held));
			},
			Err(e) => return Err(e),
		};
		let with = valued.health;
		let surcharge = Self::kind_surcharge(valued.kind, held);
		if with.meets_initial() {
			return Ok(surcharge);
		}
		// An option buy among the orders names the premium the account cannot pay.
		let named = orders.iter().find(|o| o.size > 0).unwrap_or(first);
		ensure!(!released, Self::short_of_margin_for(account, named));
		let positions_before = before.entries.len() as u32;
		// The initial requirement does not depend on collateral: today's stands in for the
		// collateral `before` held. An account that could not be valued before cannot compare:
		// it must meet its initial requirement.
		let before = value(before.entries, collateral);
		let revaluation = match &before {
			Ok(v) => Self::check_weight_of(v.kind, positions_before),
			Err(_) => Self::margin_check_weight(positions_before),
		};
		let initial_before = before.map(|v| v.health.initial);
		let maintenance = i128::try_from(with.maintenance).unwrap_or(i128::MAX);
		let resting_loss = i128::try_from(valued.resting_loss).unwrap_or(i128::MAX);
		ensure!(
			initial_before.is_ok_and(|before| with.initial <= before)
				&& with.equity.saturating_sub(resting_loss) >= maintenance,
			Self::short_of_margin_for(account, named)
		);
		Ok(surcharge.saturating_add(revaluation))
	}

	/// Rule 3 of [`Self::check_order`]: whether `pending` cannot add exposure and cannot realise
	/// a loss against the mark of its market or, without one, against the entry price.
	fn reduces_without_a_loss(
		account: &AccountOf<T>,
		pending: PendingOrder,
	) -> Result<bool, DispatchError> {
		Self::reduces_without_a_loss_of(&Accounts::<T>::get(account), pending)
	}

	/// [`Self::reduces_without_a_loss`] for an account holding `entries`.
	fn reduces_without_a_loss_of(
		entries: &[PositionEntry],
		pending: PendingOrder,
	) -> Result<bool, DispatchError> {
		let Some(entry) = entries.iter().find(|e| e.market == pending.market) else {
			return Ok(false);
		};
		let buy = pending.size > 0;
		let (position, resting) =
			(entry.quantity, if buy { entry.resting_buy } else { entry.resting_sell });
		let opposite = position != 0 && (position > 0) != buy;
		let within = resting
			.checked_add(pending.size.unsigned_abs())
			.is_some_and(|total| total <= position.unsigned_abs());
		if !opposite || !within {
			return Ok(false);
		}
		let params = Pallet::<T>::risk(pending.market).ok_or(Error::<T>::MarketNotConfigured)?;
		if let Some(mark) = Self::mark_price(pending.market, &params) {
			return Ok(if buy { pending.price <= mark } else { pending.price >= mark });
		}
		// Against the entry price: the order's notional at its limit vs the share of the cost
		// basis it releases. A sell must get at least it, a buy pay at most it.
		let settlement_decimals = Self::settlement_decimals()?;
		let size = pending.size.unsigned_abs();
		let rounding = if buy { Rounding::Up } else { Rounding::Down };
		let at_limit =
			units::value(size, pending.price, params.size_decimals, settlement_decimals, rounding)
				.ok_or(ArithmeticError::Overflow)?;
		let released = multiply_by_rational_with_rounding(
			entry.cost.unsigned_abs(),
			size,
			position.unsigned_abs(),
			if buy { Rounding::Down } else { Rounding::Up },
		)
		.ok_or(ArithmeticError::Overflow)?;
		Ok(if buy { at_limit <= released } else { at_limit >= released })
	}

	/// Withdrawals (and sub-account transfers out) must leave equity ≥ initial. Returns the
	/// surcharge of the kind of account valued (see [`Self::kind_surcharge`]).
	pub(crate) fn check_withdrawal(account: &AccountOf<T>) -> Result<Weight, DispatchError> {
		let held = Self::held(account);
		if held == 0 {
			return Ok(Weight::zero());
		}
		let valued = Self::strict_valuation(account, None)?;
		ensure!(valued.health.meets_initial(), Self::short_of_margin(account));
		Ok(Self::kind_surcharge(valued.kind, held))
	}

	/// Advance the funding index of every perpetual whose sample is due. Bounded by
	/// `MaxMarkets`; a market without a price (or mark) waits for the next block. Charged as
	/// if every market were due (the worst case), since `on_initialize` cannot refund.
	pub(crate) fn sample_funding() -> Weight {
		let now = T::Time::now();
		let count = Markets::<T>::count();
		for (market, MarketRecord { risk: params, mut state, prices }) in Markets::<T>::iter() {
			let Some(funding_params) = params.funding else { continue };
			if now < state.funding_at.saturating_add(funding_params.sample_interval_ms) {
				continue;
			}
			// One quote for the index and the mark: the record's copy.
			let Some(quote) = prices.quote(now) else { continue };
			let index = quote.price;
			let mark = mark::mark_price(index, state.mid, quote.ema);
			let Some(premium) = funding::premium(mark, index, funding_params.premium_cap) else {
				continue;
			};
			// One observed premium stands for at most two sample intervals (one, plus the
			// block it waited for): after an oracle outage the unobserved gap is not charged
			// at the premium of the instant the price came back.
			let elapsed = now
				.saturating_sub(state.funding_at)
				.min(funding_params.sample_interval_ms.saturating_mul(2));
			let Some(next) = funding::accrue(
				state.funding_index,
				premium,
				index,
				elapsed,
				funding_params.period_ms,
			) else {
				continue;
			};
			state.funding_index = next;
			state.funding_at = now;
			Markets::<T>::insert(market, MarketRecord { risk: params, state, prices });
			Self::deposit_event(Event::FundingUpdated { market, premium, index: next });
		}
		T::WeightInfo::sample_funding(count)
	}

	/// The auto-deleveraging queue of `market`: accounts holding profitable positions on
	/// `side` (long for `true`), highest score first ([`Pallet::adl_score`]). Read-only, for the
	/// runtime API: it walks every account, which only an off-chain call may do (on chain the
	/// `adl` module ranks across blocks).
	pub fn adl_queue(market: MarketId, long: bool, limit: u32) -> Vec<(AccountOf<T>, FixedU128)> {
		let own = Self::account_id();
		let mut queue: Vec<(AccountOf<T>, FixedU128)> = Accounts::<T>::iter_keys()
			.filter(|account| account.owner != own)
			.filter_map(|account| {
				let score = Self::adl_score(&account, market, long)?;
				Some((account, score))
			})
			.collect();
		// Stable: ties keep storage order, as the on-chain scan does.
		queue.sort_by_key(|(_, score)| core::cmp::Reverse(*score));
		queue.truncate(limit as usize);
		queue
	}

	/// `account`'s health and positions for the runtime API, saying what could not be priced
	/// (see [`AccountHealth`]). `None` only if the valuation itself fails (no settlement asset,
	/// an overflow).
	pub fn account_health(account: &AccountOf<T>) -> Option<AccountHealth> {
		let (unpriced_markets, valuation) = Self::views_valuation(&Accounts::<T>::get(account));
		let (health, positions) =
			Self::health_and_positions(account, None, true, valuation).ok()?;
		Some(AccountHealth {
			equity: health.equity,
			initial: health.initial,
			maintenance: health.maintenance,
			free_collateral: health.free_collateral(),
			liquidatable: health.is_liquidatable(),
			positions,
			unpriced_collaterals: T::Ledger::collateral_value(account).ok()?.unpriced,
			unpriced_markets,
		})
	}

	/// The markets of `entries` without a mark price, and how a view values the account:
	/// strictly when every market is priced, else as liquidation does (a view must not fail
	/// for one missing price).
	pub(crate) fn views_valuation(entries: &[PositionEntry]) -> (Vec<MarketId>, Valuation) {
		let unpriced: Vec<MarketId> = entries
			.iter()
			.filter(|e| {
				Pallet::<T>::risk(e.market)
					.is_none_or(|params| Self::mark_price(e.market, &params).is_none())
			})
			.map(|e| e.market)
			.collect();
		let valuation =
			if unpriced.is_empty() { Valuation::Strict } else { Valuation::Liquidation };
		(unpriced, valuation)
	}

	/// The error of a failed margin check: [`Error::CollateralUnpriced`] when collateral of the
	/// account was counted as zero for want of a price (the check might pass once it is
	/// priced), else [`Error::InsufficientMargin`].
	fn short_of_margin(account: &AccountOf<T>) -> DispatchError {
		match T::Ledger::collateral_value(account) {
			Ok(v) if v.unpriced > 0 => Error::<T>::CollateralUnpriced.into(),
			_ => Error::<T>::InsufficientMargin.into(),
		}
	}

	/// The pallet's invariants: per market Σ long sizes == Σ short sizes == the recorded open
	/// interest; entries sorted, unique, non-empty and only in configured markets.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use clearinghouse_primitives::collateral::HiddenCollateral;
		let mut sides: BTreeMap<MarketId, (u128, u128)> = BTreeMap::new();
		let mut holders = 0usize;
		for (account, entries) in Accounts::<T>::iter() {
			ensure!(!entries.is_empty(), "empty account stored");
			// The record's copy of the floor is the confidential pallet's.
			ensure!(entries.floor == T::Hidden::floor(&account), "a stale copy of a floor");
			ensure!(entries.windows(2).all(|w| w[0].market < w[1].market), "entries not sorted");
			for e in entries.iter() {
				ensure!(!e.is_empty(), "empty entry stored");
				ensure!(Markets::<T>::contains_key(e.market), "entry in an unconfigured market");
				if e.quantity != 0 {
					holders += 1;
					ensure!(
						Holders::<T>::contains_key((e.market, e.quantity > 0), &account),
						"a position missing from the holder index"
					);
				}
				let s = sides.entry(e.market).or_default();
				if e.quantity > 0 {
					s.0 = s.0.saturating_add(e.quantity.unsigned_abs());
				} else {
					s.1 = s.1.saturating_add(e.quantity.unsigned_abs());
				}
			}
		}
		ensure!(Holders::<T>::iter_keys().count() == holders, "a stale holder index entry");
		let mut uncopied = 0u32;
		T::Hidden::for_each_floor(&mut |account, floor| {
			if Accounts::<T>::get(account).floor != floor {
				uncopied += 1;
			}
		});
		ensure!(uncopied == 0, "a floor without its copy in the account's record");
		let recorded: u128 = BadDebts::<T>::iter_values().fold(0, |a, d| a.saturating_add(d));
		ensure!(recorded == TotalBadDebt::<T>::get(), "bad-debt total drifted");
		let listed: usize = LinearMarkets::<T>::iter_values().map(|m| m.len()).sum();
		for (underlying, markets) in LinearMarkets::<T>::iter() {
			for market in markets.iter() {
				let record = Markets::<T>::get(market).ok_or("an unconfigured market listed")?;
				ensure!(
					record.risk.underlying == underlying,
					"a market listed on another underlying"
				);
			}
		}
		let mut linear = 0usize;
		for (market, MarketRecord { risk: params, state, prices }) in Markets::<T>::iter() {
			// A perpetual's or future's copy of its index reads is the oracle's, and the
			// market is listed on its underlying (so the oracle's changes reach it); an option
			// keeps none.
			if matches!(state.instrument, Instrument::Option { .. }) {
				ensure!(prices == PriceSchedule::default(), "an option with a copy of prices");
			} else {
				linear += 1;
				ensure!(
					LinearMarkets::<T>::get(params.underlying).contains(&market),
					"a perpetual or future missing from its underlying's markets"
				);
				ensure!(
					prices == T::Prices::schedule(&params.underlying).unwrap_or_default(),
					"a market's copy of its index reads is not the oracle's"
				);
			}
			// The mark's mid is the book's as the previous block ended (every change of a book
			// is reported when the next block begins).
			if let Some(mid) = T::Book::previous_mid(market) {
				ensure!(state.mid == mid, "a market's recorded mid is not its book's last block's");
			}
			if let Some(listed) = T::Book::instrument(market) {
				ensure!(
					state.instrument == listed,
					"a market valued as another instrument than it is listed as"
				);
			}
			if matches!(state.instrument, Instrument::Option { .. }) {
				ensure!(
					OptionRisks::<T>::contains_key(params.underlying),
					"an option on an underlying without option parameters"
				);
			}
			if let Some(expiry) = state.instrument.expiry() {
				ensure!(params.funding.is_none(), "funding on a dated market");
				ensure!(
					Settlements::<T>::get(market).is_some_and(|s| s.expiry == expiry),
					"a dated market without its settlement"
				);
			}
		}
		// Each listed once (every listing is a configured linear market on its underlying).
		ensure!(listed == linear, "a market listed twice or an option listed");
		for (market, settlement) in Settlements::<T>::iter() {
			ensure!(Markets::<T>::contains_key(market), "settlement of an unknown market");
			ensure!(
				Pallet::<T>::market_state(market).settlement_price == settlement.price,
				"the market's settlement price differs from its settlement's"
			);
			ensure!(
				T::Book::expiry(market) == Some(settlement.expiry),
				"settlement expiry differs from the book's"
			);
			ensure!(
				settlement.price.is_none_or(|p| !p.is_zero())
					&& (settlement.price.is_none() || settlement.covered_ms > 0),
				"a settlement price of zero or of nothing sampled"
			);
		}
		for (market, adl) in Deleveraging::<T>::iter() {
			ensure!(Markets::<T>::contains_key(market), "deleveraging in an unknown market");
			ensure!(adl.quantity != 0, "empty deleveraging stored");
			// The inventory to hand on is held by the insurance account, on its side.
			let held = Self::backstop_size(market);
			ensure!(
				held != 0
					&& (held > 0) == (adl.quantity > 0)
					&& held.unsigned_abs() >= adl.quantity.unsigned_abs(),
				"the insurance account does not hold the pending deleveraging"
			);
			ensure!(
				adl.candidates.windows(2).all(|w| w[0].1 >= w[1].1),
				"deleveraging candidates out of order"
			);
			ensure!(
				adl.candidates.iter().all(|(a, _)| a.owner != Self::account_id()),
				"the insurance account ranked against itself"
			);
		}
		for (market, MarketRecord { state, .. }) in Markets::<T>::iter() {
			let (long, short) = sides.get(&market).copied().unwrap_or_default();
			// A market settling at expiry closes its longs first: only there may the sides
			// differ for a while; once settled both are empty.
			match Settlements::<T>::get(market) {
				Some(s) if s.settled => {
					ensure!(long == 0 && short == 0, "a position left in a settled market")
				},
				Some(s) if s.price.is_some() => {},
				_ => ensure!(long == short, "long and short open interest differ"),
			}
			ensure!(state.open_interest == long, "open interest drifted");
		}
		Ok(())
	}
}

use polkadot_sdk::sp_arithmetic::traits::Saturating;
use polkadot_sdk::sp_arithmetic::FixedI128;
