//! The providers we can route to and the models we know: what each model is good for,
//! what it can do, what it costs, and which plan may use it. Shared by the spec
//! validator (in the browser too), the builder's model picker and the server, whose
//! runtime catalogue (server/src/engine/catalog.rs) adds the models providers report
//! and the operator's own prices. Prices are micro-dollars per million tokens.

use crate::billing::PlanTier;
use crate::spec::TaskType;

/// How a provider is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    OpenAi,
    Anthropic,
    /// Google's `generateContent`.
    Gemini,
    /// Amazon Bedrock's Converse API, signed with SigV4.
    Bedrock,
}

/// A provider the operator can configure: where it lives and where its key is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderCard {
    pub id: &'static str,
    pub label: &'static str,
    pub wire: Wire,
    /// The environment variable with the operator's key; `None` for a server the
    /// operator runs, which needs none.
    pub key_var: Option<&'static str>,
    pub url_var: &'static str,
    /// Empty: off until the operator gives the URL.
    pub default_url: &'static str,
    /// Serves another provider's models under names the operator chooses (Azure's
    /// deployments of OpenAI's models): a name of that provider's model is that model,
    /// at its price.
    pub models_of: Option<&'static str>,
    /// How a key is written, where it is more than one token (Bedrock's is the AWS
    /// key id and secret); empty for a plain API key.
    pub key_format: &'static str,
}

impl ProviderCard {
    /// A server the operator runs (Ollama, vLLM, llama.cpp, LM Studio): it costs nothing
    /// to call, and the models it lists are all it has.
    pub fn self_hosted(&self) -> bool {
        self.key_var.is_none()
    }

    /// Whether a key has this provider's form (a plain key always does; Bedrock's is
    /// `ACCESS_KEY_ID:SECRET_ACCESS_KEY`, optionally `:SESSION_TOKEN` after it).
    pub fn key_is_well_formed(&self, key: &str) -> bool {
        match self.wire {
            Wire::Bedrock => {
                let mut parts = key.splitn(3, ':');
                parts.next().is_some_and(|id| !id.is_empty())
                    && parts.next().is_some_and(|secret| !secret.is_empty())
            }
            _ => true,
        }
    }
}

const fn hosted(
    id: &'static str,
    label: &'static str,
    wire: Wire,
    key_var: &'static str,
    url_var: &'static str,
    default_url: &'static str,
) -> ProviderCard {
    ProviderCard {
        id,
        label,
        wire,
        key_var: Some(key_var),
        url_var,
        default_url,
        models_of: None,
        key_format: "",
    }
}

const fn self_hosted(
    id: &'static str,
    label: &'static str,
    url_var: &'static str,
    default_url: &'static str,
) -> ProviderCard {
    ProviderCard {
        id,
        label,
        wire: Wire::OpenAi,
        key_var: None,
        url_var,
        default_url,
        models_of: None,
        key_format: "",
    }
}

/// Every provider but the demo one (the fake model `make run` starts), which is set up
/// by `DEMO_LLM_BASE_URL` alone. Self-hosted base URLs end where the OpenAI-format paths
/// begin (`…/v1`), except Ollama's, which is its server's address.
pub const PROVIDERS: &[ProviderCard] = &[
    hosted(
        "openai",
        "OpenAI",
        Wire::OpenAi,
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "https://api.openai.com/v1",
    ),
    hosted(
        "anthropic",
        "Anthropic",
        Wire::Anthropic,
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "https://api.anthropic.com",
    ),
    hosted(
        "perplexity",
        "Perplexity",
        Wire::OpenAi,
        "PERPLEXITY_API_KEY",
        "PERPLEXITY_BASE_URL",
        "https://api.perplexity.ai",
    ),
    hosted(
        "groq",
        "Groq",
        Wire::OpenAi,
        "GROQ_API_KEY",
        "GROQ_BASE_URL",
        "https://api.groq.com/openai/v1",
    ),
    hosted(
        "openrouter",
        "OpenRouter",
        Wire::OpenAi,
        "OPENROUTER_API_KEY",
        "OPENROUTER_BASE_URL",
        "https://openrouter.ai/api/v1",
    ),
    hosted(
        "gemini",
        "Google Gemini",
        Wire::Gemini,
        "GEMINI_API_KEY",
        "GEMINI_BASE_URL",
        "https://generativelanguage.googleapis.com",
    ),
    ProviderCard {
        models_of: Some("openai"),
        ..hosted(
            "azure",
            "Azure OpenAI",
            Wire::OpenAi,
            "AZURE_OPENAI_API_KEY",
            "AZURE_OPENAI_ENDPOINT",
            "",
        )
    },
    // The key is the AWS credentials, `ACCESS_KEY_ID:SECRET_ACCESS_KEY` (the server
    // also reads AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN beside the id); the address
    // is the region's runtime endpoint unless BEDROCK_BASE_URL is set.
    ProviderCard {
        key_format: "ACCESS_KEY_ID:SECRET_ACCESS_KEY",
        ..hosted(
            "bedrock",
            "Amazon Bedrock",
            Wire::Bedrock,
            "AWS_ACCESS_KEY_ID",
            "BEDROCK_BASE_URL",
            "",
        )
    },
    hosted(
        "mistral",
        "Mistral",
        Wire::OpenAi,
        "MISTRAL_API_KEY",
        "MISTRAL_BASE_URL",
        "https://api.mistral.ai/v1",
    ),
    hosted(
        "together",
        "Together",
        Wire::OpenAi,
        "TOGETHER_API_KEY",
        "TOGETHER_BASE_URL",
        "https://api.together.xyz/v1",
    ),
    hosted(
        "deepseek",
        "DeepSeek",
        Wire::OpenAi,
        "DEEPSEEK_API_KEY",
        "DEEPSEEK_BASE_URL",
        "https://api.deepseek.com/v1",
    ),
    self_hosted(
        "local",
        "Local (Ollama)",
        "OLLAMA_BASE_URL",
        "http://127.0.0.1:11434",
    ),
    self_hosted("vllm", "vLLM", "VLLM_BASE_URL", ""),
    self_hosted("llamacpp", "llama.cpp", "LLAMACPP_BASE_URL", ""),
    self_hosted("lmstudio", "LM Studio", "LMSTUDIO_BASE_URL", ""),
];

/// The id of the fake provider behind demo mode.
pub const DEMO: &str = "demo";

/// A provider by id (the demo one has no card).
pub fn provider(id: &str) -> Option<&'static ProviderCard> {
    PROVIDERS.iter().find(|card| card.id == id)
}

/// The ids a spec or `ROUTER_CHAIN` may name, demo included.
pub fn provider_ids() -> impl Iterator<Item = &'static str> {
    PROVIDERS.iter().map(|card| card.id).chain([DEMO])
}

/// What a model can do beyond text in, text out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abilities {
    /// Calls tools (function calling).
    pub tools: bool,
    /// Reads images.
    pub vision: bool,
    /// Answers in JSON when asked (JSON mode or structured output).
    pub json: bool,
}

impl Abilities {
    /// What is assumed of a model nobody described: nothing beyond text.
    pub const UNKNOWN: Abilities = Abilities {
        tools: false,
        vision: false,
        json: false,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelCard {
    pub provider: &'static str,
    pub name: &'static str,
    pub tasks: &'static [TaskType],
    pub input_per_mtok: i64,
    pub output_per_mtok: i64,
    pub min_plan: PlanTier,
    pub max_output_tokens: u32,
    /// Prompt and answer together, in tokens.
    pub context_window: u32,
    pub abilities: Abilities,
}

use TaskType::{
    Classification as C, CodeGeneration as G, ComplexReasoning as X, Research as R, Simple as S,
};

const ALL: &[TaskType] = &[S, C, R, X, G];
const EVERYDAY: &[TaskType] = &[S, C, R, G];
const TOOLS_JSON: Abilities = Abilities {
    tools: true,
    vision: false,
    json: true,
};
const EVERYTHING: Abilities = Abilities {
    tools: true,
    vision: true,
    json: true,
};

/// The models we know, cheapest first within each provider. A provider's list adds to
/// these at run time (server/src/engine/catalog.rs); the prices are list prices, which
/// an operator can override (`MODEL_PRICES`).
pub const MODELS: &[ModelCard] = &[
    ModelCard {
        provider: "local",
        name: "llama3.2",
        tasks: EVERYDAY,
        input_per_mtok: 0,
        output_per_mtok: 0,
        min_plan: PlanTier::Free,
        max_output_tokens: 4_096,
        context_window: 131_072,
        abilities: TOOLS_JSON,
    },
    ModelCard {
        provider: DEMO,
        name: "demo-fast",
        tasks: EVERYDAY,
        input_per_mtok: 100_000,
        output_per_mtok: 400_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 4_096,
        context_window: 32_768,
        abilities: TOOLS_JSON,
    },
    ModelCard {
        provider: DEMO,
        name: "demo-pro",
        tasks: ALL,
        input_per_mtok: 1_000_000,
        output_per_mtok: 4_000_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 8_192,
        context_window: 131_072,
        abilities: EVERYTHING,
    },
    ModelCard {
        provider: "perplexity",
        name: "sonar",
        tasks: &[S, C, R],
        input_per_mtok: 1_000_000,
        output_per_mtok: 1_000_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 4_096,
        context_window: 127_072,
        abilities: Abilities {
            tools: false,
            vision: false,
            json: true,
        },
    },
    ModelCard {
        provider: "perplexity",
        name: "sonar-pro",
        tasks: &[R, X],
        input_per_mtok: 3_000_000,
        output_per_mtok: 15_000_000,
        min_plan: PlanTier::Pro,
        max_output_tokens: 8_192,
        context_window: 200_000,
        abilities: Abilities {
            tools: false,
            vision: false,
            json: true,
        },
    },
    ModelCard {
        provider: "groq",
        name: "llama-3.3-70b-versatile",
        tasks: EVERYDAY,
        input_per_mtok: 590_000,
        output_per_mtok: 790_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 8_192,
        context_window: 131_072,
        abilities: TOOLS_JSON,
    },
    ModelCard {
        provider: "openrouter",
        name: "meta-llama/llama-3.3-70b-instruct",
        tasks: EVERYDAY,
        input_per_mtok: 130_000,
        output_per_mtok: 400_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 8_192,
        context_window: 131_072,
        abilities: TOOLS_JSON,
    },
    ModelCard {
        provider: "mistral",
        name: "mistral-small-latest",
        tasks: EVERYDAY,
        input_per_mtok: 100_000,
        output_per_mtok: 300_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 8_192,
        context_window: 131_072,
        abilities: EVERYTHING,
    },
    ModelCard {
        provider: "mistral",
        name: "mistral-large-latest",
        tasks: ALL,
        input_per_mtok: 2_000_000,
        output_per_mtok: 6_000_000,
        min_plan: PlanTier::Pro,
        max_output_tokens: 8_192,
        context_window: 131_072,
        abilities: TOOLS_JSON,
    },
    ModelCard {
        provider: "together",
        name: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        tasks: EVERYDAY,
        input_per_mtok: 880_000,
        output_per_mtok: 880_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 8_192,
        context_window: 131_072,
        abilities: TOOLS_JSON,
    },
    ModelCard {
        provider: "deepseek",
        name: "deepseek-chat",
        tasks: ALL,
        input_per_mtok: 270_000,
        output_per_mtok: 1_100_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 8_192,
        context_window: 65_536,
        abilities: TOOLS_JSON,
    },
    ModelCard {
        provider: "openai",
        name: "gpt-4o-mini",
        tasks: EVERYDAY,
        input_per_mtok: 150_000,
        output_per_mtok: 600_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 16_384,
        context_window: 128_000,
        abilities: EVERYTHING,
    },
    ModelCard {
        provider: "openai",
        name: "gpt-4.1-mini",
        tasks: ALL,
        input_per_mtok: 400_000,
        output_per_mtok: 1_600_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 32_768,
        context_window: 1_047_576,
        abilities: EVERYTHING,
    },
    ModelCard {
        provider: "openai",
        name: "gpt-4.1",
        tasks: ALL,
        input_per_mtok: 2_000_000,
        output_per_mtok: 8_000_000,
        min_plan: PlanTier::Pro,
        max_output_tokens: 32_768,
        context_window: 1_047_576,
        abilities: EVERYTHING,
    },
    ModelCard {
        provider: "gemini",
        name: "gemini-2.5-flash-lite",
        tasks: EVERYDAY,
        input_per_mtok: 100_000,
        output_per_mtok: 400_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 65_536,
        context_window: 1_048_576,
        abilities: EVERYTHING,
    },
    ModelCard {
        provider: "gemini",
        name: "gemini-2.5-flash",
        tasks: ALL,
        input_per_mtok: 300_000,
        output_per_mtok: 2_500_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 65_536,
        context_window: 1_048_576,
        abilities: EVERYTHING,
    },
    ModelCard {
        provider: "gemini",
        name: "gemini-2.5-pro",
        tasks: ALL,
        input_per_mtok: 1_250_000,
        output_per_mtok: 10_000_000,
        min_plan: PlanTier::Pro,
        max_output_tokens: 65_536,
        context_window: 1_048_576,
        abilities: EVERYTHING,
    },
    ModelCard {
        provider: "anthropic",
        name: "claude-haiku-4-5",
        tasks: EVERYDAY,
        input_per_mtok: 1_000_000,
        output_per_mtok: 5_000_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 8_192,
        context_window: 200_000,
        abilities: EVERYTHING,
    },
    ModelCard {
        provider: "anthropic",
        name: "claude-sonnet-4-5",
        tasks: ALL,
        input_per_mtok: 3_000_000,
        output_per_mtok: 15_000_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 16_384,
        context_window: 200_000,
        abilities: EVERYTHING,
    },
    ModelCard {
        provider: "anthropic",
        name: "claude-opus-4-1",
        tasks: &[X, G],
        input_per_mtok: 15_000_000,
        output_per_mtok: 75_000_000,
        min_plan: PlanTier::Pro,
        max_output_tokens: 16_384,
        context_window: 200_000,
        abilities: EVERYTHING,
    },
    // Bedrock's on-demand models, by their Bedrock ids.
    ModelCard {
        provider: "bedrock",
        name: "amazon.nova-micro-v1:0",
        tasks: &[S, C],
        input_per_mtok: 35_000,
        output_per_mtok: 140_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 5_000,
        context_window: 128_000,
        abilities: TOOLS_JSON,
    },
    ModelCard {
        provider: "bedrock",
        name: "amazon.nova-lite-v1:0",
        tasks: EVERYDAY,
        input_per_mtok: 60_000,
        output_per_mtok: 240_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 5_000,
        context_window: 300_000,
        abilities: EVERYTHING,
    },
    ModelCard {
        provider: "bedrock",
        name: "amazon.nova-pro-v1:0",
        tasks: ALL,
        input_per_mtok: 800_000,
        output_per_mtok: 3_200_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 5_000,
        context_window: 300_000,
        abilities: EVERYTHING,
    },
    ModelCard {
        provider: "bedrock",
        name: "anthropic.claude-3-5-haiku-20241022-v1:0",
        tasks: EVERYDAY,
        input_per_mtok: 800_000,
        output_per_mtok: 4_000_000,
        min_plan: PlanTier::Free,
        max_output_tokens: 8_192,
        context_window: 200_000,
        abilities: TOOLS_JSON,
    },
];

/// The model a spec names: `gpt-4.1-mini` (a model of the table) or `provider/model`
/// (any model a provider lists, e.g. `local/qwen2.5`, `openrouter/…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelName<'a> {
    Known(&'static ModelCard),
    Listed {
        provider: &'static str,
        name: &'a str,
    },
}

impl<'a> ModelName<'a> {
    pub fn parse(text: &'a str) -> Option<ModelName<'a>> {
        if let Some(card) = MODELS.iter().find(|card| card.name == text) {
            return Some(ModelName::Known(card));
        }
        let (provider, name) = text.split_once('/')?;
        let provider = provider_ids().find(|id| *id == provider)?;
        if name.is_empty() {
            return None;
        }
        match MODELS
            .iter()
            .find(|card| card.provider == provider && card.name == name)
        {
            Some(card) => Some(ModelName::Known(card)),
            None => Some(ModelName::Listed { provider, name }),
        }
    }

    pub fn provider(&self) -> &'static str {
        match self {
            ModelName::Known(card) => card.provider,
            ModelName::Listed { provider, .. } => provider,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            ModelName::Known(card) => card.name,
            ModelName::Listed { name, .. } => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_known_or_provider_qualified() {
        assert_eq!(
            ModelName::parse("gpt-4.1-mini").map(|n| n.provider()),
            Some("openai")
        );
        // OpenRouter's own names have a slash: the table knows them whole.
        assert!(matches!(
            ModelName::parse("meta-llama/llama-3.3-70b-instruct"),
            Some(ModelName::Known(_))
        ));
        assert_eq!(
            ModelName::parse("local/qwen2.5"),
            Some(ModelName::Listed {
                provider: "local",
                name: "qwen2.5"
            })
        );
        assert!(matches!(
            ModelName::parse("openai/gpt-4o-mini"),
            Some(ModelName::Known(_))
        ));
        assert_eq!(ModelName::parse("gpt-7"), None);
        assert_eq!(ModelName::parse("nowhere/gpt-7"), None);
        assert_eq!(ModelName::parse("local/"), None);
    }

    #[test]
    fn every_model_belongs_to_a_provider_and_names_are_unique() {
        for card in MODELS {
            assert!(
                provider_ids().any(|id| id == card.provider),
                "{}",
                card.name
            );
            assert_eq!(
                MODELS.iter().filter(|c| c.name == card.name).count(),
                1,
                "{}",
                card.name
            );
        }
    }
}
