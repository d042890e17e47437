//! # Risk arithmetic
//!
//! The storage-free arithmetic of the clearinghouse: what a balance or a position is worth in
//! the settlement asset, how fills change a position and realise PnL, how perpetual funding
//! accrues through a cumulative index, the standard margin requirement and the mark price.
//! The margin engine and the vaults wrap these functions; every rounding is stated and goes
//! against the account (requirements and debts up, equity and payouts down).
//!
//! Units: sizes and balances are integers in their asset's (or market's) smallest unit with a
//! number of decimals; prices are `FixedU128` whole settlement units per whole unit; values are
//! integers in the settlement asset's smallest unit.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod funding;
pub mod margin;
pub mod mark;
pub mod options;
pub mod position;
pub mod scenario;
pub mod settlement;
pub mod units;

pub use polkadot_sdk::sp_arithmetic::{FixedI128, FixedU128, Permill, Rounding};
