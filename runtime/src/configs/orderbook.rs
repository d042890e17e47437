//! The order book. Listing and delisting markets is the `market_admin` track's decision.

use polkadot_sdk::*;

use frame_support::traits::{ConstU32, ConstU8};

use crate::{governance::MarketAdminOrigin, Runtime, Timestamp};

impl pallet_clearinghouse_orderbook::Config for Runtime {
	type Time = Timestamp;
	type MarketAdminOrigin = MarketAdminOrigin;
	// Until the margin engine is wired: every order passes, no positions exist (so reduce-only
	// orders are refused), fills change nothing outside the book.
	type MarginCheck = ();
	type FillHandler = ();
	type MaxLevels = ConstU32<128>;
	type MaxOrdersPerLevel = ConstU32<64>;
	type MaxOpenOrders = ConstU32<64>;
	type MaxRecentClientIds = ConstU32<32>;
	type MaxMakersPerOrder = ConstU32<32>;
	type MaxBulk = ConstU32<32>;
	type MaxSubAccounts = ConstU8<8>;
	type MaxMarkets = ConstU32<256>;
	type WeightInfo = pallet_clearinghouse_orderbook::weights::SubstrateWeight<Runtime>;
}
