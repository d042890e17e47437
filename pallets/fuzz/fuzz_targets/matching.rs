//! The matching core under arbitrary sequences of orders, cancels and clock ticks: it must never
//! panic, never leave the book crossed or inconsistent (`check_invariants`), and account for
//! every unit — what the taker asked for is exactly what it traded plus what rested or was
//! cancelled; what rests afterwards is what rested before, less what traded and what was
//! removed, plus what rested of the taker; a refused order changes nothing; no fill is worse
//! than the taker's limit; no call touches more than its `max_makers`.

#![no_main]

use arbitrary::Arbitrary;
use clearinghouse_matching::{
	MatchLimits, MemoryBook, NewOrder, Remainder, SelfTradePrevention, Side, TimeInForce,
};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
	/// An order: a few owners (so self-trades happen), prices on a narrow grid (so orders
	/// meet), sizes up to `u16::MAX`.
	Place { owner: u8, buy: bool, price: u8, qty: u16, tif: u8, stp: u8, makers: u8 },
	/// Cancel an id among those placed so far (or one never placed).
	Cancel { id: u16 },
	/// The clock moves (good-till-time orders expire).
	Tick { ms: u8 },
}

fn resting(book: &MemoryBook<u8>) -> u128 {
	[Side::Buy, Side::Sell]
		.into_iter()
		.flat_map(|side| book.orders(side).into_iter().map(|(_, o)| u128::from(o.qty)))
		.sum()
}

fuzz_target!(|ops: Vec<Op>| {
	let mut book = MemoryBook::<u8>::default();
	let mut now = 1_000u64;
	let mut next_id = 0u64;
	for op in ops.into_iter().take(512) {
		match op {
			Op::Place { owner, buy, price, qty, tif, stp, makers } => {
				let side = if buy { Side::Buy } else { Side::Sell };
				let price = u64::from(price % 32);
				let order = NewOrder {
					id: next_id,
					owner: owner % 4,
					side,
					price,
					qty: u64::from(qty),
					time_in_force: match tif % 6 {
						0 => TimeInForce::Gtc,
						1 => TimeInForce::Ioc,
						2 => TimeInForce::Fok,
						3 => TimeInForce::PostOnly,
						4 => TimeInForce::Gtt(now + u64::from(tif)),
						_ => TimeInForce::Gtt(now.saturating_sub(u64::from(tif))),
					},
					self_trade: match stp % 3 {
						0 => SelfTradePrevention::CancelResting,
						1 => SelfTradePrevention::CancelTaker,
						_ => SelfTradePrevention::CancelBoth,
					},
					reduce_only: false,
				};
				next_id += 1;
				let limits = MatchLimits { now, max_makers: u32::from(makers % 8) + 1 };
				let (before, count) = (resting(&book), book.len());
				match book.place(order, limits) {
					Ok(out) => {
						let filled = u128::from(out.filled());
						let left = match out.remainder {
							Remainder::Filled => 0,
							Remainder::Rested(q)
							| Remainder::CancelledIoc(q)
							| Remainder::CancelledSelfTrade(q)
							| Remainder::CancelledMatchLimit(q) => u128::from(q),
						};
						assert_eq!(
							filled + left,
							u128::from(qty),
							"the taker's size is accounted for"
						);
						let rested = match out.remainder {
							Remainder::Rested(q) => u128::from(q),
							_ => 0,
						};
						let removed: u128 =
							out.removed.iter().map(|r| u128::from(r.order.qty)).sum();
						assert_eq!(
							resting(&book),
							before - filled - removed + rested,
							"every resting unit is accounted for"
						);
						assert!(out.touched <= limits.max_makers);
						for fill in &out.fills {
							assert!(fill.qty > 0);
							match side {
								Side::Buy => {
									assert!(fill.price <= price, "a buy paid above its limit")
								},
								Side::Sell => {
									assert!(fill.price >= price, "a sell got below its limit")
								},
							}
						}
					},
					Err(_) => {
						assert_eq!(
							(resting(&book), book.len()),
							(before, count),
							"a refusal changes nothing"
						);
					},
				}
			},
			Op::Cancel { id } => {
				let before = resting(&book);
				if let Some(order) = book.cancel(u64::from(id)) {
					assert_eq!(resting(&book), before - u128::from(order.qty));
				} else {
					assert_eq!(resting(&book), before);
				}
			},
			Op::Tick { ms } => now += u64::from(ms),
		}
		book.check_invariants().expect("the book's invariants");
	}
});
