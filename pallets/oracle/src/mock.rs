//! A minimal runtime for the oracle pallet's tests: system, timestamp and the oracle.

use crate as pallet_oracle;
use polkadot_sdk::{
	frame_support::{parameter_types, traits::ConstU32},
	frame_system::{self, EnsureRoot},
	pallet_timestamp,
	sp_arithmetic::{FixedU128, Permill},
	sp_io,
	sp_runtime::BuildStorage,
};

type Block = frame_system::mocking::MockBlock<Test>;

clearinghouse_test_support::mock_runtime!(Test {
	1: Timestamp = pallet_timestamp,
	2: Oracle = pallet_oracle,
});
clearinghouse_test_support::impl_system!(Test);
clearinghouse_test_support::impl_clock!(Test);

parameter_types! {
	pub MaxPrice: FixedU128 = FixedU128::from_u32(1_000_000_000);
}

use pallet_oracle::OracleKey;
use polkadot_sdk::frame_support::weights::Weight;
extern crate alloc;

impl pallet_oracle::Config for Test {
	type Time = Timestamp;
	type ConfigOrigin = EnsureRoot<u64>;
	type FeederAdminOrigin = EnsureRoot<u64>;
	type MaxFeeders = ConstU32<32>;
	type MaxKeys = ConstU32<8>;
	type MaxFeedBatch = ConstU32<32>;
	type MaxPrice = MaxPrice;
	type QuotesListener = RecordingListener;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockClock;
}

/// The start time of every test (ms).
pub const T0: u64 = 1_700_000_000_000;

/// A typical key: 3-of-N quorum, 60 s max age, 10% bound over a 5 min window, 1 min EMA.
pub fn config() -> pallet_oracle::KeyConfig {
	pallet_oracle::KeyConfig {
		min_quorum: 3,
		max_age: 60_000,
		max_deviation: Permill::from_percent(10),
		breaker_window: 300_000,
		ema_half_life: 60_000,
		has_vol: false,
	}
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Test>::put(T0);
	});
	TOLD.with(|t| t.borrow_mut().clear());
	ext
}

/// Run `test` on a fresh [`new_test_ext`], then every pallet's `try_state` (polkadot-sdk's
/// `build_and_execute` pattern): no test may leave a broken invariant behind.
pub fn build_and_execute<R>(test: impl FnOnce() -> R) -> R {
	clearinghouse_test_support::build_and_execute(new_test_ext(), test, &[Oracle::do_try_state])
}

/// The benchmarks' clock: the timestamp pallet's.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockClock;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_oracle::BenchmarkHelper for MockClock {
	fn set_now(now: u64) {
		pallet_timestamp::Now::<Test>::put(now);
	}
}

thread_local! {
	/// What the listener was told, in order: each key and its new price reads.
	pub static TOLD: core::cell::RefCell<
		alloc::vec::Vec<(OracleKey, Option<clearinghouse_primitives::oracle::PriceSchedule>)>,
	> = const { core::cell::RefCell::new(alloc::vec::Vec::new()) };
}

/// Records what the oracle tells a consumer of its price reads.
pub struct RecordingListener;
impl clearinghouse_primitives::oracle::QuotesListener<OracleKey> for RecordingListener {
	fn quotes_changed(
		key: &OracleKey,
		schedule: Option<&clearinghouse_primitives::oracle::PriceSchedule>,
	) -> Weight {
		TOLD.with(|t| t.borrow_mut().push((*key, schedule.cloned())));
		Weight::from_parts(1_000, 0)
	}
	fn max_weight(keys: u32) -> Weight {
		Weight::from_parts(1_000 * u64::from(keys), 0)
	}
}
