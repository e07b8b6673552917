//! The agent spec (DESIGN.md §2) as typed values. Only the parser builds these, so code
//! past it can trust them: names are valid, references resolve, limits hold.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::money::MicroUsd;
use crate::knowledge::Retrieval;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub name: String,
    pub description: String,
    pub model: ModelPolicy,
    pub inputs: Vec<InputDef>,
    pub body: SpecBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SpecBody {
    Agent(AgentBody),
    Workflow(Workflow),
}

impl Spec {
    pub fn kind(&self) -> &'static str {
        match self.body {
            SpecBody::Agent(_) => "agent",
            SpecBody::Workflow(_) => "workflow",
        }
    }
}

/// What a single agent does: the prompt, its tools and the rules enforced at run time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentBody {
    pub instructions: String,
    pub tools: Vec<ToolRef>,
    pub invariants: Invariants,
    /// The team's knowledge bases it answers from (`knowledge:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knowledge: Option<KnowledgeUse>,
}

/// The name of the tool an agent with knowledge bases searches them with.
pub const KNOWLEDGE_TOOL: &str = "knowledge_search";
/// Passages a knowledge search brings back unless the spec says.
pub const DEFAULT_KNOWLEDGE_RESULTS: u32 = 5;

/// The knowledge bases an agent answers from, and how it reaches them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeUse {
    /// The knowledge bases' names (the team's; checked when the spec is saved).
    pub bases: Vec<String>,
    /// Searched with the task before the first model call, the passages put in front
    /// of the model, instead of a `knowledge_search` tool the model calls when it needs.
    pub always: bool,
    /// Passages per search.
    pub results: u32,
    /// How passages are ranked: by meaning and words (the default), or by one of them.
    #[serde(default)]
    pub retrieval: Retrieval,
}

impl AgentBody {
    /// Whether the model is offered tools: the spec's, or the knowledge search.
    pub fn has_tools(&self) -> bool {
        !self.tools.is_empty() || self.knowledge.as_ref().is_some_and(|k| !k.always)
    }
}

/// The kinds of work a model is chosen for; the router maps each to capable models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskType {
    Simple,
    Classification,
    Research,
    ComplexReasoning,
    CodeGeneration,
}

impl TaskType {
    pub const ALL: [TaskType; 5] = [
        TaskType::Simple,
        TaskType::Classification,
        TaskType::Research,
        TaskType::ComplexReasoning,
        TaskType::CodeGeneration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskType::Simple => "simple",
            TaskType::Classification => "classification",
            TaskType::Research => "research",
            TaskType::ComplexReasoning => "complex_reasoning",
            TaskType::CodeGeneration => "code_generation",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelPolicy {
    pub task: TaskType,
    /// The most one run may spend; the engine checks it before every call.
    pub max_cost_per_run: Option<MicroUsd>,
    /// Providers to try, in order, instead of the platform's default chain.
    pub prefer: Vec<String>,
    /// Models to use, in order, instead of choosing by task (`name` in the spec): a
    /// model of the catalogue or `provider/model`. Falls back only along this list.
    #[serde(default)]
    pub models: Vec<String>,
    /// Hundredths (0–200), kept integral so specs compare and hash exactly.
    pub temperature_centi: Option<u16>,
    pub max_output_tokens: Option<u32>,
    /// What the model may see of a conversation's earlier turns, in tokens (estimated);
    /// older turns are folded into a summary the model writes. `None`: the default.
    #[serde(default)]
    pub history_tokens: Option<u32>,
}

impl Default for ModelPolicy {
    fn default() -> Self {
        ModelPolicy {
            task: TaskType::Simple,
            max_cost_per_run: None,
            prefer: Vec::new(),
            models: Vec::new(),
            temperature_centi: None,
            max_output_tokens: None,
            history_tokens: None,
        }
    }
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputType {
    String,
    Number,
    Integer,
    Boolean,
}

/// The type as a spec writes it (`integer`), for messages about an input.
impl std::fmt::Display for InputType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InputType::String => "string",
            InputType::Number => "number",
            InputType::Integer => "integer",
            InputType::Boolean => "boolean",
        })
    }
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputDef {
    pub name: String,
    pub kind: InputType,
    pub required: bool,
    pub description: String,
    pub default: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltinTool {
    Calculator,
    HttpFetch,
    WebSearch,
    CurrentTime,
    JsonExtract,
}

impl BuiltinTool {
    pub const ALL: [BuiltinTool; 5] = [
        BuiltinTool::Calculator,
        BuiltinTool::HttpFetch,
        BuiltinTool::WebSearch,
        BuiltinTool::CurrentTime,
        BuiltinTool::JsonExtract,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BuiltinTool::Calculator => "calculator",
            BuiltinTool::HttpFetch => "http_fetch",
            BuiltinTool::WebSearch => "web_search",
            BuiltinTool::CurrentTime => "current_time",
            BuiltinTool::JsonExtract => "json_extract",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            BuiltinTool::Calculator => "Evaluates an arithmetic expression exactly as written.",
            BuiltinTool::HttpFetch => "Fetches a public web page or JSON document by URL.",
            BuiltinTool::WebSearch => "Searches the web and returns titles, links and snippets.",
            BuiltinTool::CurrentTime => "Tells the current date and time in UTC.",
            BuiltinTool::JsonExtract => "Picks a value out of a JSON document by JSON Pointer.",
        }
    }

    pub fn from_name(name: &str) -> Option<BuiltinTool> {
        BuiltinTool::ALL
            .into_iter()
            .find(|tool| tool.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolRef {
    Builtin { tool: BuiltinTool },
    Custom(CustomTool),
}

impl ToolRef {
    pub fn name(&self) -> &str {
        match self {
            ToolRef::Builtin { tool } => tool.name(),
            ToolRef::Custom(custom) => &custom.name,
        }
    }
}

/// The keys a custom tool may have in a spec: the parser refuses others, and so does
/// the builder when it reads a spec into its form.
pub const CUSTOM_TOOL_FIELDS: [&str; 6] = [
    "name",
    "description",
    "method",
    "url",
    "parameters",
    "headers",
];

/// An HTTP API the agent may call. Secrets are referenced by name and resolved from the
/// team's stored secrets at run time; a spec never holds one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomTool {
    pub name: String,
    pub description: String,
    pub method: String,
    /// May hold `{param}` placeholders filled (percent-encoded) from the call's arguments.
    pub url: String,
    /// A JSON Schema (object) for the arguments.
    pub parameters: Value,
    pub headers: Vec<SecretHeader>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretHeader {
    pub name: String,
    pub secret: String,
    pub prefix: String,
}

/// Rules the engine enforces at run time; a broken one ends the run with its reason.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Invariants {
    pub max_steps: Option<u32>,
    pub max_cost: Option<MicroUsd>,
    pub max_tokens: Option<u64>,
    pub output_schema: Option<Value>,
    pub must_contain: Vec<String>,
    pub must_not_contain: Vec<String>,
    pub allowed_tools: Option<Vec<String>>,
    pub asserts: Vec<Assertion>,
    /// The most a whole conversation may spend, its turns together.
    #[serde(default)]
    pub max_conversation_cost: Option<MicroUsd>,
}

/// A check on a field of the structured answer, e.g. `/novelty_score > 60`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assertion {
    /// A JSON Pointer into the answer.
    pub path: String,
    pub op: Comparison,
    pub value: Value,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl Comparison {
    pub const ALL: [Comparison; 6] = [
        Comparison::Gt,
        Comparison::Ge,
        Comparison::Lt,
        Comparison::Le,
        Comparison::Eq,
        Comparison::Ne,
    ];

    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Eq => "==",
            Comparison::Ne => "!=",
        }
    }
}

/// Several agents wired into a directed acyclic graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    pub entry: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Limits over the whole run (steps, cost, tokens).
    pub invariants: Invariants,
}

impl Workflow {
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeKind {
    Agent {
        #[serde(flatten)]
        agent: Box<AgentBody>,
        /// Overrides the workflow's model policy for this node.
        model: Option<ModelPolicy>,
    },
    Router(Router),
    /// Waits for every branch that reached it and hands their outputs on together.
    Join,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Router {
    /// The first route with a keyword found in the input wins, else `default`.
    Keywords {
        routes: Vec<KeywordRoute>,
        default: String,
    },
    /// A model classifies the input into one of the labels.
    Llm {
        labels: Vec<String>,
        instructions: String,
    },
}

impl Router {
    pub fn labels(&self) -> Vec<&str> {
        match self {
            Router::Keywords { routes, default } => routes
                .iter()
                .map(|route| route.label.as_str())
                .chain(std::iter::once(default.as_str()))
                .collect(),
            Router::Llm { labels, .. } => labels.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeywordRoute {
    pub label: String,
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// For edges leaving a router: the label that takes this edge.
    pub when: Option<String>,
}
