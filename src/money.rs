//! Exact money and rates.
//!
//! Amounts are `rust_decimal::Decimal`, never binary floating point. They are
//! kept unrounded through every computation and rounded only when shown,
//! half away from zero to the currency's minor unit.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};

/// The longest name a declared quantity unit may have (`class_a_preferred_shares`).
pub const MAX_UNIT_NAME: usize = 24;

/// What an amount is counted in: an ISO 4217 currency code such as `USD`, or
/// a quantity unit the contract declares (`unit shares rounded down to whole
/// units`), named in lower case.
///
/// A quantity carries its declared rounding rule, which the checker stamps on
/// every amount it resolves (see `Model::stamp`), so that reports round a
/// quantity by its own rule wherever money is rounded to its minor unit.
/// Equality, ordering and hashing look at the name only.
#[derive(Clone, Copy)]
pub struct Currency {
    /// The code or unit name, padded with zero bytes.
    code: [u8; MAX_UNIT_NAME],
    /// A quantity's rounding rule: 0 until stamped, else
    /// `STAMPED | mode << 5 | decimal places`.
    rule: u8,
}

/// Set in `Currency::rule` once a quantity's declared rule is stamped.
const STAMPED: u8 = 0x80;

impl Currency {
    /// An ISO 4217 code from its three letters.
    pub const fn iso(code: [u8; 3]) -> Currency {
        let mut padded = [0u8; MAX_UNIT_NAME];
        padded[0] = code[0];
        padded[1] = code[1];
        padded[2] = code[2];
        Currency {
            code: padded,
            rule: 0,
        }
    }

    /// Parses three ASCII upper-case letters.
    pub fn parse(text: &str) -> Option<Currency> {
        let bytes = text.as_bytes();
        match bytes {
            [a, b, c] if bytes.iter().all(u8::is_ascii_uppercase) => {
                Some(Currency::iso([*a, *b, *c]))
            }
            _ => None,
        }
    }

    /// A declared quantity unit's name (`shares`), not yet stamped with its
    /// rule; `None` when the name is empty, too long or not lower case.
    pub fn quantity(name: &str) -> Option<Currency> {
        let bytes = name.as_bytes();
        if bytes.is_empty()
            || bytes.len() > MAX_UNIT_NAME
            || !bytes[0].is_ascii_lowercase()
            || !bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
        {
            return None;
        }
        let mut code = [0u8; MAX_UNIT_NAME];
        code[..bytes.len()].copy_from_slice(bytes);
        Some(Currency { code, rule: 0 })
    }

    /// Whether this is a declared quantity (`shares`) rather than a currency.
    pub fn is_quantity(self) -> bool {
        self.code[0].is_ascii_lowercase()
    }

    /// This quantity with its declared rule: `mode` is how to round, `places`
    /// the decimal places kept (at most 28).
    pub fn with_rule(self, mode: RoundingStrategy, places: u32) -> Currency {
        let mode_bits: u8 = match mode {
            RoundingStrategy::ToZero => 1,
            RoundingStrategy::AwayFromZero => 2,
            RoundingStrategy::MidpointNearestEven => 3,
            _ => 0,
        };
        let places = u8::try_from(places.min(28)).unwrap_or(28);
        Currency {
            rule: STAMPED | mode_bits << 5 | places,
            ..self
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        let len = self
            .code
            .iter()
            .position(|b| *b == 0)
            .unwrap_or(MAX_UNIT_NAME);
        std::str::from_utf8(self.code.get(..len).unwrap_or(&[])).unwrap_or("???")
    }

    /// Digits after the decimal point in the currency's minor unit, or the
    /// places a quantity keeps (whole units until its rule is stamped).
    pub fn minor_digits(self) -> u32 {
        if self.is_quantity() {
            return u32::from(self.rule & 0x1f);
        }
        match self.code.get(..3) {
            Some(
                b"JPY" | b"KRW" | b"VND" | b"CLP" | b"ISK" | b"UGX" | b"XAF" | b"XOF" | b"PYG",
            ) => 0,
            Some(b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" | b"LYD" | b"IQD") => 3,
            _ => 2,
        }
    }

    /// How amounts are rounded when shown: half away from zero for money,
    /// the declared mode for a quantity (half-up until stamped).
    pub fn strategy(self) -> RoundingStrategy {
        if !self.is_quantity() {
            return RoundingStrategy::MidpointAwayFromZero;
        }
        match (self.rule >> 5) & 0b11 {
            1 => RoundingStrategy::ToZero,
            2 => RoundingStrategy::AwayFromZero,
            3 => RoundingStrategy::MidpointNearestEven,
            _ => RoundingStrategy::MidpointAwayFromZero,
        }
    }
}

impl PartialEq for Currency {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for Currency {}

impl std::hash::Hash for Currency {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.code.hash(state);
    }
}

impl PartialOrd for Currency {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Currency {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.code.cmp(&other.code)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An exact amount of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Money {
    /// The currency.
    pub currency: Currency,
    /// The unrounded amount.
    pub amount: Decimal,
}

impl Money {
    /// An amount of `currency`.
    pub fn new(currency: Currency, amount: Decimal) -> Self {
        Money { currency, amount }
    }

    /// Zero of `currency`.
    pub fn zero(currency: Currency) -> Self {
        Money::new(currency, Decimal::ZERO)
    }

    /// The amount rounded half away from zero to the minor unit.
    pub fn rounded(self) -> Decimal {
        round_money(self.amount, self.currency)
    }

    /// The rounded amount as plain decimal text (`6000000000.00`), for machine formats.
    pub fn plain(self) -> String {
        let digits = self.currency.minor_digits();
        let mut rounded = self.rounded();
        rounded.rescale(digits);
        rounded.to_string()
    }
}

/// Rounds half away from zero to `currency`'s minor unit, or a quantity by
/// its declared rule.
pub fn round_money(amount: Decimal, currency: Currency) -> Decimal {
    amount.round_dp_with_strategy(currency.minor_digits(), currency.strategy())
}

impl fmt::Display for Money {
    /// `USD 6,000,000,000` or `USD 1,250.50`: grouped, cents shown only when
    /// not zero; a quantity after its number, `1,500 shares`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rounded = self.rounded();
        if self.currency.is_quantity() {
            let shown = rounded.normalize();
            return write!(
                f,
                "{} {}",
                group_digits(shown, shown.scale()),
                self.currency
            );
        }
        write!(
            f,
            "{} {}",
            self.currency,
            group_digits(rounded, self.currency.minor_digits())
        )
    }
}

/// Formats a decimal with thousands separators; the fraction is padded to
/// `minor` digits when present, and omitted when it is zero.
pub fn group_digits(value: Decimal, minor: u32) -> String {
    let negative = value.is_sign_negative() && !value.is_zero();
    let abs = value.abs();
    let whole = abs.trunc();
    let fraction = abs - whole;
    let whole_text = whole.to_string();
    let mut grouped = String::with_capacity(whole_text.len() + whole_text.len() / 3);
    for (i, ch) in whole_text.chars().enumerate() {
        if i > 0 && (whole_text.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if !fraction.is_zero() {
        let mut fraction = fraction;
        fraction.rescale(minor.max(fraction.scale().min(minor.max(2))));
        let text = fraction.to_string();
        grouped.push_str(text.trim_start_matches('0'));
    }
    if negative {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// A percentage, stored as the number written before `%` (20% is 20).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rate(pub Decimal);

impl Rate {
    /// The fraction this rate stands for (20% is 0.2).
    pub fn fraction(self) -> Decimal {
        self.0 / Decimal::ONE_HUNDRED
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0.normalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    fn usd(s: &str) -> Money {
        Money::new(Currency::iso(*b"USD"), dec(s))
    }

    #[test]
    fn rounds_half_away_from_zero_only_when_shown() {
        assert_eq!(usd("0.005").rounded(), dec("0.01"));
        assert_eq!(usd("-0.005").rounded(), dec("-0.01"));
        assert_eq!(usd("0.0049").rounded(), dec("0.00"));
        let third = usd("100").amount / dec("3");
        assert_eq!(
            round_money(third * dec("3"), Currency::iso(*b"USD")),
            dec("100")
        );
    }

    #[test]
    fn formats_grouped() {
        assert_eq!(usd("6000000000").to_string(), "USD 6,000,000,000");
        assert_eq!(usd("1250.5").to_string(), "USD 1,250.50");
        assert_eq!(usd("0").to_string(), "USD 0");
        assert_eq!(usd("999.999").to_string(), "USD 1,000");
        assert_eq!(
            Money::new(Currency::iso(*b"JPY"), dec("1234.5")).to_string(),
            "JPY 1,235"
        );
        assert_eq!(usd("12.3").plain(), "12.30");
    }

    #[test]
    fn quantities_round_by_their_own_rule() {
        let unstamped = Currency::quantity("shares").unwrap_or(Currency::iso(*b"XXX"));
        let shares = unstamped.with_rule(RoundingStrategy::ToZero, 0);
        assert!(shares.is_quantity() && !Currency::iso(*b"USD").is_quantity());
        assert_eq!(shares, unstamped, "equality looks at the name only");
        assert_eq!(
            Money::new(shares, dec("1000.6")).to_string(),
            "1,000 shares"
        );
        let barrels = Currency::quantity("barrels")
            .unwrap_or(Currency::iso(*b"XXX"))
            .with_rule(RoundingStrategy::MidpointNearestEven, 2);
        assert_eq!(
            Money::new(barrels, dec("1.245")).to_string(),
            "1.24 barrels"
        );
        assert_eq!(Money::new(barrels, dec("2.5")).plain(), "2.50");
        assert_eq!(Currency::quantity("a_name_longer_than_24_chars"), None);
        assert_eq!(Currency::quantity("Shares"), None);
    }

    #[test]
    fn rates() {
        assert_eq!(Rate(dec("20")).fraction(), dec("0.2"));
        assert_eq!(Rate(dec("2.50")).to_string(), "2.5%");
    }
}
