//! Governance: who may change what.
//!
//! Everything privileged on this chain is dispatched by a passed referendum (`pallet-referenda`
//! with `pallet-conviction-voting`), on one of four tracks ([`tracks`]):
//!
//! | track          | origin                    | used for                                      |
//! |----------------|---------------------------|-----------------------------------------------|
//! | `root`         | `Root`                    | runtime upgrades, collators, fund withdrawals, bridge routes (mint authority) |
//! | `risk_admin`   | `Origins::RiskAdmin`      | risk parameters, oracle keys and feeders, collateral registry (shorter periods) |
//! | `market_admin` | `Origins::MarketAdmin`    | listing and delisting markets, creating foreign assets |
//! | `emergency`    | `Origins::Emergency`      | halting only                                  |
//!
//! Besides referenda, the **guardian council** (`GuardianCouncil`, a `pallet-collective`
//! instance whose members root sets) can halt with a simple majority and do nothing else:
//! [`HaltOrigin`] accepts it, and no other origin type in the runtime does. Un-halting is a root
//! referendum.
//!
//! `Sudo` exists for the `development` and `local_testnet` presets; the `production` preset sets
//! no sudo key, so on a production chain sudo can never dispatch anything.

pub mod tracks;

use polkadot_sdk::*;

use frame_support::traits::EitherOf;
use frame_system::EnsureRoot;
use pallet_clearinghouse_origins::{EnsureEmergency, EnsureMarketAdmin, EnsureRiskAdmin};

use crate::AccountId;

/// The guardian council's instance of `pallet-collective`.
pub type GuardianCollective = pallet_collective::Instance1;

/// At least half of the guardian council.
pub type GuardianMajority =
	pallet_collective::EnsureProportionAtLeast<AccountId, GuardianCollective, 1, 2>;

/// May halt (pause calls, and later markets): root, the `emergency` track or the guardians.
pub type HaltOrigin = EitherOf<EnsureRoot<AccountId>, EitherOf<EnsureEmergency, GuardianMajority>>;

/// May change risk parameters, the oracle's keys and feeders and the collateral registry: root
/// or the `risk_admin` track.
pub type RiskAdminOrigin = EitherOf<EnsureRoot<AccountId>, EnsureRiskAdmin>;

/// May list, change and delist markets and create foreign assets: root or the `market_admin`
/// track. (Collateral is registered by [`RiskAdminOrigin`]: haircuts and caps are risk.)
pub type MarketAdminOrigin = EitherOf<EnsureRoot<AccountId>, EnsureMarketAdmin>;
