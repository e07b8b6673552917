//! Sign-up, sign-in, sign-out, sessions, CSRF and sign-in limits, over HTTP.

use std::time::{Duration, Instant};

use server::demo::DEMO_EMAIL;

use crate::helpers::{TestApp, browser_like_client, spawn_app, unique_email};

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("agf_session="))
        .map(str::to_owned)
}

#[tokio::test]
async fn sign_up_creates_a_personal_team_and_signs_in() {
    let app = spawn_app().await;
    let email = unique_email();
    let response = app
        .sign_up("Ada Lovelace", &email, "analytical engine")
        .await;
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "{}",
        response.status()
    );
    let cookie = session_cookie(&response).expect("no session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "local http must not set Secure");

    let dashboard = app.get("/dashboard").await;
    assert_eq!(dashboard.status(), 200);
    let html = dashboard.text().await.unwrap();
    assert!(html.contains("Ada Lovelace"), "the viewer is not shown");

    let pool = app.owner_pool().await;
    let (role, team, audited): (String, String, i64) = sqlx::query_as(
        "SELECT m.role::text, t.name, (SELECT count(*) FROM audit_log a WHERE a.action = 'user.signed_up' AND a.team_id = t.id)
         FROM users u JOIN team_members m ON m.user_id = u.id JOIN teams t ON t.id = m.team_id WHERE u.email = $1",
    )
    .bind(&email)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (role.as_str(), team.as_str(), audited),
        ("owner", "Ada Lovelace's team", 1)
    );
}

#[tokio::test]
async fn bad_sign_up_input_is_refused_with_the_field_and_creates_nothing() {
    let app = spawn_app().await;
    let response = app
        .sign_up("Ada", "not-an-email", "analytical engine")
        .await;
    assert!(!response.status().is_success());
    let body = response.text().await.unwrap();
    assert!(body.contains("\"field\":\"email\""), "{body}");
    let response = app.sign_up("Ada", &unique_email(), "short").await;
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("\"field\":\"password\"")
    );
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.owner_pool().await)
        .await
        .unwrap();
    assert_eq!(users, 1, "only the demo user exists");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer_and_are_audited() {
    let app = spawn_app().await;
    let wrong_password = app
        .sign_in(DEMO_EMAIL, "not the password")
        .await
        .text()
        .await
        .unwrap();
    let unknown_email = app
        .sign_in("nobody@example.com", "not the password")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(wrong_password, unknown_email);
    assert!(
        wrong_password.contains("BadCredentials"),
        "{wrong_password}"
    );
    let failed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'user.sign_in_failed'")
            .fetch_one(&app.owner_pool().await)
            .await
            .unwrap();
    assert_eq!(failed, 2);
}

#[tokio::test]
async fn each_sign_in_gets_a_new_session_and_sign_out_ends_it() {
    let app = spawn_app().await;
    let first = session_cookie(&app.sign_in(DEMO_EMAIL, "demo-password").await).unwrap();
    let second = session_cookie(&app.sign_in(DEMO_EMAIL, "demo-password").await).unwrap();
    assert_ne!(first, second);

    let old_token = second.split(';').next().unwrap().to_owned();
    let response = app.post_form("/api/auth/sign_out", &[]).await;
    assert!(session_cookie(&response).unwrap().contains("Max-Age=0"));

    // Replaying the old cookie after sign-out does not get in.
    let replay = browser_like_client()
        .get(app.url("/dashboard"))
        .header("cookie", old_token)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 303);
}

#[tokio::test]
async fn cross_site_posts_with_a_session_are_refused() {
    let app = spawn_app().await;
    app.sign_in_demo().await;
    let response = app
        .http
        .post(app.url("/api/auth/sign_out"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let no_origin = app
        .http
        .post(app.url("/api/auth/sign_out"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status(), 403);
    // Still signed in.
    assert_eq!(app.get("/dashboard").await.status(), 200);
}

#[tokio::test]
async fn repeated_failures_are_rate_limited() {
    let app = spawn_app().await;
    let email = unique_email();
    for _ in 0..10 {
        let body = app
            .sign_in(&email, "wrong password")
            .await
            .text()
            .await
            .unwrap();
        assert!(body.contains("BadCredentials"), "{body}");
    }
    let body = app
        .sign_in(&email, "wrong password")
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains("RateLimited"), "{body}");
}

#[tokio::test]
async fn oversized_passwords_are_refused_before_hashing() {
    let app = spawn_app().await;
    let huge = "x".repeat(100_000);
    let started = Instant::now();
    let body = app.sign_in(DEMO_EMAIL, &huge).await.text().await.unwrap();
    assert!(body.contains("\"field\":\"password\""), "{body}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// Posts a form as a browser without JavaScript does, from `page`; a failed post is
/// sent back there with its error in the URL: returns the page it comes back to.
async fn failed_plain_post(
    app: &TestApp,
    action: &str,
    page: &str,
    form: &[(&str, &str)],
) -> String {
    let response = app
        .http
        .post(app.url(action))
        .header("accept", "text/html")
        .header("origin", format!("http://{}", app.addr))
        .header("referer", app.url(page))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains(&format!("{page}?")) && location.contains("__err="),
        "{location}"
    );
    app.http
        .get(&location)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn without_javascript_a_failed_form_post_returns_to_the_form_with_the_error() {
    let app = spawn_app().await;
    let form = [("email", DEMO_EMAIL), ("password", "wrong password")];
    let page = failed_plain_post(&app, "/api/auth/sign_in", "/signin", &form).await;
    assert!(page.contains("Email or password is incorrect."));
}

#[tokio::test]
async fn without_javascript_a_failed_run_comes_back_with_what_was_typed() {
    let app = spawn_app().await;
    app.sign_in_demo().await;
    let spec = "name: Counter\ninstructions: 'Count {{input.question}}'\ninputs:\n  question: {type: string, required: true}\n  times: {type: integer}\n";
    let agent_id = crate::marketplace::create_agent(&app, spec).await;
    let console = format!("/agents/{agent_id}");
    let form = [
        ("agent_id", agent_id.as_str()),
        ("values[question]", "Keep what I typed"),
        ("values[times]", "three"),
    ];
    let page = failed_plain_post(&app, "/api/agents/run", &console, &form).await;
    assert!(page.contains(">Keep what I typed</textarea>"), "{page}");
    assert!(page.contains(r#"value="three""#), "{page}");
    // Once: the next visit starts empty.
    let again = app.get(&console).await.text().await.unwrap();
    assert!(!again.contains("Keep what I typed"));
}
