//! Liquidation: partial first, into the book within the bankruptcy price, the rest to the
//! backstop at mark — or, when the insurance fund cannot bear the loss, to the insurance
//! account at the bankruptcy price for auto-deleveraging (the `adl` module); a penalty split
//! between the keeper and the insurance account; bad debt covered by the insurance account.
//!
//! One step liquidates one position of one account: the one with the largest maintenance
//! requirement (it cuts the requirement most), by just enough to bring equity back to the
//! governance target above maintenance (`target_buffer`), or all of it. A keeper calls
//! [`Pallet::liquidate`] again (or the `on_idle` sweep comes back) while the account is still
//! below maintenance: a cascade is processed over blocks, never dropped. Resting orders are
//! cancelled first, in at most `MaxLiquidationCancels` markets a step: an account with orders
//! in more markets takes more steps (each bounded), never one unbounded one.

use clearinghouse_primitives::collateral::{Deferral, HiddenCollateral};
use clearinghouse_primitives::trading::{LiquidationBook, TradeSide};
use clearinghouse_risk::units;
use frame_support::{ensure, pallet_prelude::*, traits::Get};
use polkadot_sdk::sp_arithmetic::{
	helpers_128bit::multiply_by_rational_with_rounding, traits::Saturating, FixedU128, Permill,
	Rounding,
};

use crate::{functions::Leg, pallet::*, *};
use polkadot_sdk::sp_runtime::ArithmeticError;

/// What one liquidation step did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Step {
	/// The market of the position reduced.
	pub market: MarketId,
	/// Size closed in the book.
	pub by_book: u128,
	/// Size taken over by the backstop at mark.
	pub by_backstop: u128,
	/// Size taken over at the bankruptcy price for auto-deleveraging.
	pub by_deleveraging: u128,
	/// The penalty charged (settlement units).
	pub penalty: u128,
}

impl<T: Config> Pallet<T> {
	/// Liquidate one position of `account` (see the module docs). `keeper` gets its share of
	/// the penalty; without one (the sweep) the whole penalty goes to insurance.
	pub fn do_liquidate(
		keeper: Option<&T::AccountId>,
		account: &AccountOf<T>,
	) -> Result<Step, DispatchError> {
		// The pallet's own accounts (clearing, fees, insurance) are the backstop.
		ensure!(account.owner != Self::account_id(), Error::<T>::NotLiquidatable);
		// A market without a price does not shield the account (see `liquidation_health`).
		let (health, views) = Self::health_and_positions(
			account,
			None,
			true,
			crate::functions::Valuation::Liquidation,
		)?;
		ensure!(health.is_liquidatable(), Error::<T>::NotLiquidatable);
		// A confidential account may prove a new band until its grace period runs out (the
		// first liquidation attempt starts it).
		match T::Hidden::defer_liquidation(account, health.equity) {
			Deferral::No => {},
			// The grace period this attempt started is kept: the call succeeds.
			Deferral::GraceStarted => {
				let market = views.first().map(|v| v.market).unwrap_or_default();
				return Ok(Step {
					market,
					by_book: 0,
					by_backstop: 0,
					by_deleveraging: 0,
					penalty: 0,
				});
			},
			Deferral::GraceRunning => return Err(Error::<T>::LiquidationDeferred.into()),
		}
		let settlement_decimals =
			T::Ledger::settlement_decimals().ok_or(Error::<T>::NoSettlementAsset)?;
		let params_now = LiquidationConfig::<T>::get();

		// Resting orders go first: they only add risk.
		if let Some(market) = Self::clear_orders(account)? {
			return Ok(Step { market, by_book: 0, by_backstop: 0, by_deleveraging: 0, penalty: 0 });
		}
		let (view, params) = Self::largest_requirement(account, &views)?;
		let (mark, quantity, market) = (view.mark, view.quantity, view.market);
		let held = quantity.unsigned_abs();
		let notional =
			units::value(held, mark, params.size_decimals, settlement_decimals, Rounding::Up)
				.ok_or(ArithmeticError::Overflow)?;
		// What closing the whole position frees of the maintenance requirement: its own
		// requirement (an option's is not a fraction of its notional; a perpetual's is
		// taken at the fraction, rounded down, as before).
		let option =
			matches!(Pallet::<T>::market_state(market).instrument, Instrument::Option { .. });
		// A portfolio account's figure is what closing the position frees of the model's MM
		// (hedges counted): it sizes every close, a hedged leg's (0: all of it) included, so
		// a liquidation never shaves a hedge leg by leg into more risk.
		let by_figure = option || Self::portfolio_of(account).is_some();
		let frees_of = |size: u128, notional: u128| -> u128 {
			if by_figure {
				multiply_by_rational_with_rounding(
					view.maintenance,
					size,
					held.max(1),
					Rounding::Down,
				)
				.unwrap_or_default()
			} else {
				params.maintenance.mul_floor(notional)
			}
		};

		// How much to close: closing a share f of the position lowers the target by
		// f·(1 + buffer)·mm and costs f·penalty·notional; enough for equity to reach the
		// target, or everything.
		let buffer_factor = |x: u128| x.saturating_add(params_now.target_buffer.mul_ceil(x));
		let close = Self::close_size(
			held,
			notional,
			frees_of(held, notional),
			buffer_factor(health.maintenance),
			health.equity,
			&params_now,
		);
		let side = if quantity > 0 { TradeSide::Sell } else { TradeSide::Buy };

		// 1. Into the book, no worse than the bankruptcy price — or, while a market of the
		// account has no price (its equity is then a conservative guess), no worse than the
		// mark: nobody may buy a position below its worth off an estimate.
		// (Resting orders count for nothing in liquidation equity: the valuation made before
		// they were cancelled still holds.)
		let limit = match Self::bankruptcy_equity_of(account, &health, &views) {
			Some(equity) => {
				Self::bankruptcy_price(quantity, &params, mark, equity, settlement_decimals)
			},
			None => Some(mark),
		};
		if let Some(limit) = limit {
			T::LiquidationBook::close_ioc(account, market, side, close, limit)?;
		}
		let after_book = Self::size_in(account, market);
		let by_book = held.saturating_sub(after_book.unsigned_abs()).min(close);

		// 2. The rest: to the backstop (the insurance account) at mark while the fund can bear
		// the loss; beyond that, to the insurance account at the bankruptcy price for
		// auto-deleveraging, so the loss lands on the opposite side's profits, not the fund.
		//
		// The close was sized as if at mark; the book part traded at worse prices (down to the
		// bankruptcy price) and paid a taker fee. That cost is in equity now, so what is left
		// is sized again from the account as it stands: at mark, exactly, the backstop's price.
		let rest = if by_book > 0 && close < held && after_book != 0 {
			let now = Self::liquidation_health(account)?;
			let book_notional = units::value(
				by_book,
				mark,
				params.size_decimals,
				settlement_decimals,
				Rounding::Up,
			)
			.ok_or(ArithmeticError::Overflow)?;
			let book_penalty =
				i128::try_from(params_now.penalty.mul_ceil(book_notional)).unwrap_or(i128::MAX);
			let left_notional = units::value(
				after_book.unsigned_abs(),
				mark,
				params.size_decimals,
				settlement_decimals,
				Rounding::Down,
			)
			.ok_or(ArithmeticError::Overflow)?;
			Self::close_size(
				after_book.unsigned_abs(),
				left_notional,
				frees_of(after_book.unsigned_abs(), left_notional),
				buffer_factor(now.maintenance),
				now.equity.saturating_sub(book_penalty),
				&params_now,
			)
		} else {
			close.saturating_sub(by_book).min(after_book.unsigned_abs())
		};
		let (mut by_backstop, mut by_deleveraging) = (0, 0);
		if rest > 0 {
			match Self::deleveraging_price(account, market, &params, after_book, mark)? {
				Some(price) => {
					Self::take_over_for_deleveraging(
						account,
						market,
						&params,
						side,
						rest,
						price,
						settlement_decimals,
					)?;
					by_deleveraging = rest;
				},
				None => {
					let _notional = Self::backstop(
						account,
						market,
						&params,
						side,
						rest,
						mark,
						settlement_decimals,
					)?;
					by_backstop = rest;
				},
			}
		}

		// 3. The penalty on what was closed, at most what equity is left.
		let closed = by_book.saturating_add(by_backstop).saturating_add(by_deleveraging);
		let closed_notional =
			units::value(closed, mark, params.size_decimals, settlement_decimals, Rounding::Up)
				.ok_or(ArithmeticError::Overflow)?;
		let left = Self::liquidation_health(account)?.equity.max(0).unsigned_abs();
		let penalty = params_now.penalty.mul_ceil(closed_notional).min(left);
		Self::charge_penalty(account, keeper, penalty)?;

		Self::deposit_event(Event::Liquidated {
			account: account.clone(),
			market,
			by_book,
			by_backstop,
			by_deleveraging,
			penalty,
			keeper: keeper.cloned(),
		});
		Self::cover_new_bad_debt(account)?;
		Ok(Step { market, by_book, by_backstop, by_deleveraging, penalty })
	}

	/// Cancel `account`'s resting orders, at most `MaxLiquidationCancels` markets' worth (each
	/// may hold `MaxOpenOrders` orders on as many levels). With orders left beyond that, emit
	/// [`Event::LiquidationOrdersCancelled`] and return the next market that has some: the step
	/// ends there and the next one goes on.
	fn clear_orders(account: &AccountOf<T>) -> Result<Option<MarketId>, DispatchError> {
		let mut cleared = 0u32;
		for entry in Accounts::<T>::get(account).iter() {
			if entry.resting_buy == 0 && entry.resting_sell == 0 {
				continue;
			}
			if cleared >= T::MaxLiquidationCancels::get() {
				Self::deposit_event(Event::LiquidationOrdersCancelled {
					account: account.clone(),
					markets: cleared,
				});
				return Ok(Some(entry.market));
			}
			T::LiquidationBook::cancel_all(account, entry.market)?;
			cleared += 1;
		}
		Ok(None)
	}

	/// The priced position among `views` (of `account`) with the largest maintenance
	/// requirement (it cuts the requirement most: short options before the long options they
	/// may hedge, which need none), with its market's parameters. A perpetual or future that
	/// covers a short option of the account (a long under a short call, a short under a short
	/// put) waits until those options are closed: closing it first would uncover them and
	/// raise the requirement (for a portfolio account the figures are the maintenance each
	/// position adds, hedges counted, and the largest simply goes first). An unpriced
	/// position can only wait for its price:
	/// [`Error::PriceUnavailable`] when every position is unpriced, [`Error::NotLiquidatable`]
	/// when there is none.
	fn largest_requirement(
		account: &AccountOf<T>,
		views: &[PositionView],
	) -> Result<(PositionView, RiskParams), DispatchError> {
		// Each view's underlying and, for an option, whether it is long and its right.
		let described: alloc::vec::Vec<(OracleKey, Option<(bool, OptionRight)>)> = views
			.iter()
			.map(|v| {
				let underlying =
					Pallet::<T>::risk(v.market).map(|p| p.underlying).unwrap_or_default();
				let option = match Pallet::<T>::market_state(v.market).instrument {
					Instrument::Option { right, .. } => Some((v.quantity > 0, right)),
					_ => None,
				};
				(underlying, option)
			})
			.collect();
		let short = |underlying: OracleKey, right: OptionRight| {
			described.iter().any(|(u, o)| *u == underlying && *o == Some((false, right)))
		};
		let covers = |i: usize| {
			let (underlying, option) = described[i];
			let right = if views[i].quantity > 0 { OptionRight::Call } else { OptionRight::Put };
			option.is_none() && short(underlying, right)
		};
		let largest = |skip_covers: bool| {
			// The first of equals: ties keep market order.
			views.iter().enumerate().filter(|(i, _)| !(skip_covers && covers(*i))).fold(
				None::<&PositionView>,
				|best, (_, v)| match best {
					Some(b) if b.maintenance >= v.maintenance => Some(b),
					_ => Some(v),
				},
			)
		};
		// A portfolio account's figures are already what closing each position frees, hedges
		// counted: no cover waits there.
		let portfolio = Self::portfolio_of(account).is_some();
		let chosen = largest(!portfolio).or_else(|| largest(false));
		let Some(view) = chosen else {
			return Err(if Self::holds_positions(account) {
				Error::<T>::PriceUnavailable.into()
			} else {
				Error::<T>::NotLiquidatable.into()
			});
		};
		let params = Pallet::<T>::risk(view.market).ok_or(Error::<T>::MarketNotConfigured)?;
		Ok((view.clone(), params))
	}

	/// Move `penalty` from `account`: the keeper's share (if a keeper called) to its
	/// cross-margin account, the rest to the insurance account.
	fn charge_penalty(
		account: &AccountOf<T>,
		keeper: Option<&T::AccountId>,
		penalty: u128,
	) -> DispatchResult {
		let mut to_keeper = 0;
		if let Some(keeper) = keeper {
			to_keeper = T::LiquidatorShare::get().mul_floor(penalty);
			let keeper = MarginAccount::new(keeper.clone(), 0);
			Self::pay(account, &keeper, to_keeper, SettlementReason::Liquidation)?;
		}
		let to_insurance = penalty.saturating_sub(to_keeper);
		Self::pay(account, &Self::insurance_account(), to_insurance, SettlementReason::Liquidation)
	}

	/// How much of a position of `held` (notional `notional` at mark, maintenance requirement
	/// `maintenance`) to close at mark for `equity` to reach `target`: closing a share f lowers
	/// the target by f·(1 + buffer)·maintenance and costs f·penalty·notional, so
	/// `held · deficit / frees`, rounded up, at least one unit; everything when the account is
	/// bankrupt or closing frees nothing.
	fn close_size(
		held: u128,
		notional: u128,
		maintenance: u128,
		target: u128,
		equity: i128,
		liquidation: &LiquidationParams,
	) -> u128 {
		let deficit = i128::try_from(target)
			.unwrap_or(i128::MAX)
			.saturating_sub(equity)
			.max(0)
			.unsigned_abs();
		let buffered = maintenance;
		let frees = buffered
			.saturating_add(liquidation.target_buffer.mul_ceil(buffered))
			.saturating_sub(liquidation.penalty.mul_ceil(notional));
		if frees == 0 || equity <= 0 {
			return held;
		}
		if deficit == 0 {
			return 0;
		}
		multiply_by_rational_with_rounding(held, deficit, frees, Rounding::Up)
			.unwrap_or(held)
			.clamp(1, held)
	}

	/// What the insurance fund holds in `market` (in its backstop book for it).
	pub(crate) fn backstop_size(market: MarketId) -> i128 {
		Self::backstop_account(market).map(|fund| Self::size_in(&fund, market)).unwrap_or_default()
	}

	/// The insurance fund's settlement cash: the insurance account's and its other backstop
	/// books' (their realised PnL and funding, not yet moved over).
	pub fn fund_cash() -> i128 {
		let Some(settlement) = T::Ledger::settlement_collateral() else { return 0 };
		T::Ledger::balance(&Self::insurance_account(), settlement)
			.saturating_add(Self::books_cash())
	}

	/// The further backstop books' settlement cash.
	pub(crate) fn books_cash() -> i128 {
		let Some(settlement) = T::Ledger::settlement_collateral() else { return 0 };
		Self::extra_backstop_accounts()
			.fold(0i128, |total, book| total.saturating_add(T::Ledger::balance(&book, settlement)))
	}

	/// Move the other backstop books' settlement cash into the insurance account (either
	/// way: a book's realised loss is paid from the fund), so the fund pays out of one
	/// account. Returns the fund's cash, now all in the insurance account.
	pub(crate) fn consolidate_fund() -> Result<i128, DispatchError> {
		let settlement = T::Ledger::settlement_collateral().ok_or(Error::<T>::NoSettlementAsset)?;
		let insurance = Self::insurance_account();
		for book in Self::extra_backstop_accounts() {
			let cash = T::Ledger::balance(&book, settlement);
			if cash > 0 {
				T::Ledger::transfer_settlement(
					&book,
					&insurance,
					cash.unsigned_abs(),
					SettlementReason::Insurance,
				)?;
			} else if cash < 0 {
				T::Ledger::transfer_settlement(
					&insurance,
					&book,
					cash.unsigned_abs(),
					SettlementReason::Insurance,
				)?;
			}
		}
		Ok(T::Ledger::balance(&insurance, settlement))
	}

	/// Whether `account` holds a position in any market.
	pub(crate) fn holds_positions(account: &AccountOf<T>) -> bool {
		Accounts::<T>::get(account).iter().any(|e| e.quantity != 0)
	}

	pub(crate) fn size_in(account: &AccountOf<T>, market: MarketId) -> i128 {
		Accounts::<T>::get(account)
			.iter()
			.find(|e| e.market == market)
			.map(|e| e.quantity)
			.unwrap_or_default()
	}

	/// The price at which closing the whole of `size` leaves equity at zero (see
	/// [`clearinghouse_risk::margin::exhaustion_price`]); `None` if it is not a positive price.
	pub(crate) fn bankruptcy_price(
		size: i128,
		params: &RiskParams,
		mark: FixedU128,
		equity: i128,
		settlement_decimals: u8,
	) -> Option<FixedU128> {
		clearinghouse_risk::margin::exhaustion_price(
			size,
			mark,
			equity,
			Permill::zero(),
			params.size_decimals,
			settlement_decimals,
		)
	}

	/// The insurance account takes `size` of `account`'s position at `price` (the mark, or the
	/// bankruptcy price for deleveraging), without fees. Returns the notional paid.
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn backstop(
		account: &AccountOf<T>,
		market: MarketId,
		params: &RiskParams,
		side: TradeSide,
		size: u128,
		price: FixedU128,
		settlement_decimals: u8,
	) -> Result<u128, DispatchError> {
		let notional =
			units::value(size, price, params.size_decimals, settlement_decimals, Rounding::Down)
				.ok_or(ArithmeticError::Overflow)?;
		let qty = i128::try_from(size).map_err(|_| ArithmeticError::Overflow)?;
		let qty = if side == TradeSide::Sell { -qty } else { qty };
		let fund = Self::backstop_account(market).ok_or(Error::<T>::TooManyPositions)?;
		Self::book_trade(
			market,
			params,
			Leg::free(account),
			Leg::free(&fund),
			qty,
			notional,
			settlement_decimals,
		)?;
		Self::fit_deleveraging_to_fund(market)?;
		Ok(notional)
	}

	/// Offer the insurance account's backstop positions back to the book, one market a step
	/// while `limit` allows, from where the last call stopped: an immediate-or-cancel order for
	/// the whole position, no worse than the liquidation penalty away from the mark (the fund
	/// gives up at most what a liquidation pays it). Markets with a pending deleveraging are
	/// left to it. Without this the fund would keep every position it ever took over, and once
	/// it held `MaxPositions` of them every further backstop would fail. Returns the weight used.
	pub(crate) fn unwind_fund(limit: Weight) -> Weight {
		// A step is an IOC into the book and two positions moved: bounded by a liquidation.
		let step = Self::liquidate_weight();
		let db = T::DbWeight::get();
		let mut used = db.reads_writes(2, 1);
		if used.saturating_add(step).any_gt(limit) {
			return Weight::zero();
		}
		// Every backstop book, in market order (book k holds the k-th run of market ids).
		let books =
			core::iter::once(Self::insurance_account()).chain(Self::extra_backstop_accounts());
		used = used.saturating_add(db.reads(Self::extra_backstop_accounts().count() as u64));
		let after = UnwindCursor::<T>::get();
		let held: alloc::vec::Vec<PositionEntry> = books
			.flat_map(|book| Accounts::<T>::get(&book).into_inner())
			.filter(|e| e.quantity != 0)
			.collect();
		// The next market after the cursor, wrapping around; bounded by MaxPositions.
		let Some(entry) = held
			.iter()
			.find(|e| after.is_none_or(|a| e.market > a))
			.or_else(|| held.first())
			.copied()
		else {
			UnwindCursor::<T>::kill();
			return used;
		};
		UnwindCursor::<T>::put(entry.market);
		used = used.saturating_add(step);
		if Deleveraging::<T>::contains_key(entry.market) {
			return used;
		}
		let Some(params) = Pallet::<T>::risk(entry.market) else { return used };
		let Some(mark) = Self::mark_price(entry.market, &params) else { return used };
		let Some(fund) = Self::backstop_account(entry.market) else { return used };
		let band = LiquidationConfig::<T>::get().penalty;
		let (side, limit_price) = if entry.quantity > 0 {
			(TradeSide::Sell, mark.saturating_sub(FixedU128::from(band).saturating_mul(mark)))
		} else {
			(TradeSide::Buy, mark.saturating_add(FixedU128::from(band).saturating_mul(mark)))
		};
		let _ = frame_support::storage::with_storage_layer(|| {
			T::LiquidationBook::close_ioc(
				&fund,
				entry.market,
				side,
				entry.quantity.unsigned_abs(),
				limit_price,
			)
		});
		let left = Self::size_in(&fund, entry.market);
		let sold = entry.quantity.unsigned_abs().saturating_sub(left.unsigned_abs());
		if sold > 0 {
			Self::deposit_event(Event::FundUnwound { market: entry.market, size: sold, left });
		}
		used
	}

	/// A backstop on the other side can net the insurance account's inventory down: the
	/// pending deleveraging of `market` then hands on at most what the fund still holds (at
	/// the inventory's price), and ends if it holds nothing on that side.
	pub(crate) fn fit_deleveraging_to_fund(market: MarketId) -> DispatchResult {
		let Some(mut adl) = Deleveraging::<T>::get(market) else { return Ok(()) };
		let held = Self::backstop_size(market);
		if held != 0 && (held > 0) == (adl.quantity > 0) {
			if held.unsigned_abs() < adl.quantity.unsigned_abs() {
				adl.cost = multiply_by_rational_with_rounding(
					adl.cost,
					held.unsigned_abs(),
					adl.quantity.unsigned_abs(),
					Rounding::Down,
				)
				.ok_or(ArithmeticError::Overflow)?;
				adl.quantity = held;
				Deleveraging::<T>::insert(market, adl);
			}
			return Ok(());
		}
		Deleveraging::<T>::remove(market);
		Self::deposit_event(Event::DeleveragingFinished { market, unfilled: 0 });
		Ok(())
	}

	/// An account with no position left and collateral worth less than zero has bad debt: the
	/// insurance account covers what it can. What it cannot is recorded ([`BadDebts`]) and
	/// gates settlement withdrawals until covered. Deleveraging keeps this to rounding dust
	/// and the rare cases it cannot take (see [`Pallet::deleveraging_price`]).
	pub(crate) fn cover_new_bad_debt(account: &AccountOf<T>) -> DispatchResult {
		if Self::holds_positions(account) {
			return Ok(());
		}
		let mut value = T::Ledger::collateral_value(account)?.value;
		if value >= 0 {
			return Ok(());
		}
		// A confidential account's proven floor pays first: that much of its hidden balance is
		// known to be there.
		let from_hidden = T::Hidden::cover(account, value.unsigned_abs())?;
		value = value.saturating_add(i128::try_from(from_hidden).unwrap_or(i128::MAX));
		if value >= 0 {
			return Ok(());
		}
		let debt = value.unsigned_abs();
		let fund = Self::consolidate_fund()?.max(0).unsigned_abs();
		let covered = debt.min(fund);
		if covered > 0 {
			T::Ledger::transfer_settlement(
				&Self::insurance_account(),
				account,
				covered,
				SettlementReason::Insurance,
			)?;
		}
		let uncovered = debt - covered;
		if uncovered > 0 {
			BadDebts::<T>::mutate(account, |d| {
				*d = Some(d.unwrap_or_default().saturating_add(uncovered))
			});
			TotalBadDebt::<T>::mutate(|t| *t = t.saturating_add(uncovered));
		}
		Self::deposit_event(Event::BadDebtRecorded {
			account: account.clone(),
			covered,
			uncovered,
		});
		Ok(())
	}

	/// Pay `account`'s recorded bad debt from the insurance account as far as it holds.
	pub(crate) fn do_cover_recorded_debt(account: &AccountOf<T>) -> DispatchResult {
		let debt = BadDebts::<T>::get(account).ok_or(Error::<T>::NothingToCover)?;
		let fund = Self::consolidate_fund()?.max(0).unsigned_abs();
		let covered = debt.min(fund);
		ensure!(covered > 0, Error::<T>::NothingToCover);
		T::Ledger::transfer_settlement(
			&Self::insurance_account(),
			account,
			covered,
			SettlementReason::Insurance,
		)?;
		let uncovered = debt - covered;
		if uncovered == 0 {
			BadDebts::<T>::remove(account);
		} else {
			BadDebts::<T>::insert(account, uncovered);
		}
		TotalBadDebt::<T>::mutate(|t| *t = t.saturating_sub(covered));
		Self::deposit_event(Event::BadDebtRecorded {
			account: account.clone(),
			covered,
			uncovered,
		});
		Ok(())
	}

	/// Liquidate liquidatable accounts while `limit` allows, from where the last sweep
	/// stopped. Returns the weight used.
	pub(crate) fn sweep_liquidations(limit: Weight) -> Weight {
		let check = Self::liquidation_valuation_weight(T::MaxPositions::get());
		let step = Self::liquidate_weight();
		let db = T::DbWeight::get();
		let mut used = db.reads_writes(1, 1);
		if used.saturating_add(check).saturating_add(step).any_gt(limit) {
			return Weight::zero();
		}
		let cursor = LiquidationCursor::<T>::get();
		let mut iter = match cursor {
			Some(ref raw) => Accounts::<T>::iter_from(raw.to_vec()),
			None => Accounts::<T>::iter(),
		};
		let mut liquidated = 0u32;
		let mut last: Option<alloc::vec::Vec<u8>> = None;
		// Whether the walk reached the end of the accounts (the next sweep starts over).
		let mut finished = false;
		while !used.saturating_add(check).saturating_add(step).any_gt(limit)
			&& liquidated < T::MaxLiquidationsPerBlock::get()
		{
			let Some((account, record)) = iter.next() else {
				finished = true;
				break;
			};
			last = Some(Accounts::<T>::hashed_key_for(&account));
			// The pallet's own accounts are the backstop, not subjects of liquidation.
			if account.owner == Self::account_id() {
				continue;
			}
			// A record holding only the portfolio flag or a floor has nothing to liquidate: it
			// costs its read, not a valuation (anyone can opt sub-accounts in to make them).
			if record.entries.is_empty() {
				used = used.saturating_add(db.reads(1));
				continue;
			}
			used = used.saturating_add(check);
			let liquidatable =
				Self::liquidation_health(&account).map(|h| h.is_liquidatable()).unwrap_or(false);
			if liquidatable {
				used = used.saturating_add(step);
				// A failure (say a missing price mid-way) leaves the account for a keeper.
				let _ = frame_support::storage::with_storage_layer(|| {
					Self::do_liquidate(None, &account)
				});
				liquidated += 1;
			}
		}
		match (finished, last) {
			(false, Some(raw)) => {
				LiquidationCursor::<T>::put(BoundedVec::<u8, ConstU32<256>>::truncate_from(raw))
			},
			_ => LiquidationCursor::<T>::kill(),
		}
		used
	}
}
