//! The models the router can choose from: what each is good for, what it costs, and
//! which plan may use it. Prices are micro-dollars per million tokens, so a call's cost
//! is integer arithmetic rounded up (we never under-charge a fraction).

use app::billing::PlanTier;
use app::spec::{MicroUsd, TaskType};

use super::providers::Usage;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub provider: &'static str,
    pub name: &'static str,
    pub tasks: &'static [TaskType],
    pub input_per_mtok: i64,
    pub output_per_mtok: i64,
    pub min_plan: PlanTier,
    pub max_output_tokens: u32,
}

impl Model {
    pub fn can(&self, task: TaskType) -> bool {
        self.tasks.contains(&task)
    }

    pub fn cost(&self, usage: Usage) -> MicroUsd {
        MicroUsd(
            per_million(usage.prompt_tokens, self.input_per_mtok)
                + per_million(usage.completion_tokens, self.output_per_mtok),
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
        let left = budget.0 - per_million(prompt_bytes, self.input_per_mtok);
        if left <= 0 {
            return 0;
        }
        if self.output_per_mtok == 0 {
            return self.max_output_tokens;
        }
        let tokens = (i128::from(left) * 1_000_000 / i128::from(self.output_per_mtok))
            .min(i128::from(self.max_output_tokens));
        u32::try_from(tokens).unwrap_or(self.max_output_tokens)
    }
}

fn per_million(tokens: u64, price: i64) -> i64 {
    let total = i128::from(tokens) * i128::from(price);
    i64::try_from((total + 999_999) / 1_000_000).unwrap_or(i64::MAX)
}

use TaskType::{
    Classification as C, CodeGeneration as G, ComplexReasoning as X, Research as R, Simple as S,
};

const ALL: &[TaskType] = &[S, C, R, X, G];

/// Ordered cheapest first within each provider.
pub const MODELS: &[Model] = &[
    Model {
        provider: "local",
        name: "llama3.2",
        tasks: &[S, C, R, G],
        input_per_mtok: 0,
        output_per_mtok: 0,
        min_plan: PlanTier::Free,
        max_output_tokens: 4_096,
    },
    Model {
        provider: "demo",
        name: "demo-fast",
        tasks: &[S, C, R, G],
        input_per_mtok: 100_000,
        output_per_mtok: 400_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 4_096,
    },
    Model {
        provider: "demo",
        name: "demo-pro",
        tasks: ALL,
        input_per_mtok: 1_000_000,
        output_per_mtok: 4_000_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 8_192,
    },
    Model {
        provider: "perplexity",
        name: "sonar",
        tasks: &[S, C, R],
        input_per_mtok: 1_000_000,
        output_per_mtok: 1_000_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 4_096,
    },
    Model {
        provider: "perplexity",
        name: "sonar-pro",
        tasks: &[R, X],
        input_per_mtok: 3_000_000,
        output_per_mtok: 15_000_000,
        min_plan: PlanTier::Pro,
        max_output_tokens: 8_192,
    },
    Model {
        provider: "groq",
        name: "llama-3.3-70b-versatile",
        tasks: &[S, C, R, G],
        input_per_mtok: 590_000,
        output_per_mtok: 790_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 8_192,
    },
    Model {
        provider: "openrouter",
        name: "meta-llama/llama-3.3-70b-instruct",
        tasks: &[S, C, R, G],
        input_per_mtok: 130_000,
        output_per_mtok: 400_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 8_192,
    },
    Model {
        provider: "openai",
        name: "gpt-4o-mini",
        tasks: &[S, C, R, G],
        input_per_mtok: 150_000,
        output_per_mtok: 600_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 16_384,
    },
    Model {
        provider: "openai",
        name: "gpt-4.1",
        tasks: ALL,
        input_per_mtok: 2_000_000,
        output_per_mtok: 8_000_000,
        min_plan: PlanTier::Pro,
        max_output_tokens: 32_768,
    },
    Model {
        provider: "anthropic",
        name: "claude-haiku-4-5",
        tasks: &[S, C, R, G],
        input_per_mtok: 1_000_000,
        output_per_mtok: 5_000_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 8_192,
    },
    Model {
        provider: "anthropic",
        name: "claude-sonnet-4-5",
        tasks: ALL,
        input_per_mtok: 3_000_000,
        output_per_mtok: 15_000_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 16_384,
    },
    Model {
        provider: "anthropic",
        name: "claude-opus-4-1",
        tasks: &[X, G],
        input_per_mtok: 15_000_000,
        output_per_mtok: 75_000_000,
        min_plan: PlanTier::Pro,
        max_output_tokens: 16_384,
    },
];

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

pub fn find(provider: &str, name: &str) -> Option<&'static Model> {
    MODELS
        .iter()
        .find(|m| m.provider == provider && m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_are_integer_and_round_up() {
        let haiku = find("anthropic", "claude-haiku-4-5").expect("model");
        assert_eq!(
            haiku.cost(Usage {
                prompt_tokens: 1_000_000,
                completion_tokens: 0
            }),
            MicroUsd(1_000_000)
        );
        assert_eq!(
            haiku.cost(Usage {
                prompt_tokens: 1,
                completion_tokens: 1
            }),
            MicroUsd(1 + 5)
        );
        assert_eq!(
            haiku.cost(Usage {
                prompt_tokens: 0,
                completion_tokens: 0
            }),
            MicroUsd(0)
        );
        let mini = find("openai", "gpt-4o-mini").expect("model");
        // 0.15 micro-dollars a token: 7 tokens cost 1.05, charged as 2.
        assert_eq!(
            mini.cost(Usage {
                prompt_tokens: 7,
                completion_tokens: 0
            }),
            MicroUsd(2)
        );
    }

    #[test]
    fn affordable_output_fits_the_budget() {
        let sonnet = find("anthropic", "claude-sonnet-4-5").expect("model");
        let tokens = sonnet.affordable_output(1_000, MicroUsd(50_000));
        assert!(sonnet.worst_case(1_000, tokens) <= MicroUsd(50_000));
        assert!(sonnet.worst_case(1_000, tokens + 1) > MicroUsd(50_000));
        assert_eq!(sonnet.affordable_output(1_000_000, MicroUsd(10)), 0);
    }
}
