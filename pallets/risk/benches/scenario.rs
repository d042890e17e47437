//! The portfolio (scenario) requirement on the default grid (28 scenarios) for accounts of
//! 1, 20 and 100 positions: two thirds options (calls and puts, strikes 80%–120%, 7–180 days)
//! and one third perpetuals, across five underlyings.
//!
//! `cargo bench -p clearinghouse-risk --bench scenario`

use clearinghouse_pricing::Right;
use clearinghouse_risk::{
	scenario::{evaluate_on, Holding, Kind, ModelParams, UnderlyingState},
	FixedU128,
};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};

fn states() -> Vec<UnderlyingState<u8>> {
	(0..5u8)
		.map(|u| UnderlyingState {
			underlying: u,
			spot: FixedU128::from_u32(1_000 * (u32::from(u) + 1)),
			vol: Some(FixedU128::from_rational(50 + 10 * u128::from(u), 100)),
		})
		.collect()
}

fn book(n: usize) -> Vec<Holding<u8>> {
	(0..n)
		.map(|i| {
			let underlying = (i % 5) as u8;
			let spot = 1_000 * (u32::from(underlying) + 1);
			let kind = if i % 3 == 2 {
				Kind::Linear
			} else {
				let right = if i % 2 == 0 { Right::Call } else { Right::Put };
				let strike = spot * (80 + (i as u32 * 7) % 41) / 100;
				let days = 7 + (i as u64 * 13) % 174;
				Kind::Option {
					right,
					strike: FixedU128::from_u32(strike),
					ms_to_expiry: days * 86_400_000,
				}
			};
			let quantity = if i % 4 == 0 { -1_000 } else { 1_500 };
			Holding { underlying, kind, quantity, size_decimals: 3, open_interest: 1_000_000 }
		})
		.collect()
}

fn requirement(c: &mut Criterion) {
	let params = ModelParams::default();
	// The grid depends on the parameters only: computed once, as the pallet keeps it.
	let grid = params.grid();
	let states = states();
	let mut group = c.benchmark_group("portfolio_requirement");
	for n in [1usize, 20, 100] {
		let holdings = book(n);
		group.bench_with_input(BenchmarkId::from_parameter(n), &holdings, |b, h| {
			b.iter(|| {
				evaluate_on(&grid, black_box(&params), &[], &states, black_box(h), 6).unwrap()
			})
		});
	}
	group.finish();
}

criterion_group!(benches, requirement);
criterion_main!(benches);
