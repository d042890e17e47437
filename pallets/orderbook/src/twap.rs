//! TWAP orders: a large order sliced over time, each slice an immediate-or-cancel limit order
//! placed by the chain when it is due.
//!
//! * [`Twaps`]: one value per order (owner, sequence number: the owner's conditional-order
//!   sequence, and its place in the owner's list, so the per-owner cap counts both kinds).
//! * [`TwapDue`]: the due index, keyed by the next slice's time **big-endian** (identity
//!   hasher), then owner and sequence: iterating it walks the slices in the order they fall due,
//!   and whether any is due is one look at its first key.
//!
//! Slices are placed in `on_idle` after fired conditional orders (sharing their per-block cap),
//! and by [`Pallet::execute_triggered`]. A slice trades `remaining / slices left` (down to the
//! lot; the whole rest when that is below the minimum size), so what one slice did not fill is
//! spread over the ones after it; after the last, what is left is reported
//! ([`Event::TwapEnded`]). A slice refused (the margin check, a reduce-only slice with no
//! position left, a halted market) is reported with its error and counts as placed; after
//! [`MAX_REFUSED_SLICES`] refusals in a row the TWAP ends. At most `MaxTwapSlices` slices. A
//! slice is an order like any of the owner's: its self-trade prevention cancels the owner's own
//! resting orders it meets.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*, traits::Time};
use polkadot_sdk::sp_runtime::DispatchError;

/// Consecutive refused slices after which a TWAP ends (reported as any end, with what it left).
pub const MAX_REFUSED_SLICES: u8 = 3;

impl<T: Config> Pallet<T> {
	/// The slices of `spec`: `duration / interval`, none when the interval is zero.
	pub fn twap_slices(spec: &TwapSpec) -> u32 {
		spec.duration.checked_div(spec.interval).map_or(0, |n| n.min(u64::from(u32::MAX)) as u32)
	}

	/// What the next slice of `twap` trades: an equal share of what is left over the slices
	/// left, down to the lot; all that is left when the share is below the minimum size (or
	/// this is the last slice).
	fn slice_size(config: &MarketConfig, twap: &Twap) -> u128 {
		let share = twap.remaining / u128::from(twap.slices_left.max(1));
		let share = share - share % config.lot_size.max(1);
		if twap.slices_left <= 1 || share < config.params.min_size {
			twap.remaining
		} else {
			share
		}
	}

	/// The IOC limit order of a slice of `size`.
	fn slice_order(spec: &TwapSpec, size: u128) -> OrderRequest {
		OrderRequest {
			side: spec.side,
			order_type: OrderType::Limit { price: spec.limit_price },
			quantity: size,
			time_in_force: TimeInForce::Ioc,
			reduce_only: spec.reduce_only,
			client_id: None,
			self_trade: SelfTradePrevention::CancelResting,
		}
	}

	/// `place_twap`'s work: validate `spec` in `market` for `owner` and record it, its first
	/// slice due now. Returns its id.
	pub fn do_place_twap(
		owner: &T::AccountId,
		market: MarketId,
		spec: TwapSpec,
	) -> Result<u64, DispatchError> {
		let m = Markets::<T>::get(market).ok_or(Error::<T>::UnknownMarket)?;
		ensure!(spec.sub < T::MaxSubAccounts::get(), Error::<T>::SubAccountOutOfRange);
		let slices = Self::twap_slices(&spec);
		ensure!(slices >= 1, Error::<T>::ZeroSlices);
		ensure!(slices <= T::MaxTwapSlices::get(), Error::<T>::TooManySlices);
		ensure!(spec.interval >= T::MinTwapInterval::get(), Error::<T>::TwapIntervalTooShort);
		let now = T::Time::now();
		let twap = Twap {
			market,
			spec,
			remaining: spec.quantity,
			slices_left: slices,
			next_at: now,
			refused: 0,
		};
		// The first slice as the market would take it now (tick, lot, size, status); every
		// slice but the last is that size at least.
		Self::checked_request(&m.config, &Self::slice_order(&spec, spec.quantity))?;
		let first = Self::slice_size(&m.config, &twap);
		ensure!(
			slices == 1 || (first >= m.config.params.min_size && first < spec.quantity),
			Error::<T>::TwapSliceTooSmall
		);
		let mut entry = ConditionalOwners::<T>::get(owner);
		Self::make_conditional_room(owner, &mut entry, 1, now);
		let seq = entry.next;
		entry.next = seq.saturating_add(1);
		entry.live.try_push((seq, market, None)).map_err(|_| Error::<T>::TooManyConditionals)?;
		Self::store_owner(owner, entry)?;
		TwapDue::<T>::insert((now.to_be_bytes(), owner.clone(), seq), ());
		Twaps::<T>::insert(owner, seq, twap);
		Self::deposit_event(Event::TwapPlaced {
			account: MarginAccount::new(owner.clone(), spec.sub),
			market,
			id: seq,
			spec,
			slices,
		});
		Ok(seq)
	}

	/// Place due slices within `limit`, at most `max`, oldest due first. Returns how many
	/// were placed and what it used.
	pub fn run_twaps(limit: Weight, max: u32) -> (u32, Weight) {
		let now = T::Time::now();
		let execute = Self::execute_weight();
		let mut used = T::DbWeight::get().reads(1);
		if used.saturating_add(execute).any_gt(limit) {
			return (0, Weight::zero());
		}
		let mut placed = 0u32;
		while placed < max && !used.saturating_add(execute).any_gt(limit) {
			let Some(((due, owner, seq), ())) = TwapDue::<T>::iter().next() else { break };
			if u64::from_be_bytes(due) > now {
				break;
			}
			TwapDue::<T>::remove((due, owner.clone(), seq));
			used = used.saturating_add(Self::place_slice(&owner, seq, now));
			placed = placed.saturating_add(1);
		}
		(placed, used)
	}

	/// Place the due slice of `owner`'s TWAP `seq` (its due entry already removed). Returns
	/// what it used.
	pub(crate) fn place_slice(owner: &T::AccountId, seq: u64, now: Moment) -> Weight {
		let bookkeeping = Self::slice_bookkeeping();
		let Some(mut twap) = Twaps::<T>::get(owner, seq) else { return bookkeeping };
		let Some(m) = Markets::<T>::get(twap.market) else { return bookkeeping };
		let size = Self::slice_size(&m.config, &twap);
		let account = MarginAccount::new(owner.clone(), twap.spec.sub);
		let (filled, error, place) =
			match Self::do_place(&account, twap.market, Self::slice_order(&twap.spec, size)) {
				Ok(placed) => {
					let weight =
						Self::place_weight(placed.touched, placed.evicted, Self::placer(&account))
							.saturating_add(placed.check_cost)
							.saturating_sub(Self::listing_refund(placed.listed));
					(placed.filled.min(twap.remaining), None, weight)
				},
				Err(error) => (0, Some(error), Self::place_order_weight()),
			};
		twap.remaining = twap.remaining.saturating_sub(filled);
		twap.slices_left = twap.slices_left.saturating_sub(1);
		twap.refused = if error.is_some() { twap.refused.saturating_add(1) } else { 0 };
		Self::deposit_event(Event::TwapSliced {
			account: account.clone(),
			market: twap.market,
			id: seq,
			quantity: size,
			filled,
			error,
		});
		// Refused slice after refused slice (no margin, no position to reduce, a halted market):
		// the chain stops placing them.
		if twap.slices_left == 0 || twap.remaining == 0 || twap.refused >= MAX_REFUSED_SLICES {
			Twaps::<T>::remove(owner, seq);
			let mut entry = ConditionalOwners::<T>::get(owner);
			entry.live.retain(|(s, _, _)| *s != seq);
			Self::release(owner, entry);
			Self::deposit_event(Event::TwapEnded {
				account,
				market: twap.market,
				id: seq,
				filled: twap.spec.quantity.saturating_sub(twap.remaining),
				remaining: twap.remaining,
				cancelled: false,
			});
		} else {
			// Due an interval after the last due time (a slice late under full blocks does not
			// push the ones after it later), but not in this block again: a late TWAP catches
			// up a slice a block, never several against one book.
			twap.next_at =
				twap.next_at.saturating_add(twap.spec.interval).max(now.saturating_add(1));
			TwapDue::<T>::insert((twap.next_at.to_be_bytes(), owner.clone(), seq), ());
			Twaps::<T>::insert(owner, seq, twap);
		}
		bookkeeping.saturating_add(place)
	}

	/// What placing a slice costs beside its placement: the benchmark less the placement it
	/// measured with (an IOC that fills one resting order).
	pub(crate) fn slice_bookkeeping() -> Weight {
		T::WeightInfo::twap_slice().saturating_sub(T::WeightInfo::place_order(1))
	}

	/// `owner`'s TWAP `seq` cancelled (what it filled stays).
	pub(crate) fn cancel_twap(owner: &T::AccountId, seq: u64) -> DispatchResult {
		let twap = Twaps::<T>::take(owner, seq).ok_or(Error::<T>::ConditionalNotFound)?;
		TwapDue::<T>::remove((twap.next_at.to_be_bytes(), owner.clone(), seq));
		let mut entry = ConditionalOwners::<T>::get(owner);
		entry.live.retain(|(s, _, _)| *s != seq);
		Self::store_owner(owner, entry)?;
		Self::deposit_event(Event::TwapEnded {
			account: MarginAccount::new(owner.clone(), twap.spec.sub),
			market: twap.market,
			id: seq,
			filled: twap.spec.quantity.saturating_sub(twap.remaining),
			remaining: twap.remaining,
			cancelled: true,
		});
		Ok(())
	}

	/// `owner`'s running TWAP orders, as the runtime API reports them.
	pub fn twap_orders(owner: &T::AccountId) -> Vec<TwapView> {
		ConditionalOwners::<T>::get(owner)
			.live
			.iter()
			.filter_map(|(seq, _, _)| {
				let t = Twaps::<T>::get(owner, seq)?;
				Some(TwapView {
					id: *seq,
					market: t.market,
					spec: t.spec,
					remaining: t.remaining,
					slices_left: t.slices_left,
					next_at: t.next_at,
				})
			})
			.collect()
	}

	/// Every TWAP has slices left and something to trade, is in its owner's list and due once
	/// in the index at its next time; nothing else is due.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub(crate) fn twap_try_state() -> Result<usize, polkadot_sdk::sp_runtime::TryRuntimeError> {
		let mut twaps = 0usize;
		for (owner, seq, twap) in Twaps::<T>::iter() {
			twaps += 1;
			ensure!(twap.slices_left >= 1 && twap.remaining > 0, "a finished TWAP is still stored");
			ensure!(
				ConditionalOwners::<T>::get(&owner)
					.live
					.iter()
					.any(|(s, m, at)| *s == seq && *m == twap.market && at.is_none()),
				"a TWAP is missing from its owner's list"
			);
			ensure!(
				TwapDue::<T>::contains_key((twap.next_at.to_be_bytes(), owner, seq)),
				"a TWAP is not due at its next time"
			);
		}
		ensure!(TwapDue::<T>::iter_keys().count() == twaps, "a due entry names no TWAP");
		Ok(twaps)
	}
}
