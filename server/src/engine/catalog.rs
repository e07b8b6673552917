//! The models the router can choose from, as the server runs: the table's
//! (`app::catalog`, shared with the spec validator) at the operator's prices
//! (`MODEL_PRICES`), and the models each provider lists, learned by
//! [`discovery`](super::discovery). A listed model the table does not know routes but is
//! unpriced: it is charged and budgeted at [`UNPRICED`], the dearest price we know, so a
//! cost ceiling holds whatever it turns out to cost. Prices are micro-dollars per
//! million tokens, so a call's cost is integer arithmetic rounded up (we never
//! under-charge a fraction).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use app::billing::PlanTier;
use app::catalog::{self as table, Abilities, ModelCard};
use app::spec::{MicroUsd, TaskType};

use super::providers::{Offered, Usage};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    pub input_per_mtok: i64,
    pub output_per_mtok: i64,
}

/// What a model nobody priced is charged and budgeted at: the dearest list price in the
/// table (Claude Opus), so no budget is broken by a model whose price is unknown.
pub const UNPRICED: Price = Price {
    input_per_mtok: 15_000_000,
    output_per_mtok: 75_000_000,
};

const FREE: Price = Price {
    input_per_mtok: 0,
    output_per_mtok: 0,
};

/// The most models one provider's list may add (OpenRouter lists hundreds).
const MAX_LISTED_PER_PROVIDER: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub provider: &'static str,
    pub name: Cow<'static, str>,
    pub tasks: &'static [TaskType],
    /// `None`: nobody priced it (a model a provider listed that the table lacks).
    pub price: Option<Price>,
    pub min_plan: PlanTier,
    pub max_output_tokens: u32,
    pub context_window: u32,
    pub abilities: Abilities,
    /// The router may pick it by itself for a task: the table's models, the operator's
    /// (`MODEL_PRICES`) and a self-hosted server's. One that only a hosted provider's
    /// list names (OpenRouter lists hundreds) is used when named: what it is good for is
    /// unknown.
    pub chosen_by_task: bool,
}

/// What a listed model the table does not describe is assumed able to do: everyday
/// work, text only (so a spec with tools never goes to it unless someone says it can).
const LISTED_TASKS: &[TaskType] = &[
    TaskType::Simple,
    TaskType::Classification,
    TaskType::Research,
    TaskType::CodeGeneration,
];

impl Model {
    fn from_card(card: &'static ModelCard) -> Model {
        Model {
            provider: card.provider,
            name: Cow::Borrowed(card.name),
            tasks: card.tasks,
            price: Some(Price {
                input_per_mtok: card.input_per_mtok,
                output_per_mtok: card.output_per_mtok,
            }),
            min_plan: card.min_plan,
            max_output_tokens: card.max_output_tokens,
            context_window: card.context_window,
            abilities: card.abilities,
            chosen_by_task: true,
        }
    }

    /// A model a provider lists that the table does not know. A self-hosted server's
    /// models cost nothing; one named as a model of the provider it serves the models of
    /// (an Azure deployment of OpenAI's) is that model; anyone else's are unpriced.
    fn listed(provider: &'static str, name: String) -> Model {
        let card = table::provider(provider);
        if let Some(of) = card.and_then(|card| card.models_of)
            && let Some(model) = table::MODELS
                .iter()
                .find(|model| model.provider == of && model.name == name)
        {
            return Model {
                provider,
                name: Cow::Owned(name),
                ..Model::from_card(model)
            };
        }
        let self_hosted = card.is_some_and(|card| card.self_hosted());
        Model {
            provider,
            name: Cow::Owned(name),
            tasks: LISTED_TASKS,
            price: self_hosted.then_some(FREE),
            min_plan: PlanTier::Free,
            max_output_tokens: 4_096,
            context_window: 8_192,
            abilities: Abilities::UNKNOWN,
            chosen_by_task: self_hosted,
        }
    }

    pub fn can(&self, task: TaskType) -> bool {
        self.tasks.contains(&task)
    }

    /// Whether someone priced it (the table, the operator, the provider's list).
    pub fn is_priced(&self) -> bool {
        self.price.is_some()
    }

    /// The price it is charged and budgeted at.
    pub fn rate(&self) -> Price {
        self.price.unwrap_or(UNPRICED)
    }

    pub fn cost(&self, usage: Usage) -> MicroUsd {
        let rate = self.rate();
        MicroUsd(
            per_million(usage.prompt_tokens, rate.input_per_mtok)
                + per_million(usage.completion_tokens, rate.output_per_mtok),
        )
    }

    /// The most a call can cost: every prompt byte a token, every allowed output token used.
    pub fn worst_case(&self, prompt_bytes: u64, max_tokens: u32) -> MicroUsd {
        self.cost(Usage {
            prompt_tokens: prompt_bytes,
            completion_tokens: u64::from(max_tokens),
        })
    }

    /// The largest output allowance whose worst case fits the budget.
    pub fn affordable_output(&self, prompt_bytes: u64, budget: MicroUsd) -> u32 {
        let rate = self.rate();
        let left = budget.0 - per_million(prompt_bytes, rate.input_per_mtok);
        if left <= 0 {
            return 0;
        }
        if rate.output_per_mtok == 0 {
            return self.max_output_tokens;
        }
        let tokens = (i128::from(left) * 1_000_000 / i128::from(rate.output_per_mtok))
            .min(i128::from(self.max_output_tokens));
        u32::try_from(tokens).unwrap_or(self.max_output_tokens)
    }

    fn is(&self, provider: &str, name: &str) -> bool {
        self.provider == provider && self.name == name
    }
}

/// An embedding model in a provider's list: not one to chat with (`/v1/embeddings` has
/// its own table).
fn turns_text_into_vectors(name: &str) -> bool {
    name.contains("embed") || EMBEDDING_MODELS.iter().any(|m| m.name == name)
}

fn per_million(tokens: u64, price: i64) -> i64 {
    let total = i128::from(tokens) * i128::from(price);
    i64::try_from((total + 999_999) / 1_000_000).unwrap_or(i64::MAX)
}

/// An operator's price for one model (`MODEL_PRICES`), in micro-dollars per million
/// tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceOverride {
    pub provider: &'static str,
    pub name: String,
    pub price: Price,
}

impl PriceOverride {
    /// `provider/model=input/output`, dollars per million tokens, comma-separated:
    /// `openai/gpt-4o-mini=0.15/0.60, openrouter/qwen/qwen-2.5-72b-instruct=0.35/0.40`.
    pub fn parse_list(text: &str) -> Result<Vec<PriceOverride>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(PriceOverride::parse)
            .collect()
    }

    fn parse(item: &str) -> Result<PriceOverride, String> {
        let shape =
            || format!("`{item}` is not provider/model=input/output (dollars per million tokens)");
        let (model, prices) = item.rsplit_once('=').ok_or_else(shape)?;
        let (input, output) = prices.split_once('/').ok_or_else(shape)?;
        let (provider, name) = model.trim().split_once('/').ok_or_else(shape)?;
        let provider = table::provider_ids()
            .find(|id| *id == provider)
            .ok_or_else(|| format!("`{item}`: unknown provider `{provider}`"))?;
        let dollars = |text: &str| {
            MicroUsd::parse_usd(text)
                .map(|usd| usd.0)
                .map_err(|e| format!("`{item}`: {e}"))
        };
        Ok(PriceOverride {
            provider,
            name: name.trim().to_string(),
            price: Price {
                input_per_mtok: dollars(input)?,
                output_per_mtok: dollars(output)?,
            },
        })
    }
}

/// The catalogue: shared by the router and the gateway, updated as providers' lists
/// come in. Readers take a snapshot (an `Arc` clone under a read lock held for no
/// longer than that).
#[derive(Debug)]
pub struct Catalog {
    models: RwLock<Arc<[Arc<Model>]>>,
    overrides: Vec<PriceOverride>,
}

impl Default for Catalog {
    fn default() -> Catalog {
        Catalog::new(Vec::new())
    }
}

impl Catalog {
    /// The table's models at the operator's prices, and the models only an override
    /// names.
    pub fn new(overrides: Vec<PriceOverride>) -> Catalog {
        let mut models: Vec<Model> = table::MODELS.iter().map(Model::from_card).collect();
        for price in &overrides {
            if !models.iter().any(|m| m.is(price.provider, &price.name)) {
                models.push(Model {
                    chosen_by_task: true,
                    ..Model::listed(price.provider, price.name.clone())
                });
            }
        }
        let catalog = Catalog {
            models: RwLock::new(Arc::from([])),
            overrides,
        };
        catalog.publish(models);
        catalog
    }

    /// Every model, the table's first, each provider's cheapest first.
    pub fn all(&self) -> Arc<[Arc<Model>]> {
        Arc::clone(&self.models.read().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn find(&self, provider: &str, name: &str) -> Option<Arc<Model>> {
        self.all().iter().find(|m| m.is(provider, name)).cloned()
    }

    /// A model as callers write it: its name, or `provider/name`. When several
    /// providers have that name, the first `usable` one's (the table's come first).
    pub fn named(&self, text: &str, usable: impl Fn(&Model) -> bool) -> Option<Arc<Model>> {
        let all = self.all();
        let qualified = |m: &Model| {
            text.strip_prefix(m.provider)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|name| name == m.name)
        };
        let mut matching = all.iter().filter(|m| m.name == text || qualified(m));
        let first = matching.next()?;
        if usable(first) {
            return Some(Arc::clone(first));
        }
        Some(Arc::clone(matching.find(|m| usable(m)).unwrap_or(first)))
    }

    /// What `provider` lists now. A self-hosted server's list is all it has, so it
    /// replaces the table's guesses; a hosted provider's adds to the table (a key may
    /// list less than the provider serves).
    pub fn learn(&self, provider: &'static str, listed: &[Offered]) {
        let self_hosted = table::provider(provider).is_some_and(|card| card.self_hosted());
        let current = self.all();
        let mut models: Vec<Model> = current
            .iter()
            .filter(|m| {
                let from_table = table::MODELS
                    .iter()
                    .any(|card| m.is(card.provider, card.name));
                m.provider != provider || (from_table && !self_hosted)
            })
            .map(|m| Model::clone(m))
            .collect();
        for offer in listed
            .iter()
            .filter(|offer| !turns_text_into_vectors(&offer.id))
            .take(MAX_LISTED_PER_PROVIDER)
        {
            let name = &offer.id;
            if models.iter().any(|m| m.is(provider, name)) {
                continue;
            }
            let model = match table::MODELS
                .iter()
                .find(|card| card.provider == provider && card.name == name)
            {
                Some(card) => Model::from_card(card),
                // What the list says of a model the table does not know: its price
                // (OpenRouter's), its context window.
                None => {
                    let mut model = Model::listed(provider, name.clone());
                    model.price = offer.price.or(model.price);
                    model.context_window = offer.context_window.unwrap_or(model.context_window);
                    model
                }
            };
            models.push(model);
        }
        self.publish(models);
    }

    /// Applies the operator's prices and makes the list current.
    fn publish(&self, mut models: Vec<Model>) {
        let prices: HashMap<(&str, &str), Price> = self
            .overrides
            .iter()
            .map(|o| ((o.provider, o.name.as_str()), o.price))
            .collect();
        for model in &mut models {
            if let Some(price) = prices.get(&(model.provider, model.name.as_ref())) {
                model.price = Some(*price);
            }
        }
        let models: Arc<[Arc<Model>]> = models.into_iter().map(Arc::new).collect();
        *self.models.write().unwrap_or_else(|e| e.into_inner()) = models;
    }
}

/// A model that turns text into vectors. Vectors of two models do not compare, so an
/// embeddings call goes to the model named and never falls back to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddingModel {
    pub provider: &'static str,
    pub name: &'static str,
    pub input_per_mtok: i64,
    pub dimensions: u32,
    pub min_plan: PlanTier,
}

impl EmbeddingModel {
    pub fn cost(&self, tokens: u64) -> MicroUsd {
        MicroUsd(per_million(tokens, self.input_per_mtok))
    }
}

/// The embedding models of the OpenAI-format providers (the only format with
/// embeddings). The demo model's vectors come from the fake provider's words-to-buckets
/// rule (fake-llm), 64 dimensions unless asked for fewer.
pub const EMBEDDING_MODELS: &[EmbeddingModel] = &[
    EmbeddingModel {
        provider: "demo",
        name: "demo-embed",
        input_per_mtok: 10_000,
        dimensions: 64,
        min_plan: PlanTier::Free,
    },
    EmbeddingModel {
        provider: "demo",
        name: "demo-embed-v2",
        input_per_mtok: 20_000,
        dimensions: 384,
        min_plan: PlanTier::Free,
    },
    // Ollama's name for all-MiniLM-L6-v2, the small model the retrieval benchmark runs
    // (scripts/bench/embeddings_server.py serves it offline).
    EmbeddingModel {
        provider: "local",
        name: "all-minilm",
        input_per_mtok: 0,
        dimensions: 384,
        min_plan: PlanTier::Free,
    },
    EmbeddingModel {
        provider: "local",
        name: "nomic-embed-text",
        input_per_mtok: 0,
        dimensions: 768,
        min_plan: PlanTier::Free,
    },
    EmbeddingModel {
        provider: "openai",
        name: "text-embedding-3-small",
        input_per_mtok: 20_000,
        dimensions: 1_536,
        min_plan: PlanTier::Free,
    },
    EmbeddingModel {
        provider: "openai",
        name: "text-embedding-3-large",
        input_per_mtok: 130_000,
        dimensions: 3_072,
        min_plan: PlanTier::Free,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn model(catalog: &Catalog, provider: &str, name: &str) -> Arc<Model> {
        catalog.find(provider, name).expect("model")
    }

    #[test]
    fn costs_are_integer_and_round_up() {
        let catalog = Catalog::default();
        let haiku = model(&catalog, "anthropic", "claude-haiku-4-5");
        let usage = |prompt_tokens, completion_tokens| Usage {
            prompt_tokens,
            completion_tokens,
        };
        assert_eq!(haiku.cost(usage(1_000_000, 0)), MicroUsd(1_000_000));
        assert_eq!(haiku.cost(usage(1, 1)), MicroUsd(1 + 5));
        assert_eq!(haiku.cost(usage(0, 0)), MicroUsd(0));
        let mini = model(&catalog, "openai", "gpt-4o-mini");
        // 0.15 micro-dollars a token: 7 tokens cost 1.05, charged as 2.
        assert_eq!(mini.cost(usage(7, 0)), MicroUsd(2));
    }

    #[test]
    fn affordable_output_fits_the_budget() {
        let sonnet = model(&Catalog::default(), "anthropic", "claude-sonnet-4-5");
        let tokens = sonnet.affordable_output(1_000, MicroUsd(50_000));
        assert!(sonnet.worst_case(1_000, tokens) <= MicroUsd(50_000));
        assert!(sonnet.worst_case(1_000, tokens + 1) > MicroUsd(50_000));
        assert_eq!(sonnet.affordable_output(1_000_000, MicroUsd(10)), 0);
    }

    #[test]
    fn operator_prices_override_the_table_and_add_models() {
        let overrides =
            PriceOverride::parse_list("openai/gpt-4o-mini=0.2/1, openrouter/qwen/qwen-2.5=0/0.5")
                .expect("prices");
        let catalog = Catalog::new(overrides);
        let mini = model(&catalog, "openai", "gpt-4o-mini");
        assert_eq!(
            mini.price,
            Some(Price {
                input_per_mtok: 200_000,
                output_per_mtok: 1_000_000
            })
        );
        let qwen = model(&catalog, "openrouter", "qwen/qwen-2.5");
        assert_eq!(qwen.rate().output_per_mtok, 500_000);
        assert!(qwen.is_priced());
        for bad in [
            "gpt-4o-mini=1/2",
            "openai/gpt-4o-mini=1",
            "nowhere/x=1/2",
            "openai/x=a/b",
        ] {
            assert!(PriceOverride::parse_list(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn listed_models_join_unpriced_and_a_local_list_replaces_the_guess() {
        let catalog = Catalog::default();
        catalog.learn(
            "openai",
            &offers(&["gpt-4o-mini", "o9-preview", "text-embedding-3-small"]),
        );
        assert!(
            catalog.find("openai", "text-embedding-3-small").is_none(),
            "not a chat model"
        );
        let anyone = |_: &Model| true;
        let new = catalog.named("o9-preview", anyone).expect("learned");
        assert!(!new.is_priced());
        assert!(!new.chosen_by_task, "used only when named");
        assert_eq!(new.rate(), UNPRICED);
        assert!(!new.abilities.tools);
        assert!(
            catalog.find("openai", "gpt-4.1").is_some(),
            "the table stays"
        );

        catalog.learn("local", &offers(&["qwen2.5:7b"]));
        assert!(
            catalog.find("local", "llama3.2").is_none(),
            "not on this server"
        );
        let qwen = catalog.named("local/qwen2.5:7b", anyone).expect("learned");
        assert_eq!(qwen.rate(), FREE, "a self-hosted model costs nothing");
        assert!(qwen.is_priced() && qwen.chosen_by_task);
        // Learning again replaces what was learned before.
        catalog.learn("openai", &[]);
        assert!(catalog.named("o9-preview", anyone).is_none());
        // A name two providers list: the one that can be used.
        catalog.learn("demo", &offers(&["gpt-4o-mini"]));
        let demo = catalog
            .named("gpt-4o-mini", |m| m.provider == "demo")
            .expect("listed");
        assert_eq!(demo.provider, "demo");
        let table = catalog.named("gpt-4o-mini", anyone).expect("table");
        assert_eq!(table.provider, "openai");
    }

    #[test]
    fn a_list_that_prices_its_models_prices_them() {
        let catalog = Catalog::default();
        let price = Price {
            input_per_mtok: 350_000,
            output_per_mtok: 400_000,
        };
        catalog.learn(
            "openrouter",
            &[Offered {
                price: Some(price),
                context_window: Some(32_768),
                ..Offered::named("qwen/qwen-2.5-72b-instruct")
            }],
        );
        let qwen = catalog
            .find("openrouter", "qwen/qwen-2.5-72b-instruct")
            .expect("learned");
        assert_eq!((qwen.price, qwen.context_window), (Some(price), 32_768));
        assert!(
            !qwen.chosen_by_task,
            "priced, but what it is good for is unknown"
        );
    }

    fn offers(names: &[&str]) -> Vec<Offered> {
        names.iter().map(|name| Offered::named(*name)).collect()
    }
}
