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
	type MaxFeeders = ConstU32<32>;
	type MaxKeys = ConstU32<128>;
	type MaxFeedBatch = ConstU32<32>;
	type MaxPrice = OracleMaxPrice;
	type WeightInfo = crate::weights::pallet_clearinghouse_oracle::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkClock;
}

/// The oracle benchmarks' clock: the timestamp pallet's.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkClock;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_clearinghouse_oracle::BenchmarkHelper for BenchmarkClock {
	fn set_now(now: pallet_clearinghouse_oracle::Moment) {
		pallet_timestamp::Now::<Runtime>::put(now);
	}
}
