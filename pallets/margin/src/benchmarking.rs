//! Benchmarks of the margin pallet (`frame_benchmarking::v2`): the margin check of accounts
//! with many positions, the funding sampler, the governance call.

use crate::{functions::PendingOrder, pallet::*, *};
use polkadot_sdk::frame_system;
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::traits::{EnsureOrigin, Get, Time},
	sp_arithmetic::{traits::Zero, FixedI128, FixedU128, Permill},
};

fn params(index: u32) -> RiskParams {
	// At most 100 distinct underlyings, so the oracle's key bound is never the limit (markets
	// may share an underlying, as futures of different expiries do).
	let index = index % 100;
	let mut symbol = *b"MRGN\0\0\0\0";
	symbol[4] = b'A' + (index % 26) as u8;
	symbol[5] = b'A' + (index / 26 % 26) as u8;
	RiskParams {
		underlying: OracleKey(symbol),
		size_decimals: 3,
		initial: Permill::from_percent(10),
		maintenance: Permill::from_percent(5),
		initial_at_full: Permill::from_percent(20),
		open_interest_full: 1_000_000,
		funding: Some(FundingParams {
			period_ms: 8 * 3_600_000,
			premium_cap: Permill::from_percent(1),
			sample_interval_ms: 1,
		}),
	}
}

/// `n` markets with risk parameters and prices, from market id 10,000 up (clear of any the
/// chain already has).
fn markets<T: Config>(n: u32) -> Vec<MarketId> {
	(0..n)
		.map(|i| {
			let market = 10_000 + i;
			let p = params(i);
			Pallet::<T>::do_set_market_risk(market, p).expect("room for the markets");
			// One price per underlying (markets sharing one must not move it: the breaker).
			T::BenchmarkHelper::set_price(p.underlying, FixedU128::from_u32(100 + i % 100));
			market
		})
		.collect()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// The margin check of an order for an account with `p` positions (and resting orders) in
	/// `p` markets, each with unsettled funding.
	#[benchmark]
	fn margin_check(p: Linear<1, { T::MaxPositions::get() }>) -> Result<(), BenchmarkError> {
		let markets = markets::<T>(p);
		let account = MarginAccount::new(whitelisted_caller::<T::AccountId>(), 0);
		let entries: Vec<PositionEntry> = markets
			.iter()
			.map(|m| PositionEntry {
				market: *m,
				size: 1_000,
				cost: 100_000_000,
				funding_index: FixedI128::from_inner(0),
				resting_buy: 500,
				resting_sell: 500,
				// Both sides on the wrong side of the mark: the resting-loss path runs too.
				highest_buy: FixedU128::from_u32(200),
				lowest_sell: FixedU128::from_u32(1),
			})
			.collect();
		for m in &markets {
			MarketStates::<T>::mutate(m, |s| s.funding_index = FixedI128::from_inner(1_000));
		}
		Accounts::<T>::insert(&account, EntriesOf::<T>::truncate_from(entries));
		let pending =
			PendingOrder { market: markets[0], size: 10, price: FixedU128::from_u32(101) };
		#[block]
		{
			// The account has no collateral: the check runs in full and refuses.
			let _ = Pallet::<T>::check_order(&account, pending);
		}
		Ok(())
	}

	/// The funding sampler advancing `m` markets (every one due).
	#[benchmark]
	fn sample_funding(m: Linear<1, { T::MaxMarkets::get() }>) {
		let existing = MarketRisks::<T>::count();
		let markets = markets::<T>(m.min(T::MaxMarkets::get().saturating_sub(existing)));
		// A second on: every market is due (1 ms interval) and the prices are still fresh.
		let later = T::Time::now().saturating_add(1_000);
		T::BenchmarkHelper::set_time(later);
		#[block]
		{
			Pallet::<T>::sample_funding();
		}
		for market in markets {
			assert_eq!(MarketStates::<T>::get(market).funding_at, later);
		}
	}

	/// One liquidation step of an account with a full set of positions: cancels in every
	/// market, the backstop taking the largest position, the penalty.
	#[benchmark]
	fn liquidate() -> Result<(), BenchmarkError> {
		let p = T::MaxPositions::get();
		let markets =
			markets::<T>(p.min(T::MaxMarkets::get().saturating_sub(MarketRisks::<T>::count())));
		let victim = MarginAccount::new(account::<T::AccountId>("victim", 0, 0), 0);
		T::BenchmarkHelper::fund(&victim, 1_000_000);
		// Long 1,000 units (3 decimals: one whole unit) at 100 + i, bought at 20% above: far
		// below maintenance.
		let entries: Vec<PositionEntry> = markets
			.iter()
			.enumerate()
			.map(|(i, m)| PositionEntry {
				market: *m,
				size: 1_000,
				cost: (120 + i as i128) * 1_000_000,
				funding_index: FixedI128::from_inner(0),
				resting_buy: 0,
				resting_sell: 0,
				highest_buy: FixedU128::zero(),
				lowest_sell: FixedU128::zero(),
			})
			.collect();
		Accounts::<T>::insert(&victim, EntriesOf::<T>::truncate_from(entries));
		for m in &markets {
			MarketStates::<T>::mutate(m, |s| s.open_interest = 1_000);
		}
		let keeper: T::AccountId = whitelisted_caller();
		#[extrinsic_call]
		_(frame_system::RawOrigin::Signed(keeper), victim.clone());
		// The largest position was closed (and its entry dropped).
		assert!(Accounts::<T>::get(&victim).len() < markets.len());
		Ok(())
	}

	#[benchmark]
	fn set_market_risk() -> Result<(), BenchmarkError> {
		let origin =
			T::RiskAdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 20_000, params(0));
		assert!(MarketRisks::<T>::contains_key(20_000));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}

use alloc::vec::Vec;
