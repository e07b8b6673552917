//! The tools an agent may call: built-ins and custom HTTP tools from the spec. Every
//! outbound request goes through the one SSRF guard in `crate::ssrf`.

pub mod calculator;
mod custom_http;
mod http_fetch;
mod json_extract;
pub mod knowledge;
mod web_search;

use std::collections::HashMap;

use app::spec::json_schema;
use app::spec::{BuiltinTool, ToolRef};
use serde_json::{Value, json};

pub use web_search::SearchConfig;

use super::providers::ToolSpec;
use crate::ssrf::GuardedHttp;

/// What a tool call produced: text for the model, facts for the trace.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutcome {
    pub ok: bool,
    pub output: String,
}

impl ToolOutcome {
    pub fn ok(output: impl Into<String>) -> ToolOutcome {
        ToolOutcome {
            ok: true,
            output: output.into(),
        }
    }

    pub fn error(message: impl Into<String>) -> ToolOutcome {
        ToolOutcome {
            ok: false,
            output: message.into(),
        }
    }
}

/// Tool output handed back to a model is capped: a huge page would only burn tokens.
pub const MAX_TOOL_OUTPUT_CHARS: usize = 20_000;

/// Everything tools need for one run.
#[derive(Clone)]
pub struct Toolbox {
    pub http: GuardedHttp,
    pub search: Option<SearchConfig>,
    /// The team's secrets by name, for custom tools' headers.
    pub secrets: HashMap<String, String>,
    /// The team's knowledge bases, where runs are executed for a team (`None` in the
    /// engine's own tests and benchmarks).
    pub knowledge: Option<knowledge::SharedKnowledgeSearch>,
}

impl Toolbox {
    /// The function-calling declarations for the model.
    pub fn specs(tools: &[ToolRef]) -> Vec<ToolSpec> {
        tools
            .iter()
            .map(|tool| match tool {
                ToolRef::Builtin { tool } => ToolSpec {
                    name: tool.name().to_string(),
                    description: tool.description().to_string(),
                    parameters: builtin_schema(*tool),
                },
                ToolRef::Custom(custom) => ToolSpec {
                    name: custom.name.clone(),
                    description: custom.description.clone(),
                    parameters: custom.parameters.clone(),
                },
            })
            .collect()
    }

    /// The passages of the team's knowledge bases for a query.
    pub async fn search_knowledge(
        &self,
        use_: &app::spec::KnowledgeUse,
        query: &str,
    ) -> Result<Vec<app::knowledge::SearchHit>, String> {
        match &self.knowledge {
            Some(knowledge) => knowledge.search(use_, query).await,
            None => Err("Knowledge bases cannot be searched here.".to_string()),
        }
    }

    /// Runs one call. Bad arguments and tool failures come back as error outcomes the
    /// model can read and correct, never as a crashed run.
    pub async fn call(&self, tool: &ToolRef, arguments: &Value) -> ToolOutcome {
        let schema = match tool {
            ToolRef::Builtin { tool } => builtin_schema(*tool),
            ToolRef::Custom(custom) => custom.parameters.clone(),
        };
        let violations = json_schema::validate(&schema, arguments);
        if !violations.is_empty() {
            return ToolOutcome::error(format!(
                "invalid arguments: {}",
                json_schema::describe(&violations)
            ));
        }
        let mut outcome = match tool {
            ToolRef::Builtin { tool } => self.builtin(*tool, arguments).await,
            ToolRef::Custom(custom) => {
                custom_http::call(&self.http, custom, arguments, &self.secrets).await
            }
        };
        if outcome.output.chars().count() > MAX_TOOL_OUTPUT_CHARS {
            outcome.output = outcome
                .output
                .chars()
                .take(MAX_TOOL_OUTPUT_CHARS)
                .collect::<String>()
                + "\n[truncated]";
        }
        outcome
    }

    async fn builtin(&self, tool: BuiltinTool, arguments: &Value) -> ToolOutcome {
        let text = |key: &str| {
            arguments
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        match tool {
            BuiltinTool::Calculator => match calculator::evaluate(text("expression")) {
                Ok(value) => ToolOutcome::ok(calculator::format_number(value)),
                Err(error) => ToolOutcome::error(error.to_string()),
            },
            BuiltinTool::CurrentTime => ToolOutcome::ok(
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
            BuiltinTool::JsonExtract => json_extract::extract(text("json"), text("pointer")),
            BuiltinTool::HttpFetch => http_fetch::fetch(&self.http, text("url")).await,
            BuiltinTool::WebSearch => {
                let count = arguments
                    .get("max_results")
                    .and_then(Value::as_u64)
                    .unwrap_or(5);
                web_search::search(&self.http, self.search.as_ref(), text("query"), count).await
            }
        }
    }
}

fn builtin_schema(tool: BuiltinTool) -> Value {
    let string = |description: &str| json!({"type": "string", "description": description});
    match tool {
        BuiltinTool::Calculator => json!({
            "type": "object", "required": ["expression"], "additionalProperties": false,
            "properties": {"expression": string("An arithmetic expression, e.g. (1200 * 12) / 3 or sqrt(2)")},
        }),
        BuiltinTool::CurrentTime => {
            json!({"type": "object", "properties": {}, "additionalProperties": false})
        }
        BuiltinTool::HttpFetch => json!({
            "type": "object", "required": ["url"], "additionalProperties": false,
            "properties": {"url": string("An http(s) URL on the public internet")},
        }),
        BuiltinTool::WebSearch => json!({
            "type": "object", "required": ["query"], "additionalProperties": false,
            "properties": {
                "query": string("What to search for"),
                "max_results": {"type": "integer", "minimum": 1, "maximum": 10},
            },
        }),
        BuiltinTool::JsonExtract => json!({
            "type": "object", "required": ["json", "pointer"], "additionalProperties": false,
            "properties": {
                "json": string("A JSON document"),
                "pointer": string("A JSON Pointer such as /items/0/name"),
            },
        }),
    }
}
