//! Native time of a price with all Greeks, and of an implied vol.
use clearinghouse_pricing::{implied_vol, value, Fixed, Inputs, Right};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn inputs(right: Right) -> Inputs {
	Inputs {
		right,
		spot: Fixed::from_int(50_000),
		strike: Fixed::from_int(55_000),
		vol: Fixed::from_f64(0.65),
		time: Fixed::from_f64(30.0 / 365.0),
		rate: Fixed::ZERO,
	}
}

fn bench(c: &mut Criterion) {
	let call = inputs(Right::Call);
	c.bench_function("price and greeks (call, 30 days, 10% OTM)", |b| {
		b.iter(|| value(black_box(&call)))
	});
	let put = inputs(Right::Put);
	c.bench_function("price and greeks (put)", |b| b.iter(|| value(black_box(&put))));
	let price = value(&call).unwrap().price;
	c.bench_function("implied vol (to 1e-9 of the price)", |b| {
		b.iter(|| implied_vol(black_box(&call), black_box(price), Fixed(1_000_000_000)))
	});
}

criterion_group!(benches, bench);
criterion_main!(benches);
