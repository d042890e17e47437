//! Benchmarks of the collateral bridge: the governance calls, and what an ISMP deposit and a
//! withdrawal timeout cost once ISMP has verified them (`on_accept`, `on_timeout`).

use crate::{pallet::*, *};
use alloy_sol_types::SolValue;
use polkadot_sdk::{frame_benchmarking::v2::*, frame_support::traits::EnsureOrigin};

const EVM: StateMachine = StateMachine::Evm(1);

fn contract() -> ContractId {
	alloc::vec![0xAB; 20].try_into().expect("20 bytes fit")
}

/// A route from the EVM chain's contract to the helper's collateral (18 decimals there).
fn route<T: Config>() -> Route<T::AssetKind> {
	let (asset, local_decimals) = T::BenchmarkHelper::collateral();
	Route { asset, remote_decimals: 18, local_decimals, timeout_secs: 3_600 }
}

/// `whole` tokens (18 decimals on the EVM side) for `who`'s cross-margin account.
fn message_for<T: Config>(who: &T::AccountId, whole: u128) -> Message {
	use alloy_primitives::U256;
	Message {
		from: who.encode().into(),
		to: who.encode().into(),
		amount: U256::from(whole) * U256::from(10u8).pow(U256::from(18u8)),
		data: alloc::vec![0u8].into(),
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_route() -> Result<(), BenchmarkError> {
		let origin =
			T::RouteOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let route = route::<T>();
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, Chain(EVM), contract(), route.clone());
		assert_eq!(Routes::<T>::get(Chain(EVM), contract()), Some(route));
		Ok(())
	}

	#[benchmark]
	fn remove_route() -> Result<(), BenchmarkError> {
		let origin =
			T::RouteOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let route = route::<T>();
		Routes::<T>::insert(Chain(EVM), contract(), route.clone());
		AssetRoutes::<T>::insert(&route.asset, (Chain(EVM), contract()));
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, Chain(EVM), contract());
		assert!(Routes::<T>::get(Chain(EVM), contract()).is_none());
		Ok(())
	}

	/// A verified deposit POST: route, body decoding, mint, vault deposit.
	#[benchmark]
	fn on_accept() -> Result<(), BenchmarkError> {
		let route = route::<T>();
		Routes::<T>::insert(Chain(EVM), contract(), route);
		let who: T::AccountId = account("beneficiary", 0, 0);
		let request = PostRequest {
			source: EVM,
			dest: StateMachine::Polkadot(0),
			nonce: 0,
			from: contract().to_vec(),
			to: T::ModuleId::get().to_vec(),
			timeout_timestamp: 0,
			body: message_for::<T>(&who, 1_000).abi_encode(),
		};
		#[block]
		{
			Pallet::<T>::accept(&request).map_err(|_| BenchmarkError::Stop("refused"))?;
		}
		Ok(())
	}

	/// A verified timeout of a withdrawal: the amount minted back and deposited.
	#[benchmark]
	fn on_timeout() -> Result<(), BenchmarkError> {
		let route = route::<T>();
		Routes::<T>::insert(Chain(EVM), contract(), route);
		let who: T::AccountId = account("owner", 0, 0);
		let request = PostRequest {
			source: StateMachine::Polkadot(0),
			dest: EVM,
			nonce: 0,
			from: T::ModuleId::get().to_vec(),
			to: contract().to_vec(),
			timeout_timestamp: 1,
			body: message_for::<T>(&who, 1_000).abi_encode(),
		};
		#[block]
		{
			Pallet::<T>::refund(&request).map_err(|_| BenchmarkError::Stop("refused"))?;
		}
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
