//! Margin engine tests, end to end through the real order book and vaults: positions, fees,
//! realised PnL, worst-case open orders, withdrawals, missing prices, funding, isolation.

use crate::{mock::*, Error, Event, *};
use orderbook::{OrderRequest, OrderType, SelfTradePrevention, Side, TimeInForce};
use pallet_clearinghouse_orderbook as orderbook;
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::{Get, Hooks},
		weights::Weight,
	},
	pallet_timestamp,
	sp_arithmetic::{FixedU128, Permill},
	sp_runtime::DispatchError,
};

fn acct(who: AccountId, sub: u8) -> MarginAccount<AccountId> {
	MarginAccount::new(who, sub)
}

fn deposit(who: AccountId, usd: u128, sub: u8) {
	assert_ok!(Vaults::deposit(RuntimeOrigin::signed(who), 0, usd * USD_UNIT, sub));
}

fn settlement(who: AccountId, sub: u8) -> i128 {
	Vaults::balance_of(&acct(who, sub), 0)
}

fn order(side: Side, price: u32, size: u128) -> OrderRequest {
	OrderRequest {
		side,
		order_type: OrderType::Limit { price: FixedU128::from_u32(price) },
		quantity: size,
		time_in_force: TimeInForce::Gtc,
		reduce_only: false,
		client_id: None,
		self_trade: SelfTradePrevention::CancelResting,
	}
}

fn place(who: AccountId, sub: u8, o: OrderRequest) -> Result<(), DispatchError> {
	Orderbook::place_order(RuntimeOrigin::signed(who), BTC_PERP, sub, o)
		.map(|_| ())
		.map_err(|e| e.error)
}

fn size(who: AccountId, sub: u8) -> i128 {
	<Margin as clearinghouse_primitives::OrderMarginCheck<AccountId>>::position(
		&acct(who, sub),
		BTC_PERP,
	)
}

fn check() {
	check_all();
}

/// Options: premium, marks, requirements, liquidation and settlement.
mod options;

/// Portfolio margin: the model's governance, opting in, checks and liquidation.
mod portfolio;

/// The what-if simulator.
mod simulate;

/// Alice sells and Bob buys 0.1 BTC at 50,000 (Alice rests, Bob takes).
fn open_trade() {
	deposit(ALICE, 10_000, 0);
	deposit(BOB, 10_000, 0);
	assert_ok!(place(ALICE, 0, order(Side::Sell, 50_000, 100)));
	assert_ok!(place(BOB, 0, order(Side::Buy, 50_000, 100)));
}

#[test]
fn a_trade_opens_positions_and_charges_fees() {
	build_and_execute(|| {
		open_trade();
		assert_eq!((size(ALICE, 0), size(BOB, 0)), (-100, 100));
		// Notional 5,000 USD: Bob (taker) pays 5 bp = 2.5, Alice (maker) 2 bp = 1.
		assert_eq!(settlement(BOB, 0), (9_997_500_000i128));
		assert_eq!(settlement(ALICE, 0), (9_999_000_000i128));
		// 20% of the taker fee to insurance, the rest and the maker fee to the fee account.
		assert_eq!(Vaults::balance_of(&Margin::insurance_account(), 0), 500_000);
		assert_eq!(Vaults::balance_of(&Margin::fee_account(), 0), 3_000_000);
		assert_eq!(Margin::market_state(BTC_PERP).open_interest, 100);
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::Margin(Event::PositionChanged {
				account: acct(BOB, 0),
				market: BTC_PERP,
				quantity: 100,
				cost: 5_000_000_000,
				realized_pnl: 0,
				fee: 2_500_000,
			})));
		check();
	});
}

#[test]
fn closing_realises_pnl_through_the_clearing_account() {
	build_and_execute(|| {
		open_trade();
		TestPrices::set("BTC", Some(55_000));
		let health = Margin::account_health(&acct(BOB, 0)).unwrap();
		assert_eq!(health.positions[0].unrealized_pnl, 500_000_000);
		assert_eq!(health.equity, 9_997_500_000 + 500_000_000);
		// Charlie bids 55,000; Bob sells into it and realises +500 (less a 2.75 taker fee).
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 55_000, 100)));
		assert_ok!(place(BOB, 0, order(Side::Sell, 55_000, 100)));
		assert_eq!(size(BOB, 0), 0);
		assert_eq!(settlement(BOB, 0), 9_997_500_000 + 500_000_000 - 2_750_000);
		// The clearing account paid the profit; Alice's matching loss is still unrealised.
		assert_eq!(Vaults::balance_of(&Margin::clearing_account(), 0), -500_000_000);
		assert_eq!(
			Margin::account_health(&acct(ALICE, 0)).unwrap().positions[0].unrealized_pnl,
			-500_000_000
		);
		assert!(!Accounts::<Test>::contains_key(acct(BOB, 0)));
		check();
	});
}

#[test]
fn open_orders_count_at_their_worst_case() {
	build_and_execute(|| {
		deposit(CHARLIE, 100, 0);
		// 0.1 BTC needs 500 of initial margin.
		assert_noop!(
			place(CHARLIE, 0, order(Side::Buy, 50_000, 100)),
			Error::<Test>::InsufficientMargin
		);
		// Two resting buys of 0.01 BTC: 50 each, 100 together — exactly the equity.
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 50_000, 10)));
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 49_000, 10)));
		assert_eq!(Accounts::<Test>::get(acct(CHARLIE, 0))[0].resting_buy, 20);
		assert_noop!(
			place(CHARLIE, 0, order(Side::Buy, 49_000, 1)),
			Error::<Test>::InsufficientMargin
		);
		// A sell of the same size does not add to the worst case (buys dominate).
		assert_ok!(place(CHARLIE, 0, order(Side::Sell, 51_000, 20)));
		// Buying above the mark is an immediate loss and counts: 1 unit at 60,000 costs 10.
		assert_ok!(orderbook::Pallet::<Test>::cancel_all(
			RuntimeOrigin::signed(CHARLIE),
			BTC_PERP,
			0
		));
		assert_eq!(Accounts::<Test>::get(acct(CHARLIE, 0)).len(), 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 50_000, 18)));
		assert_noop!(
			place(CHARLIE, 0, order(Side::Buy, 60_000, 1)),
			Error::<Test>::InsufficientMargin
		);
		check();
	});
}

#[test]
fn withdrawals_must_leave_the_initial_requirement() {
	build_and_execute(|| {
		open_trade();
		// Bob: 9,997.5 of collateral, 500 of initial requirement.
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(BOB), 0, 9_000 * USD_UNIT, 0));
		assert_noop!(
			Vaults::withdraw(RuntimeOrigin::signed(BOB), 0, 600 * USD_UNIT, 0),
			Error::<Test>::InsufficientMargin
		);
		assert_noop!(
			Vaults::transfer(RuntimeOrigin::signed(BOB), 0, 600 * USD_UNIT, 0, 1),
			Error::<Test>::InsufficientMargin
		);
		// An account without positions withdraws freely.
		deposit(CHARLIE, 100, 0);
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(CHARLIE), 0, 100 * USD_UNIT, 0));
		check();
	});
}

#[test]
fn without_a_price_only_risk_reducing_orders_pass() {
	build_and_execute(|| {
		open_trade();
		deposit(CHARLIE, 10_000, 0);
		TestPrices::set("BTC", None);
		assert_noop!(
			place(CHARLIE, 0, order(Side::Buy, 50_000, 10)),
			Error::<Test>::PriceUnavailable
		);
		assert_noop!(
			Vaults::withdraw(RuntimeOrigin::signed(BOB), 0, USD_UNIT, 0),
			Error::<Test>::PriceUnavailable
		);
		let mut reduce = order(Side::Sell, 50_000, 50);
		reduce.reduce_only = true;
		assert_ok!(place(BOB, 0, reduce));
		// Charlie, with no exposure at all, may still withdraw.
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(CHARLIE), 0, USD_UNIT, 0));
		check();
	});
}

/// The mark takes the book's mid as the previous block ended. An attacker short 0.1 BTC has
/// an accomplice quote a tight book below the index (where the EMA already is) and, in the
/// same block, tries to withdraw the profit that mid would show: refused, the mark and its
/// equity are what they were. Only once the quotes stood through the block's end (anyone
/// could trade against them) do they count.
#[test]
fn quotes_placed_in_a_block_do_not_move_the_mark_that_blocks_checks_see() {
	build_and_execute(|| {
		open_trade();
		// Index 50,000, EMA 49,000, no book: the mark is 50,000.
		TestPrices::set_ema("BTC", 49_000);
		next_block();
		let risk = Margin::risk(BTC_PERP).unwrap();
		let mark = || Margin::mark_price(BTC_PERP, &risk).unwrap();
		assert_eq!(mark(), FixedU128::from_u32(50_000));
		let alice = || Margin::account_health(&acct(ALICE, 0)).unwrap();
		let before = alice();
		// Alice's accomplice quotes 49,000 / 49,020: the live mid 49,010 would mark Alice's
		// short 99 USD up.
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 49_000, 1)));
		assert_ok!(place(CHARLIE, 0, order(Side::Sell, 49_020, 1)));
		assert_eq!(Orderbook::mid_price(BTC_PERP), Some(FixedU128::from_u32(49_010)));
		assert_eq!(mark(), FixedU128::from_u32(50_000));
		assert_eq!(alice(), before);
		// What she may withdraw at the 50,000 mark, plus 50 USD of the profit: refused.
		let free = u128::try_from(before.free_collateral).unwrap();
		assert_noop!(
			Vaults::withdraw(RuntimeOrigin::signed(ALICE), 0, free + 50 * USD_UNIT, 0),
			Error::<Test>::InsufficientMargin
		);
		// The quotes stood through the block's end: the next block marks at their mid.
		next_block();
		assert_eq!(mark(), FixedU128::from_u32(49_010));
		assert_eq!(alice().equity, before.equity + 99 * USD_UNIT as i128);
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(ALICE), 0, free + 50 * USD_UNIT, 0));
		check();
	});
}

/// What conditional orders watch is what a margin check sees: the mark (the previous block's
/// mid once it stood) and the index from the market's copy of the oracle's reads; nothing for
/// an unknown market or an index without quorum.
#[test]
fn trigger_prices_are_the_checks_mark_and_the_oracles_index() {
	use clearinghouse_primitives::trading::{OrderMarginCheck, TriggerPrices};
	build_and_execute(|| {
		open_trade();
		let usd = |p: u32| Some(FixedU128::from_u32(p));
		assert_eq!(
			Margin::trigger_prices(BTC_PERP),
			TriggerPrices { mark: usd(50_000), index: usd(50_000) }
		);
		// Quotes that stood through a block's end move the mark, not the index.
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 49_000, 1)));
		assert_ok!(place(CHARLIE, 0, order(Side::Sell, 49_020, 1)));
		TestPrices::set_ema("BTC", 49_000);
		next_block();
		let risk = Margin::risk(BTC_PERP).unwrap();
		let prices = Margin::trigger_prices(BTC_PERP);
		assert_eq!(prices.mark, Margin::mark_price(BTC_PERP, &risk));
		assert_ne!(prices.mark, usd(50_000));
		assert_eq!(prices.index, usd(50_000));
		TestPrices::set("BTC", Some(51_000));
		assert_eq!(Margin::trigger_prices(BTC_PERP).index, usd(51_000));
		TestPrices::set("BTC", None);
		assert_eq!(Margin::trigger_prices(BTC_PERP), TriggerPrices { mark: None, index: None });
		assert_eq!(Margin::trigger_prices(99), TriggerPrices::default());
		TestPrices::set("BTC", Some(50_000));
		check();
	});
}

#[test]
fn funding_accrues_through_the_index_and_settles_on_touch() {
	build_and_execute(|| {
		open_trade();
		// The book bids 50,400 / asks 50,600 and the EMA is 50,500: the mark is 50,500, 1%
		// over the index: the premium hits its 1% cap.
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 50_400, 1)));
		assert_ok!(place(CHARLIE, 0, order(Side::Sell, 50_600, 1)));
		TestPrices::set_ema("BTC", 50_500);
		let equity = |who| Margin::account_health(&acct(who, 0)).unwrap().equity;
		// Not due before an hour has passed. The block marks at the quotes' mid from now on
		// (the mid as the block they were placed in ended).
		next_block();
		assert_eq!(Margin::market_state(BTC_PERP).funding_index, FixedI128::from_inner(0));
		assert_eq!(Margin::market_state(BTC_PERP).mid, Some(FixedU128::from_u32(50_500)));
		let (bob_0, alice_0) = (equity(BOB), equity(ALICE));
		pallet_timestamp::Now::<Test>::put(T0 + 3_600_000);
		next_block();
		// One hour of an eight-hour period at 1% of 50,000: 62.5 per BTC.
		let index = Margin::market_state(BTC_PERP).funding_index;
		assert_eq!(index, FixedI128::from_rational(125, 2));
		// Unsettled funding counts in the health at once: 0.1 BTC owes (is owed) 6.25.
		assert_eq!(equity(BOB), bob_0 - 6_250_000);
		assert_eq!(equity(ALICE), alice_0 + 6_250_000);
		// Touching the positions settles it through the clearing account, exactly.
		assert_ok!(place(BOB, 0, order(Side::Sell, 50_400, 1)));
		assert_ok!(place(ALICE, 0, order(Side::Buy, 50_600, 1)));
		let settled: Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Margin(Event::FundingSettled { account, amount, .. }) => {
					Some((account.owner, amount))
				},
				_ => None,
			})
			.collect();
		assert_eq!(settled, vec![(BOB, 6_250_000), (ALICE, -6_250_000)]);
		// Settled once: the next touch settles nothing more.
		assert_eq!(Accounts::<Test>::get(acct(BOB, 0))[0].funding_index, index);
		check();
	});
}

#[test]
fn an_isolated_loss_stays_in_its_sub_account() {
	build_and_execute(|| {
		deposit(ALICE, 10_000, 0);
		deposit(BOB, 1_000, 1);
		deposit(BOB, 5_000, 0);
		assert_ok!(place(ALICE, 0, order(Side::Sell, 50_000, 100)));
		// Bob's isolated sub-account 1 buys 0.1 BTC with 1,000 of margin.
		assert_ok!(place(BOB, 1, order(Side::Buy, 50_000, 100)));
		TestPrices::set("BTC", Some(47_000));
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 47_000, 100)));
		assert_ok!(place(BOB, 1, order(Side::Sell, 47_000, 100)));
		// −300 of PnL and fees came out of sub-account 1 only.
		assert_eq!(settlement(BOB, 0), 5_000_000_000);
		assert_eq!(settlement(BOB, 1), 1_000_000_000 - 2_500_000 - 300_000_000 - 2_350_000);
		check();
	});
}

#[test]
fn risk_parameters_are_governed() {
	build_and_execute(|| {
		assert_noop!(
			Margin::set_market_risk(RuntimeOrigin::signed(ALICE), 1, btc_risk()),
			DispatchError::BadOrigin
		);
		let bad = RiskParams { maintenance: Permill::from_percent(10), ..btc_risk() };
		assert_noop!(
			Margin::set_market_risk(RuntimeOrigin::root(), 1, bad),
			Error::<Test>::InvalidRiskParams
		);
		assert_ok!(Margin::set_market_risk(RuntimeOrigin::root(), 1, btc_risk()));
		assert_eq!(Margin::risk(1), Some(btc_risk()));
		// Audit 13: the underlying and size units of a configured market are fixed.
		let mut moved = btc_risk();
		moved.size_decimals = 4;
		assert_noop!(
			Margin::set_market_risk(RuntimeOrigin::root(), 1, moved),
			Error::<Test>::ImmutableParams
		);
		moved = btc_risk();
		moved.underlying = OracleKey::from_symbol("ETH").unwrap();
		assert_noop!(
			Margin::set_market_risk(RuntimeOrigin::root(), 1, moved),
			Error::<Test>::ImmutableParams
		);
		// The book cannot list market 1 on another underlying than it is configured for.
		let eth = {
			let mut m = orderbook::Markets::<Test>::get(BTC_PERP).unwrap().config;
			m.underlying = OracleKey::from_symbol("ETH").unwrap();
			m
		};
		assert_noop!(
			Orderbook::create_market(RuntimeOrigin::root(), eth),
			Error::<Test>::ImmutableParams
		);
		assert_ok!(Orderbook::create_market(
			RuntimeOrigin::root(),
			orderbook::Markets::<Test>::get(BTC_PERP).unwrap().config
		));
		// A market of the book without risk parameters cannot trade.
		assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), eth));
		deposit(ALICE, 1_000, 0);
		assert_noop!(
			Orderbook::place_order(RuntimeOrigin::signed(ALICE), 2, 0, order(Side::Buy, 50_000, 1)),
			Error::<Test>::MarketNotConfigured
		);
	});
}

// ---------------------------------------------------------------------------------------------
// Liquidation

const KEEPER: AccountId = 4;

/// Bob, with 600 USD, buys 0.1 BTC at 50,000 from Alice: 500 initial, 250 maintenance.
fn levered_long() {
	deposit(ALICE, 10_000, 0);
	deposit(BOB, 600, 0);
	assert_ok!(place(ALICE, 0, order(Side::Sell, 50_000, 100)));
	assert_ok!(place(BOB, 0, order(Side::Buy, 50_000, 100)));
	assert_eq!(settlement(BOB, 0), 597_500_000);
}

fn liquidated_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Margin(e @ Event::Liquidated { .. }) => Some(e),
			RuntimeEvent::Margin(e @ Event::BadDebtRecorded { .. }) => Some(e),
			_ => None,
		})
		.collect()
}

#[test]
fn a_healthy_account_cannot_be_liquidated() {
	build_and_execute(|| {
		levered_long();
		TestPrices::set("BTC", Some(47_000));
		// Equity 297.5 against 235 of maintenance.
		assert_noop!(
			Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)),
			Error::<Test>::NotLiquidatable
		);
	});
}

#[test]
fn the_health_api_estimates_the_liquidation_price() {
	build_and_execute(|| {
		levered_long();
		let health = Margin::account_health(&acct(BOB, 0)).unwrap();
		// 597.5 equity, 250 maintenance: the 347.5 cushion lasts until
		// 50,000 − 347.5 / (0.1 × 0.95) = 46,342.10…
		// (rounded toward the mark, by at most one 10^-18 step).
		let liq = health.positions[0].liquidation_price.unwrap();
		let exact = FixedU128::from_rational(50_000 * 95 - 347_500, 95);
		assert!(liq >= exact && liq - exact <= FixedU128::from_inner(1));
		// Just above it Bob is safe, just below he can be liquidated.
		TestPrices::set("BTC", Some(46_343));
		assert!(!Margin::account_health(&acct(BOB, 0)).unwrap().liquidatable);
		TestPrices::set("BTC", Some(46_342));
		assert!(Margin::account_health(&acct(BOB, 0)).unwrap().liquidatable);
		// The short side's estimate sits above the mark.
		TestPrices::set("BTC", Some(50_000));
		let alice = Margin::account_health(&acct(ALICE, 0)).unwrap();
		assert!(alice.positions[0].liquidation_price.unwrap() > FixedU128::from_u32(50_000));
	});
}

#[test]
fn a_price_move_is_met_by_a_partial_liquidation_into_the_book() {
	build_and_execute(|| {
		levered_long();
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 46_000, 100)));
		TestPrices::set("BTC", Some(46_000));
		// Equity 197.5 < maintenance 230.
		assert!(Margin::account_health(&acct(BOB, 0)).unwrap().liquidatable);
		let post = Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)).unwrap();
		assert_eq!(post.pays_fee, polkadot_sdk::frame_support::dispatch::Pays::No);
		// Enough to reach 1.5 × maintenance: half the position, sold to Charlie's bid.
		assert_eq!(
			liquidated_events(),
			vec![Event::Liquidated {
				account: acct(BOB, 0),
				market: BTC_PERP,
				by_book: 50,
				by_backstop: 0,
				by_deleveraging: 0,
				penalty: 23_000_000,
				keeper: Some(KEEPER),
			}]
		);
		assert_eq!(size(BOB, 0), 50);
		assert_eq!(size(CHARLIE, 0), 50);
		// Half the 1% penalty to the keeper, half to insurance (plus fee shares it had).
		assert_eq!(settlement(KEEPER, 0), 11_500_000);
		let health = Margin::account_health(&acct(BOB, 0)).unwrap();
		assert!(!health.liquidatable);
		assert!(health.equity >= (health.maintenance + health.maintenance / 2) as i128);
		check();
	});
}

#[test]
fn what_the_book_cannot_absorb_goes_to_the_backstop_at_mark() {
	build_and_execute(|| {
		levered_long();
		TestPrices::set("BTC", Some(46_000));
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		assert_eq!(
			liquidated_events(),
			vec![Event::Liquidated {
				account: acct(BOB, 0),
				market: BTC_PERP,
				by_book: 0,
				by_backstop: 50,
				by_deleveraging: 0,
				penalty: 23_000_000,
				keeper: Some(KEEPER),
			}]
		);
		assert_eq!(size(BOB, 0), 50);
		assert_eq!(
			Accounts::<Test>::get(Margin::insurance_account())[0].quantity,
			50,
			"the insurance account holds what it took over"
		);
		check();
	});
}

#[test]
fn a_gap_through_the_bankruptcy_price_is_covered_by_the_fund() {
	build_and_execute(|| {
		levered_long();
		// A 1,000 USD donation to the insurance account, through the vault.
		assert_ok!(Vaults::do_deposit(&CHARLIE, &Margin::insurance_account(), 0, 1_000 * USD_UNIT));
		let fund = Vaults::balance_of(&Margin::insurance_account(), 0);
		TestPrices::set("BTC", Some(40_000));
		// Equity 597.5 − 1,000 < 0: everything goes, the debt is covered.
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		assert_eq!(size(BOB, 0), 0);
		assert_eq!(
			liquidated_events().last(),
			Some(&Event::BadDebtRecorded {
				account: acct(BOB, 0),
				covered: 402_500_000,
				uncovered: 0
			})
		);
		assert_eq!(settlement(BOB, 0), 0);
		assert_eq!(Vaults::balance_of(&Margin::insurance_account(), 0), fund - 402_500_000);
		// No penalty from an account with nothing left.
		assert_eq!(settlement(KEEPER, 0), 0);
		check();
	});
}

// ---------------------------------------------------------------------------------------------
// Auto-deleveraging

const DAVE: AccountId = 6;

fn deleveraging_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Margin(
				e @ (Event::Liquidated { .. }
				| Event::BadDebtRecorded { .. }
				| Event::DeleveragingQueued { .. }
				| Event::Deleveraged { .. }
				| Event::DeleveragingFinished { .. }),
			) => Some(e),
			_ => None,
		})
		.collect()
}

/// Whether `who` could withdraw `amount` of the settlement asset from its cross-margin
/// account now (tried, then rolled back).
fn try_withdraw(who: AccountId, amount: u128) -> Result<(), DispatchError> {
	use polkadot_sdk::frame_support::storage::{with_transaction, TransactionOutcome};
	with_transaction(|| {
		let result = Vaults::withdraw(RuntimeOrigin::signed(who), 0, amount, 0)
			.map(|_| ())
			.map_err(|e| e.error);
		TransactionOutcome::Rollback(Ok::<_, DispatchError>(result))
	})
	.expect("rolled back")
}

/// Bob (600 USD) buys 0.1 BTC at 50,000 and Dave 0.1; the sellers are Charlie, 0.08 on 1,000
/// USD (levered), and Alice, 0.12 on 10,000. A keeper with 100 USD and no position watches.
fn bankrupt_long_with_two_shorts() {
	use polkadot_sdk::frame_support::traits::fungibles::Mutate;
	deposit(ALICE, 10_000, 0);
	deposit(BOB, 600, 0);
	deposit(CHARLIE, 1_000, 0);
	for who in [DAVE, KEEPER] {
		assert_ok!(Assets::mint_into(USD, &who, 10_000 * USD_UNIT));
	}
	deposit(DAVE, 10_000, 0);
	deposit(KEEPER, 100, 0);
	assert_ok!(place(CHARLIE, 0, order(Side::Sell, 50_000, 80)));
	assert_ok!(place(ALICE, 0, order(Side::Sell, 50_000, 120)));
	assert_ok!(place(BOB, 0, order(Side::Buy, 50_000, 100)));
	assert_ok!(place(DAVE, 0, order(Side::Buy, 50_000, 100)));
	assert_eq!(
		(size(CHARLIE, 0), size(ALICE, 0), size(BOB, 0), size(DAVE, 0)),
		(-80, -120, 100, 100)
	);
}

/// How Bob's 0.1 long at the 44,025 bankruptcy price is handed on in
/// [`bankrupt_long_with_two_shorts`] after a gap to 40,000: Charlie's whole 0.08 (3,522 USD),
/// then 0.02 of Alice's for the rest.
fn bobs_long_handed_to_charlie_then_alice() -> Vec<Event<Test>> {
	vec![
		Event::Deleveraged {
			account: acct(CHARLIE, 0),
			market: BTC_PERP,
			quantity: 80,
			notional: 3_522 * USD_UNIT,
		},
		Event::Deleveraged {
			account: acct(ALICE, 0),
			market: BTC_PERP,
			quantity: 20,
			notional: 880_500_000,
		},
		Event::DeleveragingFinished { market: BTC_PERP, unfilled: 0 },
	]
}

/// One idle block of [`bankrupt_long_with_two_shorts`]' deleveraging: the scan ends with
/// Charlie ranked before Alice (events reset first, so the trades' events stand alone).
fn ranks_charlie_then_alice_in_one_block() {
	System::reset_events();
	Margin::on_idle(2, polkadot_sdk::frame_support::weights::Weight::MAX);
	let state = Deleveraging::<Test>::get(BTC_PERP).unwrap();
	assert!(!state.scanning);
	assert_eq!(
		state.candidates.iter().map(|(a, _)| a.owner).collect::<Vec<_>>(),
		vec![CHARLIE, ALICE]
	);
}

/// The settlement balances of every trader and of the pallet's accounts.
fn cash_of_everyone() -> i128 {
	let traders = [ALICE, BOB, CHARLIE, DAVE, KEEPER].map(|w| acct(w, 0));
	let pallet = [Margin::clearing_account(), Margin::fee_account(), Margin::insurance_account()];
	traders.iter().chain(pallet.iter()).map(|a| Vaults::balance_of(a, 0)).sum()
}

#[test]
fn an_empty_fund_hands_the_loss_to_the_most_profitable_most_levered_shorts() {
	build_and_execute(|| {
		bankrupt_long_with_two_shorts();
		let fund = Margin::insurance_account();
		// The fund holds only its 20% share of two 2.5 USD taker fees.
		assert_eq!(Vaults::balance_of(&fund, 0), 1_000_000);
		let total_cash = cash_of_everyone();
		let (alice_before, charlie_before) = (settlement(ALICE, 0), settlement(CHARLIE, 0));

		// A gap to 40,000: Bob's equity is 597.5 − 1,000 = −402.5, far beyond the fund.
		TestPrices::set("BTC", Some(40_000));
		// The queue the runtime API shows: Charlie (profit 20%, leverage 1.8) before Alice
		// (profit 20%, leverage 0.43).
		let queue = Margin::adl_queue(BTC_PERP, false, 10);
		assert_eq!(queue.iter().map(|(a, _)| a.owner).collect::<Vec<_>>(), vec![CHARLIE, ALICE]);

		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		// Bob closes at his bankruptcy price, 40,000 + 402.5 / 0.1 = 44,025: zero left, no bad
		// debt, no penalty; the insurance account holds his 0.1 long to hand on.
		assert_eq!(
			deleveraging_events(),
			vec![
				Event::DeleveragingQueued {
					market: BTC_PERP,
					account: acct(BOB, 0),
					quantity: 100,
					price: FixedU128::from_u32(44_025),
				},
				Event::Liquidated {
					account: acct(BOB, 0),
					market: BTC_PERP,
					by_book: 0,
					by_backstop: 0,
					by_deleveraging: 100,
					penalty: 0,
					keeper: Some(KEEPER),
				},
			]
		);
		assert_eq!((size(BOB, 0), settlement(BOB, 0)), (0, 0));
		assert_eq!(Accounts::<Test>::get(fund)[0].quantity, 100);
		assert_eq!(TotalBadDebt::<Test>::get(), 0);
		check();
		// While it is pending the shorts it will hand Bob's long to keep their settlement
		// asset in (audit 12: only they); the keeper and Dave, a long, are not held back.
		for short in [ALICE, CHARLIE] {
			assert_eq!(
				try_withdraw(short, USD_UNIT),
				Err(Error::<Test>::DeleveragingPending.into())
			);
		}
		assert_ok!(try_withdraw(KEEPER, USD_UNIT));
		assert_ok!(try_withdraw(DAVE, USD_UNIT));

		// The scan walks only the shorts (Alice, Charlie): Dave is long and the fund holds the
		// inventory, so neither is visited. One block ranks, the next trades.
		ranks_charlie_then_alice_in_one_block();
		check();
		Margin::on_idle(3, polkadot_sdk::frame_support::weights::Weight::MAX);
		assert_eq!(deleveraging_events(), bobs_long_handed_to_charlie_then_alice());
		assert_eq!((size(CHARLIE, 0), size(ALICE, 0), size(DAVE, 0)), (0, -100, 100));
		// Each short realises its profit down to the bankruptcy price: 4,000 − 3,522 and
		// 1,000 − 880.5.
		assert_eq!(settlement(CHARLIE, 0), charlie_before + 478 * USD_UNIT as i128);
		assert_eq!(settlement(ALICE, 0), alice_before + 119_500_000);
		// The fund is flat and untouched; the keeper with no position paid nothing.
		assert!(Accounts::<Test>::get(fund).is_empty());
		assert_eq!(Vaults::balance_of(&fund, 0), 1_000_000);
		assert_eq!(settlement(KEEPER, 0), 100 * USD_UNIT as i128);
		assert_eq!(cash_of_everyone(), total_cash);
		assert!(Deleveraging::<Test>::get(BTC_PERP).is_none());
		// Withdrawals open again.
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(KEEPER), 0, USD_UNIT, 0));
		check();
	});
}

/// Who the holder index lists on one side of BTC.
fn btc_holders(long: bool) -> Vec<u64> {
	let mut owners: Vec<u64> =
		Holders::<Test>::iter_key_prefix((BTC_PERP, long)).map(|a| a.owner).collect();
	owners.sort();
	owners
}

#[test]
fn a_deleveraging_scan_visits_only_the_counter_sides_holders() {
	build_and_execute(|| {
		bankrupt_long_with_two_shorts();
		assert_eq!(btc_holders(false), vec![ALICE, CHARLIE]);
		assert_eq!(btc_holders(true), vec![BOB, DAVE]);
		TestPrices::set("BTC", Some(40_000));
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		// Bob is closed out; the fund's backstop book holds his long.
		let fund = Margin::backstop_account(BTC_PERP).unwrap();
		assert_eq!(btc_holders(true), {
			let mut longs = vec![DAVE, fund.owner];
			longs.sort();
			longs
		});
		// A keeper call with budget for two valuations ranks both shorts and is charged for
		// exactly those two: the longs (Dave, the fund) are never visited or charged.
		System::reset_events();
		let post = Margin::deleverage(RuntimeOrigin::signed(KEEPER), BTC_PERP, 2).unwrap();
		let db: polkadot_sdk::frame_support::weights::RuntimeDbWeight =
			<Test as polkadot_sdk::frame_system::Config>::DbWeight::get();
		assert_eq!(
			post.actual_weight.unwrap(),
			db.reads(1)
				.saturating_add(db.reads_writes(1, 1))
				.saturating_add(Margin::adl_holder_cost(0))
				.saturating_add(Margin::adl_holder_cost(1))
		);
		let state = Deleveraging::<Test>::get(BTC_PERP).unwrap();
		assert_eq!(
			state.candidates.iter().map(|(a, _)| a.owner).collect::<Vec<_>>(),
			vec![CHARLIE, ALICE]
		);
		// The next call finds the end of the index and trades: Charlie is closed out and
		// leaves the index; Alice stays short.
		assert_ok!(Margin::deleverage(RuntimeOrigin::signed(KEEPER), BTC_PERP, 1));
		assert_ok!(Margin::deleverage(RuntimeOrigin::signed(KEEPER), BTC_PERP, 2));
		assert!(Deleveraging::<Test>::get(BTC_PERP).is_none());
		assert_eq!(deleveraging_events(), bobs_long_handed_to_charlie_then_alice());
		assert_eq!(btc_holders(false), vec![ALICE]);
		assert_eq!(btc_holders(true), vec![DAVE]);
	});
}

#[test]
fn a_keeper_finishes_a_deleveraging_that_on_idle_never_reaches() {
	use polkadot_sdk::frame_support::dispatch::Pays;
	build_and_execute(|| {
		bankrupt_long_with_two_shorts();
		// Nothing pending yet: the call is refused (and pays its fee).
		assert_noop!(
			Margin::deleverage(RuntimeOrigin::signed(KEEPER), BTC_PERP, 3),
			Error::<Test>::NoDeleveraging
		);
		TestPrices::set("BTC", Some(40_000));
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		let total_cash = cash_of_everyone();
		let (alice_before, charlie_before) = (settlement(ALICE, 0), settlement(CHARLIE, 0));
		// Only BTC has a deleveraging; another market refuses.
		assert_noop!(
			Margin::deleverage(RuntimeOrigin::signed(KEEPER), BTC_PERP + 1, 3),
			Error::<Test>::NoDeleveraging
		);

		// Blocks are full: no `on_idle`. `steps = 0` counts as one: one account scanned.
		System::reset_events();
		let post = Margin::deleverage(RuntimeOrigin::signed(KEEPER), BTC_PERP, 0).unwrap();
		assert_eq!(post.pays_fee, Pays::No);
		assert!(post.actual_weight.unwrap().all_lte(Margin::deleverage_weight(0)));
		assert_eq!(Margin::deleverage_weight(0), Margin::deleverage_weight(1));
		// One step's budget ranks (it is priced at a trade or a cold valuation, whichever is
		// larger) but does not finish: the trades are still to come.
		assert!(Deleveraging::<Test>::get(BTC_PERP).is_some());
		// The rest of the scan, then the trades, in keeper calls alone.
		let mut calls = 1;
		while Deleveraging::<Test>::get(BTC_PERP).is_some() {
			let post = Margin::deleverage(RuntimeOrigin::signed(KEEPER), BTC_PERP, 3).unwrap();
			assert!(post.actual_weight.unwrap().all_lte(Margin::deleverage_weight(3)));
			calls += 1;
			assert!(calls <= 4, "a bounded number of calls finishes it");
			check();
		}
		assert_eq!(deleveraging_events(), bobs_long_handed_to_charlie_then_alice());
		assert_eq!(settlement(CHARLIE, 0), charlie_before + 478 * USD_UNIT as i128);
		assert_eq!(settlement(ALICE, 0), alice_before + 119_500_000);
		assert_eq!(cash_of_everyone(), total_cash);
		assert!(Accounts::<Test>::get(Margin::insurance_account()).is_empty());
		// Withdrawals open again; a further call has nothing to do.
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(KEEPER), 0, USD_UNIT, 0));
		assert_noop!(
			Margin::deleverage(RuntimeOrigin::signed(KEEPER), BTC_PERP, 3),
			Error::<Test>::NoDeleveraging
		);
		check();
	});
}

#[test]
fn a_scan_charges_cold_checks_until_every_market_can_have_been_read() {
	build_and_execute(|| {
		let markets: u32 = <Test as Config>::MaxMarkets::get();
		let positions: u32 = <Test as Config>::MaxPositions::get();
		let cold_holders = markets.div_ceil(positions);
		let cold = Margin::margin_check_weight(positions);
		for visited in 0..cold_holders {
			assert!(Margin::adl_holder_cost(visited).all_gte(cold));
		}
		// Past that, every market a holder can hold has been read in this call.
		assert_eq!(Margin::adl_holder_cost(cold_holders), Margin::adl_scan_step());
		// A keeper's step is priced at the cold cost.
		assert!(Margin::deleverage_weight(1).all_gte(cold));
	});
}

#[test]
fn any_deleverage_steps_give_a_transaction_that_fits_a_block() {
	use polkadot_sdk::frame_support::dispatch::DispatchClass;
	build_and_execute(|| {
		use polkadot_sdk::frame_system::{limits::BlockWeights, Config};
		let max = <<Test as Config>::BlockWeights as Get<BlockWeights>>::get()
			.get(DispatchClass::Normal)
			.max_extrinsic
			.unwrap();
		let one = Margin::deleverage_weight(1);
		let most = Margin::deleverage_weight(u32::MAX);
		assert!(most.all_lte(max), "{most:?} > {max:?}");
		// More steps buy more work, up to the clamp.
		assert!(Margin::deleverage_weight(2).any_gt(one));
		assert_eq!(Margin::deleverage_weight(0), one);
	});
}

#[test]
fn a_fund_that_can_bear_the_loss_takes_it_instead_of_deleveraging() {
	build_and_execute(|| {
		bankrupt_long_with_two_shorts();
		assert_ok!(Vaults::do_deposit(&ALICE, &Margin::insurance_account(), 0, 500 * USD_UNIT));
		TestPrices::set("BTC", Some(40_000));
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		assert!(matches!(
			deleveraging_events()[0],
			Event::Liquidated { by_backstop: 100, by_deleveraging: 0, .. }
		));
		assert!(Deleveraging::<Test>::get(BTC_PERP).is_none());
		assert_eq!(size(CHARLIE, 0), -80);
		check();
	});
}

#[test]
fn the_idle_sweep_liquidates_without_a_keeper() {
	build_and_execute(|| {
		levered_long();
		TestPrices::set("BTC", Some(46_000));
		Margin::on_idle(1, polkadot_sdk::frame_support::weights::Weight::MAX);
		assert!(matches!(
			liquidated_events().first(),
			Some(Event::Liquidated { keeper: None, penalty: 23_000_000, .. })
		));
		assert!(!Margin::account_health(&acct(BOB, 0)).unwrap().liquidatable);
		assert_eq!(LiquidationCursor::<Test>::get(), None);
		check();
	});
}

// ---------------------------------------------------------------------------------------------
// Property: value is conserved through trades, price moves, funding and liquidations

mod conservation {
	use super::*;
	use polkadot_sdk::frame_support::traits::fungibles::Mutate;
	use proptest::prelude::*;

	#[derive(Clone, Debug)]
	enum Op {
		/// `maker` rests a sell (or buy) of `size` at `price`, `taker` takes it.
		Trade { maker: AccountId, taker: AccountId, buy: bool, size: u128, offset: i32 },
		/// The index moves to `price`.
		Price { price: u32 },
		/// An hour passes and funding is sampled (with the EMA `skew` away from the index).
		Funding { skew: i32 },
		/// A keeper liquidates everyone it can.
		Liquidate,
		/// A block's idle time: the liquidation sweep and deleveraging advance.
		Idle,
		/// `who` deposits `usd` more.
		Deposit { who: AccountId, usd: u128 },
		/// `who` rests an order that stays in the book (`reduce_only` or not) `offset` from the
		/// index: later trades, liquidations and deleveraging meet it.
		Rest { who: AccountId, buy: bool, size: u128, offset: i32, reduce_only: bool },
		/// A keeper advances any pending deleveraging.
		Deleverage,
	}

	fn op() -> impl Strategy<Value = Op> {
		prop_oneof![
			5 => (1u64..4, 1u64..4, any::<bool>(), 1u128..500, -500i32..500)
				.prop_map(|(maker, taker, buy, size, offset)| Op::Trade { maker, taker, buy, size, offset }),
			2 => (40_000u32..60_000).prop_map(|price| Op::Price { price }),
			1 => (-400i32..400).prop_map(|skew| Op::Funding { skew }),
			1 => Just(Op::Liquidate),
			1 => Just(Op::Idle),
			1 => (1u64..4, 1u128..2_000).prop_map(|(who, usd)| Op::Deposit { who, usd }),
			3 => (1u64..4, any::<bool>(), 1u128..300, -2_000i32..2_000, any::<bool>())
				.prop_map(|(who, buy, size, offset, reduce_only)| Op::Rest { who, buy, size, offset, reduce_only }),
			1 => Just(Op::Deleverage),
		]
	}

	/// Every account without positions or orders can take out its whole settlement balance
	/// (tried in a transaction that is rolled back) — a pending deleveraging included — unless
	/// recorded bad debt has closed the vault.
	fn flat_accounts_can_withdraw(
		accounts: &[MarginAccount<AccountId>],
	) -> Result<(), TestCaseError> {
		use polkadot_sdk::frame_support::storage::{with_transaction, TransactionOutcome};
		if TotalBadDebt::<Test>::get() > 0 {
			return Ok(());
		}
		for account in accounts.iter().filter(|a| a.owner != Margin::account_id()) {
			let balance = Vaults::balance_of(account, 0);
			if balance <= 0 || Accounts::<Test>::contains_key(account) {
				continue;
			}
			let result: Result<(), DispatchError> = with_transaction(|| {
				let r = Vaults::withdraw(
					RuntimeOrigin::signed(account.owner),
					0,
					balance.unsigned_abs(),
					account.sub,
				)
				.map(|_| ())
				.map_err(|e| e.error);
				TransactionOutcome::Rollback(Ok::<_, DispatchError>(r))
			})
			.expect("rolled back");
			prop_assert!(
				result.is_ok(),
				"flat {:?} cannot withdraw {}: {:?}",
				account,
				balance,
				result
			);
		}
		Ok(())
	}

	const MAKER: AccountId = 5;

	/// What the clearing account is owed by the open positions: their cost basis and their
	/// unsettled funding. It paid every realised profit and received every realised loss, so
	/// its cash plus this claim is the rounding residue of all PnL and funding.
	fn clearing_claim(accounts: &[MarginAccount<AccountId>]) -> i128 {
		accounts
			.iter()
			.flat_map(|a| Margin::account_health(a).map(|h| h.positions).unwrap_or_default())
			.map(|p| {
				let pos = clearinghouse_risk::position::Position { size: p.quantity, cost: p.cost };
				let mv = clearinghouse_risk::position::market_value(pos, p.mark, 3, 6).unwrap();
				// unrealised = market value − cost − owed funding
				let owed = mv - p.cost - p.unrealized_pnl;
				p.cost + owed
			})
			.sum()
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(64))]
		#[test]
		fn value_is_conserved(ops in proptest::collection::vec(op(), 1..60)) {
			build_and_execute(|| {
				for who in [ALICE, BOB, CHARLIE] {
					deposit(who, 3_000, 0);
				}
				assert_ok!(Assets::mint_into(USD, &MAKER, 100_000 * USD_UNIT));
				deposit(MAKER, 100_000, 0);
				let mut deposits = 109_000 * USD_UNIT as i128;
				let accounts = [
					acct(ALICE, 0), acct(BOB, 0), acct(CHARLIE, 0), acct(KEEPER, 0), acct(MAKER, 0),
					Margin::clearing_account(), Margin::fee_account(), Margin::insurance_account(),
				];
				let mut price = 50_000u32;
				let mut now = T0;
				let mut steps = 0i128;
				for op in ops {
					match op {
						Op::Trade { maker, taker, buy, size, offset } => {
							if maker == taker { continue; }
							let p = (price as i32 + offset) as u32;
							let (maker_side, taker_side) =
								if buy { (Side::Buy, Side::Sell) } else { (Side::Sell, Side::Buy) };
							if place(maker, 0, order(maker_side, p, size)).is_ok() {
								let mut ioc = order(taker_side, p, size);
								ioc.time_in_force = TimeInForce::Ioc;
								let _ = place(taker, 0, ioc);
								let _ = Orderbook::cancel_all(RuntimeOrigin::signed(maker), BTC_PERP, 0);
							}
						},
						Op::Price { price: p } => {
							price = p;
							TestPrices::set("BTC", Some(p));
							TestPrices::set_ema("BTC", p);
						},
						Op::Funding { skew } => {
							// A market maker quotes around index + skew for the sample, so the
							// book mid (and the EMA) put the mark there.
							let centre = (price as i32 + skew) as u32;
							TestPrices::set_ema("BTC", centre);
							let _ = place(MAKER, 0, order(Side::Buy, centre - 10, 1));
							let _ = place(MAKER, 0, order(Side::Sell, centre + 10, 1));
							now += 3_600_000;
							pallet_timestamp::Now::<Test>::put(now);
							next_block();
							let _ = Orderbook::cancel_all(RuntimeOrigin::signed(MAKER), BTC_PERP, 0);
						},
						Op::Liquidate => {
							for who in [ALICE, BOB, CHARLIE] {
								let _ = Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(who, 0));
							}
						},
						Op::Idle => {
							Margin::on_idle(1, polkadot_sdk::frame_support::weights::Weight::MAX);
						},
						Op::Deposit { who, usd } => {
							assert_ok!(Assets::mint_into(USD, &who, usd * USD_UNIT));
							deposit(who, usd, 0);
							deposits += (usd * USD_UNIT) as i128;
						},
						Op::Rest { who, buy, size, offset, reduce_only } => {
							let side = if buy { Side::Buy } else { Side::Sell };
							let mut o = order(side, (price as i32 + offset).max(1) as u32, size);
							o.reduce_only = reduce_only;
							let _ = place(who, 0, o);
						},
						Op::Deleverage => {
							let _ = Margin::deleverage(RuntimeOrigin::signed(KEEPER), BTC_PERP, 8);
						},
					}
					steps += 1;
					check();
					// Every amount moves once through the ledger: cash is conserved exactly.
					let cash: i128 = accounts.iter().map(|a| Vaults::balance_of(a, 0)).sum();
					prop_assert_eq!(cash, deposits);
					// The clearing account's cash plus its claim on open positions never falls
					// below zero (PnL and funding round against the accounts, so it keeps the
					// residue), and the residue stays a few units per step.
					let residue = Vaults::balance_of(&Margin::clearing_account(), 0) + clearing_claim(&accounts);
					prop_assert!(residue >= 0, "the clearing account is short: {}", residue);
					prop_assert!(residue <= 8 * steps, "residue grows too fast: {}", residue);
					flat_accounts_can_withdraw(&accounts)?;
				}
				Ok(())
			})?;
		}
	}
}

#[test]
fn a_cascade_is_processed_over_blocks_never_dropped() {
	use polkadot_sdk::frame_support::traits::fungibles::Mutate;
	build_and_execute(|| {
		deposit(ALICE, 100_000, 0);
		assert_ok!(place(ALICE, 0, order(Side::Sell, 50_000, 600)));
		let traders: Vec<AccountId> = (10..16).collect();
		for who in &traders {
			assert_ok!(Assets::mint_into(USD, who, 600 * USD_UNIT));
			deposit(*who, 600, 0);
			assert_ok!(place(*who, 0, order(Side::Buy, 50_000, 100)));
		}
		TestPrices::set("BTC", Some(46_000));
		let liquidated = || {
			System::events()
				.iter()
				.filter(|r| matches!(r.event, RuntimeEvent::Margin(Event::Liquidated { .. })))
				.count()
		};
		// Four per block (the mock's cap): the sweep stops and remembers where.
		Margin::on_idle(1, polkadot_sdk::frame_support::weights::Weight::MAX);
		assert_eq!(liquidated(), 4);
		assert!(LiquidationCursor::<Test>::get().is_some());
		Margin::on_idle(2, polkadot_sdk::frame_support::weights::Weight::MAX);
		assert_eq!(liquidated(), 6);
		for who in traders {
			assert!(!Margin::account_health(&acct(who, 0)).unwrap().liquidatable);
		}
		check();
	});
}

#[test]
fn the_adl_queue_ranks_profit_times_leverage() {
	build_and_execute(|| {
		// Bob is long 0.1 BTC on 10,000; Charlie long 0.1 BTC on 1,000 (ten times the leverage).
		deposit(ALICE, 50_000, 0);
		deposit(BOB, 10_000, 0);
		deposit(CHARLIE, 1_000, 0);
		assert_ok!(place(ALICE, 0, order(Side::Sell, 50_000, 200)));
		assert_ok!(place(BOB, 0, order(Side::Buy, 50_000, 100)));
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 50_000, 100)));
		// Both longs win when the price rises; the short does not qualify.
		TestPrices::set("BTC", Some(52_000));
		let queue = Margin::adl_queue(BTC_PERP, true, 10);
		assert_eq!(queue.iter().map(|(a, _)| a.owner).collect::<Vec<_>>(), vec![CHARLIE, BOB]);
		assert!(queue[0].1 > queue[1].1);
		assert!(Margin::adl_queue(BTC_PERP, false, 10).is_empty());
		assert_eq!(Margin::adl_queue(BTC_PERP, true, 1).len(), 1);
	});
}

// ---------------------------------------------------------------------------------------------
// Property: no liquidation step leaves the account with more risk than before

mod risk_reduction {
	use super::*;
	use proptest::prelude::*;

	fn exposure(who: AccountId) -> Vec<(MarketId, i128, u128, u128)> {
		Accounts::<Test>::get(acct(who, 0))
			.iter()
			.map(|e| (e.market, e.quantity, e.resting_buy, e.resting_sell))
			.collect()
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(48))]
		#[test]
		fn no_liquidation_step_adds_risk(
			collateral in 300u128..3_000,
			size in 20u128..300,
			long in any::<bool>(),
			resting in 0u128..60,
			depth in proptest::collection::vec((1u32..4_000, 1u128..120), 0..4),
			fund in 0u128..1_500,
			move_pct in 2u32..30,
		) {
			build_and_execute(|| {
				deposit(ALICE, 100_000, 0);
				deposit(BOB, collateral, 0);
				let (bob_side, alice_side) =
					if long { (Side::Buy, Side::Sell) } else { (Side::Sell, Side::Buy) };
				assert_ok!(place(ALICE, 0, order(alice_side, 50_000, size)));
				let opened = place(BOB, 0, order(bob_side, 50_000, size)).is_ok();
				assert_ok!(Orderbook::cancel_all(RuntimeOrigin::signed(ALICE), BTC_PERP, 0));
				if !opened {
					return Ok(());
				}
				// A resting order away from the market adds to Bob's worst case.
				if resting > 0 {
					let _ = place(BOB, 0, order(bob_side, if long { 45_000 } else { 55_000 }, resting));
				}
				if fund > 0 {
					assert_ok!(Vaults::do_deposit(&ALICE, &Margin::insurance_account(), 0, fund * USD_UNIT));
				}
				let price = if long { 50_000 * (100 - move_pct) / 100 } else { 50_000 * (100 + move_pct) / 100 };
				TestPrices::set("BTC", Some(price));
				// Charlie quotes on the side Bob must close into, up to 4,000 away.
				deposit(CHARLIE, 200_000, 0);
				for (offset, qty) in depth {
					let (side, at) =
						if long { (Side::Buy, price - offset) } else { (Side::Sell, price + offset) };
					let _ = place(CHARLIE, 0, order(side, at, qty));
				}
				for _ in 0..10 {
					let before = Margin::account_health(&acct(BOB, 0)).unwrap();
					if !before.liquidatable {
						break;
					}
					let exposure_before = exposure(BOB);
					prop_assert!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)).is_ok());
					let after = Margin::account_health(&acct(BOB, 0)).unwrap();
					prop_assert!(after.maintenance <= before.maintenance,
						"maintenance rose: {} → {}", before.maintenance, after.maintenance);
					prop_assert!(after.initial <= before.initial,
						"initial rose: {} → {}", before.initial, after.initial);
					for (market, size_after, buy_after, sell_after) in exposure(BOB) {
						let (_, size_before, buy_before, sell_before) = exposure_before
							.iter()
							.copied()
							.find(|e| e.0 == market)
							.unwrap_or((market, 0, 0, 0));
						prop_assert!(size_after.unsigned_abs() <= size_before.unsigned_abs());
						prop_assert!(size_after == 0 || (size_after > 0) == (size_before > 0),
							"the position flipped: {} → {}", size_before, size_after);
						prop_assert!(buy_after <= buy_before && sell_after <= sell_before);
					}
					check();
				}
				Ok(())
			})?;
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Attacks on solvency (the hardening audit): each walks the attack and asserts the promise.

const EVE: AccountId = 7;

fn reduce_only(mut o: OrderRequest) -> OrderRequest {
	o.reduce_only = true;
	o
}

fn fund(who: AccountId, usd: u128) {
	use polkadot_sdk::frame_support::traits::fungibles::Mutate;
	assert_ok!(Assets::mint_into(USD, &who, usd * USD_UNIT));
}

fn book_events() -> Vec<orderbook::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Orderbook(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// Audit 1: a trader with 600 USD and a 0.1 BTC long sells it reduce-only at 1 USD into an
/// accomplice's bid. Before the fix he ended at about −4,400 USD with no position and the
/// accomplice withdrew the 5,000. Now the order's loss against the mark counts like any
/// order's: a risk-reducing order may not take equity below maintenance.
#[test]
fn a_reduce_only_dump_into_an_accomplice_is_refused() {
	build_and_execute(|| {
		levered_long();
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 1, 100)));
		// Reduce-only, plain, and in a reduce-only market: the same rule, the same refusal.
		assert_noop!(
			place(BOB, 0, reduce_only(order(Side::Sell, 1, 100))),
			Error::<Test>::InsufficientMargin
		);
		assert_noop!(place(BOB, 0, order(Side::Sell, 1, 100)), Error::<Test>::InsufficientMargin);
		let mut config = orderbook::Markets::<Test>::get(BTC_PERP).unwrap().config;
		config.status = orderbook::MarketStatus::ReduceOnly;
		orderbook::Markets::<Test>::mutate(BTC_PERP, |m| m.as_mut().unwrap().config = config);
		assert_noop!(
			place(BOB, 0, reduce_only(order(Side::Sell, 1, 100))),
			Error::<Test>::InsufficientMargin
		);
		config.status = orderbook::MarketStatus::Active;
		orderbook::Markets::<Test>::mutate(BTC_PERP, |m| m.as_mut().unwrap().config = config);
		// The line: 597.5 of equity, 250 of maintenance, so a close may lose at most 347.5
		// against the mark: 0.1 BTC at 46,525 or better.
		assert_ok!(orderbook::Pallet::<Test>::cancel_all(
			RuntimeOrigin::signed(CHARLIE),
			BTC_PERP,
			0
		));
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 46_524, 100)));
		assert_noop!(
			place(BOB, 0, reduce_only(order(Side::Sell, 46_524, 100))),
			Error::<Test>::InsufficientMargin
		);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 46_525, 100)));
		assert_ok!(place(BOB, 0, reduce_only(order(Side::Sell, 46_525, 100))));
		// Bob is flat and still solvent: 597.5 − 347.5 − the 2.33 taker fee.
		assert_eq!(size(BOB, 0), 0);
		assert_eq!(settlement(BOB, 0), 250_000_000 - 2_326_250);
		// Nobody is owed more than the vault holds: a flat honest trader takes all of hers.
		fund(DAVE, 1_000);
		deposit(DAVE, 1_000, 0);
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(DAVE), 0, 1_000 * USD_UNIT, 0));
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(BOB), 0, 247_673_750, 0));
		assert_eq!(TotalBadDebt::<Test>::get(), 0);
		check();
	});
}

/// Audit 2: five reduce-only sells of 0.1 against a 0.1 long ended as a 0.4 short with no
/// margin. Now resting reduce-only size never exceeds the position: refused at placement,
/// held back at fill time, and shrunk or cancelled when the position shrinks.
#[test]
fn stacked_reduce_only_orders_never_open_a_position() {
	build_and_execute(|| {
		levered_long();
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(BOB, 0, reduce_only(order(Side::Sell, 60_000, 100))));
		for price in [60_001, 60_002, 60_003, 60_004] {
			assert_noop!(
				place(BOB, 0, reduce_only(order(Side::Sell, price, 100))),
				orderbook::Error::<Test>::ReduceOnlyViolated
			);
		}
		// Even split into smaller pieces: 0.1 rests already.
		assert_noop!(
			place(BOB, 0, reduce_only(order(Side::Sell, 60_001, 1))),
			orderbook::Error::<Test>::ReduceOnlyViolated
		);

		// At fill time: a plain sell below it closes the position first; the reduce-only
		// order then has no room and leaves the book instead of opening a short.
		assert_ok!(place(BOB, 0, order(Side::Sell, 59_000, 100)));
		System::reset_events();
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 61_000, 200)));
		assert_eq!(size(BOB, 0), 0);
		assert_eq!(size(CHARLIE, 0), 100);
		assert!(book_events().iter().any(|e| matches!(
			e,
			orderbook::Event::OrderCancelled {
				account,
				remaining: 100,
				reason: orderbook::CancelReason::ReduceOnly,
				..
			} if *account == acct(BOB, 0)
		)));
		assert!(orderbook::Pallet::<Test>::open_orders(BTC_PERP, &acct(BOB, 0)).is_empty());
		check();
	});
}

/// Audit 2, the other path: the position shrinks by the owner's own taker order; the resting
/// reduce-only order shrinks with it (keeping its place) and margin counts the new size.
#[test]
fn a_reduce_only_order_shrinks_with_the_position() {
	build_and_execute(|| {
		levered_long();
		deposit(CHARLIE, 10_000, 0);
		let id = {
			assert_ok!(place(BOB, 0, reduce_only(order(Side::Sell, 60_000, 100))));
			orderbook::Pallet::<Test>::open_orders(BTC_PERP, &acct(BOB, 0))[0].id
		};
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 50_000, 40)));
		System::reset_events();
		assert_ok!(place(BOB, 0, order(Side::Sell, 50_000, 40)));
		assert_eq!(size(BOB, 0), 60);
		assert!(book_events().contains(&orderbook::Event::OrderReduced {
			market: BTC_PERP,
			order_id: id,
			account: acct(BOB, 0),
			remaining: 60,
		}));
		assert_eq!(
			orderbook::Pallet::<Test>::open_orders(BTC_PERP, &acct(BOB, 0))[0].remaining,
			60
		);
		assert_eq!(Accounts::<Test>::get(acct(BOB, 0))[0].resting_sell, 60);
		check();
	});
}

/// Audit 3: after the mark falls 50,000 → 40,000 a sub-account whose bid still rests at
/// 50,000 could withdraw down to 10% of 4,000; the owner's other sub-account then hit the
/// stale bid and the insurance fund paid the hole. Now the bid's loss against the mark at its
/// own price is part of what must stay.
#[test]
fn a_stale_bid_cannot_be_emptied_and_then_hit_by_a_sister_account() {
	build_and_execute(|| {
		deposit(BOB, 2_000, 0);
		deposit(BOB, 10_000, 1);
		assert_ok!(place(BOB, 0, order(Side::Buy, 50_000, 100)));
		TestPrices::set("BTC", Some(40_000));
		// 400 of initial margin on the worst case, plus 1,000 the bid loses if it fills now.
		let health = Margin::account_health(&acct(BOB, 0)).unwrap();
		assert_eq!(health.initial, 1_400 * USD_UNIT);
		assert_eq!(health.maintenance, 0, "an order alone cannot be liquidated");
		assert_noop!(
			Vaults::withdraw(RuntimeOrigin::signed(BOB), 0, 600 * USD_UNIT + 1, 0),
			Error::<Test>::InsufficientMargin
		);
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(BOB), 0, 600 * USD_UNIT, 0));
		// More orders must leave room for it too.
		assert_noop!(place(BOB, 0, order(Side::Buy, 39_000, 1)), Error::<Test>::InsufficientMargin);
		// The sister account hits the stale bid: sub-account 0 is long at 50,000 with the
		// mark at 40,000 and still solvent, above maintenance; nothing is owed to anyone.
		assert_ok!(place(BOB, 1, order(Side::Sell, 50_000, 100)));
		let health = Margin::account_health(&acct(BOB, 0)).unwrap();
		assert_eq!(health.equity, 400 * USD_UNIT as i128 - 1_000_000);
		assert!(!health.liquidatable);
		assert_eq!(TotalBadDebt::<Test>::get(), 0);
		check();
	});
}

/// Audit 4: deleveraging handed a bankrupt long to a healthy short at the bankruptcy price
/// whatever the short's own equity: a short opened at 38,000 on 380 USD ended at −223 USD
/// with no position and no recorded debt. Now no counterparty goes below zero: it takes what
/// its equity can pay, the next candidate the rest.
#[test]
fn deleveraging_never_takes_a_counterparty_below_zero() {
	build_and_execute(|| {
		levered_long();
		// After a fall to 38,000 (nobody liquidated Bob yet) Eve shorts 0.1 on 381 USD and
		// Charlie 0.05 on 10,000; Alice buys her short back from Eve, Dave buys Charlie's.
		TestPrices::set("BTC", Some(38_000));
		fund(EVE, 1_000);
		fund(DAVE, 10_000);
		deposit(EVE, 381, 0);
		deposit(CHARLIE, 10_000, 0);
		deposit(DAVE, 10_000, 0);
		assert_ok!(place(EVE, 0, order(Side::Sell, 38_000, 100)));
		assert_ok!(place(CHARLIE, 0, order(Side::Sell, 38_000, 50)));
		assert_ok!(place(ALICE, 0, order(Side::Buy, 38_000, 100)));
		assert_ok!(place(DAVE, 0, order(Side::Buy, 38_000, 50)));
		assert_eq!((size(ALICE, 0), size(EVE, 0), size(CHARLIE, 0)), (0, -100, -50));
		TestPrices::set("BTC", Some(37_900));
		let everyone = || -> i128 {
			[ALICE, BOB, CHARLIE, DAVE, EVE, KEEPER]
				.iter()
				.map(|w| settlement(*w, 0))
				.chain(
					[
						Margin::clearing_account(),
						Margin::fee_account(),
						Margin::insurance_account(),
					]
					.iter()
					.map(|a| Vaults::balance_of(a, 0)),
				)
				.sum()
		};
		let total_cash = everyone();
		// Eve (leverage ~9.7) ranks before Charlie (~0.19), both 0.26% in profit.
		let queue = Margin::adl_queue(BTC_PERP, false, 10);
		assert_eq!(queue.iter().map(|(a, _)| a.owner).collect::<Vec<_>>(), vec![EVE, CHARLIE]);
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		// Only the deleveraging advances (`on_idle` would also sweep liquidations).
		while Deleveraging::<Test>::get(BTC_PERP).is_some() {
			assert_ok!(Margin::deleverage(RuntimeOrigin::signed(KEEPER), BTC_PERP, 3));
		}
		// The hand-over at 44,025 costs a taker 6,125 per BTC against the 37,900 mark. Eve's
		// 390.24 of equity pays that for 0.063 BTC (not the 0.1 that took her to −223);
		// Charlie takes the other 0.037.
		let handed: Vec<(AccountId, u128)> = deleveraging_events()
			.iter()
			.filter_map(|e| match e {
				Event::Deleveraged { account, quantity, .. } => Some((account.owner, *quantity)),
				_ => None,
			})
			.collect();
		assert_eq!(handed, vec![(EVE, 63), (CHARLIE, 37)]);
		let eve = Margin::account_health(&acct(EVE, 0)).unwrap();
		assert!(eve.equity >= 0, "Eve was taken below zero: {}", eve.equity);
		assert_eq!((size(EVE, 0), size(CHARLIE, 0)), (-37, -13));
		assert!(Accounts::<Test>::get(Margin::insurance_account()).is_empty());
		// Left with almost nothing, Eve is liquidatable like any thin account — but solvent.
		assert!(eve.liquidatable);
		assert_eq!(everyone(), total_cash, "deleveraging moves value, it creates none");
		assert_eq!(TotalBadDebt::<Test>::get(), 0);
		check();
	});
}

/// Audit 5: the inventory's side was inverted, so a second bankrupt long during a pending
/// deleveraging skipped it and left bad debt that froze every settlement withdrawal. Now it
/// joins the same inventory at its own bankruptcy price.
#[test]
fn a_second_bankrupt_long_joins_the_pending_deleveraging() {
	build_and_execute(|| {
		fund(DAVE, 1_000);
		deposit(ALICE, 10_000, 0);
		deposit(BOB, 600, 0);
		deposit(CHARLIE, 1_000, 0);
		deposit(DAVE, 600, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Sell, 50_000, 80)));
		assert_ok!(place(ALICE, 0, order(Side::Sell, 50_000, 120)));
		assert_ok!(place(BOB, 0, order(Side::Buy, 50_000, 100)));
		assert_ok!(place(DAVE, 0, order(Side::Buy, 50_000, 100)));
		TestPrices::set("BTC", Some(40_000));
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		assert_eq!(Deleveraging::<Test>::get(BTC_PERP).unwrap().quantity, 100);
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(DAVE, 0)));
		assert!(deleveraging_events().contains(&Event::DeleveragingQueued {
			market: BTC_PERP,
			account: acct(DAVE, 0),
			quantity: 100,
			price: FixedU128::from_u32(44_025),
		}));
		assert_eq!(Deleveraging::<Test>::get(BTC_PERP).unwrap().quantity, 200);
		assert_eq!(TotalBadDebt::<Test>::get(), 0);
		assert_eq!((size(BOB, 0), size(DAVE, 0)), (0, 0));
		// Both are handed on to the shorts; withdrawals reopen.
		for block in 2..8 {
			Margin::on_idle(block, polkadot_sdk::frame_support::weights::Weight::MAX);
		}
		assert!(Deleveraging::<Test>::get(BTC_PERP).is_none());
		assert_eq!((size(CHARLIE, 0), size(ALICE, 0)), (0, 0));
		assert!(Accounts::<Test>::get(Margin::insurance_account()).is_empty());
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(ALICE), 0, USD_UNIT, 0));
		check();
	});
}

/// Audit 20: without a mark price a plain order that only reduces risk passes like a
/// reduce-only one — at a price that realises no loss (the entry price or better) — and
/// nothing that adds exposure or sells below entry does.
#[test]
fn without_a_price_reducing_orders_pass_at_no_loss_only() {
	build_and_execute(|| {
		open_trade();
		TestPrices::set("BTC", None);
		assert_ok!(place(BOB, 0, order(Side::Sell, 50_000, 50)));
		assert_noop!(place(BOB, 0, order(Side::Sell, 49_999, 10)), Error::<Test>::PriceUnavailable);
		// With 0.05 resting, only 0.05 more may rest on the reducing side.
		assert_noop!(place(BOB, 0, order(Side::Sell, 50_000, 51)), Error::<Test>::PriceUnavailable);
		assert_ok!(place(BOB, 0, reduce_only(order(Side::Sell, 51_000, 50))));
		assert_noop!(place(BOB, 0, order(Side::Buy, 40_000, 1)), Error::<Test>::PriceUnavailable);
		// Alice's short buys back at or below her entry.
		assert_ok!(place(ALICE, 0, order(Side::Buy, 50_000, 100)));
		assert_eq!((size(ALICE, 0), size(BOB, 0)), (-50, 50));
		check();
	});
}

/// An ETH perpetual as market 1 (same parameters as BTC's), ETH at 2,000.
fn eth_market() -> MarketId {
	let mut config = orderbook::Markets::<Test>::get(BTC_PERP).unwrap().config;
	config.underlying = OracleKey::from_symbol("ETH").unwrap();
	assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), config));
	let mut risk = btc_risk();
	risk.underlying = OracleKey::from_symbol("ETH").unwrap();
	assert_ok!(Margin::do_set_market_risk(1, risk));
	TestPrices::set("ETH", Some(2_000));
	1
}

fn place_in(market: MarketId, who: AccountId, o: OrderRequest) -> Result<(), DispatchError> {
	Orderbook::place_order(RuntimeOrigin::signed(who), market, 0, o)
		.map(|_| ())
		.map_err(|e| e.error)
}

/// Audit 6: a 1-lot bid in a side market whose oracle went stale made `liquidate` and the
/// sweep fail with `PriceUnavailable`, shielding the whole account. Now the bid counts for
/// nothing (liquidation cancels it) and the priced position is liquidated.
#[test]
fn a_bid_in_an_unpriced_market_does_not_shield_an_account() {
	build_and_execute(|| {
		levered_long();
		let eth = eth_market();
		assert_ok!(place_in(eth, BOB, order(Side::Buy, 1_000, 1)));
		TestPrices::set("ETH", None);
		TestPrices::set("BTC", Some(46_000));
		assert_noop!(
			Vaults::withdraw(RuntimeOrigin::signed(BOB), 0, USD_UNIT, 0),
			Error::<Test>::PriceUnavailable
		);
		// The keeper's call and the sweep both reach him.
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		assert!(matches!(
			liquidated_events().first(),
			Some(Event::Liquidated { market: BTC_PERP, by_backstop: 50, .. })
		));
		assert!(orderbook::Pallet::<Test>::open_orders(eth, &acct(BOB, 0)).is_empty());
		assert_eq!(size(BOB, 0), 50);
		check();
	});
}

/// Audit 6, with a position: Bob's small ETH long has no price; it is valued as if worth
/// nothing, so Bob is liquidated earlier than his BTC alone would say, and only in BTC.
#[test]
fn an_unpriced_position_is_valued_at_its_worst_and_the_priced_ones_are_liquidated() {
	build_and_execute(|| {
		levered_long();
		let eth = eth_market();
		// 0.01 ETH (10 units) at 2,000: 20 USD of cost.
		assert_ok!(place_in(eth, ALICE, order(Side::Sell, 2_000, 10)));
		assert_ok!(place_in(eth, BOB, order(Side::Buy, 2_000, 10)));
		let cash = settlement(BOB, 0);
		TestPrices::set("ETH", None);
		// BTC at 46,400: with ETH at cost Bob would have 597.5 − 0.01 − 360 = 237.49 of equity
		// against 232 of maintenance (safe); with ETH worth nothing 217.49 (liquidatable).
		TestPrices::set("BTC", Some(46_400));
		let health = Margin::liquidation_health(&acct(BOB, 0)).unwrap();
		assert_eq!(health.equity, cash - 360 * USD_UNIT as i128 - 20 * USD_UNIT as i128);
		assert_eq!(health.maintenance, 232 * USD_UNIT);
		assert!(health.is_liquidatable());
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		assert!(size(BOB, 0) < 100, "BTC was reduced");
		assert_eq!(
			<Margin as clearinghouse_primitives::OrderMarginCheck<AccountId>>::position(
				&acct(BOB, 0),
				eth
			),
			10,
			"the unpriced ETH waits for its price"
		);
		check();
	});
}

/// Audit 6, the limit: when every position is unpriced nothing can be closed; the call says
/// so instead of pretending the account is healthy.
#[test]
fn an_account_with_only_unpriced_positions_waits_for_a_price() {
	build_and_execute(|| {
		levered_long();
		TestPrices::set("BTC", None);
		// Worth nothing, Bob's long leaves 597.5 − 5,000 of equity: liquidatable, but nothing
		// can trade without a price.
		assert!(Margin::liquidation_health(&acct(BOB, 0)).unwrap().is_liquidatable());
		assert_noop!(
			Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)),
			Error::<Test>::PriceUnavailable
		);
		check();
	});
}

/// Audit 7: a liquidation step cancelled every resting order in every market (up to 64 × 64
/// level rewrites, more than a block's proof). Now a step cancels at most
/// `MaxLiquidationCancels` markets' orders (one in the mock) and, with more left, stops there;
/// the next step goes on, and each is within the benchmarked weight.
#[test]
fn a_liquidation_step_cancels_a_bounded_number_of_markets() {
	build_and_execute(|| {
		levered_long();
		let eth = eth_market();
		assert_ok!(place(BOB, 0, order(Side::Sell, 60_000, 10)));
		assert_ok!(place_in(eth, BOB, order(Side::Buy, 1_000, 1)));
		TestPrices::set("BTC", Some(46_000));
		System::reset_events();
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		// The first step cleared BTC's orders only, and closed nothing.
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::Margin(Event::LiquidationOrdersCancelled {
				account: acct(BOB, 0),
				markets: 1,
			})));
		assert!(liquidated_events().is_empty());
		assert!(orderbook::Pallet::<Test>::open_orders(BTC_PERP, &acct(BOB, 0)).is_empty());
		assert_eq!(orderbook::Pallet::<Test>::open_orders(eth, &acct(BOB, 0)).len(), 1);
		assert_eq!(size(BOB, 0), 100);
		// The second clears ETH's and liquidates.
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		assert!(orderbook::Pallet::<Test>::open_orders(eth, &acct(BOB, 0)).is_empty());
		assert!(matches!(
			liquidated_events().first(),
			Some(Event::Liquidated { market: BTC_PERP, by_backstop: 50, .. })
		));
		check();
	});
}

/// Audit 9: after an oracle outage the first sample charged the whole gap (15 periods) at the
/// premium of the instant the price returned; enabling funding on an old market did the same.
/// Now one sample charges at most two sample intervals, and enabling funding starts its clock.
#[test]
fn funding_after_an_outage_or_late_enabling_charges_no_unobserved_time() {
	build_and_execute(|| {
		open_trade();
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 50_400, 1)));
		assert_ok!(place(CHARLIE, 0, order(Side::Sell, 50_600, 1)));
		TestPrices::set_ema("BTC", 50_500);
		// Fifteen hours without a price, then it returns: at most two hours are charged
		// (62.5 per BTC an hour at the 1% cap), not fifteen.
		TestPrices::set("BTC", None);
		pallet_timestamp::Now::<Test>::put(T0 + 15 * 3_600_000);
		next_block();
		assert_eq!(Margin::market_state(BTC_PERP).funding_index, FixedI128::from_inner(0));
		TestPrices::set("BTC", Some(50_000));
		TestPrices::set_ema("BTC", 50_500);
		next_block();
		assert_eq!(Margin::market_state(BTC_PERP).funding_index, FixedI128::from_u32(125));

		// A market listed without funding, switched on 30 days later: its first sample an
		// hour after that charges one hour.
		let mut risk = btc_risk();
		let funding = risk.funding.take();
		let eth = {
			let mut config = orderbook::Markets::<Test>::get(BTC_PERP).unwrap().config;
			config.underlying = OracleKey::from_symbol("ETH").unwrap();
			assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), config));
			1
		};
		risk.underlying = OracleKey::from_symbol("ETH").unwrap();
		TestPrices::set("ETH", Some(2_000));
		TestPrices::set_ema("ETH", 2_020);
		assert_ok!(Margin::set_market_risk(RuntimeOrigin::root(), eth, risk));
		// Book mid and EMA 1% over the index.
		assert_ok!(place_in(eth, CHARLIE, order(Side::Buy, 2_010, 1)));
		assert_ok!(place_in(eth, CHARLIE, order(Side::Sell, 2_030, 1)));
		let later = T0 + 15 * 3_600_000 + 30 * 24 * 3_600_000;
		pallet_timestamp::Now::<Test>::put(later);
		risk.funding = funding;
		assert_ok!(Margin::set_market_risk(RuntimeOrigin::root(), eth, risk));
		assert_eq!(Margin::market_state(eth).funding_at, later);
		pallet_timestamp::Now::<Test>::put(later + 3_600_000);
		TestPrices::set("BTC", Some(50_000));
		next_block();
		// One hour at the 1% cap of 2,000 over 8 h: 2.5 per ETH.
		assert_eq!(Margin::market_state(eth).funding_index, FixedI128::from_rational(5, 2));
		check();
	});
}

/// The cross-pallet invariant that would have caught audit item 1: an account left owing
/// with no position and nothing recorded. (Breaks it on purpose: not `build_and_execute`.)
#[test]
#[should_panic(expected = "with no position and only 0 recorded")]
fn check_all_catches_an_unrecorded_deficit() {
	use clearinghouse_primitives::collateral::CollateralLedger;
	new_test_ext().execute_with(|| {
		deposit(BOB, 100, 0);
		check_all();
		<Vaults as CollateralLedger<AccountId>>::transfer_settlement(
			&acct(BOB, 0),
			&acct(ALICE, 0),
			200 * USD_UNIT,
			SettlementReason::Pnl,
		)
		.unwrap();
		check_all();
	});
}

/// Audit 17: with a collateral's price stale, a withdrawal failed with `InsufficientMargin`
/// and the health API dropped that collateral's value without a word. Now the error says the
/// collateral is unpriced, and the API counts it; an unpriced market is named too instead of
/// the whole response disappearing.
#[test]
fn unpriced_collateral_and_markets_are_named_not_hidden() {
	use polkadot_sdk::frame_support::traits::fungibles::{Create, Mutate};
	build_and_execute(|| {
		// Wrapped BTC (8 decimals, 10% haircut) as collateral 1, priced by "WBTC".
		assert_ok!(<Assets as Create<AccountId>>::create(2, 99, true, 1));
		assert_ok!(Assets::mint_into(2, &BOB, 100_000_000));
		assert_ok!(Vaults::register_collateral(
			RuntimeOrigin::root(),
			polkadot_sdk::frame_support::traits::fungible::NativeOrWithId::WithId(2),
			pallet_clearinghouse_vaults::CollateralConfig {
				oracle_key: OracleKey::from_symbol("WBTC").unwrap(),
				decimals: 8,
				haircut: Permill::from_percent(10),
				deposit_cap: u128::MAX / 4,
				account_cap: u128::MAX / 8,
				status: pallet_clearinghouse_vaults::CollateralStatus::Active,
			}
		));
		TestPrices::set("WBTC", Some(50_000));
		assert_ok!(Vaults::deposit(RuntimeOrigin::signed(BOB), 1, 10_000_000, 0));
		deposit(BOB, 100, 0);
		deposit(ALICE, 10_000, 0);
		assert_ok!(place(ALICE, 0, order(Side::Sell, 50_000, 100)));
		assert_ok!(place(BOB, 0, order(Side::Buy, 50_000, 100)));
		// 0.1 WBTC at 50,000 less 10%: 4,500 of Bob's 4,597.5.
		assert_eq!(Margin::account_health(&acct(BOB, 0)).unwrap().equity, 4_597_500_000);

		TestPrices::set("WBTC", None);
		let health = Margin::account_health(&acct(BOB, 0)).unwrap();
		assert_eq!((health.equity, health.unpriced_collaterals), (97_500_000, 1));
		assert_noop!(
			Vaults::withdraw(RuntimeOrigin::signed(BOB), 0, USD_UNIT, 0),
			Error::<Test>::CollateralUnpriced
		);
		assert_noop!(
			place(BOB, 0, order(Side::Buy, 50_000, 10)),
			Error::<Test>::CollateralUnpriced
		);
		TestPrices::set("WBTC", Some(50_000));
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(BOB), 0, USD_UNIT, 0));

		// Without a BTC price the API still answers, naming the market and valuing the
		// position as liquidation does (as if it had lost its 5,000 of cost).
		TestPrices::set("BTC", None);
		let health = Margin::account_health(&acct(BOB, 0)).unwrap();
		assert_eq!(health.unpriced_markets, vec![BTC_PERP]);
		assert!(health.positions.is_empty());
		assert_eq!(health.equity, 4_596_500_000 - 5_000_000_000);
		TestPrices::set("BTC", Some(50_000));
	});
}

/// Audit 18: a liquidation step sized its close as if closing at mark, but the book part
/// traded below the mark and paid a taker fee, so the step stopped short of its target
/// (1.5 × maintenance). Now what is left is sized again after the book part and the backstop
/// takes the difference at mark.
#[test]
fn a_liquidation_step_reaches_its_target_when_the_book_trades_below_the_mark() {
	build_and_execute(|| {
		levered_long();
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 45_500, 100)));
		TestPrices::set("BTC", Some(46_000));
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		let Some(Event::Liquidated { by_book, by_backstop, .. }) =
			liquidated_events().first().cloned()
		else {
			panic!("no liquidation")
		};
		// Half went into the book (25 + 1.14 of slippage and fee the at-mark sizing did not
		// see); the backstop took enough more to make up for it.
		assert_eq!(by_book, 50);
		assert!(by_backstop > 0);
		let health = Margin::account_health(&acct(BOB, 0)).unwrap();
		assert!(
			health.equity >= (health.maintenance + health.maintenance / 2) as i128,
			"{} < 1.5 × {}",
			health.equity,
			health.maintenance
		);
	});
}

/// Audit 12: the insurance account never gave back what it took over as the backstop, so at
/// `MaxPositions` markets every further backstop failed. Now idle blocks offer each of its
/// positions to the book, no worse than the liquidation penalty (1%) from the mark.
#[test]
fn the_fund_unwinds_its_backstop_positions_into_the_book() {
	build_and_execute(|| {
		levered_long();
		TestPrices::set("BTC", Some(46_000));
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		let fund = Margin::insurance_account();
		assert_eq!(size(fund.owner, fund.sub), 50);
		// A bid 2% under the mark is beyond the band: nothing trades.
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 45_080, 50)));
		Margin::on_idle(2, polkadot_sdk::frame_support::weights::Weight::MAX);
		assert_eq!(size(fund.owner, fund.sub), 50);
		// One within 1%: the fund sells its 0.05 into it and holds nothing any more.
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 45_600, 50)));
		System::reset_events();
		Margin::on_idle(3, polkadot_sdk::frame_support::weights::Weight::MAX);
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::Margin(Event::FundUnwound { market: BTC_PERP, size: 50, left: 0 })));
		assert_eq!(size(fund.owner, fund.sub), 0);
		assert_eq!(size(CHARLIE, 0), 50);
	});
}

/// Found by the stress replay (`scripts/stress`: the LUNA/UST and JELLY-squeeze scenarios
/// ended with the insurance fund millions below zero): the fund takes a bankrupt position over
/// at mark while it can bear the loss, then the market keeps going and its inventory loses more
/// than it holds. `unwind_fund` offers it to the book only within the penalty of the mark
/// (nobody bids in a crash), and a new bankruptcy's deleveraging does not touch it. The fund is
/// then bankrupt itself: its inventory goes to the profitable opposite side at the price that
/// leaves it at zero.
fn underwater_fund() -> MarginAccount<AccountId> {
	levered_long();
	TestPrices::set("BTC", Some(46_000));
	assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
	// Bob sells the rest of his long to Charlie (well funded): only the fund is left holding
	// what it took over.
	deposit(CHARLIE, 10_000, 0);
	assert_ok!(place(CHARLIE, 0, order(Side::Buy, 46_000, 50)));
	assert_ok!(place(BOB, 0, order(Side::Sell, 46_000, 50)));
	let fund = Margin::insurance_account();
	assert_eq!(size(BOB, 0), 0);
	assert_eq!(size(fund.owner, fund.sub), 50, "the fund took the rest over at mark");
	assert!(Deleveraging::<Test>::get(BTC_PERP).is_none());
	// BTC falls to 20,000 and nobody bids: the fund's 0.05 BTC lose 1,300 USD, far more than it
	// holds. No account is bankrupt but the fund.
	TestPrices::set("BTC", Some(20_000));
	fund
}

#[test]
fn an_underwater_fund_hands_its_inventory_to_deleveraging() {
	build_and_execute(|| {
		let fund = underwater_fund();
		let cash = Margin::fund_cash();
		let deficit = Margin::fund_equity().unwrap();
		// Its cash less the 0.05 BTC's loss: 46,000 → 20,000.
		assert_eq!(deficit, cash - 1_300 * USD_UNIT as i128);
		assert!(deficit < 0);
		let (alice_before, total_cash) = (settlement(ALICE, 0), cash_of_everyone());
		System::reset_events();

		Margin::on_idle(2, polkadot_sdk::frame_support::weights::Weight::MAX);
		// Its mark value (1,000 USD) plus the deficit: the fund sells at 45,755.54.
		let notional = 1_000 * USD_UNIT + deficit.unsigned_abs();
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::Margin(Event::FundDeficitQueued {
				market: BTC_PERP,
				quantity: 50,
				deficit: deficit.unsigned_abs(),
				notional,
			})));
		for block in 3..10 {
			if Deleveraging::<Test>::get(BTC_PERP).is_none() {
				break;
			}
			Margin::on_idle(block, polkadot_sdk::frame_support::weights::Weight::MAX);
			check();
		}
		// Alice, short 0.1 from 50,000 and the only profitable short, bought the 0.05 back at
		// the fund's price: 2,500 USD of entry for `notional`.
		assert!(Deleveraging::<Test>::get(BTC_PERP).is_none());
		assert_eq!(
			deleveraging_events().last(),
			Some(&Event::DeleveragingFinished { market: BTC_PERP, unfilled: 0 })
		);
		assert!(deleveraging_events().contains(&Event::Deleveraged {
			account: acct(ALICE, 0),
			market: BTC_PERP,
			quantity: 50,
			notional,
		}));
		assert_eq!(size(ALICE, 0), -50);
		assert_eq!(size(fund.owner, fund.sub), 0);
		assert_eq!(settlement(ALICE, 0), alice_before + (2_500 * USD_UNIT - notional) as i128);
		// The fund is flat at exactly zero, and no money was made or lost.
		assert_eq!(Margin::fund_cash(), 0);
		assert_eq!(Margin::fund_equity(), Some(0));
		assert_eq!(cash_of_everyone(), total_cash);
		assert_eq!(TotalBadDebt::<Test>::get(), 0);
		// Solvent again: a further check has nothing to do.
		assert_noop!(
			Margin::deleverage_fund(RuntimeOrigin::signed(KEEPER)),
			Error::<Test>::FundNotInDeficit
		);
		check();
	});
}

/// Blocks are full (no `on_idle`): a keeper's `deleverage_fund` queues the deficit and its
/// `deleverage` calls hand it on. Meanwhile the profitable short that will pay it cannot take
/// its profit out first (withdrawing it would leave the deficit to nobody).
#[test]
fn a_keeper_hands_the_fund_deficit_on_and_the_short_cannot_run_with_its_profit() {
	build_and_execute(|| {
		let fund = underwater_fund();
		let post = Margin::deleverage_fund(RuntimeOrigin::signed(KEEPER)).unwrap();
		assert_eq!(post.pays_fee, polkadot_sdk::frame_support::dispatch::Pays::No);
		assert!(Deleveraging::<Test>::get(BTC_PERP).is_some());
		// Queued once: a second call waits for it.
		assert_noop!(
			Margin::deleverage_fund(RuntimeOrigin::signed(KEEPER)),
			Error::<Test>::DeleveragingUnderway
		);
		// Alice (the short) tries to withdraw her profit before the deleveraging reaches her.
		let alice_cash = settlement(ALICE, 0);
		assert_noop!(
			Vaults::withdraw(RuntimeOrigin::signed(ALICE), 0, USD_UNIT, 0),
			Error::<Test>::DeleveragingPending
		);
		// Charlie holds the losing side: he is not a counterparty and withdraws as usual.
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(CHARLIE), 0, USD_UNIT, 0));
		let mut calls = 0;
		while Deleveraging::<Test>::get(BTC_PERP).is_some() {
			assert_ok!(Margin::deleverage(RuntimeOrigin::signed(KEEPER), BTC_PERP, 3));
			calls += 1;
			assert!(calls <= 4, "a bounded number of calls finishes it");
		}
		assert_eq!(size(fund.owner, fund.sub), 0);
		assert_eq!(Margin::fund_equity(), Some(0));
		assert!(settlement(ALICE, 0) < alice_cash + 1_500 * USD_UNIT as i128);
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(ALICE), 0, USD_UNIT, 0));
		check();
	});
}

#[test]
fn the_fund_deficit_check_refuses_a_solvent_fund_and_an_unpriced_one() {
	build_and_execute(|| {
		// Nothing held: the fund's equity is its cash.
		assert_noop!(
			Margin::deleverage_fund(RuntimeOrigin::signed(KEEPER)),
			Error::<Test>::FundNotInDeficit
		);
		underwater_fund();
		// At 46,000 again the inventory is worth what it cost: no deficit.
		TestPrices::set("BTC", Some(46_000));
		assert_noop!(
			Margin::deleverage_fund(RuntimeOrigin::signed(KEEPER)),
			Error::<Test>::FundNotInDeficit
		);
		// No price: no deleveraging off an estimate, and `on_idle` leaves it too.
		TestPrices::set("BTC", None);
		assert_noop!(
			Margin::deleverage_fund(RuntimeOrigin::signed(KEEPER)),
			Error::<Test>::PriceUnavailable
		);
		Margin::on_idle(2, polkadot_sdk::frame_support::weights::Weight::MAX);
		assert!(Deleveraging::<Test>::get(BTC_PERP).is_none());
		assert_noop!(
			Margin::deleverage_fund(RuntimeOrigin::none()),
			polkadot_sdk::sp_runtime::DispatchError::BadOrigin
		);
		check();
	});
}

/// A fund whose inventory already lost what its cash would pay takes no more at mark: the next
/// bankrupt long in that market goes to deleveraging at its bankruptcy price (it used to go to
/// the backstop because the fund's *cash* covered it, deepening the hole).
#[test]
fn a_fund_whose_inventory_lost_its_cash_deleverages_the_next_bankruptcy() {
	build_and_execute(|| {
		underwater_fund();
		// A donation: the fund's cash (1,512 USD) covers its inventory's 1,300 USD loss.
		assert_ok!(Vaults::do_deposit(&ALICE, &Margin::insurance_account(), 0, 1_500 * USD_UNIT));
		assert!(Margin::fund_equity().unwrap() > 0);
		// A second victim, long 0.1 from 30,000 on 400 USD, is 600 USD past bankrupt at 20,000.
		let (victim, seller) = (150, 250);
		fund(seller, 10_000);
		fund(victim, 400);
		deposit(seller, 10_000, 0);
		deposit(victim, 400, 0);
		TestPrices::set("BTC", Some(30_000));
		assert_ok!(place(seller, 0, order(Side::Sell, 30_000, 100)));
		assert_ok!(place(victim, 0, order(Side::Buy, 30_000, 100)));
		TestPrices::set("BTC", Some(20_000));
		// The fund's cash alone would cover that; what is left of its equity would not.
		assert!(Margin::fund_cash() > 600 * USD_UNIT as i128);
		assert!(Margin::fund_equity().unwrap() < 600 * USD_UNIT as i128);
		System::reset_events();
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(victim, 0)));
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::Margin(Event::Liquidated { by_deleveraging: 100, by_backstop: 0, .. })
		)));
		assert_eq!(Deleveraging::<Test>::get(BTC_PERP).map(|d| d.quantity), Some(100));
		check();
	});
}

/// The idle check costs a read per backstop book while the fund holds nothing (its equity is
/// then its cash: no price can move it), and its metered worst case once it holds inventory.
#[test]
fn the_idle_fund_check_is_cheap_while_the_fund_holds_nothing() {
	build_and_execute(|| {
		use polkadot_sdk::frame_support::weights::Weight;
		let db: polkadot_sdk::frame_support::weights::RuntimeDbWeight =
			<Test as polkadot_sdk::frame_system::Config>::DbWeight::get();
		let books = u64::from(Margin::backstop_books());
		assert_eq!(Margin::check_fund(Weight::MAX), db.reads(1 + books));
		underwater_fund();
		assert_eq!(Margin::check_fund(Weight::MAX), Margin::fund_check_weight());
		assert!(Deleveraging::<Test>::get(BTC_PERP).is_some());
		// Not enough idle weight left for its worst case: it waits for a keeper or the next
		// block, and nothing is written.
		Deleveraging::<Test>::remove(BTC_PERP);
		let short = Margin::fund_check_weight().saturating_sub(Weight::from_parts(1, 0));
		assert_eq!(Margin::check_fund(short), db.reads(1));
		assert!(Deleveraging::<Test>::get(BTC_PERP).is_none());
		check();
	});
}

/// Victim `100 + m` buys 0.1 BTC at 50,000 in market `m` from maker `200 + m`.
fn levered_long_in(market: u32) {
	let (victim, maker) = (100 + u64::from(market), 200 + u64::from(market));
	fund(maker, 10_000);
	fund(victim, 600);
	deposit(maker, 10_000, 0);
	deposit(victim, 600, 0);
	let trade = |who, side| {
		Orderbook::place_order(RuntimeOrigin::signed(who), market, 0, order(side, 50_000, 100))
			.map_err(|e| e.error)
	};
	assert_ok!(trade(maker, Side::Sell));
	assert_ok!(trade(victim, Side::Buy));
}

#[test]
fn the_fund_backstops_in_more_markets_than_one_account_may_hold() {
	build_and_execute(|| {
		// One more market than an account may hold positions in (MaxPositions = 8 here).
		let markets: u32 = <<Test as crate::Config>::MaxPositions as Get<u32>>::get() + 1;
		for market in 1..markets {
			Orderbook::create_market(RuntimeOrigin::root(), btc_market()).unwrap();
			Margin::do_set_market_risk(market, btc_risk()).unwrap();
		}
		for market in 0..markets {
			levered_long_in(market);
		}
		// A crash: every victim is liquidatable and the books hold no bids, so the fund takes
		// half of each position over at mark. With one account for the fund, the ninth
		// backstop failed (`TooManyPositions`) and left that victim open to a growing loss.
		TestPrices::set("BTC", Some(46_000));
		for market in 0..markets {
			let victim = acct(100 + u64::from(market), 0);
			assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), victim));
			assert_eq!(Margin::backstop_size(market), 50, "market {market}");
		}
		let first = Margin::insurance_account();
		let second = Margin::backstop_account(markets - 1).unwrap();
		assert_eq!(second, MarginAccount::new(Margin::account_id(), INSURANCE_SUB + 1));
		assert_eq!(Accounts::<Test>::get(first).len(), 8);
		assert_eq!(Accounts::<Test>::get(second).len(), 1);
		check();

		// The second book unwinds into a bid at 48,000: its 100 USD profit is the fund's cash,
		// counted at once and moved to the insurance account before the fund pays out.
		TestPrices::set("BTC", Some(48_000));
		fund(CHARLIE, 10_000);
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(Orderbook::place_order(
			RuntimeOrigin::signed(CHARLIE),
			markets - 1,
			0,
			order(Side::Buy, 48_000, 50)
		));
		let cash_before = Margin::fund_cash();
		let insurance_before = Vaults::balance_of(&first, 0);
		// The unwind cursor walks the books' markets one a step.
		for block in 2..(2 + markets) {
			Margin::on_idle(u64::from(block), polkadot_sdk::frame_support::weights::Weight::MAX);
		}
		assert_eq!(Margin::backstop_size(markets - 1), 0);
		let profit = 100 * USD_UNIT as i128;
		assert_eq!(Vaults::balance_of(&second, 0), profit);
		assert_eq!(Margin::fund_cash(), cash_before + profit);
		// What the insurance pallet adds to its balance and moves in before a withdrawal.
		use clearinghouse_primitives::collateral::FundBooks;
		assert_eq!(<Margin as FundBooks>::extra_cash(), profit);
		assert_eq!(Margin::consolidate_fund(), Ok(insurance_before + profit));
		assert_eq!(Vaults::balance_of(&second, 0), 0);
		check();
	});
}

/// Audit 12 (ranking): a round's scan valued every account it passed, at most
/// `AdlAccountsPerBlock` (3 here) a block, holder or not. Accounts with nothing on the
/// counter side now cost a read and are not counted: twelve traders busy in another market do
/// not slow the ranking of the two shorts.
#[test]
fn traders_elsewhere_do_not_slow_a_deleveraging_scan() {
	build_and_execute(|| {
		let eth = eth_market();
		for i in 0..6u64 {
			let (seller, buyer) = (300 + 2 * i, 301 + 2 * i);
			for who in [seller, buyer] {
				fund(who, 1_000);
				deposit(who, 1_000, 0);
			}
			assert_ok!(place_in(eth, seller, order(Side::Sell, 2_000, 100)));
			assert_ok!(place_in(eth, buyer, order(Side::Buy, 2_000, 100)));
		}
		bankrupt_long_with_two_shorts();
		TestPrices::set("BTC", Some(40_000));
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(BOB, 0)));
		assert!(Deleveraging::<Test>::get(BTC_PERP).is_some_and(|s| s.scanning));
		// One block ranks: 12 + 4 accounts passed, 2 valued.
		ranks_charlie_then_alice_in_one_block();
		Margin::on_idle(3, polkadot_sdk::frame_support::weights::Weight::MAX);
		assert_eq!(deleveraging_events(), bobs_long_handed_to_charlie_then_alice());
		check();
	});
}

/// Audit 8, through the real margin engine: an evicted dust order stops reserving its
/// owner's margin at once (margin and book agree, `check_all`), and the owner can take its
/// whole deposit out.
#[test]
fn an_evicted_order_releases_its_owners_margin() {
	build_and_execute(|| {
		let levels: u32 = <<Test as orderbook::Config>::MaxLevels as Get<u32>>::get();
		let dust: Vec<AccountId> = (0..u64::from(levels)).map(|i| 400 + i).collect();
		for (i, who) in dust.iter().enumerate() {
			fund(*who, 100);
			deposit(*who, 100, 0);
			assert_ok!(place(*who, 0, order(Side::Buy, 100 + i as u32, 1)));
		}
		let first = dust[0];
		assert_eq!(Accounts::<Test>::get(acct(first, 0))[0].resting_buy, 1);
		// With its bid resting it may not take out everything (the bid's margin is held).
		assert!(try_withdraw(first, 100 * USD_UNIT).is_err());
		deposit(ALICE, 10_000, 0);
		assert_ok!(place(ALICE, 0, order(Side::Buy, 40_000, 10)));
		assert!(book_events().iter().any(|e| matches!(
			e,
			orderbook::Event::OrderCancelled { account, reason: orderbook::CancelReason::Evicted, .. }
				if *account == acct(first, 0)
		)));
		assert!(Accounts::<Test>::get(acct(first, 0)).is_empty());
		assert_ok!(try_withdraw(first, 100 * USD_UNIT));
		check();
	});
}

// ---------------------------------------------------------------------------------------------
// Settlement prices of dated markets

/// A BTC future expiring `expiry`, listed in the book and configured here (no funding).
fn btc_future(expiry: u64) -> u32 {
	let config =
		orderbook::MarketConfig { kind: orderbook::MarketKind::Future { expiry }, ..btc_market() };
	assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), config));
	let market = orderbook::Markets::<Test>::count() - 1;
	assert_ok!(Margin::do_set_market_risk(market, RiskParams { funding: None, ..btc_risk() }));
	market
}

/// Move the clock to `at` and run the block's `on_initialize`.
fn block_at(at: u64) {
	pallet_timestamp::Now::<Test>::put(at);
	next_block();
}

/// The index at `price` (whole USD) through the whole settlement window before `expiry`, and
/// the blocks that sample it: the window's first, and the first at expiry (which fixes it).
fn index_through_the_window(expiry: u64, price: u32) {
	TestPrices::set("BTC", Some(price));
	block_at(expiry - SettlementParams::default().window_ms);
	block_at(expiry);
}

/// A BTC future expiring two windows after `T0`, in which Bob (6,000 USD) is long 1 BTC
/// bought at 50,000 from Alice (100,000 USD). Returns the market and its expiry.
fn bob_long_one_btc_future() -> (u32, u64) {
	let expiry = T0 + 2 * SettlementParams::default().window_ms;
	let future = btc_future(expiry);
	deposit(ALICE, 100_000, 0);
	deposit(BOB, 6_000, 0);
	assert_ok!(place_in(future, ALICE, order(Side::Sell, 50_000, 1_000)));
	assert_ok!(place_in(future, BOB, order(Side::Buy, 50_000, 1_000)));
	(future, expiry)
}

fn settlement_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Margin(
				e @ (Event::SettlementPriceFixed { .. } | Event::SettlementDelayed { .. }),
			) => Some(e),
			_ => None,
		})
		.collect()
}

#[test]
fn a_future_settles_at_the_time_weighted_index_over_the_window() {
	build_and_execute(|| {
		let window = SettlementParams::default().window_ms;
		let expiry = T0 + 2 * window;
		let future = btc_future(expiry);
		// Registered with its book expiry; a perpetual is not.
		assert_eq!(Margin::settlement(future), Some(SettlementState::new(expiry)));
		assert_eq!(Margin::settlement(BTC_PERP), None);
		// Before the window nothing is sampled.
		block_at(expiry - window - 1);
		assert_eq!(Margin::settlement(future).unwrap().last, None);
		// 50,000 for the first two thirds of the window, 53,000 for the last third.
		let third = window / 3;
		block_at(expiry - window);
		block_at(expiry - 2 * third);
		TestPrices::set("BTC", Some(53_000));
		block_at(expiry - third);
		assert!(settlement_events().is_empty());
		block_at(expiry + 6_000);
		let state = Margin::settlement(future).unwrap();
		assert_eq!(state.covered_ms, window);
		let price = FixedU128::from_u32(51_000);
		assert_eq!(state.price, Some(price));
		assert_eq!(
			settlement_events(),
			vec![Event::SettlementPriceFixed { market: future, price, covered_ms: window }]
		);
		// Fixed once: later blocks change nothing.
		TestPrices::set("BTC", Some(10));
		block_at(expiry + 12_000);
		assert_eq!(Margin::settlement(future), Some(state));
		assert_eq!(settlement_events().len(), 1);
	});
}

#[test]
fn a_missing_index_delays_settlement_until_enough_fresh_samples() {
	build_and_execute(|| {
		let params = SettlementParams::default();
		let (window, needed) = (params.window_ms, params.needed_ms());
		let expiry = T0 + 2 * window;
		let future = btc_future(expiry);
		// A fresh index for the first 10 minutes of the window, then none (stale or halted).
		block_at(expiry - window);
		TestPrices::set("BTC", None);
		block_at(expiry - window + 600_000);
		block_at(expiry - 60_000);
		block_at(expiry);
		let covered = 600_000;
		assert_eq!(
			settlement_events(),
			vec![Event::SettlementDelayed {
				market: future,
				covered_ms: covered,
				needed_ms: needed
			}]
		);
		assert_eq!(Margin::settlement(future).unwrap().price, None);
		// The index returns after expiry: its samples count until the coverage is reached,
		// and only then is the price fixed (no second delay event).
		TestPrices::set("BTC", Some(60_000));
		block_at(expiry + 60_000);
		block_at(expiry + 60_000 + (needed - covered) - 1);
		assert_eq!(Margin::settlement(future).unwrap().price, None);
		block_at(expiry + 60_000 + (needed - covered));
		let state = Margin::settlement(future).unwrap();
		assert_eq!(state.covered_ms, needed);
		// 600,000 ms at 50,000 and 300,000 ms at 60,000.
		let price = FixedU128::from_rational(50_000 * 600_000 + 60_000 * 300_000, 900_000);
		assert_eq!(state.price, Some(price));
		assert_eq!(settlement_events().len(), 2);
	});
}

#[test]
fn settlement_parameters_are_governed_and_bounded() {
	build_and_execute(|| {
		let params =
			SettlementParams { window_ms: 15 * 60_000, min_coverage: Permill::from_percent(80) };
		assert_noop!(
			Margin::set_settlement_params(RuntimeOrigin::signed(ALICE), params),
			DispatchError::BadOrigin
		);
		for bad in [
			SettlementParams { window_ms: 59_999, ..params },
			SettlementParams { window_ms: 86_400_001, ..params },
			SettlementParams { min_coverage: Permill::from_percent(9), ..params },
		] {
			assert_noop!(
				Margin::set_settlement_params(RuntimeOrigin::root(), bad),
				Error::<Test>::InvalidRiskParams
			);
		}
		assert_ok!(Margin::set_settlement_params(RuntimeOrigin::root(), params));
		assert_eq!(SettlementConfig::<Test>::get(), params);
		System::assert_last_event(Event::SettlementParamsSet { params }.into());
		assert_eq!(params.needed_ms(), 12 * 60_000);
	});
}

fn settled_positions() -> Vec<(u64, i128)> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Margin(Event::PositionSettled { account, quantity, .. }) => {
				Some((account.owner, quantity))
			},
			_ => None,
		})
		.collect()
}

#[test]
fn an_expired_future_settles_every_position_once_in_cash_with_value_conserved() {
	build_and_execute(|| {
		let window = SettlementParams::default().window_ms;
		let expiry = T0 + 2 * window;
		let future = btc_future(expiry);
		for who in [ALICE, BOB, CHARLIE] {
			deposit(who, 100_000, 0);
		}
		// Alice long 0.3 (0.1 at 49,000 and 0.2 at 50,000), Bob short 0.1, Charlie short 0.2.
		assert_ok!(place_in(future, BOB, order(Side::Sell, 49_000, 100)));
		assert_ok!(place_in(future, ALICE, order(Side::Buy, 49_000, 100)));
		assert_ok!(place_in(future, CHARLIE, order(Side::Sell, 50_000, 200)));
		assert_ok!(place_in(future, ALICE, order(Side::Buy, 50_000, 200)));
		let cash = |who| settlement(who, 0);
		let before = [ALICE, BOB, CHARLIE].map(cash);
		let everyone = cash_of_everyone();
		// Nothing to settle before the price is fixed; a perpetual never has anything.
		assert_noop!(
			Margin::settle(RuntimeOrigin::signed(KEEPER), future, 5),
			Error::<Test>::NothingToSettle
		);
		assert_noop!(
			Margin::settle(RuntimeOrigin::signed(KEEPER), BTC_PERP, 5),
			Error::<Test>::NothingToSettle
		);
		// The index sits at 52,000 through the whole window.
		index_through_the_window(expiry, 52_000);
		let price = FixedU128::from_u32(52_000);
		assert_eq!(Margin::settlement(future).unwrap().price, Some(price));
		// One position per keeper call: the long first, then each short, exactly once.
		System::reset_events();
		let post = Margin::settle(RuntimeOrigin::signed(KEEPER), future, 1).unwrap();
		assert!(post.actual_weight.unwrap().all_lte(Margin::settle_weight(1)));
		assert_eq!(settled_positions(), vec![(ALICE, 300)]);
		// Mid-way the shorts still stand and the open interest is already zero.
		assert_eq!(Margin::market_state(future).open_interest, 0);
		check();
		assert_ok!(Margin::settle(RuntimeOrigin::signed(KEEPER), future, 1));
		// `on_idle` finishes the rest.
		Margin::on_idle(System::block_number(), polkadot_sdk::frame_support::weights::Weight::MAX);
		let settled = settled_positions();
		assert_eq!(settled.len(), 3);
		assert!(settled.contains(&(BOB, -100)) && settled.contains(&(CHARLIE, -200)));
		System::assert_last_event(Event::MarketSettled { market: future, price }.into());
		// The book marks the market settled.
		assert_eq!(
			orderbook::Markets::<Test>::get(future).map(|m| m.config.status),
			Some(orderbook::MarketStatus::Settled)
		);
		// Alice gains 0.1 × 3,000 + 0.2 × 2,000 = 700 USD; Bob loses 300, Charlie 400.
		let after = [ALICE, BOB, CHARLIE].map(cash);
		let usd = USD_UNIT as i128;
		assert_eq!(after[0] - before[0], 700 * usd);
		assert_eq!(after[1] - before[1], -300 * usd);
		assert_eq!(after[2] - before[2], -400 * usd);
		assert_eq!(cash_of_everyone(), everyone);
		assert!(Holders::<Test>::iter_key_prefix((future, true)).next().is_none());
		assert!(Holders::<Test>::iter_key_prefix((future, false)).next().is_none());
		// Settled once: no further call, no further step.
		assert_noop!(
			Margin::settle(RuntimeOrigin::signed(KEEPER), future, 5),
			Error::<Test>::NothingToSettle
		);
		Margin::on_idle(System::block_number(), polkadot_sdk::frame_support::weights::Weight::MAX);
		assert_eq!(settled_positions().len(), 3);
		// The settled traders withdraw what they have.
		assert_ok!(Vaults::withdraw(RuntimeOrigin::signed(BOB), 0, after[1] as u128, 0));
		check();
	});
}

mod settlement_props {
	use super::*;
	use proptest::prelude::*;

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(32))]
		/// Random trades among three traders in a future, a random settlement price and random
		/// keeper step sizes: every position open at expiry settles exactly once, cash is
		/// conserved, the market ends flat, and every invariant holds after every step.
		#[test]
		fn every_position_settles_once_and_value_is_conserved(
			trades in proptest::collection::vec((0usize..3, 0usize..3, 1u128..200, 0u32..4_000), 1..12),
			settle_at in 30_000u32..70_000,
			steps in proptest::collection::vec(1u32..4, 1..10),
		) {
			build_and_execute(|| {
				let window = SettlementParams::default().window_ms;
				let expiry = T0 + 2 * window;
				let future = btc_future(expiry);
				let traders = [ALICE, BOB, CHARLIE];
				for who in traders {
					deposit(who, 200_000, 0);
				}
				for (maker, taker, size, offset) in trades {
					if maker == taker {
						continue;
					}
					let price = 48_000 + offset;
					// Either may be refused (a margin check): then nothing trades.
					if place_in(future, traders[maker], order(Side::Sell, price, size)).is_ok() {
						let _ = place_in(future, traders[taker], order(Side::Buy, price, size));
						let _ = Orderbook::cancel_all(RuntimeOrigin::signed(traders[maker]), future, 0);
					}
				}
				check();
				let open: Vec<(u64, i128)> = traders
					.iter()
					.map(|w| (*w, <Margin as clearinghouse_primitives::OrderMarginCheck<AccountId>>::position(&acct(*w, 0), future)))
					.filter(|(_, q)| *q != 0)
					.collect();
				let everyone = cash_of_everyone();
				index_through_the_window(expiry, settle_at);
				System::reset_events();
				let mut calls = 0;
				for s in steps.iter().cycle() {
					if Margin::settlement(future).unwrap().settled {
						break;
					}
					assert_ok!(Margin::settle(RuntimeOrigin::signed(KEEPER), future, *s));
					check();
					calls += 1;
					assert!(calls <= 10, "settlement must finish");
				}
				let mut settled = settled_positions();
				settled.sort();
				let mut expected = open.clone();
				expected.sort();
				prop_assert_eq!(settled, expected);
				prop_assert_eq!(cash_of_everyone(), everyone);
				prop_assert_eq!(Margin::market_state(future).open_interest, 0);
				for who in traders {
					prop_assert_eq!(<Margin as clearinghouse_primitives::OrderMarginCheck<AccountId>>::position(&acct(who, 0), future), 0);
				}
				Ok(())
			})?;
		}
	}
}

#[test]
fn a_holder_settled_below_zero_has_its_debt_covered_or_recorded() {
	build_and_execute(|| {
		// Bob buys 1 BTC of the future at 50,000 with 6,000 USD (10% initial margin).
		let (future, expiry) = bob_long_one_btc_future();
		let fund_before = Margin::fund_cash();
		// Nobody liquidates him before expiry; the index averages 40,000 over the window.
		index_through_the_window(expiry, 40_000);
		System::reset_events();
		assert_ok!(Margin::settle(RuntimeOrigin::signed(KEEPER), future, 5));
		// Bob lost 10,000 on 6,000 (less his taker fee): what the fund had covered it in
		// part, the rest is recorded and gates settlement withdrawals.
		let debt = BadDebts::<Test>::get(acct(BOB, 0)).unwrap_or_default();
		assert!(debt > 0);
		assert_eq!(TotalBadDebt::<Test>::get(), debt);
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::Margin(Event::BadDebtRecorded { ref account, .. }) if *account == acct(BOB, 0)
		)));
		assert!(Margin::fund_cash() <= fund_before);
		// No unrecorded deficit anywhere (the cross-pallet check would catch one).
		check();
	});
}

#[test]
fn dated_markets_take_no_funding() {
	build_and_execute(|| {
		let expiry = T0 + 3_600_000;
		let config = orderbook::MarketConfig {
			kind: orderbook::MarketKind::Future { expiry },
			..btc_market()
		};
		assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), config));
		let future = orderbook::Markets::<Test>::count() - 1;
		// Funding on a future is refused (it would accrue after the longs settled).
		assert_noop!(
			Margin::do_set_market_risk(future, btc_risk()),
			Error::<Test>::InvalidRiskParams
		);
	});
}

#[test]
fn after_the_price_is_fixed_positions_are_marked_at_it_not_at_a_moved_index() {
	build_and_execute(|| {
		let (future, expiry) = bob_long_one_btc_future();
		index_through_the_window(expiry, 46_000);
		assert_eq!(
			Margin::market_state(future).settlement_price,
			Some(FixedU128::from_u32(46_000))
		);
		// The index then runs to 60,000 before anyone settles. At that index Bob's long would
		// look 10,000 up; it settles at 46,000 (4,000 down): he cannot take out what he will
		// not have.
		TestPrices::set("BTC", Some(60_000));
		let health = Margin::account_health(&acct(BOB, 0)).unwrap();
		assert_eq!(
			health.positions.iter().find(|p| p.market == future).map(|p| p.mark),
			Some(FixedU128::from_u32(46_000))
		);
		assert_noop!(
			Vaults::withdraw(RuntimeOrigin::signed(BOB), 0, 5_000 * USD_UNIT, 0),
			Error::<Test>::InsufficientMargin
		);
		check();
	});
}

// ---------------------------------------------------------------------------------------------
// `bulk`: one margin check of the call's outcome

fn bulk(
	who: AccountId,
	cancels: Vec<orderbook::OrderRef>,
	places: Vec<OrderRequest>,
) -> Result<(), DispatchError> {
	Orderbook::bulk(
		RuntimeOrigin::signed(who),
		BTC_PERP,
		0,
		cancels.try_into().unwrap(),
		places.try_into().unwrap(),
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

fn bob_cancels_all() -> Vec<orderbook::OrderRef> {
	Orderbook::open_orders(BTC_PERP, &acct(BOB, 0))
		.iter()
		.map(|o| orderbook::OrderRef::Id(o.id))
		.collect()
}

/// Attack: orders that each fit the equity cannot be stacked past it by sending them in one
/// call: the outcome counts every one at its worst case.
#[test]
fn a_bulk_call_cannot_stack_orders_past_the_initial_requirement() {
	build_and_execute(|| {
		deposit(CHARLIE, 100, 0);
		// 0.01 BTC at 50,000 needs 50: two fit the 100 of equity exactly, a third unit does not.
		let two = vec![order(Side::Buy, 50_000, 10), order(Side::Buy, 49_000, 10)];
		let mut three = two.clone();
		three.push(order(Side::Buy, 49_000, 1));
		assert_noop!(bulk(CHARLIE, vec![], three), Error::<Test>::InsufficientMargin);
		assert_ok!(bulk(CHARLIE, vec![], two));
		assert_eq!(Accounts::<Test>::get(acct(CHARLIE, 0))[0].resting_buy, 20);
		check();
	});
}

/// Attack: a trader buys from an accomplice far above the mark and, in the same call, sells
/// the position back at the mark to someone else, so that the outcome holds no position and
/// the loss sits in cash. The check of the outcome sees the cash: the call fails and the
/// accomplice keeps nothing.
#[test]
fn a_bulk_call_cannot_pay_an_accomplice_and_flatten_in_one_go() {
	build_and_execute(|| {
		deposit(ALICE, 10_000, 0);
		deposit(BOB, 10_000, 0);
		deposit(CHARLIE, 100, 0);
		assert_ok!(place(ALICE, 0, order(Side::Sell, 60_000, 10)));
		assert_ok!(place(BOB, 0, order(Side::Buy, 50_000, 10)));
		let alice = settlement(ALICE, 0);
		// Through the 60,000 ask (100 over the mark for 0.01 BTC), then out at the mark.
		let places = vec![order(Side::Buy, 60_000, 10), order(Side::Sell, 50_000, 10)];
		assert_noop!(bulk(CHARLIE, vec![], places.clone()), Error::<Test>::InsufficientMargin);
		assert_eq!(settlement(ALICE, 0), alice);
		// Nor does the first leg alone pass, whatever follows it.
		assert_noop!(
			bulk(CHARLIE, vec![], places[..1].to_vec()),
			Error::<Test>::InsufficientMargin
		);
		check();
	});
}

/// Below its initial requirement but above maintenance, an account may replace its exposure
/// in one call as long as the outcome requires no more than it did: here it sells half its
/// long into the book and bids for less than it sold. Placed one by one, the bid would be
/// refused (against the state after the sale it adds risk); a call that ends above the
/// requirement it started from is refused.
#[test]
fn a_bulk_call_below_the_initial_requirement_may_cut_risk_as_a_whole() {
	build_and_execute(|| {
		levered_long();
		// At 48,500 Bob's equity is 447.5: below the 485 initial, above the 242.5 maintenance.
		TestPrices::set("BTC", Some(48_500));
		assert_ok!(place(ALICE, 0, order(Side::Buy, 48_500, 50)));
		let sell = order(Side::Sell, 48_500, 50);
		// One by one: the sale passes (it reduces), the bid for 0.045 does not.
		let one_by_one = polkadot_sdk::frame_support::storage::with_storage_layer(|| {
			assert_ok!(place(BOB, 0, sell));
			place(BOB, 0, order(Side::Buy, 48_000, 45))
		});
		assert_eq!(one_by_one, Err(Error::<Test>::InsufficientMargin.into()));
		assert_eq!(size(BOB, 0), 100);
		// As a whole: worst case 0.095 BTC (460.75 initial) after 0.1 (485).
		assert_noop!(
			bulk(BOB, vec![], vec![sell, order(Side::Buy, 48_000, 60)]),
			Error::<Test>::InsufficientMargin
		);
		assert_ok!(bulk(BOB, vec![], vec![sell, order(Side::Buy, 48_000, 45)]));
		assert_eq!(size(BOB, 0), 50);
		assert_eq!(Accounts::<Test>::get(acct(BOB, 0))[0].resting_buy, 45);
		let health = Margin::health(&acct(BOB, 0), None).unwrap();
		assert!(!health.meets_initial());
		assert_eq!(health.initial, 460_750_000);
		check();
	});
}

/// Without a mark price a call passes only if every placement would pass alone: on the side
/// that reduces the position, the call's placements and the orders resting there within it,
/// at no loss against the entry price. The call's cancels make room first.
#[test]
fn without_a_price_a_bulk_call_only_reduces_at_no_loss() {
	build_and_execute(|| {
		open_trade();
		TestPrices::set("BTC", None);
		let half = order(Side::Sell, 50_000, 50);
		assert_ok!(bulk(BOB, vec![], vec![half, half]));
		assert_noop!(
			bulk(BOB, vec![], vec![order(Side::Sell, 51_000, 1)]),
			Error::<Test>::PriceUnavailable
		);
		let replace = vec![order(Side::Sell, 51_000, 60), order(Side::Sell, 52_000, 40)];
		assert_ok!(bulk(BOB, bob_cancels_all(), replace));
		let stacked = vec![order(Side::Sell, 51_000, 60), order(Side::Sell, 52_000, 41)];
		assert_noop!(bulk(BOB, bob_cancels_all(), stacked), Error::<Test>::PriceUnavailable);
		let at_a_loss = vec![order(Side::Sell, 49_999, 10)];
		assert_noop!(bulk(BOB, bob_cancels_all(), at_a_loss), Error::<Test>::PriceUnavailable);
		let adding = vec![order(Side::Buy, 40_000, 1)];
		assert_noop!(bulk(BOB, vec![], adding), Error::<Test>::PriceUnavailable);
		// Charlie, with nothing to reduce, places nothing.
		deposit(CHARLIE, 10_000, 0);
		assert_noop!(
			bulk(CHARLIE, vec![], vec![order(Side::Buy, 50_000, 10)]),
			Error::<Test>::PriceUnavailable
		);
		check();
	});
}

/// A check reports the second valuation it made: an order short of the initial requirement
/// that cuts risk is valued with and without it (the standard model), one that meets the
/// requirement only with it. The order book charges what is reported, having declared the
/// most (`revaluation_weight`).
#[test]
fn an_order_check_reports_the_revaluation_it_made() {
	use clearinghouse_primitives::{OrderMarginCheck, TradeSide};
	build_and_execute(|| {
		levered_long();
		let sell = |size| clearinghouse_primitives::OrderIntent {
			market: BTC_PERP,
			side: TradeSide::Sell,
			size,
			price: FixedU128::from_u32(48_500),
			reduce_only: false,
		};
		// Healthy: one valuation; a withdrawal's check of a perpetual account, no surcharge.
		assert_eq!(Margin::ensure_can_place(&acct(BOB, 0), &sell(50)), Ok(Weight::zero()));
		assert_eq!(
			<Margin as clearinghouse_primitives::WithdrawalGuard<_>>::ensure_can_withdraw(
				&acct(BOB, 0),
				0
			),
			Ok(Weight::zero())
		);
		// At 48,500 Bob is below his initial requirement: a sale that cuts risk is valued again
		// without it.
		TestPrices::set("BTC", Some(48_500));
		let revalued = Margin::ensure_can_place(&acct(BOB, 0), &sell(50)).unwrap();
		// A perpetual-only account: its own kind's valuation, below what the call declared
		// (the costliest kind's).
		assert_eq!(revalued, Margin::check_weight_of(CheckKind::Linear, 1));
		assert!(revalued.all_lte(Margin::revaluation_weight(1)));
		assert_ne!(revalued, Margin::revaluation_weight(1));
		check();
	});
}

/// Attack (from a review): below its initial requirement, an account sells into the book
/// (freeing requirement) and, in the same call, bids far over the mark for an accomplice to
/// hit. The batch rule deducts every resting order's loss at its limit from equity before
/// comparing it with maintenance, as a single order's rule deducts its own. (Here the bid's
/// initial requirement, at its limit, already exceeds what the sale freed, so this test guards
/// the outcome; the deduction is what holds where it does not.)
#[test]
fn a_bulk_call_cannot_hide_an_off_mark_bid_behind_a_sale() {
	build_and_execute(|| {
		levered_long();
		// At 47,200 Bob's equity is 317.5: below the 472 initial, above the 236 maintenance.
		TestPrices::set("BTC", Some(47_200));
		assert_ok!(place(ALICE, 0, order(Side::Buy, 47_200, 100)));
		// After the sale Bob is flat with about 315 of equity; a bid of 0.001 at 470,000 loses
		// 422.8 against the mark and requires 47 (at its limit): 469.8 in all, below the 472
		// Bob started from, but it would leave him 108 below zero when an accomplice sells.
		let places = vec![order(Side::Sell, 47_200, 100), order(Side::Buy, 470_000, 1)];
		assert_noop!(bulk(BOB, vec![], places), Error::<Test>::InsufficientMargin);
		// A bid at the mark passes: the sale cut the risk.
		let places = vec![order(Side::Sell, 47_200, 100), order(Side::Buy, 47_200, 1)];
		assert_ok!(bulk(BOB, vec![], places));
		check();
	});
}

/// The batch rule's comparison with the account before the call is not available when the
/// placements took out some of the account's own earlier orders (self-trade prevention,
/// expiry, eviction, a refitted reduce-only order): the requirement before counted them, and
/// order by order each placement would be compared with the account without them.
#[test]
fn a_bulk_outcome_that_released_earlier_orders_must_meet_the_initial_requirement() {
	use clearinghouse_primitives::{OrderMarginCheck, TradeSide};
	build_and_execute(|| {
		levered_long();
		TestPrices::set("BTC", Some(48_500));
		assert_ok!(place(ALICE, 0, order(Side::Buy, 48_500, 50)));
		let bob = acct(BOB, 0);
		let before = <Margin as OrderMarginCheck<AccountId>>::begin_batch(&bob);
		// The rule-2 outcome of `a_bulk_call_below_the_initial_requirement_may_cut_risk_as_a_whole`.
		assert_ok!(bulk(
			BOB,
			vec![],
			vec![order(Side::Sell, 48_500, 50), order(Side::Buy, 48_000, 45)]
		));
		let intents = [
			clearinghouse_primitives::OrderIntent {
				market: BTC_PERP,
				side: TradeSide::Sell,
				size: 50,
				price: FixedU128::from_u32(48_500),
				reduce_only: false,
			},
			clearinghouse_primitives::OrderIntent {
				market: BTC_PERP,
				side: TradeSide::Buy,
				size: 45,
				price: FixedU128::from_u32(48_000),
				reduce_only: false,
			},
		];
		assert_eq!(
			<Margin as OrderMarginCheck<AccountId>>::ensure_batch(&bob, before, &intents, true),
			Err(Error::<Test>::InsufficientMargin.into())
		);
		check();
	});
}

/// A chain from before [`Markets`] gets each market's parameters and state joined into one
/// record in the upgrade (the mid from the book as it stands), once; both old maps are gone.
#[test]
fn the_v1_migration_joins_each_markets_parameters_and_state() {
	use crate::migrations::{
		v1::{MarketRisks, MarketStates, MigrateV0ToV1, OldMarketState},
		v2::MigrateV1ToV2,
		v3::MigrateV2ToV3,
	};
	use polkadot_sdk::frame_support::traits::{
		GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
	};
	build_and_execute(|| {
		open_trade();
		// A quoted book, so the migration has a mid to take.
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 49_900, 1)));
		assert_ok!(place(CHARLIE, 0, order(Side::Sell, 50_100, 1)));
		let now: Vec<(MarketId, MarketRecord)> = Markets::<Test>::iter().collect();
		assert!(!now.is_empty());
		// As version 0 stored them; one orphaned state too.
		for (market, record) in &now {
			let s = record.state;
			MarketRisks::<Test>::insert(market, record.risk);
			MarketStates::<Test>::insert(
				market,
				OldMarketState {
					funding_index: s.funding_index,
					funding_at: s.funding_at,
					open_interest: s.open_interest,
					settlement_price: s.settlement_price,
					instrument: s.instrument,
				},
			);
		}
		MarketStates::<Test>::insert(9_999, OldMarketState::default());
		let _ = Markets::<Test>::clear(u32::MAX, None);
		let _ = LinearMarkets::<Test>::clear(u32::MAX, None);
		StorageVersion::new(0).put::<Margin>();
		// With `--features try-runtime`, its own checks around it too.
		#[cfg(feature = "try-runtime")]
		let checked = {
			use polkadot_sdk::frame_support::traits::UncheckedOnRuntimeUpgrade;
			crate::migrations::v1::JoinMarkets::<Test>::pre_upgrade().unwrap()
		};
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		#[cfg(feature = "try-runtime")]
		{
			use polkadot_sdk::frame_support::traits::UncheckedOnRuntimeUpgrade;
			crate::migrations::v1::JoinMarkets::<Test>::post_upgrade(checked).unwrap();
		}
		assert_eq!(Margin::on_chain_storage_version(), StorageVersion::new(1));
		// The later versions' migrations read what this one wrote.
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(Margin::on_chain_storage_version(), StorageVersion::new(3));
		let mut after: Vec<(MarketId, MarketRecord)> = Markets::<Test>::iter().collect();
		after.sort_by_key(|(m, _)| *m);
		let mut expected: Vec<(MarketId, MarketRecord)> = now
			.iter()
			.map(|(m, r)| {
				let mut r = r.clone();
				r.state.mid = Orderbook::mid_price(*m);
				(*m, r)
			})
			.collect();
		expected.sort_by_key(|(m, _)| *m);
		assert_eq!(after, expected);
		assert_eq!(Margin::market_state(BTC_PERP).mid, Some(FixedU128::from_u32(50_000)));
		assert_eq!(Markets::<Test>::count() as usize, now.len());
		assert_eq!(MarketRisks::<Test>::count(), 0);
		assert_eq!(MarketStates::<Test>::iter().count(), 0);
		// Run again, they change nothing.
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(Markets::<Test>::count() as usize, now.len());
		check();
	});
}

/// A chain from before [`AccountRecord`] gets each account's entries and its portfolio flag
/// joined into one record (an opted-in account without entries too); the old flag map is
/// gone, the entries unchanged, and a second run changes nothing.
#[test]
fn the_v2_migration_joins_each_accounts_entries_and_flags() {
	use crate::migrations::v2::{Accounts as OldAccounts, MigrateV1ToV2, PortfolioAccounts};
	use polkadot_sdk::frame_support::traits::{
		GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
	};
	build_and_execute(|| {
		open_trade();
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 49_900, 1)));
		let records: Vec<(AccountOf<Test>, RecordOf<Test>)> = Accounts::<Test>::iter().collect();
		assert!(records.iter().any(|(a, r)| *a == acct(CHARLIE, 0) && !r.entries.is_empty()));
		// As version 1 stored them: the entries alone, and the flags in their own map (Charlie
		// with entries, Bob's sub-account 3 without).
		let _ = Accounts::<Test>::clear(u32::MAX, None);
		for (account, record) in &records {
			OldAccounts::<Test>::insert(account, record.entries.clone());
		}
		PortfolioAccounts::<Test>::insert(acct(CHARLIE, 0), ());
		PortfolioAccounts::<Test>::insert(acct(BOB, 3), ());
		StorageVersion::new(1).put::<Margin>();
		#[cfg(feature = "try-runtime")]
		let checked = {
			use polkadot_sdk::frame_support::traits::UncheckedOnRuntimeUpgrade;
			crate::migrations::v2::JoinAccountFlags::<Test>::pre_upgrade().unwrap()
		};
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		#[cfg(feature = "try-runtime")]
		{
			use polkadot_sdk::frame_support::traits::UncheckedOnRuntimeUpgrade;
			crate::migrations::v2::JoinAccountFlags::<Test>::post_upgrade(checked).unwrap();
		}
		assert_eq!(Margin::on_chain_storage_version(), StorageVersion::new(2));
		for (account, record) in &records {
			let after = Accounts::<Test>::get(account);
			assert_eq!(after.entries, record.entries);
			assert_eq!(after.portfolio, *account == acct(CHARLIE, 0));
			assert_eq!(after.floor, 0);
		}
		let bob = Accounts::<Test>::get(acct(BOB, 3));
		assert!(bob.portfolio && bob.entries.is_empty());
		assert_eq!(PortfolioAccounts::<Test>::iter().count(), 0);
		assert_eq!(Accounts::<Test>::iter().count(), records.len() + 1);
		// Run again, it changes nothing.
		let before: Vec<(AccountOf<Test>, RecordOf<Test>)> = Accounts::<Test>::iter().collect();
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Accounts::<Test>::iter().collect::<Vec<_>>(), before);
	});
}

/// A perpetual or future values its positions on its record's copy of the index's reads: a
/// move of the index reaches every copy on it in the call that makes it (no check ever sees a
/// stale index), a new market copies the reads as they stand, an index without a price leaves
/// every copy without one (the mark is gone, as the oracle's would be).
#[test]
fn every_perpetual_on_an_index_follows_its_move_in_the_same_call() {
	build_and_execute(|| {
		let btc = OracleKey::from_symbol("BTC").unwrap();
		assert_ok!(Margin::set_market_risk(RuntimeOrigin::root(), 77, btc_risk()));
		assert_eq!(LinearMarkets::<Test>::get(btc).into_inner(), vec![BTC_PERP, 77]);
		assert_eq!(Markets::<Test>::get(77).unwrap().prices, TestPrices::schedule(&btc).unwrap());
		let now = pallet_timestamp::Now::<Test>::get();
		TestPrices::set("BTC", Some(51_000));
		for market in [BTC_PERP, 77] {
			let copy = Markets::<Test>::get(market).unwrap().prices;
			assert_eq!(copy.quote(now).map(|q| q.price), Some(FixedU128::from_u32(51_000)));
		}
		// No book on market 77: its mark is the index (the EMA follows it here).
		assert_eq!(Margin::mark_price(77, &btc_risk()), Some(FixedU128::from_u32(51_000)));
		TestPrices::set("BTC", None);
		assert_eq!(Markets::<Test>::get(77).unwrap().prices, Default::default());
		assert_eq!(Margin::mark_price(77, &btc_risk()), None);
	});
}

/// An underlying lists at most `MaxLinearMarketsPerUnderlying` perpetuals and futures (each
/// is rewritten on every move of its index): one more is refused and nothing changes;
/// reconfiguring a listed market is no new listing.
#[test]
fn an_underlying_lists_at_most_its_bound_of_perpetuals_and_futures() {
	build_and_execute(|| {
		let btc = OracleKey::from_symbol("BTC").unwrap();
		let bound: u32 = <<Test as Config>::MaxLinearMarketsPerUnderlying as Get<u32>>::get();
		// BTC_PERP is one.
		for market in 101..100 + bound {
			assert_ok!(Margin::set_market_risk(RuntimeOrigin::root(), market, btc_risk()));
		}
		assert_eq!(LinearMarkets::<Test>::get(btc).len() as u32, bound);
		assert_noop!(
			Margin::set_market_risk(RuntimeOrigin::root(), 200, btc_risk()),
			Error::<Test>::TooManyMarketsOnUnderlying
		);
		assert_ok!(Margin::set_market_risk(RuntimeOrigin::root(), 101, btc_risk()));
		assert_eq!(LinearMarkets::<Test>::get(btc).len() as u32, bound);
	});
}

/// The entry count a call's weight reads from the first bytes of the account's record is the
/// record's (no record: none; a record holding only a flag: none).
#[test]
fn the_entry_count_is_read_from_the_records_first_bytes() {
	build_and_execute(|| {
		assert_eq!(Margin::held(&acct(CHARLIE, 0)), 0);
		open_trade();
		deposit(CHARLIE, 10_000, 0);
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 49_900, 1)));
		for (account, record) in Accounts::<Test>::iter() {
			assert_eq!(Margin::held(&account), record.entries.len() as u32);
		}
		assert_eq!(Margin::held(&acct(CHARLIE, 0)), 1);
	});
}
