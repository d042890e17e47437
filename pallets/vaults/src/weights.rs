//! Weights of the vaults pallet.
//!
//! HAND-DERIVED, NOT GENERATED. The storage terms follow the code (see each function); the
//! `ref_time` constants are conservative estimates, to be replaced by
//! `clearinghouse-node benchmark pallet --pallet pallet_clearinghouse_vaults` output once the
//! node is built with `--features runtime-benchmarks` (see the README, "Benchmarks").

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions of the vaults pallet.
pub trait WeightInfo {
	/// `deposit`.
	fn deposit() -> Weight;
	/// `withdraw` from an account holding `n` assets (all valued: the worst case).
	fn withdraw(n: u32, p: u32) -> Weight;
	/// `withdraw_to` another chain, the outbound route included.
	fn withdraw_to() -> Weight;
	/// `transfer` from a sub-account holding `n` assets and `p` positions.
	fn transfer(n: u32, p: u32) -> Weight;
	/// `register_collateral`.
	fn register_collateral() -> Weight;
	/// `update_collateral`.
	fn update_collateral() -> Weight;
	/// `set_settlement_collateral`.
	fn set_settlement_collateral() -> Weight;
}

/// A token transfer: pallet-assets reads the asset and both accounts (plus the sender's
/// system account for sufficiency) and writes both accounts and the asset.
const TOKEN_READS: u64 = 4;
const TOKEN_WRITES: u64 = 3;
/// Proof bytes of one token transfer (asset details, two asset accounts, a system account).
const TOKEN_PROOF: u64 = 900;
/// Proof bytes of a registry entry, a ledger with 32 entries, an asset location.
const REGISTRY_PROOF: u64 = 120;
const LEDGER_PROOF: u64 = 650;
const ASSET_PROOF: u64 = 700;
/// Per valued asset: its registry entry and the oracle's config, state and the clock.
const PER_ASSET_READS: u64 = 4;
const PER_ASSET_PROOF: u64 = REGISTRY_PROOF + 1_600;
/// Per position the withdrawal guard values: its market's risk parameters, state and price.
const POSITION_PROOF: u64 = 4_700;

/// Weights for a runtime with `T::DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	// Reads: Collaterals(id), Ledgers(acct), CollateralAssets(id), the token transfer.
	// Writes: Collaterals(id), Ledgers(acct), the token transfer.
	fn deposit() -> Weight {
		Weight::from_parts(60_000_000, REGISTRY_PROOF + LEDGER_PROOF + ASSET_PROOF + TOKEN_PROOF)
			.saturating_add(T::DbWeight::get().reads(3 + TOKEN_READS))
			.saturating_add(T::DbWeight::get().writes(2 + TOKEN_WRITES))
	}
	// Reads: Collaterals(id), Ledgers(acct), SettlementCollateral, per held asset its registry
	// entry and price, CollateralAssets(id), the token transfer.
	// Writes: Collaterals(id), Ledgers(acct), the token transfer.
	// Per position: the guard's margin check reads its market's risk, state and price.
	fn withdraw(n: u32, p: u32) -> Weight {
		let n = u64::from(n);
		let p = u64::from(p);
		Weight::from_parts(65_000_000, REGISTRY_PROOF + LEDGER_PROOF + ASSET_PROOF + TOKEN_PROOF)
			.saturating_add(Weight::from_parts(8_000_000, PER_ASSET_PROOF).saturating_mul(n))
			.saturating_add(Weight::from_parts(40_000_000, POSITION_PROOF).saturating_mul(p))
			.saturating_add(T::DbWeight::get().reads(5 + TOKEN_READS + PER_ASSET_READS * n + 3 * p))
			.saturating_add(T::DbWeight::get().writes(2 + TOKEN_WRITES))
	}
	// A withdrawal from a full account plus an XCM `transfer_assets` (local execution, a
	// derivative burnt, one message queued): estimated at 3 token transfers and 5 ms.
	fn withdraw_to() -> Weight {
		Self::withdraw(32, 64)
			.saturating_add(Weight::from_parts(5_000_000_000, 3 * TOKEN_PROOF + 16 * 1024))
			.saturating_add(T::DbWeight::get().reads(3 * TOKEN_READS + 6))
			.saturating_add(T::DbWeight::get().writes(3 * TOKEN_WRITES + 4))
	}
	// Reads: Collaterals(id), SettlementCollateral, both ledgers, per held asset its registry
	// entry and price. Writes: both ledgers.
	fn transfer(n: u32, p: u32) -> Weight {
		let n = u64::from(n);
		let p = u64::from(p);
		Weight::from_parts(30_000_000, REGISTRY_PROOF + 2 * LEDGER_PROOF)
			.saturating_add(Weight::from_parts(8_000_000, PER_ASSET_PROOF).saturating_mul(n))
			.saturating_add(Weight::from_parts(40_000_000, POSITION_PROOF).saturating_mul(p))
			.saturating_add(T::DbWeight::get().reads(4 + PER_ASSET_READS * n + 3 * p))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	// Reads: CollateralIdOf(asset), the counter, System::Account(vault).
	// Writes: Collaterals, the counter, CollateralAssets, CollateralIdOf, System::Account(vault).
	fn register_collateral() -> Weight {
		Weight::from_parts(25_000_000, 2 * ASSET_PROOF + REGISTRY_PROOF)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	// Reads and writes Collaterals(id).
	fn update_collateral() -> Weight {
		Weight::from_parts(15_000_000, REGISTRY_PROOF)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	// Reads: Collaterals(id), SettlementCollateral. Writes: SettlementCollateral.
	fn set_settlement_collateral() -> Weight {
		Weight::from_parts(12_000_000, REGISTRY_PROOF)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
}

/// For tests: the same terms without a database weight.
impl WeightInfo for () {
	fn deposit() -> Weight {
		Weight::from_parts(60_000_000, 0)
	}
	fn withdraw(n: u32, p: u32) -> Weight {
		Weight::from_parts(65_000_000 + 8_000_000 * u64::from(n) + 40_000_000 * u64::from(p), 0)
	}
	fn withdraw_to() -> Weight {
		Weight::from_parts(65_000_000 + 8_000_000 * 32 + 5_000_000_000, 0)
	}
	fn transfer(n: u32, p: u32) -> Weight {
		Weight::from_parts(30_000_000 + 8_000_000 * u64::from(n) + 40_000_000 * u64::from(p), 0)
	}
	fn register_collateral() -> Weight {
		Weight::from_parts(25_000_000, 0)
	}
	fn update_collateral() -> Weight {
		Weight::from_parts(15_000_000, 0)
	}
	fn set_settlement_collateral() -> Weight {
		Weight::from_parts(12_000_000, 0)
	}
}
