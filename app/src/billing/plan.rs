//! The plans a team can be on: one type for the engine's routing, the rate limits,
//! billing and the pages, parsed once from the text the database, Stripe's metadata or
//! a form carries.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanTier {
    Free,
    Pro,
    Enterprise,
}

impl PlanTier {
    /// The plan a text names (`free`, `pro`, `enterprise`), or `None` for anything else:
    /// an unknown plan is never quietly taken for another.
    pub fn parse(text: &str) -> Option<PlanTier> {
        match text {
            "free" => Some(PlanTier::Free),
            "pro" => Some(PlanTier::Pro),
            "enterprise" => Some(PlanTier::Enterprise),
            _ => None,
        }
    }

    /// As the database's `plan_tier` and Stripe's metadata spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanTier::Free => "free",
            PlanTier::Pro => "pro",
            PlanTier::Enterprise => "enterprise",
        }
    }

    /// A plan that is bought (through Checkout) rather than had by default.
    pub fn is_paid(self) -> bool {
        self != PlanTier::Free
    }
}

/// A text that names no plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown plan {0:?}")]
pub struct UnknownPlan(pub String);

/// As the database stores it: typed rows decode a `plan_tier` column through this.
impl TryFrom<String> for PlanTier {
    type Error = UnknownPlan;

    fn try_from(text: String) -> Result<Self, UnknownPlan> {
        PlanTier::parse(&text).ok_or(UnknownPlan(text))
    }
}

impl std::fmt::Display for PlanTier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_prints_and_nothing_else() {
        for tier in [PlanTier::Free, PlanTier::Pro, PlanTier::Enterprise] {
            assert_eq!(PlanTier::parse(tier.as_str()), Some(tier));
        }
        assert_eq!(PlanTier::parse("Pro"), None);
        assert_eq!(PlanTier::parse(""), None);
        assert!(PlanTier::Pro.is_paid() && !PlanTier::Free.is_paid());
    }
}
