//! Prices: what the oracle provides to valuation, margin, funding and liquidation.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_arithmetic::FixedU128;
use scale_info::TypeInfo;

/// Milliseconds since the unix epoch (the timestamp pallet's unit).
pub type Moment = u64;

/// The name of an oracle feed: an underlying such as `BTC`, `DOT` or `USDT`, as up to eight
/// ASCII bytes, zero-padded. `Copy` and fixed-size so hot paths (a margin check reading 50
/// prices) never allocate or hash variable-length keys.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Default,
)]
// Serde without std too: genesis presets are built inside the wasm runtime.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct OracleKey(pub [u8; 8]);

impl OracleKey {
	/// The key for `symbol`, or `None` if it is empty, longer than 8 bytes or not printable
	/// ASCII without spaces.
	pub const fn from_symbol(symbol: &str) -> Option<Self> {
		let bytes = symbol.as_bytes();
		if bytes.is_empty() || bytes.len() > 8 {
			return None;
		}
		let mut out = [0u8; 8];
		let mut i = 0;
		while i < bytes.len() {
			let b = bytes[i];
			if !(b > b' ' && b < 0x7f) {
				return None;
			}
			out[i] = b;
			i += 1;
		}
		Some(OracleKey(out))
	}

	/// The symbol without its zero padding.
	pub fn symbol(&self) -> &[u8] {
		let len = self.0.iter().position(|b| *b == 0).unwrap_or(self.0.len());
		&self.0[..len]
	}
}

impl core::fmt::Debug for OracleKey {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match core::str::from_utf8(self.symbol()) {
			Ok(s) => write!(f, "OracleKey({s})"),
			Err(_) => write!(f, "OracleKey({:?})", self.0),
		}
	}
}

/// Read access to oracle prices for the pallets that value things.
///
/// Every method decides at *read time*: a value is only returned if at least `min_quorum`
/// distinct feeders submitted one within `max_age` of now, and the key's circuit breaker is not
/// tripped. There is no "last known price" fallback: `None` means do not value with this key.
pub trait PriceProvider<Key> {
	/// The median of the fresh submissions and the newest submission's time; `None` without
	/// quorum, for an unknown key, or while the key is halted.
	fn price(key: &Key) -> Option<(FixedU128, Moment)>;

	/// The median implied volatility (annualised, 1.0 = 100%) under the same rules, for keys
	/// that carry a volatility feed.
	fn vol(key: &Key) -> Option<(FixedU128, Moment)>;

	/// The exponential moving average of accepted medians (for mark-price smoothing and
	/// funding); `None` under the same conditions as [`Self::price`].
	fn ema(key: &Key) -> Option<FixedU128>;

	/// Whether the key's circuit breaker is tripped.
	fn is_halted(key: &Key) -> bool;

	/// The price, its time and the EMA together, as a mark price needs them: one read of the
	/// key where the provider can (the oracle overrides this); `None` under the same
	/// conditions as [`Self::price`].
	fn quote(key: &Key) -> Option<Quote> {
		let (price, at) = Self::price(key)?;
		Some(Quote { price, at, ema: Self::ema(key) })
	}
}

/// A key's price, its time and its EMA ([`PriceProvider::quote`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Quote {
	/// The price (see [`PriceProvider::price`]).
	pub price: FixedU128,
	/// The newest fresh submission's time.
	pub at: Moment,
	/// The EMA of accepted medians, if the key has one.
	pub ema: Option<FixedU128>,
}

/// No prices at all: for consumers' tests that must behave as if the oracle were down.
impl<Key> PriceProvider<Key> for () {
	fn price(_: &Key) -> Option<(FixedU128, Moment)> {
		None
	}
	fn vol(_: &Key) -> Option<(FixedU128, Moment)> {
		None
	}
	fn ema(_: &Key) -> Option<FixedU128> {
		None
	}
	fn is_halted(_: &Key) -> bool {
		false
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn symbols_round_trip_and_bad_symbols_are_refused() {
		let btc = OracleKey::from_symbol("BTC").unwrap();
		assert_eq!(btc.symbol(), b"BTC");
		assert_eq!(btc.0, *b"BTC\0\0\0\0\0");
		assert_eq!(format!("{btc:?}"), "OracleKey(BTC)");
		assert!(OracleKey::from_symbol("").is_none());
		assert!(OracleKey::from_symbol("TOOLONGSYM").is_none());
		assert!(OracleKey::from_symbol("B TC").is_none());
		assert!(OracleKey::from_symbol("BTC\n").is_none());
		assert_eq!(OracleKey::from_symbol("12345678").unwrap().symbol(), b"12345678");
	}
}
