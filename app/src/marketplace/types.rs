use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// The categories a template is listed under.
pub const CATEGORIES: [&str; 8] = [
    "research",
    "support",
    "sales",
    "marketing",
    "engineering",
    "operations",
    "finance",
    "other",
];

/// Stripe's smallest USD charge, and our ceiling for a template.
pub const MIN_PRICE_CENTS: i64 = 50;
pub const MAX_PRICE_CENTS: i64 = 100_000;
/// The creator's share of each sale, in percent; the platform keeps the rest.
pub const CREATOR_SHARE_PERCENT: i64 = 70;
/// Templates per marketplace page.
pub const PAGE_SIZE: u32 = 12;

/// How the marketplace orders its templates.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateSort {
    /// Most deployed first.
    #[default]
    Popular,
    /// Newest first.
    Recent,
    /// Best average rating first (templates without ratings last).
    TopRated,
}

impl TemplateSort {
    pub const ALL: [TemplateSort; 3] = [Self::Popular, Self::Recent, Self::TopRated];

    pub fn parse(text: &str) -> Result<Self, AppError> {
        match text {
            "" | "popular" => Ok(Self::Popular),
            "recent" => Ok(Self::Recent),
            "top_rated" => Ok(Self::TopRated),
            _ => Err(AppError::invalid(
                "sort",
                "Sort by popular, recent or top_rated.",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Popular => "popular",
            Self::Recent => "recent",
            Self::TopRated => "top_rated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Popular => "Popular",
            Self::Recent => "Recent",
            Self::TopRated => "Top rated",
        }
    }
}

/// What the marketplace shows: a search, a category, an order and a page (from 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BrowseQuery {
    pub search: String,
    pub category: Option<String>,
    pub sort: TemplateSort,
    pub page: u32,
}

impl BrowseQuery {
    /// Trims the search and checks the category; the page starts at 1.
    pub fn normalized(mut self) -> Result<Self, AppError> {
        self.search = self.search.trim().chars().take(200).collect();
        self.category = self.category.filter(|c| !c.trim().is_empty());
        if let Some(category) = &self.category
            && !CATEGORIES.contains(&category.as_str())
        {
            return Err(AppError::invalid("category", "No such category."));
        }
        self.page = self.page.clamp(1, 1_000);
        Ok(self)
    }
}

/// A template as a card in the marketplace.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateCard {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub tags: Vec<String>,
    /// 0 for a free template.
    pub price_cents: i64,
    /// The version a deploy gets.
    pub version: i32,
    pub deploy_count: i64,
    pub rating_count: i64,
    /// The average of its ratings, one decimal; `None` before the first.
    pub rating: Option<f64>,
}

/// One page of the marketplace.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplatesPage {
    pub templates: Vec<TemplateCard>,
    /// How many templates match, over all pages.
    pub total: i64,
    pub page: u32,
    pub pages: u32,
}

/// A review on a template page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewView {
    pub id: Uuid,
    pub author: String,
    pub rating: i16,
    pub body: String,
    pub reply: Option<String>,
    pub created: String,
}

/// What the signed-in team may do with a template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateAccess {
    /// The team published it.
    pub is_creator: bool,
    /// Free, bought, or the team's own: it can be deployed.
    pub can_deploy: bool,
    /// Deployed by the team at least once: its members may review it.
    pub deployed: bool,
    /// A payment started but not yet confirmed by Stripe.
    pub purchase_pending: bool,
    /// The viewer's own review, to edit.
    pub my_review: Option<ReviewView>,
    /// Paid purchases are possible (Stripe is configured).
    pub payments_enabled: bool,
}

/// A template's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateView {
    pub card: TemplateCard,
    /// The Markdown description as sanitised HTML.
    pub description_html: String,
    /// The spec a deploy creates, read-only.
    pub spec_yaml: String,
    pub published: String,
    /// Ratings 1 to 5: how many of each.
    pub histogram: [i64; 5],
    pub reviews: Vec<ReviewView>,
    pub access: TemplateAccess,
}

/// What a creator fills in to publish an agent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PublishForm {
    pub title: String,
    pub summary: String,
    pub description_md: String,
    pub category: String,
    pub tags: Vec<String>,
    /// 0 for free.
    pub price_cents: i64,
}

impl PublishForm {
    pub fn check(&self) -> Result<(), AppError> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 120 {
            return Err(AppError::invalid(
                "title",
                "Give the template a title (up to 120 characters).",
            ));
        }
        if self.summary.trim().is_empty() || self.summary.chars().count() > 300 {
            return Err(AppError::invalid(
                "summary",
                "Write a one-line summary (up to 300 characters).",
            ));
        }
        if self.description_md.chars().count() > 20_000 {
            return Err(AppError::invalid(
                "description_md",
                "The description is limited to 20,000 characters.",
            ));
        }
        if !CATEGORIES.contains(&self.category.as_str()) {
            return Err(AppError::invalid("category", "Choose a category."));
        }
        if self.tags.len() > 8 || self.tags.iter().any(|t| t.is_empty() || t.len() > 30) {
            return Err(AppError::invalid(
                "tags",
                "Up to 8 tags of at most 30 characters each.",
            ));
        }
        if self.price_cents != 0 && !(MIN_PRICE_CENTS..=MAX_PRICE_CENTS).contains(&self.price_cents)
        {
            return Err(AppError::invalid(
                "price",
                "A paid template costs between $0.50 and $1,000.",
            ));
        }
        Ok(())
    }
}

/// Tags as typed: comma-separated, trimmed, lower-case, without repeats.
pub fn parse_tags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in text.split(',').map(|t| t.trim().to_lowercase()) {
        if !tag.is_empty() && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags
}

/// A price as typed in dollars ("", "0", "9", "9.5", "$9.99") → cents.
pub fn parse_price(text: &str) -> Result<i64, AppError> {
    let text = text.trim().trim_start_matches('$').replace(',', "");
    if text.is_empty() {
        return Ok(0);
    }
    let bad = || AppError::invalid("price", "Enter a price in dollars, such as 9 or 9.99.");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    if !digits(whole)
        || !digits(fraction)
        || fraction.len() > 2
        || whole.is_empty() && fraction.is_empty()
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let fraction: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().map_err(|_| bad())? * 10,
        _ => fraction.parse().map_err(|_| bad())?,
    };
    whole
        .checked_mul(100)
        .and_then(|cents| cents.checked_add(fraction))
        .ok_or_else(bad)
}

/// "Free" or "$9.99".
pub fn price_label(cents: i64) -> String {
    if cents == 0 {
        "Free".to_string()
    } else {
        format!("${}.{:02}", cents / 100, cents % 100)
    }
}

/// The creator's listing of an agent, for the publish form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    pub template_id: Uuid,
    pub slug: String,
    /// `published` or `unpublished`.
    pub status: String,
    pub version: i32,
    pub form: PublishForm,
}

/// Where to send the browser next (Stripe Checkout, the customer portal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    pub url: String,
}

/// A purchase as the page waiting for Stripe's confirmation sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseState {
    Pending,
    Paid,
    Failed,
    Refunded,
}

/// A sale, as its creator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaleRow {
    pub template_title: String,
    pub amount_cents: i64,
    pub creator_cents: i64,
    /// Negative once refunded.
    pub reversed_cents: i64,
    pub payout_status: String,
    pub created: String,
}

/// The creator's earnings in one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthTotal {
    /// `2026-11`.
    pub month: String,
    pub sales: i64,
    pub gross_cents: i64,
    pub creator_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Earnings {
    pub months: Vec<MonthTotal>,
    pub sales: Vec<SaleRow>,
    pub pending_payout_cents: i64,
    /// Stripe Connect: `None` when the platform has not configured it.
    pub connect: Option<ConnectStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectStatus {
    NotStarted,
    Onboarding,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_to_cents() {
        assert_eq!(parse_price(""), Ok(0));
        assert_eq!(parse_price("9"), Ok(900));
        assert_eq!(parse_price("$9.5"), Ok(950));
        assert_eq!(parse_price("1,000.00"), Ok(100_000));
        assert_eq!(parse_price(".99"), Ok(99));
        for bad in ["9.999", "nine", "-1", ".", "9.x"] {
            assert!(parse_price(bad).is_err(), "{bad}");
        }
        assert_eq!(price_label(0), "Free");
        assert_eq!(price_label(1205), "$12.05");
    }

    #[test]
    fn tags_are_trimmed_lowercased_and_unique() {
        assert_eq!(parse_tags(" SEO, seo ,, Research"), ["seo", "research"]);
    }

    #[test]
    fn publish_form_is_checked() {
        let form = PublishForm {
            title: "Market research".into(),
            summary: "Answers market questions.".into(),
            category: "research".into(),
            ..PublishForm::default()
        };
        assert!(form.check().is_ok());
        let cheap = PublishForm {
            price_cents: 10,
            ..form.clone()
        };
        assert_eq!(cheap.check().unwrap_err().field(), Some("price"));
        let nowhere = PublishForm {
            category: "toys".into(),
            ..form
        };
        assert_eq!(nowhere.check().unwrap_err().field(), Some("category"));
    }

    #[test]
    fn sorts_round_trip() {
        for sort in TemplateSort::ALL {
            assert_eq!(TemplateSort::parse(sort.as_str()), Ok(sort));
        }
        assert!(TemplateSort::parse("cheapest").is_err());
    }
}
