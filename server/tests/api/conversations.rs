//! Conversations over the REST API, through the running server, its worker and the fake
//! provider: turns remember what came before, older turns fold into a summary within
//! the spec's budget, one turn at a time, the conversation's cost ceiling, pages, and
//! another team's conversation as a 404.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::engine_helpers::fake;
use crate::helpers::{TestApp, spawn_app_with};
use crate::rest::{key as new_key, send};

pub async fn agent(app: &TestApp, key: &str, spec: Value) -> String {
    let (status, created, _) = send(
        app,
        Method::POST,
        "/v1/agents",
        key,
        Some(json!({ "spec": spec })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_string()
}

/// Sends a message and waits for its turn; returns the turn.
async fn say(app: &TestApp, key: &str, conversation: &str, content: &str) -> Value {
    let (status, turn, _) = send(
        app,
        Method::POST,
        &format!("/v1/conversations/{conversation}/messages?wait=true"),
        key,
        Some(json!({ "content": content })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{turn}");
    turn
}

/// The chat requests the fake provider received, oldest first.
async fn provider_requests(llm: &fake_llm::FakeLlm) -> Vec<Value> {
    let requests: Value = reqwest::get(format!("{}/_fake/requests", llm.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    requests.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_conversation_remembers_its_turns_and_folds_old_ones_into_a_summary() {
    let llm = fake().await;
    let app = spawn_app_with(&[("DEMO_LLM_BASE_URL", &llm.base_url())]).await;
    app.sign_in_demo().await;
    let key = new_key(&app, &["read", "run", "admin"]).await;
    let id = agent(
        &app,
        &key,
        json!({ "name": "Pen pal", "instructions": "You are a friendly pen pal.",
                "model": { "history_tokens": 500 } }),
    )
    .await;

    let (status, conversation, _) = send(
        &app,
        Method::POST,
        &format!("/v1/agents/{id}/conversations"),
        &key,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{conversation}");
    let conversation = conversation["id"].as_str().unwrap().to_string();

    let first = say(
        &app,
        &key,
        &conversation,
        "[fake:reply=Nice to meet you, Ada] My name is Ada",
    )
    .await;
    assert_eq!(first["answer"]["content"], "Nice to meet you, Ada");
    assert_eq!(first["answer"]["role"], "assistant");
    assert_eq!(first["message"]["status"], "succeeded");
    assert_eq!(first["message"]["seq"], 1);

    // The second turn sends the first exchange along.
    let second = say(&app, &key, &conversation, "What is my name?").await;
    assert_eq!(second["answer"]["seq"], 4);
    let requests = provider_requests(&llm).await;
    let last = requests.last().unwrap().to_string();
    assert!(last.contains("My name is Ada"), "{last}");
    assert!(last.contains("Nice to meet you, Ada"), "{last}");
    assert!(last.contains("What is my name?"), "{last}");

    // The title comes from the first message; the cost adds up.
    let (_, got, _) = send(
        &app,
        Method::GET,
        &format!("/v1/conversations/{conversation}"),
        &key,
        None,
    )
    .await;
    assert!(
        got["title"].as_str().unwrap().contains("My name is Ada"),
        "{got}"
    );
    assert!(got["cost"].as_i64().unwrap() > 0, "{got}");
    assert_eq!(got["answering"], false);

    // Long turns outgrow the 500-token budget: the oldest fold into a summary, written
    // by the model in a step of its own, and the model is never sent more than fits.
    let long = "Here is a long story about my garden and its tomatoes. ".repeat(12);
    let mut summarised = None;
    for _ in 0..4 {
        let turn = say(&app, &key, &conversation, &long).await;
        let run = turn["run_id"].as_str().unwrap();
        let (_, detail, _) = send(&app, Method::GET, &format!("/v1/runs/{run}"), &key, None).await;
        if detail["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["node"] == "memory")
        {
            summarised = Some(run.to_string());
            break;
        }
    }
    assert!(summarised.is_some(), "no turn needed a summary");
    let requests = provider_requests(&llm).await;
    let answered = requests.last().unwrap().to_string();
    assert!(
        answered.contains("The conversation so far, summarised"),
        "{answered}"
    );
    assert!(
        !answered.contains("My name is Ada"),
        "folded turns were sent as they were"
    );
    // ~4 bytes a token: the turn's request stays within budget and instructions.
    let sent: usize = requests.last().unwrap()["body"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].to_string().len())
        .sum();
    assert!(sent < 500 * 4 + 1_000, "{sent} bytes of messages");

    // Messages page back from the newest, oldest first within a page.
    let (_, page, _) = send(
        &app,
        Method::GET,
        &format!("/v1/conversations/{conversation}/messages"),
        &key,
        None,
    )
    .await;
    let seqs: Vec<i64> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs.first(), Some(&1));
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    let (_, earlier, _) = send(
        &app,
        Method::GET,
        &format!("/v1/conversations/{conversation}/messages?before=3"),
        &key,
        None,
    )
    .await;
    let seqs: Vec<i64> = earlier["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![1, 2]);
    assert!(earlier["next_before"].is_null());

    // Listed under the agent, renamed, archived (and then read-only).
    let (_, listed, _) = send(
        &app,
        Method::GET,
        &format!("/v1/agents/{id}/conversations"),
        &key,
        None,
    )
    .await;
    assert_eq!(listed["conversations"][0]["id"], conversation.as_str());
    let (status, renamed, _) = send(
        &app,
        Method::PATCH,
        &format!("/v1/conversations/{conversation}"),
        &key,
        Some(json!({ "title": "About Ada", "archived": true })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["title"], "About Ada");
    assert_eq!(renamed["archived"], true);
    let (status, refused, _) = send(
        &app,
        Method::POST,
        &format!("/v1/conversations/{conversation}/messages"),
        &key,
        Some(json!({ "content": "Still there?" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (_, listed, _) = send(
        &app,
        Method::GET,
        &format!("/v1/agents/{id}/conversations"),
        &key,
        None,
    )
    .await;
    assert!(
        listed["conversations"].as_array().unwrap().is_empty(),
        "{listed}"
    );

    // Another team's conversation is not found.
    let (other, _) = app.signed_up("Other team").await;
    let other_key = new_key(&other, &["read", "run"]).await;
    let (status, _, _) = send(
        &app,
        Method::GET,
        &format!("/v1/conversations/{conversation}"),
        &other_key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = send(
        &app,
        Method::POST,
        &format!("/v1/conversations/{conversation}/messages"),
        &other_key,
        Some(json!({ "content": "hello" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_turn_at_a_time_bad_messages_and_the_cost_ceiling_are_refused_clearly() {
    let llm = fake().await;
    let app = spawn_app_with(&[("DEMO_LLM_BASE_URL", &llm.base_url())]).await;
    app.sign_in_demo().await;
    let key = new_key(&app, &["read", "run", "admin"]).await;
    let id = agent(
        &app,
        &key,
        json!({ "name": "Thrifty", "instructions": "Answer briefly.",
                "invariants": [ { "max_conversation_cost_usd": "0.000001" } ] }),
    )
    .await;
    let (_, conversation, _) = send(
        &app,
        Method::POST,
        &format!("/v1/agents/{id}/conversations"),
        &key,
        Some(json!({ "title": "Budget" })),
    )
    .await;
    let conversation = conversation["id"].as_str().unwrap().to_string();
    let messages = format!("/v1/conversations/{conversation}/messages");

    for bad in [
        json!({ "content": "   " }),
        json!({ "content": "x".repeat(20_001) }),
    ] {
        let (status, problem, _) = send(&app, Method::POST, &messages, &key, Some(bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    }

    // While a turn runs, another message waits its turn: refused, not queued.
    let (status, slow, _) = send(
        &app,
        Method::POST,
        &messages,
        &key,
        Some(json!({ "content": "[fake:slow=1500] Take your time" })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{slow}");
    let (status, busy, _) = send(
        &app,
        Method::POST,
        &messages,
        &key,
        Some(json!({ "content": "Hurry" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{busy}");
    assert!(
        busy["detail"].as_str().unwrap().contains("still answering"),
        "{busy}"
    );
    let (_, page, _) = send(&app, Method::GET, &messages, &key, None).await;
    assert_eq!(
        page["messages"].as_array().unwrap().len(),
        1,
        "the refused message was kept"
    );

    // The slow turn ends; its cost reaches the ceiling, and the next message says so.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, got, _) = send(
            &app,
            Method::GET,
            &format!("/v1/conversations/{conversation}"),
            &key,
            None,
        )
        .await;
        if got["answering"] == false {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the turn did not end");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (status, capped, _) = send(
        &app,
        Method::POST,
        &messages,
        &key,
        Some(json!({ "content": "One more?" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{capped}");
    assert!(
        capped["detail"].as_str().unwrap().contains("ceiling"),
        "{capped}"
    );

    // A workflow has no single voice to chat with.
    let flow = agent(
        &app,
        &key,
        json!("name: Flow\nkind: workflow\nentry: a\nnodes:\n  a: {instructions: Say hi}\n"),
    )
    .await;
    let (status, problem, _) = send(
        &app,
        Method::POST,
        &format!("/v1/agents/{flow}/conversations"),
        &key,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem.to_string().contains("workflow"), "{problem}");
}

#[tokio::test]
async fn an_agent_answers_on_the_gateway_as_a_model_whole_and_streamed() {
    let llm = fake().await;
    let app = spawn_app_with(&[("DEMO_LLM_BASE_URL", &llm.base_url())]).await;
    app.sign_in_demo().await;
    let key = new_key(&app, &["read", "run", "admin"]).await;
    agent(
        &app,
        &key,
        json!({ "name": "Support Bot", "instructions": "You help with orders." }),
    )
    .await;

    let conversation = json!([
        { "role": "system", "content": "Ignored: the agent has its own instructions." },
        { "role": "user", "content": "My order is number 42" },
        { "role": "assistant", "content": "Noted, order 42." },
        { "role": "user", "content": "[fake:reply=Order 42 ships today] When does it ship?" },
    ]);
    let (status, answer, _) = send(
        &app,
        Method::POST,
        "/v1/chat/completions",
        &key,
        Some(json!({ "model": "agent:support-bot", "messages": conversation })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["object"], "chat.completion");
    assert_eq!(answer["model"], "agent:support-bot");
    assert_eq!(
        answer["choices"][0]["message"]["content"],
        "Order 42 ships today"
    );
    assert!(
        answer["usage"]["total_tokens"].as_i64().unwrap() > 0,
        "{answer}"
    );
    // The client's messages were the conversation the agent saw.
    let seen = provider_requests(&llm).await.last().unwrap().to_string();
    assert!(
        seen.contains("My order is number 42") && seen.contains("Noted, order 42."),
        "{seen}"
    );
    assert!(seen.contains("You help with orders."), "{seen}");

    // Streamed: OpenAI's chunks, the answer's text in order, then [DONE].
    let streamed = reqwest::Client::new()
        .post(app.url("/v1/chat/completions"))
        .bearer_auth(&key)
        .json(&json!({ "model": "agent:Support Bot", "stream": true,
            "stream_options": { "include_usage": true },
            "messages": [{ "role": "user", "content": "[fake:reply=Streaming works fine] Hi" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), StatusCode::OK);
    let body = streamed.text().await.unwrap();
    let datas: Vec<&str> = body
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .collect();
    assert_eq!(datas.last(), Some(&"[DONE]"), "{body}");
    let chunks: Vec<Value> = datas
        .iter()
        .filter_map(|d| serde_json::from_str(d).ok())
        .collect();
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "Streaming works fine");
    assert!(
        chunks
            .iter()
            .any(|c| c["choices"][0]["finish_reason"] == "stop"),
        "{body}"
    );
    assert!(
        chunks
            .iter()
            .any(|c| c["usage"]["total_tokens"].as_i64().unwrap_or(0) > 0),
        "{body}"
    );

    // Each request was kept as a conversation with the agent.
    let (_, agents, _) = send(&app, Method::GET, "/v1/agents", &key, None).await;
    let bot = agents["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Support Bot")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, listed, _) = send(
        &app,
        Method::GET,
        &format!("/v1/agents/{bot}/conversations"),
        &key,
        None,
    )
    .await;
    assert_eq!(
        listed["conversations"].as_array().unwrap().len(),
        2,
        "{listed}"
    );

    // An unknown agent, and a conversation that does not end with the person, are refused.
    let (status, _, _) = send(
        &app,
        Method::POST,
        "/v1/chat/completions",
        &key,
        Some(json!({ "model": "agent:nobody", "messages": [{ "role": "user", "content": "Hi" }] })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, refused, _) = send(&app, Method::POST, "/v1/chat/completions", &key,
        Some(json!({ "model": "agent:support-bot", "messages": [{ "role": "assistant", "content": "Hi" }] }))).await;
    assert!(status.is_client_error(), "{status} {refused}");
    assert!(refused.to_string().contains("last message"), "{refused}");
}

/// Posts a form as a browser without JavaScript does, from `page`; returns where the
/// answer sends it (the page again, or the page the post opened).
pub async fn plain_post(app: &TestApp, page: &str, action: &str, form: &[(&str, &str)]) -> String {
    let response = app
        .http
        .post(app.url(action))
        .header("accept", "text/html")
        .header("origin", app.url(""))
        .header("referer", app.url(page))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302, "{action}");
    let location = response.headers()["location"].to_str().unwrap();
    location.trim_start_matches(&app.url("")).to_owned()
}

#[tokio::test]
async fn the_chat_page_shows_answers_safely_regenerates_them_and_exports_the_conversation() {
    let llm = fake().await;
    let app = spawn_app_with(&[("DEMO_LLM_BASE_URL", &llm.base_url())]).await;
    app.sign_in_demo().await;
    let key = new_key(&app, &["read", "run", "admin"]).await;
    let id = agent(
        &app,
        &key,
        json!({ "name": "Page chat", "instructions": "Help." }),
    )
    .await;
    let chat = format!("/agents/{id}/chat");

    // A refused first message comes back to the page with its error and starts nothing.
    let back = plain_post(
        &app,
        &chat,
        "/api/chat/start",
        &[("agent_id", &id), ("content", "   ")],
    )
    .await;
    assert!(back.starts_with(&format!("{chat}?")), "{back}");
    let page = app.get(&back).await.text().await.unwrap();
    assert!(page.contains("Write a message."), "{page}");
    let (_, listed, _) = send(
        &app,
        Method::GET,
        &format!("/v1/agents/{id}/conversations"),
        &key,
        None,
    )
    .await;
    assert_eq!(listed["conversations"], json!([]), "{listed}");

    // The form opens the new conversation at its own address.
    llm.script(fake_llm::Behaviour::Reply {
        text: "See ![the chart](https://evil.example/?q=secret) and **this** <script>alert(1)</script>"
            .into(),
    });
    let opened = plain_post(
        &app,
        &chat,
        "/api/chat/start",
        &[("agent_id", &id), ("content", "<b>Show me</b> the chart")],
    )
    .await;
    let conversation = opened.strip_prefix(&format!("{chat}/")).unwrap().to_owned();
    let answered = wait_until_answered(&app, &key, &conversation).await;
    let first_run = answered["messages"][1]["run_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let page = app.get(&opened).await.text().await.unwrap();
    // The person's message is text; the answer is Markdown, its image only a link (a
    // browser would fetch an image at once, carrying the query away), raw HTML text.
    assert!(
        page.contains("&lt;b&gt;Show me&lt;/b&gt; the chart"),
        "{page}"
    );
    assert!(
        page.contains(r#"<a href="https://evil.example/?q=secret">the chart</a>"#),
        "{page}"
    );
    assert!(!page.contains(r#"src="https://evil.example"#), "{page}");
    assert!(page.contains("<strong>this</strong>"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    // The turn's steps fold under the answer; its run is a link away.
    assert!(page.contains(r#"data-testid="turn-steps""#), "{page}");
    assert!(page.contains(&format!("/runs/{first_run}")), "{page}");
    assert!(page.contains("Regenerate"), "{page}");

    // Regenerating answers the same message again with a new run, in the answer's place.
    llm.script(fake_llm::Behaviour::Reply {
        text: "A better answer".into(),
    });
    let (status, turn, _) = send(
        &app,
        Method::POST,
        &format!("/v1/conversations/{conversation}/regenerate?wait=true"),
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{turn}");
    assert_eq!(turn["answer"]["content"], "A better answer", "{turn}");
    assert_eq!(turn["message"]["seq"], 1, "{turn}");
    assert_ne!(turn["run_id"], first_run.as_str());
    let (_, messages, _) = send(
        &app,
        Method::GET,
        &format!("/v1/conversations/{conversation}/messages"),
        &key,
        None,
    )
    .await;
    let contents: Vec<&str> = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["<b>Show me</b> the chart", "A better answer"]);
    // The dropped answer's run stays, with its cost.
    let (status, old, _) = send(
        &app,
        Method::GET,
        &format!("/v1/runs/{first_run}"),
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{old}");
    assert_eq!(old["status"], "succeeded");

    // The export is the whole conversation, as a download.
    let export = app
        .get(&format!("/conversations/{conversation}/export"))
        .await;
    assert_eq!(export.status(), 200);
    assert!(
        export.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"),
    );
    let export: Value = export.json().await.unwrap();
    assert_eq!(export["conversation"]["id"], conversation.as_str());
    assert_eq!(export["messages"].as_array().unwrap().len(), 2, "{export}");

    // Another team sees neither the page nor the export.
    let (other, _) = app.signed_up("Other Team Person").await;
    assert_eq!(other.get(&opened).await.status(), 404);
    assert_eq!(
        other
            .get(&format!("/conversations/{conversation}/export"))
            .await
            .status(),
        404
    );
}

/// The conversation's messages once its turn has ended.
async fn wait_until_answered(app: &TestApp, key: &str, conversation: &str) -> Value {
    for _ in 0..300 {
        let (_, got, _) = send(
            app,
            Method::GET,
            &format!("/v1/conversations/{conversation}"),
            key,
            None,
        )
        .await;
        if got["answering"] == false {
            let (_, messages, _) = send(
                app,
                Method::GET,
                &format!("/v1/conversations/{conversation}/messages"),
                key,
                None,
            )
            .await;
            return messages;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the turn did not end");
}
