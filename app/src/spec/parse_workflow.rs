//! `kind: workflow`: nodes (agents, routers, joins), edges with conditions, an entry — a
//! directed acyclic graph where every node is reachable from the entry.

use std::collections::{HashMap, HashSet};

use marked_yaml::types::Node as YamlNode;

use super::model::{Edge, KeywordRoute, Node, NodeKind, Router, Workflow};
use super::parse::{MAX_INSTRUCTIONS_CHARS, agent_body, check_tool_calling, model_policy};
use super::parse_invariants::invariants;
use super::reader::{
    At, Errors, Fields, identifier, non_empty_string, sequence, string, string_list,
};

pub const MAX_NODES: usize = 30;

pub(super) fn workflow(
    fields: &Fields<'_>,
    inputs: &[&str],
    errors: &mut Errors,
) -> Option<Workflow> {
    let (nodes_node, nodes_at) = fields.require("nodes", errors)?;
    let ids = node_ids(nodes_node);
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let nodes = nodes(nodes_node, nodes_at, inputs, &id_refs, errors);
    let entry = fields.require("entry", errors).and_then(|(node, at)| {
        let entry = string(node, &at, 64, errors)?;
        if !ids.contains(&entry) {
            errors.add(&at, format!("no node is named `{entry}`"));
            return None;
        }
        Some(entry)
    });
    let edges = fields
        .get("edges")
        .map(|(node, at)| edges(node, at, &nodes, errors))
        .unwrap_or_default();
    let rules = fields
        .get("invariants")
        .map(|(node, at)| invariants(node, at, &[], errors))
        .unwrap_or_default();
    if rules.output_schema.is_some() || rules.allowed_tools.is_some() {
        errors.add(&fields.at, "a workflow's own invariants limit steps, cost and tokens; put answer rules on its agent nodes");
    }
    let workflow = Workflow {
        entry: entry?,
        nodes,
        edges,
        invariants: rules,
    };
    check_graph(&workflow, &fields.at, errors);
    Some(workflow)
}

fn node_ids(node: &YamlNode) -> Vec<String> {
    node.as_mapping()
        .map(|map| map.keys().map(|k| k.as_str().to_string()).collect())
        .unwrap_or_default()
}

fn nodes(node: &YamlNode, at: At, inputs: &[&str], ids: &[&str], errors: &mut Errors) -> Vec<Node> {
    let Some(fields) = Fields::open(node, at, errors) else {
        return Vec::new();
    };
    if fields.len() == 0 || fields.len() > MAX_NODES {
        errors.add(&fields.at, format!("a workflow has 1 to {MAX_NODES} nodes"));
    }
    fields
        .entries()
        .take(MAX_NODES)
        .filter_map(|(key, value)| {
            let at = fields.at.field(key.as_str(), key.span());
            identifier(key.as_str(), &at, errors).then_some(())?;
            let kind = node_kind(value, at, inputs, ids, errors)?;
            Some(Node {
                id: key.as_str().to_string(),
                kind,
            })
        })
        .collect()
}

fn node_kind(
    node: &YamlNode,
    at: At,
    inputs: &[&str],
    ids: &[&str],
    errors: &mut Errors,
) -> Option<NodeKind> {
    let kind = node
        .as_mapping()
        .and_then(|m| m.get_scalar("type"))
        .map(|t| t.as_str().to_string())
        .unwrap_or_else(|| "agent".to_string());
    match kind.as_str() {
        "agent" => {
            let fields = Fields::of(
                node,
                at,
                &[
                    "type",
                    "instructions",
                    "tools",
                    "knowledge",
                    "invariants",
                    "model",
                ],
                errors,
            )?;
            let agent = agent_body(&fields, inputs, ids, errors)?;
            let model = fields.get("model").map(|(node, at)| {
                let policy = model_policy(node, at.clone(), errors);
                check_tool_calling(&policy, agent.has_tools(), &at, errors);
                policy
            });
            Some(NodeKind::Agent {
                agent: Box::new(agent),
                model,
            })
        }
        "router" => router(node, at, errors).map(NodeKind::Router),
        "join" => Fields::of(node, at, &["type"], errors).map(|_| NodeKind::Join),
        other => {
            errors.add(
                &at,
                format!("unknown node type `{other}`; expected agent, router or join"),
            );
            None
        }
    }
}

fn router(node: &YamlNode, at: At, errors: &mut Errors) -> Option<Router> {
    let by = node
        .as_mapping()
        .and_then(|m| m.get_scalar("by"))
        .map(|b| b.as_str().to_string());
    match by.as_deref() {
        Some("keywords") => {
            let fields = Fields::of(node, at, &["type", "by", "routes", "default"], errors)?;
            let (routes_node, routes_at) = fields.require("routes", errors)?;
            let routes_map = Fields::open(routes_node, routes_at, errors)?;
            let routes = routes_map
                .entries()
                .filter_map(|(label, keywords)| {
                    let at = routes_map.at.field(label.as_str(), label.span());
                    identifier(label.as_str(), &at, errors).then_some(())?;
                    let keywords = string_list(keywords, &at, 50, 100, errors);
                    if keywords.is_empty() {
                        errors.add(&at, "list at least one keyword");
                    }
                    Some(KeywordRoute {
                        label: label.as_str().to_string(),
                        keywords,
                    })
                })
                .collect();
            let default = fields.require("default", errors).and_then(|(node, at)| {
                let label = string(node, &at, 64, errors)?;
                identifier(&label, &at, errors).then_some(label)
            });
            Some(Router::Keywords {
                routes,
                default: default?,
            })
        }
        Some("llm") => {
            let fields = Fields::of(node, at, &["type", "by", "labels", "instructions"], errors)?;
            let labels = fields.require("labels", errors).map(|(node, at)| {
                let labels = string_list(node, &at, 20, 64, errors);
                if labels.len() < 2 {
                    errors.add(&at, "an LLM router needs at least two labels");
                }
                labels
                    .into_iter()
                    .filter(|label| identifier(label, &at, errors))
                    .collect::<Vec<_>>()
            });
            let instructions = fields
                .get("instructions")
                .and_then(|(node, at)| non_empty_string(node, &at, MAX_INSTRUCTIONS_CHARS, errors))
                .unwrap_or_else(|| "Classify the input.".to_string());
            Some(Router::Llm {
                labels: labels?,
                instructions,
            })
        }
        _ => {
            errors.add(&at, "a router needs `by: keywords` or `by: llm`");
            None
        }
    }
}

fn edges(node: &YamlNode, at: At, nodes: &[Node], errors: &mut Errors) -> Vec<Edge> {
    let Some(list) = sequence(node, &at, 100, errors) else {
        return Vec::new();
    };
    let by_id: HashMap<&str, &Node> = nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    let mut edges: Vec<Edge> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let at = at.index(i, item.span());
        let Some(fields) = Fields::of(item, at.clone(), &["from", "to", "when"], errors) else {
            continue;
        };
        let mut end = |key: &str| {
            let (node, at) = fields.require(key, errors)?;
            let id = string(node, &at, 64, errors)?;
            if !by_id.contains_key(id.as_str()) {
                errors.add(&at, format!("no node is named `{id}`"));
                return None;
            }
            Some(id)
        };
        let (Some(from), Some(to)) = (end("from"), end("to")) else {
            continue;
        };
        let when = fields.string("when", 64, errors);
        match (&by_id[from.as_str()].kind, &when) {
            (NodeKind::Router(router), Some(label))
                if !router.labels().contains(&label.as_str()) =>
            {
                errors.add(
                    &at,
                    format!(
                        "router `{from}` has no label `{label}`; its labels: {}",
                        router.labels().join(", ")
                    ),
                );
            }
            (NodeKind::Router(_), None) => errors.add(
                &at,
                format!("edges leaving router `{from}` need `when: <label>`"),
            ),
            (NodeKind::Router(_), Some(_)) => {}
            (_, Some(_)) => errors.add(&at, "`when` applies only to edges leaving a router"),
            (_, None) => {}
        }
        let edge = Edge { from, to, when };
        if edges.contains(&edge) {
            errors.add(&at, "this edge is listed twice");
            continue;
        }
        edges.push(edge);
    }
    edges
}

/// No cycles, every node reachable from the entry, joins fed by two or more edges.
fn check_graph(workflow: &Workflow, at: &At, errors: &mut Errors) {
    let mut reached: HashSet<&str> = HashSet::from([workflow.entry.as_str()]);
    let mut frontier = vec![workflow.entry.as_str()];
    while let Some(id) = frontier.pop() {
        for edge in workflow.edges.iter().filter(|e| e.from == id) {
            if reached.insert(edge.to.as_str()) {
                frontier.push(edge.to.as_str());
            }
        }
    }
    for node in &workflow.nodes {
        if !reached.contains(node.id.as_str()) {
            errors.add(
                at,
                format!(
                    "node `{}` cannot be reached from the entry `{}`",
                    node.id, workflow.entry
                ),
            );
        }
        let incoming = workflow.edges.iter().filter(|e| e.to == node.id).count();
        if matches!(node.kind, NodeKind::Join) && incoming < 2 {
            errors.add(
                at,
                format!("join `{}` needs at least two incoming edges", node.id),
            );
        }
    }
    if workflow.edges.iter().any(|e| e.to == workflow.entry) || has_cycle(workflow) {
        errors.add(
            at,
            "the workflow has a cycle; edges must lead forward from the entry",
        );
    }
}

fn has_cycle(workflow: &Workflow) -> bool {
    // Kahn's algorithm: a graph is acyclic exactly when every node can be removed.
    let mut incoming: HashMap<&str, usize> =
        workflow.nodes.iter().map(|n| (n.id.as_str(), 0)).collect();
    for edge in &workflow.edges {
        *incoming.entry(edge.to.as_str()).or_default() += 1;
    }
    let mut ready: Vec<&str> = incoming
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| *id)
        .collect();
    let mut removed = 0;
    while let Some(id) = ready.pop() {
        removed += 1;
        for edge in workflow.edges.iter().filter(|e| e.from == id) {
            if let Some(count) = incoming.get_mut(edge.to.as_str()) {
                *count -= 1;
                if *count == 0 {
                    ready.push(edge.to.as_str());
                }
            }
        }
    }
    removed != incoming.len()
}
