//! Email through a real SMTP conversation with a local sink (fake-smtp), and the flows
//! that send it: the password reset.

use std::time::Duration;

use fake_smtp::{FakeSmtp, Mail};

use crate::helpers::{TestApp, spawn_app_with};

const NEW_PASSWORD: &str = "a brand new password";

/// A server whose mail goes to a fresh sink.
async fn app_with_mail() -> (TestApp, FakeSmtp) {
    let sink = FakeSmtp::start("127.0.0.1:0").await.unwrap();
    let app = spawn_app_with(&[("SMTP_URL", &sink.smtp_url())]).await;
    (app, sink)
}

async fn mail_to(sink: &FakeSmtp, to: &str, seen: usize) -> Mail {
    sink.wait_for(to, seen, Duration::from_secs(30))
        .await
        .unwrap_or_else(|| panic!("no mail reached {to}"))
}

/// The token in a reset mail's link (both the text and the HTML carry it).
fn reset_token(mail: &Mail) -> String {
    let after = mail
        .text
        .split("/reset-password?token=")
        .nth(1)
        .expect("the mail has no reset link");
    let token: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let html = mail.html.as_deref().expect("the mail has an HTML part");
    assert!(html.contains(&token), "the HTML part has another link");
    token
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_a_link_by_email() {
    let (app, sink) = app_with_mail().await;
    let (user, email) = app.signed_up("Rita Reset").await;
    let nobody = format!("nobody-{email}");
    // An address without an account gets the same answer, first, and no mail.
    for address in [&nobody, &email] {
        let asked = app
            .another_visitor()
            .post_form("/api/auth/request_password_reset", &[("email", address)])
            .await;
        assert_eq!(asked.status(), 200);
        assert_eq!(asked.headers()["location"], "/forgot-password?sent=1");
    }
    let sent = app
        .get("/forgot-password?sent=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(sent.contains("Check your email"));
    let mail = mail_to(&sink, &email, 0).await;
    assert_eq!(mail.subject, "Reset your Agent Factory password");
    assert!(
        mail.from_header.contains("Agent Factory"),
        "{}",
        mail.from_header
    );
    assert!(
        sink.mails().iter().all(|m| !m.to.contains(&nobody)),
        "mail went to an address without an account"
    );
    let token = reset_token(&mail);
    // Opening the link (as a mail scanner would, twice) spends nothing.
    let visitor = app.another_visitor();
    for _ in 0..2 {
        let page = visitor
            .get(&format!("/reset-password?token={token}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("Save the new password"), "no form: {page}");
    }
    // A password that is too short is refused and spends nothing either.
    let short = visitor
        .refused(
            "/api/auth/reset_password",
            &[("token", &token), ("password", "short")],
        )
        .await;
    assert_eq!(short, 422);
    let reset = visitor
        .post_form(
            "/api/auth/reset_password",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(reset.status(), 200);
    assert_eq!(reset.headers()["location"], "/signin?reset=1");
    let signin = app.get("/signin?reset=1").await.text().await.unwrap();
    assert!(signin.contains("Your password was changed"));
    // Every session ended; the new password works, the old one does not.
    let signed_out = user.get("/dashboard").await;
    let location = signed_out.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/signin"), "{location}");
    let fresh = app.another_visitor();
    assert_eq!(
        fresh
            .sign_in(&email, "a long enough password")
            .await
            .status(),
        401
    );
    assert!(
        fresh
            .sign_in(&email, NEW_PASSWORD)
            .await
            .status()
            .is_success()
    );
    // The link works once.
    let again = visitor
        .refused(
            "/api/auth/reset_password",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(again, 409);
    let page = visitor
        .get(&format!("/reset-password?token={token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("This link has expired or was already used"));
    // The request and the reset are in the audit log (the reset in the user's team).
    let pool = app.owner_pool().await;
    let actions: Vec<(String, bool)> = sqlx::query_as(
        "SELECT action, team_id IS NOT NULL FROM audit_log
          WHERE action LIKE 'user.password_reset%' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            ("user.password_reset_requested".into(), false),
            ("user.password_reset_requested".into(), false),
            ("user.password_reset".into(), true),
        ]
    );
}

#[tokio::test]
async fn reset_requests_are_limited_per_email_and_refused_while_email_is_off() {
    let (app, _sink) = app_with_mail().await;
    let (_, email) = app.signed_up("Lim Ited").await;
    let form = [("email", email.as_str())];
    let ask = || app.post_form("/api/auth/request_password_reset", &form);
    for _ in 0..3 {
        assert_eq!(ask().await.status(), 200);
    }
    let limited = ask().await;
    assert_eq!(limited.status(), 429);
    // Bad input changes nothing.
    assert_eq!(
        app.refused(
            "/api/auth/request_password_reset",
            &[("email", "not an email")]
        )
        .await,
        422
    );

    let off = crate::helpers::spawn_app().await;
    let (status, body) = off
        .call::<serde_json::Value>("/api/auth/request_password_reset", &[("email", &email)])
        .await
        .unwrap_err();
    assert_eq!(status, 503);
    assert!(
        body.contains("Email is not set up on this server"),
        "{body}"
    );
}
