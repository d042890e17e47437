//! Weights measured on this runtime by `scripts/benchmark` (one file per pallet, generated).
//! Pallets without a file here use their own hand-derived `SubstrateWeight`.

pub mod pallet_clearinghouse_bridge;
pub mod pallet_clearinghouse_confidential;
pub mod pallet_clearinghouse_insurance;
pub mod pallet_clearinghouse_margin;
pub mod pallet_clearinghouse_oracle;
pub mod pallet_clearinghouse_orderbook;
pub mod pallet_clearinghouse_vaults;
pub mod pallet_xcm;
pub mod xcm;
