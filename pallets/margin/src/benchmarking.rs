//! Benchmarks of the margin pallet (`frame_benchmarking::v2`): the margin check of accounts
//! with many positions, the funding sampler, the governance call.

use crate::{functions::PendingOrder, pallet::*, *};
use polkadot_sdk::frame_support::weights::Weight;
use polkadot_sdk::frame_system;
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::{
		traits::{EnsureOrigin, Get, Time},
		BoundedVec,
	},
	sp_arithmetic::{FixedI128, FixedU128, Permill},
};

/// The next block begins (its hooks not run): the measured call's changes of books are their
/// first in the block, each listing its market for the next block's mid report (the worst
/// case).
fn next_block<T: Config>() {
	let now = frame_system::Pallet::<T>::block_number();
	frame_system::Pallet::<T>::set_block_number(now + 1u32.into());
}

fn params(index: u32) -> RiskParams {
	// At most 100 distinct underlyings, so the oracle's key bound is never the limit (markets
	// may share an underlying, as futures of different expiries do).
	RiskParams {
		underlying: key(*b"MRGN", (index % 100) as u8),
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

/// A benchmark oracle key: a four-letter prefix and two letters from `k`.
fn key(prefix: [u8; 4], k: u8) -> OracleKey {
	let mut symbol = [0u8; 8];
	symbol[..4].copy_from_slice(&prefix);
	symbol[4] = b'A' + k % 26;
	symbol[5] = b'A' + k / 26 % 26;
	OracleKey(symbol)
}

/// Options marked with `vol_key`'s vol: sizes in thousandths, 15% / 7.5% of the spot with
/// floors 10% / 5%, a 10% haircut.
fn option_params(vol_key: OracleKey) -> OptionParams {
	OptionParams {
		vol_key,
		size_decimals: 3,
		initial: Permill::from_percent(15),
		maintenance: Permill::from_parts(75_000),
		long_haircut: Permill::from_percent(10),
		initial_floor: Permill::from_percent(10),
		maintenance_floor: Permill::from_percent(5),
	}
}

/// The portfolio model at the risk crate's defaults, no credits.
fn default_portfolio() -> PortfolioParams {
	PortfolioParams::from_model(
		clearinghouse_risk::scenario::ModelParams::default(),
		BoundedVec::new(),
	)
}

/// Up to `n` call markets with risk parameters, each marked by the model: on underlyings of
/// their own with vol keys of their own as far as the oracle's key bound allows (60 of each
/// beside the genesis keys), past that sharing them on later expiries, 30 days and more from
/// now. Stops early when the runtime has no room for another market.
fn option_markets<T: Config>(n: u32) -> Vec<MarketId> {
	let expiry = T::Time::now().saturating_add(30 * 86_400_000);
	let mut markets = Vec::new();
	for i in 0..n {
		let k = (i % 60) as u8;
		let (underlying, vol_key) = (key(*b"OPTN", k), key(*b"OVOL", k));
		let spot = 100 + u32::from(k);
		if i < 60 {
			T::BenchmarkHelper::set_price(underlying, FixedU128::from_u32(spot));
			T::BenchmarkHelper::set_vol(
				vol_key,
				FixedU128::from_u32(1),
				FixedU128::from_rational(8, 10),
			);
			OptionRisks::<T>::insert(underlying, option_params(vol_key));
		}
		let later = u64::from(i / 60) * 86_400_000;
		let Some(market) =
			T::BenchmarkHelper::option_market(underlying, spot, expiry.saturating_add(later))
		else {
			break;
		};
		let risk = RiskParams { underlying, funding: None, ..params(i) };
		if Pallet::<T>::do_set_market_risk(market, risk).is_err() {
			break;
		}
		markets.push(market);
	}
	markets
}

/// The whitelisted caller's cross-margin account short a call in each of `p` option markets,
/// each on an underlying of its own marked with a vol key of its own, 30 days from expiry,
/// with resting orders on both sides on the wrong side of the mark.
fn option_book<T: Config>(
	p: u32,
) -> Result<(MarginAccount<T::AccountId>, Vec<MarketId>), BenchmarkError> {
	let markets = option_markets::<T>(p);
	if markets.len() < p as usize {
		return Err(BenchmarkError::Weightless);
	}
	let account = MarginAccount::new(whitelisted_caller::<T::AccountId>(), 0);
	let entries: Vec<PositionEntry> = markets
		.iter()
		.map(|m| PositionEntry {
			quantity: -1_000,
			cost: -5_000_000,
			resting_buy: 500,
			resting_sell: 500,
			highest_buy: FixedU128::from_u32(50),
			lowest_sell: FixedU128::from_u32(1),
			..PositionEntry::new(*m, FixedI128::from_inner(0))
		})
		.collect();
	Pallet::<T>::store_entries(&account, EntriesOf::<T>::truncate_from(entries));
	Ok((account, markets))
}

/// `n` markets with risk parameters and prices: order-book markets with full level indexes
/// (what each mark price reads) where the runtime has a book, else ids from 10,000 up.
fn markets<T: Config>(n: u32) -> Vec<MarketId> {
	(0..n)
		.map(|i| {
			let p = params(i);
			let market = T::BenchmarkHelper::book_market(p.underlying, 100 + i % 100, true)
				.unwrap_or(10_000 + i);
			Pallet::<T>::do_set_market_risk(market, p).expect("room for the markets");
			// One price per underlying (markets sharing one must not move it: the breaker).
			T::BenchmarkHelper::set_price(p.underlying, FixedU128::from_u32(100 + i % 100));
			market
		})
		.collect()
}

/// `n` perpetuals on `underlying` (priced at 100), as the quarterly futures beside a perpetual
/// are.
fn markets_on<T: Config>(underlying: OracleKey, n: u32) -> Vec<MarketId> {
	let markets = (0..n)
		.map(|i| {
			let p = RiskParams { underlying, ..params(i) };
			let market =
				T::BenchmarkHelper::book_market(underlying, 100, true).unwrap_or(30_000 + i);
			Pallet::<T>::do_set_market_risk(market, p).expect("room for the markets");
			market
		})
		.collect();
	T::BenchmarkHelper::set_price(underlying, FixedU128::from_u32(100));
	markets
}

/// The longest copy of an index's reads there can be: `MAX_PRICE_SEGMENTS` segments (one per
/// feeder), the first holding `price` from now for an hour.
fn full_schedule<T: Config>(price: FixedU128) -> PriceSchedule {
	let now = T::Time::now();
	let max = clearinghouse_primitives::oracle::MAX_PRICE_SEGMENTS;
	let segments: Vec<PriceSegment> = (0..max)
		.map(|i| PriceSegment { until: now + 3_600_000 + u64::from(i) * 1_000, price, at: now })
		.collect();
	PriceSchedule { halted: false, ema: Some(price), segments: BoundedVec::truncate_from(segments) }
}

/// Give every perpetual and future among `markets` the longest copy of its index's reads, at
/// the price it has now (what a margin check decodes per position at worst: an oracle with
/// every feeder fresh, each expiring at its own instant).
fn fill_copies<T: Config>(markets: &[MarketId]) {
	let now = T::Time::now();
	for market in markets {
		if let Some(record) = Markets::<T>::get(market) {
			if let Some(quote) = record.prices.quote(now) {
				Pallet::<T>::copy_prices(
					&record.risk.underlying,
					Some(&full_schedule::<T>(quote.price)),
				);
			}
		}
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// The margin check of an order for an account with `p` positions (and resting orders) in
	/// `p` markets, each with unsettled funding: one valuation, passing (the collateral covers
	/// it). A check that falls short and values the account again without the order is charged
	/// that second valuation on top (`OrderMarginCheck::revaluation_weight`).
	#[benchmark]
	fn margin_check(p: Linear<1, { T::MaxPositions::get() }>) -> Result<(), BenchmarkError> {
		let markets = markets::<T>(p);
		let account = MarginAccount::new(whitelisted_caller::<T::AccountId>(), 0);
		let entries: Vec<PositionEntry> = markets
			.iter()
			.map(|m| PositionEntry {
				market: *m,
				quantity: 1_000,
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
			Pallet::<T>::mutate_state(*m, |s| s.funding_index = FixedI128::from_inner(1_000));
		}
		Pallet::<T>::store_entries(&account, EntriesOf::<T>::truncate_from(entries));
		T::BenchmarkHelper::fund(&account, 1_000_000 * 1_000_000);
		fill_copies::<T>(&markets);
		let pending =
			PendingOrder { market: markets[0], size: 10, price: FixedU128::from_u32(101) };
		let checked;
		#[block]
		{
			checked = Pallet::<T>::check_order(&account, pending);
		}
		assert_eq!(checked, Ok(Weight::zero()));
		Ok(())
	}

	/// As `margin_check`, every position a short call with resting orders on both sides, in
	/// `p` option markets each on an underlying of its own, marked with a vol key of its own
	/// (the most an option's mark reads: its underlying's option parameters, the index and the
	/// vol, each cold) and 30 days from expiry (the model runs in full).
	#[benchmark]
	fn option_margin_check(p: Linear<1, { T::MaxPositions::get() }>) -> Result<(), BenchmarkError> {
		let (account, markets) = option_book::<T>(p)?;
		T::BenchmarkHelper::fund(&account, 1_000_000 * 1_000_000);
		let pending =
			PendingOrder { market: markets[0], size: 10, price: FixedU128::from_u32(101) };
		let checked;
		#[block]
		{
			checked = Pallet::<T>::check_order(&account, pending);
		}
		// One valuation, passing: the check reports only its kind's surcharge.
		assert_eq!(checked, Ok(Pallet::<T>::kind_surcharge(CheckKind::Options, p + 1)));
		// Every position was an option valued by the model, none an unpriced shortcut.
		for market in markets {
			let risk = Pallet::<T>::risk(market).ok_or(BenchmarkError::Weightless)?;
			assert!(matches!(
				Pallet::<T>::market_state(market).instrument,
				Instrument::Option { .. }
			));
			assert!(Pallet::<T>::mark_price(market, &risk).is_some());
		}
		Ok(())
	}

	/// As `option_margin_check`, the account margined by the portfolio model on the default
	/// grid: every option revalued in every scenario, and each market's resting orders
	/// evaluated alone both ways.
	#[benchmark]
	fn portfolio_margin_check(
		p: Linear<1, { T::MaxPositions::get() }>,
	) -> Result<(), BenchmarkError> {
		let (account, markets) = option_book::<T>(p)?;
		PortfolioConfig::<T>::put(default_portfolio());
		Accounts::<T>::mutate(&account, |r| r.portfolio = true);
		T::BenchmarkHelper::fund(&account, 1_000_000 * 1_000_000);
		let pending =
			PendingOrder { market: markets[0], size: 10, price: FixedU128::from_u32(101) };
		let checked;
		#[block]
		{
			// Passing (a failing check costs the same: one revaluation serves the figures with
			// and without the order).
			checked = Pallet::<T>::check_order(&account, pending);
		}
		assert_eq!(checked, Ok(Pallet::<T>::kind_surcharge(CheckKind::Portfolio, p + 1)));
		assert!(Pallet::<T>::portfolio_of(&account).is_some());
		Ok(())
	}

	/// The largest portfolio model: the default grid with every correlation credit it may hold.
	#[benchmark]
	fn set_portfolio_params() -> Result<(), BenchmarkError> {
		let origin =
			T::RiskAdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let mut params = default_portfolio();
		params.credits = BoundedVec::truncate_from(
			(0..16u8)
				.map(|k| (key(*b"CRDA", k), key(*b"CRDB", k), Permill::from_percent(30)))
				.collect(),
		);
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params.clone());
		assert_eq!(PortfolioConfig::<T>::get(), Some(params));
		Ok(())
	}

	/// Opting the largest account in (`MaxPositions` options with orders, collateral enough):
	/// the portfolio check runs in full and passes.
	#[benchmark]
	fn set_portfolio_margin() -> Result<(), BenchmarkError> {
		let (account, _) = option_book::<T>(T::MaxPositions::get())?;
		T::BenchmarkHelper::fund(&account, 1_000_000 * 1_000_000);
		PortfolioConfig::<T>::put(default_portfolio());
		#[extrinsic_call]
		_(frame_system::RawOrigin::Signed(account.owner.clone()), account.sub, true);
		assert!(Accounts::<T>::get(&account).portfolio);
		Ok(())
	}

	/// The funding sampler advancing `m` markets (every one due).
	#[benchmark]
	fn sample_funding(m: Linear<1, { T::MaxMarkets::get() }>) {
		let existing = Markets::<T>::count();
		let markets = markets::<T>(m.min(T::MaxMarkets::get().saturating_sub(existing)));
		// A second on: every market is due (1 ms interval) and the prices are still fresh.
		fill_copies::<T>(&markets);
		let later = T::Time::now().saturating_add(1_000);
		T::BenchmarkHelper::set_time(later);
		#[block]
		{
			Pallet::<T>::sample_funding();
		}
		for market in markets {
			assert_eq!(Pallet::<T>::market_state(market).funding_at, later);
		}
	}

	/// The longest liquidation step: an account with `MaxPositions` positions, as many
	/// orders as it may rest in each of the `MaxLiquidationCancels` markets a step cancels
	/// (each on a level full of other orders), then the largest position sold into a book of
	/// makers each on its own level, the rest taken over for deleveraging (the account is
	/// bankrupt and the fund empty).
	#[benchmark]
	fn liquidate() -> Result<(), BenchmarkError> {
		let p = T::MaxPositions::get();
		let cancels = T::MaxLiquidationCancels::get().min(p.saturating_sub(1));
		let victim = MarginAccount::new(account::<T::AccountId>("victim", 0, 0), 0);
		// Trading markets: those whose orders are cancelled, and the one the close trades in,
		// each with an underlying of its own.
		let traded: Vec<MarketId> = (0..=cancels)
			.filter_map(|i| {
				let mut p = params(i);
				p.underlying.0[0] = b'L';
				let market = T::BenchmarkHelper::book_market(p.underlying, 100, false)?;
				Pallet::<T>::do_set_market_risk(market, p).ok()?;
				T::BenchmarkHelper::set_price(p.underlying, FixedU128::from_u32(100));
				Some(market)
			})
			.collect();
		let room = T::MaxMarkets::get().saturating_sub(Markets::<T>::count());
		let others = markets::<T>(p.saturating_sub(traded.len() as u32).min(room));
		// Ample collateral while the orders are placed; it leaves before the step.
		T::BenchmarkHelper::fund(&victim, 1_000_000 * 1_000_000);
		for market in traded.iter().take(cancels as usize) {
			T::BenchmarkHelper::rest_orders(&victim, *market, 1_000, false);
		}
		let chosen = traded.last().copied();
		if let Some(market) = chosen {
			T::BenchmarkHelper::bids(market, 2_000);
		}
		// Long one whole unit in every market, bought 20% above the mark; twice that in the
		// market the close trades in, so it is the one chosen.
		let mut entries = Accounts::<T>::get(&victim).into_inner();
		for (i, m) in others.iter().chain(traded.iter()).enumerate() {
			let size: i128 = if Some(*m) == chosen { 2_000 } else { 1_000 };
			let cost = size / 1_000 * (120 + i as i128 % 100) * 1_000_000;
			match entries.iter_mut().find(|e| e.market == *m) {
				Some(e) => {
					e.quantity = size;
					e.cost = cost;
				},
				None => entries.push(PositionEntry {
					quantity: size,
					cost,
					..PositionEntry::new(*m, FixedI128::from_inner(0))
				}),
			}
			Pallet::<T>::mutate_state(*m, |s| s.open_interest = size.unsigned_abs());
		}
		entries.sort_by_key(|e| e.market);
		Pallet::<T>::store_entries(&victim, EntriesOf::<T>::truncate_from(entries));
		let settlement = T::Ledger::settlement_collateral().ok_or(BenchmarkError::Weightless)?;
		let cash = T::Ledger::balance(&victim, settlement).max(0).unsigned_abs();
		let sink = MarginAccount::new(account::<T::AccountId>("sink", 0, 0), 0);
		T::Ledger::transfer_settlement(&victim, &sink, cash, SettlementReason::Pnl)?;
		next_block::<T>();
		let keeper: T::AccountId = whitelisted_caller();
		#[extrinsic_call]
		_(frame_system::RawOrigin::Signed(keeper), victim.clone());
		// The step went all the way: the chosen position is closed.
		if let Some(market) = chosen {
			assert_eq!(Pallet::<T>::size_in(&victim, market), 0);
			assert!(Deleveraging::<T>::contains_key(market));
		}
		Ok(())
	}

	/// The longest deleveraging step: one counterparty trade. The fund hands a short inventory
	/// over at a price below the mark (so the counterparty's equity bounds the size: a full
	/// margin check); the counterparty holds `MaxPositions` positions and rests as many
	/// reduce-only asks in the market as it may, each on a level full of other orders; the
	/// trade closes its position there, so every one of those orders leaves the book.
	#[benchmark]
	fn deleverage() -> Result<(), BenchmarkError> {
		let p = T::MaxPositions::get();
		let mut risk = params(0);
		risk.underlying.0[0] = b'D';
		let market = T::BenchmarkHelper::book_market(risk.underlying, 100, false)
			.ok_or(BenchmarkError::Weightless)?;
		Pallet::<T>::do_set_market_risk(market, risk)?;
		T::BenchmarkHelper::set_price(risk.underlying, FixedU128::from_u32(100));
		let room = T::MaxMarkets::get().saturating_sub(Markets::<T>::count());
		let others = markets::<T>(p.saturating_sub(1).min(room));
		let counterparty = MarginAccount::new(account::<T::AccountId>("counterparty", 0, 0), 0);
		T::BenchmarkHelper::fund(&counterparty, 1_000_000 * 1_000_000);
		// Long one whole unit (1,000 size units) everywhere, bought below the mark: profitable.
		let unit: i128 = 1_000;
		let entries: Vec<PositionEntry> = others
			.iter()
			.chain(core::iter::once(&market))
			.map(|m| PositionEntry {
				quantity: unit,
				cost: 80 * 1_000_000,
				..PositionEntry::new(*m, FixedI128::from_inner(0))
			})
			.collect();
		let mut sorted = entries;
		sorted.sort_by_key(|e| e.market);
		Pallet::<T>::store_entries(&counterparty, EntriesOf::<T>::truncate_from(sorted));
		T::BenchmarkHelper::rest_orders(&counterparty, market, 1_000, true);
		// The fund is short the same unit, taken over at 90 (the mark is 100).
		let fund = Pallet::<T>::backstop_account(market).ok_or(BenchmarkError::Weightless)?;
		let cost = 90 * 1_000_000u128;
		Pallet::<T>::store_entries(
			&fund,
			EntriesOf::<T>::truncate_from(alloc::vec![PositionEntry {
				quantity: -unit,
				cost: -(cost as i128),
				..PositionEntry::new(market, FixedI128::from_inner(0))
			}]),
		);
		Pallet::<T>::mutate_state(market, |s| s.open_interest = unit.unsigned_abs());
		Deleveraging::<T>::insert(
			market,
			AdlState {
				quantity: -unit,
				cost,
				scanning: false,
				cursor: None,
				candidates: BoundedVec::truncate_from(alloc::vec![(
					counterparty.clone(),
					FixedU128::from_u32(1)
				)]),
				progressed: false,
			},
		);
		next_block::<T>();
		let keeper: T::AccountId = whitelisted_caller();
		#[extrinsic_call]
		_(frame_system::RawOrigin::Signed(keeper), market, 1);
		assert_eq!(Pallet::<T>::size_in(&counterparty, market), 0);
		assert_eq!(Pallet::<T>::size_in(&fund, market), 0);
		assert!(!Deleveraging::<T>::contains_key(market));
		let entry = Accounts::<T>::get(&counterparty).into_iter().find(|e| e.market == market);
		assert_eq!(entry.map(|e| e.resting_sell).unwrap_or_default(), 0);
		Ok(())
	}

	/// The insurance fund's deficit check at its largest: every backstop book holding as many
	/// positions as the markets the runtime lets us create (up to `MaxMarkets`, `MaxPositions`
	/// a book), each a short call in a market of its own, marked by the model from cold oracle
	/// reads (the costliest valuation), with no cash left: the fund is in deficit, so the
	/// largest loss is found and its deleveraging written.
	#[benchmark]
	fn deleverage_fund() -> Result<(), BenchmarkError> {
		let room = T::MaxMarkets::get().saturating_sub(Markets::<T>::count());
		let markets = option_markets::<T>(room);
		// Each book's positions: a short call of 1,000 size units. Its premium is long spent
		// (the books hold no cash), so each one's mark value is a loss: the fund is in deficit.
		let mut books: Vec<(MarginAccount<T::AccountId>, Vec<PositionEntry>)> = Vec::new();
		for market in &markets {
			let book = Pallet::<T>::backstop_account(*market).ok_or(BenchmarkError::Weightless)?;
			let entry = PositionEntry {
				quantity: -1_000,
				cost: -5_000_000,
				..PositionEntry::new(*market, FixedI128::from_inner(0))
			};
			match books.iter_mut().find(|(b, _)| *b == book) {
				Some((_, entries)) => entries.push(entry),
				None => books.push((book, alloc::vec![entry])),
			}
		}
		for (book, mut entries) in books {
			entries.sort_by_key(|e| e.market);
			Pallet::<T>::store_entries(&book, EntriesOf::<T>::truncate_from(entries));
		}
		assert_eq!(Deleveraging::<T>::count(), 0);
		let keeper: T::AccountId = whitelisted_caller();
		#[extrinsic_call]
		_(frame_system::RawOrigin::Signed(keeper));
		assert_eq!(Deleveraging::<T>::count(), 1);
		Ok(())
	}

	/// A deleveraging scan over `n` holders of the counter side (up to what one step visits),
	/// each as large as an account may be (`MaxPositions` positions, unsettled funding in each)
	/// and profitable, so each is valued in full and ranked.
	#[benchmark]
	fn adl_scan(n: Linear<0, { T::AdlAccountsPerBlock::get() }>) -> Result<(), BenchmarkError> {
		let markets = markets::<T>(T::MaxPositions::get());
		let market = markets.first().copied().ok_or(BenchmarkError::Weightless)?;
		for m in &markets {
			Pallet::<T>::mutate_state(*m, |s| s.funding_index = FixedI128::from_inner(1_000));
		}
		// Long one unit everywhere, bought below the mark (100 and up): profitable.
		let entries: Vec<PositionEntry> = markets
			.iter()
			.map(|m| PositionEntry {
				quantity: 1_000,
				cost: 50 * 1_000_000,
				..PositionEntry::new(*m, FixedI128::from_inner(0))
			})
			.collect();
		let mut sorted = entries;
		sorted.sort_by_key(|e| e.market);
		for i in 0..n {
			let holder = MarginAccount::new(account::<T::AccountId>("holder", i, 0), 0);
			T::BenchmarkHelper::fund(&holder, 1_000_000 * 1_000_000);
			Pallet::<T>::store_entries(&holder, EntriesOf::<T>::truncate_from(sorted.clone()));
		}
		// A short inventory: the longs are the counter side.
		Deleveraging::<T>::insert(
			market,
			AdlState {
				quantity: -1_000,
				cost: 90 * 1_000_000,
				scanning: true,
				cursor: None,
				candidates: BoundedVec::new(),
				progressed: false,
			},
		);
		#[block]
		{
			Pallet::<T>::advance_deleveraging(market, Weight::MAX);
		}
		let ranked = Deleveraging::<T>::get(market).map(|d| d.candidates.len()).unwrap_or(0);
		assert_eq!(ranked as u32, n.min(T::MaxAdlCandidates::get()));
		// A scan of fewer holders than a step visits reached the end.
		if n < T::AdlAccountsPerBlock::get() {
			assert!(Deleveraging::<T>::get(market).is_none_or(|d| !d.scanning));
		}
		Ok(())
	}

	/// The fund covers an account's recorded bad debt in part (both ledger entries written,
	/// the debt kept, the total lowered).
	#[benchmark]
	fn cover_bad_debt() -> Result<(), BenchmarkError> {
		// Amounts well above any asset's minimum balance (the runtime's dev stablecoin has one).
		let debtor = MarginAccount::new(account::<T::AccountId>("debtor", 0, 0), 0);
		T::BenchmarkHelper::fund(&debtor, 1_000_000);
		let fund = Pallet::<T>::insurance_account();
		T::BenchmarkHelper::fund(&fund, 1_000_000);
		// Cash in every other backstop book too: each is moved to the insurance account first.
		for book in Pallet::<T>::extra_backstop_accounts() {
			T::BenchmarkHelper::fund(&book, 1_000_000);
		}
		let held = Pallet::<T>::fund_cash().max(0).unsigned_abs();
		// More debt than the fund holds: it pays all it has and the debt stays recorded.
		let debt = held.saturating_mul(2).max(1);
		BadDebts::<T>::insert(&debtor, debt);
		TotalBadDebt::<T>::put(debt);
		let keeper: T::AccountId = whitelisted_caller();
		#[extrinsic_call]
		_(frame_system::RawOrigin::Signed(keeper), debtor.clone());
		assert_eq!(BadDebts::<T>::get(&debtor), Some(debt - held));
		Ok(())
	}

	#[benchmark]
	fn set_liquidation_params() -> Result<(), BenchmarkError> {
		let origin =
			T::RiskAdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let params = LiquidationParams {
			penalty: Permill::from_percent(2),
			target_buffer: Permill::from_percent(40),
		};
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);
		assert_eq!(LiquidationConfig::<T>::get(), params);
		Ok(())
	}

	#[benchmark]
	fn set_settlement_params() -> Result<(), BenchmarkError> {
		let origin =
			T::RiskAdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let params =
			SettlementParams { window_ms: 15 * 60_000, min_coverage: Permill::from_percent(80) };
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);
		assert_eq!(SettlementConfig::<T>::get(), params);
		Ok(())
	}

	/// The settlement sampler over `m` dated markets, each at its expiry with a whole window
	/// of one fresh sample behind it: every one is sampled and has its price fixed (the
	/// longest path: the event and the write).
	#[benchmark]
	fn sample_settlements(m: Linear<1, { T::MaxMarkets::get() }>) {
		let existing = Markets::<T>::count();
		let markets = markets::<T>(m.min(T::MaxMarkets::get().saturating_sub(existing)));
		let now = T::Time::now().saturating_add(SettlementParams::default().window_ms);
		let window_start = now.saturating_sub(SettlementParams::default().window_ms);
		for market in &markets {
			Settlements::<T>::insert(
				market,
				SettlementState {
					last: Some((window_start, FixedU128::from_u32(100))),
					..SettlementState::new(now)
				},
			);
		}
		T::BenchmarkHelper::set_time(now);
		#[block]
		{
			Pallet::<T>::sample_settlements();
		}
		for market in markets {
			assert!(Settlements::<T>::get(market).is_some_and(|s| s.price.is_some()));
		}
	}

	/// One position settled at expiry: the holder is as large as an account may be
	/// (`MaxPositions` positions) and owes funding in the market it settles in.
	#[benchmark]
	fn settle_position() -> Result<(), BenchmarkError> {
		let markets = markets::<T>(T::MaxPositions::get());
		let market = markets.first().copied().ok_or(BenchmarkError::Weightless)?;
		Pallet::<T>::mutate_state(market, |s| {
			s.funding_index = FixedI128::from_inner(1_000);
			s.open_interest = 1_000;
		});
		let holder = MarginAccount::new(account::<T::AccountId>("holder", 0, 0), 0);
		T::BenchmarkHelper::fund(&holder, 1_000_000 * 1_000_000);
		T::BenchmarkHelper::fund(&Pallet::<T>::clearing_account(), 1_000_000 * 1_000_000);
		let mut entries: Vec<PositionEntry> = markets
			.iter()
			.map(|m| PositionEntry {
				quantity: 1_000,
				cost: 90 * 1_000_000,
				..PositionEntry::new(*m, FixedI128::from_inner(0))
			})
			.collect();
		entries.sort_by_key(|e| e.market);
		Pallet::<T>::store_entries(&holder, EntriesOf::<T>::truncate_from(entries));
		let price = FixedU128::from_u32(100);
		Settlements::<T>::insert(
			market,
			SettlementState { price: Some(price), covered_ms: 1, ..SettlementState::new(0) },
		);
		#[block]
		{
			Pallet::<T>::settle_position(&holder, market, price)?;
		}
		assert_eq!(Pallet::<T>::size_in(&holder, market), 0);
		Ok(())
	}

	#[benchmark]
	fn set_option_params() -> Result<(), BenchmarkError> {
		let origin =
			T::RiskAdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let underlying = params(0).underlying;
		let option = option_params(underlying);
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, underlying, option);
		assert_eq!(OptionRisks::<T>::get(underlying), Some(option));
		Ok(())
	}

	/// A new perpetual on an underlying with all but one of its perpetuals and futures listed
	/// already: the list read and written, the index's reads copied.
	#[benchmark]
	fn set_market_risk() -> Result<(), BenchmarkError> {
		let origin =
			T::RiskAdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let underlying = params(0).underlying;
		let others = markets_on::<T>(underlying, T::MaxLinearMarketsPerUnderlying::get() - 1);
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 20_000, params(0));
		assert!(Markets::<T>::contains_key(20_000));
		assert_eq!(LinearMarkets::<T>::get(underlying).len(), others.len() + 1);
		Ok(())
	}

	/// The oracle changed an index's reads: the `m` perpetuals and futures on it rewrite their
	/// copies, each the longest there can be.
	#[benchmark]
	fn quotes_changed(m: Linear<0, { T::MaxLinearMarketsPerUnderlying::get() }>) {
		let underlying = key(*b"QUOT", 0);
		let markets = markets_on::<T>(underlying, m);
		fill_copies::<T>(&markets);
		let schedule = full_schedule::<T>(FixedU128::from_u32(101));
		#[block]
		{
			Pallet::<T>::copy_prices(&underlying, Some(&schedule));
		}
		for market in markets {
			assert_eq!(Markets::<T>::get(market).map(|r| r.prices), Some(schedule.clone()));
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}

use alloc::vec::Vec;
