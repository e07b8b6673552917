//! A workflow drawn as SVG: nodes in columns by their depth from the entry, edges as
//! lines, each node coloured by where the run is — done, failed, active or waiting.

use std::collections::HashMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::runs::{StepKind, StepRecord, StepStatus};
use crate::spec::{NodeKind, Workflow};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    /// (id, kind) in spec order.
    pub nodes: Vec<(String, String)>,
    /// (from, to, condition).
    pub edges: Vec<(String, String, Option<String>)>,
    pub entry: String,
}

impl Graph {
    pub fn of(flow: &Workflow) -> Graph {
        let kind = |kind: &NodeKind| match kind {
            NodeKind::Agent { .. } => "agent",
            NodeKind::Router(_) => "router",
            NodeKind::Join => "join",
        };
        Graph {
            nodes: flow
                .nodes
                .iter()
                .map(|n| (n.id.clone(), kind(&n.kind).to_string()))
                .collect(),
            edges: flow
                .edges
                .iter()
                .map(|e| (e.from.clone(), e.to.clone(), e.when.clone()))
                .collect(),
            entry: flow.entry.clone(),
        }
    }

    /// Column of every node: its longest distance from the entry (the graph is acyclic).
    fn columns(&self) -> HashMap<String, usize> {
        let mut depth: HashMap<String, usize> = HashMap::from([(self.entry.clone(), 0)]);
        for _ in 0..self.nodes.len() {
            for (from, to, _) in &self.edges {
                if let Some(&d) = depth.get(from) {
                    let entry = depth.entry(to.clone()).or_insert(0);
                    *entry = (*entry).max(d + 1);
                }
            }
        }
        depth
    }
}

const W: usize = 120;
const H: usize = 36;
const GAP_X: usize = 50;
const GAP_Y: usize = 18;

#[component]
pub fn WorkflowGraph(
    graph: Graph,
    steps: Signal<Vec<StepRecord>>,
    active: Signal<Vec<String>>,
) -> impl IntoView {
    let columns = graph.columns();
    let mut rows: HashMap<usize, usize> = HashMap::new();
    let mut place: HashMap<String, (usize, usize)> = HashMap::new();
    for (id, _) in &graph.nodes {
        let column = columns.get(id).copied().unwrap_or(0);
        let row = rows.entry(column).or_insert(0);
        place.insert(
            id.clone(),
            (column * (W + GAP_X) + 4, *row * (H + GAP_Y) + 4),
        );
        *row += 1;
    }
    let width = (columns.values().max().copied().unwrap_or(0) + 1) * (W + GAP_X);
    let height = rows.values().max().copied().unwrap_or(1) * (H + GAP_Y) + 8;
    let edges = graph.edges.iter().filter_map(|(from, to, when)| {
        let (&(x1, y1), &(x2, y2)) = (place.get(from)?, place.get(to)?);
        let (x1, y1, x2, y2) = (x1 + W, y1 + H / 2, x2, y2 + H / 2);
        Some(view! {
            <g>
                <line x1=x1 y1=y1 x2=x2 y2=y2 class="stroke-slate-400" stroke-width="1.5" marker-end="url(#arrow)" />
                {when.clone().map(|label| view! { <text x=(x1 + x2) / 2 y=(y1 + y2) / 2 - 4 class="fill-slate-500 text-[10px]" text-anchor="middle">{label}</text> })}
            </g>
        })
    }).collect_view();
    let nodes = graph.nodes.into_iter().map(|(id, kind)| {
        let (x, y) = place.get(&id).copied().unwrap_or((0, 0));
        let node = id.clone();
        let state = Memo::new(move |_| {
            let finished = steps.read().iter().find(|s| s.kind == StepKind::Node && s.node.as_deref() == Some(node.as_str())).map(|s| s.status);
            match finished {
                Some(StepStatus::Ok) => "done",
                Some(StepStatus::Error) => "failed",
                None if active.read().contains(&node) => "active",
                None => "waiting",
            }
        });
        let fill = move || match state.get() {
            "done" => "fill-emerald-100 stroke-emerald-600 dark:fill-emerald-950",
            "failed" => "fill-rose-100 stroke-rose-600 dark:fill-rose-950",
            "active" => "fill-indigo-100 stroke-indigo-600 dark:fill-indigo-950 animate-pulse",
            _ => "fill-white stroke-slate-300 dark:fill-slate-900 dark:stroke-slate-600",
        };
        view! {
            <g data-node=id.clone() data-state=move || state.get()>
                <title>{format!("{id} ({kind})")}</title>
                <rect x=x y=y width=W height=H rx="6" class=fill stroke-width="1.5" />
                <text x=x + W / 2 y=y + H / 2 + 4 text-anchor="middle" class="fill-slate-800 text-xs dark:fill-slate-100">{id.clone()}</text>
            </g>
        }
    }).collect_view();
    view! {
        <div class="mb-6 overflow-x-auto rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900">
            <svg role="img" aria-label="Workflow graph" data-testid="workflow-graph" width=width height=height viewBox=format!("0 0 {width} {height}")>
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="fill-slate-400" />
                    </marker>
                </defs>
                {edges}
                {nodes}
            </svg>
        </div>
    }
}
