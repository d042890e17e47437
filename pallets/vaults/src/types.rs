//! Plain types of the vaults pallet: the registry's per-asset configuration and an account's
//! ledger, with the ledger's arithmetic kept free of storage access.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{
		traits::Get, BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound,
		PartialEqNoBound,
	},
	sp_arithmetic::Permill,
};
use scale_info::TypeInfo;

use crate::{CollateralId, OracleKey};

/// Whether a collateral asset accepts new deposits.
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
	serde::Serialize,
	serde::Deserialize,
)]
pub enum CollateralStatus {
	/// Deposits, withdrawals and transfers.
	Active,
	/// Withdrawals and transfers between sub-accounts only (an asset being delisted). Balances
	/// still count as collateral.
	WithdrawOnly,
}

/// What a guarded outflow (a withdrawal, a transfer out of a sub-account) reports for its
/// weight: the assets the account held, and what the withdrawal guard said its check cost
/// beyond the benchmark's (`WithdrawalGuard::ensure_can_withdraw`).
pub type Guarded = (u32, polkadot_sdk::frame_support::weights::Weight);

/// The settlement asset: its id, and its decimals (a registered asset's never change), kept
/// with it so that valuing an account, which needs both, reads one value.
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
pub struct SettlementAsset {
	/// The collateral id.
	pub id: CollateralId,
	/// Its decimals, as registered.
	pub decimals: u8,
}

/// Governance-set parameters of one collateral asset.
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
	serde::Serialize,
	serde::Deserialize,
)]
pub struct CollateralConfig {
	/// The oracle key that prices one whole unit of the asset in the settlement asset.
	pub oracle_key: OracleKey,
	/// The asset's decimals: one whole unit is `10^decimals` of its smallest unit.
	pub decimals: u8,
	/// The share of market value that does not count as collateral: an asset with a 20%
	/// haircut counts 80% of `balance · price`. Ignored for the settlement asset (par).
	pub haircut: Permill,
	/// The most the vault may hold of the asset (smallest units), over all accounts.
	pub deposit_cap: u128,
	/// The most one margin account may hold of the asset (smallest units).
	pub account_cap: u128,
	/// Whether deposits are accepted.
	pub status: CollateralStatus,
}

/// A registered collateral asset: its parameters and what the vault holds of it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct CollateralInfo {
	/// The governance-set parameters.
	pub config: CollateralConfig,
	/// Σ of every margin account's balance of the asset (signed balances of the settlement
	/// asset included), which is what the vault's account must hold.
	pub held: u128,
}

/// Why a ledger operation failed (mapped to the pallet's errors).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LedgerError {
	/// A balance would leave the `i128` range.
	Overflow,
	/// The ledger already holds `MaxCollaterals` distinct assets.
	Full,
}

/// One margin account's balances, sorted by collateral id, zero balances never stored: the
/// whole ledger of an account is one storage value, read once by a valuation.
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
#[scale_info(skip_type_params(MaxEntries))]
pub struct AccountLedger<MaxEntries: Get<u32>>(pub BoundedVec<(CollateralId, i128), MaxEntries>);

impl<MaxEntries: Get<u32>> AccountLedger<MaxEntries> {
	/// The balance of `collateral` (zero if none).
	pub fn balance(&self, collateral: CollateralId) -> i128 {
		match self.0.binary_search_by_key(&collateral, |(id, _)| *id) {
			Ok(i) => self.0.get(i).map(|(_, b)| *b).unwrap_or_default(),
			Err(_) => 0,
		}
	}

	/// Add `delta` (possibly negative) to the balance of `collateral` and return the new
	/// balance. Does not judge the sign of the result: callers do.
	pub fn add(&mut self, collateral: CollateralId, delta: i128) -> Result<i128, LedgerError> {
		match self.0.binary_search_by_key(&collateral, |(id, _)| *id) {
			Ok(i) => {
				let old = self.0.get(i).map(|(_, b)| *b).unwrap_or_default();
				let new = old.checked_add(delta).ok_or(LedgerError::Overflow)?;
				if new == 0 {
					self.0.remove(i);
				} else if let Some(entry) = self.0.get_mut(i) {
					entry.1 = new;
				}
				Ok(new)
			},
			Err(i) => {
				if delta != 0 {
					self.0.try_insert(i, (collateral, delta)).map_err(|_| LedgerError::Full)?;
				}
				Ok(delta)
			},
		}
	}

	/// Whether the account holds nothing (its storage entry can go).
	pub fn is_empty(&self) -> bool {
		self.0.is_empty()
	}

	/// The (collateral, balance) entries in id order.
	pub fn iter(&self) -> impl Iterator<Item = &(CollateralId, i128)> {
		self.0.iter()
	}
}
