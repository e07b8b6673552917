//! The built-in templates offered when creating an agent: each a spec the validator
//! accepts (a test checks it), with a short label for the gallery.

pub struct Template {
    /// Stable id for links (`/agents/new?template=…`).
    pub slug: &'static str,
    pub yaml: &'static str,
}

pub static TEMPLATES: [Template; 5] = [
    Template {
        slug: "blank",
        yaml: include_str!("examples/blank.yaml"),
    },
    Template {
        slug: "market-research",
        yaml: include_str!("examples/market_research.yaml"),
    },
    Template {
        slug: "support-triage",
        yaml: include_str!("examples/support_triage.yaml"),
    },
    Template {
        slug: "page-summarizer",
        yaml: include_str!("examples/summarizer.yaml"),
    },
    Template {
        slug: "idea-validator",
        yaml: include_str!("examples/idea_validator.yaml"),
    },
];

impl Template {
    pub fn by_slug(slug: &str) -> Option<&'static Template> {
        TEMPLATES.iter().find(|template| template.slug == slug)
    }
}
