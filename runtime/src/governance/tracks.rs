//! Referendum tracks.
//!
//! Periods are in blocks at the 6-second target ([`crate::MINUTES`] & co.). The non-root tracks
//! are shorter than `root` because their powers are narrower; `emergency` is the shortest
//! because a halt is only useful early, and a halt can only stop things, never move funds.

use polkadot_sdk::*;

use alloc::borrow::Cow;
use pallet_referenda::{Curve, Track, TrackInfo};
use sp_runtime::{str_array as s, Perbill};

use crate::{Balance, BlockNumber, OriginCaller, DAYS, HOURS, MINUTES, UNIT};

/// Track ids.
pub mod id {
	pub const ROOT: u16 = 0;
	pub const RISK_ADMIN: u16 = 1;
	pub const MARKET_ADMIN: u16 = 2;
	pub const EMERGENCY: u16 = 3;
}

const fn percent(x: u32) -> Perbill {
	Perbill::from_percent(x)
}

/// Approval falls linearly from 100% to 50% over the decision period.
const APPROVAL_DEFAULT: Curve =
	Curve::LinearDecreasing { length: percent(100), floor: percent(50), ceil: percent(100) };
/// Support (turnout in favour, as a share of issuance) falls from `ceil` to `floor`.
const fn support(floor: u32, ceil: u32) -> Curve {
	Curve::LinearDecreasing { length: percent(100), floor: percent(floor), ceil: percent(ceil) }
}

const TRACKS: [Track<u16, Balance, BlockNumber>; 4] = [
	Track {
		id: id::ROOT,
		info: TrackInfo {
			name: s("root"),
			max_deciding: 1,
			decision_deposit: 1_000 * UNIT,
			prepare_period: 2 * HOURS,
			decision_period: 7 * DAYS,
			confirm_period: DAYS,
			min_enactment_period: DAYS,
			min_approval: APPROVAL_DEFAULT,
			min_support: support(5, 50),
		},
	},
	Track {
		id: id::RISK_ADMIN,
		info: TrackInfo {
			name: s("risk_admin"),
			max_deciding: 10,
			decision_deposit: 100 * UNIT,
			prepare_period: 10 * MINUTES,
			decision_period: 2 * DAYS,
			confirm_period: HOURS,
			min_enactment_period: 10 * MINUTES,
			min_approval: APPROVAL_DEFAULT,
			min_support: support(2, 25),
		},
	},
	Track {
		id: id::MARKET_ADMIN,
		info: TrackInfo {
			name: s("market_admin"),
			max_deciding: 10,
			decision_deposit: 100 * UNIT,
			prepare_period: 30 * MINUTES,
			decision_period: 3 * DAYS,
			confirm_period: 3 * HOURS,
			min_enactment_period: 30 * MINUTES,
			min_approval: APPROVAL_DEFAULT,
			min_support: support(2, 25),
		},
	},
	Track {
		id: id::EMERGENCY,
		info: TrackInfo {
			name: s("emergency"),
			max_deciding: 5,
			decision_deposit: 50 * UNIT,
			prepare_period: MINUTES,
			decision_period: DAYS,
			confirm_period: 10 * MINUTES,
			min_enactment_period: 1,
			min_approval: APPROVAL_DEFAULT,
			min_support: support(5, 25),
		},
	},
];

/// The tracks of `pallet-referenda`, and which origin each dispatches with.
pub struct TracksInfo;
impl pallet_referenda::TracksInfo<Balance, BlockNumber> for TracksInfo {
	type Id = u16;
	type RuntimeOrigin =
		<crate::RuntimeOrigin as frame_support::traits::OriginTrait>::PalletsOrigin;

	fn tracks() -> impl Iterator<Item = Cow<'static, Track<Self::Id, Balance, BlockNumber>>> {
		TRACKS.iter().map(Cow::Borrowed)
	}

	fn track_for(origin: &Self::RuntimeOrigin) -> Result<Self::Id, ()> {
		use pallet_clearinghouse_origins::Origin;
		match origin {
			OriginCaller::system(frame_system::RawOrigin::Root) => Ok(id::ROOT),
			OriginCaller::Origins(Origin::RiskAdmin) => Ok(id::RISK_ADMIN),
			OriginCaller::Origins(Origin::MarketAdmin) => Ok(id::MARKET_ADMIN),
			OriginCaller::Origins(Origin::Emergency) => Ok(id::EMERGENCY),
			_ => Err(()),
		}
	}
}
