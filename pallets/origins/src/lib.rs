//! # Clearinghouse governance origins
//!
//! The origins that on-chain referenda dispatch with, one per referendum track besides `root`:
//!
//! | origin        | what it may do                                                   |
//! |---------------|------------------------------------------------------------------|
//! | `RiskAdmin`   | change risk parameters (oracle, collateral registry, margin)     |
//! | `MarketAdmin` | list, change and delist markets; create foreign assets           |
//! | `Emergency`   | halt or pause only (markets, calls); never unpause or move funds |
//!
//! A referendum on a track dispatches its call with the track's origin (see the runtime's
//! `governance::tracks`). Each pallet of the chain names the origin it accepts through a
//! configurable `EnsureOrigin` type, bound in the runtime to one of the `Ensure*` types below,
//! so what a track can do is decided by which pallets accept its origin, not by a call filter.
//!
//! The pallet has no storage and no calls: it only contributes the `Origin` enum to the
//! runtime's `OriginCaller`.

#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use codec::{DecodeWithMemTracking, MaxEncodedLen};
	use polkadot_sdk::frame_support::pallet_prelude::*;

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// The origin of a passed referendum on one of the chain's non-root tracks.
	#[derive(
		PartialEq,
		Eq,
		Clone,
		Copy,
		MaxEncodedLen,
		Encode,
		Decode,
		DecodeWithMemTracking,
		TypeInfo,
		Debug,
	)]
	#[pallet::origin]
	pub enum Origin {
		/// Risk parameters: oracle quorum and staleness, haircuts, margin fractions, caps.
		RiskAdmin,
		/// Market and collateral listing, changes and delisting.
		MarketAdmin,
		/// Halting and pausing only.
		Emergency,
	}

	macro_rules! decl_ensure {
		($($(#[$attr:meta])* $name:ident => $variant:ident),+ $(,)?) => {$(
			$(#[$attr])*
			pub struct $name;
			impl<O: Into<Result<Origin, O>> + From<Origin>> EnsureOrigin<O> for $name {
				type Success = ();
				fn try_origin(o: O) -> Result<Self::Success, O> {
					o.into().and_then(|origin| match origin {
						Origin::$variant => Ok(()),
						other => Err(O::from(other)),
					})
				}
				#[cfg(feature = "runtime-benchmarks")]
				fn try_successful_origin() -> Result<O, ()> {
					Ok(O::from(Origin::$variant))
				}
			}
		)+};
	}

	decl_ensure! {
		/// Succeeds only for the `risk_admin` track's origin.
		EnsureRiskAdmin => RiskAdmin,
		/// Succeeds only for the `market_admin` track's origin.
		EnsureMarketAdmin => MarketAdmin,
		/// Succeeds only for the `emergency` track's origin.
		EnsureEmergency => Emergency,
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use polkadot_sdk::frame_support::traits::EnsureOrigin;

	/// A stand-in for a runtime's `OriginCaller`: our origin or something else.
	#[derive(Debug, PartialEq)]
	enum Caller {
		Ours(Origin),
		Other,
	}
	impl From<Origin> for Caller {
		fn from(o: Origin) -> Self {
			Caller::Ours(o)
		}
	}
	impl From<Caller> for Result<Origin, Caller> {
		fn from(c: Caller) -> Self {
			match c {
				Caller::Ours(o) => Ok(o),
				other => Err(other),
			}
		}
	}

	#[test]
	fn each_ensure_accepts_only_its_own_track() {
		assert!(EnsureRiskAdmin::try_origin(Caller::Ours(Origin::RiskAdmin)).is_ok());
		assert!(EnsureMarketAdmin::try_origin(Caller::Ours(Origin::MarketAdmin)).is_ok());
		assert!(EnsureEmergency::try_origin(Caller::Ours(Origin::Emergency)).is_ok());

		assert_eq!(
			EnsureRiskAdmin::try_origin(Caller::Ours(Origin::Emergency)),
			Err(Caller::Ours(Origin::Emergency))
		);
		assert_eq!(
			EnsureEmergency::try_origin(Caller::Ours(Origin::MarketAdmin)),
			Err(Caller::Ours(Origin::MarketAdmin))
		);
		assert_eq!(EnsureMarketAdmin::try_origin(Caller::Other), Err(Caller::Other));
	}
}
