//! Settings → Providers over HTTP: team keys are saved encrypted, shown masked, used by
//! runs instead of the operator's, and only admins may change them.

use std::time::Duration;

use fake_llm::{FakeLlm, Options};
use serde_json::Value;
use server::agents::store::create_agent;
use server::db::tenant::Tenant;
use server::runs::start_run;
use uuid::Uuid;

use crate::helpers::spawn_app_with;

/// A fake provider that answers only `key`, and its OpenAI-format base URL.
async fn fake_requiring(key: &str) -> (FakeLlm, String) {
    let llm = FakeLlm::start(
        "127.0.0.1:0",
        Options {
            required_key: Some(key.into()),
            token_delay: Duration::ZERO,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let base = format!("{}/v1", llm.base_url());
    (llm, base)
}

#[tokio::test]
async fn a_team_key_is_stored_sealed_shown_masked_and_used_by_runs() {
    let (llm, base) = fake_requiring("sk-team-key-5678").await;
    // The operator has no OpenAI key: only the team's key can make runs work.
    let app = spawn_app_with(&[
        ("OPENAI_BASE_URL", &base),
        ("ROUTER_CHAIN", "openai"),
        ("OLLAMA_BASE_URL", ""),
    ])
    .await;
    let (owner, _) = app.signed_up("Kim Keys").await;

    let list: Value = owner.call("/api/providers/list", &[]).await.unwrap();
    let openai = list["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "openai")
        .unwrap()
        .clone();
    assert_eq!(openai["operator_configured"], false);
    assert_eq!(openai["team_key"], Value::Null);
    assert_eq!(list["can_edit"], true);

    assert_eq!(
        owner
            .refused(
                "/api/providers/save_key",
                &[("provider", "openai"), ("key", "short")]
            )
            .await,
        422
    );
    assert_eq!(
        owner
            .refused(
                "/api/providers/save_key",
                &[("provider", "my-own-server"), ("key", "sk-team-key-5678")]
            )
            .await,
        422
    );
    // Bedrock's key is the AWS key id and secret together.
    assert_eq!(
        owner
            .refused(
                "/api/providers/save_key",
                &[("provider", "bedrock"), ("key", "AKIAONLYTHEID")]
            )
            .await,
        422
    );
    let _: Value = owner
        .call(
            "/api/providers/save_key",
            &[("provider", "openai"), ("key", "sk-team-key-5678")],
        )
        .await
        .unwrap();

    let list: Value = owner.call("/api/providers/list", &[]).await.unwrap();
    let openai = list["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "openai")
        .unwrap()
        .clone();
    assert_eq!(openai["team_key"], "••••5678");
    assert!(
        !list.to_string().contains("sk-team-key"),
        "the key is never sent back"
    );

    let db = app.owner_pool().await;
    let (team_id, user_id, ciphertext): (Uuid, Uuid, Vec<u8>) =
        sqlx::query_as("SELECT k.team_id, k.created_by, k.ciphertext FROM provider_keys k")
            .fetch_one(&db)
            .await
            .unwrap();
    assert!(
        !String::from_utf8_lossy(&ciphertext).contains("sk-team"),
        "stored encrypted"
    );

    // A run of this team goes out with the team's key.
    let pool = app.app_pool().await;
    let tenant = Tenant::member(user_id, team_id);
    let agent = create_agent(&pool, tenant, "name: K\ninstructions: Say hi\n")
        .await
        .unwrap();
    let run = start_run(&pool, tenant, agent, serde_json::Map::new(), None)
        .await
        .unwrap();
    let mut status = String::new();
    for _ in 0..200 {
        status = sqlx::query_scalar("SELECT status::text FROM runs WHERE id = $1")
            .bind(run)
            .fetch_one(&db)
            .await
            .unwrap();
        if status != "queued" && status != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "succeeded");
    assert!(llm.requests().iter().all(|r| r.authorized));

    let _: Value = owner
        .call("/api/providers/remove_key", &[("provider", "openai")])
        .await
        .unwrap();
    assert_eq!(
        owner
            .refused("/api/providers/remove_key", &[("provider", "openai")])
            .await,
        404
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'provider_key.%' ORDER BY created_at",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(actions, ["provider_key.saved", "provider_key.removed"]);
}

#[tokio::test]
async fn members_see_providers_but_cannot_change_keys() {
    let app = spawn_app_with(&[]).await;
    let (owner, _) = app.signed_up("Olga Owner").await;
    let link: String = owner
        .call("/api/teams/invite", &[("role", "member")])
        .await
        .unwrap();
    let (member, _) = app.signed_up("Mo Member").await;
    let token = link.trim_start_matches("/invite/");
    let _: Value = member
        .call("/api/teams/accept", &[("token", token)])
        .await
        .unwrap();
    let list: Value = member.call("/api/providers/list", &[]).await.unwrap();
    assert_eq!(list["can_edit"], false);
    assert_eq!(
        member
            .refused(
                "/api/providers/save_key",
                &[("provider", "openai"), ("key", "sk-member-1234")]
            )
            .await,
        403
    );
}

#[tokio::test]
async fn the_demo_model_is_announced() {
    let app = spawn_app_with(&[("DEMO_LLM_BASE_URL", "http://127.0.0.1:9")]).await;
    let (user, _) = app.signed_up("Dee Demo").await;
    let notice: Value = user.call("/api/providers/notice", &[]).await.unwrap();
    assert_eq!(notice["demo_model"], true);
    let response = user.get("/dashboard").await;
    let status = response.status();
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Demo model."),
        "the banner is not on the page ({status}): {}",
        page.chars().take(2000).collect::<String>()
    );

    let plain = spawn_app_with(&[]).await;
    let (user, _) = plain.signed_up("Rae Real").await;
    let notice: Value = user.call("/api/providers/notice", &[]).await.unwrap();
    assert_eq!(notice["demo_model"], false);
}

#[tokio::test]
async fn team_secrets_reach_custom_tools_in_real_runs() {
    let api = axum::Router::new().route(
        "/whoami",
        axum::routing::get(|headers: axum::http::HeaderMap| async move {
            headers
                .get("x-api-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
                .to_string()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let allow = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, api).await.unwrap() });
    let llm = FakeLlm::start("127.0.0.1:0", Options::default())
        .await
        .unwrap();
    llm.script(fake_llm::Behaviour::ToolCall {
        name: "whoami".into(),
        arguments: serde_json::json!({}),
    });
    let base = format!("{}/v1", llm.base_url());
    let app = spawn_app_with(&[
        ("OPENAI_BASE_URL", &base),
        ("OPENAI_API_KEY", "sk-op"),
        ("ROUTER_CHAIN", "openai"),
        ("OLLAMA_BASE_URL", ""),
        ("OUTBOUND_ALLOWLIST", &allow),
    ])
    .await;
    let (owner, _) = app.signed_up("Sam Secrets").await;
    assert_eq!(
        owner
            .refused(
                "/api/providers/save_secret",
                &[("name", "lower"), ("value", "x")]
            )
            .await,
        422
    );
    let _: Value = owner
        .call(
            "/api/providers/save_secret",
            &[("name", "CRM_KEY"), ("value", "crm-value-4321")],
        )
        .await
        .unwrap();
    let list: Value = owner.call("/api/providers/list", &[]).await.unwrap();
    assert_eq!(list["secrets"][0]["name"], "CRM_KEY");
    assert_eq!(list["secrets"][0]["masked"], "••••4321");

    let db = app.owner_pool().await;
    let (team_id, user_id): (Uuid, Uuid) =
        sqlx::query_as("SELECT team_id, created_by FROM team_secrets")
            .fetch_one(&db)
            .await
            .unwrap();
    let pool = app.app_pool().await;
    let spec = format!(
        "name: Who\ninstructions: Check who we are\ntools:\n  - name: whoami\n    description: Asks the API who we are\n    url: http://{allow}/whoami\n    headers:\n      X-Api-Key: {{secret: CRM_KEY}}\n"
    );
    let agent = create_agent(&pool, Tenant::member(user_id, team_id), &spec)
        .await
        .unwrap();
    let run = start_run(
        &pool,
        Tenant::member(user_id, team_id),
        agent,
        serde_json::Map::new(),
        None,
    )
    .await
    .unwrap();
    let mut output = None;
    for _ in 0..200 {
        output = sqlx::query_scalar::<_, Option<Value>>(
            "SELECT output FROM runs WHERE id = $1 AND status = 'succeeded'",
        )
        .bind(run)
        .fetch_optional(&db)
        .await
        .unwrap()
        .flatten();
        if output.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tool_output: String = sqlx::query_scalar(
        "SELECT detail->>'output' FROM run_steps WHERE run_id = $1 AND kind = 'tool_call'",
    )
    .bind(run)
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(
        tool_output.contains("crm-value-4321"),
        "the API received the secret: {tool_output}"
    );
    assert!(output.is_some());
}

/// The live status: each provider asked for its models (a call that costs nothing),
/// with the team's own key once it has one.
#[tokio::test]
async fn each_provider_answers_a_health_check_with_its_models() {
    let (_llm, base) = fake_requiring("sk-right-key-1234").await;
    let app = spawn_app_with(&[
        ("OPENAI_BASE_URL", &base),
        ("OPENAI_API_KEY", "sk-wrong-key-0000"),
        // A local server that is not running.
        ("OLLAMA_BASE_URL", "http://127.0.0.1:9"),
    ])
    .await;
    let (owner, _) = app.signed_up("Hana Health").await;
    let state = |health: &Value, id: &str| {
        let row = health
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()
            .clone();
        (row["state"].as_str().unwrap().to_string(), row)
    };

    let health: Value = owner.call("/api/providers/check", &[]).await.unwrap();
    assert_eq!(state(&health, "openai").0, "KeyRefused", "{health}");
    assert_eq!(state(&health, "anthropic").0, "NotConfigured");
    assert_eq!(state(&health, "local").0, "Unreachable");

    let _: Value = owner
        .call(
            "/api/providers/save_key",
            &[("provider", "openai"), ("key", "sk-right-key-1234")],
        )
        .await
        .unwrap();
    let health: Value = owner.call("/api/providers/check", &[]).await.unwrap();
    let (openai, row) = state(&health, "openai");
    assert_eq!(openai, "Reachable", "{row}");
    assert!(row["latency_ms"].is_u64());
    assert!(
        row["models"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "gpt-4o-mini"),
        "{row}"
    );
}
