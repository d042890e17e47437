//! Worst-case book states for benchmarks: this pallet's and those of the pallets that trade
//! through the book (the margin engine's liquidation). What a benchmark measures is built
//! through the pallet's own functions; what only weighs by its size (the other orders on a
//! level a cancel rewrites, the level index a mark price reads) is written to storage directly.

use crate::{pallet::*, *};
use clearinghouse_matching::RestingOrder;
use frame_support::{traits::Get, BoundedVec};
use polkadot_sdk::{
	frame_benchmarking,
	sp_arithmetic::{FixedU128, Permill},
	sp_runtime::{DispatchError, DispatchResult},
};

/// A good-till-cancelled limit order for one unit at `price` (whole units).
fn one_unit(side: Side, price: u32) -> OrderRequest {
	OrderRequest {
		side,
		order_type: OrderType::Limit { price: FixedU128::from_u32(price) },
		quantity: 1,
		time_in_force: TimeInForce::Gtc,
		reduce_only: false,
		client_id: None,
		self_trade: SelfTradePrevention::CancelResting,
	}
}

/// A market for `underlying` with whole-unit ticks and one-unit lots, taking as many open
/// orders per account as the pallet allows.
pub fn market<T: Config>(underlying: OracleKey) -> Result<MarketId, DispatchError> {
	Pallet::<T>::do_create_market(MarketConfig {
		underlying,
		kind: MarketKind::Perpetual,
		tick_size: FixedU128::from_u32(1),
		lot_size: 1,
		params: MarketParams {
			min_size: 1,
			maker_fee: Permill::from_parts(200),
			taker_fee: Permill::from_parts(500),
			max_open_orders: T::MaxOpenOrders::get(),
		},
		status: MarketStatus::Active,
	})
}

/// An option market for `underlying` (otherwise as [`market`]): a `right` struck at `strike`
/// (whole units) expiring at `expiry` (ms).
pub fn option_market<T: Config>(
	underlying: OracleKey,
	right: OptionRight,
	strike: u32,
	expiry: Moment,
) -> Result<MarketId, DispatchError> {
	let id = market::<T>(underlying)?;
	Markets::<T>::mutate(id, |m| {
		if let Some(m) = m {
			m.config.kind =
				MarketKind::Option { right, strike: FixedU128::from_u32(strike), expiry };
		}
	});
	Ok(id)
}

/// As [`market`], with the level index full on both sides around `price` (whole units): the
/// most a mark price's book mid reads. The levels are not written (a mid does not read them);
/// such a market is for valuation only, not for trading.
pub fn market_with_full_index<T: Config>(
	underlying: OracleKey,
	price: u64,
) -> Result<MarketId, DispatchError> {
	let id = market::<T>(underlying)?;
	fill_index::<T>(id, price);
	Ok(id)
}

/// Fill `market`'s level index on both sides around `price` (whole units; see
/// [`market_with_full_index`]).
pub fn fill_index<T: Config>(market: MarketId, price: u64) {
	let levels = u64::from(T::MaxLevels::get());
	Markets::<T>::mutate(market, |m| {
		if let Some(m) = m {
			m.bids = BoundedVec::truncate_from(
				(1..=levels).map(|i| price.saturating_sub(i).max(1)).collect(),
			);
			m.asks = BoundedVec::truncate_from((1..=levels).map(|i| price + i).collect());
		}
	});
}

/// As many one-unit asks of `account` in `market` as it may rest, at `price`, `price + 1`, …
/// (whole units), each placed through the pallet and then padded to a full level with other
/// owners' orders: the most a cancel of all of them loads and rewrites. Reduce-only asks if
/// `reduce_only` (the account must be long at least that many units).
pub fn rest_on_full_levels<T: Config>(
	account: &AccountOf<T>,
	market: MarketId,
	price: u32,
	reduce_only: bool,
) -> Result<u32, DispatchError> {
	let open = T::MaxOpenOrders::get();
	for i in 0..open {
		let order = OrderRequest { reduce_only, ..one_unit(Side::Sell, price + i) };
		Pallet::<T>::do_place(account, market, order)?;
		let ticks = u64::from(price + i);
		Levels::<T>::mutate((market, Side::Sell, ticks), |level| {
			let mut pad = 0u32;
			while !level.is_full() {
				let owner = MarginAccount::new(frame_benchmarking::account("pad", pad, 0), 0);
				let _ = level.try_push(RestingOrder {
					id: u64::MAX - u64::from(pad),
					owner,
					qty: 1,
					expires_at: Some(u64::MAX),
					reduce_only: false,
				});
				pad += 1;
			}
		});
	}
	Ok(open)
}

/// `makers` one-unit bids in `market` at `price`, `price + 1`, … (whole units), each from its
/// own account (readied by `fund`) on its own level.
pub fn bids<T: Config>(
	market: MarketId,
	price: u32,
	makers: u32,
	fund: impl Fn(&AccountOf<T>),
) -> DispatchResult {
	for i in 0..makers {
		let maker = MarginAccount::new(frame_benchmarking::account("book-maker", i, 0), 0);
		fund(&maker);
		Pallet::<T>::do_place(&maker, market, one_unit(Side::Buy, price + i))?;
	}
	Ok(())
}
