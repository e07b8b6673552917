//! Profile: name, password change (ends other sessions), active sessions, data export,
//! account deletion and the purge 30 days later.

use serde_json::Value;
use server::db::purge::purge_deleted_accounts;

use crate::helpers::{TestApp, spawn_app};

#[tokio::test]
async fn changing_the_password_signs_out_every_other_session() {
    let app = spawn_app().await;
    let (laptop, email) = app.signed_up("Pat").await;
    let phone = app.another_visitor();
    assert!(
        phone
            .sign_in(&email, "a long enough password")
            .await
            .status()
            .is_success()
    );

    let wrong = laptop
        .call::<Value>(
            "/api/profile/password",
            &[
                ("current_password", "nope"),
                ("new_password", "a brand new password"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.0, 422);
    assert!(wrong.1.contains("current_password"));

    laptop
        .call::<Value>(
            "/api/profile/password",
            &[
                ("current_password", "a long enough password"),
                ("new_password", "a brand new password"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        laptop.get("/dashboard").await.status(),
        200,
        "the session that changed it stays"
    );
    assert_eq!(
        phone.get("/dashboard").await.status(),
        303,
        "other sessions end"
    );
    assert_eq!(
        app.another_visitor()
            .sign_in(&email, "a long enough password")
            .await
            .status(),
        401
    );
    assert!(
        app.another_visitor()
            .sign_in(&email, "a brand new password")
            .await
            .status()
            .is_success()
    );
}

#[tokio::test]
async fn the_export_holds_profile_and_memberships_and_is_audited() {
    let app = spawn_app().await;
    let (user, email) = app.signed_up("Exporting Eve").await;
    user.call::<Value>("/api/profile/update", &[("display_name", "Eve Exporter")])
        .await
        .unwrap();
    let response = user.get("/settings/profile/export").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let data: Value = response.json().await.unwrap();
    assert_eq!(data["profile"]["email"], email.as_str());
    assert_eq!(data["profile"]["display_name"], "Eve Exporter");
    assert_eq!(data["memberships"][0]["role"], "owner");
    assert!(data["created"][0]["agents"].is_array());
    let audited: Vec<Value> = user
        .call::<Value>("/api/teams/audit", &[("action", "user.exported")])
        .await
        .unwrap()["entries"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(audited.len(), 1);

    // Signed out: no export, a redirect to sign in.
    assert_eq!(
        app.another_visitor()
            .get("/settings/profile/export")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn deleting_the_account_needs_the_email_anonymises_and_is_purged_later() {
    let app = spawn_app().await;
    let (user, email) = app.signed_up("Dana Delete").await;
    let refused = user
        .call::<Value>("/api/profile/delete", &[("confirmation", "yes please")])
        .await
        .unwrap_err();
    assert_eq!(refused.0, 422);
    assert_eq!(
        user.get("/dashboard").await.status(),
        200,
        "nothing changed"
    );

    user.call::<Value>("/api/profile/delete", &[("confirmation", &email)])
        .await
        .unwrap();
    assert_eq!(user.get("/dashboard").await.status(), 303, "signed out");
    assert_eq!(
        app.another_visitor()
            .sign_in(&email, "a long enough password")
            .await
            .status(),
        401
    );

    let owner = app.owner_pool().await;
    let (name, emails): (String, i64) = sqlx::query_as(
        "SELECT display_name, (SELECT count(*) FROM users WHERE email = $1) FROM users WHERE email LIKE 'deleted-%'",
    )
    .bind(&email)
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!((name.as_str(), emails), ("Deleted user", 0));
    // The address is free again.
    let again = app
        .another_visitor()
        .sign_up("Dana Again", &email, "a long enough password")
        .await;
    assert!(again.status().is_success(), "{}", again.status());

    // Not yet due: the purge leaves it; 30 days on, the user and their solo team go.
    assert_eq!(
        purge_deleted_accounts(&app.app_pool().await).await.unwrap(),
        0
    );
    sqlx::query(
        "UPDATE users SET purge_after = now() - interval '1 second' WHERE email LIKE 'deleted-%'",
    )
    .execute(&owner)
    .await
    .unwrap();
    assert_eq!(
        purge_deleted_accounts(&app.app_pool().await).await.unwrap(),
        1
    );
    let teams: i64 =
        sqlx::query_scalar("SELECT count(*) FROM teams WHERE name = 'Dana Delete''s team'")
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(teams, 0);
}

#[tokio::test]
async fn the_only_owner_of_a_shared_team_cannot_delete_their_account() {
    let app = spawn_app().await;
    let (owner, email) = app.signed_up("Olga").await;
    let (other, _) = app.signed_up("Otto").await;
    let link: String = owner
        .call("/api/teams/invite", &[("role", "member")])
        .await
        .unwrap();
    other
        .call::<Value>(
            "/api/teams/accept",
            &[("token", link.trim_start_matches("/invite/"))],
        )
        .await
        .unwrap();
    let refused = owner
        .call::<Value>("/api/profile/delete", &[("confirmation", &email)])
        .await
        .unwrap_err();
    assert_eq!(refused.0, 409, "{refused:?}");
    assert_eq!(owner.get("/dashboard").await.status(), 200);
}

/// Signs `visitor` in as `email` from a browser that says it is `user_agent`.
async fn sign_in_from(visitor: &TestApp, email: &str, user_agent: &str) {
    let response = visitor
        .http
        .post(visitor.url("/api/auth/sign_in"))
        .header("origin", format!("http://{}", visitor.addr))
        .header("user-agent", user_agent)
        .form(&[("email", email), ("password", "a long enough password")])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

async fn signed_in(visitor: &TestApp) -> bool {
    let viewer: Value = visitor.call("/api/auth/viewer", &[]).await.unwrap();
    !viewer.is_null()
}

#[tokio::test]
async fn a_person_sees_where_they_are_signed_in_and_ends_the_other_sessions() {
    const PHONE: &str = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0";
    let app = spawn_app().await;
    let (laptop, email) = app.signed_up("Sam Sessions").await;
    let phone = app.another_visitor();
    sign_in_from(&phone, &email, PHONE).await;
    let listed: Vec<Value> = laptop.call("/api/profile/sessions", &[]).await.unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    let (current, others): (Vec<&Value>, Vec<&Value>) =
        listed.iter().partition(|s| s["current"] == true);
    assert_eq!(current.len(), 1);
    let other = others[0];
    assert_eq!(other["device"], "Firefox on Android");
    assert_eq!(other["address"], "127.0.0.1");
    let other_id = other["id"].as_str().unwrap();

    // Another person cannot end it: their list has no such session.
    let (stranger, _) = app.signed_up("Stan Stranger").await;
    let refused = stranger
        .refused("/api/profile/end_session", &[("id", other_id)])
        .await;
    assert_eq!(refused, 404);
    assert!(signed_in(&phone).await);

    laptop
        .call::<Value>("/api/profile/end_session", &[("id", other_id)])
        .await
        .unwrap();
    assert!(!signed_in(&phone).await, "the phone is still signed in");
    assert!(signed_in(&laptop).await);

    // "Sign out everywhere else" keeps only this browser.
    sign_in_from(&phone, &email, PHONE).await;
    laptop
        .call::<Value>("/api/profile/end_other_sessions", &[])
        .await
        .unwrap();
    assert!(!signed_in(&phone).await);
    let listed: Vec<Value> = laptop.call("/api/profile/sessions", &[]).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["current"], true);
    let pool = app.owner_pool().await;
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action IN ('user.session_ended', 'user.signed_out_elsewhere') ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(actions, ["user.session_ended", "user.signed_out_elsewhere"]);
}
