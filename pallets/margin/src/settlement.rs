//! Settlement prices of dated markets (futures and options).
//!
//! A dated market is registered here when its risk parameters are first set (its expiry comes
//! from the book). From `window_ms` before expiry, every block samples the oracle index of its
//! underlying in `on_initialize` (`None` while the index is stale, without quorum or halted by
//! its breaker) and keeps a time-weighted average (`clearinghouse_risk::settlement`). At the
//! first block at or after expiry, if fresh samples covered at least `min_coverage` of the
//! window, the average is the settlement price (`SettlementPriceFixed`); otherwise
//! `SettlementDelayed` is emitted once and sampling goes on, after expiry, until the coverage
//! is reached: a missing oracle delays settlement, it never settles on too few prices.
//!
//! The book refuses orders from expiry on (`MarketExpired`), so the positions the settlement
//! price applies to are the ones held at expiry.

use frame_support::{pallet_prelude::*, traits::Time};

use crate::{pallet::*, *};

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
			let price = MarketRisks::<T>::get(market)
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
}
