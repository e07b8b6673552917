//! The engine end to end against the fake provider over real HTTP: both wire formats,
//! streaming, tools, retries, fallback, the circuit breaker, every invariant, workflows.

use std::time::{Duration, Instant};

use app::runs::{RunEvent, StepKind, StepStatus};
use fake_llm::Behaviour;
use serde_json::{Value, json};

use crate::engine_helpers::{engine, engine_as_configured, fake, run};

const SIMPLE: &str = "name: Echo\ninputs:\n  question: {type: string, required: true}\ninstructions: Answer briefly.\n";

#[tokio::test]
async fn openai_format_streams_the_answer_and_records_usage() {
    let openai = fake().await;
    let engine = engine(Some(&openai), None, &[]);
    let outcome = run(&engine, SIMPLE, &[("question", json!("what is a moat?"))]).await;
    let answer = outcome.result.expect("succeeded");
    assert_eq!(
        answer,
        json!("This is a demo answer from the fake model. You asked: question: what is a moat?")
    );
    assert_eq!(outcome.memory.streamed_text(), answer.as_str().unwrap());
    let llm = outcome.memory.steps_of(StepKind::LlmCall);
    assert_eq!(llm.len(), 1);
    assert_eq!(llm[0].provider.as_deref(), Some("openai"));
    assert_eq!(
        llm[0].model.as_deref(),
        Some("gpt-4o-mini"),
        "the cheapest capable model"
    );
    assert!(llm[0].prompt_tokens > 0 && llm[0].completion_tokens > 0);
    let expected = server::engine::catalog::Catalog::default()
        .find("openai", "gpt-4o-mini")
        .unwrap()
        .cost(server::engine::providers::Usage {
            prompt_tokens: llm[0].prompt_tokens as u64,
            completion_tokens: llm[0].completion_tokens as u64,
        });
    assert_eq!(llm[0].cost, expected);
    assert_eq!(outcome.spent, expected.0);
    let route = outcome.memory.steps_of(StepKind::Route);
    assert_eq!(route[0].detail["chosen"]["model"], "gpt-4o-mini");
    let request = &openai.requests()[0];
    assert!(request.authorized, "the key was sent");
    assert_eq!(request.body["stream"], true);
}

/// The first-run trap: with one provider's key and no `ROUTER_CHAIN`, runs go to that
/// provider — for each of the two wire formats.
#[tokio::test]
async fn with_only_one_provider_configured_runs_go_to_it() {
    let fake = fake().await;
    for (engine, provider) in [
        (engine_as_configured(Some(&fake), None), "openai"),
        (engine_as_configured(None, Some(&fake)), "anthropic"),
    ] {
        let outcome = run(&engine, SIMPLE, &[("question", json!("hello"))]).await;
        assert!(
            outcome.result.is_ok(),
            "{provider}: {:?}",
            outcome.result.err()
        );
        let llm = outcome.memory.steps_of(StepKind::LlmCall);
        assert_eq!(llm[0].provider.as_deref(), Some(provider));
        let route = outcome.memory.steps_of(StepKind::Route);
        assert_eq!(route[0].detail["chain"][0], provider, "configured first");
    }
}

/// Nothing configured: the failure says so, naming each provider and why it was
/// passed over, rather than one connection error.
#[tokio::test]
async fn a_run_that_cannot_be_routed_says_what_is_configured() {
    let engine = engine(None, None, &[("ROUTER_CHAIN", "openai,anthropic")]);
    let outcome = run(&engine, SIMPLE, &[("question", json!("hello"))]).await;
    let failure = outcome.result.expect_err("nothing can answer");
    let message = failure.detail;
    assert!(message.contains("openai: not configured"), "{message}");
    assert!(message.contains("anthropic: not configured"), "{message}");
    assert!(
        message.contains("OPENAI_API_KEY"),
        "says how to configure one: {message}"
    );
}

#[tokio::test]
async fn anthropic_format_with_a_tool_call() {
    let anthropic = fake().await;
    let engine = engine(None, Some(&anthropic), &[]);
    let spec = "name: Calc\ninstructions: 'Use the calculator. [fake:tool=calculator {\"expression\": \"6*7\"}]'\ntools: [calculator]\n";
    let outcome = run(&engine, spec, &[]).await;
    assert_eq!(
        outcome.result.expect("succeeded"),
        json!("Tool calculator returned: 42")
    );
    let tools = outcome.memory.steps_of(StepKind::ToolCall);
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0].detail["input"], json!({"expression": "6*7"}));
    assert_eq!(tools[0].detail["output"], "42");
    let llm = outcome.memory.steps_of(StepKind::LlmCall);
    assert_eq!(llm.len(), 2);
    assert_eq!(llm[0].model.as_deref(), Some("claude-haiku-4-5"));
    let requests = anthropic.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.path == "/v1/messages" && r.authorized)
    );
    let second = &requests[1].body["messages"];
    assert_eq!(
        second[2]["content"][0]["type"], "tool_result",
        "the tool result went back in Anthropic's shape"
    );
}

#[tokio::test]
async fn rate_limits_are_retried_after_the_time_asked() {
    let openai = fake().await;
    openai.script(Behaviour::Status {
        code: 429,
        retry_after_secs: Some(1),
    });
    let engine = engine(Some(&openai), None, &[]);
    let started = Instant::now();
    let outcome = run(&engine, SIMPLE, &[("question", json!("hi"))]).await;
    assert!(outcome.result.is_ok());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for retry-after"
    );
    let route = &outcome.memory.steps_of(StepKind::Route)[0];
    let attempts = route.detail["attempts"].as_array().unwrap();
    assert_eq!(attempts[0]["outcome"], "rate_limited");
    assert_eq!(attempts[1]["outcome"], "ok");
}

#[tokio::test]
async fn a_failing_provider_falls_back_to_the_next() {
    let (openai, anthropic) = (fake().await, fake().await);
    for _ in 0..3 {
        openai.script(Behaviour::Status {
            code: 500,
            retry_after_secs: None,
        });
    }
    let engine = engine(Some(&openai), Some(&anthropic), &[]);
    let outcome = run(&engine, SIMPLE, &[("question", json!("hi"))]).await;
    assert!(outcome.result.is_ok());
    assert_eq!(openai.requests().len(), 3, "first attempt and two retries");
    let llm = outcome.memory.steps_of(StepKind::LlmCall);
    assert_eq!(llm[0].provider.as_deref(), Some("anthropic"));
    let attempts = outcome.memory.steps_of(StepKind::Route)[0].detail["attempts"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(attempts.len(), 4);
    assert_eq!(attempts[2]["next"], "fallback");
}

#[tokio::test]
async fn a_cut_stream_is_discarded_and_retried() {
    let openai = fake().await;
    openai.script(Behaviour::Cut { after_words: 3 });
    let engine = engine(Some(&openai), None, &[]);
    let outcome = run(&engine, SIMPLE, &[("question", json!("hi"))]).await;
    let answer = outcome.result.expect("succeeded");
    let events = outcome.memory.events.lock().unwrap().clone();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, RunEvent::TextReset { .. })),
        "the partial text was voided"
    );
    assert_eq!(outcome.memory.streamed_text(), answer.as_str().unwrap());
}

#[tokio::test]
async fn a_provider_that_hangs_times_out() {
    let openai = fake().await;
    openai.script(Behaviour::Hang);
    let engine = engine(Some(&openai), None, &[("LLM_TIMEOUT_SECS", "1")]);
    let outcome = run(&engine, SIMPLE, &[("question", json!("hi"))]).await;
    assert!(outcome.result.is_ok());
    let attempts = outcome.memory.steps_of(StepKind::Route)[0].detail["attempts"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(attempts[0]["outcome"], "timeout");
}

#[tokio::test]
async fn the_circuit_opens_after_repeated_failures() {
    let (openai, anthropic) = (fake().await, fake().await);
    let engine = engine(
        Some(&openai),
        Some(&anthropic),
        &[("ROUTER_MAX_RETRIES", "0"), ("CIRCUIT_FAILURES", "2")],
    );
    for _ in 0..2 {
        openai.script(Behaviour::Status {
            code: 503,
            retry_after_secs: None,
        });
        assert!(
            run(&engine, SIMPLE, &[("question", json!("hi"))])
                .await
                .result
                .is_ok()
        );
    }
    let outcome = run(&engine, SIMPLE, &[("question", json!("hi"))]).await;
    assert!(outcome.result.is_ok());
    assert_eq!(
        openai.requests().len(),
        2,
        "the third run never called the open circuit"
    );
    let skipped = &outcome.memory.steps_of(StepKind::Route)[0].detail["skipped"];
    assert_eq!(skipped[0]["provider"], "openai");
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .contains("circuit open")
    );
}

#[tokio::test]
async fn every_provider_failing_fails_the_run_with_a_reason() {
    let openai = fake().await;
    let engine = engine(Some(&openai), None, &[("ROUTER_MAX_RETRIES", "1")]);
    for _ in 0..2 {
        openai.script(Behaviour::Status {
            code: 500,
            retry_after_secs: None,
        });
    }
    let failure = run(&engine, SIMPLE, &[("question", json!("hi"))])
        .await
        .result
        .expect_err("failed");
    assert_eq!(failure.reason, "provider_failed");
    assert!(
        !failure.detail.contains("sk-test"),
        "keys never appear in errors"
    );
}

#[tokio::test]
async fn max_steps_stops_a_looping_agent() {
    let openai = fake().await;
    for _ in 0..5 {
        openai.script(Behaviour::ToolCall {
            name: "calculator".into(),
            arguments: json!({"expression": "1+1"}),
        });
    }
    let engine = engine(Some(&openai), None, &[]);
    let spec = "name: Loop\ninstructions: x\ntools: [calculator]\ninvariants:\n  - max_steps: 2\n";
    let outcome = run(&engine, spec, &[]).await;
    let failure = outcome.result.expect_err("failed");
    assert_eq!(failure.reason, "max_steps");
    assert_eq!(outcome.memory.steps_of(StepKind::LlmCall).len(), 2);
    let check = outcome.memory.steps_of(StepKind::Invariant);
    assert_eq!(check.last().unwrap().status, StepStatus::Error);
}

#[tokio::test]
async fn the_cost_ceiling_is_checked_before_calling() {
    let openai = fake().await;
    let engine = engine(Some(&openai), None, &[]);
    let spec = "name: Cheap\ninstructions: x\ninvariants:\n  - max_cost_usd: 0.000001\n";
    let failure = run(&engine, spec, &[]).await.result.expect_err("failed");
    assert_eq!(failure.reason, "cost_limit");
    assert!(
        openai.requests().is_empty(),
        "no call that could exceed the ceiling was made"
    );
}

#[tokio::test]
async fn the_cost_ceiling_limits_the_output_allowance() {
    let openai = fake().await;
    let engine = engine(Some(&openai), None, &[]);
    // $0.001 at gpt-4o-mini's $0.60/M output allows about 1,600 tokens, not the default 1,024 … minus the prompt.
    let spec = "name: Budget\ninstructions: x\nmodel: {max_output_tokens: 100000}\ninvariants:\n  - max_cost_usd: 0.001\n";
    let outcome = run(&engine, spec, &[]).await;
    assert!(outcome.result.is_ok());
    let max_tokens = openai.requests()[0].body["max_tokens"].as_u64().unwrap();
    assert!(
        max_tokens < 1_700,
        "allowance capped by budget: {max_tokens}"
    );
    assert!(outcome.spent <= 1_000);
}

#[tokio::test]
async fn output_schema_gets_one_repair_attempt() {
    let openai = fake().await;
    openai.script(Behaviour::Reply {
        text: "Sure! The answer is 42.".into(),
    });
    openai.script(Behaviour::Reply {
        text: "{\"answer\": \"42\", \"sources\": [\"calc\"]}".into(),
    });
    let engine = engine(Some(&openai), None, &[]);
    let spec = "name: S\ninstructions: x\ninvariants:\n  - output_schema: {type: object, required: [answer, sources]}\n";
    let outcome = run(&engine, spec, &[]).await;
    assert_eq!(outcome.result.expect("repaired")["answer"], "42");
    let repair = &openai.requests()[1].body["messages"];
    assert!(
        repair.as_array().unwrap().last().unwrap()["content"]
            .as_str()
            .unwrap()
            .contains("rejected")
    );

    openai.script(Behaviour::Reply { text: "no".into() });
    openai.script(Behaviour::Reply {
        text: "still no".into(),
    });
    let failure = run(&engine, spec, &[]).await.result.expect_err("failed");
    assert_eq!(failure.reason, "output_schema");
}

#[tokio::test]
async fn phrase_rules_and_the_tool_allowlist_hold() {
    let openai = fake().await;
    let engine = engine(Some(&openai), None, &[]);
    openai.script(Behaviour::Reply {
        text: "This fund has guaranteed returns.".into(),
    });
    let spec =
        "name: P\ninstructions: x\ninvariants:\n  - must_not_contain: [guaranteed returns]\n";
    assert_eq!(
        run(&engine, spec, &[])
            .await
            .result
            .expect_err("failed")
            .reason,
        "must_not_contain"
    );

    openai.script(Behaviour::Reply {
        text: "No sources here.".into(),
    });
    let spec = "name: P\ninstructions: x\ninvariants:\n  - must_contain: ['Source:']\n";
    assert_eq!(
        run(&engine, spec, &[])
            .await
            .result
            .expect_err("failed")
            .reason,
        "must_contain"
    );

    openai.script(Behaviour::ToolCall {
        name: "current_time".into(),
        arguments: json!({}),
    });
    let spec = "name: P\ninstructions: x\ntools: [calculator, current_time]\ninvariants:\n  - allowed_tools: [calculator]\n";
    assert_eq!(
        run(&engine, spec, &[])
            .await
            .result
            .expect_err("failed")
            .reason,
        "tool_not_allowed"
    );

    let spec = "name: P\ninstructions: x\ninvariants:\n  - max_tokens: 5\n";
    assert_eq!(
        run(&engine, spec, &[])
            .await
            .result
            .expect_err("failed")
            .reason,
        "max_tokens"
    );
}

#[tokio::test]
async fn tools_cannot_reach_private_addresses() {
    let openai = fake().await;
    openai.script(Behaviour::ToolCall {
        name: "http_fetch".into(),
        arguments: json!({"url": "http://127.0.0.1:9/admin"}),
    });
    openai.script(Behaviour::ToolCall {
        name: "http_fetch".into(),
        arguments: json!({"url": "http://169.254.169.254/latest/meta-data/"}),
    });
    openai.script(Behaviour::Reply {
        text: "done".into(),
    });
    let engine = engine(Some(&openai), None, &[]);
    let spec = "name: F\ninstructions: x\ntools: [http_fetch, web_search]\n";
    let outcome = run(&engine, spec, &[]).await;
    assert!(outcome.result.is_ok());
    let tools = outcome.memory.steps_of(StepKind::ToolCall);
    assert_eq!(tools.len(), 2);
    for tool in &tools {
        assert_eq!(tool.status, StepStatus::Error);
        assert!(
            tool.detail["output"].as_str().unwrap().contains("refused"),
            "{}",
            tool.detail
        );
    }
}

#[tokio::test]
async fn web_search_without_a_provider_says_so() {
    let openai = fake().await;
    openai.script(Behaviour::ToolCall {
        name: "web_search".into(),
        arguments: json!({"query": "rust"}),
    });
    let engine = engine(Some(&openai), None, &[]);
    let outcome = run(
        &engine,
        "name: W\ninstructions: x\ntools: [web_search]\n",
        &[],
    )
    .await;
    assert!(outcome.result.is_ok());
    let output = outcome.memory.steps_of(StepKind::ToolCall)[0].detail["output"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        output.contains("not configured a search provider"),
        "{output}"
    );
}

const WORKFLOW: &str = r#"name: Triage
kind: workflow
inputs:
  ticket: {type: string, required: true}
entry: route
nodes:
  route: {type: router, by: keywords, routes: {billing: [invoice, refund]}, default: general}
  general: {instructions: "General help for {{input.ticket}}"}
  facts: {instructions: "Collect facts [fake:reply=facts gathered]"}
  policy: {instructions: "Check policy [fake:reply=policy ok]"}
  merge: {type: join}
  verdict:
    instructions: "Decide using {{state.facts}} and {{state.policy}} [fake:json={\"score\": 75, \"refund\": true}]"
    invariants:
      - output_schema: {type: object, required: [score, refund]}
      - assert: {path: /score, op: ">", value: 60}
edges:
  - {from: route, to: general, when: general}
  - {from: route, to: facts, when: billing}
  - {from: route, to: policy, when: billing}
  - {from: facts, to: merge}
  - {from: policy, to: merge}
  - {from: merge, to: verdict}
invariants:
  - max_steps: 10
"#;

#[tokio::test]
async fn a_workflow_routes_runs_branches_in_parallel_and_joins() {
    let openai = fake().await;
    let engine = engine(Some(&openai), None, &[]);
    let outcome = run(
        &engine,
        WORKFLOW,
        &[("ticket", json!("Please refund invoice 12"))],
    )
    .await;
    assert_eq!(
        outcome.result.expect("succeeded"),
        json!({"score": 75, "refund": true})
    );
    let nodes: Vec<String> = outcome
        .memory
        .steps_of(StepKind::Node)
        .iter()
        .map(|s| s.node.clone().unwrap())
        .collect();
    assert_eq!(nodes[0], "route");
    assert!(nodes.contains(&"facts".to_string()) && nodes.contains(&"policy".to_string()));
    assert!(
        !nodes.contains(&"general".to_string()),
        "the untaken branch is skipped"
    );
    assert_eq!(&nodes[nodes.len() - 2..], ["merge", "verdict"]);
    let steps = outcome.memory.steps.lock().unwrap().clone();
    let verdict_seq = steps
        .iter()
        .find(|s| s.kind == StepKind::Node && s.node.as_deref() == Some("verdict"))
        .unwrap()
        .seq;
    assert!(
        steps
            .iter()
            .any(|s| s.kind == StepKind::LlmCall && s.parent == Some(verdict_seq)),
        "steps nest under their node"
    );
    let merge = steps
        .iter()
        .find(|s| s.node.as_deref() == Some("merge") && s.kind == StepKind::Node)
        .unwrap();
    assert_eq!(
        merge.detail["output"],
        json!({"facts": "facts gathered", "policy": "policy ok"})
    );
    // The verdict's prompt carried the shared state.
    let verdict_request = openai
        .requests()
        .into_iter()
        .find(|r| r.body.to_string().contains("Decide using"))
        .unwrap();
    assert!(verdict_request.body.to_string().contains("facts gathered"));

    let other = run(&engine, WORKFLOW, &[("ticket", json!("How do I log in?"))]).await;
    assert!(
        other
            .result
            .unwrap()
            .as_str()
            .unwrap()
            .starts_with("This is a demo answer")
    );
}

#[tokio::test]
async fn the_idea_validator_declines_out_of_scope_ideas() {
    let openai = fake().await;
    let engine = engine(Some(&openai), None, &[]);
    let spec = include_str!("../../../app/src/spec/examples/idea_validator.yaml");
    let outcome = run(
        &engine,
        spec,
        &[("idea", json!("An online casino for cats"))],
    )
    .await;
    assert!(outcome.result.is_ok());
    let nodes: Vec<Value> = outcome
        .memory
        .steps_of(StepKind::Node)
        .iter()
        .map(|s| json!(s.node))
        .collect();
    assert_eq!(nodes, vec![json!("screen"), json!("decline")]);
}

#[tokio::test]
async fn an_llm_router_classifies_the_input() {
    let openai = fake().await;
    let engine = engine(Some(&openai), None, &[]);
    let spec = r#"name: LLM triage
kind: workflow
inputs:
  ticket: {type: string, required: true}
entry: classify
nodes:
  classify: {type: router, by: llm, labels: [billing, other], instructions: "Classify the ticket. [fake:reply=Billing.]"}
  billing: {instructions: "Billing desk [fake:reply=refund issued]"}
  other: {instructions: "General desk"}
edges:
  - {from: classify, to: billing, when: billing}
  - {from: classify, to: other, when: other}
"#;
    let outcome = run(&engine, spec, &[("ticket", json!("I was charged twice"))]).await;
    assert_eq!(outcome.result.expect("succeeded"), json!("refund issued"));
    let classify = outcome
        .memory
        .steps_of(StepKind::Node)
        .into_iter()
        .find(|s| s.node.as_deref() == Some("classify"))
        .unwrap();
    assert_eq!(classify.detail["label"], "billing");
    let classification = &openai.requests()[0].body;
    assert_eq!(classification["max_tokens"], 20);
}

#[tokio::test]
async fn custom_http_tools_fill_the_url_and_send_secrets_by_reference() {
    use axum::extract::{Path, Query};
    use axum::http::HeaderMap;
    let api = axum::Router::new().route(
        "/customers/{id}",
        axum::routing::get(|Path(id): Path<String>, Query(q): Query<std::collections::HashMap<String, String>>, headers: HeaderMap| async move {
            let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            axum::Json(json!({"id": id, "fields": q.get("fields"), "auth_ok": auth == "Bearer crm-secret-1"}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, api).await.unwrap() });

    let openai = fake().await;
    openai.script(Behaviour::ToolCall {
        name: "crm_lookup".into(),
        arguments: json!({"id": "a b/c", "fields": "name"}),
    });
    openai.script(Behaviour::Reply {
        text: "found".into(),
    });
    let allow = format!("127.0.0.1:{}", addr.port());
    let engine = engine(Some(&openai), None, &[("OUTBOUND_ALLOWLIST", &allow)]);
    let spec = format!(
        "name: CRM\ninstructions: x\ntools:\n  - name: crm_lookup\n    description: Finds a customer\n    url: http://{allow}/customers/{{id}}\n    parameters: {{type: object, properties: {{id: {{type: string}}, fields: {{type: string}}}}, required: [id]}}\n    headers:\n      Authorization: {{secret: CRM_TOKEN, prefix: 'Bearer '}}\n"
    );
    let secrets =
        std::collections::HashMap::from([("CRM_TOKEN".to_string(), "crm-secret-1".to_string())]);
    let outcome = crate::engine_helpers::run_with_secrets(&engine, &spec, &[], secrets).await;
    assert!(outcome.result.is_ok());
    let tool = &outcome.memory.steps_of(StepKind::ToolCall)[0];
    assert_eq!(tool.status, StepStatus::Ok, "{}", tool.detail);
    let output = tool.detail["output"].as_str().unwrap();
    assert!(
        output.contains(r#""id":"a b/c""#)
            && output.contains(r#""fields":"name""#)
            && output.contains(r#""auth_ok":true"#),
        "{output}"
    );
    assert!(
        !tool.detail.to_string().contains("crm-secret-1"),
        "secrets stay out of the trace"
    );

    // Without the secret the tool says what is missing.
    openai.script(Behaviour::ToolCall {
        name: "crm_lookup".into(),
        arguments: json!({"id": "1"}),
    });
    openai.script(Behaviour::Reply { text: "n/a".into() });
    let outcome = run(&engine, &spec, &[]).await;
    let output = outcome.memory.steps_of(StepKind::ToolCall)[0].detail["output"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(output.contains("no secret named CRM_TOKEN"), "{output}");
}

#[tokio::test]
async fn both_formats_complete_without_streaming() {
    use server::engine::providers::{
        ChatRequest, Message, ProviderConfig, ProviderSet, ToolSpec, WireFormat,
    };
    let (openai, anthropic) = (fake().await, fake().await);
    let configs = vec![
        ProviderConfig {
            id: "openai".into(),
            format: WireFormat::OpenAi,
            base_url: format!("{}/v1", openai.base_url()),
            api_key: Some("k".into()),
            needs_key: true,
            azure: None,
            deployments: None,
        },
        ProviderConfig {
            id: "anthropic".into(),
            format: WireFormat::Anthropic,
            base_url: anthropic.base_url(),
            api_key: Some("k".into()),
            needs_key: true,
            azure: None,
            deployments: None,
        },
    ];
    let limits = server::engine::providers::HttpLimits::default();
    let set = ProviderSet::build(
        &configs,
        &server::engine::providers::TeamProviders::default(),
        &[],
        &server::engine::providers::shared_client(&limits).unwrap(),
        limits,
    );
    let request = ChatRequest {
        model: "m".into(),
        system: "[fake:tool=calculator {\"expression\": \"1+2\"}]".into(),
        messages: vec![Message::User("add".into())],
        tools: vec![ToolSpec {
            name: "calculator".into(),
            description: "adds".into(),
            parameters: json!({"type": "object"}),
        }],
        max_tokens: 100,
        ..ChatRequest::default()
    };
    for id in ["openai", "anthropic"] {
        let completion = set.get(id).unwrap().complete(&request).await.unwrap();
        assert_eq!(completion.tool_calls.len(), 1, "{id}");
        assert_eq!(
            completion.tool_calls[0].arguments,
            json!({"expression": "1+2"})
        );
        assert_eq!(
            completion.finish,
            server::engine::providers::FinishReason::ToolCalls
        );
        assert!(completion.usage.prompt_tokens > 0, "{id}");
    }
    assert_eq!(openai.requests()[0].body["stream"], false);
}

#[tokio::test]
async fn the_idea_validator_applies_its_kill_criteria_to_the_verdict() {
    // As under `make run`: the demo provider, whose models serve every task on any plan.
    let openai = fake().await;
    let engine = engine(
        None,
        None,
        &[
            ("DEMO_LLM_BASE_URL", &openai.base_url()),
            ("ROUTER_CHAIN", "demo"),
        ],
    );
    let spec = include_str!("../../../app/src/spec/examples/idea_validator.yaml");
    let outcome = run(
        &engine,
        spec,
        &[("idea", json!("Neighbours rent each other's power tools"))],
    )
    .await;
    // The demo model answers in the verdict's schema with the least values it allows:
    // a novelty of 0 is killed by the first criterion.
    let failure = outcome.result.expect_err("killed");
    assert_eq!(failure.reason, "assertion");
    assert_eq!(failure.detail, "Kill: novelty must exceed 60");
    let nodes: Vec<String> = outcome
        .memory
        .steps_of(StepKind::Node)
        .iter()
        .map(|s| s.node.clone().unwrap())
        .collect();
    for analysis in ["market", "competition", "feasibility", "revenue", "gather"] {
        assert!(
            nodes.contains(&analysis.to_string()),
            "{analysis} ran: {nodes:?}"
        );
    }
    let synthesis = openai
        .requests()
        .into_iter()
        .find(|r| r.body.to_string().contains("investment committee"))
        .unwrap();
    assert!(
        synthesis.body["response_format"]["json_schema"]["schema"]["properties"]["novelty_score"]
            .is_object()
    );
}

#[tokio::test]
async fn a_provider_error_that_quotes_the_key_is_stored_without_it() {
    let openai = fake().await;
    let engine = engine(Some(&openai), None, &[("ROUTER_MAX_RETRIES", "0")]);
    let outcome = run(
        &engine,
        SIMPLE,
        &[("question", json!("[fake:fail=500x9#leak]"))],
    )
    .await;
    let Err(failure) = outcome.result else {
        panic!("the run should fail")
    };
    let route = outcome.memory.steps_of(StepKind::Route);
    let kept = format!(
        "{} {:?}",
        failure.detail,
        route
            .iter()
            .map(|s| s.detail.to_string())
            .collect::<Vec<_>>()
    );
    assert!(!kept.contains("sk-test-openai"), "{kept}");
    // What users see says what happened, not what the provider wrote (that is logged).
    assert!(!kept.contains("upstream credential"), "{kept}");
    assert!(kept.contains("the provider failed with HTTP 500"), "{kept}");
}

/// The failures every format must recover from, with `llm` first in the engine's chain
/// and OpenAI after it: 429 with retry-after waited for, a cut stream voided and
/// retried, 5xx every time falling back to OpenAI.
async fn recovers_as_the_router_does(engine: &server::engine::Engine, llm: &fake_llm::FakeLlm) {
    llm.script(Behaviour::Status {
        code: 429,
        retry_after_secs: Some(1),
    });
    let started = Instant::now();
    let outcome = run(engine, SIMPLE, &[("question", json!("hi"))]).await;
    assert!(outcome.result.is_ok());
    assert!(started.elapsed() >= Duration::from_secs(1));
    let attempts = &outcome.memory.steps_of(StepKind::Route)[0].detail["attempts"];
    assert_eq!(attempts[0]["outcome"], "rate_limited");

    llm.script(Behaviour::Cut { after_words: 2 });
    let outcome = run(engine, SIMPLE, &[("question", json!("hi"))]).await;
    let answer = outcome.result.expect("succeeded");
    assert_eq!(outcome.memory.streamed_text(), answer.as_str().unwrap());
    assert_eq!(
        outcome.memory.steps_of(StepKind::Route)[0].detail["attempts"][0]["outcome"],
        "stream_cut"
    );

    for _ in 0..3 {
        llm.script(Behaviour::Status {
            code: 503,
            retry_after_secs: None,
        });
    }
    let outcome = run(engine, SIMPLE, &[("question", json!("hi"))]).await;
    assert!(outcome.result.is_ok());
    let calls = outcome.memory.steps_of(StepKind::LlmCall);
    assert_eq!(calls[0].provider.as_deref(), Some("openai"));
}

/// Gemini through its fake: the same matrix as the other formats — a streamed answer
/// with usage, a tool call and its result, 429 with retry-after, a cut stream, 5xx
/// falling back to the next provider, and a whole answer without streaming.
#[tokio::test]
async fn gemini_format_streams_calls_tools_and_recovers() {
    let (gemini, openai) = (fake().await, fake().await);
    let base = gemini.base_url();
    let openai_url = format!("{}/v1", openai.base_url());
    let vars = [
        ("GEMINI_BASE_URL", base.as_str()),
        ("GEMINI_API_KEY", "gemini-key"),
        ("OPENAI_BASE_URL", openai_url.as_str()),
        ("OPENAI_API_KEY", "sk-test-openai"),
        ("ROUTER_CHAIN", "gemini,openai"),
    ];
    let engine = engine(None, None, &vars);

    // Streamed, with usage, at the model's price.
    let outcome = run(&engine, SIMPLE, &[("question", json!("what is a moat?"))]).await;
    let answer = outcome.result.expect("succeeded");
    assert_eq!(outcome.memory.streamed_text(), answer.as_str().unwrap());
    let llm = outcome.memory.steps_of(StepKind::LlmCall);
    assert_eq!(
        (llm[0].provider.as_deref(), llm[0].model.as_deref()),
        (Some("gemini"), Some("gemini-2.5-flash-lite"))
    );
    assert!(llm[0].prompt_tokens > 0 && llm[0].completion_tokens > 0);
    let request = &gemini.calls()[0];
    assert_eq!(
        request.path,
        "/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent"
    );
    assert!(request.authorized, "the key went as x-goog-api-key");
    assert_eq!(
        request.body["systemInstruction"]["parts"][0]["text"],
        "Answer briefly."
    );

    // A tool call, and its result sent back as a functionResponse.
    let spec = "name: Calc\ninstructions: 'Use the calculator. [fake:tool=calculator {\"expression\": \"6*7\"}]'\ntools: [calculator]\n";
    let outcome = run(&engine, spec, &[]).await;
    assert_eq!(
        outcome.result.expect("succeeded"),
        json!("Tool calculator returned: 42")
    );
    let calls = gemini.calls();
    let second = &calls.last().unwrap().body["contents"];
    assert_eq!(
        second[2]["parts"][0]["functionResponse"]["name"], "calculator",
        "{second}"
    );

    recovers_as_the_router_does(&engine, &gemini).await;

    // Whole, without streaming.
    let providers = engine.providers_for(&Default::default());
    let completion = providers
        .get("gemini")
        .unwrap()
        .complete(&server::engine::providers::ChatRequest {
            model: "gemini-2.5-flash".into(),
            messages: vec![server::engine::providers::Message::User("hello".into())],
            max_tokens: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!completion.text.is_empty() && completion.usage.completion_tokens > 0);
    assert_eq!(
        gemini.calls().last().unwrap().path,
        "/v1beta/models/gemini-2.5-flash:generateContent"
    );
}

/// Bedrock through its fake, which checks every request's SigV4 signature with AWS's
/// own signer: the same matrix — a streamed answer (binary event stream) with usage, a
/// tool call and its result, 429 with retry-after, a cut stream, 5xx falling back, a
/// whole answer — and a wrong secret refused.
#[tokio::test]
async fn bedrock_format_signs_streams_calls_tools_and_recovers() {
    let bedrock = fake_llm::FakeLlm::start(
        "127.0.0.1:0",
        fake_llm::Options {
            required_key: Some("AKIDFAKE:fake-secret".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let openai = fake().await;
    let base = bedrock.base_url();
    let openai_url = format!("{}/v1", openai.base_url());
    let vars = |secret: &'static str| {
        [
            ("BEDROCK_BASE_URL", base.clone()),
            ("AWS_ACCESS_KEY_ID", "AKIDFAKE".to_string()),
            ("AWS_SECRET_ACCESS_KEY", secret.to_string()),
            ("OPENAI_BASE_URL", openai_url.clone()),
            ("OPENAI_API_KEY", "sk-test-openai".to_string()),
            ("ROUTER_CHAIN", "bedrock,openai".to_string()),
        ]
    };
    let settings = vars("fake-secret");
    let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let engine = engine(None, None, &settings);

    // Streamed, signed, with usage, at the model's price.
    let outcome = run(&engine, SIMPLE, &[("question", json!("what is a moat?"))]).await;
    let answer = outcome.result.expect("succeeded");
    assert_eq!(outcome.memory.streamed_text(), answer.as_str().unwrap());
    let llm = outcome.memory.steps_of(StepKind::LlmCall);
    assert_eq!(
        (llm[0].provider.as_deref(), llm[0].model.as_deref()),
        (Some("bedrock"), Some("amazon.nova-micro-v1:0"))
    );
    assert!(llm[0].prompt_tokens > 0 && llm[0].completion_tokens > 0);
    let request = &bedrock.calls()[0];
    assert_eq!(
        request.path,
        "/model/amazon.nova-micro-v1%3A0/converse-stream"
    );
    assert!(request.authorized, "the SigV4 signature checks out");
    assert_eq!(request.body["system"][0]["text"], "Answer briefly.");

    // A tool call, and its result sent back as a toolResult.
    let spec = "name: Calc\ninstructions: 'Use the calculator. [fake:tool=calculator {\"expression\": \"6*7\"}]'\ntools: [calculator]\n";
    let outcome = run(&engine, spec, &[]).await;
    assert_eq!(
        outcome.result.expect("succeeded"),
        json!("Tool calculator returned: 42")
    );
    let calls = bedrock.calls();
    let second = &calls.last().unwrap().body["messages"];
    let used = &second[1]["content"][0]["toolUse"];
    assert_eq!(used["name"], "calculator", "{second}");
    assert_eq!(
        second[2]["content"][0]["toolResult"]["toolUseId"], used["toolUseId"],
        "{second}"
    );

    recovers_as_the_router_does(&engine, &bedrock).await;

    // Whole, without streaming, and the models the control plane lists.
    let providers = engine.providers_for(&Default::default());
    let bedrock_provider = providers.get("bedrock").unwrap();
    let completion = bedrock_provider
        .complete(&server::engine::providers::ChatRequest {
            model: "amazon.nova-lite-v1:0".into(),
            messages: vec![server::engine::providers::Message::User("hello".into())],
            max_tokens: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!completion.text.is_empty() && completion.usage.completion_tokens > 0);
    assert_eq!(
        bedrock.calls().last().unwrap().path,
        "/model/amazon.nova-lite-v1%3A0/converse"
    );
    let models = bedrock_provider.models().await.unwrap();
    assert!(
        models.iter().any(|m| m.id == "amazon.nova-lite-v1:0"),
        "{models:?}"
    );

    // A wrong secret: the signature does not match, and OpenAI answers instead.
    let wrong = vars("not-the-secret");
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let unsigned = crate::engine_helpers::engine(None, None, &wrong);
    let outcome = run(&unsigned, SIMPLE, &[("question", json!("hi"))]).await;
    assert!(outcome.result.is_ok());
    assert!(!bedrock.calls().last().unwrap().authorized);
    let attempts = &outcome.memory.steps_of(StepKind::Route)[0].detail["attempts"];
    assert_eq!(attempts[0]["outcome"], "unauthorized", "{attempts}");
}
