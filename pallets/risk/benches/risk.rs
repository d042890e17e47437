//! The arithmetic of one margin check, for accounts with 1, 10 and 50 positions: value every
//! position at its mark, sum unrealised PnL and requirements; and one block's settlement-price
//! sample (`Twap::observe`).
//!
//! `cargo bench -p clearinghouse-risk`

use clearinghouse_risk::{
	margin::{requirement, Fractions, Health},
	position::{notional, unrealized, Position},
	FixedU128, Permill,
};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};

fn health(positions: &[(Position, FixedU128)], fractions: &Fractions, collateral: i128) -> Health {
	let mut h = Health { equity: collateral, ..Default::default() };
	for (p, mark) in positions {
		h.equity += unrealized(*p, *mark, 8, 6).expect("in range");
		let n = notional(*p, *mark, 8, 6).expect("in range");
		h.initial += requirement(n, fractions.initial_at(1_000_000));
		h.maintenance += requirement(n, fractions.maintenance);
	}
	h
}

fn margin_check(c: &mut Criterion) {
	let fractions = Fractions {
		initial: Permill::from_percent(10),
		maintenance: Permill::from_percent(5),
		initial_at_full: Permill::from_percent(20),
		open_interest_full: 10_000_000,
	};
	let mut group = c.benchmark_group("margin_check");
	for n in [1usize, 10, 50] {
		let positions: Vec<_> = (0..n)
			.map(|i| {
				let size = if i % 2 == 0 { 150_000_000 } else { -75_000_000 };
				(
					Position { size, cost: size / 100 * 60_000 },
					FixedU128::from_rational(60_000 + i as u128, 1),
				)
			})
			.collect();
		group.bench_with_input(BenchmarkId::from_parameter(n), &positions, |b, positions| {
			b.iter(|| health(black_box(positions), &fractions, 1_000_000_000))
		});
	}
	group.finish();
}

/// One block's settlement sample: credit the previous sample, keep this one.
fn settlement_sample(c: &mut Criterion) {
	let twap = clearinghouse_risk::settlement::Twap::default()
		.observe(0, Some(FixedU128::from_u32(50_000)), 1_800_000)
		.expect("first sample");
	c.bench_function("settlement sample", |b| {
		b.iter(|| {
			black_box(&twap).observe(
				black_box(6_000),
				Some(FixedU128::from_u32(50_001)),
				black_box(1_800_000),
			)
		})
	});
}

criterion_group!(benches, margin_check, settlement_sample);
criterion_main!(benches);
