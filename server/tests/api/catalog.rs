//! The model catalogue as a user meets it: models a provider lists are learned and
//! served (unpriced ones charged at the conservative rate), the operator's prices
//! apply, and a spec that pins models runs on them — never a spec with tools on a model
//! that cannot call them.

use std::time::Duration;

use fake_llm::{FakeLlm, Options};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};
use crate::rest::{key, send};

/// The demo provider is a fake listing one model the table knows and one it does not.
async fn app_with_listed_models() -> (FakeLlm, TestApp) {
    let llm = FakeLlm::start(
        "127.0.0.1:0",
        Options {
            models: vec![
                "demo-fast".into(),
                "demo-lite".into(),
                "demo-priced|0.000001|0.000002".into(),
            ],
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let app = spawn_app_with(&[
        ("DEMO_LLM_BASE_URL", &llm.base_url()),
        ("MODEL_PRICES", "demo/demo-fast=0.2/0.8"),
    ])
    .await;
    app.sign_in_demo().await;
    (llm, app)
}

/// The ids `GET /v1/models` lists once `wanted` is among them (discovery runs in the
/// background at start; waited for up to ten seconds).
async fn models_once_listed(app: &TestApp, caller: &str, wanted: &str) -> Vec<String> {
    for _ in 0..200 {
        let (status, models, _) = send(app, reqwest::Method::GET, "/v1/models", caller, None).await;
        assert_eq!(status, StatusCode::OK, "{models}");
        let ids: Vec<String> = models["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect();
        if ids.iter().any(|id| id == wanted) {
            return ids;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{wanted} was not learned from the provider's list within ten seconds");
}

/// One gateway call's tokens and what it was charged, from the meter.
async fn charged(app: &TestApp, caller: &str, model: &str) -> (i64, i64, i64) {
    let pool = app.owner_pool().await;
    for _ in 0..200 {
        let row: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT sum(prompt_tokens)::bigint, sum(completion_tokens)::bigint, sum(cost_micro_usd)::bigint
               FROM usage_daily d JOIN api_keys k ON k.id = d.api_key_id
              WHERE k.prefix = $1 AND d.model = $2 HAVING count(*) > 0",
        )
        .bind(&caller[..12])
        .bind(model)
        .fetch_optional(&pool)
        .await
        .unwrap();
        if let Some(row) = row {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no call to {model} was metered within ten seconds");
}

/// Micro-dollars for `tokens` at `per_mtok` micro-dollars a million, rounded up.
fn at(tokens: i64, per_mtok: i64) -> i64 {
    (tokens * per_mtok + 999_999) / 1_000_000
}

#[tokio::test]
async fn listed_models_are_learned_served_and_priced() {
    let (_llm, app) = app_with_listed_models().await;
    let caller = key(&app, &["read", "run"]).await;
    let ids = models_once_listed(&app, &caller, "demo-lite").await;
    assert!(ids.iter().any(|id| id == "demo-fast"), "{ids:?}");
    let (status, model, _) = send(
        &app,
        reqwest::Method::GET,
        "/v1/models/demo-lite",
        &caller,
        None,
    )
    .await;
    assert_eq!(
        (status, &model["owned_by"]),
        (StatusCode::OK, &json!("demo"))
    );
    // Beside OpenAI's fields, what the catalogue knows: nobody priced demo-lite, and it
    // is not known to call tools; demo-fast at the operator's price.
    assert_eq!(model["pricing"], Value::Null, "{model}");
    assert_eq!(model["capabilities"]["tools"], false, "{model}");
    let (_, fast, _) = send(
        &app,
        reqwest::Method::GET,
        "/v1/models/demo-fast",
        &caller,
        None,
    )
    .await;
    assert_eq!(
        fast["pricing"]["input_micro_usd_per_mtok"], 200_000,
        "{fast}"
    );
    assert_eq!(fast["capabilities"]["tools"], true, "{fast}");
    // A model the list prices (as OpenRouter's does) is priced by it.
    let (_, priced, _) = send(
        &app,
        reqwest::Method::GET,
        "/v1/models/demo-priced",
        &caller,
        None,
    )
    .await;
    assert_eq!(
        priced["pricing"],
        json!({"input_micro_usd_per_mtok": 1_000_000, "output_micro_usd_per_mtok": 2_000_000}),
        "{priced}"
    );
    assert_eq!(priced["context_window"], 32_768, "{priced}");

    for model in ["demo-lite", "demo-fast"] {
        let (status, answer, _) = send(
            &app,
            reqwest::Method::POST,
            "/v1/chat/completions",
            &caller,
            Some(json!({"model": model, "messages": [{"role": "user", "content": "Say hello"}], "max_tokens": 32})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["model"], model);
    }
    // Nobody priced demo-lite: charged at the dearest rate we know, never less.
    let (prompt, completion, cost) = charged(&app, &caller, "demo-lite").await;
    assert!(prompt > 0 && completion > 0);
    assert_eq!(cost, at(prompt, 15_000_000) + at(completion, 75_000_000));
    // demo-fast at the operator's price, not the table's (0.10/0.40).
    let (prompt, completion, cost) = charged(&app, &caller, "demo-fast").await;
    assert_eq!(cost, at(prompt, 200_000) + at(completion, 800_000));
}

/// A run's route decision: the model it chose, or why none could take it.
async fn run(app: &TestApp, admin: &str, spec: &str) -> Value {
    let (status, agent, _) = send(
        app,
        reqwest::Method::POST,
        "/v1/agents",
        admin,
        Some(json!({ "spec": spec })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{agent}");
    let id = agent["id"].as_str().unwrap();
    let (status, run, _) = send(
        app,
        reqwest::Method::POST,
        &format!("/v1/agents/{id}/runs?wait=true"),
        admin,
        Some(json!({ "input": {} })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    run
}

fn chosen(run: &Value) -> Value {
    run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["kind"] == "route")
        .map(|step| step["detail"]["chosen"]["model"].clone())
        .unwrap_or_else(|| panic!("no route step: {run}"))
}

#[tokio::test]
async fn specs_pin_models_and_tools_go_only_to_models_that_call_them() {
    let (_llm, app) = app_with_listed_models().await;
    let admin = key(&app, &["read", "run", "admin"]).await;
    models_once_listed(&app, &admin, "demo-lite").await;

    // By task, the cheapest: demo-fast. Pinned: demo-pro, then a listed model by
    // provider/name.
    let by_task = run(&app, &admin, "name: By task\ninstructions: Answer.\n").await;
    assert_eq!(chosen(&by_task), "demo-fast", "{by_task}");
    let pinned = run(
        &app,
        &admin,
        "name: Pinned\nmodel:\n  name: demo-pro\ninstructions: Answer.\n",
    )
    .await;
    assert_eq!(pinned["status"], "succeeded", "{pinned}");
    assert_eq!(chosen(&pinned), "demo-pro", "{pinned}");
    let listed = run(
        &app,
        &admin,
        "name: Listed\nmodel:\n  name: [demo/demo-lite, demo-pro]\ninstructions: Answer.\n",
    )
    .await;
    assert_eq!(chosen(&listed), "demo-lite", "{listed}");

    // demo-lite's abilities are unknown, so a spec with tools skips it for the next pin.
    let tools = run(
        &app,
        &admin,
        "name: Tools\nmodel:\n  name: [demo/demo-lite, demo-pro]\ninstructions: Answer.\ntools: [calculator]\n",
    )
    .await;
    assert_eq!(chosen(&tools), "demo-pro", "{tools}");
    let only_lite = run(
        &app,
        &admin,
        "name: Tools on lite\nmodel:\n  name: demo/demo-lite\ninstructions: Answer.\ntools: [calculator]\n",
    )
    .await;
    assert_eq!(only_lite["status"], "failed", "{only_lite}");
    let error = only_lite["failure_detail"].to_string();
    assert!(error.contains("does not call tools"), "{error}");

    // The validator knows the catalogue: an unknown name, and a table model that cannot
    // call tools for a spec with tools, are refused with the field named.
    for (spec, field, words) in [
        (
            "name: x\nmodel:\n  name: gpt-7\ninstructions: Answer.\n",
            "spec.model.name",
            "unknown model `gpt-7`",
        ),
        (
            "name: x\nmodel:\n  name: sonar\ninstructions: Answer.\ntools: [calculator]\n",
            "spec.model.name",
            "`sonar` cannot call tools",
        ),
    ] {
        let (status, problem, _) = send(
            &app,
            reqwest::Method::POST,
            "/v1/agents",
            &admin,
            Some(json!({ "spec": spec })),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let error = &problem["errors"][0];
        assert_eq!(error["field"], field, "{problem}");
        assert!(
            error["message"].as_str().unwrap().contains(words),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn a_team_sets_its_routing_order_and_runs_follow_it() {
    let (_llm, app) = app_with_listed_models().await;
    let admin = key(&app, &["read", "run", "admin"]).await;
    let reader = key(&app, &["read", "run"]).await;
    let order = |providers: Value| Some(json!({ "providers": providers }));

    let (status, overview, _) =
        send(&app, reqwest::Method::GET, "/v1/providers", &reader, None).await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    assert_eq!(overview["chain"], json!(["demo"]), "the platform's order");
    assert_eq!(overview["team_order"], false);
    let demo = overview["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "demo")
        .unwrap();
    assert!(
        demo["models"]
            .as_array()
            .unwrap()
            .contains(&json!("demo-pro")),
        "{demo}"
    );

    // Only admins set it; bad orders change nothing.
    let put = |caller: &str, body| {
        let (app, caller) = (&app, caller.to_string());
        async move {
            send(
                app,
                reqwest::Method::PUT,
                "/v1/providers/order",
                &caller,
                body,
            )
            .await
        }
    };
    let (status, _, _) = put(&reader, order(json!(["openai", "demo"]))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for bad in [json!(["skynet"]), json!(["demo", "demo"])] {
        let (status, problem, _) = put(&admin, order(bad.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
    }

    // OpenAI first: not configured, so skipped (the trace says so) for the demo model.
    let (status, overview, _) = put(&admin, order(json!(["openai", "demo"]))).await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    assert_eq!(
        (&overview["chain"], &overview["team_order"]),
        (&json!(["openai", "demo"]), &json!(true))
    );
    let ran = run(&app, &admin, "name: Ordered\ninstructions: Answer.\n").await;
    assert_eq!(chosen(&ran), "demo-fast", "{ran}");
    let route = ran["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["kind"] == "route")
        .unwrap();
    assert_eq!(
        route["detail"]["chain"],
        json!(["openai", "demo"]),
        "{route}"
    );
    assert_eq!(
        route["detail"]["skipped"][0]["provider"], "openai",
        "{route}"
    );

    // Only OpenAI: nothing can take the run, and it says why.
    put(&admin, order(json!(["openai"]))).await;
    let stuck = run(&app, &admin, "name: Stuck\ninstructions: Answer.\n").await;
    assert_eq!(stuck["status"], "failed", "{stuck}");
    assert!(
        stuck["failure_detail"]
            .to_string()
            .contains("openai: not configured"),
        "{stuck}"
    );

    // Empty: the platform's order again.
    let (_, overview, _) = put(&admin, order(json!([]))).await;
    assert_eq!(
        (&overview["chain"], &overview["team_order"]),
        (&json!(["demo"]), &json!(false))
    );
}

#[tokio::test]
async fn azure_deployments_are_called_as_azure_serves_them_and_priced_as_their_model() {
    let azure = FakeLlm::start(
        "127.0.0.1:0",
        Options {
            required_key: Some("azure-key-1234".into()),
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let app = spawn_app_with(&[
        ("AZURE_OPENAI_ENDPOINT", &azure.base_url()),
        ("AZURE_OPENAI_API_KEY", "azure-key-1234"),
        ("AZURE_OPENAI_DEPLOYMENTS", "gpt-4o-mini"),
        ("ROUTER_CHAIN", "azure"),
    ])
    .await;
    app.sign_in_demo().await;
    let admin = key(&app, &["read", "run", "admin"]).await;
    let ran = run(&app, &admin, "name: On Azure\ninstructions: Answer.\n").await;
    assert_eq!(ran["status"], "succeeded", "{ran}");
    assert_eq!(chosen(&ran), "gpt-4o-mini", "{ran}");
    let call = ran["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["kind"] == "llm_call")
        .unwrap();
    assert_eq!(call["provider"], "azure");
    // OpenAI's price for the model the deployment serves.
    let (prompt, completion) = (
        call["prompt_tokens"].as_i64().unwrap(),
        call["completion_tokens"].as_i64().unwrap(),
    );
    assert_eq!(
        call["cost"],
        at(prompt, 150_000) + at(completion, 600_000),
        "{call}"
    );
    let request = azure
        .requests()
        .into_iter()
        .find(|r| r.path.contains("chat"))
        .expect("a chat call");
    assert_eq!(
        request.path,
        "/openai/deployments/gpt-4o-mini/chat/completions"
    );
    assert!(request.authorized, "the key went as api-key");
}
