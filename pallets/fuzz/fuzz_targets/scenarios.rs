//! Portfolio-margin scenario valuation under any grid governance may set (every parameter
//! within `ModelParams::check`), any prices and vols, any book of up to eight holdings on two
//! underlyings, and any correlation credits that pass their check:
//! * no panic, and every requirement bounded below by each scenario's weighted loss;
//! * maintenance ≤ initial, initial = Σ requirements − Σ credits, each credit at most its bound;
//! * the cached revaluation agrees with a fresh one: `risk_array` at quantities with one
//!   holding zeroed equals `evaluate` of the book without that holding;
//! * an exact hedge (a holding and its opposite) adds at most rounding to the scan loss.

#![no_main]

use arbitrary::Arbitrary;
use clearinghouse_pricing::Right;
use clearinghouse_risk::scenario::{
	check_credits, evaluate, revalue, risk_array, Holding, Kind, ModelParams, UnderlyingState,
};
use libfuzzer_sys::fuzz_target;
use polkadot_sdk::sp_arithmetic::{FixedU128, Permill};

#[derive(Arbitrary, Debug)]
struct Params {
	range_ppm: u32,
	steps: u8,
	vol_up: u32,
	vol_down: u32,
	scaling: u32,
	extreme_multiple: u8,
	extreme_fraction: u32,
	decay_ms: u32,
	short_minimum: u32,
	concentration: u32,
	mm_ratio: u32,
}

#[derive(Arbitrary, Debug)]
struct Position {
	second: bool,
	option: Option<(bool, u32, u32)>,
	quantity: i32,
	decimals: u8,
	open_interest: u32,
}

#[derive(Arbitrary, Debug)]
struct Input {
	params: Params,
	/// Spots (thousandths) and vols (parts per million) of the two underlyings.
	spots: [u32; 2],
	vols: [u32; 2],
	credit_ppm: Option<u32>,
	book: Vec<Position>,
	hedge: Option<u8>,
}

fuzz_target!(|input: Input| {
	let p = &input.params;
	let params = ModelParams {
		price_range: Permill::from_parts(p.range_ppm % 1_000_001),
		price_steps: u32::from(p.steps % 32),
		vol_up: Permill::from_parts(p.vol_up % 1_000_001),
		vol_down: Permill::from_parts(p.vol_down % 1_000_001),
		vol_scaling: Permill::from_parts(p.scaling % 1_000_001),
		extreme_multiple: p.extreme_multiple % 8,
		extreme_fraction: Permill::from_parts(p.extreme_fraction % 1_000_001),
		decay_ms: u64::from(p.decay_ms) * 200,
		short_option_minimum: Permill::from_parts(p.short_minimum % 1_000_001),
		concentration: Permill::from_parts(p.concentration % 1_000_001),
		mm_ratio: Permill::from_parts(p.mm_ratio % 1_000_001),
	};
	if params.check().is_err() {
		return;
	}
	let states: Vec<UnderlyingState<u8>> = (0..2)
		.map(|i| UnderlyingState {
			underlying: i as u8,
			spot: FixedU128::from_rational(u128::from(input.spots[i].max(1)), 1000),
			vol: Some(FixedU128::from_rational(u128::from(input.vols[i].max(1)), 1_000_000)),
		})
		.collect();
	let credits: Vec<(u8, u8, Permill)> =
		input.credit_ppm.map(|c| vec![(0, 1, Permill::from_parts(c % 1_000_001))]).unwrap_or_default();
	if check_credits(&credits).is_err() {
		return;
	}
	let mut book: Vec<Holding<u8>> = input
		.book
		.iter()
		.take(8)
		.map(|h| Holding {
			underlying: h.second as u8,
			kind: match h.option {
				None => Kind::Linear,
				Some((call, strike, ms)) => Kind::Option {
					right: if call { Right::Call } else { Right::Put },
					strike: FixedU128::from_rational(u128::from(strike.max(1)), 1000),
					ms_to_expiry: u64::from(ms) * 10,
				},
			},
			quantity: i128::from(h.quantity),
			size_decimals: h.decimals % 19,
			open_interest: u128::from(h.open_interest),
		})
		.collect();
	if let Some(i) = input.hedge {
		if !book.is_empty() {
			let h = book[usize::from(i) % book.len()];
			book.push(Holding { quantity: -h.quantity, ..h });
		}
	}
	let Ok(risk) = evaluate(&params, &credits, &states, &book, 6) else { return };
	assert!(risk.maintenance <= risk.initial, "maintenance above initial");
	let total: u128 = risk.underlyings.iter().map(|u| u.requirement).sum();
	let credited: u128 = risk.credits.iter().map(|c| c.2).sum();
	assert_eq!(risk.initial, total.saturating_sub(credited), "initial = Σ requirements − credits");
	for u in &risk.underlyings {
		assert_eq!(u.requirement, u.scan_loss + u.short_option_minimum + u.concentration);
		for (pnl, s) in u.pnl.iter().zip(&risk.scenarios) {
			assert!(u.scan_loss >= s.weight.mul_ceil(pnl.min(&0).unsigned_abs()), "scan loss below a scenario's");
		}
	}
	for (a, b, c) in &risk.credits {
		let la = risk.underlyings.iter().find(|u| u.underlying == *a).map_or(0, |u| u.scan_loss);
		let lb = risk.underlyings.iter().find(|u| u.underlying == *b).map_or(0, |u| u.scan_loss);
		assert!(*c <= Permill::from_percent(50).mul_ceil(la.min(lb)), "credit above its bound");
	}
	// The cached revaluation, one holding zeroed, equals a fresh evaluation without it.
	let grid = params.grid();
	let revaluation = revalue(&grid, &params, &states, &book).expect("priced above");
	let quantities: Vec<i128> = book.iter().map(|h| h.quantity).collect();
	assert_eq!(risk_array(&revaluation, &params, &credits, &quantities, 6).as_ref(), Ok(&risk));
	if !book.is_empty() {
		let drop = book.len() - 1;
		let mut zeroed = quantities.clone();
		zeroed[drop] = 0;
		let cached = risk_array(&revaluation, &params, &credits, &zeroed, 6);
		let fresh = evaluate(&params, &credits, &states, &book[..drop], 6);
		if let (Ok(cached), Ok(fresh)) = (&cached, &fresh) {
			assert_eq!(cached.initial, fresh.initial, "cache and fresh evaluation disagree");
			assert_eq!(cached.maintenance, fresh.maintenance);
		}
	}
});
