//! Portfolio margin in the pallet: governed parameters, opting in and out, the covered call
//! the standard model refuses, switching back, liquidation.

use super::{options::*, *};
use clearinghouse_risk::scenario::ModelParams;
use polkadot_sdk::frame_support::BoundedVec;

/// The default grid with no concentration add-on (the tests' markets are all one account's).
pub(super) fn params() -> PortfolioParams {
	PortfolioParams::from_model(
		ModelParams { concentration: Permill::zero(), ..ModelParams::default() },
		BoundedVec::new(),
	)
}

pub(super) fn opt_in(who: AccountId) {
	assert_ok!(Margin::set_portfolio_margin(RuntimeOrigin::signed(who), 0, true));
}

#[test]
fn portfolio_parameters_are_governed_and_each_bound_has_its_error() {
	build_and_execute(|| {
		assert_noop!(
			Margin::set_portfolio_params(RuntimeOrigin::signed(ALICE), params()),
			DispatchError::BadOrigin
		);
		let p = params();
		let eth = OracleKey::from_symbol("ETH").unwrap();
		for (bad, error) in [
			(PortfolioParams { price_steps: 0, ..p.clone() }, Error::<Test>::PortfolioGridEmpty),
			(
				PortfolioParams { price_steps: 32, ..p.clone() },
				Error::<Test>::PortfolioGridTooLarge,
			),
			(
				PortfolioParams { price_range: Permill::from_percent(51), ..p.clone() },
				Error::<Test>::PortfolioPriceRangeOutOfBounds,
			),
			(
				PortfolioParams { vol_down: Permill::one(), ..p.clone() },
				Error::<Test>::PortfolioVolShockOutOfBounds,
			),
			(
				PortfolioParams { decay_ms: 8 * DAY, ..p.clone() },
				Error::<Test>::PortfolioDecayOutOfBounds,
			),
			(
				PortfolioParams { short_option_minimum: Permill::from_percent(11), ..p.clone() },
				Error::<Test>::PortfolioShortMinimumOutOfBounds,
			),
			(
				PortfolioParams { mm_ratio: Permill::one(), ..p.clone() },
				Error::<Test>::PortfolioMaintenanceRatio,
			),
			(
				PortfolioParams {
					credits: BoundedVec::truncate_from(vec![(
						btc(),
						eth,
						Permill::from_percent(60),
					)]),
					..p.clone()
				},
				Error::<Test>::PortfolioCreditAboveBound,
			),
		] {
			assert_noop!(Margin::set_portfolio_params(RuntimeOrigin::root(), bad), error);
		}
		assert_ok!(Margin::set_portfolio_params(RuntimeOrigin::root(), params()));
		System::assert_last_event(Event::PortfolioParamsSet { params: params() }.into());
		assert_eq!(PortfolioConfig::<Test>::get(), Some(params()));
	});
}

#[test]
fn an_account_opts_in_only_where_offered_and_switches_once() {
	build_and_execute(|| {
		assert_noop!(
			Margin::set_portfolio_margin(RuntimeOrigin::signed(ALICE), 0, true),
			Error::<Test>::PortfolioUnavailable
		);
		assert_ok!(Margin::set_portfolio_params(RuntimeOrigin::root(), params()));
		opt_in(ALICE);
		System::assert_last_event(
			Event::PortfolioMarginSet { account: acct(ALICE, 0), enabled: true }.into(),
		);
		assert_noop!(
			Margin::set_portfolio_margin(RuntimeOrigin::signed(ALICE), 0, true),
			Error::<Test>::ModelUnchanged
		);
		// The choice is kept in the account's record, which holds nothing else yet.
		assert!(Accounts::<Test>::get(acct(ALICE, 0)).portfolio);
		assert!(Accounts::<Test>::get(acct(ALICE, 0)).entries.is_empty());
		// Another sub-account is its own choice.
		assert!(!Accounts::<Test>::contains_key(acct(ALICE, 1)));
		assert_ok!(Margin::set_portfolio_margin(RuntimeOrigin::signed(ALICE), 0, false));
		// Opting out of the only thing the record held removes it.
		assert!(!Accounts::<Test>::contains_key(acct(ALICE, 0)));
	});
}

/// Charlie: 8,000 USD, long 1 BTC of the perpetual; Bob has a bid for the call.
pub(super) fn charlie_long_one_btc(call_market: MarketId) {
	deposit(BOB, 100_000, 0);
	deposit(CHARLIE, 8_000, 0);
	assert_ok!(place(BOB, 0, order(Side::Sell, 50_000, 1_000)));
	assert_ok!(place(CHARLIE, 0, order(Side::Buy, 50_000, 1_000)));
	assert_ok!(place_in(call_market, BOB, order(Side::Buy, 4_500, 1_000)));
}

/// Charlie, long 1 BTC of the perpetual on portfolio margin, writes 1 BTC of the at-the-money
/// 30-day call to Bob. Returns the call's market.
fn charlie_writes_a_covered_call_under_portfolio_margin() -> MarketId {
	let option = call(50_000, T0 + 30 * DAY);
	charlie_long_one_btc(option);
	assert_ok!(Margin::set_portfolio_params(RuntimeOrigin::root(), params()));
	opt_in(CHARLIE);
	assert_ok!(place_in(option, CHARLIE, order(Side::Sell, 4_500, 1_000)));
	option
}

#[test]
fn a_covered_call_the_standard_model_refuses_trades_under_portfolio_margin() {
	build_and_execute(|| {
		let option = call(50_000, T0 + 30 * DAY);
		charlie_long_one_btc(option);
		// The standard model wants 5,000 for the perpetual and the call's mark (≈ 4,565) for
		// the covered call: more than Charlie has.
		assert_noop!(
			place_in(option, CHARLIE, order(Side::Sell, 4_500, 1_000)),
			Error::<Test>::InsufficientMargin
		);
		assert_ok!(Margin::set_portfolio_params(RuntimeOrigin::root(), params()));
		opt_in(CHARLIE);
		// The portfolio sees the hedge: the worst scenario of the pair is far smaller.
		assert_ok!(place_in(option, CHARLIE, order(Side::Sell, 4_500, 1_000)));
		assert_eq!(position_in(CHARLIE, option), -1_000);
		let health = Margin::account_health(&acct(CHARLIE, 0)).unwrap();
		assert!(!health.liquidatable);
		assert!(health.initial < 9_000 * USD_UNIT, "{}", health.initial);
		// The maintenance requirement is the model's share of it.
		assert_eq!(
			health.maintenance,
			Permill::from_percent(70)
				.mul_ceil(Margin::health(&acct(CHARLIE, 0), None).unwrap().initial)
		);
		// Back to the standard model needs the standard requirement: refused, unchanged.
		assert_noop!(
			Margin::set_portfolio_margin(RuntimeOrigin::signed(CHARLIE), 0, false),
			Error::<Test>::InsufficientMargin
		);
		check();
	});
}

#[test]
fn a_portfolio_account_without_an_options_vol_cannot_add_risk() {
	build_and_execute(|| {
		charlie_writes_a_covered_call_under_portfolio_margin();
		TestPrices::set_vol("BTCVOL", None);
		// More risk: refused for want of a price.
		assert_noop!(
			place(CHARLIE, 0, order(Side::Buy, 50_000, 100)),
			Error::<Test>::PriceUnavailable
		);
		check();
	});
}

#[test]
fn a_portfolio_account_below_maintenance_is_liquidated_and_ends_healthier() {
	build_and_execute(|| {
		charlie_writes_a_covered_call_under_portfolio_margin();
		deposit(ALICE, 100_000, 0);
		// BTC falls to 40,000: the perpetual loses 10,000, the call gives back most of its
		// mark; Charlie is below maintenance.
		TestPrices::set("BTC", Some(40_000));
		let before = Margin::liquidation_health(&acct(CHARLIE, 0)).unwrap();
		assert!(before.is_liquidatable());
		System::reset_events();
		assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(CHARLIE, 0)));
		// The perpetual carries the risk the model sees: it goes first.
		assert_eq!(liquidated_markets().first().map(|l| l.0), Some(BTC_PERP));
		let after = Margin::liquidation_health(&acct(CHARLIE, 0)).unwrap();
		let margin = |h: &clearinghouse_risk::margin::Health| {
			h.equity - i128::try_from(h.maintenance).unwrap()
		};
		assert!(margin(&after) > margin(&before), "{after:?} vs {before:?}");
		check();
	});
}

#[test]
fn an_option_bought_on_portfolio_margin_is_charged_its_haircut_up_front() {
	build_and_execute(|| {
		let option = call(55_000, T0 + 30 * DAY);
		deposit(ALICE, 100_000, 0);
		assert_ok!(Margin::set_portfolio_params(RuntimeOrigin::root(), params()));
		opt_in(ALICE);
		let buy = crate::functions::PendingOrder {
			market: option,
			size: 1_000,
			price: FixedU128::from_u32(2_600),
		};
		let without = Margin::health(&acct(ALICE, 0), None).unwrap();
		let with = Margin::health(&acct(ALICE, 0), Some(buy)).unwrap();
		// The 10% haircut equity will apply to the call once bought is in the requirement
		// already (beside the scenarios' loss of the premium): buying cannot leave the account
		// short of its maintenance the moment it fills.
		let mark = Margin::mark_price(option, &option_risk()).unwrap();
		let haircut = Permill::from_percent(10).mul_ceil(usd_of(
			1_000,
			mark,
			polkadot_sdk::sp_arithmetic::Rounding::Up,
		));
		// Exactly: the model's requirement with the call bought, plus the haircut.
		let leg = crate::portfolio::Leg::of(
			&PositionEntry::new(option, Default::default()),
			&option_risk(),
			&Margin::market_state(option),
			pallet_timestamp::Now::<Test>::get(),
		)
		.unwrap();
		let (model, _, _) = Margin::portfolio_requirements(
			&params(),
			&[leg],
			Some(buy),
			6,
			crate::functions::Valuation::Strict,
		)
		.unwrap();
		assert_eq!(with.initial, model + haircut);
		assert_eq!(without.initial, 0);
		check();
	});
}

#[test]
fn resting_orders_that_extend_a_position_pay_the_concentration_cross_term() {
	build_and_execute(|| {
		// Concentration 10%: Charlie holds all of the perpetual's open interest (1 BTC).
		let with_concentration =
			PortfolioParams { concentration: Permill::from_percent(10), ..params() };
		assert_ok!(Margin::set_portfolio_params(RuntimeOrigin::root(), with_concentration.clone()));
		deposit(BOB, 100_000, 0);
		deposit(CHARLIE, 100_000, 0);
		assert_ok!(place(BOB, 0, order(Side::Sell, 50_000, 1_000)));
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 50_000, 1_000)));
		opt_in(CHARLIE);
		// A resting buy of 0.5 BTC far below the mark: it would take him to 1.5 BTC.
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 40_000, 500)));
		let entry = Accounts::<Test>::get(acct(CHARLIE, 0))[0];
		let now = pallet_timestamp::Now::<Test>::get();
		let state = Margin::market_state(BTC_PERP);
		let leg = crate::portfolio::Leg::of(&entry, &btc_risk(), &state, now).unwrap();
		let requirement = |legs: &[crate::portfolio::Leg]| {
			Margin::portfolio_requirements(
				&with_concentration,
				legs,
				None,
				6,
				crate::functions::Valuation::Strict,
			)
			.unwrap()
			.0
		};
		let bare = crate::portfolio::Leg { resting_buy: 0, resting_sell: 0, ..leg };
		let alone = crate::portfolio::Leg {
			holding: clearinghouse_risk::scenario::Holding { quantity: 500, ..leg.holding },
			..bare
		};
		// 2 × 10% × 25,000 (the orders' notional) × 1 BTC held / 1 BTC of open interest.
		let cross = 5_000 * USD_UNIT;
		assert_eq!(requirement(&[leg]), requirement(&[bare]) + requirement(&[alone]) + cross);
		assert_eq!(Margin::health(&acct(CHARLIE, 0), None).unwrap().initial, requirement(&[leg]));
		check();
	});
}

#[test]
fn a_hedged_portfolio_book_below_maintenance_is_closed_not_shaved_into_more_risk() {
	build_and_execute(|| {
		assert_ok!(Margin::set_portfolio_params(RuntimeOrigin::root(), params()));
		let future = btc_future(T0 + 30 * DAY);
		deposit(BOB, 100_000, 0);
		deposit(CHARLIE, 8_000, 0);
		opt_in(CHARLIE);
		// Charlie: long 1 BTC of the perpetual (the model wants 7,500 for it alone), then short
		// 1 BTC of the future: no scenario loses.
		assert_ok!(place(BOB, 0, order(Side::Sell, 50_000, 1_000)));
		assert_ok!(place(CHARLIE, 0, order(Side::Buy, 50_000, 1_000)));
		assert_ok!(place_in(future, BOB, order(Side::Buy, 50_000, 1_000)));
		assert_ok!(place_in(future, CHARLIE, order(Side::Sell, 50_000, 1_000)));
		assert!(!Margin::account_health(&acct(CHARLIE, 0)).unwrap().liquidatable);
		// Governance adds a 20% concentration add-on: he holds all of both markets' open
		// interest, so 10,000 per leg; he is below maintenance though no price moved.
		assert_ok!(Margin::set_portfolio_params(
			RuntimeOrigin::root(),
			PortfolioParams { concentration: Permill::from_percent(20), ..params() }
		));
		assert!(Margin::account_health(&acct(CHARLIE, 0)).unwrap().liquidatable);
		// Each leg alone frees nothing of the model's requirement (the other goes naked):
		// liquidation still converges in a few steps and leaves him flat.
		let mut steps = 0;
		while Margin::liquidation_health(&acct(CHARLIE, 0)).unwrap().is_liquidatable() {
			assert_ok!(Margin::liquidate(RuntimeOrigin::signed(KEEPER), acct(CHARLIE, 0)));
			steps += 1;
			assert!(steps <= 4, "liquidation must converge");
		}
		assert_eq!(size(CHARLIE, 0), 0);
		check();
	});
}

#[test]
fn the_risk_array_explains_the_requirement_beside_the_standard_models() {
	build_and_execute(|| {
		assert_eq!(Margin::risk_array(&acct(CHARLIE, 0)), None);
		charlie_writes_a_covered_call_under_portfolio_margin();
		let array = Margin::risk_array(&acct(CHARLIE, 0)).unwrap();
		assert!(array.portfolio_margined);
		assert_eq!(array.scenarios.len(), 28);
		assert_eq!(array.underlyings.len(), 1);
		let btc_row = &array.underlyings[0];
		assert_eq!(btc_row.underlying, btc());
		assert_eq!(btc_row.pnl.len(), 28);
		// The requirement is the named worst scenario's weighted loss plus the add-ons.
		let worst = usize::from(btc_row.worst.unwrap());
		let loss = array.scenarios[worst].weight.mul_ceil(btc_row.pnl[worst].unsigned_abs());
		assert_eq!(btc_row.scan_loss, loss);
		assert!(btc_row
			.pnl
			.iter()
			.zip(&array.scenarios)
			.all(|(p, s)| { s.weight.mul_ceil(p.min(&0).unsigned_abs()) <= loss }));
		assert_eq!(
			btc_row.requirement,
			btc_row.scan_loss + btc_row.short_option_minimum + btc_row.concentration
		);
		// What the account is held to, and what the standard model would want: more.
		let health = Margin::health(&acct(CHARLIE, 0), None).unwrap();
		assert_eq!((array.initial, array.maintenance), (health.initial, health.maintenance));
		assert!(array.standard_initial > array.initial);
		assert!(array.unpriced_markets.is_empty());
		check();
	});
}

/// A failing order check of a portfolio account values the book once: the initial requirement
/// without the order comes from the same revaluation, and must be what a valuation without it
/// gives — for orders that add, cut or flip a position, in a market held or new, option buys
/// (whose haircut is charged up front) and sells, with resting orders on the book.
#[test]
fn one_valuation_gives_the_initial_requirement_with_and_without_the_order() {
	build_and_execute(|| {
		let option = charlie_writes_a_covered_call_under_portfolio_margin();
		let put = put(45_000, T0 + 30 * DAY);
		deposit(CHARLIE, 20_000, 0);
		assert_ok!(place_in(option, CHARLIE, order(Side::Buy, 4_000, 300)));
		assert_ok!(place(CHARLIE, 0, order(Side::Sell, 51_000, 200)));
		let who = acct(CHARLIE, 0);
		let without = Margin::health(&who, None).unwrap().initial;
		let price = FixedU128::from_u32;
		for (market, size, at) in [
			(option, 500, 4_600),
			(option, -500, 4_400),
			(option, 2_500, 4_700),
			(BTC_PERP, 2_000, 50_100),
			(BTC_PERP, -1_000, 49_900),
			(BTC_PERP, -3_000, 49_000),
			(put, 700, 2_000),
			(put, -700, 1_500),
		] {
			let pending = crate::functions::PendingOrder { market, size, price: price(at) };
			let (with, alone, _) = Margin::order_health(&who, pending).unwrap();
			assert_eq!(alone, Some(without), "{market} {size}");
			assert_eq!(with, Margin::health(&who, Some(pending)).unwrap());
		}
		check();
	});
}

/// Records that hold only the portfolio flag (anyone can make them, one per sub-account) cost
/// the liquidation sweep a read each, not a valuation: they have nothing to liquidate, and
/// opting sub-accounts in cannot crowd real accounts out of a block's sweep.
#[test]
fn flag_only_records_cost_the_sweep_a_read_not_a_valuation() {
	use polkadot_sdk::frame_support::{traits::Get, weights::Weight};
	build_and_execute(|| {
		assert_ok!(Margin::set_portfolio_params(RuntimeOrigin::root(), params()));
		for sub in 0..4u8 {
			assert_ok!(Margin::set_portfolio_margin(RuntimeOrigin::signed(ALICE), sub, true));
		}
		assert_eq!(Accounts::<Test>::iter().filter(|(_, r)| r.entries.is_empty()).count(), 4);
		let db = <<Test as polkadot_sdk::frame_system::Config>::DbWeight as Get<
			polkadot_sdk::frame_support::weights::RuntimeDbWeight,
		>>::get();
		let used = Margin::sweep_liquidations(Weight::MAX);
		// The cursor's read and write, and a read per record: no valuation was charged.
		assert_eq!(used, db.reads_writes(1, 1).saturating_add(db.reads(4)));
		assert_eq!(LiquidationCursor::<Test>::get(), None);
	});
}
