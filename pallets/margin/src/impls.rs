//! What the margin engine provides to the order book, the vaults and the insurance fund.

use alloc::vec::Vec;
use clearinghouse_primitives::{
	collateral::{BandValuation, CheckWeight, FundBooks, WithdrawalGuard},
	trading::{
		FillHandler, OrderIntent, OrderMarginCheck, RestingTotals, TradeFill, TradeSide,
		TriggerPrices,
	},
};
use clearinghouse_risk::units;
use frame_support::{ensure, pallet_prelude::*};
use polkadot_sdk::sp_arithmetic::Rounding;

use crate::{
	functions::{Leg, OrderBatch, PendingOrder},
	pallet::*,
	*,
};
use polkadot_sdk::sp_runtime::ArithmeticError;

/// The insurance fund's further backstop books (see [`Pallet::backstop_account`]).
impl<T: Config> FundBooks for Pallet<T> {
	fn extra_cash() -> i128 {
		Self::books_cash()
	}
	fn consolidate() -> DispatchResult {
		Self::consolidate_fund().map(|_| ())
	}
}

impl<T: Config> FillHandler<T::AccountId> for Pallet<T> {
	/// Both sides of the trade: funding settled, positions moved, PnL realised and fees paid,
	/// the notional computed once for both; open interest follows.
	fn on_fill(fill: &TradeFill<T::AccountId>) -> Result<(), DispatchError> {
		let params = Pallet::<T>::risk(fill.market).ok_or(Error::<T>::MarketNotConfigured)?;
		let settlement_decimals =
			T::Ledger::settlement_decimals().ok_or(Error::<T>::NoSettlementAsset)?;
		let notional = units::value(
			fill.size,
			fill.price,
			params.size_decimals,
			settlement_decimals,
			Rounding::Down,
		)
		.ok_or(ArithmeticError::Overflow)?;
		let size = i128::try_from(fill.size).map_err(|_| ArithmeticError::Overflow)?;
		let taker_qty = match fill.taker_side {
			TradeSide::Buy => size,
			TradeSide::Sell => -size,
		};
		// The pallet's own accounts (the insurance fund unwinding) pay no fees: they would pay
		// them to themselves.
		let fee_of = |account: &AccountOf<T>, rate| {
			if account.owner == Self::account_id() {
				polkadot_sdk::sp_arithmetic::Permill::zero()
			} else {
				rate
			}
		};
		Self::book_trade(
			fill.market,
			&params,
			Leg { account: &fill.taker, fee: fee_of(&fill.taker, fill.taker_fee), is_taker: true },
			Leg { account: &fill.maker, fee: fee_of(&fill.maker, fill.maker_fee), is_taker: false },
			taker_qty,
			notional,
			settlement_decimals,
		)
	}
}

impl<T: Config> OrderMarginCheck<T::AccountId> for Pallet<T> {
	/// Every order is checked, reduce-only ones too (see [`Pallet::check_order`] for the
	/// rule): a reduce-only flag limits the order's size, not what it may lose.
	fn ensure_can_place(
		account: &AccountOf<T>,
		order: &OrderIntent,
	) -> Result<Weight, DispatchError> {
		ensure!(Markets::<T>::contains_key(order.market), Error::<T>::MarketNotConfigured);
		Self::check_order(account, Self::pending(order)?)
	}

	type Batch = OrderBatch;

	fn begin_batch(account: &AccountOf<T>) -> OrderBatch {
		OrderBatch { entries: Accounts::<T>::get(account).into_inner() }
	}

	/// One check of the batch's outcome (see [`Pallet::check_batch`] for the rule).
	fn ensure_batch(
		account: &AccountOf<T>,
		before: OrderBatch,
		orders: &[OrderIntent],
		released: bool,
	) -> Result<Weight, DispatchError> {
		let mut pending = Vec::with_capacity(orders.len());
		for order in orders {
			if pending.last().is_none_or(|p: &PendingOrder| p.market != order.market) {
				ensure!(Markets::<T>::contains_key(order.market), Error::<T>::MarketNotConfigured);
			}
			pending.push(Self::pending(order)?);
		}
		Self::check_batch(account, before, &pending, released)
	}

	fn revaluation_weight(positions: u32) -> Weight {
		Self::margin_check_weight(positions)
	}

	/// The mark as a margin check takes it; the index from the record's copy of the oracle's
	/// reads (a perpetual or future) or from the oracle (an option's underlying).
	fn trigger_prices(market: MarketId) -> TriggerPrices {
		let Some(record) = Markets::<T>::get(market) else { return TriggerPrices::default() };
		let quote = record.prices.quote(<T::Time as frame_support::traits::Time>::now());
		let index = match record.state.instrument {
			Instrument::Option { .. } => {
				T::Prices::price(&record.risk.underlying).map(|(price, _)| price)
			},
			_ => quote.map(|q| q.price),
		};
		let mark = Self::mark_with_state(&record.risk, &record.state, quote);
		TriggerPrices { mark, index }
	}

	fn position(account: &AccountOf<T>, market: MarketId) -> i128 {
		Accounts::<T>::get(account)
			.iter()
			.find(|e| e.market == market)
			.map(|e| e.quantity)
			.unwrap_or_default()
	}

	fn resting(account: &AccountOf<T>, market: MarketId) -> RestingTotals {
		Accounts::<T>::get(account)
			.iter()
			.find(|e| e.market == market)
			.map(|e| RestingTotals {
				buy: e.resting_buy,
				sell: e.resting_sell,
				highest_buy: e.highest_buy,
				lowest_sell: e.lowest_sell,
			})
			.unwrap_or_default()
	}

	fn on_resting_changed(
		account: &AccountOf<T>,
		market: MarketId,
		resting: RestingTotals,
	) -> DispatchResult {
		let mut entries = Accounts::<T>::get(account).entries;
		let i = match entries.binary_search_by_key(&market, |e| e.market) {
			Ok(i) => i,
			Err(_) if resting.is_empty() => return Ok(()),
			Err(_) => {
				let index = Pallet::<T>::market_state(market).funding_index;
				Self::entry_index(&mut entries, market, index)?
			},
		};
		if let Some(e) = entries.get_mut(i) {
			e.set_resting(resting);
		}
		Self::store_entries(account, entries);
		Ok(())
	}

	/// Recorded in the market's record (written only when it differs): the mid its mark takes.
	fn on_mid(market: MarketId, mid: Option<FixedU128>) {
		Pallet::<T>::record_mid(market, mid)
	}
}

impl<T: Config> Pallet<T> {
	/// `order` as the margin rule counts it: signed size, worst price.
	fn pending(order: &OrderIntent) -> Result<PendingOrder, DispatchError> {
		let size = i128::try_from(order.size).map_err(|_| ArithmeticError::Overflow)?;
		let size = match order.side {
			TradeSide::Buy => size,
			TradeSide::Sell => -size,
		};
		Ok(PendingOrder { market: order.market, size, price: order.price })
	}
}

/// The margin check's cost grows with the positions it values (see
/// [`Pallet::check_weight_surcharge`]).
impl<T: Config> CheckWeight<T::AccountId> for Pallet<T> {
	fn positions(account: &AccountOf<T>) -> u32 {
		Self::held(account)
	}

	fn max_positions() -> u32 {
		T::MaxPositions::get()
	}

	fn collaterals(account: &AccountOf<T>) -> u32 {
		T::Ledger::held_assets(account)
	}

	fn max_collaterals() -> u32 {
		T::Ledger::max_assets()
	}

	fn check_weight_surcharge(positions: u32) -> Weight {
		Self::check_weight_surcharge(positions)
	}
}

impl<T: Config> WithdrawalGuard<T::AccountId> for Pallet<T> {
	fn ensure_can_withdraw(
		account: &AccountOf<T>,
		collateral: clearinghouse_primitives::CollateralId,
	) -> Result<Weight, DispatchError> {
		if T::Ledger::settlement_collateral() == Some(collateral) {
			// Unresolved bad debt means the vault is short: nobody takes the settlement asset
			// out until it is covered.
			ensure!(TotalBadDebt::<T>::get() == 0, Error::<T>::BadDebtOutstanding);
			// A pending deleveraging takes profit back from the positions it hands its
			// inventory to: only an account holding that side of that market keeps its
			// settlement asset in until it ends (it could otherwise take out the profit it is
			// about to give up). Everyone else withdraws as usual.
			if Deleveraging::<T>::count() > 0 {
				for e in Accounts::<T>::get(account).iter().filter(|e| e.quantity != 0) {
					if let Some(adl) = Deleveraging::<T>::get(e.market) {
						ensure!(
							(e.quantity > 0) == (adl.quantity > 0),
							Error::<T>::DeleveragingPending
						);
					}
				}
			}
		}
		Self::check_withdrawal(account)
	}
}

/// Configures an option market the moment the book lists it, from its underlying's option
/// parameters ([`OptionParams::market_risk`]): listing an option on an underlying without
/// them fails with [`Error::NoVolKey`] and undoes the listing. Perpetuals and futures are
/// configured by `risk_admin` through [`Pallet::set_market_risk`]. A market id configured
/// before the book listed it takes the listing's instrument now (and a dated one registers
/// its settlement); the listing fails if those parameters cannot apply to it (another
/// underlying: [`Error::ImmutableParams`]; funding on a dated market:
/// [`Error::InvalidRiskParams`]).
impl<T: Config> clearinghouse_primitives::trading::MarketListing for Pallet<T> {
	fn on_listed(
		market: MarketId,
		underlying: OracleKey,
		instrument: Instrument,
	) -> polkadot_sdk::sp_runtime::DispatchResult {
		let option = matches!(instrument, Instrument::Option { .. });
		if option {
			ensure!(OptionRisks::<T>::contains_key(underlying), Error::<T>::NoVolKey);
		}
		let Some(params) = Pallet::<T>::risk(market) else {
			return match OptionRisks::<T>::get(underlying).filter(|_| option) {
				Some(o) => Self::do_set_market_risk(market, o.market_risk(underlying)),
				None => Ok(()),
			};
		};
		ensure!(params.underlying == underlying, Error::<T>::ImmutableParams);
		let expiry = instrument.expiry();
		ensure!(expiry.is_none() || params.funding.is_none(), Error::<T>::InvalidRiskParams);
		Pallet::<T>::mutate_state(market, |s| s.instrument = instrument);
		// Configured before the book listed it as an option: an option keeps no copy of the
		// index's reads and is no longer rewritten with them.
		if option {
			LinearMarkets::<T>::mutate(underlying, |markets| markets.retain(|m| *m != market));
			Markets::<T>::mutate(market, |record| {
				if let Some(record) = record {
					record.prices = PriceSchedule::default();
				}
			});
		}
		if let Some(expiry) = expiry {
			if !Settlements::<T>::contains_key(market) {
				Settlements::<T>::insert(market, SettlementState::new(expiry));
			}
		}
		Ok(())
	}
}

/// A band proof's public values: the book valued with the band's underlying at one end.
impl<T: Config> BandValuation<T::AccountId> for Pallet<T> {
	/// Refused ([`Error::BandUnsupported`]) for a portfolio account and for a book with an
	/// option or a market on another underlying: the band argument needs a requirement affine
	/// in the one price that moves. Strict: a market without a price is an error too.
	fn surplus_at(
		account: &AccountOf<T>,
		underlying: OracleKey,
		price: polkadot_sdk::sp_arithmetic::FixedU128,
	) -> Result<i128, DispatchError> {
		ensure!(Self::portfolio_of(account).is_none(), Error::<T>::BandUnsupported);
		let entries = Accounts::<T>::get(account).into_inner();
		for entry in &entries {
			let params = Pallet::<T>::risk(entry.market).ok_or(Error::<T>::MarketNotConfigured)?;
			let linear = !matches!(
				Pallet::<T>::market_state(entry.market).instrument,
				Instrument::Option { .. }
			);
			ensure!(linear && params.underlying == underlying, Error::<T>::BandUnsupported);
		}
		let health = Self::health_of(
			entries,
			T::Ledger::collateral_value(account)?,
			None,
			None,
			false,
			crate::functions::Valuation::Strict,
			Some((underlying, price)),
		)?
		.health;
		health
			.equity
			.checked_sub(i128::try_from(health.initial).map_err(|_| ArithmeticError::Overflow)?)
			.ok_or_else(|| ArithmeticError::Overflow.into())
	}

	fn is_liquidatable(account: &AccountOf<T>) -> bool {
		Self::liquidation_health(account).map(|h| h.is_liquidatable()).unwrap_or(false)
	}

	/// The copy in the account's record (written only when it differs; a record left with
	/// nothing is removed).
	fn floor_changed(account: &AccountOf<T>, floor: u128) {
		let mut record = Accounts::<T>::get(account);
		if record.floor != floor {
			record.floor = floor;
			Self::store_record(account, record);
		}
	}

	fn valuation_weight() -> Weight {
		Self::liquidation_valuation_weight(T::MaxPositions::get())
	}
}

/// The oracle tells the margin engine of every change of a key's index reads: the copies in
/// the perpetuals' and futures' records follow in the same call.
impl<T: Config> QuotesListener<OracleKey> for Pallet<T> {
	fn quotes_changed(key: &OracleKey, schedule: Option<&PriceSchedule>) -> Weight {
		Self::copy_prices(key, schedule)
	}

	/// Each key's read of its listed markets, and the copies: at most
	/// `MaxLinearMarketsPerUnderlying` a key and `MaxMarkets` in all (adding a feeder re-reads
	/// every key: bounded by 128 keys of 8 markets it would declare 1,024 copies, 4.7 MB of
	/// proof, and three feeders could not be added in one call).
	fn max_weight(keys: u32) -> Weight {
		let per_key = T::MaxLinearMarketsPerUnderlying::get();
		let markets = keys.saturating_mul(per_key).min(T::MaxMarkets::get());
		let base = T::WeightInfo::quotes_changed(0);
		let per_market = T::WeightInfo::quotes_changed(1).saturating_sub(base);
		base.saturating_mul(u64::from(keys))
			.saturating_add(per_market.saturating_mul(u64::from(markets)))
	}
}
