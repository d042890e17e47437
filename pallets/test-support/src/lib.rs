//! What every pallet's mock runtime repeats, written once: the runtime declaration with
//! `System` at index 0 ([`mock_runtime!`]), the `frame_system` and `pallet_timestamp` configs
//! ([`impl_system!`], [`impl_clock!`]), `pallet_balances` and `pallet_assets` with zero deposits
//! ([`impl_balances_and_assets!`]), and polkadot-sdk's `build_and_execute` pattern: run a test,
//! then every invariant check the mock names ([`build_and_execute`]).
//!
//! The macros expand in the mock's module and name its items (`Test`, `Block`, `System`,
//! `Balances`): a mock declares `type Block = frame_system::mocking::MockBlock<Test>;` and
//! keeps its pallet-specific configs, thread-locals and genesis to itself.

pub use polkadot_sdk;
use polkadot_sdk::{sp_io::TestExternalities, sp_runtime::TryRuntimeError};

/// A mock runtime `$runtime` with `System` at index 0 and the given pallets:
/// `mock_runtime!(Test { 1: Timestamp = pallet_timestamp, 2: Oracle = crate });`.
#[macro_export]
macro_rules! mock_runtime {
	($runtime:ident { $( $index:literal : $name:ident = $pallet:path ),* $(,)? }) => {
		#[$crate::polkadot_sdk::frame_support::runtime]
		mod runtime {
			#[runtime::runtime]
			#[runtime::derive(
				RuntimeCall,
				RuntimeEvent,
				RuntimeError,
				RuntimeOrigin,
				RuntimeFreezeReason,
				RuntimeHoldReason,
				RuntimeSlashReason,
				RuntimeLockId,
				RuntimeTask,
				RuntimeViewFunction
			)]
			pub struct $runtime;

			#[runtime::pallet_index(0)]
			pub type System = $crate::polkadot_sdk::frame_system;
			$(
				#[runtime::pallet_index($index)]
				pub type $name = $pallet;
			)*
		}
	};
}

/// `frame_system` for `$runtime` (the test defaults, `Block`, balances' account data);
/// `$account` overrides the account id (default `u64`).
#[macro_export]
macro_rules! impl_system {
	($runtime:ty) => {
		$crate::impl_system!($runtime, u64);
	};
	($runtime:ty, $account:ty) => {
		$crate::impl_system!($runtime, $account, ());
	};
	// With the database weights `$db` (a mock whose tests check what a call is refunded of its
	// storage accesses).
	($runtime:ty, $account:ty, $db:ty) => {
		// `derive_impl` expands to attributes that name it unqualified: imported here, in a
		// scope of its own, so a mock that imports it too does not clash.
		const _: () = {
			use $crate::polkadot_sdk::{frame_support::derive_impl, frame_system};
			#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
			impl frame_system::Config for $runtime {
				type Block = Block;
				type AccountId = $account;
				type Lookup = $crate::polkadot_sdk::sp_runtime::traits::IdentityLookup<$account>;
				type AccountData = $crate::polkadot_sdk::pallet_balances::AccountData<u128>;
				type DbWeight = $db;
			}
		};
	};
}

/// `pallet_timestamp` for `$runtime`: milliseconds, no minimum period.
#[macro_export]
macro_rules! impl_clock {
	($runtime:ty) => {
		impl $crate::polkadot_sdk::pallet_timestamp::Config for $runtime {
			type Moment = u64;
			type OnTimestampSet = ();
			type MinimumPeriod = $crate::polkadot_sdk::frame_support::traits::ConstU64<0>;
			type WeightInfo = ();
		}
	};
}

/// `pallet_balances` (u128, existential deposit 1) and `pallet_assets` (u128, `u32` ids,
/// anyone may create, root forces, every deposit zero) for `$runtime`, whose pallets are named
/// `System` and `Balances`.
#[macro_export]
macro_rules! impl_balances_and_assets {
	($runtime:ty) => {
		const _: () = {
			use $crate::polkadot_sdk::{
				frame_support::derive_impl, pallet_assets, pallet_balances,
			};
			#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
			impl pallet_balances::Config for $runtime {
				type Balance = u128;
				type AccountStore = System;
				type ExistentialDeposit = $crate::polkadot_sdk::frame_support::traits::ConstU128<1>;
			}

			#[derive_impl(pallet_assets::config_preludes::TestDefaultConfig)]
			impl pallet_assets::Config for $runtime {
				type Balance = u128;
				type Currency = Balances;
				type CreateOrigin =
					$crate::polkadot_sdk::frame_support::traits::AsEnsureOriginWithArg<
						$crate::polkadot_sdk::frame_system::EnsureSigned<
							<$runtime as $crate::polkadot_sdk::frame_system::Config>::AccountId,
						>,
					>;
				type ForceOrigin = $crate::polkadot_sdk::frame_system::EnsureRoot<
					<$runtime as $crate::polkadot_sdk::frame_system::Config>::AccountId,
				>;
				type AssetDeposit = $crate::polkadot_sdk::frame_support::traits::ConstU128<0>;
				type AssetAccountDeposit =
					$crate::polkadot_sdk::frame_support::traits::ConstU128<0>;
				type MetadataDepositBase =
					$crate::polkadot_sdk::frame_support::traits::ConstU128<0>;
				type MetadataDepositPerByte =
					$crate::polkadot_sdk::frame_support::traits::ConstU128<0>;
				type ApprovalDeposit = $crate::polkadot_sdk::frame_support::traits::ConstU128<0>;
				type Freezer = ();
				type Holder = ();
			}
		};
	};
}

/// polkadot-sdk's `build_and_execute` pattern: run `test` in `ext`, then each of `checks`
/// (every pallet's `try_state`, cross-pallet invariants): no test may leave a broken
/// invariant behind. A failing check panics with its error.
pub fn build_and_execute<R>(
	mut ext: TestExternalities,
	test: impl FnOnce() -> R,
	checks: &[fn() -> Result<(), TryRuntimeError>],
) -> R {
	ext.execute_with(|| {
		let result = test();
		for check in checks {
			if let Err(e) = check() {
				panic!("invariant broken after the test: {e:?}");
			}
		}
		result
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use core::sync::atomic::{AtomicU32, Ordering};

	static ORDER: AtomicU32 = AtomicU32::new(0);

	#[test]
	fn checks_run_after_the_test_and_a_broken_one_fails_it() {
		let result = build_and_execute(
			TestExternalities::default(),
			|| ORDER.fetch_add(1, Ordering::SeqCst),
			&[|| {
				// The test ran first.
				assert_eq!(ORDER.load(Ordering::SeqCst), 1);
				Ok(())
			}],
		);
		assert_eq!(result, 0);
		let broken = std::panic::catch_unwind(|| {
			build_and_execute(TestExternalities::default(), || (), &[|| Err("broken".into())])
		});
		assert!(broken.is_err());
	}
}
