//! Weights of the confidential accounts pallet: the trait, and placeholders for tests. The
//! runtime's are measured (`runtime/src/weights/pallet_clearinghouse_confidential.rs`).

use polkadot_sdk::frame_support::weights::Weight;

/// Weight functions of the confidential accounts pallet.
pub trait WeightInfo {
	/// `enable`: an opening proof verified.
	fn enable() -> Weight;
	/// `shield`: a ledger transfer and a commitment update.
	fn shield() -> Weight;
	/// `unshield`: a range proof verified, generators included, and a ledger transfer.
	fn unshield() -> Weight;
	/// `prove_band`: a two-value range proof verified and three valuations of the largest
	/// book a band covers (both ends, then the liquidation check).
	fn prove_band() -> Weight;
	/// `start_grace`: the margin engine's liquidation check.
	fn start_grace() -> Weight;
	/// `transfer`: a two-value range proof verified, the inbox written.
	fn transfer() -> Weight;
	/// `accept`: a knowledge proof verified.
	fn accept() -> Weight;
	/// `reclaim`: the transfer returned.
	fn reclaim() -> Weight;
}

/// For tests: the native times of the verifications, rounded up.
impl WeightInfo for () {
	fn enable() -> Weight {
		Weight::from_parts(200_000_000, 0)
	}
	fn shield() -> Weight {
		Weight::from_parts(100_000_000, 0)
	}
	fn unshield() -> Weight {
		Weight::from_parts(4_000_000_000, 0)
	}
	fn prove_band() -> Weight {
		Weight::from_parts(6_000_000_000, 0)
	}
	fn start_grace() -> Weight {
		Weight::from_parts(100_000_000, 0)
	}
	fn transfer() -> Weight {
		Weight::from_parts(6_000_000_000, 0)
	}
	fn accept() -> Weight {
		Weight::from_parts(200_000_000, 0)
	}
	fn reclaim() -> Weight {
		Weight::from_parts(100_000_000, 0)
	}
}
