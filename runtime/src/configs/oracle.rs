//! The price oracle. Keys, feeders and breaker resets are risk parameters: the `risk_admin`
//! track (or root) decides them.

use polkadot_sdk::*;

use frame_support::{parameter_types, traits::ConstU32};
use sp_runtime::{FixedPointNumber, FixedU128};

use crate::{governance::RiskAdminOrigin, Runtime, Timestamp};

parameter_types! {
	/// No price above 10^15 settlement units per unit: keeps `price × size` far from overflow.
	pub OracleMaxPrice: FixedU128 = FixedU128::saturating_from_integer(1_000_000_000_000_000u128);
}

impl pallet_clearinghouse_oracle::Config for Runtime {
	type Time = Timestamp;
	type ConfigOrigin = RiskAdminOrigin;
	type FeederAdminOrigin = RiskAdminOrigin;
	type MaxFeeders = ConstU32<MAX_FEEDERS>;
	type MaxKeys = ConstU32<128>;
	type MaxFeedBatch = ConstU32<32>;
	type MaxPrice = OracleMaxPrice;
	// Every change of a key's price reads rewrites the copies in its perpetuals' and futures'
	// records (a margin check then reads each market once).
	type QuotesListener = crate::Margin;
	type WeightInfo = crate::weights::pallet_clearinghouse_oracle::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkClock;
}

// A key's reads hold one segment per feeder; the margin engine's copies hold at most
// `MAX_PRICE_SEGMENTS` (more would be cut off, and the copies would lose their price early).
const _: () = assert!(MAX_FEEDERS <= clearinghouse_primitives::oracle::MAX_PRICE_SEGMENTS);

/// The most feeders the oracle admits.
pub const MAX_FEEDERS: u32 = 32;

/// The oracle benchmarks' clock: the timestamp pallet's.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkClock;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_clearinghouse_oracle::BenchmarkHelper for BenchmarkClock {
	fn set_now(now: pallet_clearinghouse_oracle::Moment) {
		pallet_timestamp::Now::<Runtime>::put(now);
	}
}
