//! Email through a real SMTP conversation with a local sink (fake-smtp), and the flows
//! that send it: the password reset and email verification.

use std::time::Duration;

use fake_smtp::{FakeSmtp, Mail};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_with};
use crate::marketplace::{SPEC, create_agent, try_publish};

const NEW_PASSWORD: &str = "a brand new password";

/// A server whose mail goes to a fresh sink.
async fn app_with_mail() -> (TestApp, FakeSmtp) {
    let sink = FakeSmtp::start("127.0.0.1:0").await.unwrap();
    let app = spawn_app_with(&[("SMTP_URL", &sink.smtp_url())]).await;
    (app, sink)
}

const RESET: &str = "Reset your Agent Factory password";
const VERIFY: &str = "Confirm your email address for Agent Factory";

/// The `nth` mail to `to` with this subject (mails of one kind arrive in order; mails
/// of different kinds may not).
async fn mail_to(sink: &FakeSmtp, to: &str, subject: &str, nth: usize) -> Mail {
    let pick = |mails: &[Mail]| {
        let to_them = |m: &&Mail| m.subject == subject && m.to.iter().any(|r| r == to);
        mails.iter().filter(to_them).nth(nth).cloned()
    };
    sink.wait_for(Duration::from_secs(30), pick)
        .await
        .unwrap_or_else(|| panic!("no mail {subject:?} #{nth} reached {to}"))
}

/// The token that follows `marker` in a mail's link (both the text and the HTML carry
/// it).
fn link_token(mail: &Mail, marker: &str) -> String {
    let after = mail
        .text
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("the mail has no link with {marker}"));
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
    let mail = mail_to(&sink, &email, RESET, 0).await;
    assert!(
        mail.from_header.contains("Agent Factory"),
        "{}",
        mail.from_header
    );
    assert!(
        sink.mails().iter().all(|m| !m.to.contains(&nobody)),
        "mail went to an address without an account"
    );
    let token = link_token(&mail, "/reset-password?token=");
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

/// Follows a verification mail's link as a person would: the page, then its button.
async fn verify(app: &TestApp, mail: &Mail) -> String {
    let token = link_token(mail, "/verify-email?token=");
    let visitor = app.another_visitor();
    let page = visitor
        .get(&format!("/verify-email?token={token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Confirm my email address"),
        "no button: {page}"
    );
    let confirmed = visitor
        .post_form("/api/auth/verify_email", &[("token", &token)])
        .await;
    assert_eq!(confirmed.status(), 200);
    assert_eq!(confirmed.headers()["location"], "/verify-email?done=1");
    token
}

async fn needs_verification(user: &TestApp) -> bool {
    let viewer: Value = user.call("/api/auth/viewer", &[]).await.unwrap();
    viewer["needs_email_verification"].as_bool().unwrap()
}

#[tokio::test]
async fn an_address_is_verified_by_its_link_and_unlocks_what_waits_for_it() {
    let (app, sink) = app_with_mail().await;
    let (owner, owner_email) = app.signed_up("Vera Verify").await;
    assert!(needs_verification(&owner).await);
    let dashboard = owner.get("/dashboard").await.text().await.unwrap();
    assert!(dashboard.contains("Confirm your email address."));
    // Publishing waits for it, and so does becoming an owner.
    let agent = create_agent(&owner, SPEC).await;
    let (status, body) = try_publish(&owner, &agent, "Scout", "").await.unwrap_err();
    assert_eq!(status, 409);
    assert!(
        body.contains("Confirm your email address before publishing"),
        "{body}"
    );
    let invitation: String = owner
        .call("/api/teams/invite", &[("role", "member")])
        .await
        .unwrap();
    let (joiner, joiner_email) = app.signed_up("Jo Joiner").await;
    let token = invitation.trim_start_matches("/invite/");
    joiner
        .call::<Value>("/api/teams/accept", &[("token", token)])
        .await
        .unwrap();
    let team: Value = owner.call("/api/teams/overview", &[]).await.unwrap();
    let joiner_id = team["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["display_name"] == "Jo Joiner")
        .map(|m| m["user_id"].as_str().unwrap().to_owned())
        .unwrap();
    let make_owner = [("user_id", joiner_id.as_str()), ("role", "owner")];
    let (status, body) = owner
        .call::<Value>("/api/teams/change_role", &make_owner)
        .await
        .unwrap_err();
    assert_eq!(status, 409);
    assert!(body.contains("cannot be made an owner"), "{body}");

    // The link from the sign-up mail verifies the address, once.
    let mail = mail_to(&sink, &owner_email, VERIFY, 0).await;
    let token = verify(&app, &mail).await;
    assert!(!needs_verification(&owner).await);
    let dashboard = owner.get("/dashboard").await.text().await.unwrap();
    assert!(!dashboard.contains("Confirm your email address."));
    assert!(try_publish(&owner, &agent, "Scout", "").await.is_ok());
    let again = app
        .another_visitor()
        .refused("/api/auth/verify_email", &[("token", &token)])
        .await;
    assert_eq!(again, 409);

    // "Send it again" sends a second link, which verifies the joiner.
    let resent = joiner.post_form("/api/auth/resend_verification", &[]).await;
    assert_eq!(resent.headers()["location"], "/verify-email?sent=1");
    verify(&app, &mail_to(&sink, &joiner_email, VERIFY, 1).await).await;
    owner
        .call::<Value>("/api/teams/change_role", &make_owner)
        .await
        .unwrap();
    let pool = app.owner_pool().await;
    let verified: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'user.email_verified'")
            .fetch_one(&pool)
            .await
            .unwrap();
    // One row in each team of each: Vera's team, and Jo's own and Vera's.
    assert_eq!(verified, 3);
}

#[tokio::test]
async fn an_emailed_invitation_brings_the_invitee_in_with_their_address_filled_in() {
    let (app, sink) = app_with_mail().await;
    let (owner, _) = app.signed_up("Ines Inviter").await;
    let invitee = crate::helpers::unique_email();
    let sent: String = owner
        .call(
            "/api/teams/email_invitation",
            &[("role", "admin"), ("email", &invitee.to_uppercase())],
        )
        .await
        .unwrap();
    assert_eq!(sent, invitee, "the address is normalised");
    let team: Value = owner.call("/api/teams/overview", &[]).await.unwrap();
    assert_eq!(team["invitations"][0]["email"], invitee.as_str());
    // Bad input is refused, and changes nothing.
    let bad = owner
        .refused(
            "/api/teams/email_invitation",
            &[("role", "admin"), ("email", "not an address")],
        )
        .await;
    assert_eq!(bad, 422);

    let mail = mail_to(
        &sink,
        &invitee,
        "Ines Inviter invited you to Ines Inviter's team on Agent Factory",
        0,
    )
    .await;
    assert!(mail.text.contains("as admin"), "{}", mail.text);
    let token = link_token(&mail, "/invite/");
    // The link's page sends the invitee on with the address.
    let page = app
        .another_visitor()
        .get(&format!(
            "/invite/{token}?email={}",
            invitee.replace('@', "%40")
        ))
        .await
        .text()
        .await
        .unwrap();
    let encoded = invitee.replace('@', "%40");
    assert!(page.contains(&format!("email={encoded}")), "{page}");
    let signup = app
        .another_visitor()
        .get(&format!("/signup?email={encoded}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        signup.contains(&format!(r#"value="{invitee}""#)),
        "the address is not filled in"
    );

    let joiner = app.another_visitor();
    let joined = joiner
        .sign_up("Jae Joiner", &invitee, "a long enough password")
        .await;
    assert!(joined.status().is_success());
    joiner
        .call::<Value>("/api/teams/accept", &[("token", &token)])
        .await
        .unwrap();
    let team: Value = joiner.call("/api/teams/overview", &[]).await.unwrap();
    assert_eq!(team["name"], "Ines Inviter's team");
    assert_eq!(team["my_role"], "admin");
    assert_eq!(team["invitations"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn invitations_cannot_be_emailed_while_email_is_off() {
    let app = crate::helpers::spawn_app().await;
    let (owner, _) = app.signed_up("Otto Offline").await;
    let (status, body) = owner
        .call::<Value>(
            "/api/teams/email_invitation",
            &[("role", "member"), ("email", "someone@example.com")],
        )
        .await
        .unwrap_err();
    assert_eq!(status, 503);
    assert!(
        body.contains("create a link and send it yourself"),
        "{body}"
    );
    let team: Value = owner.call("/api/teams/overview", &[]).await.unwrap();
    assert_eq!(team["invitations"].as_array().unwrap().len(), 0);
}

const CHANGE: &str = "Confirm your new email address for Agent Factory";
const CHANGING: &str = "Your Agent Factory email address is being changed";
const CHANGED: &str = "Your Agent Factory email address was changed";

async fn ask_for_address(
    user: &TestApp,
    email: &str,
    password: &str,
) -> Result<Value, (u16, String)> {
    let form = [("email", email), ("current_password", password)];
    user.call("/api/profile/email", &form).await
}

#[tokio::test]
async fn a_new_address_is_used_once_its_link_is_followed_and_the_old_one_is_told() {
    let (app, sink) = app_with_mail().await;
    let (user, old) = app.signed_up("Ed Email").await;
    let new = format!("moved-{old}");
    // Bad input changes nothing and sends nothing.
    let (status, body) = ask_for_address(&user, &new, "not my password")
        .await
        .unwrap_err();
    assert_eq!(status, 422);
    assert!(body.contains("current_password"), "{body}");
    assert_eq!(
        ask_for_address(&user, &old, "a long enough password")
            .await
            .unwrap_err()
            .0,
        422
    );
    assert_eq!(
        ask_for_address(&user, "not an address", "a long enough password")
            .await
            .unwrap_err()
            .0,
        422
    );

    let sent = ask_for_address(&user, &new, "a long enough password")
        .await
        .unwrap();
    assert_eq!(sent["LinkSent"]["email"], new.as_str());
    let notice = mail_to(&sink, &old, CHANGING, 0).await;
    assert!(notice.text.contains(&new), "{}", notice.text);
    // Until the new address confirms, the account keeps the old one.
    let viewer: Value = user.call("/api/auth/viewer", &[]).await.unwrap();
    assert_eq!(viewer["email"], old.as_str());

    let mail = mail_to(&sink, &new, CHANGE, 0).await;
    let token = link_token(&mail, "/change-email?token=");
    let visitor = app.another_visitor();
    let page = visitor
        .get(&format!("/change-email?token={token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Use this address"), "no button: {page}");
    let confirmed = visitor
        .post_form("/api/auth/change_email", &[("token", &token)])
        .await;
    assert_eq!(confirmed.headers()["location"], "/change-email?done=1");
    let viewer: Value = user.call("/api/auth/viewer", &[]).await.unwrap();
    assert_eq!(viewer["email"], new.as_str());
    assert_eq!(
        viewer["needs_email_verification"], false,
        "the link proved the new address"
    );
    mail_to(&sink, &old, CHANGED, 0).await;
    assert_eq!(
        visitor
            .refused("/api/auth/change_email", &[("token", &token)])
            .await,
        409,
        "a link works once"
    );
    // The new address signs in; the old one no longer does.
    let fresh = app.another_visitor();
    assert_eq!(
        fresh.sign_in(&old, "a long enough password").await.status(),
        401
    );
    assert!(
        fresh
            .sign_in(&new, "a long enough password")
            .await
            .status()
            .is_success()
    );
    let pool = app.owner_pool().await;
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'user.email_change%' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        ["user.email_change_requested", "user.email_changed"]
    );
}
