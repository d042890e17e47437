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

	/// Every price read of the key from now until it next changes ([`PriceSchedule`]): what a
	/// consumer keeping a copy (kept in step by [`QuotesListener`]) needs. `None` for an unknown
	/// key; the default, for providers that cannot say, is `None` too.
	fn schedule(key: &Key) -> Option<PriceSchedule> {
		let _ = key;
		None
	}
}

/// The most segments a [`PriceSchedule`] holds: one per distinct expiry of a fresh submission,
/// so at most the oracle's feeders (a runtime's `MaxFeeders` must not exceed it).
pub const MAX_PRICE_SEGMENTS: u32 = 32;

/// One stretch of a key's price reads: from the previous segment's end until `until`.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct PriceSegment {
	/// The first instant (ms) this segment no longer holds.
	pub until: Moment,
	/// The median and the newest fresh submission's time.
	pub price: FixedU128,
	/// The newest fresh submission's time.
	pub at: Moment,
}

/// A key's price reads from its last change on, computed by the oracle when it changed (a
/// feed, a breaker, a configuration or feeder change): the read at any later instant, until the
/// next change, is the segment holding then (none past the last: no quorum). The price part of
/// the oracle's own cache, in a form another pallet can store beside what it reads with it.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct PriceSchedule {
	/// The breaker is tripped: no read returns a price.
	pub halted: bool,
	/// The EMA of accepted medians.
	pub ema: Option<FixedU128>,
	/// In order of `until`.
	pub segments: polkadot_sdk::sp_runtime::BoundedVec<
		PriceSegment,
		polkadot_sdk::sp_runtime::traits::ConstU32<MAX_PRICE_SEGMENTS>,
	>,
}

impl PriceSchedule {
	/// What [`PriceProvider::quote`] returns at `now`.
	pub fn quote(&self, now: Moment) -> Option<Quote> {
		if self.halted {
			return None;
		}
		let s = self.segments.iter().find(|s| now < s.until)?;
		Some(Quote { price: s.price, at: s.at, ema: self.ema })
	}
}

/// Told of every change of a key's price reads, in the same call that changes them: a consumer
/// keeping copies of [`PriceSchedule`]s (the margin engine, one per perpetual and future, so a
/// margin check reads a market once for its parameters, state and prices) stays exact.
pub trait QuotesListener<Key> {
	/// `key`'s reads are now `schedule` (`None`: the key is gone). Returns the weight used.
	fn quotes_changed(
		key: &Key,
		schedule: Option<&PriceSchedule>,
	) -> polkadot_sdk::sp_runtime::Weight;

	/// The most [`Self::quotes_changed`] may use, told of `keys` keys in one call (declared by
	/// the calls that change keys; the unused part is refunded). Not necessarily `keys` times
	/// the most for one key: the listener may bound what all keys together can cost (the
	/// margin engine copies into at most `MaxMarkets` markets, whatever the number of keys).
	fn max_weight(keys: u32) -> polkadot_sdk::sp_runtime::Weight;
}

/// No listener.
impl<Key> QuotesListener<Key> for () {
	fn quotes_changed(_: &Key, _: Option<&PriceSchedule>) -> polkadot_sdk::sp_runtime::Weight {
		Default::default()
	}
	fn max_weight(_: u32) -> polkadot_sdk::sp_runtime::Weight {
		Default::default()
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
