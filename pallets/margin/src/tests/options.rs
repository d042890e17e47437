//! Options as instruments, end to end through the book and the vaults: the premium at the
//! trade, the model mark, long and short requirements (naked and covered), the premium check,
//! liquidation, and settlement at intrinsic value.

use super::*;
use clearinghouse_primitives::OrderMarginCheck;
use clearinghouse_risk::units;
use polkadot_sdk::sp_arithmetic::Rounding;

pub(super) const DAY: u64 = 86_400_000;

pub(super) fn btc() -> OracleKey {
	OracleKey::from_symbol("BTC").unwrap()
}

/// Options on BTC: marked with the BTCVOL feed, sizes in thousandths of a BTC, `a` = 15%
/// initial and 7.5% maintenance, floors 10% / 5%, long value haircut 10%.
pub(super) fn option_params() -> OptionParams {
	OptionParams {
		vol_key: OracleKey::from_symbol("BTCVOL").unwrap(),
		size_decimals: 3,
		initial: Permill::from_percent(15),
		maintenance: Permill::from_parts(75_000),
		long_haircut: Permill::from_percent(10),
		initial_floor: Permill::from_percent(10),
		maintenance_floor: Permill::from_percent(5),
	}
}

/// What an option market on BTC is listed with.
pub(super) fn option_risk() -> RiskParams {
	option_params().market_risk(btc())
}

/// List a BTC option (sizes in thousandths of a BTC, prices in whole USD) with BTC options
/// configured at 80% implied vol; returns the market.
pub(super) fn btc_option(right: orderbook::OptionRight, strike: u32, expiry: u64) -> MarketId {
	assert_ok!(Margin::set_option_params(RuntimeOrigin::root(), btc(), option_params()));
	TestPrices::set_vol("BTCVOL", Some(FixedU128::from_rational(8, 10)));
	let config = orderbook::MarketConfig {
		kind: orderbook::MarketKind::Option { right, strike: FixedU128::from_u32(strike), expiry },
		..btc_market()
	};
	assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), config));
	let market = orderbook::Markets::<Test>::count() - 1;
	// Configured by the listing itself.
	assert_eq!(Margin::risk(market), Some(option_risk()));
	market
}

pub(super) fn call(strike: u32, expiry: u64) -> MarketId {
	btc_option(orderbook::OptionRight::Call, strike, expiry)
}

pub(super) fn put(strike: u32, expiry: u64) -> MarketId {
	btc_option(orderbook::OptionRight::Put, strike, expiry)
}

/// `maker` rests a sell of `size` at `price`, `taker` buys it.
pub(super) fn trade(market: MarketId, maker: AccountId, taker: AccountId, price: u32, size: u128) {
	assert_ok!(place_in(market, maker, order(Side::Sell, price, size)));
	assert_ok!(place_in(market, taker, order(Side::Buy, price, size)));
}

pub(super) fn position_in(who: AccountId, market: MarketId) -> i128 {
	<Margin as OrderMarginCheck<AccountId>>::position(&acct(who, 0), market)
}

/// `size` thousandths of a BTC at `price`, in micro-USD, rounded as asked.
pub(super) fn usd_of(size: u128, price: FixedU128, rounding: Rounding) -> u128 {
	units::value(size, price, 3, 6, rounding).unwrap()
}

/// The model mark of `market` as the pricing crate gives it for the BTC index at `spot`.
pub(super) fn model_mark(
	right: clearinghouse_pricing::Right,
	spot: u32,
	strike: u32,
	left: u64,
) -> FixedU128 {
	clearinghouse_risk::options::model(
		right,
		FixedU128::from_u32(spot),
		FixedU128::from_u32(strike),
		FixedU128::from_rational(8, 10),
		left,
	)
	.unwrap()
	.price
}

pub(super) fn view(who: AccountId, market: MarketId) -> PositionView {
	Margin::account_health(&acct(who, 0))
		.unwrap()
		.positions
		.into_iter()
		.find(|p| p.market == market)
		.unwrap()
}

#[test]
fn option_parameters_are_governed_bounded_and_required_before_an_option_trades() {
	build_and_execute(|| {
		let expiry = T0 + 30 * DAY;
		let config = orderbook::MarketConfig {
			kind: orderbook::MarketKind::Option {
				right: orderbook::OptionRight::Call,
				strike: FixedU128::from_u32(50_000),
				expiry,
			},
			..btc_market()
		};
		// No vol key for BTC yet: the option cannot be listed, nothing is stored.
		assert_noop!(
			Orderbook::create_market(RuntimeOrigin::root(), config),
			Error::<Test>::NoVolKey
		);
		// Only governance sets option parameters, and only coherent ones.
		assert_noop!(
			Margin::set_option_params(RuntimeOrigin::signed(ALICE), btc(), option_params()),
			DispatchError::BadOrigin
		);
		for bad in [
			OptionParams { long_haircut: Permill::one(), ..option_params() },
			OptionParams { maintenance: Permill::from_percent(15), ..option_params() },
			OptionParams { size_decimals: 39, ..option_params() },
			OptionParams { maintenance_floor: Permill::zero(), ..option_params() },
			OptionParams { maintenance_floor: Permill::from_percent(11), ..option_params() },
		] {
			assert_noop!(
				Margin::set_option_params(RuntimeOrigin::root(), btc(), bad),
				Error::<Test>::InvalidOptionParams
			);
		}
		assert_ok!(Margin::set_option_params(RuntimeOrigin::root(), btc(), option_params()));
		System::assert_last_event(
			Event::OptionParamsSet { underlying: btc(), params: option_params() }.into(),
		);
		// Listed now, and configured by the listing from the parameters.
		assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), config));
		let option = orderbook::Markets::<Test>::count() - 1;
		assert_eq!(Margin::risk(option), Some(option_risk()));
		// An option pays no funding.
		assert_noop!(
			Margin::do_set_market_risk(
				option,
				RiskParams { funding: btc_risk().funding, ..option_risk() }
			),
			Error::<Test>::InvalidRiskParams
		);
		// It settles at expiry like a future: registered for its settlement price.
		assert_eq!(Margin::settlement(option).map(|s| s.expiry), Some(expiry));
		assert!(matches!(
			Margin::market_state(option).instrument,
			Instrument::Option { expiry: e, .. } if e == expiry
		));
	});
}

#[test]
fn an_option_trade_moves_exactly_the_premium_and_the_fees() {
	build_and_execute(|| {
		let option = call(50_000, T0 + 30 * DAY);
		deposit(ALICE, 100_000, 0);
		deposit(BOB, 10_000, 0);
		let clearing = Vaults::balance_of(&Margin::clearing_account(), 0);
		let (fees, insurance) = (
			Vaults::balance_of(&Margin::fee_account(), 0),
			Vaults::balance_of(&Margin::insurance_account(), 0),
		);
		System::reset_events();
		// Alice writes 1 BTC of the call at 4,500; Bob buys it.
		trade(option, ALICE, BOB, 4_500, 1_000);
		let usd = USD_UNIT as i128;
		// Bob pays the premium and a 5 bp taker fee (2.25); Alice receives it less 2 bp (0.9).
		assert_eq!(settlement(BOB, 0), 10_000 * usd - 4_500 * usd - 2_250_000);
		assert_eq!(settlement(ALICE, 0), 100_000 * usd + 4_500 * usd - 900_000);
		// The premium passed through the clearing account and left nothing there.
		assert_eq!(Vaults::balance_of(&Margin::clearing_account(), 0), clearing);
		// The fees, 20% of the taker's to insurance.
		assert_eq!(Vaults::balance_of(&Margin::insurance_account(), 0) - insurance, 450_000);
		assert_eq!(Vaults::balance_of(&Margin::fee_account(), 0) - fees, 2_700_000);
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::Margin(Event::PositionChanged {
				account: acct(BOB, 0),
				market: option,
				quantity: 1_000,
				cost: 4_500 * usd,
				realized_pnl: 0,
				fee: 2_250_000,
			})));
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::Vaults(pallet_clearinghouse_vaults::Event::SettlementTransferred {
				reason: SettlementReason::Premium,
				amount,
				..
			}) if amount == 4_500 * USD_UNIT
		)));
		assert_eq!(Margin::market_state(option).open_interest, 1_000);
		// Closing realises through the premium alone: Bob sells it back to Alice at 5,000.
		trade(option, BOB, ALICE, 5_000, 1_000);
		assert_eq!(position_in(BOB, option), 0);
		assert_eq!(settlement(BOB, 0), 10_000 * usd + 500 * usd - 2_250_000 - 1_000_000);
		assert_eq!(Vaults::balance_of(&Margin::clearing_account(), 0), clearing);
		check();
	});
}

/// An option's conditional orders watch its model mark and its underlying's index.
#[test]
fn an_options_trigger_prices_are_its_model_mark_and_the_underlyings_index() {
	use clearinghouse_primitives::trading::OrderMarginCheck;
	build_and_execute(|| {
		let left = 30 * DAY;
		let option = call(50_000, T0 + left);
		let prices = Margin::trigger_prices(option);
		let mark = model_mark(clearinghouse_pricing::Right::Call, 50_000, 50_000, left);
		assert_eq!(prices.mark, Some(mark));
		assert_eq!(prices.index, Some(FixedU128::from_u32(50_000)));
		check();
	});
}

#[test]
fn marks_long_values_and_a_naked_short_call_get_the_documented_numbers() {
	build_and_execute(|| {
		let left = 30 * DAY;
		let option = call(50_000, T0 + left);
		deposit(ALICE, 100_000, 0);
		deposit(BOB, 10_000, 0);
		trade(option, ALICE, BOB, 4_500, 1_000);
		// The mark is the model price on the index at the oracle's vol (≈ 4,570 here).
		let mark = model_mark(clearinghouse_pricing::Right::Call, 50_000, 50_000, left);
		assert!(mark > FixedU128::from_u32(4_500) && mark < FixedU128::from_u32(4_700));
		let bob = view(BOB, option);
		assert_eq!(bob.mark, mark);
		// Bob's long counts its value less the 10% haircut and needs no margin.
		let value = usd_of(1_000, mark, Rounding::Down) as i128;
		let counted = value - Permill::from_percent(10).mul_ceil(value as u128) as i128;
		assert_eq!((bob.equity, bob.initial, bob.maintenance), (counted, 0, 0));
		assert_eq!(bob.unrealized_pnl, value - 4_500 * USD_UNIT as i128);
		let health = Margin::account_health(&acct(BOB, 0)).unwrap();
		assert_eq!(health.equity, settlement(BOB, 0) + counted);
		assert_eq!((health.initial, health.maintenance), (0, 0));
		// Alice's naked short at the money: max(a·S − 0, b·S) + mark per BTC, a = 15% (7,500)
		// initial and 7.5% (3,750) maintenance; she owes the mark in equity.
		let owed = usd_of(1_000, mark, Rounding::Up);
		let alice = view(ALICE, option);
		assert_eq!(alice.equity, -(owed as i128));
		assert_eq!(alice.initial, 7_500 * USD_UNIT + owed);
		assert_eq!(alice.maintenance, 3_750 * USD_UNIT + owed);
		// Out of the money the OTM amount comes off, down to the floor b·S: a 55,000 call
		// needs max(7,500 − 5,000, 5,000) = 5,000 + mark initial, max(3,750 − 5,000, 2,500)
		// = 2,500 + mark maintenance.
		let otm = call(55_000, T0 + left);
		deposit(CHARLIE, 100_000, 0);
		trade(otm, CHARLIE, BOB, 2_000, 1_000);
		let mark = model_mark(clearinghouse_pricing::Right::Call, 50_000, 55_000, left);
		let owed = usd_of(1_000, mark, Rounding::Up);
		let charlie = view(CHARLIE, otm);
		assert_eq!(charlie.initial, 5_000 * USD_UNIT + owed);
		assert_eq!(charlie.maintenance, 2_500 * USD_UNIT + owed);
		check();
	});
}

#[test]
fn a_covered_call_needs_only_its_mark_and_a_resting_sell_of_the_cover_uncovers_it() {
	build_and_execute(|| {
		let left = 30 * DAY;
		let option = call(50_000, T0 + left);
		deposit(ALICE, 100_000, 0);
		deposit(BOB, 100_000, 0);
		deposit(CHARLIE, 100_000, 0);
		// Charlie is long 1 BTC of the perpetual and writes 1 BTC of the call.
		assert_ok!(place(BOB, 0, order(Side::Sell, 50_000, 1_000)));
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 50_000, 1_000)));
		trade(option, CHARLIE, ALICE, 4_500, 1_000);
		let mark = model_mark(clearinghouse_pricing::Right::Call, 50_000, 50_000, left);
		let owed = usd_of(1_000, mark, Rounding::Up);
		// Covered: the call needs its mark and nothing else; the perpetual its own 10% / 5%.
		let covered = view(CHARLIE, option);
		assert_eq!((covered.initial, covered.maintenance), (owed, owed));
		let health = Margin::account_health(&acct(CHARLIE, 0)).unwrap();
		assert_eq!(health.initial, 5_000 * USD_UNIT + owed);
		assert_eq!(health.maintenance, 2_500 * USD_UNIT + owed);
		// A resting sell of half the perpetual could fill: for the initial requirement only
		// half the call stays covered (maintenance judges the position as held).
		assert_ok!(place(CHARLIE, 0, order(Side::Sell, 60_000, 500)));
		let half = view(CHARLIE, option);
		assert_eq!(
			half.initial,
			7_500 * USD_UNIT / 2
				+ usd_of(500, mark, Rounding::Up)
				+ usd_of(500, mark, Rounding::Up)
		);
		assert_eq!(half.maintenance, owed);
		// Selling the cover outright leaves the call naked: the order must meet the naked
		// requirement, and the account now carries it.
		assert_ok!(Orderbook::cancel_all(RuntimeOrigin::signed(CHARLIE), BTC_PERP, 0));
		assert_ok!(place(BOB, 0, order(Side::Buy, 50_000, 1_000)));
		assert_ok!(place(CHARLIE, 0, order(Side::Sell, 50_000, 1_000)));
		let naked = view(CHARLIE, option);
		assert_eq!(naked.initial, 7_500 * USD_UNIT + owed);
		assert_eq!(naked.maintenance, 3_750 * USD_UNIT + owed);
		// A short put is covered by a short perpetual the same way.
		let p = put(50_000, T0 + left);
		assert_ok!(place(ALICE, 0, order(Side::Buy, 50_000, 1_000)));
		assert_ok!(place(BOB, 0, order(Side::Sell, 50_000, 1_000)));
		trade(p, BOB, ALICE, 4_500, 1_000);
		let put_mark = model_mark(clearinghouse_pricing::Right::Put, 50_000, 50_000, left);
		let bob_put = view(BOB, p);
		assert_eq!(bob_put.maintenance, usd_of(1_000, put_mark, Rounding::Up));
		check();
	});
}

#[test]
fn a_premium_the_buyer_cannot_pay_is_refused_and_nothing_changes() {
	build_and_execute(|| {
		let option = call(50_000, T0 + 30 * DAY);
		deposit(ALICE, 100_000, 0);
		deposit(BOB, 1_000, 0);
		assert_ok!(place_in(option, ALICE, order(Side::Sell, 4_500, 1_000)));
		// 4,500 of premium on 1,000 of collateral: refused with its own error.
		assert_noop!(
			place_in(option, BOB, order(Side::Buy, 4_500, 1_000)),
			Error::<Test>::PremiumUnaffordable
		);
		// A resting bid he could not pay for is refused the same way.
		assert_noop!(
			place_in(option, BOB, order(Side::Buy, 4_000, 1_000)),
			Error::<Test>::PremiumUnaffordable
		);
		// What he can pay for trades.
		assert_ok!(place_in(option, BOB, order(Side::Buy, 4_500, 100)));
		assert_eq!(position_in(BOB, option), 100);
		// Writing an option without the margin is the ordinary margin error.
		assert_noop!(
			place_in(option, BOB, order(Side::Sell, 4_600, 1_000)),
			Error::<Test>::InsufficientMargin
		);
		check();
	});
}

#[test]
fn extreme_vols_and_prices_never_panic_and_unpriced_options_refuse_new_risk() {
	build_and_execute(|| {
		let option = call(40_000, T0 + 30 * DAY);
		deposit(ALICE, 100_000, 0);
		deposit(BOB, 20_000, 0);
		trade(option, ALICE, BOB, 11_000, 1_000);
		// Vol 0: the intrinsic value, 10,000.
		TestPrices::set_vol("BTCVOL", Some(FixedU128::from_u32(0)));
		assert_eq!(view(BOB, option).mark, FixedU128::from_u32(10_000));
		// 1,000% vol: still priced, below the spot.
		TestPrices::set_vol("BTCVOL", Some(FixedU128::from_u32(10)));
		let mark = view(BOB, option).mark;
		assert!(mark > FixedU128::from_u32(10_000) && mark < FixedU128::from_u32(50_000));
		// Beyond the pricing domain (2,000% vol, a spot near zero, no vol at all): no mark.
		// Orders that add risk and withdrawals are refused; nothing panics.
		for (vol, spot) in [(Some(20), Some(50_000)), (Some(1), Some(1)), (None, Some(50_000))] {
			TestPrices::set_vol("BTCVOL", vol.map(FixedU128::from_u32));
			TestPrices::set("BTC", spot);
			let health = Margin::account_health(&acct(BOB, 0)).unwrap();
			assert_eq!(health.unpriced_markets, vec![option]);
			assert_noop!(
				place_in(option, BOB, order(Side::Buy, 11_000, 1)),
				Error::<Test>::PriceUnavailable
			);
			assert_noop!(
				Vaults::withdraw(RuntimeOrigin::signed(BOB), 0, USD_UNIT, 0),
				Error::<Test>::PriceUnavailable
			);
			// Liquidation values the unpriced short at its strike, the long at nothing.
			assert!(Margin::liquidation_health(&acct(ALICE, 0)).is_ok());
		}
		check();
	});
}

#[test]
fn a_liquidation_closes_the_short_option_before_a_smaller_perpetual() {
	build_and_execute(|| {
		let option = call(50_000, T0 + 30 * DAY);
		deposit(ALICE, 13_000, 0);
		deposit(BOB, 100_000, 0);
		deposit(CHARLIE, 100_000, 0);
		// Alice: a small perpetual long and a naked 1 BTC short call.
		assert_ok!(place(CHARLIE, 0, order(Side::Sell, 50_000, 10)));
		assert_ok!(place(ALICE, 0, order(Side::Buy, 50_000, 10)));
		trade(option, ALICE, BOB, 4_500, 1_000);
		assert!(!Margin::account_health(&acct(ALICE, 0)).unwrap().liquidatable);
		// BTC jumps to 58,000: the call is worth about 10,000 and Alice is below maintenance.
		TestPrices::set("BTC", Some(58_000));
		let health = Margin::account_health(&acct(ALICE, 0)).unwrap();
		assert!(health.liquidatable);
		System::reset_events();
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(ALICE, 0)));
		let liquidated: Vec<MarketId> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Margin(Event::Liquidated { market, .. }) => Some(market),
				_ => None,
			})
			.collect();
		// The call carries by far the larger requirement: it goes first.
		assert_eq!(liquidated, vec![option]);
		assert!(position_in(ALICE, option) > -1_000);
		assert_eq!(size(ALICE, 0), 10);
		check();
	});
}

/// Every position of `market` (its price fixed) settled a keeper step at a time.
fn settle_fully(market: MarketId) {
	for _ in 0..20 {
		if Margin::settlement(market).unwrap().settled {
			return;
		}
		assert_ok!(Margin::settle(RuntimeOrigin::signed(KEEPER), market, 1));
		check();
	}
	panic!("settlement must finish");
}

#[test]
fn an_option_chain_settles_at_intrinsic_value_exactly_once_with_value_conserved() {
	build_and_execute(|| {
		let window = SettlementParams::default().window_ms;
		let expiry = T0 + 2 * window;
		let itm_call = call(48_000, expiry);
		let itm_put = put(52_000, expiry);
		let otm_put = put(45_000, expiry);
		for who in [ALICE, BOB, CHARLIE] {
			deposit(who, 100_000, 0);
		}
		// Alice writes 1 call to Bob; Charlie writes 0.5 of the 52,000 put to Alice; Bob
		// writes 0.2 of the 45,000 put to Charlie.
		trade(itm_call, ALICE, BOB, 2_500, 1_000);
		trade(itm_put, CHARLIE, ALICE, 2_500, 500);
		trade(otm_put, BOB, CHARLIE, 300, 200);
		// Orders after expiry are refused.
		pallet_timestamp::Now::<Test>::put(expiry);
		assert_noop!(
			place_in(itm_call, ALICE, order(Side::Sell, 2_000, 1)),
			orderbook::Error::<Test>::MarketExpired
		);
		let cash = |who| settlement(who, 0);
		let before = [ALICE, BOB, CHARLIE].map(cash);
		let everyone = cash_of_everyone();
		System::reset_events();
		// BTC settles at 50,000: the 48,000 call pays 2,000, the 52,000 put 2,000, the
		// 45,000 put nothing.
		index_through_the_window(expiry, 50_000);
		for market in [itm_call, itm_put, otm_put] {
			settle_fully(market);
		}
		let mut settled = settled_positions();
		settled.sort();
		assert_eq!(
			settled,
			vec![
				(ALICE, -1_000),
				(ALICE, 500),
				(BOB, -200),
				(BOB, 1_000),
				(CHARLIE, -500),
				(CHARLIE, 200)
			]
		);
		let after = [ALICE, BOB, CHARLIE].map(cash);
		let usd = USD_UNIT as i128;
		assert_eq!(after[0] - before[0], -2_000 * usd + 1_000 * usd);
		assert_eq!(after[1] - before[1], 2_000 * usd);
		assert_eq!(after[2] - before[2], -1_000 * usd);
		assert_eq!(cash_of_everyone(), everyone);
		for market in [itm_call, itm_put, otm_put] {
			assert_eq!(Margin::market_state(market).open_interest, 0);
			assert_eq!(
				orderbook::Markets::<Test>::get(market).map(|m| m.config.status),
				Some(orderbook::MarketStatus::Settled)
			);
			assert_noop!(
				Margin::settle(RuntimeOrigin::signed(KEEPER), market, 5),
				Error::<Test>::NothingToSettle
			);
		}
		check();
	});
}

#[test]
fn an_option_waits_for_its_settlement_price_and_is_marked_at_its_payoff_once_fixed() {
	build_and_execute(|| {
		let window = SettlementParams::default().window_ms;
		let expiry = T0 + 2 * window;
		let option = call(48_000, expiry);
		deposit(ALICE, 100_000, 0);
		deposit(BOB, 100_000, 0);
		trade(option, ALICE, BOB, 2_500, 1_000);
		// The oracle is down through the window: the price waits, nothing settles.
		TestPrices::set("BTC", None);
		block_at(expiry - window);
		block_at(expiry);
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::Margin(Event::SettlementDelayed { market, .. }) if market == option
		)));
		assert_noop!(
			Margin::settle(RuntimeOrigin::signed(KEEPER), option, 5),
			Error::<Test>::NothingToSettle
		);
		// It comes back at 51,000 and stays: the price is fixed once enough is covered.
		TestPrices::set("BTC", Some(51_000));
		block_at(expiry + window / 2);
		block_at(expiry + window);
		assert_eq!(Margin::settlement(option).unwrap().price, Some(FixedU128::from_u32(51_000)));
		// Marked at the payoff (3,000) whatever the index does now, with no requirement left.
		TestPrices::set("BTC", Some(70_000));
		let alice = view(ALICE, option);
		assert_eq!(alice.mark, FixedU128::from_u32(3_000));
		assert_eq!((alice.initial, alice.maintenance), (0, 0));
		check();
	});
}

mod settlement_props {
	use super::*;
	use proptest::prelude::*;

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(24))]
		/// Random trades among three traders in a call and a put of one expiry, a random
		/// settlement price and keeper step sizes: every position settles exactly once at its
		/// intrinsic value, cash is conserved and both markets end flat.
		#[test]
		fn every_option_settles_once_at_intrinsic_value(
			trades in proptest::collection::vec((0usize..2, 0usize..3, 0usize..3, 1u128..300, 0u32..3_000), 1..12),
			settle_at in 30_000u32..70_000,
			steps in proptest::collection::vec(1u32..4, 1..10),
		) {
			build_and_execute(|| {
				let window = SettlementParams::default().window_ms;
				let expiry = T0 + 2 * window;
				let markets = [call(50_000, expiry), put(50_000, expiry)];
				let traders = [ALICE, BOB, CHARLIE];
				for who in traders {
					deposit(who, 300_000, 0);
				}
				for (m, maker, taker, size, price) in trades {
					if maker == taker {
						continue;
					}
					let price = 1_000 + price;
					if place_in(markets[m], traders[maker], order(Side::Sell, price, size)).is_ok() {
						let _ = place_in(markets[m], traders[taker], order(Side::Buy, price, size));
						let _ = Orderbook::cancel_all(RuntimeOrigin::signed(traders[maker]), markets[m], 0);
					}
				}
				check();
				let held: Vec<[i128; 2]> =
					traders.iter().map(|w| markets.map(|m| position_in(*w, m))).collect();
				let before: Vec<i128> = traders.iter().map(|w| settlement(*w, 0)).collect();
				let everyone = cash_of_everyone();
				index_through_the_window(expiry, settle_at);
				System::reset_events();
				for market in markets {
					let mut calls = 0;
					for s in steps.iter().cycle() {
						if Margin::settlement(market).unwrap().settled {
							break;
						}
						assert_ok!(Margin::settle(RuntimeOrigin::signed(KEEPER), market, *s));
						check();
						calls += 1;
						prop_assert!(calls <= 10, "settlement must finish");
					}
					prop_assert_eq!(Margin::market_state(market).open_interest, 0);
				}
				let price = FixedU128::from_u32(settle_at);
				let payoffs = [
					clearinghouse_risk::options::intrinsic(clearinghouse_pricing::Right::Call, price, FixedU128::from_u32(50_000)),
					clearinghouse_risk::options::intrinsic(clearinghouse_pricing::Right::Put, price, FixedU128::from_u32(50_000)),
				];
				for (i, who) in traders.iter().enumerate() {
					// A long receives the payoff rounded down, a short pays it rounded up.
					let expected: i128 = (0..2)
						.map(|m| {
							let q = held[i][m];
							let rounding = if q > 0 { Rounding::Down } else { Rounding::Up };
							let v = usd_of(q.unsigned_abs(), payoffs[m], rounding) as i128;
							if q > 0 { v } else { -v }
						})
						.sum();
					prop_assert_eq!(settlement(*who, 0) - before[i], expected);
					for m in markets {
						prop_assert_eq!(position_in(*who, m), 0);
					}
				}
				prop_assert_eq!(cash_of_everyone(), everyone);
				let count = settled_positions().len();
				prop_assert_eq!(count, held.iter().flatten().filter(|q| **q != 0).count());
				Ok(())
			})?;
		}
	}
}

#[test]
fn a_chain_listed_in_one_call_is_configured_market_by_market_or_not_at_all() {
	build_and_execute(|| {
		let expiry = T0 + 7 * DAY;
		let template = orderbook::ChainTemplate {
			tick_size: FixedU128::from_u32(1),
			lot_size: 1,
			params: btc_market().params,
		};
		let strikes = |list: &[u32]| {
			polkadot_sdk::frame_support::BoundedVec::truncate_from(
				list.iter().map(|s| FixedU128::from_u32(*s)).collect(),
			)
		};
		let before = orderbook::Markets::<Test>::count();
		// Without option parameters for BTC nothing is listed.
		assert_noop!(
			Orderbook::list_option_chain(
				RuntimeOrigin::root(),
				btc(),
				expiry,
				strikes(&[45_000, 50_000]),
				template
			),
			Error::<Test>::NoVolKey
		);
		assert_ok!(Margin::set_option_params(RuntimeOrigin::root(), btc(), option_params()));
		assert_ok!(Orderbook::list_option_chain(
			RuntimeOrigin::root(),
			btc(),
			expiry,
			strikes(&[45_000, 50_000]),
			template
		));
		for market in before..before + 4 {
			assert_eq!(Margin::risk(market), Some(option_risk()));
			assert_eq!(Margin::settlement(market).map(|s| s.expiry), Some(expiry));
		}
		check();
	});
}

#[test]
fn quotes_chains_and_greeks_are_reported_per_market_position_and_underlying() {
	build_and_execute(|| {
		let left = 30 * DAY;
		let c = call(50_000, T0 + left);
		let p = put(50_000, T0 + left);
		for who in [ALICE, BOB, CHARLIE] {
			deposit(who, 100_000, 0);
		}
		trade(c, ALICE, BOB, 4_500, 1_000);
		// Bob is also long 0.5 BTC of the perpetual.
		assert_ok!(place(CHARLIE, 0, order(Side::Sell, 50_000, 500)));
		assert_ok!(place(BOB, 0, order(Side::Buy, 50_000, 500)));
		// Charlie quotes the call 4,400 / 4,700.
		assert_ok!(place_in(c, CHARLIE, order(Side::Buy, 4_400, 100)));
		assert_ok!(place_in(c, CHARLIE, order(Side::Sell, 4_700, 100)));

		let quote = Margin::option_quote(c).unwrap();
		let model = clearinghouse_risk::options::model(
			clearinghouse_pricing::Right::Call,
			FixedU128::from_u32(50_000),
			FixedU128::from_u32(50_000),
			FixedU128::from_rational(8, 10),
			left,
		)
		.unwrap();
		assert_eq!(
			(quote.spot, quote.vol, quote.mark, quote.delta, quote.vega),
			(
				FixedU128::from_u32(50_000),
				FixedU128::from_rational(8, 10),
				model.price,
				model.delta,
				model.vega
			)
		);
		assert_eq!((quote.open_interest, quote.fixed), (1_000, false));
		// The book's mid (4,550) implies a vol just under the 80% the mark uses; pricing at
		// it gives the mid back.
		assert_eq!(quote.book_mid, Some(FixedU128::from_u32(4_550)));
		let book_vol = quote.book_vol.unwrap();
		assert!(book_vol < quote.vol && book_vol > FixedU128::from_rational(78, 100));
		let back = clearinghouse_risk::options::model(
			clearinghouse_pricing::Right::Call,
			quote.spot,
			quote.strike,
			book_vol,
			left,
		)
		.unwrap()
		.price;
		assert!(back.into_inner().abs_diff(4_550 * 10u128.pow(18)) < 10u128.pow(15));
		// A perpetual is no option.
		assert_eq!(Margin::option_quote(BTC_PERP), None);
		// The chain: both options, with their quotes.
		let chain = Margin::option_chain(btc());
		assert_eq!(chain.iter().map(|q| q.market).collect::<Vec<_>>(), vec![c, p]);
		assert_eq!(chain[0], quote);
		// Bob's option position: 1 BTC long, Greeks at size.
		let positions = Margin::option_positions(&acct(BOB, 0));
		assert_eq!(positions.len(), 1);
		assert_eq!(
			(positions[0].quantity, positions[0].premium),
			(1_000, 4_500 * USD_UNIT as i128)
		);
		assert_eq!(positions[0].delta, quote.delta);
		// Per underlying: the call's delta plus the perpetual's 0.5; Alice the call's, short.
		let bob = Margin::greeks_by_underlying(&acct(BOB, 0));
		assert_eq!(bob.len(), 1);
		assert_eq!(bob[0].underlying, btc());
		assert_eq!(
			bob[0].delta,
			quote.delta + polkadot_sdk::sp_arithmetic::FixedI128::from_rational(1, 2)
		);
		assert_eq!(bob[0].vega, quote.vega);
		let alice = Margin::greeks_by_underlying(&acct(ALICE, 0));
		assert_eq!(alice[0].delta, -quote.delta);
		assert_eq!(alice[0].gamma, -quote.gamma);
		check();
	});
}

#[test]
fn a_market_configured_before_its_listing_takes_the_listed_instrument() {
	build_and_execute(|| {
		let expiry = T0 + 7 * DAY;
		assert_ok!(Margin::set_option_params(RuntimeOrigin::root(), btc(), option_params()));
		TestPrices::set_vol("BTCVOL", Some(FixedU128::from_rational(8, 10)));
		let next = orderbook::Markets::<Test>::count();
		// Governance configures the next id first, as if a perpetual (no funding).
		assert_ok!(Margin::do_set_market_risk(next, option_risk()));
		let config = |kind| orderbook::MarketConfig { kind, ..btc_market() };
		let option = orderbook::MarketKind::Option {
			right: orderbook::OptionRight::Call,
			strike: FixedU128::from_u32(50_000),
			expiry,
		};
		assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), config(option)));
		// It is valued and settled as the option it was listed as.
		assert!(matches!(Margin::market_state(next).instrument, Instrument::Option { .. }));
		assert_eq!(Margin::settlement(next).map(|s| s.expiry), Some(expiry));
		assert!(Margin::option_quote(next).is_some());
		// Parameters with funding cannot become a future's: that listing is refused.
		assert_ok!(Margin::do_set_market_risk(next + 1, btc_risk()));
		assert_noop!(
			Orderbook::create_market(
				RuntimeOrigin::root(),
				config(orderbook::MarketKind::Future { expiry })
			),
			Error::<Test>::InvalidRiskParams
		);
		// Nor can another underlying's.
		let eth = RiskParams {
			underlying: OracleKey::from_symbol("ETH").unwrap(),
			funding: None,
			..btc_risk()
		};
		let other = next + 2;
		assert_ok!(Margin::do_set_market_risk(other, eth));
		assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), btc_market()));
		assert_noop!(
			Orderbook::create_market(RuntimeOrigin::root(), btc_market()),
			Error::<Test>::ImmutableParams
		);
	});
}

pub(super) fn liquidated_markets() -> Vec<(MarketId, u128)> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Margin(Event::Liquidated { market, by_deleveraging, .. }) => {
				Some((market, by_deleveraging))
			},
			_ => None,
		})
		.collect()
}

#[test]
fn liquidation_buys_back_covered_calls_before_it_sells_their_cover() {
	build_and_execute(|| {
		// A 7-day call: its maintenance (its mark, covered) is below the perpetual's 5%.
		let option = call(50_000, T0 + 7 * DAY);
		deposit(ALICE, 100_000, 0);
		deposit(BOB, 100_000, 0);
		deposit(CHARLIE, 7_400, 0);
		assert_ok!(place(BOB, 0, order(Side::Sell, 50_000, 1_000)));
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 50_000, 1_000)));
		trade(option, CHARLIE, ALICE, 2_200, 1_000);
		// BTC falls to 42,000: the perpetual's loss takes Charlie below maintenance.
		TestPrices::set("BTC", Some(42_000));
		let health = Margin::account_health(&acct(CHARLIE, 0)).unwrap();
		assert!(health.liquidatable);
		let (perp, covered) = (view(CHARLIE, BTC_PERP), view(CHARLIE, option));
		assert!(perp.maintenance > covered.maintenance);
		System::reset_events();
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(CHARLIE, 0)));
		// The covered call goes first: selling the perpetual would leave it naked.
		assert_eq!(liquidated_markets().first().map(|l| l.0), Some(option));
		assert_eq!(size(CHARLIE, 0), 1_000);
		check();
	});
}

#[test]
fn a_vol_outage_neither_deleverages_nor_dumps_below_the_mark() {
	build_and_execute(|| {
		let option = put(40_000, T0 + 30 * DAY);
		deposit(ALICE, 200_000, 0);
		deposit(BOB, 100_000, 0);
		deposit(CHARLIE, 70_000, 0);
		// Charlie: long 1 BTC of the perpetual, short 2 far out-of-the-money puts (mark ≈ 905).
		assert_ok!(place(BOB, 0, order(Side::Sell, 50_000, 1_000)));
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 50_000, 1_000)));
		trade(option, CHARLIE, ALICE, 900, 2_000);
		assert!(!Margin::account_health(&acct(CHARLIE, 0)).unwrap().liquidatable);
		// A bid below the mark, above what a bankruptcy-priced dump would accept.
		assert_ok!(place(ALICE, 0, order(Side::Buy, 46_000, 1_000)));
		// The vol feed stops: the puts count at their strike (80,000) and Charlie looks about
		// 6,000 short of zero to liquidation: a bankruptcy price near 43,800.
		TestPrices::set_vol("BTCVOL", None);
		let guess = Margin::liquidation_health(&acct(CHARLIE, 0)).unwrap();
		assert!(guess.equity < 0 && guess.equity > -10_000 * USD_UNIT as i128);
		System::reset_events();
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(CHARLIE, 0)));
		// His perpetual (the only priced position) is closed no worse than the mark: the
		// 46,000 bid is not hit, and nothing is handed to deleveraging off the guess.
		assert_eq!(liquidated_markets(), vec![(BTC_PERP, 0)]);
		assert_eq!(size(ALICE, 0), 0);
		assert_eq!(Deleveraging::<Test>::count(), 0);
		check();
	});
}

#[test]
fn a_bankrupt_option_writer_is_deleveraged_against_the_profitable_holders() {
	build_and_execute(|| {
		let option = call(50_000, T0 + 30 * DAY);
		deposit(BOB, 10_000, 0);
		deposit(CHARLIE, 12_500, 0);
		// Charlie writes 1 BTC of the call to Bob; the fund holds only fee income.
		trade(option, CHARLIE, BOB, 4_500, 1_000);
		let everyone = cash_of_everyone();
		// BTC jumps to 70,000: the call is worth over 20,000, Charlie is thousands short of
		// zero, far beyond the fund.
		TestPrices::set("BTC", Some(70_000));
		let equity = Margin::liquidation_health(&acct(CHARLIE, 0)).unwrap().equity;
		assert!(equity < -(Margin::fund_cash()));
		System::reset_events();
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(CHARLIE, 0)));
		// He buys the call back from the fund at his bankruptcy price (the mark less what he
		// is short): zero left, no bad debt; the fund holds the short to hand on.
		assert!(deleveraging_events().iter().any(|e| matches!(
			e,
			Event::DeleveragingQueued { market, quantity: -1_000, .. } if *market == option
		)));
		assert_eq!(position_in(CHARLIE, option), 0);
		assert_eq!(settlement(CHARLIE, 0), 0);
		assert_eq!(TotalBadDebt::<Test>::get(), 0);
		check();
		// Deleveraging hands it to the profitable long: Bob sells his call to the fund at
		// that price, and the fund ends flat.
		for n in 3..6 {
			Margin::on_idle(n, polkadot_sdk::frame_support::weights::Weight::MAX);
		}
		assert!(deleveraging_events().iter().any(|e| matches!(
			e,
			Event::Deleveraged { account, market, quantity: 1_000, .. }
				if *market == option && account.owner == BOB
		)));
		assert_eq!(position_in(BOB, option), 0);
		assert_eq!(Deleveraging::<Test>::count(), 0);
		assert_eq!(Margin::market_state(option).open_interest, 0);
		assert_eq!(cash_of_everyone(), everyone);
		check();
	});
}

/// A margin check reports the surcharge of the kind of account it valued, not the costliest
/// kind's the call declared: nothing for perpetuals on the standard model, the option check's
/// for an account holding an option, the portfolio model's for a portfolio account (whatever it
/// holds). What the order book and `bulk` are charged follows it.
#[test]
fn a_margin_check_reports_the_surcharge_of_the_accounts_kind() {
	build_and_execute(|| {
		let option = call(50_000, T0 + 30 * DAY);
		deposit(ALICE, 100_000, 0);
		deposit(BOB, 100_000, 0);
		deposit(CHARLIE, 100_000, 0);
		let buy = |market| clearinghouse_primitives::OrderIntent {
			market,
			side: clearinghouse_primitives::TradeSide::Buy,
			size: 10,
			price: FixedU128::from_u32(50_000),
			reduce_only: false,
		};
		// No position: a perpetual order values one market, on the standard model.
		assert_eq!(Margin::ensure_can_place(&acct(BOB, 0), &buy(BTC_PERP)), Ok(Weight::zero()));
		// Bob buys the call: his next check values an option.
		trade(option, ALICE, BOB, 4_500, 1_000);
		let checked = Margin::ensure_can_place(&acct(BOB, 0), &buy(BTC_PERP)).unwrap();
		assert_eq!(checked, Margin::kind_surcharge(CheckKind::Options, 2));
		assert!(checked.ref_time() > 0);
		assert!(checked.all_lte(Margin::check_weight_surcharge(2)));
		// A withdrawal's check reports it too (one position valued).
		use clearinghouse_primitives::WithdrawalGuard;
		assert_eq!(
			Margin::ensure_can_withdraw(&acct(BOB, 0), 0),
			Ok(Margin::kind_surcharge(CheckKind::Options, 1))
		);
		// Charlie holds only a perpetual but is margined by the portfolio model.
		assert_ok!(Margin::set_portfolio_params(RuntimeOrigin::root(), super::portfolio::params()));
		super::portfolio::opt_in(CHARLIE);
		let checked = Margin::ensure_can_place(&acct(CHARLIE, 0), &buy(BTC_PERP)).unwrap();
		assert_eq!(checked, Margin::kind_surcharge(CheckKind::Portfolio, 1));
		assert_eq!(checked, Margin::check_weight_surcharge(1));
		// Alice wrote the call: an option account too.
		let checked = Margin::ensure_can_place(&acct(ALICE, 0), &buy(BTC_PERP)).unwrap();
		assert_eq!(checked, Margin::kind_surcharge(CheckKind::Options, 2));
		check();
	});
}
