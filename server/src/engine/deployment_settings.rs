//! `LLM_DEPLOYMENTS`: several endpoints or keys of one provider, with weights and
//! per-minute limits. A JSON array, so it fits one environment variable; keys stay in
//! variables of their own (`key_var`), so the setting itself holds no secret:
//!
//! ```json
//! [{"provider": "openai", "name": "east", "key_var": "OPENAI_KEY_EAST", "weight": 3, "rpm": 500},
//!  {"provider": "openai", "name": "west", "url": "https://west.example/v1", "tpm": 200000}]
//! ```
//!
//! `url` defaults to the provider's base URL, `key_var` to its key variable, `weight`
//! to 1; `models` limits a deployment to some models.

use std::collections::HashSet;

use app::catalog::{self, ProviderCard};
use serde::Deserialize;

use super::providers::{DeploymentConfig, Deployments};
use crate::config::{ConfigError, Vars};

const VAR: &str = "LLM_DEPLOYMENTS";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    provider: String,
    name: String,
    url: Option<String>,
    key_var: Option<String>,
    #[serde(default = "one")]
    weight: u32,
    rpm: Option<u32>,
    tpm: Option<u64>,
    #[serde(default)]
    models: Vec<String>,
}

fn one() -> u32 {
    1
}

/// The deployments of every provider, as written; checked as far as can be before each
/// provider's own settings are known.
pub(super) struct DeploymentEntries(Vec<Entry>);

impl DeploymentEntries {
    pub(super) fn from_vars<F: Fn(&str) -> Option<String>>(
        vars: &Vars<'_, F>,
    ) -> Result<DeploymentEntries, ConfigError> {
        let text = vars.string(VAR, "");
        if text.trim().is_empty() {
            return Ok(DeploymentEntries(Vec::new()));
        }
        let entries: Vec<Entry> = serde_json::from_str(&text)
            .map_err(|e| invalid(&text, format!("not a JSON array of deployments: {e}")))?;
        // The demo provider is one fake at DEMO_LLM_BASE_URL: it has no deployments.
        let ids: Vec<&str> = catalog::PROVIDERS.iter().map(|card| card.id).collect();
        let mut names = HashSet::new();
        for entry in &entries {
            if !ids.contains(&entry.provider.as_str()) {
                return Err(invalid(
                    &entry.provider,
                    format!("unknown provider; expected one of {}", ids.join(", ")),
                ));
            }
            let name_ok = !entry.name.is_empty()
                && entry.name.len() <= 64
                && entry
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !name_ok {
                return Err(invalid(
                    &entry.name,
                    "a deployment's name is 1 to 64 letters, digits, -, _ and .".into(),
                ));
            }
            if !names.insert((entry.provider.as_str(), entry.name.as_str())) {
                return Err(invalid(
                    &entry.name,
                    format!("two deployments of {} have this name", entry.provider),
                ));
            }
            if !(1..=1000).contains(&entry.weight) {
                return Err(invalid(&entry.name, "weight is 1 to 1000".into()));
            }
            if entry.rpm == Some(0) || entry.tpm == Some(0) {
                return Err(invalid(
                    &entry.name,
                    "rpm and tpm are at least 1 (leave them out for no limit)".into(),
                ));
            }
        }
        Ok(DeploymentEntries(entries))
    }

    /// The deployments of `card`'s provider, if any: `base_url` and the key the
    /// provider's own variables give are their defaults.
    pub(super) fn of<F: Fn(&str) -> Option<String>>(
        &self,
        card: &ProviderCard,
        base_url: &str,
        vars: &Vars<'_, F>,
    ) -> Result<Option<Deployments>, ConfigError> {
        let mut configs = Vec::new();
        for entry in self.0.iter().filter(|e| e.provider == card.id) {
            let base_url = match &entry.url {
                None if base_url.is_empty() => {
                    return Err(invalid(
                        &entry.name,
                        format!(
                            "{} has no default address: give the deployment a url",
                            card.id
                        ),
                    ));
                }
                None => base_url.to_string(),
                Some(url) => match url::Url::parse(url) {
                    Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {
                        super::settings::api_base(card, url)
                    }
                    _ => {
                        return Err(invalid(url, "url must be an http or https address".into()));
                    }
                },
            };
            let api_key = match &entry.key_var {
                Some(var) => Some(vars.string(var, "")).filter(|k| !k.is_empty()),
                None => super::settings::operator_key(card, vars),
            };
            if api_key.is_none() && !card.self_hosted() {
                let var = entry
                    .key_var
                    .as_deref()
                    .or(card.key_var)
                    .unwrap_or_default();
                return Err(invalid(
                    &entry.name,
                    format!("its key variable {var} is not set"),
                ));
            }
            configs.push(DeploymentConfig {
                name: entry.name.clone(),
                base_url,
                api_key,
                weight: entry.weight,
                rpm: entry.rpm,
                tpm: entry.tpm,
                models: entry.models.clone(),
            });
        }
        Ok((!configs.is_empty()).then(|| Deployments::new(configs)))
    }
}

fn invalid(value: &str, reason: String) -> ConfigError {
    ConfigError::Invalid {
        name: VAR,
        value: value.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::config::{Config, ConfigError};

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        Config::from_lookup(|name| vars.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn deployments_take_their_keys_from_variables_and_the_provider_defaults() {
        let config = config(&[
            (
                "LLM_DEPLOYMENTS",
                r#"[{"provider": "openai", "name": "east", "key_var": "KEY_EAST", "weight": 3, "rpm": 500},
                    {"provider": "openai", "name": "west", "url": "https://west.example/v1", "tpm": 9000, "models": ["gpt-4o"]}]"#,
            ),
            ("KEY_EAST", "sk-east"),
            ("OPENAI_API_KEY", "sk-main"),
        ])
        .expect("valid");
        let openai = config
            .engine
            .providers
            .iter()
            .find(|p| p.id == "openai")
            .unwrap();
        let deployments = &openai.deployments.as_ref().expect("deployments").configs;
        assert_eq!(deployments.len(), 2);
        let (east, west) = (&deployments[0], &deployments[1]);
        assert_eq!(
            (
                east.api_key.as_deref(),
                east.base_url.as_str(),
                east.weight,
                east.rpm
            ),
            (Some("sk-east"), "https://api.openai.com/v1", 3, Some(500))
        );
        assert_eq!(
            (
                west.api_key.as_deref(),
                west.base_url.as_str(),
                west.tpm,
                &west.models[..]
            ),
            (
                Some("sk-main"),
                "https://west.example/v1",
                Some(9000),
                &["gpt-4o".to_string()][..]
            )
        );
        assert!(
            !format!("{openai:?}").contains("sk-"),
            "keys never reach a log line"
        );
        // Set up by its deployments alone, a provider leads the default chain.
        let only = config_chain(&[
            (
                "LLM_DEPLOYMENTS",
                r#"[{"provider": "anthropic", "name": "a", "key_var": "K"}]"#,
            ),
            ("K", "sk-ant"),
        ]);
        assert_eq!(only[0], "anthropic");
    }

    fn config_chain(vars: &[(&str, &str)]) -> Vec<String> {
        config(vars).expect("valid").engine.chain
    }

    #[test]
    fn bad_deployments_are_refused_with_the_reason() {
        for (text, reason) in [
            ("{", "not a JSON array"),
            (r#"[{"provider": "nope", "name": "a"}]"#, "unknown provider"),
            (r#"[{"provider": "demo", "name": "a"}]"#, "unknown provider"),
            (
                r#"[{"provider": "openai", "name": "a b"}]"#,
                "letters, digits",
            ),
            (
                r#"[{"provider": "openai", "name": "a", "key_var": "K"}, {"provider": "openai", "name": "a", "key_var": "K"}]"#,
                "two deployments",
            ),
            (
                r#"[{"provider": "openai", "name": "a", "key_var": "K", "weight": 0}]"#,
                "weight",
            ),
            (
                r#"[{"provider": "openai", "name": "a", "key_var": "K", "rpm": 0}]"#,
                "at least 1",
            ),
            (
                r#"[{"provider": "openai", "name": "a", "key_var": "UNSET"}]"#,
                "UNSET is not set",
            ),
            (
                r#"[{"provider": "openai", "name": "a", "key_var": "K", "url": "ftp://x"}]"#,
                "http or https",
            ),
            (
                r#"[{"provider": "openai", "name": "a", "key_var": "K", "colour": 1}]"#,
                "unknown field",
            ),
            (
                r#"[{"provider": "vllm", "name": "a"}]"#,
                "no default address",
            ),
        ] {
            let error = config(&[("LLM_DEPLOYMENTS", text), ("K", "sk-k")])
                .err()
                .unwrap_or_else(|| panic!("{text} was accepted"))
                .to_string();
            assert!(
                error.contains("LLM_DEPLOYMENTS") && error.contains(reason),
                "{text}: {error}"
            );
        }
    }
}
