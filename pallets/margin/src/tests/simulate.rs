//! The what-if simulator: it predicts what a real trade does, compares the models, values
//! deposits and withdrawals, names every input it refuses, and writes nothing.

use super::{options::*, portfolio::*, *};
use pallet_clearinghouse_vaults as vaults;
use polkadot_sdk::{sp_arithmetic::Rounding, sp_io, sp_runtime::StateVersion};

fn sell(market: MarketId, quantity: i128, price: Option<u32>) -> SimulatedTrade {
	SimulatedTrade { market, quantity: -quantity, price: price.map(FixedU128::from_u32) }
}

fn figures(h: &AccountHealth) -> HealthFigures {
	HealthFigures {
		equity: h.equity,
		initial: h.initial,
		maintenance: h.maintenance,
		free_collateral: h.free_collateral,
		liquidatable: h.liquidatable,
	}
}

fn usd(amount: i128) -> SimulatedDeposit {
	SimulatedDeposit { collateral: 0, amount: amount * USD_UNIT as i128 }
}

#[test]
fn a_simulated_covered_call_is_what_the_account_shows_after_the_trade() {
	build_and_execute(|| {
		let option = call(50_000, T0 + 30 * DAY);
		charlie_long_one_btc(option);
		assert_ok!(Margin::set_portfolio_params(RuntimeOrigin::root(), params()));
		opt_in(CHARLIE);
		let who = acct(CHARLIE, 0);
		let now = Margin::account_health(&who).unwrap();
		let sim = Margin::simulate(&who, vec![sell(option, 1_000, Some(4_500))], vec![]).unwrap();
		assert!(sim.portfolio_margined);
		assert_eq!(sim.before, figures(&now));
		// The premium comes in.
		assert_eq!(sim.cash, (4_500 * USD_UNIT) as i128);

		// Now the real trade, into Bob's bid at 4,500: Charlie takes and pays the taker fee.
		assert_ok!(place_in(option, CHARLIE, order(Side::Sell, 4_500, 1_000)));
		let fee = Permill::from_parts(500).mul_ceil(4_500 * USD_UNIT) as i128;
		let after = Margin::account_health(&who).unwrap();
		assert_eq!(sim.after.equity - fee, after.equity);
		assert_eq!((sim.after.initial, sim.after.maintenance), (after.initial, after.maintenance));
		assert_eq!(sim.positions, after.positions);
		// Portfolio margined: the account's figures are the portfolio model's, its risk array
		// the one the chain now shows, the standard model's beside it.
		assert_eq!(sim.portfolio.unwrap().initial, sim.after.initial);
		let array = Margin::risk_array(&who).unwrap();
		assert_eq!(sim.risk_array.as_ref().unwrap().underlyings, array.underlyings);
		assert_eq!(
			(sim.standard.initial, sim.standard.maintenance),
			(array.standard_initial, array.standard_maintenance)
		);
		// 9,564.92 by the standard model against 6,471.19.
		assert!(sim.standard.initial > sim.after.initial + 3_000 * USD_UNIT, "{sim:?}");
	});
}

#[test]
fn simulating_shows_what_opting_in_would_allow_without_opting_in() {
	build_and_execute(|| {
		let option = call(50_000, T0 + 30 * DAY);
		charlie_long_one_btc(option);
		assert_ok!(Margin::set_portfolio_params(RuntimeOrigin::root(), params()));
		let who = acct(CHARLIE, 0);
		let sim = Margin::simulate(&who, vec![sell(option, 1_000, Some(4_500))], vec![]).unwrap();
		// On the standard model (its own) the covered call is short of margin, as the order
		// check says; the portfolio model would carry it.
		assert!(!sim.portfolio_margined);
		assert_eq!(sim.after, sim.standard);
		assert!(sim.after.free_collateral < 0, "{sim:?}");
		assert_noop!(
			place_in(option, CHARLIE, order(Side::Sell, 4_500, 1_000)),
			Error::<Test>::InsufficientMargin
		);
		let portfolio = sim.portfolio.unwrap();
		assert!(portfolio.free_collateral > 0, "{portfolio:?}");
		assert_eq!(portfolio.equity, sim.standard.equity);
		let array = sim.risk_array.unwrap();
		assert!(!array.portfolio_margined);
		assert_eq!(array.initial, portfolio.initial);
		// The README's worked example, to the micro-USD. Equity: 8,000 deposited − 25 of fee on
		// the perpetual + 4,500 of premium − the call's mark 4,564.92.
		assert_eq!(sim.standard.equity, 7_910_079_609);
		// Standard: 10% of the perpetual (5,000) + the covered call's mark.
		assert_eq!(sim.standard.initial, 9_564_920_391);
		// Portfolio: the worst scenario is the extreme fall (−45%, vol up) counted at 33%:
		// 18,094.53 × 33% = 5,971.19, plus the short-option minimum (1% of 50,000).
		let btc_risk = &array.underlyings[0];
		assert_eq!(array.scenarios[btc_risk.worst.unwrap() as usize].price_move, -450_000);
		assert_eq!(btc_risk.pnl[btc_risk.worst.unwrap() as usize], -18_094_526_736);
		assert_eq!(
			(btc_risk.scan_loss, btc_risk.short_option_minimum),
			(5_971_193_823, 500_000_000)
		);
		assert_eq!((portfolio.initial, portfolio.maintenance), (6_471_193_823, 4_529_835_677));
		assert_eq!(
			(sim.standard.free_collateral, portfolio.free_collateral),
			(-1_654_840_782, 1_438_885_786)
		);
		// And with no portfolio model offered, there is none to compare.
		PortfolioConfig::<Test>::kill();
		let sim = Margin::simulate(&who, vec![sell(option, 1_000, Some(4_500))], vec![]).unwrap();
		assert_eq!((sim.portfolio, sim.risk_array), (None, None));
	});
}

#[test]
fn closing_at_the_mark_realises_the_pnl_and_frees_every_requirement() {
	build_and_execute(|| {
		open_trade();
		TestPrices::set("BTC", Some(52_000));
		TestPrices::set_ema("BTC", 52_000);
		let who = acct(BOB, 0);
		let mark = Margin::mark_price(BTC_PERP, &btc_risk()).unwrap();
		let sim = Margin::simulate(&who, vec![sell(BTC_PERP, 100, None)], vec![]).unwrap();
		// 0.1 BTC bought at 50,000, sold at the mark.
		let gain = usd_of(100, mark, Rounding::Down) as i128 - (5_000 * USD_UNIT) as i128;
		assert!(gain > 0);
		assert_eq!(sim.cash, gain);
		assert!(sim.positions.is_empty());
		assert_eq!((sim.after.initial, sim.after.maintenance), (0, 0));
		assert_eq!(sim.after.equity, sim.before.equity);
		assert_eq!(size(BOB, 0), 100);
	});
}

#[test]
fn deposits_and_withdrawals_are_valued_and_the_ledger_refuses_what_it_would() {
	build_and_execute(|| {
		open_trade();
		let who = acct(BOB, 0);
		let sim = Margin::simulate(&who, vec![], vec![usd(1_000)]).unwrap();
		assert_eq!(sim.after.equity, sim.before.equity + (1_000 * USD_UNIT) as i128);
		assert_eq!(sim.after.initial, sim.before.initial);
		assert_eq!(sim.cash, 0);
		// Taking out all but 200 USD leaves the position below maintenance (250 USD).
		let balance = settlement(BOB, 0);
		let left = 200 * USD_UNIT as i128;
		let sim = Margin::simulate(
			&who,
			vec![],
			vec![SimulatedDeposit { collateral: 0, amount: left - balance }],
		)
		.unwrap();
		assert!(!sim.before.liquidatable);
		assert!(sim.after.liquidatable, "{sim:?}");
		assert!(sim.after.free_collateral < 0);
		assert_eq!(
			Margin::simulate(
				&who,
				vec![],
				vec![SimulatedDeposit { collateral: 0, amount: -balance - 1 }]
			),
			Err(SimulationError::Collateral(vaults::Error::<Test>::InsufficientBalance.into()))
		);
		assert_eq!(
			Margin::simulate(&who, vec![], vec![SimulatedDeposit { collateral: 9, amount: 1 }]),
			Err(SimulationError::Collateral(vaults::Error::<Test>::UnknownCollateral.into()))
		);
		// Trades come first: a withdrawal may take out what closing at a gain brings in.
		let gain = (200 * USD_UNIT) as i128;
		let sim = Margin::simulate(
			&who,
			vec![sell(BTC_PERP, 100, Some(52_000))],
			vec![SimulatedDeposit { collateral: 0, amount: -balance - gain }],
		)
		.unwrap();
		assert_eq!(sim.cash, gain);
		assert_eq!(sim.after.equity, 0);
		assert!(sim.positions.is_empty());
	});
}

#[test]
fn a_simulation_writes_nothing_and_emits_nothing() {
	build_and_execute(|| {
		let option = call(50_000, T0 + 30 * DAY);
		charlie_long_one_btc(option);
		assert_ok!(Margin::set_portfolio_params(RuntimeOrigin::root(), params()));
		opt_in(CHARLIE);
		System::reset_events();
		let root = sp_io::storage::root(StateVersion::V1);
		let who = acct(CHARLIE, 0);
		let sim = Margin::simulate(
			&who,
			vec![
				sell(option, 1_000, Some(4_500)),
				sell(BTC_PERP, 500, None),
				SimulatedTrade { market: option, quantity: 200, price: None },
			],
			vec![usd(-1_000)],
		)
		.unwrap();
		assert_eq!(sim.positions.len(), 2);
		assert_eq!(sp_io::storage::root(StateVersion::V1), root);
		assert!(System::events().is_empty());
		assert_eq!(position_in(CHARLIE, option), 0);
		assert_eq!(size(CHARLIE, 0), 1_000);
	});
}

#[test]
fn every_input_the_simulator_refuses_is_named() {
	build_and_execute(|| {
		open_trade();
		let who = acct(BOB, 0);
		let buy = |market, quantity| SimulatedTrade { market, quantity, price: None };
		let refused = |trades: Vec<SimulatedTrade>| Margin::simulate(&who, trades, vec![]);
		assert_eq!(refused(vec![buy(77, 1)]), Err(SimulationError::UnknownMarket(77)));
		assert_eq!(refused(vec![buy(BTC_PERP, 0)]), Err(SimulationError::ZeroQuantity(BTC_PERP)));
		assert_eq!(
			refused(vec![buy(BTC_PERP, 1); MAX_SIMULATED_TRADES as usize + 1]),
			Err(SimulationError::TooManyTrades)
		);
		assert_eq!(
			Margin::simulate(&who, vec![], vec![usd(1); MAX_SIMULATED_DEPOSITS as usize + 1]),
			Err(SimulationError::TooManyDeposits)
		);
		// At the limits it runs.
		assert_ok!(refused(vec![buy(BTC_PERP, 1); MAX_SIMULATED_TRADES as usize]));
		assert_ok!(Margin::simulate(&who, vec![], vec![usd(1); MAX_SIMULATED_DEPOSITS as usize]));
		// A price that overflows the notional.
		assert!(matches!(
			refused(vec![SimulatedTrade {
				market: BTC_PERP,
				quantity: i128::MAX,
				price: Some(FixedU128::from_u32(1_000_000)),
			}]),
			Err(SimulationError::Valuation(_))
		));
		// One more market than an account may hold positions in.
		let max: u32 = <Test as Config>::MaxPositions::get();
		let mut trades = vec![buy(BTC_PERP, 1)];
		for _ in 0..max {
			assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), btc_market()));
			let market = orderbook::Markets::<Test>::count() - 1;
			assert_ok!(Margin::do_set_market_risk(market, btc_risk()));
			trades.push(buy(market, 1));
		}
		assert_eq!(refused(trades.clone()), Err(SimulationError::TooManyPositions));
		// Closing a position first frees its slot, as a real fill does.
		let mut close_then_open = trades.clone();
		close_then_open[0] = buy(BTC_PERP, -100);
		assert_ok!(refused(close_then_open));
		trades.pop();
		assert_ok!(refused(trades));
		// Without an index the perpetual has no mark: a trade in it needs a price, and the
		// account is then valued as liquidation values it, the market named.
		TestPrices::set("BTC", None);
		assert_eq!(refused(vec![buy(BTC_PERP, 1)]), Err(SimulationError::NoPrice(BTC_PERP)));
		let sim = refused(vec![SimulatedTrade {
			market: BTC_PERP,
			quantity: -100,
			price: Some(FixedU128::from_u32(50_000)),
		}])
		.unwrap();
		assert!(sim.positions.is_empty());
		assert_eq!(sim.unpriced_markets, Vec::<MarketId>::new());
		let sim = refused(vec![SimulatedTrade {
			market: BTC_PERP,
			quantity: 100,
			price: Some(FixedU128::from_u32(50_000)),
		}])
		.unwrap();
		assert_eq!(sim.unpriced_markets, vec![BTC_PERP]);
		// Without a settlement asset nothing can be valued.
		TestPrices::set("BTC", Some(50_000));
		let settlement = vaults::SettlementCollateral::<Test>::take();
		assert_eq!(refused(vec![]), Err(SimulationError::NoSettlementAsset));
		vaults::SettlementCollateral::<Test>::set(settlement);
	});
}

#[test]
fn a_market_whose_settlement_price_is_fixed_no_longer_trades() {
	build_and_execute(|| {
		let (future, expiry) = bob_long_one_btc_future();
		let who = acct(BOB, 0);
		assert_ok!(Margin::simulate(&who, vec![sell(future, 1_000, None)], vec![]));
		index_through_the_window(expiry, 46_000);
		assert_eq!(
			Margin::simulate(&who, vec![sell(future, 1_000, None)], vec![]),
			Err(SimulationError::MarketSettled(future))
		);
	});
}
