//! Agents and runs through the web app's server functions: list, create from a spec,
//! open, run from the console's form, follow the run, roles.

use std::time::Duration;

use serde_json::Value;

use crate::engine_helpers::fake;
use crate::helpers::spawn_app_with;

const SPEC: &str = "name: Helper\ninstructions: 'Answer {{input.question}}'\ninputs:\n  question: {type: string, required: true}\n  times: {type: integer}\n";

#[tokio::test]
async fn an_owner_creates_an_agent_runs_it_and_reads_the_run() {
    let llm = fake().await;
    let base = format!("{}/v1", llm.base_url());
    let app = spawn_app_with(&[
        ("OPENAI_BASE_URL", &base),
        ("OPENAI_API_KEY", "k"),
        ("ROUTER_CHAIN", "openai"),
        ("OLLAMA_BASE_URL", ""),
    ])
    .await;
    app.sign_in_demo().await;

    let seeded: Vec<Value> = app.call("/api/agents/list", &[]).await.unwrap();
    let names: Vec<&str> = seeded.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"Idea Validator") && names.contains(&"Market Research Agent"),
        "{names:?}"
    );
    let found: Vec<Value> = app
        .call("/api/agents/list", &[("search", "idea")])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);

    let (status, body) = app
        .call::<Value>(
            "/api/agents/create",
            &[("spec", "name: Broken\ntools: [teleport]\n")],
        )
        .await
        .unwrap_err();
    assert_eq!(status, 422);
    // Every problem with its place, as the editor marks it.
    let problems: Value = serde_json::from_str(&body).unwrap();
    let tools = problems["InvalidSpec"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "tools[0]")
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(tools["line"], 2, "{body}");
    assert!(tools["message"].as_str().unwrap().contains("teleport"));

    let response = app.post_form("/api/agents/create", &[("spec", SPEC)]).await;
    let agent_id: String = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    let agent: Value = app
        .call("/api/agents/get", &[("id", &agent_id)])
        .await
        .unwrap();
    assert_eq!(agent["name"], "Helper");
    assert_eq!(agent["inputs"][0]["name"], "question");

    let refused = app
        .call::<Value>(
            "/api/agents/run",
            &[("agent_id", &agent_id), ("values[times]", "many")],
        )
        .await
        .unwrap_err();
    assert_eq!(refused.0, 422, "{}", refused.1);
    let response = app
        .post_form(
            "/api/agents/run",
            &[
                ("agent_id", &agent_id),
                ("values[question]", "why?"),
                ("values[times]", "2"),
            ],
        )
        .await;
    let run_id: String = serde_json::from_str(&response.text().await.unwrap()).unwrap();

    let mut run = Value::Null;
    for _ in 0..200 {
        run = app.call("/api/runs/get", &[("id", &run_id)]).await.unwrap();
        if run["status"] == "succeeded" || run["status"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        run["input"],
        serde_json::json!({"question": "why?", "times": 2})
    );
    assert!(run["output"].as_str().unwrap().contains("why?"));
    assert!(
        run["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "llm_call")
    );
    let page = app
        .get(&format!("/runs/{run_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("succeeded") && page.contains("Model call"),
        "the permalink renders the recorded run"
    );

    let runs: Value = app
        .call("/api/runs/list", &[("agent_id", &agent_id)])
        .await
        .unwrap();
    assert_eq!(runs["runs"][0]["id"], run_id.as_str());
}

#[tokio::test]
async fn members_run_agents_but_do_not_create_them() {
    let app = spawn_app_with(&[]).await;
    let (owner, _) = app.signed_up("Ola Owner").await;
    let link: String = owner
        .call("/api/teams/invite", &[("role", "member")])
        .await
        .unwrap();
    let (member, _) = app.signed_up("Max Member").await;
    let _: Value = member
        .call(
            "/api/teams/accept",
            &[("token", link.trim_start_matches("/invite/"))],
        )
        .await
        .unwrap();
    assert_eq!(
        member
            .refused("/api/agents/create", &[("spec", SPEC)])
            .await,
        403
    );
    let list: Vec<Value> = member.call("/api/agents/list", &[]).await.unwrap();
    assert!(list.is_empty());
    assert_eq!(
        member
            .refused(
                "/api/runs/get",
                &[("id", &uuid::Uuid::new_v4().to_string())]
            )
            .await,
        404
    );
}

#[tokio::test]
async fn saving_creates_immutable_versions_that_can_be_compared_and_restored() {
    let app = spawn_app_with(&[]).await;
    app.sign_in_demo().await;
    let response = app.post_form("/api/agents/create", &[("spec", SPEC)]).await;
    let agent_id: String = serde_json::from_str(&response.text().await.unwrap()).unwrap();

    let edited = SPEC.replace("Answer", "Answer politely");
    let version: i32 = app
        .call(
            "/api/agents/save_version",
            &[("agent_id", &agent_id), ("spec", &edited)],
        )
        .await
        .unwrap();
    assert_eq!(version, 2);
    let (status, _) = app
        .call::<Value>(
            "/api/agents/save_version",
            &[("agent_id", &agent_id), ("spec", "name: x\n")],
        )
        .await
        .unwrap_err();
    assert_eq!(status, 422, "an invalid spec creates no version");

    let pair: Value = app
        .call(
            "/api/agents/compare",
            &[("agent_id", &agent_id), ("old", "1"), ("new", "2")],
        )
        .await
        .unwrap();
    assert_eq!(pair["old"][1], SPEC);
    assert_eq!(pair["new"][1], edited.as_str());

    let restored: i32 = app
        .call(
            "/api/agents/restore_version",
            &[("agent_id", &agent_id), ("version", "1")],
        )
        .await
        .unwrap();
    assert_eq!(restored, 3);
    let agent: Value = app
        .call("/api/agents/get", &[("id", &agent_id)])
        .await
        .unwrap();
    assert_eq!(agent["version"], 3);
    assert_eq!(agent["spec_yaml"], SPEC);
    let versions: Vec<i64> = agent["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [3, 2, 1]);
    assert_eq!(agent["versions"][0]["author"], "Demo User");

    // Old versions cannot be rewritten, even by a direct UPDATE as the application role.
    let pool = app.app_pool().await;
    let denied = sqlx::query("UPDATE agent_versions SET spec_yaml = 'x'")
        .execute(&pool)
        .await;
    assert!(
        denied.is_err(),
        "the application role may not update versions"
    );
}

#[tokio::test]
async fn runs_are_listed_by_status_a_page_at_a_time() {
    // No provider answers here: every run fails quickly, which is all this needs.
    let app = spawn_app_with(&[("OLLAMA_BASE_URL", ""), ("ROUTER_CHAIN", "openai")]).await;
    app.sign_in_demo().await;
    let response = app.post_form("/api/agents/create", &[("spec", SPEC)]).await;
    let agent_id: String = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    for _ in 0..23 {
        let _: String = app
            .call(
                "/api/agents/run",
                &[("agent_id", &agent_id), ("values[question]", "q")],
            )
            .await
            .unwrap();
    }
    let first: Value = app
        .call("/api/runs/list", &[("agent_id", &agent_id)])
        .await
        .unwrap();
    assert_eq!(first["runs"].as_array().unwrap().len(), 20);
    let cursor = first["next_before"].as_str().unwrap().to_string();
    let second: Value = app
        .call(
            "/api/runs/list",
            &[("agent_id", &agent_id), ("before", &cursor)],
        )
        .await
        .unwrap();
    assert_eq!(second["runs"].as_array().unwrap().len(), 3);
    assert_eq!(second["next_before"], Value::Null);
    let ids = |page: &Value| {
        page["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(
        ids(&second).iter().all(|id| !ids(&first).contains(id)),
        "pages do not overlap"
    );

    let mut failed = Value::Null;
    for _ in 0..200 {
        failed = app
            .call(
                "/api/runs/list",
                &[("agent_id", &agent_id), ("status", "failed")],
            )
            .await
            .unwrap();
        if failed["runs"].as_array().unwrap().len() == 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(failed["runs"].as_array().unwrap().len(), 20);
    assert!(
        failed["runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "failed")
    );
    assert_eq!(
        app.refused(
            "/api/runs/list",
            &[("agent_id", &agent_id), ("status", "exploded")]
        )
        .await,
        422
    );
    assert_eq!(
        app.refused(
            "/api/runs/list",
            &[("agent_id", &agent_id), ("before", "yesterday")]
        )
        .await,
        422
    );
}

#[tokio::test]
async fn runs_are_filtered_by_day_and_agents_sorted() {
    let app = spawn_app_with(&[("OLLAMA_BASE_URL", ""), ("ROUTER_CHAIN", "openai")]).await;
    app.sign_in_demo().await;
    let spec = SPEC.replace("Helper", "Aardvark helper");
    let response = app
        .post_form("/api/agents/create", &[("spec", &spec)])
        .await;
    let agent_id: String = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    let mut runs = Vec::new();
    for _ in 0..3 {
        let id: String = app
            .call(
                "/api/agents/run",
                &[("agent_id", &agent_id), ("values[question]", "q")],
            )
            .await
            .unwrap();
        runs.push(id);
    }
    // One run from early March, one from the 10th of March (its last second).
    let owner = app.owner_pool().await;
    for (id, at) in [
        (&runs[0], "2026-03-02T12:00:00Z"),
        (&runs[1], "2026-03-10T23:59:59Z"),
    ] {
        sqlx::query("UPDATE runs SET created_at = $2::timestamptz WHERE id = $1::uuid")
            .bind(id)
            .bind(at)
            .execute(&owner)
            .await
            .unwrap();
    }
    let listed = |page: Value| -> Vec<String> {
        page["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    let page = |from: &'static str, to: &'static str| {
        let app = &app;
        let agent_id = agent_id.clone();
        async move {
            app.call::<Value>(
                "/api/runs/list",
                &[("agent_id", &agent_id), ("from", from), ("to", to)],
            )
            .await
            .unwrap()
        }
    };
    assert_eq!(
        listed(page("2026-03-01", "2026-03-10").await),
        vec![runs[1].clone(), runs[0].clone()]
    );
    assert_eq!(
        listed(page("2026-03-03", "2026-03-10").await),
        vec![runs[1].clone()]
    );
    assert_eq!(
        listed(page("2026-03-01", "2026-03-09").await),
        vec![runs[0].clone()]
    );
    assert_eq!(listed(page("2026-03-11", "").await), vec![runs[2].clone()]);
    for (from, to) in [
        ("2026-03-10", "2026-03-01"),
        ("March", ""),
        ("2026-04-31", ""),
    ] {
        assert_eq!(
            app.refused(
                "/api/runs/list",
                &[("agent_id", &agent_id), ("from", from), ("to", to)]
            )
            .await,
            422,
            "{from}..{to}"
        );
    }

    let names = |sort: &'static str| {
        let app = &app;
        async move {
            let list: Vec<Value> = app
                .call("/api/agents/list", &[("sort", sort)])
                .await
                .unwrap();
            list.iter()
                .map(|a| a["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let by_name = names("name").await;
    let mut sorted = by_name.clone();
    sorted.sort_by_key(|name| name.to_lowercase());
    assert_eq!(by_name, sorted);
    assert_eq!(by_name[0], "Aardvark helper");
    assert_eq!(
        names("last_run").await[0],
        "Aardvark helper",
        "the only agent run"
    );
    assert_eq!(
        names("updated").await[0],
        "Aardvark helper",
        "the newest agent"
    );
    assert_eq!(
        app.refused("/api/agents/list", &[("sort", "price")]).await,
        422
    );
}
