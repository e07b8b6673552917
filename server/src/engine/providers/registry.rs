//! Which providers exist, where they live and with which key. Base URLs come only from
//! the operator's environment; a team can bring its own key, never its own URL.

use std::collections::HashMap;
use std::sync::Arc;

use super::anthropic::Anthropic;
use super::bedrock::Bedrock;
use super::gemini::Gemini;
use super::http::{self, Endpoint, HttpLimits};
use super::openai::{AzureApi, OpenAi};
use super::pool::{Deployments, Pool};
use super::{LlmProvider, ProviderError};

pub use app::catalog::Wire as WireFormat;

/// What a team set in Settings → Providers: its own keys (decrypted) and its routing
/// order, if it chose one.
#[derive(Debug, Default, Clone)]
pub struct TeamProviders {
    pub keys: HashMap<String, String>,
    pub order: Option<Vec<String>>,
}

/// One provider as the operator configured it.
#[derive(Clone)]
pub struct ProviderConfig {
    pub id: String,
    pub format: WireFormat,
    pub base_url: String,
    pub api_key: Option<String>,
    /// Whether calls need a key (Ollama and the demo model do not).
    pub needs_key: bool,
    /// Azure OpenAI's API version and deployments.
    pub azure: Option<AzureApi>,
    /// Several endpoints or keys of this provider, called in turn (`LLM_DEPLOYMENTS`);
    /// then `base_url` and `api_key` serve only a team's own key.
    pub deployments: Option<Arc<Deployments>>,
}

impl ProviderConfig {
    /// A client of this provider's wire format for one endpoint.
    fn speaking(&self, endpoint: Endpoint) -> Arc<dyn LlmProvider> {
        match self.format {
            WireFormat::OpenAi => Arc::new(OpenAi {
                endpoint,
                azure: self.azure.clone(),
            }),
            WireFormat::Anthropic => Arc::new(Anthropic(endpoint)),
            WireFormat::Gemini => Arc::new(Gemini(endpoint)),
            WireFormat::Bedrock => Arc::new(Bedrock(endpoint)),
        }
    }
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("id", &self.id)
            .field("format", &self.format)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field(
                "deployments",
                &self.deployments.as_ref().map(|d| &d.configs),
            )
            .finish()
    }
}

/// The providers one run may use: the operator's, with the team's own keys laid over,
/// and the order to try them in (the team's, else the platform's).
#[derive(Clone)]
pub struct ProviderSet {
    providers: HashMap<String, Arc<dyn LlmProvider>>,
    chain: Arc<[String]>,
    /// The providers called with a key (the operator's or the team's): set up on
    /// purpose, unlike a keyless local server assumed at its default address.
    keyed: Arc<[String]>,
    /// Every key this set could send, to redact from what providers say back.
    keys: Arc<[String]>,
}

impl ProviderSet {
    pub fn build(
        configs: &[ProviderConfig],
        team: &TeamProviders,
        platform_chain: &[String],
        client: &reqwest::Client,
        limits: HttpLimits,
    ) -> ProviderSet {
        let team_keys = &team.keys;
        let mut providers: HashMap<String, Arc<dyn LlmProvider>> = HashMap::new();
        let mut keyed = Vec::new();
        let deployment_keys = configs
            .iter()
            .filter_map(|config| config.deployments.as_deref())
            .flat_map(|d| d.configs.iter().filter_map(|c| c.api_key.clone()));
        let keys = configs
            .iter()
            .filter_map(|config| config.api_key.clone())
            .chain(deployment_keys)
            .chain(team_keys.values().cloned())
            .collect();
        let endpoint = |config: &ProviderConfig, base_url: &str, api_key: Option<String>| {
            config.speaking(Endpoint {
                id: config.id.clone(),
                base_url: base_url.to_string(),
                api_key,
                client: client.clone(),
                limits,
            })
        };
        for config in configs {
            let team_key = team_keys.get(&config.id).cloned();
            let provider: Arc<dyn LlmProvider> = match (&config.deployments, team_key) {
                // The team's own key goes to the provider's own address.
                (Some(deployments), None) => {
                    let members = deployments
                        .configs
                        .iter()
                        .map(|d| endpoint(config, &d.base_url, d.api_key.clone()))
                        .collect();
                    if deployments.configs.iter().any(|d| d.api_key.is_some()) {
                        keyed.push(config.id.clone());
                    }
                    Arc::new(Pool {
                        id: config.id.clone(),
                        format: config.format,
                        members,
                        deployments: Arc::clone(deployments),
                    })
                }
                (_, team_key) => {
                    let api_key = team_key.or_else(|| config.api_key.clone());
                    if config.needs_key && api_key.is_none() {
                        continue;
                    }
                    if api_key.is_some() {
                        keyed.push(config.id.clone());
                    }
                    endpoint(config, &config.base_url, api_key)
                }
            };
            providers.insert(config.id.clone(), provider);
        }
        ProviderSet {
            providers,
            chain: team
                .order
                .as_deref()
                .unwrap_or(platform_chain)
                .iter()
                .cloned()
                .collect(),
            keys,
            keyed: keyed.into(),
        }
    }

    /// A set from ready-made providers (tests and benchmarks).
    pub fn from_providers(list: Vec<Arc<dyn LlmProvider>>) -> ProviderSet {
        ProviderSet {
            keyed: list.iter().map(|p| p.id().to_string()).collect(),
            chain: list.iter().map(|p| p.id().to_string()).collect(),
            providers: list.into_iter().map(|p| (p.id().to_string(), p)).collect(),
            keys: Arc::new([]),
        }
    }

    /// The order providers are tried in when a spec names none.
    pub fn chain(&self) -> &[String] {
        &self.chain
    }

    pub fn get(&self, id: &str) -> Option<&Arc<dyn LlmProvider>> {
        self.providers.get(id)
    }

    /// Whether calls to `id` carry a key, i.e. someone set it up.
    pub fn is_keyed(&self, id: &str) -> bool {
        self.keyed.iter().any(|k| k == id)
    }

    /// The error with every key of this set, and anything shaped like a key, removed
    /// from the provider's words.
    pub fn redact(&self, error: ProviderError) -> ProviderError {
        let keys: Vec<&str> = self.keys.iter().map(String::as_str).collect();
        error.redacted(&keys)
    }
}

/// The one HTTP client all provider calls share (connection pooling, no redirects).
pub fn shared_client(limits: &HttpLimits) -> Result<reqwest::Client, reqwest::Error> {
    http::client(limits)
}
