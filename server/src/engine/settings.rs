//! The engine's configuration from the environment: providers (operator keys and base
//! URLs), the routing chain, retry and circuit settings, tool limits and search.

use std::sync::Arc;
use std::time::Duration;

use app::catalog;

use super::catalog::PriceOverride;
use super::deployment_settings::DeploymentEntries;
use super::providers::{AzureApi, HttpLimits, ProviderConfig};
use super::router::RetryPolicy;
use super::tools::SearchConfig;
use crate::config::{AppEnv, ConfigError, Vars};
use crate::secrets::Keyring;
use crate::ssrf::Limits;

#[derive(Debug, Clone)]
pub struct EngineSettings {
    pub providers: Vec<ProviderConfig>,
    /// The operator's prices, over the table's (`MODEL_PRICES`).
    pub model_prices: Vec<PriceOverride>,
    /// How often providers are asked for their models; `None`: never.
    pub model_refresh: Option<Duration>,
    pub chain: Vec<String>,
    /// Only the fake "demo" provider answers: the app shows a banner saying so.
    pub demo_mode: bool,
    pub retry: RetryPolicy,
    pub circuit_failures: u32,
    pub circuit_cooldown: Duration,
    pub llm_limits: HttpLimits,
    pub tool_limits: Limits,
    pub search: Option<SearchConfig>,
    /// host or host:port an operator lets tools reach although private (on-prem APIs).
    pub outbound_allowlist: Vec<String>,
    /// Encrypts team provider keys and secrets (AES-256-GCM): the current key, and the
    /// previous ones while values sealed under them are re-encrypted.
    pub keyring: Arc<Keyring>,
    pub workers: usize,
    pub lease: Duration,
}

/// A fixed key for local development only; production refuses to start without its own.
const LOCAL_SECRETS_KEY: &str = "bG9jYWwtZGV2ZWxvcG1lbnQta2V5LW5vdC1zZWNyZXQ=";

impl EngineSettings {
    pub(crate) fn from_vars<F: Fn(&str) -> Option<String>>(
        vars: &Vars<'_, F>,
        env: AppEnv,
    ) -> Result<EngineSettings, ConfigError> {
        let mut providers = Vec::new();
        // Set up by the operator: a key, a local server's URL given explicitly, or
        // deployments.
        let mut configured = Vec::new();
        let entries = DeploymentEntries::from_vars(vars)?;
        for card in catalog::PROVIDERS {
            let base_url = vars.string(card.url_var, card.default_url);
            let base_url = if card.id == BEDROCK && base_url.is_empty() {
                let region = vars.string("AWS_REGION", "us-east-1");
                format!("https://bedrock-runtime.{region}.amazonaws.com")
            } else if base_url.is_empty() {
                base_url
            } else {
                api_base(card, &base_url)
            };
            let deployments = entries.of(card, &base_url, vars)?;
            if base_url.is_empty() && deployments.is_none() {
                continue; // switched off, e.g. OLLAMA_BASE_URL= on a machine without Ollama
            }
            let api_key = operator_key(card, vars);
            let given_url = !vars.string(card.url_var, "").is_empty();
            if api_key.is_some() || (card.self_hosted() && given_url) || deployments.is_some() {
                configured.push(card.id);
            }
            let azure = if card.id == AZURE {
                Some(azure_api(vars)?)
            } else {
                None
            };
            providers.push(ProviderConfig {
                id: card.id.to_string(),
                format: card.wire,
                base_url,
                api_key,
                needs_key: !card.self_hosted(),
                azure,
                deployments: deployments.map(Arc::new),
            });
        }
        let demo_url = vars.string("DEMO_LLM_BASE_URL", "");
        if !demo_url.is_empty() {
            let base_url = format!("{}/v1", demo_url.trim_end_matches('/'));
            providers.push(ProviderConfig {
                id: "demo".into(),
                format: catalog::Wire::OpenAi,
                base_url,
                api_key: Some("demo".into()),
                needs_key: false,
                azure: None,
                deployments: None,
            });
        }
        let default_chain = if demo_url.is_empty() {
            default_chain(&configured).join(",")
        } else {
            "demo".into()
        };
        let chain = list(&vars.string("ROUTER_CHAIN", &default_chain));
        for provider in &chain {
            if !catalog::provider_ids().any(|id| id == provider) {
                let ids: Vec<&str> = catalog::provider_ids().collect();
                return Err(invalid(
                    "ROUTER_CHAIN",
                    provider,
                    format!("unknown provider; expected some of {}", ids.join(", ")),
                ));
            }
        }
        let model_prices = PriceOverride::parse_list(&vars.string("MODEL_PRICES", ""))
            .map_err(|reason| invalid("MODEL_PRICES", &vars.string("MODEL_PRICES", ""), reason))?;
        let secrets_key = match (vars.string("SECRETS_ENCRYPTION_KEY", ""), env) {
            (key, _) if !key.is_empty() => key,
            (_, AppEnv::Local) => LOCAL_SECRETS_KEY.to_string(),
            (_, AppEnv::Production) => {
                return Err(invalid(
                    "SECRETS_ENCRYPTION_KEY",
                    "",
                    "required in production (base64 of 32 random bytes)".into(),
                ));
            }
        };
        if crate::secrets::key_from_base64(&secrets_key).is_none() {
            return Err(invalid(
                "SECRETS_ENCRYPTION_KEY",
                "[redacted]",
                "must be base64 of exactly 32 bytes".into(),
            ));
        }
        let previous_keys = list(&vars.string("SECRETS_ENCRYPTION_KEY_PREVIOUS", ""));
        let keyring = Keyring::new(&secrets_key, &previous_keys).map_err(|_| {
            invalid(
                "SECRETS_ENCRYPTION_KEY_PREVIOUS",
                "[redacted]",
                "must be base64 keys of exactly 32 bytes each, separated by commas".into(),
            )
        })?;
        let search_url = vars.string("SEARCH_API_URL", "");
        let search = (!search_url.is_empty()).then(|| SearchConfig {
            url: search_url,
            api_key: vars.string("SEARCH_API_KEY", ""),
        });
        let demo_mode = chain.iter().all(|p| p == "demo");
        Ok(EngineSettings {
            providers,
            model_prices,
            model_refresh: match vars.parse("MODEL_REFRESH_SECS", 600)? {
                0 => None,
                secs => Some(Duration::from_secs(secs)),
            },
            demo_mode,
            chain,
            retry: RetryPolicy {
                max_retries: vars.parse("ROUTER_MAX_RETRIES", 2)?,
                base: Duration::from_millis(vars.parse("ROUTER_BACKOFF_MS", 250)?),
                ..RetryPolicy::default()
            },
            circuit_failures: vars.parse("CIRCUIT_FAILURES", 5)?,
            circuit_cooldown: Duration::from_secs(vars.parse("CIRCUIT_COOLDOWN_SECS", 30)?),
            llm_limits: HttpLimits {
                first_byte_timeout: Duration::from_secs(vars.parse("LLM_TIMEOUT_SECS", 60)?),
                idle_timeout: Duration::from_secs(vars.parse("LLM_IDLE_TIMEOUT_SECS", 30)?),
                ..HttpLimits::default()
            },
            tool_limits: Limits {
                total_timeout: Duration::from_secs(vars.parse("TOOL_TIMEOUT_SECS", 15)?),
                max_body_bytes: vars.parse("TOOL_MAX_BODY_BYTES", 1024 * 1024)?,
                ..Limits::default()
            },
            search,
            outbound_allowlist: list(&vars.string("OUTBOUND_ALLOWLIST", "")),
            keyring: Arc::new(keyring),
            workers: vars.parse("RUN_WORKERS", 8)?,
            lease: Duration::from_secs(vars.parse("RUN_LEASE_SECS", 30)?),
        })
    }
}

/// The chain when `ROUTER_CHAIN` is not set: the providers the operator configured,
/// cheapest first, then the others (a team's own keys from Settings → Providers can
/// enable them), cheapest first too. A provider's price is its cheapest model's.
fn default_chain(configured: &[&str]) -> Vec<String> {
    let price = |provider: &str| {
        catalog::MODELS
            .iter()
            .filter(|m| m.provider == provider)
            .map(|m| m.input_per_mtok + m.output_per_mtok)
            .min()
            .unwrap_or(i64::MAX)
    };
    let mut chain: Vec<&str> = catalog::PROVIDERS.iter().map(|card| card.id).collect();
    chain.sort_by_key(|provider| (!configured.contains(provider), price(provider)));
    chain.into_iter().map(String::from).collect()
}

/// The base URL calls are made under, from the address an operator gives: Ollama
/// speaks the OpenAI format under /v1.
pub(super) fn api_base(card: &catalog::ProviderCard, url: &str) -> String {
    if card.id == "local" {
        format!("{}/v1", url.trim_end_matches('/'))
    } else {
        url.to_string()
    }
}

const AZURE: &str = "azure";
const BEDROCK: &str = "bedrock";

/// The operator's key for a provider: its key variable's value; for Bedrock, the AWS
/// credentials as one key (`ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]`, from the
/// variables the AWS SDKs read).
pub(super) fn operator_key<F: Fn(&str) -> Option<String>>(
    card: &catalog::ProviderCard,
    vars: &Vars<'_, F>,
) -> Option<String> {
    let key = vars.string(card.key_var?, "");
    if key.is_empty() {
        return None;
    }
    if card.id != BEDROCK || key.contains(':') {
        return Some(key);
    }
    let secret = vars.string("AWS_SECRET_ACCESS_KEY", "");
    if secret.is_empty() {
        return None;
    }
    Some(match vars.string("AWS_SESSION_TOKEN", "") {
        token if token.is_empty() => format!("{key}:{secret}"),
        token => format!("{key}:{secret}:{token}"),
    })
}

/// Azure OpenAI's API version and deployments (`AZURE_OPENAI_DEPLOYMENTS`, each named as
/// the model it serves, e.g. `gpt-4o-mini`; such a name is priced as OpenAI's model).
fn azure_api<F: Fn(&str) -> Option<String>>(vars: &Vars<'_, F>) -> Result<AzureApi, ConfigError> {
    let deployments = list(&vars.string("AZURE_OPENAI_DEPLOYMENTS", ""));
    if let Some(bad) = deployments.iter().find(|name| {
        name.len() > 64
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    }) {
        return Err(invalid(
            "AZURE_OPENAI_DEPLOYMENTS",
            bad,
            "a deployment name is letters, digits, -, _ and . (at most 64)".into(),
        ));
    }
    Ok(AzureApi {
        api_version: vars.string("AZURE_OPENAI_API_VERSION", "2024-10-21"),
        deployments,
    })
}

/// A comma-separated setting as its non-empty items.
fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn invalid(name: &'static str, value: &str, reason: String) -> ConfigError {
    ConfigError::Invalid {
        name,
        value: value.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use app::catalog::PROVIDERS;

    use crate::config::Config;

    fn chain(vars: &[(&str, &str)]) -> Vec<String> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        Config::from_lookup(|name| vars.get(name).map(|v| v.to_string()))
            .expect("config")
            .engine
            .chain
    }

    #[test]
    fn the_default_chain_starts_with_the_one_provider_configured() {
        for card in PROVIDERS {
            // A key, and the URL where the provider has no default one.
            let mut settings = vec![(card.url_var, "http://127.0.0.1:11434")];
            if let Some(key_var) = card.key_var {
                settings.push((key_var, "sk-test"));
                // Bedrock's key is the AWS key id with its secret.
                settings.push(("AWS_SECRET_ACCESS_KEY", "secret"));
                if !card.default_url.is_empty() {
                    settings.remove(0);
                }
            }
            let chain = chain(&settings);
            assert_eq!(chain[0], card.id, "with only {settings:?} set");
            assert_eq!(
                chain.len(),
                PROVIDERS.len(),
                "the others stay for team keys"
            );
        }
    }

    #[test]
    fn configured_providers_come_cheapest_first_and_router_chain_overrides() {
        let both = chain(&[("ANTHROPIC_API_KEY", "sk-a"), ("OPENAI_API_KEY", "sk-o")]);
        assert_eq!(
            &both[..2],
            ["openai", "anthropic"],
            "gpt-4o-mini costs less than haiku"
        );
        let set = chain(&[("OPENAI_API_KEY", "sk-o"), ("ROUTER_CHAIN", "anthropic")]);
        assert_eq!(set, ["anthropic"]);
        // Nothing configured: the local server (free) first, then the rest by price.
        assert_eq!(chain(&[])[0], "local");
    }
}
