//! Accuracy against an independent double-precision reference (statrs' normal distribution,
//! erfc-based), and the properties a price must have whatever the inputs.
//!
//! `cargo test -p clearinghouse-pricing --test accuracy -- --nocapture` prints the table of
//! largest errors the crate docs quote.

use clearinghouse_pricing::{implied_vol, value, Error, Fixed, Inputs, Right, Valuation};
use proptest::prelude::*;
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

/// Black–Scholes price and Greeks in f64: the reference.
fn reference(right: Right, s: f64, k: f64, vol: f64, t: f64, r: f64) -> [f64; 5] {
	let n = Normal::new(0.0, 1.0).unwrap();
	let sd = vol * t.sqrt();
	let d1 = ((s / k).ln() + (r + vol * vol / 2.0) * t) / sd;
	let d2 = d1 - sd;
	let disc = (-r * t).exp();
	let decay = -s * n.pdf(d1) * vol / (2.0 * t.sqrt());
	let gamma = n.pdf(d1) / (s * sd);
	let vega = s * n.pdf(d1) * t.sqrt();
	match right {
		Right::Call => [
			s * n.cdf(d1) - k * disc * n.cdf(d2),
			n.cdf(d1),
			gamma,
			vega,
			decay - r * k * disc * n.cdf(d2),
		],
		Right::Put => [
			k * disc * n.cdf(-d2) - s * n.cdf(-d1),
			n.cdf(d1) - 1.0,
			gamma,
			vega,
			decay + r * k * disc * n.cdf(-d2),
		],
	}
}

fn inputs(right: Right, s: f64, k: f64, vol: f64, t: f64, r: f64) -> Inputs {
	Inputs {
		right,
		spot: Fixed::from_f64(s),
		strike: Fixed::from_f64(k),
		vol: Fixed::from_f64(vol),
		time: Fixed::from_f64(t),
		rate: Fixed::from_f64(r),
	}
}

/// Errors per unit of the underlying's price: price/S, delta, gamma·S, vega/S, theta/S.
fn normalised_errors(v: &Valuation, want: [f64; 5], s: f64) -> [f64; 5] {
	[
		(v.price.to_f64() - want[0]).abs() / s,
		(v.delta.to_f64() - want[1]).abs(),
		(v.gamma.to_f64() - want[2]).abs() * s,
		(v.vega.to_f64() - want[3]).abs() / s,
		(v.theta.to_f64() - want[4]).abs() / s,
	]
}

#[test]
fn price_and_greeks_match_the_double_precision_reference_over_the_grid() {
	let spot = 50_000.0;
	let moneyness: Vec<f64> = (0..=15).map(|i| 0.5 + 0.1 * i as f64).collect();
	let vols = [0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5];
	let days = [1.0, 7.0, 30.0, 91.0, 182.0, 365.0, 730.0];
	let mut worst = [0f64; 5];
	let mut cases = 0;
	for right in [Right::Call, Right::Put] {
		for &m in &moneyness {
			for &vol in &vols {
				for &d in &days {
					for r in [0.0, 0.05] {
						let (k, t) = (spot / m, d / 365.0);
						let v = value(&inputs(right, spot, k, vol, t, r)).unwrap();
						let e = normalised_errors(&v, reference(right, spot, k, vol, t, r), spot);
						for (w, e) in worst.iter_mut().zip(e) {
							*w = w.max(e);
						}
						cases += 1;
					}
				}
			}
		}
	}
	println!("{cases} cases: S/K 0.5–2, vol 5%–150%, 1 day–2 years, r 0 and 5%, calls and puts");
	println!("| price/S | delta | gamma·S | vega/S | theta/S (per year) |");
	println!(
		"| {:.1e} | {:.1e} | {:.1e} | {:.1e} | {:.1e} |",
		worst[0], worst[1], worst[2], worst[3], worst[4]
	);
	assert!(worst[0] <= 1e-8, "price error {:e}", worst[0]);
	for (name, e) in ["delta", "gamma", "vega", "theta"].iter().zip(&worst[1..]) {
		assert!(*e <= 1e-6, "{name} error {e:e}");
	}
}

#[test]
fn near_certain_options_are_worth_their_intrinsic_value() {
	let minute = 1.0 / (365.0 * 24.0 * 60.0);
	// Deep in the money a minute before expiry: intrinsic value, delta 1.
	let v = value(&inputs(Right::Call, 50_000.0, 40_000.0, 0.8, minute, 0.0)).unwrap();
	assert!((v.price.to_f64() - 10_000.0).abs() < 1e-6);
	assert_eq!(v.delta, Fixed::ONE);
	// Deep out of the money: nothing.
	let v = value(&inputs(Right::Call, 50_000.0, 60_000.0, 0.8, minute, 0.0)).unwrap();
	assert_eq!(v.price, Fixed::ZERO);
	// Vol zero or expiry now: the discounted intrinsic value and the payoff's Greeks.
	for (vol, t) in [(0.0, 0.5), (0.8, 0.0)] {
		let v = value(&inputs(Right::Put, 50_000.0, 60_000.0, vol, t, 0.05)).unwrap();
		let want = 60_000.0 * (-0.05f64 * t).exp() - 50_000.0;
		assert!((v.price.to_f64() - want).abs() < 1e-9, "{vol} {t}");
		assert_eq!(
			(v.delta, v.gamma, v.vega),
			(Fixed::ONE.try_neg().unwrap(), Fixed::ZERO, Fixed::ZERO)
		);
	}
	// 1,000% vol: a call is worth nearly the spot, a number, not a panic.
	let v = value(&inputs(Right::Call, 50_000.0, 50_000.0, 10.0, 2.0, 0.0)).unwrap();
	assert!(v.price.to_f64() > 49_000.0 && v.price.to_f64() < 50_000.0);
}

#[test]
fn outside_the_domain_is_an_error_not_a_number() {
	let ok = inputs(Right::Call, 50_000.0, 50_000.0, 0.5, 0.5, 0.0);
	let bad = [
		Inputs { spot: Fixed::ZERO, ..ok },
		Inputs { strike: Fixed(-1), ..ok },
		Inputs { strike: Fixed::from_int(5_000_001), ..ok }, // moneyness 1/100.00002
		Inputs { vol: Fixed::from_f64(10.5), ..ok },
		Inputs { vol: Fixed(-1), ..ok },
		Inputs { time: Fixed::from_int(11), ..ok },
		Inputs { rate: Fixed::from_f64(1.5), ..ok },
		Inputs { spot: Fixed(i128::MAX), ..ok },
	];
	for b in bad {
		assert_eq!(value(&b), Err(Error::OutOfDomain), "{b:?}");
	}
	// A price near zero inside the domain still prices.
	assert!(value(&Inputs { spot: Fixed(1), strike: Fixed(1), ..ok }).is_ok());
}

#[test]
fn implied_vol_recovers_the_vol_that_priced_the_option() {
	for vol in [0.05, 0.3, 0.8, 1.5, 4.0] {
		for (right, k) in [(Right::Call, 55_000.0), (Right::Put, 45_000.0), (Right::Call, 50_000.0)]
		{
			let i = inputs(right, 50_000.0, k, vol, 30.0 / 365.0, 0.0);
			let price = value(&i).unwrap().price;
			let found = implied_vol(&i, price, Fixed(1_000_000)).unwrap();
			let back = value(&Inputs { vol: found, ..i }).unwrap().price;
			assert!((back.0 - price.0).abs() <= 1_000_000, "vol {vol}: {found:?}");
		}
	}
	// Below intrinsic value, or above the spot: no vol gives it.
	let i = inputs(Right::Call, 50_000.0, 40_000.0, 0.5, 0.5, 0.0);
	assert_eq!(implied_vol(&i, Fixed::from_int(9_000), Fixed(1)), Err(Error::NoImpliedVol));
	assert_eq!(implied_vol(&i, Fixed::from_int(50_001), Fixed(1)), Err(Error::NoImpliedVol));
}

fn domain() -> impl Strategy<Value = (f64, f64, f64, f64, f64)> {
	(1.0f64..1e6, 0.5f64..2.0, 0.05f64..1.5, 1.0f64..730.0, 0.0f64..0.1)
		.prop_map(|(s, m, vol, days, r)| (s, s / m, vol, days / 365.0, r))
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(if std::env::var("CI").is_ok() { 64 } else { 512 }))]

	/// C − P = S − K·e^(−rT), and both prices within their no-arbitrage bounds.
	#[test]
	fn parity_and_bounds((s, k, vol, t, r) in domain()) {
		let call = value(&inputs(Right::Call, s, k, vol, t, r)).unwrap().price.to_f64();
		let put = value(&inputs(Right::Put, s, k, vol, t, r)).unwrap().price.to_f64();
		let forward_gap = s - k * (-r * t).exp();
		prop_assert!((call - put - forward_gap).abs() <= 1e-9 * s);
		prop_assert!(call >= forward_gap.max(0.0) - 1e-9 * s && call <= s * (1.0 + 1e-12));
		prop_assert!(put >= (-forward_gap).max(0.0) - 1e-9 * s && put <= k * (-r * t).exp() + 1e-9 * s);
	}

	/// The price-only path gives exactly `value`'s price.
	#[test]
	fn price_alone_is_values_price((s, k, vol, t, r) in domain(), put in any::<bool>()) {
		let right = if put { Right::Put } else { Right::Call };
		let i = inputs(right, s, k, vol, t, r);
		prop_assert_eq!(clearinghouse_pricing::price(&i).unwrap(), value(&i).unwrap().price);
	}

	/// A revaluer's price at any spot is `price`'s at that spot, to 10^−15 of the spot.
	#[test]
	fn a_revaluer_prices_as_price_does(
		(s, k, vol, t, _r) in domain(), put in any::<bool>(), moves in proptest::collection::vec(-0.45f64..0.45, 1..5),
	) {
		let right = if put { Right::Put } else { Right::Call };
		let base = inputs(right, s, k, vol, t, 0.0);
		let revaluer = clearinghouse_pricing::Revaluer::new(right, base.strike, base.vol, base.time).unwrap();
		let ln_sk = clearinghouse_pricing::fixed::ln(base.spot.try_div(base.strike).unwrap()).unwrap();
		for m in moves {
			let factor = Fixed::from_f64(1.0 + m);
			let spot = base.spot.checked_mul(factor).unwrap();
			let ln_m = clearinghouse_pricing::fixed::ln(factor).unwrap();
			let direct = clearinghouse_pricing::price(&Inputs { spot, ..base });
			let fast = revaluer.price(spot, ln_sk.try_add(ln_m).unwrap());
			match (direct, fast) {
				(Ok(a), Ok(b)) => prop_assert!((a.0 - b.0).abs() as f64 <= 1e-15 * spot.0 as f64 + 4.0, "{a:?} vs {b:?}"),
				(Err(_), Err(_)) => {},
				(a, b) => prop_assert!(false, "{a:?} vs {b:?}"),
			}
		}
	}

	/// Near the domain's largest vol × time a revaluer refuses rather than overflow; within
	/// its range it still prices as `price` does.
	#[test]
	fn a_revaluer_refuses_what_would_overflow(vol in 7.0f64..10.0, days in 600.0f64..730.0) {
		let base = inputs(Right::Call, 100.0, 100.0, vol, days / 365.0, 0.0);
		let deviation = vol * (days / 365.0).sqrt();
		match clearinghouse_pricing::Revaluer::new(Right::Call, base.strike, base.vol, base.time) {
			Ok(r) => {
				prop_assert!(deviation < 11.0 + 1e-9);
				let fast = r.price(base.spot, Fixed::ZERO).unwrap();
				let direct = clearinghouse_pricing::price(&base).unwrap();
				prop_assert!((fast.0 - direct.0).abs() < 1_000_000_000, "{fast:?} vs {direct:?}");
			},
			Err(e) => {
				prop_assert_eq!(e, Error::OutOfDomain);
				prop_assert!(deviation >= 11.0 - 1e-9);
			},
		}
	}

	/// More vol or more time is never worth less (with r ≥ 0 for time, for a call), up to the
	/// crate's stated price accuracy (1e-10 of the spot: far out of the money two prices a
	/// hair apart can round either way).
	#[test]
	fn monotone_in_vol_and_time((s, k, vol, t, r) in domain()) {
		let tolerance = (s * 1e-10 * 1e18) as i128;
		for right in [Right::Call, Right::Put] {
			let base = value(&inputs(right, s, k, vol, t, r)).unwrap().price;
			let more_vol = value(&inputs(right, s, k, vol * 1.1, t, r)).unwrap().price;
			prop_assert!(more_vol.0 + tolerance >= base.0, "{:?} < {:?}", more_vol, base);
		}
		let base = value(&inputs(Right::Call, s, k, vol, t, r)).unwrap().price;
		let later = value(&inputs(Right::Call, s, k, vol, t * 1.1, r)).unwrap().price;
		prop_assert!(later.0 + tolerance >= base.0, "{:?} < {:?}", later, base);
	}

	/// The Greeks are the price's derivatives (central differences in f64 on the crate's own
	/// prices, normalised per unit of spot).
	#[test]
	fn greeks_match_finite_differences((s, k, vol, t, r) in domain(), put in any::<bool>()) {
		let right = if put { Right::Put } else { Right::Call };
		let p = |s: f64, vol: f64, t: f64| value(&inputs(right, s, k, vol, t, r)).unwrap().price.to_f64();
		let v = value(&inputs(right, s, k, vol, t, r)).unwrap();
		let h = s * 1e-4;
		let delta = (p(s + h, vol, t) - p(s - h, vol, t)) / (2.0 * h);
		let gamma = (p(s + h, vol, t) - 2.0 * p(s, vol, t) + p(s - h, vol, t)) / (h * h);
		let vega = (p(s, vol + 1e-4, t) - p(s, vol - 1e-4, t)) / 2e-4;
		let dt = (t * 1e-3).min(1e-4);
		let theta = -(p(s, vol, t + dt) - p(s, vol, t - dt)) / (2.0 * dt);
		prop_assert!((v.delta.to_f64() - delta).abs() <= 1e-5, "delta {} vs {}", v.delta.to_f64(), delta);
		prop_assert!((v.gamma.to_f64() - gamma).abs() * s <= 1e-3, "gamma {} vs {}", v.gamma.to_f64(), gamma);
		prop_assert!((v.vega.to_f64() - vega).abs() / s <= 1e-5, "vega");
		prop_assert!((v.theta.to_f64() - theta).abs() / s <= 1e-3 * (1.0 + (theta / s).abs()), "theta");
	}

	/// No input, however wild, panics: a value or an error.
	#[test]
	fn never_panics(s in any::<i128>(), k in any::<i128>(), vol in any::<i128>(), t in any::<i128>(), r in any::<i128>(), put in any::<bool>()) {
		let right = if put { Right::Put } else { Right::Call };
		let i = Inputs { right, spot: Fixed(s), strike: Fixed(k), vol: Fixed(vol), time: Fixed(t), rate: Fixed(r) };
		let _ = value(&i);
		let _ = implied_vol(&i, Fixed(s / 3), Fixed(1));
	}
}
