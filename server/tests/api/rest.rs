//! The public REST API (`/v1`) with API keys: scopes, the same 401 for every bad key,
//! problem+json errors, another team's objects as 404, runs started and awaited.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine_helpers::fake;
use crate::helpers::{TestApp, spawn_app_with};

pub async fn key(app: &TestApp, scopes: &[&str]) -> String {
    let mut form = vec![("name", "test key")];
    form.extend(scopes.iter().map(|scope| (*scope, "on")));
    let created: Value = app.call("/api/api_keys/create", &form).await.unwrap();
    let key = created["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("agf_") && key.len() == 47, "{key}");
    assert_eq!(created["row"]["prefix"], key[..12]);
    key
}

pub async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value, String) {
    let mut request = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        content_type,
    )
}

#[tokio::test]
async fn api_keys_reach_the_same_agents_and_runs_as_the_web_app() {
    let llm = fake().await;
    let app = spawn_app_with(&[("DEMO_LLM_BASE_URL", &llm.base_url())]).await;
    app.sign_in_demo().await;
    let reader = key(&app, &["read", "run"]).await;
    let admin = key(&app, &["read", "run", "admin"]).await;

    let (status, agents, _) = send(&app, reqwest::Method::GET, "/v1/agents", &reader, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        agents["agents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "Idea Validator")
    );
    // Limits and headers come with every answer.
    let (status, _, _) = send(
        &app,
        reqwest::Method::GET,
        "/v1/agents?limit=500",
        &reader,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Scopes: a read/run key cannot create agents.
    let spec = json!({ "spec": { "name": "API agent", "instructions": "Answer {{input.q}}",
        "inputs": { "q": { "type": "string", "required": true } } } });
    let (status, problem, content_type) = send(
        &app,
        reqwest::Method::POST,
        "/v1/agents",
        &reader,
        Some(spec.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(problem["status"], 403);
    assert!(problem["detail"].as_str().unwrap().contains("`admin`"));

    // An invalid spec: every error, each its own entry; nothing created.
    let (status, problem, _) = send(
        &app,
        reqwest::Method::POST,
        "/v1/agents",
        &admin,
        Some(json!({ "spec": "name: x\ninstructions: 'Use {{input.nope}}'\ntools: [teleport]\n" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
    // Each names the field and where it is in the YAML, as the editor shows it.
    let tools = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"].as_str().unwrap().starts_with("spec.tools"))
        .unwrap_or_else(|| panic!("no error on the tools: {problem}"));
    assert_eq!(tools["line"], 3, "{problem}");
    assert!(tools["column"].as_u64().unwrap() > 0, "{problem}");
    // Unknown fields are refused.
    let (status, _, _) = send(
        &app,
        reqwest::Method::POST,
        "/v1/agents",
        &admin,
        Some(json!({ "spec": "name: x", "colour": "blue" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The spec as a JSON object; then a run, awaited.
    let (status, agent, _) = send(
        &app,
        reqwest::Method::POST,
        "/v1/agents",
        &admin,
        Some(spec),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{agent}");
    let id = agent["id"].as_str().unwrap();
    assert_eq!(agent["version"], 1);
    let (status, run, _) = send(
        &app,
        reqwest::Method::POST,
        &format!("/v1/agents/{id}/runs?wait=true"),
        &reader,
        Some(json!({ "input": { "q": "hello" } })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["status"], "succeeded");
    assert!(!run["steps"].as_array().unwrap().is_empty());
    let (status, listed, _) = send(
        &app,
        reqwest::Method::GET,
        &format!("/v1/agents/{id}/runs?status=succeeded"),
        &reader,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["runs"][0]["id"], run["id"]);
    // Bad input to a run: 422, and no run is made.
    let (status, _, _) = send(
        &app,
        reqwest::Method::POST,
        &format!("/v1/agents/{id}/runs"),
        &reader,
        Some(json!({ "input": { "q": 42 } })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A new version through PUT.
    let (status, updated, _) = send(
        &app,
        reqwest::Method::PUT,
        &format!("/v1/agents/{id}"),
        &admin,
        Some(json!({ "spec": "name: API agent v2\ninstructions: 'Answer {{input.q}}'\ninputs:\n  q: {type: string}\n" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["version"], 2);

    // Every bad key gets the same 401.
    let revoked = key(&app, &["read"]).await;
    let rows: Vec<Value> = app.call("/api/api_keys/list", &[]).await.unwrap();
    let revoked_id = rows.iter().find(|r| r["prefix"] == revoked[..12]).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let _: Value = app
        .call("/api/api_keys/revoke", &[("id", &revoked_id)])
        .await
        .unwrap();
    let forged = format!("agf_{}", "A".repeat(43));
    let mut bodies = Vec::new();
    for bad in [revoked.as_str(), forged.as_str(), "agf_short", "not-a-key"] {
        let (status, problem, _) = send(&app, reqwest::Method::GET, "/v1/agents", bad, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad}");
        bodies.push(problem);
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]));

    // Another team's key sees none of this team's objects.
    let (stranger, _) = app.signed_up("Stella Stranger").await;
    let theirs = key(&stranger, &["read", "run"]).await;
    for path in [
        format!("/v1/agents/{id}"),
        format!("/v1/runs/{}", run["id"].as_str().unwrap()),
    ] {
        let (status, _, _) = send(&app, reqwest::Method::GET, &path, &theirs, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _, _) = send(
        &app,
        reqwest::Method::GET,
        "/v1/nothing-here",
        &reader,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Versions, then archive: the agent leaves the list and cannot be run.
    let (status, versions, _) = send(
        &app,
        reqwest::Method::GET,
        &format!("/v1/agents/{id}/versions"),
        &reader,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(versions.as_array().unwrap().len(), 2);
    let (status, _, _) = send(
        &app,
        reqwest::Method::POST,
        &format!("/v1/agents/{id}/archive"),
        &reader,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = send(
        &app,
        reqwest::Method::POST,
        &format!("/v1/agents/{id}/archive"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = send(
        &app,
        reqwest::Method::POST,
        &format!("/v1/agents/{id}/runs"),
        &reader,
        Some(json!({ "input": { "q": "hello" } })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn agents_come_in_cursor_pages_and_keys_are_managed_through_the_api() {
    let app = spawn_app_with(&[]).await;
    app.sign_in_demo().await;
    let admin = key(&app, &["read", "run", "admin"]).await;
    for n in 0..5 {
        let spec = json!({ "spec": format!("name: Paged {n}\ninstructions: Say hi\n") });
        let (status, _, _) = send(
            &app,
            reqwest::Method::POST,
            "/v1/agents",
            &admin,
            Some(spec),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut path = "/v1/agents?limit=2".to_string();
    loop {
        let (status, page, _) = send(&app, reqwest::Method::GET, &path, &admin, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page["agents"].as_array().unwrap().len() <= 2);
        seen.extend(
            page["agents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/agents?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let unique: std::collections::HashSet<String> = seen.iter().map(|v| v.to_string()).collect();
    assert_eq!(unique.len(), seen.len(), "no agent twice");
    assert!(seen.len() >= 5);
    let (status, _, _) = send(
        &app,
        reqwest::Method::GET,
        "/v1/agents?cursor=garbage",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Keys: create (shown once), list (no secret), revoke; the revoked key stops at once.
    let (status, created, _) = send(
        &app,
        reqwest::Method::POST,
        "/v1/api-keys",
        &admin,
        Some(json!({ "name": "made by API", "scopes": ["read"], "monthly_budget_cents": 500 })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let new_key = created["key"].as_str().unwrap().to_string();
    assert_eq!(created["row"]["monthly_budget_cents"], 500);
    let (status, listed, _) = send(&app, reqwest::Method::GET, "/v1/api-keys", &admin, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!listed.to_string().contains(&new_key));
    let (status, _, _) = send(&app, reqwest::Method::GET, "/v1/usage", &new_key, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/v1/api-keys/{}", created["row"]["id"].as_str().unwrap()),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = send(&app, reqwest::Method::GET, "/v1/usage", &new_key, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, problem, _) = send(
        &app,
        reqwest::Method::POST,
        "/v1/api-keys",
        &admin,
        Some(json!({ "name": "", "scopes": [] })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "name");

    // Templates are public: no key needed; drafts stay hidden.
    let pool = app.owner_pool().await;
    for (slug, status) in [("market-scout", "published"), ("secret-draft", "draft")] {
        sqlx::query(
            "WITH t AS (
                INSERT INTO templates (team_id, slug, title, summary, category, status, published_at)
                SELECT id, $1, 'Market scout', 'Research a market and its competitors', 'research', $2, now()
                  FROM teams LIMIT 1 RETURNING id, team_id)
             INSERT INTO template_versions (template_id, version, team_id, spec_yaml)
             SELECT id, 1, team_id, 'name: Market scout' FROM t",
        )
        .bind(slug)
        .bind(status)
        .execute(&pool)
        .await
        .unwrap();
    }
    let response = reqwest::get(app.url("/v1/templates?q=competitors"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("x-ratelimit-limit"));
    let found: Value = response.json().await.unwrap();
    let slugs: Vec<&str> = found["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["market-scout"]);
    let one: Value = reqwest::get(app.url("/v1/templates/market-scout"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["spec_yaml"], "name: Market scout");
    let response = reqwest::get(app.url("/v1/templates/secret-draft"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // The reference: the OpenAPI document and its page, both public.
    let document: Value = reqwest::get(app.url("/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(document["paths"]["/v1/agents/{id}/runs"]["post"].is_object());
    let page = reqwest::get(app.url("/docs/api")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Chat completion (OpenAI format)")
    );
    let response = reqwest::get(app.url("/v1/templates/no-such-template"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
