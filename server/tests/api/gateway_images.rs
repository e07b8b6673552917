//! Image inputs through the gateway, as an SDK sends them: inline (`data:` URLs) or by
//! https address, translated for each provider's format, routed only to models that
//! read images, and refused — naming the parameter — where they cannot go.

use fake_llm::FakeLlm;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine_helpers::fake;
use crate::helpers::spawn_app_with;
use crate::rest::{key, send};

const PICTURE: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

fn asking(model: &str, url: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": url, "detail": "low"}}
    ]}]})
}

fn last_body(llm: &FakeLlm) -> Value {
    llm.calls().last().expect("a call").body.clone()
}

#[tokio::test]
async fn images_reach_each_format_and_only_models_that_read_them() {
    let (openai, anthropic, demo) = (fake().await, fake().await, fake().await);
    let openai_url = format!("{}/v1", openai.base_url());
    let app = spawn_app_with(&[
        ("OPENAI_BASE_URL", &openai_url),
        ("OPENAI_API_KEY", "sk-test-openai"),
        ("ANTHROPIC_BASE_URL", &anthropic.base_url()),
        ("ANTHROPIC_API_KEY", "sk-ant-test"),
        ("DEMO_LLM_BASE_URL", &demo.base_url()),
        ("ROUTER_CHAIN", "demo,openai,anthropic"),
    ])
    .await;
    app.sign_in_demo().await;
    let caller = key(&app, &["read", "run"]).await;
    let post = |body: Value| {
        send(
            &app,
            reqwest::Method::POST,
            "/v1/chat/completions",
            &caller,
            Some(body),
        )
    };

    // OpenAI's format: the parts as they came.
    let (status, answer, _) = post(asking("gpt-4o-mini", PICTURE)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let sent = &last_body(&openai)["messages"][1]["content"];
    assert_eq!(
        sent[1],
        json!({"type": "image_url", "image_url": {"url": PICTURE, "detail": "low"}}),
        "{sent}"
    );

    // Anthropic's: an image block, base64 inline or by URL.
    let (status, answer, _) = post(asking("claude-haiku-4-5", PICTURE)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let sent = &last_body(&anthropic)["messages"][0]["content"];
    assert_eq!(sent[1]["source"]["type"], "base64", "{sent}");
    assert_eq!(sent[1]["source"]["media_type"], "image/png", "{sent}");
    let (status, _, _) = post(asking("claude-haiku-4-5", "https://example.com/cat.png")).await;
    assert_eq!(status, StatusCode::OK);
    let sent = &last_body(&anthropic)["messages"][0]["content"];
    assert_eq!(
        sent[1]["source"],
        json!({"type": "url", "url": "https://example.com/cat.png"})
    );

    // An alias is answered by a model that reads images (demo-fast does not).
    let (status, answer, _) = post(asking("cheap", PICTURE)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(last_body(&demo)["model"], "demo-pro");

    // A named model that does not read images, and an address that is not https: 400,
    // naming the parameter, and no provider asked.
    let calls = demo.calls().len() + openai.calls().len() + anthropic.calls().len();
    let (status, refused, _) = post(asking("demo-fast", PICTURE)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        (&refused["error"]["param"], &refused["error"]["code"]),
        (&json!("messages"), &json!("unsupported_parameter")),
        "{refused}"
    );
    let (status, refused, _) = post(asking("gpt-4o-mini", "http://example.com/cat.png")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        refused["error"]["param"], "messages[0].content",
        "{refused}"
    );
    assert_eq!(
        demo.calls().len() + openai.calls().len() + anthropic.calls().len(),
        calls
    );
}
