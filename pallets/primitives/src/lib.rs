//! # Clearinghouse primitives
//!
//! Plain types and the small traits through which the clearinghouse pallets talk to each other.
//! A pallet that *needs* something declares it as an associated type bounded by one of these
//! traits; the pallet that *provides* it implements the trait; the runtime wires the two. No
//! pallet depends on another pallet's crate or reads its storage.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod collateral;
pub mod oracle;
pub mod trading;

pub use collateral::{
	CheckWeight, CollateralId, CollateralLedger, CollateralValuation, MarginAccount,
	SettlementReason, SubAccountIndex, WithdrawalGuard, CROSS_MARGIN,
};
pub use oracle::{OracleKey, PriceProvider};
pub use trading::{FillHandler, MarketId, OrderIntent, OrderMarginCheck, TradeFill, TradeSide};
