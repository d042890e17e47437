//! The what-if simulator (`MarginApi::simulate`, Deribit's `private/pme/simulate`): an
//! account's figures after hypothetical trades and deposits, by its own model, by the standard
//! model and by the portfolio model side by side, with the risk array, and nothing written.
//!
//! The hypothetical book is built by the arithmetic a real fill runs
//! ([`Pallet::fill_entry`]: funding settled, position and cost basis moved, premium or
//! realised PnL in cash) and valued by the code every margin check runs
//! ([`Pallet::health_of`]), on the account's ledger as the vaults would hold it after the
//! deposits and that cash (`CollateralLedger::collateral_value_with`). What a simulation
//! leaves out: the book's fees (the order book's schedule), the counterparty's side of each
//! trade (open interest is taken as it stands), the resting orders a trade would cancel, and
//! the vault's own refusals beyond a balance going negative (collateral status and caps, the
//! vault's liquidity, debt cover): the figures say whether the margin engine would allow the
//! result, the vault decides the withdrawal itself. Where a market held is unpriced the
//! figures are liquidation's, and a portfolio account's may then be the standard model's (as
//! liquidation's are when the model cannot value the book).

use alloc::vec::Vec;
use clearinghouse_risk::units;
use polkadot_sdk::sp_arithmetic::Rounding;

use crate::{pallet::*, *};

impl<T: Config> Pallet<T> {
	/// `account` after `trades` (each at its price, or the mark) and `deposits` (negative:
	/// withdrawals), in that order; nothing changes. See [`Simulation`] for what it reports and
	/// [`SimulationError`] for why it may not run.
	pub fn simulate(
		account: &AccountOf<T>,
		trades: Vec<SimulatedTrade>,
		deposits: Vec<SimulatedDeposit>,
	) -> Result<Simulation, SimulationError> {
		use SimulationError as E;
		if trades.len() > MAX_SIMULATED_TRADES as usize {
			return Err(E::TooManyTrades);
		}
		if deposits.len() > MAX_SIMULATED_DEPOSITS as usize {
			return Err(E::TooManyDeposits);
		}
		let settlement_decimals = T::Ledger::settlement_decimals().ok_or(E::NoSettlementAsset)?;
		let overflow = || E::Valuation(polkadot_sdk::sp_runtime::ArithmeticError::Overflow.into());
		let record = Accounts::<T>::get(account);
		let (floor, own) = (record.floor, Pallet::<T>::portfolio_for(&record));
		let mut entries = record.entries;
		let mut cash: i128 = 0;
		for trade in &trades {
			let market = trade.market;
			let params = Pallet::<T>::risk(market).ok_or(E::UnknownMarket(market))?;
			let state = Pallet::<T>::market_state(market);
			if state.settlement_price.is_some() {
				return Err(E::MarketSettled(market));
			}
			if trade.quantity == 0 {
				return Err(E::ZeroQuantity(market));
			}
			let price = trade
				.price
				.or_else(|| Self::mark_price(market, &params))
				.ok_or(E::NoPrice(market))?;
			let notional = units::value(
				trade.quantity.unsigned_abs(),
				price,
				params.size_decimals,
				settlement_decimals,
				Rounding::Down,
			)
			.ok_or_else(overflow)?;
			let i = Self::entry_index(&mut entries, market, state.funding_index)
				.map_err(|_| E::TooManyPositions)?;
			let entry = entries.get_mut(i).ok_or_else(overflow)?;
			let moved = Self::fill_entry(
				entry,
				&params,
				&state,
				trade.quantity,
				notional,
				settlement_decimals,
			)
			.map_err(E::Valuation)?;
			cash = moved
				.funding
				.checked_add(moved.paid)
				.and_then(|out| cash.checked_sub(out))
				.ok_or_else(overflow)?;
			// A closed position frees its slot at once, as a real fill's does.
			entries.retain(|e| !e.is_empty());
		}
		let entries = entries.into_inner();
		let changes: Vec<(CollateralId, i128)> =
			deposits.iter().map(|d| (d.collateral, d.amount)).collect();
		let collateral =
			T::Ledger::collateral_value_with(account, cash, &changes).map_err(E::Collateral)?;
		// A confidential account's hidden balance counts at its proven floor, as in every check.
		let collateral = Self::with_floor(floor, collateral).map_err(E::Valuation)?;

		let offered = PortfolioConfig::<T>::get();
		let (unpriced_markets, valuation) = Self::views_valuation(&entries);
		let value = |model: Option<&PortfolioParams>, views: bool| {
			Self::health_of(entries.clone(), collateral, model, None, views, valuation, None)
				.map(|valued| (valued.health, valued.views))
				.map_err(E::Valuation)
		};
		let (after, positions) = value(own.as_ref(), true)?;
		let (standard, _) = value(None, false)?;
		// What opting in would give, where the model can value the book (the account's own
		// figures do not depend on it).
		let portfolio =
			offered.as_ref().and_then(|params| value(Some(params), false).ok()).map(|v| v.0);
		let (_, before_valuation) = Self::views_valuation(&Accounts::<T>::get(account));
		let (before, _) = Self::health_and_positions(account, None, false, before_valuation)
			.map_err(E::Valuation)?;
		Ok(Simulation {
			portfolio_margined: own.is_some(),
			before: before.into(),
			after: after.into(),
			standard: standard.into(),
			portfolio: portfolio.map(Into::into),
			cash,
			positions,
			risk_array: Self::risk_array_of(&entries, standard, own.is_some()),
			unpriced_markets,
			unpriced_collaterals: collateral.unpriced,
		})
	}
}
