//! The OpenAI-compatible gateway against the fake provider, and signed webhooks seen by
//! a receiver in the test.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use fake_llm::FakeLlm;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine_helpers::fake;
use crate::helpers::{TestApp, spawn_app_with};
use crate::rest::{key, send};

/// A server whose demo model is the fake, signed in as the demo owner, and a key of the
/// demo team that may call the gateway.
pub(crate) async fn gateway() -> (FakeLlm, TestApp, String) {
    let llm = fake().await;
    let app = spawn_app_with(&[("DEMO_LLM_BASE_URL", &llm.base_url())]).await;
    app.sign_in_demo().await;
    let caller = key(&app, &["read", "run"]).await;
    (llm, app, caller)
}

/// The key's gateway tokens and cost once the meter, which writes in the background, has
/// recorded `requests` calls for it (waited for, up to ten seconds).
async fn metered(app: &TestApp, key: &str, requests: i64) -> (i64, i64) {
    let pool = app.owner_pool().await;
    for _ in 0..200 {
        let (counted, tokens, cost): (i64, i64, i64) = sqlx::query_as(
            "SELECT coalesce(sum(gateway_requests), 0)::bigint,
                    coalesce(sum(prompt_tokens + completion_tokens), 0)::bigint,
                    coalesce(sum(cost_micro_usd), 0)::bigint
               FROM usage_daily d JOIN api_keys k ON k.id = d.api_key_id WHERE k.prefix = $1",
        )
        .bind(&key[..12])
        .fetch_one(&pool)
        .await
        .unwrap();
        if counted >= requests {
            assert_eq!(counted, requests, "more calls were metered than made");
            return (tokens, cost);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the meter did not record {requests} calls within ten seconds");
}

#[tokio::test]
async fn the_gateway_answers_in_openai_format_streams_and_meters() {
    let (_llm, app, caller) = gateway().await;
    let client = reqwest::Client::new();

    let (status, models, _) = send(&app, reqwest::Method::GET, "/v1/models", &caller, None).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"auto") && ids.contains(&"demo-fast"),
        "{ids:?}"
    );

    let response = client
        .post(app.url("/v1/chat/completions"))
        .bearer_auth(&caller)
        .json(&json!({"model": "cheap", "messages": [{"role": "user", "content": "Say hello"}], "max_tokens": 64}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let overhead: f64 = response.headers()["x-gateway-overhead-ms"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(overhead >= 0.0);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["object"], "chat.completion");
    assert!(
        !answer["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    assert!(answer["usage"]["total_tokens"].as_u64().unwrap() > 0);

    let stream = client
        .post(app.url("/v1/chat/completions"))
        .bearer_auth(&caller)
        .json(&json!({"model": "demo-fast", "stream": true, "stream_options": {"include_usage": true},
                      "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let text = stream.text().await.unwrap();
    let data: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect();
    assert_eq!(data.last(), Some(&"[DONE]"));
    let chunks: Vec<Value> = data[..data.len() - 1]
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    let streamed: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert!(!streamed.is_empty());
    assert!(
        chunks
            .iter()
            .any(|c| c["choices"][0]["finish_reason"] == "stop")
    );
    assert!(
        chunks.last().unwrap()["usage"]["total_tokens"]
            .as_u64()
            .unwrap()
            > 0
    );

    // Problems answer in OpenAI's shape, with OpenAI's statuses.
    let (status, error, _) = send(
        &app,
        reqwest::Method::POST,
        "/v1/chat/completions",
        &caller,
        Some(json!({"model": "gpt-imaginary", "messages": [{"role": "user", "content": "x"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["error"]["code"], "model_not_found", "{error}");
    let (status, error, _) = send(&app, reqwest::Method::POST, "/v1/chat/completions", &caller,
        Some(json!({"model": "auto", "messages": [{"role": "user", "content": "x"}], "temperature": 3}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (
            &error["error"]["type"],
            &error["error"]["param"],
            &error["error"]["code"]
        ),
        (
            &json!("invalid_request_error"),
            &json!("temperature"),
            &json!("invalid_value")
        ),
        "{error}"
    );
    let (status, error, _) = send(
        &app,
        reqwest::Method::GET,
        "/v1/models",
        "agf_not_a_key",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error["error"]["code"], "invalid_api_key", "{error}");
    // The rest of the API keeps problem+json.
    let (status, problem, _) = send(
        &app,
        reqwest::Method::GET,
        "/v1/agents",
        "agf_not_a_key",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["title"], "Unauthenticated", "{problem}");

    // Usage is recorded per key (written in the background, in batches).
    let (_, cost) = metered(&app, &caller, 2).await;
    assert!(cost > 0);

    // A key whose budget is spent is refused before any provider is called.
    let (_, created, _) = send(
        &app,
        reqwest::Method::POST,
        "/v1/api-keys",
        &key(&app, &["admin"]).await,
        Some(json!({"name": "broke", "scopes": ["run"], "monthly_budget_cents": 0})),
    )
    .await;
    let broke = created["key"].as_str().unwrap();
    let (status, problem, _) = send(
        &app,
        reqwest::Method::POST,
        "/v1/chat/completions",
        broke,
        Some(json!({"model": "auto", "messages": [{"role": "user", "content": "x"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{problem}");
    assert_eq!(problem["error"]["code"], "insufficient_quota", "{problem}");
}

/// What clients send beyond plain chat: structured output, several answers, stop
/// sequences, hints, parameters newer than the gateway, a model looked up by id, and a
/// stream that cannot start.
#[tokio::test]
async fn the_gateway_takes_every_openai_parameter_and_fails_streams_before_they_start() {
    let (llm, app, caller) = gateway().await;
    let chat = |body: Value| {
        send(
            &app,
            reqwest::Method::POST,
            "/v1/chat/completions",
            &caller,
            Some(body),
        )
    };

    let schema = json!({"type": "object", "required": ["name", "age"],
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}});
    let (status, answer, _) = chat(json!({
        "model": "demo-fast",
        "messages": [{"role": "user", "content": "Who?"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "person", "strict": true, "schema": schema}},
        "n": 2, "stop": ["END"], "seed": 7, "prompt_cache_key": "k1", "logprobs": false,
        "a_parameter_newer_than_us": {"x": 1},
    }))
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let choices = answer["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 2);
    for choice in choices {
        let person: Value =
            serde_json::from_str(choice["message"]["content"].as_str().unwrap()).unwrap();
        assert!(
            person["name"].is_string() && person["age"].is_i64(),
            "{person}"
        );
    }
    // The provider was asked twice, with the schema, the stop sequence, the hints and
    // the unknown parameter as they were sent.
    let asked: Vec<Value> = llm.calls().into_iter().map(|r| r.body).collect();
    assert_eq!(asked.len(), 2);
    let body = &asked[0];
    assert_eq!(body["response_format"]["json_schema"]["name"], "person");
    assert_eq!(body["response_format"]["json_schema"]["strict"], true);
    assert_eq!(body["stop"], json!(["END"]));
    assert_eq!(body["seed"], 7);
    assert_eq!(body["prompt_cache_key"], "k1");
    assert_eq!(body["a_parameter_newer_than_us"], json!({"x": 1}));
    assert!(
        body.get("n").is_none() && body.get("logprobs").is_none(),
        "{body}"
    );

    let (status, error, _) = chat(json!({"model": "demo-fast", "top_logprobs": 2,
        "messages": [{"role": "user", "content": "x"}]}))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"]["param"], "top_logprobs", "{error}");
    assert_eq!(error["error"]["code"], "invalid_value", "{error}");

    // A provider that refuses the request (400) is the request's fault: 400, not 502;
    // and a stream that fails so before its first token fails with that status.
    let refused = json!({"model": "demo-fast", "stream": true,
        "messages": [{"role": "user", "content": "[fake:status=400] x"}]});
    let response = reqwest::Client::new()
        .post(app.url("/v1/chat/completions"))
        .bearer_auth(&caller)
        .json(&refused)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "provider_refused", "{error}");

    // Models by id: one the team can use, and one it cannot.
    let (status, model, _) = send(
        &app,
        reqwest::Method::GET,
        "/v1/models/demo-fast",
        &caller,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&model["id"], &model["object"]),
        (&json!("demo-fast"), &json!("model"))
    );
    let (status, error, _) = send(
        &app,
        reqwest::Method::GET,
        "/v1/models/gpt-imaginary",
        &caller,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["error"]["code"], "model_not_found", "{error}");
    // Only models a configured provider serves are listed (the demo team has the demo
    // provider only).
    let (_, models, _) = send(&app, reqwest::Method::GET, "/v1/models", &caller, None).await;
    let owners: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["owned_by"].as_str().unwrap())
        .collect();
    assert!(
        owners.iter().all(|o| *o == "demo" || *o == "agent-factory"),
        "{owners:?}"
    );
}

#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// Statuses to answer with, in turn; 200 once they run out.
    answers: Arc<Mutex<Vec<u16>>>,
}

async fn start_receiver(answers: Vec<u16>) -> (String, Receiver) {
    let receiver = Receiver {
        answers: Arc::new(Mutex::new(answers)),
        ..Receiver::default()
    };
    let state = receiver.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let state = state.clone();
            async move {
                state.seen.lock().unwrap().push((headers, body));
                let mut answers = state.answers.lock().unwrap();
                let status = if answers.is_empty() {
                    200
                } else {
                    answers.remove(0)
                };
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr.to_string(), receiver)
}

async fn wait_for(receiver: &Receiver, count: usize) -> Vec<(HeaderMap, String)> {
    for _ in 0..100 {
        if receiver.seen.lock().unwrap().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    receiver.seen.lock().unwrap().clone()
}

#[tokio::test]
async fn webhooks_are_signed_retried_with_the_same_id_and_stop_at_410() {
    let llm = fake().await;
    let (authority, receiver) = start_receiver(vec![500]).await;
    let app = spawn_app_with(&[
        ("DEMO_LLM_BASE_URL", &llm.base_url()),
        ("OUTBOUND_ALLOWLIST", &authority),
        ("WEBHOOK_RETRY_SECS", "1,1"),
    ])
    .await;
    app.sign_in_demo().await;
    let admin = key(&app, &["read", "run", "admin"]).await;

    // The SSRF guard refuses internal addresses when the URL is saved.
    let (status, problem, _) = send(
        &app,
        reqwest::Method::POST,
        "/v1/webhooks",
        &admin,
        Some(json!({"url": "http://169.254.169.254/latest", "events": ["run.succeeded"]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "url");

    let (status, created, _) = send(&app, reqwest::Method::POST, "/v1/webhooks", &admin,
        Some(json!({"url": format!("http://{authority}/hook"), "events": ["run.succeeded", "run.failed"]}))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    let webhook_id = created["webhook"]["id"].as_str().unwrap().to_string();

    let (_, agent, _) = send(
        &app,
        reqwest::Method::POST,
        "/v1/agents",
        &admin,
        Some(json!({"spec": "name: Hooked\ninstructions: Say hi\n"})),
    )
    .await;
    let (status, run, _) = send(
        &app,
        reqwest::Method::POST,
        &format!(
            "/v1/agents/{}/runs?wait=true",
            agent["id"].as_str().unwrap()
        ),
        &admin,
        Some(json!({"input": {}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{run}");

    // First attempt answered 500, the retry 200: two posts, one id, valid signatures.
    let seen = wait_for(&receiver, 2).await;
    assert_eq!(seen.len(), 2, "expected a retry");
    assert_eq!(seen[0].0["webhook-id"], seen[1].0["webhook-id"]);
    for (headers, body) in &seen {
        let id = headers["webhook-id"].to_str().unwrap();
        let timestamp: i64 = headers["webhook-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let expected = server::webhooks::signing::sign(&secret, id, timestamp, body.as_bytes());
        assert_eq!(headers["webhook-signature"].to_str().unwrap(), expected);
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["type"], "run.succeeded");
        assert_eq!(event["data"]["run_id"], run["id"]);
    }
    let (status, deliveries, _) = send(
        &app,
        reqwest::Method::GET,
        &format!("/v1/webhooks/{webhook_id}/deliveries"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deliveries[0]["status"], "delivered");
    assert_eq!(deliveries[0]["attempts"], 2);
    assert_eq!(deliveries[0]["response_code"], 200);

    // Resend: the same delivery, the same id, again.
    let delivery_id = deliveries[0]["id"].as_str().unwrap();
    let (status, _, _) = send(
        &app,
        reqwest::Method::POST,
        &format!("/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let seen = wait_for(&receiver, 3).await;
    assert_eq!(seen[2].0["webhook-id"], seen[0].0["webhook-id"]);

    // A 410 switches the endpoint off.
    receiver.answers.lock().unwrap().push(410);
    let (status, _, _) = send(
        &app,
        reqwest::Method::POST,
        &format!("/v1/webhooks/{webhook_id}/test"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    wait_for(&receiver, 4).await;
    let mut disabled = false;
    for _ in 0..50 {
        let (_, list, _) = send(&app, reqwest::Method::GET, "/v1/webhooks", &admin, None).await;
        if list[0]["enabled"] == false {
            disabled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(disabled, "a 410 should disable the endpoint");
}

/// A model behind Anthropic's format: a JSON answer comes from the tool it is made to
/// call, hints it has no use for are named in a header, and a parameter it cannot take
/// is refused naming it.
#[tokio::test]
async fn the_gateway_translates_openai_requests_for_anthropic() {
    let llm = fake().await;
    let app = spawn_app_with(&[
        ("DEMO_LLM_BASE_URL", &llm.base_url()),
        ("ANTHROPIC_BASE_URL", &llm.base_url()),
        ("ANTHROPIC_API_KEY", "sk-test-anthropic"),
    ])
    .await;
    app.sign_in_demo().await;
    let caller = key(&app, &["read", "run"]).await;
    let response = reqwest::Client::new()
        .post(app.url("/v1/chat/completions"))
        .bearer_auth(&caller)
        .json(&json!({
            "model": "claude-haiku-4-5",
            "messages": [{"role": "user", "content": "A city, please"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "city",
                "schema": {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}}},
            "stop": "END",
            "seed": 3,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-gateway-ignored-params"], "seed");
    // Streamed too: the header comes with the first byte, once a provider answers.
    let streamed = reqwest::Client::new()
        .post(app.url("/v1/chat/completions"))
        .bearer_auth(&caller)
        .json(
            &json!({"model": "claude-haiku-4-5", "stream": true, "seed": 3,
            "messages": [{"role": "user", "content": "Hello"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), StatusCode::OK);
    assert_eq!(streamed.headers()["x-gateway-ignored-params"], "seed");
    assert!(streamed.text().await.unwrap().contains("[DONE]"));
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["choices"][0]["finish_reason"], "stop", "{answer}");
    let city: Value =
        serde_json::from_str(answer["choices"][0]["message"]["content"].as_str().unwrap()).unwrap();
    assert!(city["city"].is_string(), "{city}");
    let asked = &llm.calls()[0].body;
    assert_eq!(
        asked["tool_choice"],
        json!({"type": "tool", "name": "json_answer"})
    );
    assert_eq!(asked["stop_sequences"], json!(["END"]));
    assert!(asked.get("seed").is_none(), "{asked}");

    // Only OpenAI's format has these: refused, named, never dropped.
    for (param, value) in [
        ("logit_bias", json!({"50256": -100})),
        ("logprobs", json!(true)),
    ] {
        let mut body = json!({"model": "claude-haiku-4-5",
            "messages": [{"role": "user", "content": "x"}]});
        body[param] = value;
        let (status, error, _) = send(
            &app,
            reqwest::Method::POST,
            "/v1/chat/completions",
            &caller,
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            (&error["error"]["param"], &error["error"]["code"]),
            (&json!(param), &json!("unsupported_parameter")),
            "{error}"
        );
    }
}

/// Embeddings: the vectors of the model named, as floats or base64, metered per key;
/// the model is listed; problems are OpenAI's.
#[tokio::test]
async fn the_gateway_embeds_texts_metered_per_key() {
    let (llm, app, caller) = gateway().await;
    let embed = |body: Value| {
        send(
            &app,
            reqwest::Method::POST,
            "/v1/embeddings",
            &caller,
            Some(body),
        )
    };

    let (status, answer, _) = embed(json!({"model": "demo-embed",
        "input": ["solar panels on roofs", "solar panels", "chocolate cake"]}))
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let vectors: Vec<Vec<f64>> = answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| serde_json::from_value(item["embedding"].clone()).unwrap())
        .collect();
    assert_eq!(vectors.len(), 3);
    assert_eq!(vectors[0].len(), 64);
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    assert!(dot(&vectors[0], &vectors[1]) > dot(&vectors[0], &vectors[2]));
    assert!(answer["usage"]["prompt_tokens"].as_u64().unwrap() > 0);
    assert_eq!(llm.calls()[0].body["model"], "demo-embed");

    // Base64, as the SDKs ask by default: the same floats, little-endian.
    let (_, encoded, _) = embed(
        json!({"model": "demo-embed", "input": "solar panels on roofs",
        "encoding_format": "base64"}),
    )
    .await;
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded["data"][0]["embedding"].as_str().unwrap())
        .unwrap();
    let floats: Vec<f64> = bytes
        .chunks(4)
        .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        .collect();
    assert_eq!(floats, vectors[0]);

    let (status, error, _) = embed(json!({"model": "demo-embed", "input": []})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"]["param"], "input", "{error}");
    // A model no provider of the team serves, and a chat model, are not embedding models.
    for model in ["text-embedding-3-small", "demo-fast"] {
        let (status, error, _) = embed(json!({"model": model, "input": "x"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{model}");
        assert_eq!(error["error"]["code"], "model_not_found", "{error}");
    }
    let (_, models, _) = send(&app, reqwest::Method::GET, "/v1/models", &caller, None).await;
    assert!(
        models["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == "demo-embed")
    );

    // Metered like chat: two calls for this key.
    let (tokens, _) = metered(&app, &caller, 2).await;
    assert!(tokens > 0);
}

/// Anthropic's Messages API in front of the router: a key as `x-api-key`, Anthropic's
/// events in a stream, its error shape, and a stream that cannot start refused first.
#[tokio::test]
async fn the_gateway_speaks_anthropic_messages() {
    let (_llm, app, caller) = gateway().await;
    let post = |body: Value| {
        reqwest::Client::new()
            .post(app.url("/v1/messages"))
            .header("x-api-key", &caller)
            .header("anthropic-version", "2023-06-01")
            .json(&body)
            .send()
    };
    let stream = post(
        json!({"model": "demo-fast", "max_tokens": 100, "stream": true,
        "messages": [{"role": "user", "content": "Say hello"}]}),
    )
    .await
    .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let text = stream.text().await.unwrap();
    let events: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .collect();
    assert_eq!(events.first(), Some(&"message_start"));
    assert!(events.contains(&"content_block_delta"));
    assert_eq!(
        &events[events.len() - 2..],
        ["message_delta", "message_stop"]
    );

    let refused = post(
        json!({"model": "demo-fast", "max_tokens": 100, "stream": true,
        "messages": [{"role": "user", "content": "[fake:status=400] x"}]}),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(
        (&error["type"], &error["error"]["type"]),
        (&json!("error"), &json!("invalid_request_error")),
        "{error}"
    );
    let unknown =
        post(json!({"model": "demo-fast", "messages": [{"role": "user", "content": "x"}]}))
            .await
            .unwrap();
    assert_eq!(
        unknown.status(),
        StatusCode::BAD_REQUEST,
        "max_tokens is required"
    );
    let wrong_key = reqwest::Client::new()
        .post(app.url("/v1/messages"))
        .header("x-api-key", "agf_wrong")
        .json(&json!({"model": "demo-fast", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_key.status(), StatusCode::UNAUTHORIZED);
    let error: Value = wrong_key.json().await.unwrap();
    assert_eq!(error["error"]["type"], "authentication_error", "{error}");
}

/// The response cache: a repeated deterministic request is answered once per team,
/// charged once, and counted as a hit with what it saved; asking without temperature 0
/// skips it; another team never sees the answer.
#[tokio::test]
async fn the_response_cache_answers_a_repeated_request_once_per_team() {
    let (llm, app, caller) = gateway().await;
    let ask = |key: String, body: Value, cached: bool| {
        let mut request = reqwest::Client::new()
            .post(app.url("/v1/chat/completions"))
            .bearer_auth(key)
            .json(&body);
        if cached {
            request = request.header("x-gateway-cache", "on");
        }
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let cache = response
                .headers()
                .get("x-gateway-cache")
                .map(|v| v.to_str().unwrap().to_string());
            (cache, response.json::<Value>().await.unwrap())
        }
    };
    let question = json!({"model": "demo-fast", "temperature": 0,
        "messages": [{"role": "user", "content": "What is a gateway?"}]});
    let (first_state, first) = ask(caller.clone(), question.clone(), true).await;
    let (second_state, second) = ask(caller.clone(), question.clone(), true).await;
    assert_eq!(
        (first_state.as_deref(), second_state.as_deref()),
        (Some("miss"), Some("hit"))
    );
    assert_eq!(
        first["choices"][0]["message"]["content"],
        second["choices"][0]["message"]["content"]
    );
    assert_ne!(first["id"], second["id"]);
    assert_eq!(llm.calls().len(), 1, "the hit did not reach the provider");

    let (state, _) = ask(caller.clone(), question.clone(), false).await;
    assert_eq!(state, None);
    let mut warm = question.clone();
    warm["temperature"] = json!(0.7);
    let (state, _) = ask(caller.clone(), warm, true).await;
    assert_eq!(state.as_deref(), Some("skipped"));
    assert_eq!(llm.calls().len(), 3);

    // Counted for the key: 4 requests, 1 hit.
    metered(&app, &caller, 4).await;
    let board: Value = app.call("/api/dashboard", &[("range", "7")]).await.unwrap();
    let row = &board["keys"][0];
    assert_eq!(
        (&row["requests"], &row["cache_hits"]),
        (&json!(4), &json!(1)),
        "{row}"
    );
    assert!(row["cost_saved"].as_i64().unwrap() > 0, "{row}");

    // Another team asking the same question is answered by the provider.
    app.sign_up("Other", "other-cache@example.com", "a-long-password-1")
        .await;
    let other = key(&app, &["read", "run"]).await;
    let (state, _) = ask(other, question.clone(), true).await;
    assert_eq!(state.as_deref(), Some("miss"));
    assert_eq!(llm.calls().len(), 4);

    // A key made to cache needs no header; a request can still opt out.
    let (status, made, _) = send(
        &app,
        reqwest::Method::POST,
        "/v1/api-keys",
        &key(&app, &["admin"]).await,
        Some(json!({"name": "cached", "scopes": ["run"], "cache_ttl_secs": 600})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["row"]["cache_ttl_secs"], 600, "{made}");
    let cached_key = made["key"].as_str().unwrap().to_string();
    let (state, _) = ask(cached_key.clone(), question.clone(), false).await;
    assert_eq!(state.as_deref(), Some("hit"), "the team's answer, kept");
    let opted_out = reqwest::Client::new()
        .post(app.url("/v1/chat/completions"))
        .bearer_auth(&cached_key)
        .header("x-gateway-cache", "off")
        .json(&question)
        .send()
        .await
        .unwrap();
    assert_eq!(opted_out.headers().get("x-gateway-cache"), None);
    assert_eq!(llm.calls().len(), 5);
}
