#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test should stop at the failure"
)]

//! End-to-end checks of the wire formats: each test starts a fake on a random port and talks
//! HTTP to it with reqwest, as the real provider clients would.

use std::time::Duration;

use fake_llm::{Behaviour, FakeLlm, Options};
use futures::StreamExt;
use serde_json::{Value, json};

async fn fake() -> FakeLlm {
    FakeLlm::start("127.0.0.1:0", Options::default())
        .await
        .unwrap()
}

async fn fake_with_key(key: &str) -> FakeLlm {
    let options = Options {
        required_key: Some(key.into()),
        ..Options::default()
    };
    FakeLlm::start("127.0.0.1:0", options).await.unwrap()
}

fn openai(fake: &FakeLlm, body: &Value) -> reqwest::RequestBuilder {
    openai_with_key(fake, "sk-test", body)
}

fn openai_with_key(fake: &FakeLlm, key: &str, body: &Value) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(format!("{}/v1/chat/completions", fake.base_url()))
        .bearer_auth(key)
        .json(body)
}

fn anthropic(fake: &FakeLlm, body: &Value) -> reqwest::RequestBuilder {
    anthropic_with_key(fake, "sk-ant-test", body)
}

fn anthropic_with_key(fake: &FakeLlm, key: &str, body: &Value) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(format!("{}/v1/messages", fake.base_url()))
        .header("x-api-key", key)
        .header("anthropic-version", "2023-06-01")
        .json(body)
}

fn ask(text: &str) -> Value {
    json!([{"role": "user", "content": text}])
}

/// The `data:` payloads of an OpenAI stream, `[DONE]` included as a string.
fn openai_events(body: &str) -> Vec<Value> {
    body.split("\n\n")
        .filter_map(|event| event.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap_or(Value::String(data.into())))
        .collect()
}

/// `(event name, data)` pairs of an Anthropic stream.
fn anthropic_events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter(|event| !event.is_empty())
        .map(|event| {
            let (name, data) = event.split_once('\n').unwrap();
            let name = name.strip_prefix("event: ").unwrap().to_owned();
            let data = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
            (name, data)
        })
        .collect()
}

#[tokio::test]
async fn openai_stream_reassembles_the_reply_and_reports_usage() {
    let fake = fake().await;
    let body = json!({
        "model": "gpt-4o-mini",
        "stream": true,
        "stream_options": {"include_usage": true},
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "[fake:reply=Hello  there, streaming\nworld!]"}
        ]
    });
    let response = openai(&fake, &body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let events = openai_events(&response.text().await.unwrap());
    assert_eq!(events.last().unwrap(), "[DONE]");
    let chunks = &events[..events.len() - 1];
    assert!(
        chunks
            .iter()
            .all(|c| c["object"] == "chat.completion.chunk")
    );
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");

    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "Hello  there, streaming\nworld!");
    let word_chunks = chunks
        .iter()
        .filter(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        })
        .count();
    assert_eq!(word_chunks, 4);

    let finish = &chunks[chunks.len() - 2];
    assert_eq!(finish["choices"][0]["finish_reason"], "stop");
    let usage_chunk = &chunks[chunks.len() - 1];
    assert_eq!(usage_chunk["choices"], json!([]));
    // "Be brief." (9) + the user message (43) = 52 chars -> 13 tokens; 4 words.
    assert_eq!(
        usage_chunk["usage"],
        json!({"prompt_tokens": 13, "completion_tokens": 4, "total_tokens": 17})
    );

    let recorded = fake.requests();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].path, "/v1/chat/completions");
    assert_eq!(recorded[0].body, body);
    assert!(recorded[0].authorized);
}

#[tokio::test]
async fn openai_non_streaming_default_reply_and_max_tokens() {
    let fake = fake().await;
    let reply: Value = openai(
        &fake,
        &json!({"model": "m", "messages": ask("What is 2+2?")}),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(reply["object"], "chat.completion");
    assert_eq!(reply["model"], "m");
    let message = &reply["choices"][0]["message"];
    assert_eq!(message["role"], "assistant");
    assert_eq!(
        message["content"],
        "This is a demo answer from the fake model. You asked: What is 2+2?"
    );
    assert_eq!(reply["choices"][0]["finish_reason"], "stop");
    assert_eq!(reply["usage"]["prompt_tokens"], 3);
    assert_eq!(reply["usage"]["completion_tokens"], 14);

    // Also reachable without the /v1 prefix.
    let limited: Value = reqwest::Client::new()
        .post(format!("{}/chat/completions", fake.base_url()))
        .bearer_auth("k")
        .json(&json!({"model": "m", "max_completion_tokens": 3, "messages": ask("hi")}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(limited["choices"][0]["message"]["content"], "This is a ");
    assert_eq!(limited["choices"][0]["finish_reason"], "length");
    assert_eq!(limited["usage"]["completion_tokens"], 3);
}

#[tokio::test]
async fn openai_tool_call_streams_fragments_then_reports_the_result() {
    let fake = fake().await;
    let tools =
        json!([{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]);
    let directive = r#"Weather? [fake:tool=get_weather {"city": "Paris", "unit": "C"}]"#;
    let body = json!({"model": "m", "stream": true, "tools": tools, "messages": ask(directive)});
    let text = openai(&fake, &body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events = openai_events(&text);
    assert_eq!(events.last().unwrap(), "[DONE]");

    let calls: Vec<&Value> = events
        .iter()
        .filter_map(|e| e["choices"][0]["delta"]["tool_calls"].get(0))
        .collect();
    assert!(calls.len() >= 3, "a header and 2+ argument fragments");
    let id = calls[0]["id"].as_str().unwrap();
    assert!(id.starts_with("call_"));
    assert_eq!(calls[0]["type"], "function");
    assert_eq!(calls[0]["function"]["name"], "get_weather");
    assert_eq!(calls[0]["function"]["arguments"], "");
    let arguments: String = calls
        .iter()
        .map(|c| c["function"]["arguments"].as_str().unwrap())
        .collect();
    assert_eq!(
        serde_json::from_str::<Value>(&arguments).unwrap(),
        json!({"city": "Paris", "unit": "C"})
    );
    let finish = &events[events.len() - 2];
    assert_eq!(finish["choices"][0]["finish_reason"], "tool_calls");

    // The client runs the tool and sends the result back.
    let follow_up = json!({"model": "m", "tools": tools, "messages": [
        {"role": "user", "content": directive},
        {"role": "assistant", "content": null, "tool_calls": [{"id": id, "type": "function",
            "function": {"name": "get_weather", "arguments": arguments}}]},
        {"role": "tool", "tool_call_id": id, "content": "18 degrees"}
    ]});
    let reply: Value = openai(&fake, &follow_up)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        reply["choices"][0]["message"]["content"],
        "Tool get_weather returned: 18 degrees"
    );

    // Without tools in the request the directive does not call anything.
    let no_tools = json!({"model": "m", "messages": ask(directive)});
    let reply: Value = openai(&fake, &no_tools)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["choices"][0]["finish_reason"], "stop");
}

#[tokio::test]
async fn openai_scripted_tool_call_without_streaming() {
    let fake = fake().await;
    fake.script(Behaviour::ToolCall {
        name: "search".into(),
        arguments: json!({"q": "rust"}),
    });
    let reply: Value = openai(&fake, &json!({"model": "m", "messages": ask("go")}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let choice = &reply["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls");
    assert_eq!(choice["message"]["content"], Value::Null);
    let call = &choice["message"]["tool_calls"][0];
    assert_eq!(call["function"]["name"], "search");
    assert_eq!(call["function"]["arguments"], r#"{"q":"rust"}"#);
    // 12 characters of arguments -> 3 tokens.
    assert_eq!(reply["usage"]["completion_tokens"], 3);
}

#[tokio::test]
async fn anthropic_non_streaming_text_and_tool_use() {
    let fake = fake().await;
    let body = json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 100,
        "system": "[fake:reply=Bonjour!]",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]
    });
    let reply: Value = anthropic(&fake, &body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(reply["id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(reply["type"], "message");
    assert_eq!(reply["role"], "assistant");
    assert_eq!(
        reply["content"],
        json!([{"type": "text", "text": "Bonjour!"}])
    );
    assert_eq!(reply["stop_reason"], "end_turn");
    assert_eq!(reply["stop_sequence"], Value::Null);
    assert_eq!(
        reply["usage"],
        json!({"input_tokens": 6, "output_tokens": 1})
    );

    let tools = json!([{"name": "lookup", "input_schema": {"type": "object"}}]);
    let body = json!({"model": "c", "max_tokens": 100, "tools": tools,
        "messages": ask(r#"[fake:tool=lookup {"id": 7}]"#)});
    let reply: Value = anthropic(&fake, &body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["stop_reason"], "tool_use");
    let block = &reply["content"][0];
    assert_eq!(block["type"], "tool_use");
    assert!(block["id"].as_str().unwrap().starts_with("toolu_"));
    assert_eq!(block["name"], "lookup");
    assert_eq!(block["input"], json!({"id": 7}));

    let body = json!({"model": "c", "max_tokens": 100, "tools": tools, "messages": [
        {"role": "user", "content": r#"[fake:tool=lookup {"id": 7}]"#},
        {"role": "assistant", "content": [block]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": block["id"],
            "content": [{"type": "text", "text": "found it"}]}]}
    ]});
    let reply: Value = anthropic(&fake, &body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        reply["content"][0]["text"],
        "Tool lookup returned: found it"
    );
}

#[tokio::test]
async fn anthropic_stream_events_in_order() {
    let fake = fake().await;
    let body = json!({"model": "c", "max_tokens": 2, "stream": true,
        "messages": ask("[fake:reply=one two three]")});
    let text = anthropic(&fake, &body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events = anthropic_events(&text);
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    for (name, data) in &events {
        assert_eq!(&data["type"], name);
    }
    assert_eq!(events[0].1["message"]["usage"]["input_tokens"], 7);
    let streamed: String = events
        .iter()
        .filter_map(|(_, data)| data["delta"]["text"].as_str())
        .collect();
    assert_eq!(streamed, "one two ");
    assert_eq!(events[6].1["delta"]["stop_reason"], "max_tokens");
    assert_eq!(events[6].1["usage"]["output_tokens"], 2);

    fake.script(Behaviour::ToolCall {
        name: "calc".into(),
        arguments: json!({"expression": "6*7"}),
    });
    let body = json!({"model": "c", "max_tokens": 100, "stream": true, "messages": ask("x")});
    let text = anthropic(&fake, &body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events = anthropic_events(&text);
    assert_eq!(events[1].1["content_block"]["type"], "tool_use");
    assert_eq!(events[1].1["content_block"]["name"], "calc");
    let fragments: Vec<&str> = events
        .iter()
        .filter_map(|(_, data)| data["delta"]["partial_json"].as_str())
        .collect();
    assert!(fragments.len() >= 2);
    assert_eq!(
        serde_json::from_str::<Value>(&fragments.concat()).unwrap(),
        json!({"expression": "6*7"})
    );
    let delta = &events[events.len() - 2].1;
    assert_eq!(delta["delta"]["stop_reason"], "tool_use");
}

#[tokio::test]
async fn a_required_key_is_enforced_in_each_format() {
    let fake = fake_with_key("secret").await;
    let body = json!({"model": "m", "max_tokens": 10, "messages": ask("hi")});

    let response = openai(&fake, &body).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "invalid_api_key");
    assert!(error["error"]["message"].is_string());

    let response = anthropic(&fake, &body).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["type"], "error");
    assert_eq!(error["error"]["type"], "authentication_error");

    let response = openai_with_key(&fake, "secret", &body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = anthropic_with_key(&fake, "secret", &body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let no_version = reqwest::Client::new()
        .post(format!("{}/v1/messages", fake.base_url()))
        .header("x-api-key", "secret")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(no_version.status(), 400);

    let authorized: Vec<bool> = fake.requests().iter().map(|r| r.authorized).collect();
    assert_eq!(authorized, [false, false, true, true, true]);
}

#[tokio::test]
async fn statuses_retry_after_and_counted_failures() {
    let fake = fake().await;
    let client = reqwest::Client::new();
    let queued: Value = client
        .post(format!("{}/_fake/script", fake.base_url()))
        .json(&json!([{"kind": "status", "code": 429, "retry_after_secs": 3}, {"kind": "hang"}]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(queued, json!({"queued": 2}));
    let cleared = client
        .delete(format!("{}/_fake/script", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());
    client
        .post(format!("{}/_fake/script", fake.base_url()))
        .json(&json!({"kind": "status", "code": 429, "retry_after_secs": 3}))
        .send()
        .await
        .unwrap();

    let body = json!({"model": "m", "max_tokens": 10, "messages": ask("[fake:fail=500x2#a]")});
    let response = anthropic(&fake, &body).send().await.unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "3");
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["type"], "rate_limit_error");

    // The scripted status did not count as a sighting of the directive.
    for _ in 0..2 {
        let response = openai(&fake, &body).send().await.unwrap();
        assert_eq!(response.status(), 500);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["type"], "server_error");
    }
    assert_eq!(openai(&fake, &body).send().await.unwrap().status(), 200);

    let body = json!({"model": "m", "messages": ask("[fake:status=503] [fake:retry_after=2]")});
    let response = openai(&fake, &body).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "2");

    let recorded: Vec<Value> = client
        .get(format!("{}/_fake/requests", fake.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(recorded.len(), 5);
    assert_eq!(recorded[0]["path"], "/v1/messages");
    assert_eq!(
        recorded[1]["body"]["messages"][0]["content"],
        "[fake:fail=500x2#a]"
    );
}

#[tokio::test]
async fn cut_drops_the_stream_and_truncates_bodies() {
    let fake = fake().await;
    let body = json!({"model": "m", "stream": true, "messages": ask("[fake:cut=3] tell me more")});
    let response = openai(&fake, &body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let mut stream = response.bytes_stream();
    let mut received = Vec::new();
    let mut failed = false;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => received.extend_from_slice(&bytes),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    assert!(failed, "the connection must drop mid-stream");
    let events = openai_events(&String::from_utf8(received).unwrap());
    let text: String = events
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "This is a ");
    assert!(events.iter().all(|e| e != "[DONE]"));
    assert!(
        events
            .iter()
            .all(|e| e["choices"][0]["finish_reason"].is_null())
    );

    fake.script(Behaviour::Cut { after_words: 1 });
    let body = json!({"model": "c", "max_tokens": 10, "messages": ask("hi")});
    let response = anthropic(&fake, &body).send().await.unwrap();
    assert!(
        response.bytes().await.is_err(),
        "the body must be truncated"
    );
}

#[tokio::test]
async fn delays_and_hangs() {
    let fake = fake().await;
    fake.script(Behaviour::Delay {
        ms: 150,
        then: Box::new(Behaviour::Reply {
            text: "late".into(),
        }),
    });
    let started = std::time::Instant::now();
    let reply: Value = openai(&fake, &json!({"model": "m", "messages": ask("x")}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(reply["choices"][0]["message"]["content"], "late");

    let hang = openai(
        &fake,
        &json!({"model": "m", "messages": ask("[fake:hang]")}),
    )
    .timeout(Duration::from_millis(200))
    .send()
    .await;
    assert!(hang.unwrap_err().is_timeout());
}

#[tokio::test]
async fn models_unknown_urls_and_shutdown() {
    let fake = fake().await;
    let base = fake.base_url();
    let models: Value = reqwest::get(format!("{base}/v1/models"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(models["object"], "list");
    assert!(models["data"].as_array().unwrap().len() >= 2);
    assert_eq!(models["data"][0]["object"], "model");

    let missing = reqwest::get(format!("{base}/v1/v1/chat/completions"))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let error: Value = missing.json().await.unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/v1/v1/chat/completions")
    );

    drop(fake);
    let mut refused = false;
    for _ in 0..50 {
        if reqwest::get(format!("{base}/v1/models")).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "the server must stop when the FakeLlm is dropped");
}
