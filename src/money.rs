//! Exact money and rates.
//!
//! Amounts are `rust_decimal::Decimal`, never binary floating point. They are
//! kept unrounded through every computation and rounded only when shown,
//! half away from zero to the currency's minor unit.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};

/// An ISO 4217 currency code such as `USD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(pub [u8; 3]);

impl Currency {
    /// Parses three ASCII upper-case letters.
    pub fn parse(text: &str) -> Option<Currency> {
        let bytes = text.as_bytes();
        match bytes {
            [a, b, c] if bytes.iter().all(u8::is_ascii_uppercase) => Some(Currency([*a, *b, *c])),
            _ => None,
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Digits after the decimal point in the currency's minor unit.
    pub fn minor_digits(self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"VND" | b"CLP" | b"ISK" | b"UGX" | b"XAF" | b"XOF" | b"PYG" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" | b"LYD" | b"IQD" => 3,
            _ => 2,
        }
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

/// Rounds half away from zero to `currency`'s minor unit.
pub fn round_money(amount: Decimal, currency: Currency) -> Decimal {
    amount.round_dp_with_strategy(
        currency.minor_digits(),
        RoundingStrategy::MidpointAwayFromZero,
    )
}

impl fmt::Display for Money {
    /// `USD 6,000,000,000` or `USD 1,250.50`: grouped, cents shown only when not zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rounded = self.rounded();
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
        Money::new(Currency(*b"USD"), dec(s))
    }

    #[test]
    fn rounds_half_away_from_zero_only_when_shown() {
        assert_eq!(usd("0.005").rounded(), dec("0.01"));
        assert_eq!(usd("-0.005").rounded(), dec("-0.01"));
        assert_eq!(usd("0.0049").rounded(), dec("0.00"));
        let third = usd("100").amount / dec("3");
        assert_eq!(round_money(third * dec("3"), Currency(*b"USD")), dec("100"));
    }

    #[test]
    fn formats_grouped() {
        assert_eq!(usd("6000000000").to_string(), "USD 6,000,000,000");
        assert_eq!(usd("1250.5").to_string(), "USD 1,250.50");
        assert_eq!(usd("0").to_string(), "USD 0");
        assert_eq!(usd("999.999").to_string(), "USD 1,000");
        assert_eq!(
            Money::new(Currency(*b"JPY"), dec("1234.5")).to_string(),
            "JPY 1,235"
        );
        assert_eq!(usd("12.3").plain(), "12.30");
    }

    #[test]
    fn rates() {
        assert_eq!(Rate(dec("20")).fraction(), dec("0.2"));
        assert_eq!(Rate(dec("2.50")).to_string(), "2.5%");
    }
}
