//! The runtime's cross-pallet invariants, checked after every block of a replay and after
//! every call of the runtime fuzz targets (each pallet's own `try_state` runs beside them).

use clearinghouse_primitives::collateral::CollateralLedger;
use clearinghouse_runtime::{Margin, Orderbook, Runtime, Vaults};
use pallet_clearinghouse_margin::{Accounts, BadDebts};
use polkadot_sdk::sp_runtime::TryRuntimeError;
use std::collections::BTreeMap;

/// What must hold across the pallets, given that `deposited` settlement units came in through
/// the vaults and none left:
/// * the margin engine's resting totals of every account equal the order book's;
/// * in every market the long side equals the short side, and equals its open interest;
/// * Σ settlement balances over every ledger = what the vaults hold = `deposited` (value is
///   conserved: fees, PnL, funding, penalties and insurance only move it);
/// * value at mark is conserved up to rounding: Σ settlement cash of every account but the
///   clearing account (which pays realised PnL out and is owed it back by the open cost
///   bases) + Σ unrealised PnL (funding included) of every perpetual and future + Σ mark
///   value of every option (its premium changed hands in cash) is `deposited`, less
///   rounding against the accounts: at most two units a position and `slack` (the caller's
///   count of fills, each settling funding twice) (checked while every market has a mark);
/// * no unrecorded deficit: an account without a position whose collateral is worth less
///   than nothing has at least that much bad debt recorded.
pub fn cross_pallet(deposited: u128, slack: u128) -> Result<(), TryRuntimeError> {
	let mut sides: BTreeMap<u32, (u128, u128)> = BTreeMap::new();
	let mut upnl: i128 = 0;
	let mut positions: i128 = 0;
	let mut all_priced = true;
	for (account, entries) in Accounts::<Runtime>::iter() {
		for e in entries.iter() {
			let t = Orderbook::resting_totals(e.market, &account);
			if (e.resting_buy, e.resting_sell, e.highest_buy, e.lowest_sell)
				!= (t.buy, t.sell, t.highest_buy, t.lowest_sell)
			{
				log_err(&format!("margin and the book disagree on resting orders in {}", e.market));
				return Err("margin and the book disagree on an account's resting orders".into());
			}
			let s = sides.entry(e.market).or_default();
			if e.quantity > 0 {
				s.0 += e.quantity.unsigned_abs();
			} else {
				s.1 += e.quantity.unsigned_abs();
			}
			if e.quantity != 0 {
				positions += 1;
			}
		}
		match Margin::account_health(&account) {
			Some(h) if h.unpriced_markets.is_empty() => {
				for p in &h.positions {
					// A perpetual or future is worth its unrealised PnL against the cost basis
					// the clearing account is owed; an option, whose premium changed hands at
					// the trade, its whole mark value (PnL plus cost).
					let option = matches!(
						clearinghouse_runtime::Margin::market_state(p.market).instrument,
						clearinghouse_primitives::trading::Instrument::Option { .. }
					);
					upnl += if option { p.unrealized_pnl + p.cost } else { p.unrealized_pnl };
				}
			},
			_ => all_priced = false,
		}
	}
	for (market, (long, short)) in &sides {
		if long != short {
			return Err("long open interest differs from short".into());
		}
		if clearinghouse_runtime::Margin::market_state(*market).open_interest != *long {
			return Err("a market's open interest differs from its long side".into());
		}
	}
	let mut cash: i128 = 0;
	for (account, ledger) in pallet_clearinghouse_vaults::Ledgers::<Runtime>::iter() {
		let balance = ledger.iter().find(|(id, _)| *id == 0).map_or(0, |(_, b)| *b);
		cash += balance;
		if account.owner == Margin::account_id() {
			continue;
		}
		let flat = Accounts::<Runtime>::get(&account).iter().all(|e| e.quantity == 0);
		if let Ok(value) = <Vaults as CollateralLedger<_>>::collateral_value(&account) {
			if flat && value.value < 0 {
				let recorded = BadDebts::<Runtime>::get(&account).unwrap_or_default();
				if recorded < value.value.unsigned_abs() {
					return Err("an account owes more than its collateral, unrecorded".into());
				}
			}
		}
	}
	let deposited = i128::try_from(deposited).map_err(|_| "deposits overflow")?;
	if cash != deposited {
		log_err(&format!("Σ settlement cash {cash} ≠ deposited {deposited}"));
		return Err("Σ settlement balances differ from what was deposited".into());
	}
	if all_priced {
		let clearing = Vaults::balance_of(&Margin::clearing_account(), 0);
		let total = cash - clearing + upnl;
		let slack = i128::try_from(slack).unwrap_or(i128::MAX / 2);
		if total > deposited || total < deposited - 2 * positions - slack {
			log_err(&format!(
				"cash {cash} − clearing {clearing} + uPnL {upnl} = {total}, deposited {deposited}, {positions} positions"
			));
			return Err("value at mark is not conserved".into());
		}
	}
	Ok(())
}

fn log_err(msg: &str) {
	eprintln!("invariant: {msg}");
}
