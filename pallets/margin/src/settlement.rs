//! Settlement prices of dated markets (futures and options).
//!
//! A dated market (a future or an option) is registered here when its risk parameters are
//! first set (its expiry comes from the book; an option's are set when it is listed). From `window_ms` before expiry, every block samples the oracle index of its
//! underlying in `on_initialize` (`None` while the index is stale, without quorum or halted by
//! its breaker) and keeps a time-weighted average (`clearinghouse_risk::settlement`). At the
//! first block at or after expiry, if fresh samples covered at least `min_coverage` of the
//! window, the average is the settlement price (`SettlementPriceFixed`); otherwise
//! `SettlementDelayed` is emitted once and sampling goes on, after expiry, until the coverage
//! is reached: a missing oracle delays settlement, it never settles on too few prices.
//!
//! The book refuses orders from expiry on (`MarketExpired`), so the positions the settlement
//! price applies to are the ones held at expiry.
//!
//! Once the price is fixed every position settles in cash against the clearing account, as if
//! closed with no fee at the settlement price (a future) or at its intrinsic value there (an
//! option: `max(S − K, 0)` a call, `max(K − S, 0)` a put, moved as a premium would be): the longs first, then the shorts, one holder
//! per step taken from the market's holder index (settled positions leave it, so no cursor is
//! kept and a step can never settle a position twice). `on_idle` drives it on spare weight and
//! anyone may call `margin.settle(market, steps)` under full blocks. A long receives
//! `size × price` rounded down, a short pays it rounded up (the clearing account never pays
//! out more than it takes in); open interest falls to zero with the longs. When both sides are
//! empty the market is settled (`MarketSettled`).

use clearinghouse_primitives::trading::LiquidationBook;
use frame_support::{pallet_prelude::*, traits::Time};
use polkadot_sdk::sp_arithmetic::{ArithmeticError, FixedU128, Permill, Rounding};

use crate::{pallet::*, *};

/// An upper bound of the proof one `Holders` key adds (its encoded key is 94 bytes).
pub(crate) const HOLDER_KEY_PROOF: u64 = 128;

impl<T: Config> Pallet<T> {
	/// Sample every registered dated market inside its window whose price is not fixed yet,
	/// and fix the prices that are due. Returns the weight used.
	pub(crate) fn sample_settlements() -> Weight {
		let db = T::DbWeight::get();
		let count = Settlements::<T>::count();
		if count == 0 {
			return db.reads(1);
		}
		let now = T::Time::now();
		let params = SettlementConfig::<T>::get();
		let needed_ms = params.needed_ms();
		// Bounded by `MaxMarkets`: a settlement exists only for a configured market.
		let due: alloc::vec::Vec<(MarketId, SettlementState)> = Settlements::<T>::iter()
			.filter(|(_, s)| s.price.is_none() && now >= s.expiry.saturating_sub(params.window_ms))
			.collect();
		for (market, mut state) in due {
			if state.settled {
				continue;
			}
			let price = Pallet::<T>::risk(market)
				.and_then(|risk| T::Prices::quote(&risk.underlying))
				.map(|quote| quote.price);
			let Some(twap) = state.twap().observe(now, price, state.expiry) else {
				// Overflow or a clock gone backwards: this block's sample is skipped.
				continue;
			};
			state.set_twap(twap);
			if now >= state.expiry {
				if twap.covers(needed_ms) {
					if let Some(price) = twap.average() {
						state.price = Some(price);
						// From now on the market's positions are marked at it.
						Pallet::<T>::mutate_state(market, |s| s.settlement_price = Some(price));
						Self::deposit_event(Event::SettlementPriceFixed {
							market,
							price,
							covered_ms: twap.covered_ms,
						});
					}
				} else if !state.delayed {
					state.delayed = true;
					Self::deposit_event(Event::SettlementDelayed {
						market,
						covered_ms: twap.covered_ms,
						needed_ms,
					});
				}
			}
			Settlements::<T>::insert(market, state);
		}
		T::WeightInfo::sample_settlements(count)
	}

	/// `market`'s settlement state, for the runtime API: `None` for a perpetual.
	pub fn settlement(market: MarketId) -> Option<SettlementState> {
		Settlements::<T>::get(market)
	}

	/// What a `settle` call of `steps` positions declares (see [`Self::keeper_weight`]): each
	/// step finds the next holder and settles it, as many as fit one transaction.
	pub fn settle_weight(steps: u32) -> Weight {
		Self::keeper_weight(steps, Self::settle_step(), u32::MAX)
	}

	/// One settlement step: finding the next holder (one read per side of the index), the
	/// `settle_position` benchmark, covering a bad debt it may leave (`cover_bad_debt`'s
	/// benchmark) and fitting a pending deleveraging to the fund (its state read and written,
	/// the backstop book read).
	fn settle_step() -> Weight {
		T::WeightInfo::settle_position()
			.saturating_add(T::WeightInfo::cover_bad_debt())
			.saturating_add(T::DbWeight::get().reads_writes(4, 1))
			// The two index lookups' proof (a `Holders` key: under 128 bytes each).
			.saturating_add(Weight::from_parts(0, 2 * HOLDER_KEY_PROOF))
	}

	/// Settle every market whose price is fixed while `limit` allows. Returns the weight used.
	pub(crate) fn process_settlements(limit: Weight) -> Weight {
		let db = T::DbWeight::get();
		let mut used = db.reads(1);
		if Settlements::<T>::count() == 0 {
			return used;
		}
		// Bounded by `MaxMarkets`.
		let due: alloc::vec::Vec<MarketId> = Settlements::<T>::iter()
			.filter(|(_, s)| s.price.is_some() && !s.settled)
			.map(|(market, _)| market)
			.collect();
		used = used.saturating_add(db.reads(u64::from(Settlements::<T>::count())));
		if used.any_gt(limit) {
			return Weight::zero();
		}
		for market in due {
			if used.any_gt(limit) {
				break;
			}
			let (step, _) = Self::advance_settlement(market, limit.saturating_sub(used));
			used = used.saturating_add(step);
		}
		used
	}

	/// Settle positions of `market` while `limit` allows, each charged the `settle_position`
	/// benchmark. Returns the weight used. Does nothing before the price is fixed or after the
	/// market settled.
	pub(crate) fn advance_settlement(market: MarketId, limit: Weight) -> (Weight, bool) {
		let db = T::DbWeight::get();
		let mut used = db.reads(1);
		let mut progressed = false;
		let Some(mut state) = Settlements::<T>::get(market) else { return (used, progressed) };
		let Some(price) = state.price.filter(|_| !state.settled) else {
			return (used, progressed);
		};
		let per_position = Self::settle_step();
		while !used.saturating_add(per_position).any_gt(limit) {
			// Longs first, then shorts: the first holder left on a side (settled ones have left
			// the index).
			let next = Holders::<T>::iter_key_prefix((market, true))
				.next()
				.or_else(|| Holders::<T>::iter_key_prefix((market, false)).next());
			used = used.saturating_add(per_position);
			let Some(account) = next else {
				state.settled = true;
				Settlements::<T>::insert(market, state);
				T::LiquidationBook::market_settled(market);
				Self::deposit_event(Event::MarketSettled { market, price });
				// This step's charge (a whole position's) covers the state and the book's
				// market written.
				return (used, true);
			};
			if let Err(error) = Self::settle_position(&account, market, price) {
				// Nothing settles out of order: the next step retries this holder.
				log::warn!(target: "margin", "settling {account:?} in {market}: {error:?}");
				return (used, progressed);
			}
			progressed = true;
		}
		(used, progressed)
	}

	/// Close `account`'s position in `market` at the settlement `price` against the clearing
	/// account, without a fee: a future at the price, an option at its intrinsic value there
	/// (its payoff moves as a premium would: the long receives it, the short pays it).
	pub(crate) fn settle_position(
		account: &AccountOf<T>,
		market: MarketId,
		price: FixedU128,
	) -> DispatchResult {
		frame_support::storage::with_storage_layer(|| {
			let params = Pallet::<T>::risk(market).ok_or(Error::<T>::MarketNotConfigured)?;
			let settlement_decimals =
				T::Ledger::settlement_decimals().ok_or(Error::<T>::NoSettlementAsset)?;
			let quantity = Self::size_in(account, market);
			if quantity == 0 {
				// Never indexed (try_state checks it); should it happen, the entry goes so the
				// settlement cannot stall on it.
				Holders::<T>::remove((market, true), account);
				Holders::<T>::remove((market, false), account);
				return Ok(());
			}
			let mut state = Pallet::<T>::market_state(market);
			// A future closes at the settlement price, an option at its payoff there.
			let price = match state.instrument {
				Instrument::Option { right, strike, .. } => clearinghouse_risk::options::intrinsic(
					crate::options::pricing_right(right),
					price,
					strike,
				),
				_ => price,
			};
			// A long sells at the price (receives it rounded down), a short buys back (pays it
			// rounded up).
			let rounding = if quantity > 0 { Rounding::Down } else { Rounding::Up };
			let notional = clearinghouse_risk::units::value(
				quantity.unsigned_abs(),
				price,
				params.size_decimals,
				settlement_decimals,
				rounding,
			)
			.ok_or(ArithmeticError::Overflow)?;
			let oi_delta = Self::apply_side(
				account,
				market,
				&params,
				&state,
				quantity.checked_neg().ok_or(ArithmeticError::Overflow)?,
				notional,
				Permill::zero(),
				false,
				settlement_decimals,
			)?;
			state.open_interest = Self::shifted_open_interest(&state, oi_delta, 0)?;
			Pallet::<T>::mutate_state(market, |s| *s = state);
			Self::deposit_event(Event::PositionSettled {
				account: account.clone(),
				market,
				quantity,
				price,
			});
			// A holder left with no position and less than nothing has bad debt: covered by
			// the fund or recorded, as after a liquidation.
			Self::cover_new_bad_debt(account)?;
			// The fund's backstop book settles too: a pending deleveraging of this market has
			// nothing left to hand on.
			if Deleveraging::<T>::contains_key(market) {
				Self::fit_deleveraging_to_fund(market)?;
			}
			Ok(())
		})
	}
}
