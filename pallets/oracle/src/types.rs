//! Plain types of the oracle pallet and the per-key state machine (submissions, aggregate,
//! breaker), kept free of storage access so the pallet only loads and stores it.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{
		traits::Get, BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound,
		PartialEqNoBound,
	},
	sp_arithmetic::{FixedU128, Permill},
};
use scale_info::TypeInfo;

use crate::{aggregation, Moment, OracleKey};

/// An authorised feeder: its slot and the last block it fed in.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct FeederInfo<BlockNumber> {
	/// The feeder's slot; submissions are stored under it.
	pub index: u8,
	/// The block of the feeder's last feed, if any.
	pub last_fed: Option<BlockNumber>,
}

/// Governance-set parameters of a key.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct KeyConfig {
	/// The floor of the quorum: fresh submissions from at least this many distinct feeders,
	/// and from a majority of the authorised feeders ([`KeyConfig::quorum`]), are needed for a
	/// price.
	pub min_quorum: u8,
	/// A submission older than this (ms) is not used.
	pub max_age: Moment,
	/// A median further than this from the window's reference median trips the breaker.
	pub max_deviation: Permill,
	/// The breaker window (ms): the reference median rolls over after it, and a tripped
	/// breaker resets after a full window of medians within bounds.
	pub breaker_window: Moment,
	/// Half-life (ms) of the median's exponential moving average.
	pub ema_half_life: Moment,
	/// Whether feeders also submit an implied volatility for this key.
	pub has_vol: bool,
}

impl KeyConfig {
	/// The quorum with `feeders` authorised feeders: a strict majority of them, and never
	/// fewer than `min_quorum`. An absolute quorum alone would let a minority set the median
	/// once the honest majority's submissions go stale.
	pub fn quorum(&self, feeders: u32) -> usize {
		let majority = usize::try_from(feeders / 2 + 1).unwrap_or(usize::MAX);
		usize::from(self.min_quorum).max(majority)
	}
}

/// One value of a `feed` batch.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct FeedValue {
	/// The key.
	pub key: OracleKey,
	/// The price, in settlement-asset units per unit of the underlying.
	pub price: FixedU128,
	/// The implied volatility (annualised; 1.0 = 100%), for keys that carry one.
	pub vol: Option<FixedU128>,
}

/// A feeder's latest submission for a key.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Submission {
	/// The feeder's slot.
	pub feeder: u8,
	/// The price.
	pub price: FixedU128,
	/// The implied volatility, if the key carries one and the feeder sent it.
	pub vol: Option<FixedU128>,
	/// When it was submitted (ms).
	pub at: Moment,
}

/// The last accepted median and its moving average.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Aggregate {
	/// The median accepted last.
	pub median: FixedU128,
	/// When (ms).
	pub at: Moment,
	/// The exponential moving average of accepted medians.
	pub ema: FixedU128,
	/// The EMA as of the last earlier instant, and that instant. Every median accepted at the
	/// same instant (several feeders in one block) recomputes the EMA from this base, so the
	/// block's final median counts, not its first.
	pub ema_base: Option<(FixedU128, Moment)>,
}

/// A key's circuit breaker.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Breaker {
	/// Whether reads are halted.
	pub tripped: bool,
	/// The median medians are compared with; zero before the first accepted median.
	pub reference: FixedU128,
	/// When the reference was set (ms).
	pub reference_at: Moment,
}

/// Everything stored for a key besides its config: one storage value, one read.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	DefaultNoBound,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(MaxFeeders))]
#[codec(mel_bound(MaxFeeders: Get<u32>))]
pub struct KeyState<MaxFeeders: Get<u32>> {
	/// At most one submission per feeder, none older than `max_age` at the last write.
	pub submissions: BoundedVec<Submission, MaxFeeders>,
	/// The last accepted median, if the key ever reached quorum.
	pub aggregate: Option<Aggregate>,
	/// The circuit breaker.
	pub breaker: Breaker,
}

/// What accepting the current submissions did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Acceptance {
	/// Fewer fresh submissions than the quorum: nothing changed.
	NoQuorum,
	/// The median was accepted; the breaker did not change state.
	Accepted,
	/// The median moved beyond the bound: the breaker tripped.
	Tripped { reference: FixedU128, median: FixedU128 },
	/// A full window passed within bounds: the breaker reset.
	Reset,
}

impl<MaxFeeders: Get<u32>> KeyState<MaxFeeders> {
	/// Stores `feeder`'s submission, replacing its previous one, and drops submissions that
	/// are stale `now` so the vector only ever holds live values.
	pub fn record(
		&mut self,
		feeder: u8,
		price: FixedU128,
		vol: Option<FixedU128>,
		now: Moment,
		max_age: Moment,
	) {
		self.submissions
			.retain(|s| s.feeder != feeder && aggregation::is_fresh(s.at, now, max_age));
		// One entry per feeder and at most MaxFeeders feeders, and this feeder's entry was
		// just removed, so there is room. `force_push` would drop the oldest entry rather than
		// panic if that ever stopped being true.
		self.submissions.force_push(Submission { feeder, price, vol, at: now });
	}

	/// The median of the fresh prices (or vols) from at least `quorum` feeders, and the
	/// newest time among them.
	pub fn fresh_median(
		&self,
		config: &KeyConfig,
		now: Moment,
		vol: bool,
		quorum: usize,
	) -> Option<(FixedU128, Moment)> {
		let mut newest = 0;
		// At most MaxFeeders values: a fixed array would need a const bound, a small Vec is fine.
		let mut values = alloc::vec::Vec::with_capacity(self.submissions.len());
		for s in
			self.submissions.iter().filter(|s| aggregation::is_fresh(s.at, now, config.max_age))
		{
			let value = if vol { s.vol } else { Some(s.price) };
			if let Some(v) = value {
				values.push(v);
				newest = newest.max(s.at);
			}
		}
		aggregation::median(&mut values, quorum).map(|m| (m, newest))
	}

	/// Accepts the current median (if `quorum` feeders are fresh): updates the EMA and runs
	/// the breaker.
	pub fn accept(&mut self, config: &KeyConfig, now: Moment, quorum: usize) -> Acceptance {
		let Some((median, _)) = self.fresh_median(config, now, false, quorum) else {
			return Acceptance::NoQuorum;
		};
		let ema_base = match self.aggregate {
			Some(prev) if prev.at < now => Some((prev.ema, prev.at)),
			Some(prev) => prev.ema_base,
			None => None,
		};
		let ema = match ema_base {
			Some((base, base_at)) => aggregation::next_ema(
				base,
				median,
				now.saturating_sub(base_at),
				config.ema_half_life,
			),
			// The first instant with quorum: the EMA starts at the median.
			None => median,
		};
		self.aggregate = Some(Aggregate { median, at: now, ema, ema_base });

		let b = &mut self.breaker;
		let beyond = aggregation::exceeds_deviation(b.reference, median, config.max_deviation);
		let window_passed = now.saturating_sub(b.reference_at) >= config.breaker_window;
		let first = b.reference == FixedU128::default();
		if first {
			*b = Breaker { tripped: false, reference: median, reference_at: now };
			return Acceptance::Accepted;
		}
		match (b.tripped, beyond) {
			// A move beyond the bound: trip (or stay tripped) and restart the window from the
			// new level, which the market must now hold for a full window.
			(_, true) => {
				let reference = b.reference;
				let was_tripped = b.tripped;
				*b = Breaker { tripped: true, reference: median, reference_at: now };
				if was_tripped {
					Acceptance::Accepted
				} else {
					Acceptance::Tripped { reference, median }
				}
			},
			(true, false) if window_passed => {
				*b = Breaker { tripped: false, reference: median, reference_at: now };
				Acceptance::Reset
			},
			(false, false) if window_passed => {
				// Roll the reference over: drift is measured per window.
				b.reference = median;
				b.reference_at = now;
				Acceptance::Accepted
			},
			_ => Acceptance::Accepted,
		}
	}
}

/// What a key serves from one instant until the next (see [`Quotes`]): the fresh, quorate
/// median of its prices and of its vols, each with the newest fresh submission's time.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct QuoteSegment {
	/// The first instant (ms) this segment no longer holds: a submission it counts expires.
	pub until: Moment,
	/// The price median and the newest submission's time.
	pub price: (FixedU128, Moment),
	/// The vol median, if the key carries vols and enough fresh submissions have one.
	pub vol: Option<(FixedU128, Moment)>,
}

/// A key's reads, computed when its state last changed (a feed, a breaker reset, a change of
/// its configuration or of the feeders): what every read would compute from the submissions
/// at any later instant until the next change, as the fresh set shrinks one expiry after the
/// other. One small value per key, so a valuation reads it instead of the key's configuration
/// and every feeder's submission.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	DefaultNoBound,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(MaxFeeders))]
#[codec(mel_bound(MaxFeeders: Get<u32>))]
pub struct Quotes<MaxFeeders: Get<u32>> {
	/// Whether the breaker is tripped (every read is `None`).
	pub halted: bool,
	/// The EMA of the last accepted median.
	pub ema: Option<FixedU128>,
	/// From the change on, in order: each segment holds until its `until`; past the last one
	/// the key has no quorum (and no price) until the next feed.
	pub segments: BoundedVec<QuoteSegment, MaxFeeders>,
}

impl<MaxFeeders: Get<u32>> Quotes<MaxFeeders> {
	/// The segment that holds at `now`, if any.
	pub fn at(&self, now: Moment) -> Option<&QuoteSegment> {
		self.segments.iter().find(|s| now < s.until)
	}

	/// The price median at `now`, as a read of the key's state would compute it.
	pub fn price(&self, now: Moment) -> Option<(FixedU128, Moment)> {
		if self.halted {
			return None;
		}
		self.at(now).map(|s| s.price)
	}

	/// The vol median at `now`.
	pub fn vol(&self, now: Moment) -> Option<(FixedU128, Moment)> {
		if self.halted {
			return None;
		}
		self.at(now).and_then(|s| s.vol)
	}
	/// The price reads alone, as a consumer keeps a copy of them (the vols left out). At most
	/// `MaxFeeders` segments, which a runtime keeps within `MAX_PRICE_SEGMENTS`.
	pub fn price_schedule(&self) -> clearinghouse_primitives::oracle::PriceSchedule {
		use clearinghouse_primitives::oracle::{PriceSchedule, PriceSegment};
		let segments: alloc::vec::Vec<PriceSegment> = self
			.segments
			.iter()
			.map(|s| PriceSegment { until: s.until, price: s.price.0, at: s.price.1 })
			.collect();
		PriceSchedule {
			halted: self.halted,
			ema: self.ema,
			segments: polkadot_sdk::sp_runtime::BoundedVec::truncate_from(segments),
		}
	}
}

impl<MaxFeeders: Get<u32>> KeyState<MaxFeeders> {
	/// Every read of this state from `now` on, until it next changes: the fresh submissions
	/// expire oldest first (each `max_age` after it was made), so the fresh set at any later
	/// instant is the newest few of today's; one segment per distinct expiry, until the
	/// prices lose their quorum.
	pub fn quotes(&self, config: &KeyConfig, now: Moment, quorum: usize) -> Quotes<MaxFeeders> {
		let mut quotes = Quotes {
			halted: self.breaker.tripped,
			ema: self.aggregate.map(|a| a.ema),
			segments: Default::default(),
		};
		let mut expiries: alloc::vec::Vec<Moment> = self
			.submissions
			.iter()
			.filter(|s| aggregation::is_fresh(s.at, now, config.max_age))
			.map(|s| s.at.saturating_add(config.max_age).saturating_add(1))
			.collect();
		expiries.sort_unstable();
		expiries.dedup();
		// Each segment starts where the previous one ended (`now` for the first).
		let mut from = now;
		for until in expiries {
			let Some(price) = self.fresh_median(config, from, false, quorum) else { break };
			let vol =
				if config.has_vol { self.fresh_median(config, from, true, quorum) } else { None };
			// At most one segment per fresh submission: within the bound.
			if quotes.segments.try_push(QuoteSegment { until, price, vol }).is_err() {
				break;
			}
			from = until;
		}
		quotes
	}
}

/// A key's price as a consumer may use it now ([`crate::runtime_api::OracleApi`]).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct PriceStatus {
	/// The key's symbol (ASCII text).
	pub symbol: alloc::vec::Vec<u8>,
	/// The price margin, vaults and funding use now: the median of fresh submissions with
	/// quorum, unless halted. `None` means nothing may be valued with this key.
	pub price: Option<FixedU128>,
	/// The implied volatility under the same rule (keys with vols).
	pub vol: Option<FixedU128>,
	/// The EMA of accepted medians (mark prices, funding), `None` whenever `price` is.
	pub ema: Option<FixedU128>,
	/// The newest fresh submission's time (ms) and its age now.
	pub newest_at: Option<Moment>,
	/// How old the newest fresh submission is (ms).
	pub age_ms: Option<Moment>,
	/// Feeders with a fresh submission now.
	pub fresh_feeders: u32,
	/// Fresh feeders needed (a majority of the authorised ones, at least `min_quorum`).
	pub quorum: u32,
	/// Whether the key's breaker is tripped (no price until it resets).
	pub halted: bool,
	/// The last accepted median and when, even if stale: for display only, never a price.
	pub last_accepted: Option<(FixedU128, Moment)>,
}
