//! Benchmarks of the insurance pallet (`frame_benchmarking::v2`).

use crate::{pallet::*, *};
use polkadot_sdk::{
	frame_benchmarking::v2::*, frame_support::traits::EnsureOrigin, frame_system::RawOrigin,
};

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn donate() {
		let donor: T::AccountId = whitelisted_caller();
		T::BenchmarkHelper::fund_wallet(&donor, 2_000_000);
		let before = Pallet::<T>::balance();
		#[extrinsic_call]
		_(RawOrigin::Signed(donor), 1_000_000);
		assert_eq!(Pallet::<T>::balance(), before + 1_000_000);
	}

	/// A withdrawal that first moves every further book's cash into the fund.
	#[benchmark]
	fn withdraw() -> Result<(), BenchmarkError> {
		let donor: T::AccountId = account("donor", 0, 0);
		T::BenchmarkHelper::fund_wallet(&donor, 2_000_000);
		Pallet::<T>::donate(RawOrigin::Signed(donor).into(), 1_000_000)
			.map_err(|_| BenchmarkError::Weightless)?;
		T::BenchmarkHelper::fill_books();
		let origin =
			T::WithdrawOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let before = Pallet::<T>::balance();
		let to: T::AccountId = account("recipient", 0, 0);
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, to, 500_000);
		assert_eq!(Pallet::<T>::balance(), before - 500_000);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
