//! The settlement price of a dated market: the time-weighted average of the oracle index over a
//! window before expiry, from samples the chain takes itself, block by block.
//!
//! Each fresh sample holds until the next block's sample: at every block the previous fresh
//! sample's price is credited for the time since it was taken (a step function, left-closed).
//! Time after a missing sample (a stale index, a tripped breaker) is not credited at all, so an
//! outage shortens the covered time rather than stretching one price over it. Inside the
//! window credit stops at expiry. If at expiry the covered time is below the required
//! coverage, sampling goes on after expiry (each fresh sample credited until the next block)
//! until it is reached: settlement waits for prices rather than settling on too few.
//!
//! The average rounds down (a price both sides of every position settle at: the rounding moves
//! no value between them).

use crate::FixedU128;

/// A running time-weighted average (see the module docs). Plain data: the margin pallet keeps
/// it in its own storage type.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Twap {
	/// Σ price (inner, 18 decimals) × credited milliseconds.
	pub weighted: u128,
	/// Σ credited milliseconds.
	pub covered_ms: u64,
	/// The last fresh sample, not yet credited: its time (ms) and price.
	pub last: Option<(u64, FixedU128)>,
}

impl Twap {
	/// Record the sample taken at `now` (`None`: no usable index then). First the previous
	/// fresh sample is credited up to `now`, or only up to `expiry` if it was taken before
	/// it. Returns `None` (and changes nothing) if the sums would overflow, or if `now` is
	/// earlier than the previous sample.
	pub fn observe(&self, now: u64, price: Option<FixedU128>, expiry: u64) -> Option<Twap> {
		let mut next = *self;
		if let Some((at, last_price)) = self.last {
			let end = if at < expiry { now.min(expiry) } else { now };
			let credited = end.checked_sub(at)?;
			next.weighted = next
				.weighted
				.checked_add(last_price.into_inner().checked_mul(u128::from(credited))?)?;
			next.covered_ms = next.covered_ms.checked_add(credited)?;
		}
		next.last = price.map(|p| (now, p));
		Some(next)
	}

	/// Whether at least `needed_ms` (and more than nothing) have been credited.
	pub fn covers(&self, needed_ms: u64) -> bool {
		self.covered_ms >= needed_ms && self.covered_ms > 0
	}

	/// The average so far, rounded down; `None` before anything was credited.
	pub fn average(&self) -> Option<FixedU128> {
		let covered = u128::from(self.covered_ms);
		(covered > 0).then(|| FixedU128::from_inner(self.weighted / covered))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn p(x: u32) -> Option<FixedU128> {
		Some(FixedU128::from_u32(x))
	}

	#[test]
	fn each_sample_holds_until_the_next_and_credit_stops_at_expiry() {
		let expiry = 10_000;
		let twap = Twap::default()
			.observe(4_000, p(100), expiry)
			.and_then(|t| t.observe(6_000, p(200), expiry))
			.and_then(|t| t.observe(12_000, p(999), expiry))
			.unwrap();
		// 100 for 2 s, 200 for 4 s (to expiry, not to 12 s).
		assert_eq!(twap.covered_ms, 6_000);
		let exact = (100 * 2_000 + 200 * 4_000) * 10u128.pow(18) / 6_000;
		assert_eq!(twap.average(), Some(FixedU128::from_inner(exact)));
		assert!(twap.covers(6_000) && !twap.covers(6_001));
	}

	#[test]
	fn an_outage_is_not_credited_and_delayed_samples_count_after_expiry() {
		let expiry = 10_000;
		let twap = Twap::default()
			.observe(4_000, p(100), expiry)
			// The index goes stale at 5 s: [5 s, 9 s) is not credited.
			.and_then(|t| t.observe(5_000, None, expiry))
			.and_then(|t| t.observe(9_000, p(120), expiry))
			.and_then(|t| t.observe(11_000, p(130), expiry))
			.unwrap();
		assert_eq!(twap.covered_ms, 1_000 + 1_000);
		// Coverage short: the sample at 11 s (after expiry) is credited until the next one.
		let later = twap.observe(13_000, p(140), expiry).unwrap();
		assert_eq!(later.covered_ms, 4_000);
		assert_eq!(later.average(), Some(FixedU128::from_u32((100 + 120 + 130 * 2) / 4)));
	}

	#[test]
	fn nothing_credited_has_no_average_and_time_cannot_go_back() {
		assert_eq!(Twap::default().average(), None);
		assert!(!Twap::default().covers(0));
		let t = Twap::default().observe(5_000, p(1), 10_000).unwrap();
		assert_eq!(t.observe(4_000, p(1), 10_000), None);
		let huge =
			Twap::default().observe(0, Some(FixedU128::from_inner(u128::MAX / 2)), 10).unwrap();
		assert_eq!(huge.observe(10, p(1), 10), None);
	}

	proptest! {
		/// The average lies between the smallest and the largest price sampled, and the
		/// covered time never exceeds the time since the first sample.
		#[test]
		fn the_average_is_bounded_by_the_sampled_prices(
			steps in proptest::collection::vec(
				(1u64..10_000, proptest::option::of(1u32..1_000_000)),
				1..60,
			),
		) {
			let expiry = 200_000u64;
			let (mut twap, mut now) = (Twap::default(), 0u64);
			let (mut lo, mut hi) = (u128::MAX, 0u128);
			let first = steps[0].0;
			for (dt, price) in steps {
				now += dt;
				let price = price.map(FixedU128::from_u32);
				if let Some(p) = price {
					lo = lo.min(p.into_inner());
					hi = hi.max(p.into_inner());
				}
				twap = twap.observe(now, price, expiry).unwrap();
			}
			prop_assert!(twap.covered_ms <= now - first);
			if let Some(avg) = twap.average() {
				prop_assert!(avg.into_inner() >= lo && avg.into_inner() <= hi);
			}
		}
	}
}
