//! Option pricing on arbitrary inputs: it must never panic; inside its documented domain it must
//! price (the crate promises no overflow there) within the no-arbitrage bounds — a premium
//! between zero and the spot (a call) or the discounted strike (a put), delta within [0, 1] for
//! a call and [−1, 0] for a put, gamma and vega not negative — up to fixed-point rounding.

#![no_main]

use arbitrary::Arbitrary;
use clearinghouse_pricing::{value, Error, Fixed, Inputs, Right};
use libfuzzer_sys::fuzz_target;

const SCALE: i128 = 1_000_000_000_000_000_000;

#[derive(Arbitrary, Debug)]
struct Raw {
	call: bool,
	/// Raw fixed-point fields half the time, values folded into the domain the other half (so
	/// the fuzzer spends its time where prices are given).
	folded: bool,
	spot: i128,
	strike: i128,
	vol: i128,
	time: i128,
	rate: i128,
}

fn fold(x: i128, lo: i128, hi: i128) -> i128 {
	lo + x.rem_euclid(hi - lo + 1)
}

fuzz_target!(|raw: Raw| {
	let right = if raw.call { Right::Call } else { Right::Put };
	let inputs = if raw.folded {
		let spot = fold(raw.spot, SCALE / 1_000, 1_000_000 * SCALE);
		// Strike within [spot/100, spot·100], the documented moneyness.
		let strike = fold(raw.strike, spot / 100 + 1, spot.saturating_mul(100));
		Inputs {
			right,
			spot: Fixed(spot),
			strike: Fixed(strike),
			vol: Fixed(fold(raw.vol, 0, 10 * SCALE)),
			time: Fixed(fold(raw.time, 0, 10 * SCALE)),
			rate: Fixed(fold(raw.rate, -SCALE / 10, SCALE / 10)),
		}
	} else {
		Inputs {
			right,
			spot: Fixed(raw.spot),
			strike: Fixed(raw.strike),
			vol: Fixed(raw.vol),
			time: Fixed(raw.time),
			rate: Fixed(raw.rate),
		}
	};
	let result = value(&inputs);
	if inputs.check().is_err() {
		assert_eq!(result, Err(Error::OutOfDomain), "outside the domain: refused");
		return;
	}
	let v = result.expect("inside the domain every option is priced");
	// Rounding: a few units in the last place of each step, scaled by the prices involved.
	let tol = inputs.spot.0.max(inputs.strike.0) / 1_000_000_000 + 1_000;
	assert!(v.price.0 >= -tol, "a negative premium: {inputs:?} -> {v:?}");
	match right {
		Right::Call => {
			assert!(v.price.0 <= inputs.spot.0 + tol, "a call above the spot: {inputs:?} -> {v:?}");
			assert!(v.delta.0 >= -tol && v.delta.0 <= SCALE + tol, "call delta: {v:?}");
		},
		Right::Put => {
			assert!(v.delta.0 <= tol && v.delta.0 >= -SCALE - tol, "put delta: {v:?}");
		},
	}
	assert!(v.gamma.0 >= -tol, "negative gamma: {inputs:?} -> {v:?}");
	assert!(v.vega.0 >= -tol, "negative vega: {inputs:?} -> {v:?}");
});
