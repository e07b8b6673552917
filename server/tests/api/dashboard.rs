//! The dashboard against runs made in the test: its figures equal the runs themselves,
//! the roll-ups agree with the runs table, ranges are checked, a new team gets the empty
//! state, and the quota bar warns near the limit.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::engine_helpers::fake;
use crate::helpers::{TestApp, spawn_app_with};
use crate::rest::{key, send};

async fn dashboard(app: &TestApp, form: &[(&str, &str)]) -> Value {
    app.call("/api/dashboard", form).await.unwrap()
}

async fn demo_team(pool: &PgPool) -> Uuid {
    sqlx::query_scalar(
        "SELECT m.team_id FROM team_members m JOIN users u ON u.id = m.user_id WHERE u.email = $1",
    )
    .bind(server::demo::DEMO_EMAIL)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Every team's roll-ups, summed per team and day, against the runs that ended.
async fn assert_roll_ups_match_runs(pool: &PgPool) {
    let from_runs: Vec<(Uuid, chrono::NaiveDate, i64, i64, i64)> = sqlx::query_as(
        "SELECT team_id, (finished_at AT TIME ZONE 'utc')::date, count(*),
                count(*) FILTER (WHERE status = 'failed'), sum(cost_micro_usd)::bigint
           FROM runs WHERE finished_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let from_outcomes: Vec<(Uuid, chrono::NaiveDate, i64, i64)> = sqlx::query_as(
        "SELECT team_id, day, sum(runs)::bigint, (sum(runs) FILTER (WHERE status = 'failed'))::bigint
           FROM run_outcomes_daily GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(team, day, runs, failed): (Uuid, _, i64, Option<i64>)| (team, day, runs, failed.unwrap_or(0)))
    .collect();
    let from_latencies: Vec<(Uuid, chrono::NaiveDate, i64)> = sqlx::query_as(
        "SELECT team_id, day, (SELECT sum(c) FROM unnest(counts) c)::bigint
           FROM run_latency_daily ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let from_usage: Vec<(Uuid, chrono::NaiveDate, i64, i64)> = sqlx::query_as(
        "SELECT team_id, day, sum(runs)::bigint, sum(failures)::bigint
           FROM usage_daily GROUP BY 1, 2 HAVING sum(runs) > 0 ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let runs: Vec<(Uuid, chrono::NaiveDate, i64, i64)> = from_runs
        .iter()
        .map(|(team, day, runs, failed, _)| (*team, *day, *runs, *failed))
        .collect();
    assert_eq!(runs, from_outcomes, "run_outcomes_daily differs from runs");
    assert_eq!(runs, from_usage, "usage_daily differs from runs");
    let counted: Vec<(Uuid, chrono::NaiveDate, i64)> = runs
        .iter()
        .map(|(team, day, runs, _)| (*team, *day, *runs))
        .collect();
    assert_eq!(
        counted, from_latencies,
        "run_latency_daily differs from runs"
    );
    // Cost of runs: what the runs carry equals what the roll-up has for them (agent rows).
    let run_cost: i64 = from_runs.iter().map(|r| r.4).sum();
    let rolled: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(cost_micro_usd), 0)::bigint FROM usage_daily WHERE agent_id IS NOT NULL",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(run_cost, rolled);
}

#[tokio::test]
async fn the_dashboard_counts_what_ran() {
    let llm = fake().await;
    let app = spawn_app_with(&[("DEMO_LLM_BASE_URL", &llm.base_url())]).await;
    app.sign_in_demo().await;
    let caller = key(&app, &["read", "run", "admin"]).await;

    let spec = json!({ "spec": { "name": "Counted", "instructions": "Answer {{input.q}}",
        "inputs": { "q": { "type": "string", "required": true } } } });
    let (status, agent, _) = send(&app, Method::POST, "/v1/agents", &caller, Some(spec)).await;
    assert_eq!(status, StatusCode::CREATED, "{agent}");
    let runs = format!(
        "/v1/agents/{}/runs?wait=true",
        agent["id"].as_str().unwrap()
    );
    for q in [
        "one",
        "two",
        "three",
        "[fake:status=400] four",
        "[fake:status=400] five",
    ] {
        let (status, run, _) = send(
            &app,
            Method::POST,
            &runs,
            &caller,
            Some(json!({ "input": { "q": q } })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{run}");
    }
    let (status, _, _) = send(
        &app,
        Method::POST,
        "/v1/chat/completions",
        &caller,
        Some(json!({"model": "cheap", "messages": [{"role": "user", "content": "Say hello"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // The gateway's usage is written off the request path, about once a second.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let pool = app.owner_pool().await;
    let team = demo_team(&pool).await;
    let (runs, failed, cost): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE status = 'failed'), sum(cost_micro_usd)::bigint
           FROM runs WHERE team_id = $1 AND finished_at IS NOT NULL",
    )
    .bind(team)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(runs >= 5 && failed >= 2, "{runs} runs, {failed} failed");
    let gateway_cost: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(cost_micro_usd), 0)::bigint FROM usage_daily WHERE team_id = $1 AND agent_id IS NULL",
    )
    .bind(team)
    .fetch_one(&pool)
    .await
    .unwrap();

    let board = dashboard(&app, &[("range", "7")]).await;
    assert_eq!(board["has_activity"], true);
    assert_eq!(board["days"].as_array().unwrap().len(), 7);
    let current = &board["current"];
    assert_eq!(current["runs"], runs);
    assert_eq!(current["failed"], failed);
    assert_eq!(current["succeeded"], runs - failed);
    assert_eq!(current["cost"], cost + gateway_cost);
    assert_eq!(current["gateway_requests"], 1);
    assert!(current["p95_latency_ms"].as_i64().unwrap() >= 1);
    assert_eq!(board["previous"]["runs"], 0);
    // Failures by reason, as the runs say.
    let reasons: Vec<(String, i64)> = sqlx::query_as(
        "SELECT failure_reason, count(*) FROM runs WHERE team_id = $1 AND status = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    .bind(team)
    .fetch_all(&pool)
    .await
    .unwrap();
    let shown: Vec<(String, i64)> = board["failure_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["reason"].as_str().unwrap().to_string(),
                r["runs"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(shown, reasons);
    assert!(
        board["failure_reasons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["previous"] == 0)
    );
    // Today's bars hold today's runs; the runs chart sums to the runs.
    let today = |series: &Value| -> i64 {
        series
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["values"][6].as_i64().unwrap())
            .sum()
    };
    assert_eq!(today(&board["runs_by_model"]), runs);
    assert_eq!(today(&board["outcomes"]), runs);
    assert_eq!(board["outcomes"][1]["values"][6], failed);
    let counted = board["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Counted")
        .unwrap();
    assert_eq!(
        (counted["runs"].as_i64(), counted["failed"].as_i64()),
        (Some(5), Some(2))
    );
    assert_eq!(
        board["recent_failures"].as_array().unwrap().len() as i64,
        failed.min(5)
    );
    assert_eq!(board["recent_failures"][0]["agent_name"], "Counted");
    let keys = board["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["requests"], 1);
    assert_eq!(keys[0]["prefix"], caller[..12]);
    assert_eq!(board["quota"]["runs"], runs);

    assert_roll_ups_match_runs(&pool).await;

    // Other ranges: custom days that hold nothing, and bad input refused.
    let empty = dashboard(
        &app,
        &[
            ("range", "custom"),
            ("from", "2025-01-01"),
            ("to", "2025-01-31"),
        ],
    )
    .await;
    assert_eq!(empty["current"]["runs"], 0);
    assert_eq!(empty["days"].as_array().unwrap().len(), 31);
    assert_eq!(empty["has_activity"], true);
    assert_eq!(app.refused("/api/dashboard", &[("range", "8")]).await, 422);
    assert_eq!(
        app.refused(
            "/api/dashboard",
            &[
                ("range", "custom"),
                ("from", "2026-02-01"),
                ("to", "2026-01-01")
            ]
        )
        .await,
        422
    );
    assert_eq!(
        app.refused(
            "/api/dashboard",
            &[
                ("range", "custom"),
                ("from", "2020-01-01"),
                ("to", "2026-01-01")
            ]
        )
        .await,
        422
    );
}

#[tokio::test]
async fn a_new_team_sees_the_empty_state_and_the_quota_warns_near_its_limit() {
    let app = spawn_app_with(&[]).await;
    let (newcomer, _) = app.signed_up("Nadia New").await;
    let board = dashboard(&newcomer, &[]).await;
    assert_eq!(board["has_activity"], false);
    assert_eq!(board["days"].as_array().unwrap().len(), 30);
    let page = newcomer.get("/dashboard").await.text().await.unwrap();
    assert!(page.contains("No runs yet"), "{page}");

    // 85 of the free plan's 100 runs used this month: the bar warns.
    app.sign_in_demo().await;
    let pool = app.owner_pool().await;
    let team = demo_team(&pool).await;
    sqlx::query(
        "INSERT INTO usage_periods (team_id, period_start, runs)
         VALUES ($1, date_trunc('month', now() AT TIME ZONE 'utc')::date, 85)
         ON CONFLICT (team_id, period_start) DO UPDATE SET runs = 85",
    )
    .bind(team)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO run_outcomes_daily (team_id, day, status, reason, runs, latency_ms_sum)
         VALUES ($1, (now() AT TIME ZONE 'utc')::date, 'succeeded', '', 1, 900)",
    )
    .bind(team)
    .execute(&pool)
    .await
    .unwrap();
    let page = app.get("/dashboard?range=7").await.text().await.unwrap();
    assert!(page.contains("85 of 100"), "{page}");
    assert!(
        page.contains("85 % of runs used: the limit is near."),
        "{page}"
    );
}
