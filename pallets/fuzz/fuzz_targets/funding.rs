//! Perpetual funding under arbitrary accruals and lazy settlement: four accounts whose sizes
//! balance (as every market's longs and shorts do) settle against the cumulative index whenever
//! the fuzzer says. Whatever the order, the market never pays out more than it took in — lazily
//! settled funding leaves a surplus, never a deficit — and the surplus is only rounding: less
//! than one settlement unit per settlement. The premium stays within its cap.

#![no_main]

use arbitrary::Arbitrary;
use clearinghouse_risk::funding::{accrue, payment, premium};
use libfuzzer_sys::fuzz_target;
use polkadot_sdk::sp_arithmetic::{FixedI128, FixedU128, Permill};

const PERIOD_MS: u64 = 8 * 3_600_000;

#[derive(Arbitrary, Debug)]
enum Op {
	/// A funding sample: mark and index prices (thousandths), the time since the last one.
	Accrue { mark: u32, index: u32, elapsed_ms: u32, cap_ppm: u16 },
	/// One account settles what it owes since its last settlement.
	Settle { who: u8 },
}

#[derive(Arbitrary, Debug)]
struct Run {
	sizes: [i32; 3],
	ops: Vec<Op>,
}

fuzz_target!(|run: Run| {
	// The fourth account holds the other side of the first three.
	let mut sizes = run.sizes.map(i128::from).to_vec();
	sizes.push(-sizes.iter().sum::<i128>());
	let mut index = FixedI128::from_inner(0);
	let mut last = [FixedI128::from_inner(0); 4];
	let (mut surplus, mut settlements) = (0i128, 0i128);
	let mut settle = |who: usize, index: FixedI128, last: &mut [FixedI128; 4]| -> bool {
		let Some(owed) = payment(sizes[who], last[who], index, 3, 6) else { return false };
		surplus += owed;
		settlements += 1;
		last[who] = index;
		true
	};
	for op in run.ops.into_iter().take(256) {
		match op {
			Op::Accrue { mark, index: price, elapsed_ms, cap_ppm } => {
				if price == 0 {
					continue;
				}
				let cap = Permill::from_parts(u32::from(cap_ppm));
				let (mark, price) = (
					FixedU128::from_rational(u128::from(mark), 1000),
					FixedU128::from_rational(u128::from(price), 1000),
				);
				let Some(p) = premium(mark, price, cap) else { continue };
				let bound = i128::from(cap.deconstruct()) * 1_000_000_000_000;
				assert!(p.into_inner().abs() <= bound, "the premium within its cap");
				if let Some(next) = accrue(index, p, price, u64::from(elapsed_ms), PERIOD_MS) {
					index = next;
				}
			},
			Op::Settle { who } => {
				settle(usize::from(who % 4), index, &mut last);
			},
		}
	}
	// Everyone settles up; an account whose payment would overflow is left out, and with it
	// the check (its counterparties' payments no longer net to zero).
	for who in 0..4 {
		if !settle(who, index, &mut last) {
			return;
		}
	}
	assert!(surplus >= 0, "funding paid out more than it took in: {surplus}");
	assert!(surplus < settlements.max(1), "more than rounding kept: {surplus} over {settlements}");
});
