//! Auto-deleveraging: the last step of the waterfall.
//!
//! When a bankrupt account's position cannot be closed in the book and the insurance fund's
//! settlement balance cannot bear the loss of taking it over at mark, the insurance account
//! takes it over **at the bankruptcy price** instead (the account closes with zero equity, no
//! bad debt) and records it as inventory to hand on ([`Deleveraging`]). That inventory then
//! goes, at the same price, to the opposite side's profitable positions, highest
//! profit × leverage first, in two phases driven by `on_idle`:
//!
//! 1. **Scan**: walk the market's counter-side holders ([`Holders`], an index kept with every
//!    position write, so nobody else is visited) from a cursor, a bounded number per block
//!    ([`Config::AdlAccountsPerBlock`] and the block's idle weight), keeping the best
//!    [`Config::MaxAdlCandidates`] by score ([`Pallet::adl_score`], the same ranking the
//!    `adl_queue` runtime API shows). A round's scan therefore costs one valuation per
//!    counter-side holder, and ranks up to `MaxAdlCandidates` of them (128 in the runtime), so
//!    a deleveraging needs another round only when more counterparties than that are needed.
//! 2. **Execute**: close each candidate's position against the inventory at the inventory's
//!    average bankruptcy price (cost / size), as far as both go. What is left starts another
//!    round; a round that finds nobody ends it and the insurance account keeps the rest.
//!
//! The fund's own bankruptcy goes the same way: inventory it took over at mark may keep losing
//! until the fund's equity (cash and inventory at mark, every backstop book) is below zero with
//! nobody else bankrupt. Then [`Pallet::queue_fund_deficit`] (from `on_idle`, or anyone's
//! `deleverage_fund`) queues its position in the market where it loses most, priced so that
//! handing all of it on leaves the fund at zero.
//!
//! The insurance account buys and sells the inventory at the same price, so deleveraging moves
//! the loss from the fund to the counterparties' profits: it is zero-sum for the fund whatever
//! the price does meanwhile. The ranking is as of the scan (prices move during it); each trade
//! rechecks that the counterparty is still on the opposite side. An account with no position
//! in the market is never touched. While a deleveraging is pending, the accounts holding the
//! side it hands its inventory to keep their settlement asset in (a counterparty could
//! otherwise take out the profit it is about to give up); everyone else withdraws as usual.

use clearinghouse_primitives::trading::{LiquidationBook, TradeSide};
use clearinghouse_risk::position::{self, Position};
use frame_support::{pallet_prelude::*, traits::Get};
use polkadot_sdk::sp_arithmetic::{
	helpers_128bit::multiply_by_rational_with_rounding, traits::Saturating, ArithmeticError,
	FixedPointNumber, FixedU128, Permill, Rounding,
};

use crate::{pallet::*, *};
use alloc::vec::Vec;

impl<T: Config> Pallet<T> {
	/// Whether the rest of a liquidation goes to deleveraging, and at which price: only when
	/// `account` is bankrupt at mark, the insurance fund's settlement balance is smaller than
	/// the loss, no deleveraging of the other side is pending in `market` (the two would net
	/// inside the insurance account), and the bankruptcy price is positive.
	pub(crate) fn deleveraging_price(
		account: &AccountOf<T>,
		market: MarketId,
		params: &RiskParams,
		size: i128,
		mark: FixedU128,
	) -> Result<Option<FixedU128>, DispatchError> {
		// No deleveraging off an estimate: while a market of the account has no price its
		// loss there is a conservative guess, not a bankruptcy to hand to others.
		let Some(equity) = Self::bankruptcy_equity(account)? else { return Ok(None) };
		if equity >= 0 {
			return Ok(None);
		}
		// What the fund can bear: its cash, less what its own inventory in this market has
		// lost at this mark (money it no longer has; counting only the cash, it took a whole
		// cascade over at mark and ended below zero). Its inventory elsewhere is not valued here
		// (that would be every backstop book's full margin check in every liquidation step):
		// a loss there is caught by the fund-deficit check ([`Self::queue_fund_deficit`]).
		let fund = Self::fund_cash()
			.saturating_add(Self::backstop_pnl(market, params, mark)?)
			.max(0)
			.unsigned_abs();
		if equity.unsigned_abs() <= fund {
			return Ok(None);
		}
		// The insurance account takes the bankrupt position over: a bankrupt long becomes a
		// long inventory (to hand on to shorts), a bankrupt short a short one.
		let inventory_long = size > 0;
		if Deleveraging::<T>::get(market).is_some_and(|d| (d.quantity > 0) != inventory_long) {
			return Ok(None);
		}
		let settlement_decimals =
			T::Ledger::settlement_decimals().ok_or(Error::<T>::NoSettlementAsset)?;
		Ok(Self::bankruptcy_price(size, params, mark, equity, settlement_decimals))
	}

	/// The unrealised PnL of the insurance fund's own position in `market` at `mark` (zero
	/// without one): what its inventory there has won or lost against what it paid.
	pub(crate) fn backstop_pnl(
		market: MarketId,
		params: &RiskParams,
		mark: FixedU128,
	) -> Result<i128, DispatchError> {
		let Some(book) = Self::backstop_account(market) else { return Ok(0) };
		let Some(entry) =
			Accounts::<T>::get(&book).into_iter().find(|e| e.market == market && e.quantity != 0)
		else {
			return Ok(0);
		};
		let settlement_decimals =
			T::Ledger::settlement_decimals().ok_or(Error::<T>::NoSettlementAsset)?;
		Ok(position::unrealized(
			Position { size: entry.quantity, cost: entry.cost },
			mark,
			params.size_decimals,
			settlement_decimals,
		)
		.ok_or(ArithmeticError::Overflow)?)
	}

	/// Every book of the insurance fund: the insurance account and the further backstop books.
	pub(crate) fn fund_books() -> impl Iterator<Item = AccountOf<T>> {
		core::iter::once(Self::insurance_account()).chain(Self::extra_backstop_accounts())
	}

	/// The insurance fund at mark: its equity over every backstop book (settlement cash plus
	/// each position at its whole mark value, as [`Self::bankruptcy_equity`] counts it) and
	/// its priced positions. `None` while it holds no position (its equity is then its cash);
	/// [`Error::PriceUnavailable`] while a market it holds has no price (no deleveraging off
	/// an estimate).
	pub(crate) fn fund_at_mark() -> Result<Option<(i128, Vec<PositionView>)>, DispatchError> {
		let settlement = T::Ledger::settlement_collateral().ok_or(Error::<T>::NoSettlementAsset)?;
		let (mut equity, mut positions, mut holds) = (0i128, Vec::new(), false);
		for book in Self::fund_books() {
			if !Self::holds_positions(&book) {
				equity = equity.saturating_add(T::Ledger::balance(&book, settlement));
				continue;
			}
			holds = true;
			let (health, views) = Self::health_and_positions(
				&book,
				None,
				true,
				crate::functions::Valuation::Liquidation,
			)?;
			let worth = Self::bankruptcy_equity_of(&book, &health, &views)
				.ok_or(Error::<T>::PriceUnavailable)?;
			equity = equity.saturating_add(worth);
			positions.extend(views);
		}
		Ok(holds.then_some((equity, positions)))
	}

	/// The insurance fund's equity at mark over every backstop book, with what a pending
	/// deleveraging will recover: its inventory is valued at the price it is handed on at,
	/// not at mark. `None` while a market the fund holds has no price. A view for keepers,
	/// tests and the stress replay: iterating every pending deleveraging is not for a block.
	pub fn fund_equity() -> Option<i128> {
		let Some((mut equity, positions)) = Self::fund_at_mark().ok()? else {
			return Some(Self::fund_cash());
		};
		let settlement_decimals = T::Ledger::settlement_decimals()?;
		for (market, state) in Deleveraging::<T>::iter() {
			let Some(view) = positions.iter().find(|v| v.market == market) else { continue };
			let params = Pallet::<T>::risk(market)?;
			let part = Position { size: state.quantity, cost: 0 };
			let at_mark =
				position::market_value(part, view.mark, params.size_decimals, settlement_decimals)?;
			// A long inventory sells for `cost`, a short one is bought back for it.
			let handed = i128::try_from(state.cost).ok()?;
			let recovery = if state.quantity > 0 { handed - at_mark } else { -at_mark - handed };
			equity = equity.saturating_add(recovery);
		}
		Some(equity)
	}

	/// What [`Self::queue_fund_deficit`] may cost: the larger of its benchmark
	/// (`deleverage_fund`: every backstop book as large as an account may be, each position an
	/// option valued by the model from cold reads, the fund in deficit; 7.0 ms, 834 reads,
	/// 659 KB on the runtime) and every book valued as the largest account by the margin-check
	/// benchmarks (options, or perpetuals, whichever costs more; 4 books: 61 ms, 2.0 MB). No
	/// single kind of position is every book's worst case (an option's mark runs the model, a
	/// perpetual's reads the book's market for its mid), so the composed bound is what is
	/// charged; it also counts the oracle's keys once per book, where one call reads each once.
	pub fn fund_check_weight() -> Weight {
		let books = u64::from(Self::backstop_books());
		let p = T::MaxPositions::get();
		let per_book = T::WeightInfo::option_margin_check(p).max(T::WeightInfo::margin_check(p));
		let composed = T::DbWeight::get()
			.reads_writes(1 + books, 2)
			.saturating_add(per_book.saturating_mul(books));
		T::WeightInfo::deleverage_fund().max(composed)
	}

	/// The insurance fund's own bankruptcy. Liquidation hands a bankrupt account's position to
	/// the backstop at mark while the fund can bear the loss; if the market then keeps moving
	/// against that inventory, the fund's equity (cash plus inventory at mark) can fall below
	/// zero with no account bankrupt but the fund. Then, while no deleveraging is pending
	/// anywhere (a pending one hands its inventory on at a price the mark does not show, so
	/// only then is the fund's value at mark its value), its whole position in the market
	/// where it loses most goes to deleveraging at the price that leaves the fund at zero when
	/// all of it is handed on: a long inventory sells to profitable shorts for its mark value
	/// plus the deficit, a short one is bought back from profitable longs for its mark value
	/// less the deficit (at least one settlement unit). Returns the market queued.
	///
	/// A deficit larger than a short inventory is worth is handed on as far as it goes; what
	/// is left is found again once that deleveraging ends, in the next market.
	///
	/// Errors: [`Error::DeleveragingUnderway`], [`Error::FundNotInDeficit`],
	/// [`Error::PriceUnavailable`].
	pub fn queue_fund_deficit() -> Result<MarketId, DispatchError> {
		ensure!(Deleveraging::<T>::count() == 0, Error::<T>::DeleveragingUnderway);
		let Some((equity, positions)) = Self::fund_at_mark()? else {
			return Err(Error::<T>::FundNotInDeficit.into());
		};
		ensure!(equity < 0, Error::<T>::FundNotInDeficit);
		// The first of equal losses: ties keep market order.
		let Some(view) =
			positions.iter().filter(|v| v.quantity != 0).min_by_key(|v| v.unrealized_pnl).cloned()
		else {
			return Err(Error::<T>::FundNotInDeficit.into());
		};
		let params = Pallet::<T>::risk(view.market).ok_or(Error::<T>::MarketNotConfigured)?;
		let settlement_decimals =
			T::Ledger::settlement_decimals().ok_or(Error::<T>::NoSettlementAsset)?;
		// Its value at mark as the fund's equity counts it (a long's rounded down, a short's
		// up), so handing all of it on at `cost` leaves the fund at exactly zero.
		let at_mark = position::market_value(
			Position { size: view.quantity, cost: 0 },
			view.mark,
			params.size_decimals,
			settlement_decimals,
		)
		.ok_or(ArithmeticError::Overflow)?
		.unsigned_abs();
		let deficit = equity.unsigned_abs();
		let cost = if view.quantity > 0 {
			at_mark.checked_add(deficit).ok_or(ArithmeticError::Overflow)?
		} else {
			at_mark.saturating_sub(deficit).max(1)
		};
		Deleveraging::<T>::insert(
			view.market,
			AdlState {
				quantity: view.quantity,
				cost,
				cursor: None,
				scanning: true,
				candidates: BoundedVec::new(),
				progressed: false,
			},
		);
		Self::deposit_event(Event::FundDeficitQueued {
			market: view.market,
			quantity: view.quantity,
			deficit,
			notional: cost,
		});
		Ok(view.market)
	}

	/// The fund-deficit check of `on_idle`, if its worst case fits in `limit`. Returns the
	/// weight used.
	pub(crate) fn check_fund(limit: Weight) -> Weight {
		let db = T::DbWeight::get();
		if Deleveraging::<T>::count() > 0 {
			return db.reads(1);
		}
		let weight = Self::fund_check_weight();
		if weight.any_gt(limit) {
			return db.reads(1);
		}
		// A fund without inventory is its cash, never below zero by a price move: the books'
		// positions are all this check reads then (most blocks).
		if !Self::fund_books().any(|b| Self::holds_positions(&b)) {
			return db.reads(1 + u64::from(Self::backstop_books()));
		}
		// A fund not in deficit, or a failure (a price missing), leaves it to the next block or
		// a keeper's `deleverage_fund`, with nothing half-written.
		let _ = frame_support::storage::with_storage_layer(Self::queue_fund_deficit);
		weight
	}

	/// What `account` is worth for its bankruptcy price: its liquidation equity with its long
	/// options at their whole mark (equity counts them after the haircut, which is a margin
	/// cushion, not a loss: the book or a counterparty pays the whole mark). `None` while a
	/// market of the account has no price.
	pub(crate) fn bankruptcy_equity(account: &AccountOf<T>) -> Result<Option<i128>, DispatchError> {
		let (health, views) = Self::health_and_positions(
			account,
			None,
			true,
			crate::functions::Valuation::Liquidation,
		)?;
		Ok(Self::bankruptcy_equity_of(account, &health, &views))
	}

	/// [`Self::bankruptcy_equity`] from a valuation already made (liquidation's `health` and
	/// priced `views` of `account`).
	pub(crate) fn bankruptcy_equity_of(
		account: &AccountOf<T>,
		health: &clearinghouse_risk::margin::Health,
		views: &[PositionView],
	) -> Option<i128> {
		let held = Accounts::<T>::get(account).iter().filter(|e| e.quantity != 0).count();
		if held > views.len() {
			return None;
		}
		let haircuts = views
			.iter()
			.filter(|v| v.quantity > 0)
			.filter(|v| {
				matches!(Pallet::<T>::market_state(v.market).instrument, Instrument::Option { .. })
			})
			.map(|v| v.unrealized_pnl.saturating_add(v.cost).saturating_sub(v.equity))
			.fold(0i128, |a, h| a.saturating_add(h.max(0)));
		Some(health.equity.saturating_add(haircuts))
	}

	/// The insurance account takes `size` of `account`'s position at the bankruptcy `price`
	/// and queues it for deleveraging.
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn take_over_for_deleveraging(
		account: &AccountOf<T>,
		market: MarketId,
		params: &RiskParams,
		side: TradeSide,
		size: u128,
		price: FixedU128,
		settlement_decimals: u8,
	) -> DispatchResult {
		let cost = Self::backstop(account, market, params, side, size, price, settlement_decimals)?;
		let qty = i128::try_from(size).map_err(|_| ArithmeticError::Overflow)?;
		// The bankrupt side sells (a long) or buys back (a short); the fund takes the other.
		let qty = if side == TradeSide::Sell { qty } else { -qty };
		let state = match Deleveraging::<T>::get(market) {
			Some(mut state) => {
				state.quantity =
					state.quantity.checked_add(qty).ok_or(ArithmeticError::Overflow)?;
				state.cost = state.cost.checked_add(cost).ok_or(ArithmeticError::Overflow)?;
				state
			},
			None => AdlState {
				quantity: qty,
				cost,
				cursor: None,
				scanning: true,
				candidates: BoundedVec::new(),
				progressed: false,
			},
		};
		Self::deposit_event(Event::DeleveragingQueued {
			market,
			account: account.clone(),
			quantity: qty,
			price,
		});
		Deleveraging::<T>::insert(market, state);
		// A position the fund already held on the other side (an earlier backstop at mark)
		// nets the take-over: only what it holds on this side is left to hand on.
		Self::fit_deleveraging_to_fund(market)
	}

	/// The deleveraging score of `account`'s position in `market` if it is on the `long` side
	/// (long for `true`) and profitable: profit share × leverage
	/// (`uPnL / |cost| × notional / equity`, 18 decimals). `None` otherwise.
	pub fn adl_score(account: &AccountOf<T>, market: MarketId, long: bool) -> Option<FixedU128> {
		let entries = Accounts::<T>::get(account);
		let entry = entries.iter().find(|e| e.market == market)?;
		if entry.quantity == 0 || (entry.quantity > 0) != long || entry.cost == 0 {
			return None;
		}
		let (health, views) =
			Self::health_and_positions(account, None, true, crate::functions::Valuation::Strict)
				.ok()?;
		let view = views.iter().find(|v| v.market == market)?;
		if view.unrealized_pnl <= 0 || health.equity <= 0 {
			return None;
		}
		let params = Pallet::<T>::risk(market)?;
		let notional = position::notional(
			Position { size: entry.quantity, cost: entry.cost },
			view.mark,
			params.size_decimals,
			T::Ledger::settlement_decimals()?,
		)?;
		let profit = FixedU128::checked_from_rational(
			view.unrealized_pnl.unsigned_abs(),
			entry.cost.unsigned_abs(),
		)?;
		let leverage = FixedU128::checked_from_rational(notional, health.equity.unsigned_abs())?;
		Some(profit.saturating_mul(leverage))
	}

	/// What ranking one counter-side holder costs once the markets it holds have been read in
	/// this call: the `adl_scan` benchmark's slope (holders as large as an account may be, in
	/// the same markets, each valued and ranked).
	pub fn adl_scan_step() -> Weight {
		T::WeightInfo::adl_scan(1).saturating_sub(T::WeightInfo::adl_scan(0))
	}

	/// What ranking the `visited`-th holder of one call (from 0) may cost. A holder whose
	/// markets were not read yet costs a full account's cold margin check plus its index key;
	/// since only `MaxMarkets` markets exist, at most `MaxMarkets / MaxPositions` (rounded up)
	/// holders of one call can bring unread markets, and every later one costs the warm step.
	pub fn adl_holder_cost(visited: u32) -> Weight {
		// As many as there are backstop books: `MaxMarkets / MaxPositions`, rounded up.
		let cold_holders = Self::backstop_books();
		if visited < cold_holders {
			Self::liquidation_valuation_weight(T::MaxPositions::get())
				.saturating_add(T::DbWeight::get().reads(1))
				.saturating_add(Weight::from_parts(0, crate::settlement::HOLDER_KEY_PROOF))
				.max(Self::adl_scan_step())
		} else {
			Self::adl_scan_step()
		}
	}

	/// The most one `deleverage` call may use: `steps` times the larger of ranking one holder
	/// cold (a full account's margin check) and a counterparty trade (the `deleverage` benchmark),
	/// plus the call's existence check and the state's read and write. These are the
	/// benchmarked pieces [`Self::advance_deleveraging`] meters itself with, so the call
	/// cannot use more. `steps` is clamped to at least one, to
	/// at most `max(AdlAccountsPerBlock, MaxAdlCandidates)` and to what fits in 90% of a normal
	/// extrinsic's maximum weight (the rest is for the transaction extensions' own weight), so
	/// any `steps` gives a valid transaction.
	pub fn deleverage_weight(steps: u32) -> Weight {
		let per_step = Self::adl_holder_cost(0).max(T::WeightInfo::deleverage());
		let configured = T::AdlAccountsPerBlock::get().max(T::MaxAdlCandidates::get());
		Self::keeper_weight(steps, per_step, configured)
	}

	/// What a keeper call of `steps` steps of `per_step` each declares: the call's existence
	/// check and the state's read and write, plus `steps` (clamped to at least one, to at most
	/// `configured`, and to what fits in 90% of a normal extrinsic's maximum weight — the rest
	/// is for the transaction extensions) times `per_step`. Any `steps` gives a valid
	/// transaction.
	pub(crate) fn keeper_weight(steps: u32, per_step: Weight, configured: u32) -> Weight {
		let base = T::DbWeight::get().reads_writes(2, 1);
		let room = T::BlockWeights::get()
			.get(frame_support::dispatch::DispatchClass::Normal)
			.max_extrinsic
			.map(|max| {
				let ninety = Permill::from_percent(90);
				Weight::from_parts(ninety * max.ref_time(), ninety * max.proof_size())
			})
			.unwrap_or(Weight::MAX)
			.saturating_sub(base);
		let fits = |room: u64, step: u64| room.checked_div(step).unwrap_or(u64::MAX);
		let fitting = fits(room.ref_time(), per_step.ref_time())
			.min(fits(room.proof_size(), per_step.proof_size()));
		let steps = u64::from(steps).min(u64::from(configured)).min(fitting).max(1);
		base.saturating_add(per_step.saturating_mul(steps))
	}

	/// Advance every pending deleveraging while `limit` allows. Returns the weight used.
	pub(crate) fn process_deleveraging(limit: Weight) -> Weight {
		let db = T::DbWeight::get();
		let mut used = db.reads(1);
		if Deleveraging::<T>::count() == 0 {
			return used;
		}
		// Bounded by `MaxMarkets`: a deleveraging exists only in a configured market.
		let markets: alloc::vec::Vec<MarketId> = Deleveraging::<T>::iter_keys().collect();
		used = used.saturating_add(db.reads(markets.len() as u64));
		for market in markets {
			if used.any_gt(limit) {
				break;
			}
			used =
				used.saturating_add(Self::advance_deleveraging(market, limit.saturating_sub(used)));
		}
		used
	}

	/// One bounded step of `market`'s deleveraging: scan on, or trade with the candidates.
	pub(crate) fn advance_deleveraging(market: MarketId, limit: Weight) -> Weight {
		let db = T::DbWeight::get();
		let mut used = db.reads_writes(1, 1);
		let Some(mut state) = Deleveraging::<T>::get(market) else { return used };
		// One counterparty trade: its own benchmark (the largest counterparty, every one of its
		// reduce-only orders refitted).
		let per_trade = T::WeightInfo::deleverage();
		if state.scanning {
			// The counterparties hold the side opposite to the inventory: the scan walks that
			// side's holder index, so every account it visits is one.
			let counter_long = state.quantity < 0;
			let side = (market, counter_long);
			let mut iter = match state.cursor {
				Some(ref raw) => Holders::<T>::iter_key_prefix_from(side, raw.to_vec()),
				None => Holders::<T>::iter_key_prefix(side),
			};
			let mut visited = 0u32;
			loop {
				let per_account = Self::adl_holder_cost(visited);
				if visited >= T::AdlAccountsPerBlock::get()
					|| used.saturating_add(per_account).any_gt(limit)
				{
					break;
				}
				let Some(account) = iter.next() else {
					state.scanning = false;
					state.cursor = None;
					break;
				};
				state.cursor =
					Some(BoundedVec::truncate_from(Holders::<T>::hashed_key_for(side, &account)));
				visited += 1;
				used = used.saturating_add(per_account);
				// The pallet's own books (the insurance fund's backstops) never take inventory.
				if account.owner == Self::account_id() {
					continue;
				}
				if let Some(score) = Self::adl_score(&account, market, counter_long) {
					Self::rank(&mut state.candidates, account, score);
				}
			}
			if state.scanning || !state.candidates.is_empty() {
				Deleveraging::<T>::insert(market, state);
				return used;
			}
			// A whole round found nobody: the insurance account keeps the rest.
			Self::finish_deleveraging(market, &state);
			return used;
		}

		while !state.candidates.is_empty() && !used.saturating_add(per_trade).any_gt(limit) {
			let (account, _) = state.candidates.remove(0);
			used = used.saturating_add(per_trade);
			match Self::deleverage_one(market, &mut state, &account) {
				Ok(Some(traded)) => state.progressed |= traded,
				// The insurance account no longer holds the inventory (it netted against a
				// later backstop): nothing left to hand on.
				Ok(None) => {
					Self::finish_deleveraging(market, &state);
					return used;
				},
				// A failed trade (say a price gone) leaves that counterparty out of this round.
				Err(_) => {},
			}
			if state.quantity == 0 {
				Self::finish_deleveraging(market, &state);
				return used;
			}
		}
		if state.candidates.is_empty() {
			if !state.progressed {
				// A whole round's candidates could take nothing (each is capped by its own
				// equity): the insurance account keeps the rest.
				Self::finish_deleveraging(market, &state);
				return used;
			}
			// Inventory left: rank again.
			state.scanning = true;
			state.cursor = None;
			state.progressed = false;
		}
		Deleveraging::<T>::insert(market, state);
		used
	}

	/// Keep `candidates` the best by score, highest first; ties keep scan order.
	fn rank(
		candidates: &mut BoundedVec<(AccountOf<T>, FixedU128), T::MaxAdlCandidates>,
		account: AccountOf<T>,
		score: FixedU128,
	) {
		let at = candidates.partition_point(|(_, s)| *s >= score);
		if at >= T::MaxAdlCandidates::get() as usize {
			return;
		}
		if candidates.is_full() {
			candidates.pop();
		}
		let _ = candidates.try_insert(at, (account, score));
	}

	/// Close as much of `account`'s position in `market` as the inventory and the account's
	/// equity allow, at the inventory's price. `Ok(Some(traded))`, or `Ok(None)` if the
	/// insurance account no longer holds the inventory.
	fn deleverage_one(
		market: MarketId,
		state: &mut AdlStateOf<T>,
		account: &AccountOf<T>,
	) -> Result<Option<bool>, DispatchError> {
		frame_support::storage::with_storage_layer(|| {
			let fund = Self::backstop_account(market).ok_or(Error::<T>::TooManyPositions)?;
			let held = Self::size_in(&fund, market);
			let available = if held != 0 && (held > 0) == (state.quantity > 0) {
				held.unsigned_abs().min(state.quantity.unsigned_abs())
			} else {
				0
			};
			if available == 0 {
				return Ok(None);
			}
			let theirs = Self::size_in(account, market);
			if theirs == 0 || (theirs > 0) == (state.quantity > 0) {
				return Ok(Some(false));
			}
			let params = Pallet::<T>::risk(market).ok_or(Error::<T>::MarketNotConfigured)?;
			let settlement_decimals =
				T::Ledger::settlement_decimals().ok_or(Error::<T>::NoSettlementAsset)?;
			let size = theirs.unsigned_abs().min(available).min(Self::adl_capacity(
				account,
				market,
				state,
				&params,
				settlement_decimals,
			)?);
			if size == 0 {
				return Ok(Some(false));
			}
			// A part is priced in the fund's favour (a long inventory sells rounded up, a
			// short one buys back rounded down; the counterparty's capacity keeps a unit back
			// for it), so handing all of it on never leaves the fund below what it paid.
			let rounding = if state.quantity > 0 { Rounding::Up } else { Rounding::Down };
			let notional = if size == state.quantity.unsigned_abs() {
				state.cost
			} else {
				multiply_by_rational_with_rounding(
					state.cost,
					size,
					state.quantity.unsigned_abs(),
					rounding,
				)
				.ok_or(ArithmeticError::Overflow)?
			};
			let qty = i128::try_from(size).map_err(|_| ArithmeticError::Overflow)?;
			// The fund hands its inventory over: a long inventory is sold to a short.
			let fund_qty = if state.quantity > 0 { -qty } else { qty };
			Self::book_trade(
				market,
				&params,
				crate::functions::Leg::free(&fund),
				crate::functions::Leg::free(account),
				fund_qty,
				notional,
				settlement_decimals,
			)?;
			T::LiquidationBook::fit_reduce_only(account, market)?;
			state.quantity =
				state.quantity.checked_add(fund_qty).ok_or(ArithmeticError::Overflow)?;
			state.cost = state.cost.saturating_sub(notional);
			Self::deposit_event(Event::Deleveraged {
				account: account.clone(),
				market,
				quantity: size,
				notional,
			});
			Ok(Some(true))
		})
	}

	/// The most of the inventory `account` can take at its price without its equity falling
	/// below zero: the inventory price is off the mark against the counterparty by
	/// `adverse` over the whole inventory (a long inventory sells above the mark, a short one
	/// buys below it), so `size ≤ equity · |inventory| / adverse`, rounded down, with one
	/// settlement unit kept back for the rounding of the trade's notional. Unlimited when the
	/// inventory price is not worse than the mark for the counterparty.
	fn adl_capacity(
		account: &AccountOf<T>,
		market: MarketId,
		state: &AdlStateOf<T>,
		params: &RiskParams,
		settlement_decimals: u8,
	) -> Result<u128, DispatchError> {
		let mark = Self::mark_price(market, params).ok_or(Error::<T>::PriceUnavailable)?;
		let inventory = state.quantity.unsigned_abs();
		let adverse = if state.quantity > 0 {
			let at_mark = clearinghouse_risk::units::value(
				inventory,
				mark,
				params.size_decimals,
				settlement_decimals,
				Rounding::Down,
			)
			.ok_or(ArithmeticError::Overflow)?;
			state.cost.saturating_sub(at_mark)
		} else {
			let at_mark = clearinghouse_risk::units::value(
				inventory,
				mark,
				params.size_decimals,
				settlement_decimals,
				Rounding::Up,
			)
			.ok_or(ArithmeticError::Overflow)?;
			at_mark.saturating_sub(state.cost)
		};
		if adverse == 0 {
			return Ok(u128::MAX);
		}
		let equity = Self::health(account, None)?.equity.saturating_sub(1).max(0).unsigned_abs();
		Ok(multiply_by_rational_with_rounding(equity, inventory, adverse, Rounding::Down)
			.unwrap_or(u128::MAX))
	}

	fn finish_deleveraging(market: MarketId, state: &AdlStateOf<T>) {
		Deleveraging::<T>::remove(market);
		Self::deposit_event(Event::DeleveragingFinished {
			market,
			unfilled: state.quantity.unsigned_abs(),
		});
	}
}
