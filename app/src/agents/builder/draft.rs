//! The spec as the visual editor holds it while the user types: every field as the text
//! in its box, so a half-typed number or a wrong name stays on screen (and is reported
//! by the validator at that field) instead of being lost.
//!
//! Rows of lists carry a `key` that never changes while the page is open, so the page
//! can keep each row's focus while rows are added, edited and removed.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpecDraft {
    pub name: String,
    pub description: String,
    pub workflow: bool,
    pub model: ModelDraft,
    pub instructions: String,
    /// Built-in tool names, in order (an unknown name stays, to be reported).
    pub builtin_tools: Vec<String>,
    pub custom_tools: Vec<CustomToolDraft>,
    pub inputs: Vec<InputDraft>,
    pub rules: Vec<RuleDraft>,
    pub knowledge: KnowledgeDraft,
    /// Fields the form does not edit (a workflow's entry, nodes and edges), kept as
    /// written.
    pub kept: Vec<(String, Value)>,
    next_key: u32,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelDraft {
    pub task: String,
    /// The pinned models (`name`), comma-separated as the form shows them.
    pub models: String,
    pub max_cost: String,
    pub prefer: Vec<String>,
    pub temperature: String,
    pub max_output_tokens: String,
    pub history_tokens: String,
}

impl ModelDraft {
    /// The pinned models as a list.
    pub fn pinned(&self) -> Vec<&str> {
        self.models
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .collect()
    }
}

/// `knowledge:`: the knowledge bases ticked, in order, and the mode and number of
/// passages as typed (empty: the defaults).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KnowledgeDraft {
    pub bases: Vec<String>,
    /// `tool` (the default) or `always`.
    pub mode: String,
    pub results: String,
    /// `hybrid` (the default), `semantic` or `keyword`.
    pub retrieval: String,
}

impl KnowledgeDraft {
    /// Only the names, as `knowledge: [a, b]` is written, when nothing else is set.
    pub fn is_plain_list(&self) -> bool {
        matches!(self.mode.as_str(), "" | "tool")
            && self.results.trim().is_empty()
            && matches!(self.retrieval.as_str(), "" | "hybrid")
    }

    pub fn is_empty(&self) -> bool {
        self.bases.is_empty() && self.is_plain_list()
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CustomToolDraft {
    pub key: u32,
    pub name: String,
    pub description: String,
    pub method: String,
    pub url: String,
    /// The arguments' JSON Schema as JSON text.
    pub parameters: String,
    pub headers: Vec<HeaderDraft>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeaderDraft {
    pub name: String,
    pub secret: String,
    pub prefix: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct InputDraft {
    pub key: u32,
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub description: String,
    pub default: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleDraft {
    pub key: u32,
    pub rule: Rule,
}

/// One invariant as typed; lists are one entry per line.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    MaxSteps(String),
    MaxCost(String),
    MaxTokens(String),
    MaxConversationCost(String),
    /// JSON text.
    OutputSchema(String),
    MustContain(String),
    MustNotContain(String),
    AllowedTools(Vec<String>),
    Assert(AssertDraft),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AssertDraft {
    pub path: String,
    pub op: String,
    pub value: String,
    pub message: String,
}

impl Rule {
    /// The YAML key of each rule, as the validator names it.
    pub fn yaml_key(&self) -> &'static str {
        match self {
            Rule::MaxSteps(_) => "max_steps",
            Rule::MaxCost(_) => "max_cost_usd",
            Rule::MaxTokens(_) => "max_tokens",
            Rule::MaxConversationCost(_) => "max_conversation_cost_usd",
            Rule::OutputSchema(_) => "output_schema",
            Rule::MustContain(_) => "must_contain",
            Rule::MustNotContain(_) => "must_not_contain",
            Rule::AllowedTools(_) => "allowed_tools",
            Rule::Assert(_) => "assert",
        }
    }

    /// A new rule of the kind named by its YAML key, with a sensible starting value.
    pub fn starting(key: &str) -> Option<Rule> {
        Some(match key {
            "max_steps" => Rule::MaxSteps("8".into()),
            "max_cost_usd" => Rule::MaxCost("0.05".into()),
            "max_tokens" => Rule::MaxTokens("20000".into()),
            "max_conversation_cost_usd" => Rule::MaxConversationCost("1.00".into()),
            "output_schema" => Rule::OutputSchema(
                "{\n  \"type\": \"object\",\n  \"required\": [\"answer\"],\n  \"properties\": {\n    \"answer\": { \"type\": \"string\" }\n  }\n}".into(),
            ),
            "must_contain" => Rule::MustContain(String::new()),
            "must_not_contain" => Rule::MustNotContain(String::new()),
            "allowed_tools" => Rule::AllowedTools(Vec::new()),
            "assert" => Rule::Assert(AssertDraft {
                op: ">".into(),
                ..AssertDraft::default()
            }),
            _ => return None,
        })
    }

    pub fn label(key: &str) -> &'static str {
        match key {
            "max_steps" => "Most steps",
            "max_cost_usd" => "Most cost (USD)",
            "max_tokens" => "Most tokens",
            "max_conversation_cost_usd" => "Most cost of a whole conversation (USD)",
            "output_schema" => "Answer matches a JSON schema",
            "must_contain" => "Answer must contain",
            "must_not_contain" => "Answer must not contain",
            "allowed_tools" => "Only these tools",
            _ => "Check a field of the answer",
        }
    }
}

impl SpecDraft {
    pub fn new_key(&mut self) -> u32 {
        self.next_key += 1;
        self.next_key
    }

    pub fn input_mut(&mut self, key: u32) -> Option<&mut InputDraft> {
        self.inputs.iter_mut().find(|row| row.key == key)
    }

    pub fn tool_mut(&mut self, key: u32) -> Option<&mut CustomToolDraft> {
        self.custom_tools.iter_mut().find(|row| row.key == key)
    }

    pub fn rule_mut(&mut self, key: u32) -> Option<&mut Rule> {
        self.rules
            .iter_mut()
            .find(|row| row.key == key)
            .map(|row| &mut row.rule)
    }

    pub fn add_input(&mut self) {
        let key = self.new_key();
        let name = (1..)
            .map(|n| format!("input_{n}"))
            .find(|name| !self.inputs.iter().any(|i| &i.name == name))
            .unwrap_or_default();
        self.inputs.push(InputDraft {
            key,
            name,
            kind: "string".into(),
            ..InputDraft::default()
        });
    }

    pub fn add_custom_tool(&mut self) {
        let key = self.new_key();
        self.custom_tools.push(CustomToolDraft {
            key,
            method: "GET".into(),
            url: "https://".into(),
            parameters: "{ \"type\": \"object\", \"properties\": {} }".into(),
            ..CustomToolDraft::default()
        });
    }

    pub fn add_rule(&mut self, yaml_key: &str) {
        if let Some(rule) = Rule::starting(yaml_key) {
            let key = self.new_key();
            self.rules.push(RuleDraft { key, rule });
        }
    }

    /// Rules already present that may appear only once (every rule but `assert`).
    pub fn has_rule(&self, yaml_key: &str) -> bool {
        yaml_key != "assert" && self.rules.iter().any(|r| r.rule.yaml_key() == yaml_key)
    }

    /// The names of every tool the agent has, for `allowed_tools`.
    pub fn tool_names(&self) -> Vec<String> {
        self.builtin_tools
            .iter()
            .cloned()
            .chain(self.custom_tools.iter().map(|tool| tool.name.clone()))
            .collect()
    }

    /// The field path (as the validator reports it) of the custom tool with `key`: its
    /// place in the `tools:` list, after the built-in ones.
    pub fn tool_path(&self, key: u32) -> String {
        let index = self
            .custom_tools
            .iter()
            .position(|tool| tool.key == key)
            .map(|i| i + self.builtin_tools.len())
            .unwrap_or(usize::MAX);
        format!("tools[{index}]")
    }

    pub fn input_path(&self, key: u32) -> String {
        let name = self
            .inputs
            .iter()
            .find(|input| input.key == key)
            .map(|input| input.name.as_str())
            .unwrap_or_default();
        format!("inputs.{name}")
    }

    pub fn rule_path(&self, key: u32) -> String {
        let index = self
            .rules
            .iter()
            .position(|rule| rule.key == key)
            .unwrap_or(usize::MAX);
        format!("invariants[{index}]")
    }
}
