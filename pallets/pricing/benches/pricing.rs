//! Native time of a price with all Greeks, a price alone, a scenario revaluation, the normal
//! distribution, and an implied vol.
use clearinghouse_pricing::{
	fixed::ncdf, implied_vol, price, value, Fixed, Inputs, Revaluer, Right,
};
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
	c.bench_function("price alone (call)", |b| b.iter(|| price(black_box(&call))));
	let revaluer = Revaluer::new(Right::Call, call.strike, call.vol, call.time).unwrap();
	let ln_sk = clearinghouse_pricing::fixed::ln(call.spot.try_div(call.strike).unwrap()).unwrap();
	c.bench_function("scenario revaluation (Revaluer::price)", |b| {
		b.iter(|| revaluer.price(black_box(call.spot), black_box(ln_sk)))
	});
	c.bench_function("normal distribution", |b| b.iter(|| ncdf(black_box(Fixed::from_f64(0.37)))));
	let premium = value(&call).unwrap().price;
	c.bench_function("implied vol (to 1e-9 of the price)", |b| {
		b.iter(|| implied_vol(black_box(&call), black_box(premium), Fixed(1_000_000_000)))
	});
}

criterion_group!(benches, bench);
criterion_main!(benches);
