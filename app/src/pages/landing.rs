use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// What the product does, in four claims a visitor can check.
const FEATURES: [(&str, &str); 4] = [
    (
        "Specs, not glue code",
        "Agents and workflows are declarative YAML specs. Every save is an immutable version you can diff and restore.",
    ),
    (
        "Cost-aware routing",
        "Each run goes to the cheapest model that can do the task, with retries, fallbacks and a hard cost ceiling.",
    ),
    (
        "Watch every step",
        "Answers stream token by token; every LLM and tool call is traced with tokens, cost and latency.",
    ),
    (
        "Sell what you build",
        "Publish agents as templates in the marketplace and keep 70 % of every sale.",
    ),
];

const SAMPLE_SPEC: &str = "name: Market Research Agent
kind: agent
model:
  task: research
  max_cost_per_run_usd: 0.05
tools: [web_search, calculator]
invariants:
  - max_steps: 8
  - must_not_contain: [\"guaranteed returns\"]";

const SAMPLE_TRACE: [(&str, &str, &str); 4] = [
    ("route", "llama3.1 (local) · cheapest capable", "0 µ$"),
    ("llm", "412 tokens · 1.2 s", "0 µ$"),
    ("tool", "web_search · 6 results · 0.4 s", "300 µ$"),
    ("llm", "sonar · 1,180 tokens · 2.1 s", "1,420 µ$"),
];

#[component]
pub fn LandingPage() -> impl IntoView {
    view! {
        <Title text="Build, run and sell AI agents" />
        <section class="mx-auto grid max-w-6xl items-center gap-10 px-4 py-16 lg:grid-cols-2 lg:py-24">
            <div>
                <h1 class="text-4xl font-semibold tracking-tight sm:text-5xl">
                    "AI agents from a spec, run on any model, for less."
                </h1>
                <p class="mt-5 text-lg text-slate-600 dark:text-slate-400">
                    "Agent Factory turns a short declarative spec into a production agent: routed to the cheapest capable LLM, held to the rules you write, traced step by step, and ready to share or sell."
                </p>
                <div class="mt-8 flex flex-wrap gap-3">
                    <A href="/signup" attr:class="rounded-md bg-indigo-600 px-5 py-3 font-medium text-white shadow-sm hover:bg-indigo-500">
                        "Start building, free"
                    </A>
                    <A href="/signin" attr:class="rounded-md border border-slate-300 px-5 py-3 font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                        "Sign in"
                    </A>
                </div>
            </div>
            <PreviewPanel />
        </section>
        <section aria-labelledby="features" class="border-t border-slate-200 bg-white py-16 dark:border-slate-800 dark:bg-slate-900">
            <div class="mx-auto max-w-6xl px-4">
                <h2 id="features" class="text-2xl font-semibold tracking-tight">"Why teams switch"</h2>
                <ul class="mt-8 grid gap-6 sm:grid-cols-2 lg:grid-cols-4">
                    {FEATURES
                        .into_iter()
                        .map(|(title, body)| {
                            view! {
                                <li class="rounded-xl border border-slate-200 p-5 dark:border-slate-800">
                                    <h3 class="font-medium">{title}</h3>
                                    <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">{body}</p>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
        </section>
    }
}

/// A two-way preview of a spec and the trace of one of its runs. The page ships no
/// client, so the switch is two radio buttons and CSS: the trace shows while its
/// button is checked (`group-has-[…]`), with or without JavaScript.
#[component]
fn PreviewPanel() -> impl IntoView {
    let choice = |id: &'static str, label: &'static str, checked: bool| {
        view! {
            <label class="cursor-pointer rounded-md px-3 py-1.5 text-sm font-medium text-slate-400 has-checked:bg-slate-700 has-checked:text-white has-focus-visible:ring-2 has-focus-visible:ring-indigo-400">
                <input type="radio" name="preview" id=id checked=checked class="sr-only" />
                {label}
            </label>
        }
    };

    view! {
        <div class="group/preview overflow-hidden rounded-xl bg-slate-900 shadow-xl ring-1 ring-slate-800">
            <div role="radiogroup" aria-label="Preview" class="flex gap-1 border-b border-slate-800 p-2">
                {choice("preview-spec", "agent.yaml", true)}
                {choice("preview-trace", "Run trace", false)}
            </div>
            <pre class="overflow-x-auto p-5 text-sm leading-relaxed text-emerald-300 group-has-[#preview-trace:checked]/preview:hidden"><code>{SAMPLE_SPEC}</code></pre>
            <div class="hidden group-has-[#preview-trace:checked]/preview:block">
                <TracePreview />
            </div>
        </div>
    }
}

#[component]
fn TracePreview() -> impl IntoView {
    view! {
        <ol class="space-y-2 p-5 text-sm" data-testid="trace-preview">
            {SAMPLE_TRACE
                .into_iter()
                .map(|(kind, what, cost)| {
                    view! {
                        <li class="flex items-center justify-between gap-3 rounded-md bg-slate-800 px-3 py-2 text-slate-200">
                            <span class="w-12 shrink-0 font-mono text-xs uppercase text-indigo-300">{kind}</span>
                            <span class="flex-1">{what}</span>
                            <span class="font-mono text-xs text-slate-400">{cost}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
