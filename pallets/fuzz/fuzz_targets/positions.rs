//! Position accounting under arbitrary trades between a few accounts: every trade's notional is
//! one number booked by both sides (`apply_fill`), and after every trade, exactly — no
//! rounding slack: sizes sum to zero (each trade has two sides); each account's cost is what it
//! paid for its fills plus the PnL it realised (nothing created or lost between cost and
//! realised PnL); a flat account carries no cost; so the realised PnL of all accounts is what
//! their open costs say. A fill that would overflow either side is refused for both.

#![no_main]

use arbitrary::Arbitrary;
use clearinghouse_risk::position::{apply_fill, Position};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Trade {
	buyer: u8,
	seller: u8,
	qty: u32,
	/// Notional per unit, so prices stay in a plausible range relative to size.
	price: u32,
	/// Now and then a notional off the grid (rounding at its worst).
	odd: u16,
}

#[derive(Default, Clone, Copy)]
struct Book {
	position: Position,
	paid: i128,
	realized: i128,
}

fuzz_target!(|trades: Vec<Trade>| {
	let mut books = [Book::default(); 4];
	for t in trades.into_iter().take(256) {
		let (b, s) = (usize::from(t.buyer % 4), usize::from(t.seller % 4));
		if b == s || t.qty == 0 {
			continue;
		}
		let qty = i128::from(t.qty);
		let notional = u128::from(t.qty) * u128::from(t.price) + u128::from(t.odd);
		let (Some(buy), Some(sell)) = (
			apply_fill(books[b].position, qty, notional),
			apply_fill(books[s].position, -qty, notional),
		) else {
			continue;
		};
		let n = notional as i128;
		for (i, filled, paid) in [(b, buy, n), (s, sell, -n)] {
			books[i].position = filled.position;
			books[i].paid += paid;
			books[i].realized += filled.realized;
		}
		assert_eq!(books.iter().map(|k| k.position.size).sum::<i128>(), 0, "sizes balance");
		for k in &books {
			assert_eq!(k.position.cost, k.paid + k.realized, "cost = paid + realised, exactly");
			if k.position.size == 0 {
				assert_eq!(k.position.cost, 0, "a flat account carries no cost");
			}
		}
		let cost: i128 = books.iter().map(|k| k.position.cost).sum();
		let realized: i128 = books.iter().map(|k| k.realized).sum();
		assert_eq!(cost, realized, "what all realised is what their open costs say");
	}
});
