//! Money as integers: LLM costs are counted in micro-dollars so that sums never drift.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount of US dollars in millionths ($1 = 1,000,000).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct MicroUsd(pub i64);

/// As the database stores it (`bigint` micro-dollars).
impl From<i64> for MicroUsd {
    fn from(micro_usd: i64) -> Self {
        MicroUsd(micro_usd)
    }
}

impl MicroUsd {
    pub const ZERO: MicroUsd = MicroUsd(0);

    /// Parses a decimal dollar amount such as `0.05` or `12` exactly (no floats), with
    /// at most six decimals. Negative amounts are refused.
    pub fn parse_usd(text: &str) -> Result<MicroUsd, String> {
        let text = text.trim().trim_start_matches('$');
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits_only = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty() || !digits_only(whole) || !digits_only(fraction)
        {
            return Err(format!("`{text}` is not a dollar amount like 0.05"));
        }
        if fraction.len() > 6 {
            return Err("use at most six decimals (a millionth of a dollar)".into());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole
                .parse()
                .map_err(|_| "the amount is too large".to_string())?
        };
        let fraction: i64 = format!("{fraction:0<6}").parse().unwrap_or(0);
        whole
            .checked_mul(1_000_000)
            .and_then(|w| w.checked_add(fraction))
            .map(MicroUsd)
            .ok_or_else(|| "the amount is too large".to_string())
    }

    pub fn saturating_add(self, other: MicroUsd) -> MicroUsd {
        MicroUsd(self.0.saturating_add(other.0))
    }

    pub fn saturating_sub(self, other: MicroUsd) -> MicroUsd {
        MicroUsd(self.0.saturating_sub(other.0))
    }
}

impl fmt::Display for MicroUsd {
    /// `$0.0125`: at least two decimals, more only when they carry value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let fraction = format!("{:06}", abs % 1_000_000);
        let trimmed = fraction.trim_end_matches('0');
        let shown = if trimmed.len() < 2 {
            &fraction[..2]
        } else {
            trimmed
        };
        write!(f, "{sign}${}.{shown}", abs / 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::MicroUsd;

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(MicroUsd::parse_usd("0.05"), Ok(MicroUsd(50_000)));
        assert_eq!(MicroUsd::parse_usd("12"), Ok(MicroUsd(12_000_000)));
        assert_eq!(MicroUsd::parse_usd(".000001"), Ok(MicroUsd(1)));
        assert!(MicroUsd::parse_usd("0.0000001").is_err());
        assert!(MicroUsd::parse_usd("-1").is_err());
        assert!(MicroUsd::parse_usd("1e3").is_err());
        assert!(MicroUsd::parse_usd("").is_err());
    }

    #[test]
    fn displays_dollars() {
        assert_eq!(MicroUsd(50_000).to_string(), "$0.05");
        assert_eq!(MicroUsd(12_500).to_string(), "$0.0125");
        assert_eq!(MicroUsd(3_000_000).to_string(), "$3.00");
        assert_eq!(MicroUsd(1).to_string(), "$0.000001");
    }
}
