//! Two-factor sign-in over HTTP: set-up with a first code, the code asked after the
//! password, codes that work once, recovery codes, the sign-in limits, turning it off,
//! and a team that requires it of its members.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use totp_rs::{Builder, Secret, Totp};

use crate::helpers::{TestApp, spawn_app};

const PASSWORD: &str = "a long enough password";

/// The authenticator app: what the person types after scanning the key.
fn authenticator(typed_key: &str) -> Totp {
    let key: String = typed_key.split_whitespace().collect();
    let secret = Secret::try_from_base32(key).expect("a base32 key");
    Builder::new()
        .with_secret(secret)
        .build()
        .expect("an authenticator")
}

/// The code the app shows `steps` time steps from now (one step ahead is still
/// accepted: clocks drift), so a test never waits for the next step.
fn code(totp: &Totp, steps: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp.generate(now + steps * 30).to_string()
}

/// Six digits that are none of the codes accepted around now.
fn wrong_code(totp: &Totp) -> String {
    let taken: Vec<String> = [0, 1, 2].iter().map(|s| code(totp, *s)).collect();
    (0..)
        .map(|n: u32| format!("{:06}", (n * 7919) % 1_000_000))
        .find(|candidate| !taken.contains(candidate) && code(totp, 0) != *candidate)
        .unwrap()
}

async fn status(user: &TestApp) -> Value {
    user.call("/api/profile/two_factor", &[])
        .await
        .expect("status")
}

/// A new person with two-factor on; returns them, their email, their app and their
/// recovery codes.
async fn enrolled(app: &TestApp, name: &str) -> (TestApp, String, Totp, Vec<String>) {
    let (user, email) = app.signed_up(name).await;
    let off = status(&user).await;
    assert_eq!(off["enabled"], false);
    assert!(off["pending"].is_null());
    user.call::<Value>("/api/profile/two_factor/start", &[])
        .await
        .unwrap();
    let pending = status(&user).await;
    let svg = pending["pending"]["qr_svg"].as_str().unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{svg}");
    let totp = authenticator(pending["pending"]["secret"].as_str().unwrap());

    let wrong = user
        .call::<Value>(
            "/api/profile/two_factor/confirm",
            &[("code", &wrong_code(&totp))],
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.0, 422, "{}", wrong.1);
    assert_eq!(
        status(&user).await["enabled"],
        false,
        "a wrong code changes nothing"
    );

    user.call::<Value>(
        "/api/profile/two_factor/confirm",
        &[("code", &code(&totp, 0))],
    )
    .await
    .unwrap();
    let on = status(&user).await;
    assert_eq!(on["enabled"], true);
    assert_eq!(on["recovery_codes_left"], 10);
    let codes: Vec<String> = serde_json::from_value(on["fresh_codes"].clone()).unwrap();
    assert_eq!(codes.len(), 10);
    // Shown until the person says they kept them, then never again.
    assert_eq!(status(&user).await["fresh_codes"], on["fresh_codes"]);
    user.call::<Value>("/api/profile/two_factor/saved_codes", &[])
        .await
        .unwrap();
    assert_eq!(status(&user).await["fresh_codes"], serde_json::json!([]));
    (user, email, totp, codes)
}

/// Signs in with the password in a new browser; asserts it stops at the code.
async fn halfway(app: &TestApp, email: &str) -> TestApp {
    let visitor = app.another_visitor();
    let response = visitor.sign_in(email, PASSWORD).await;
    assert!(response.status().is_success(), "{}", response.status());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/signin/two-factor?next="),
        "{location}"
    );
    assert_eq!(
        visitor.get("/dashboard").await.status(),
        303,
        "no session before the code"
    );
    visitor
}

async fn sign_in_code(visitor: &TestApp, code: &str) -> Result<Value, (u16, String)> {
    visitor
        .call("/api/auth/sign_in_code", &[("code", code)])
        .await
}

/// Whether the browser holds a live session (the viewer, cheaper than a page render).
async fn signed_in(visitor: &TestApp) -> bool {
    let viewer: Value = visitor.call("/api/auth/viewer", &[]).await.unwrap();
    !viewer.is_null()
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    let pool = app.owner_pool().await;
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_in_asks_for_a_code_that_works_once() {
    let app = spawn_app().await;
    let (_, email, totp, _) = enrolled(&app, "Tess").await;
    assert_eq!(audited(&app, "user.two_factor_enabled").await, 1);

    let visitor = halfway(&app, &email).await;
    let wrong = sign_in_code(&visitor, &wrong_code(&totp))
        .await
        .unwrap_err();
    assert_eq!(wrong.0, 422);
    assert!(wrong.1.contains("not right"), "{}", wrong.1);
    assert_eq!(audited(&app, "user.two_factor_failed").await, 1);
    let next = code(&totp, 1);
    sign_in_code(&visitor, &next).await.unwrap();
    assert!(signed_in(&visitor).await);

    // The same code, seen over a shoulder, does not work again; nor does an older one.
    let thief = halfway(&app, &email).await;
    assert_eq!(sign_in_code(&thief, &next).await.unwrap_err().0, 422);
    assert_eq!(
        sign_in_code(&thief, &code(&totp, 0)).await.unwrap_err().0,
        422
    );
    assert_eq!(thief.get("/dashboard").await.status(), 303);

    // Without the password step there is nothing to complete.
    let stranger = app.another_visitor();
    assert_eq!(
        sign_in_code(&stranger, &code(&totp, 1))
            .await
            .unwrap_err()
            .0,
        409
    );
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_turning_off_needs_a_current_code() {
    let app = spawn_app().await;
    let (user, email, totp, codes) = enrolled(&app, "Rafa").await;

    let visitor = halfway(&app, &email).await;
    // Typed as people type: upper case, with spaces.
    let typed = codes[0].to_uppercase().replace('-', " ");
    sign_in_code(&visitor, &typed).await.unwrap();
    assert!(signed_in(&visitor).await);
    assert_eq!(status(&user).await["recovery_codes_left"], 9);
    assert_eq!(audited(&app, "user.recovery_code_used").await, 1);
    let again = halfway(&app, &email).await;
    assert_eq!(sign_in_code(&again, &codes[0]).await.unwrap_err().0, 422);

    // New codes need a current code, and replace every old one.
    assert_eq!(
        user.refused(
            "/api/profile/two_factor/renew_codes",
            &[("code", &wrong_code(&totp))]
        )
        .await,
        422
    );
    user.call::<Value>(
        "/api/profile/two_factor/renew_codes",
        &[("code", &codes[1])],
    )
    .await
    .unwrap();
    let renewed = status(&user).await;
    assert_eq!(renewed["recovery_codes_left"], 10);
    assert_ne!(renewed["fresh_codes"][0], codes[0]);
    assert_eq!(sign_in_code(&again, &codes[2]).await.unwrap_err().0, 422);

    assert_eq!(
        user.refused(
            "/api/profile/two_factor/disable",
            &[("code", &wrong_code(&totp))]
        )
        .await,
        422
    );
    user.call::<Value>(
        "/api/profile/two_factor/disable",
        &[("code", &code(&totp, 1))],
    )
    .await
    .unwrap();
    assert_eq!(status(&user).await["enabled"], false);
    assert_eq!(audited(&app, "user.two_factor_disabled").await, 1);
    let response = app.another_visitor().sign_in(&email, PASSWORD).await;
    assert_eq!(response.headers()["location"], "/dashboard");
}

#[tokio::test]
async fn wrong_codes_count_toward_the_sign_in_limits() {
    let app = spawn_app().await;
    let (_, email, totp, _) = enrolled(&app, "Gus").await;
    let wrong = wrong_code(&totp);
    let visitor = halfway(&app, &email).await;
    for _ in 0..5 {
        assert_eq!(sign_in_code(&visitor, &wrong).await.unwrap_err().0, 422);
    }
    // The challenge is withdrawn after five: even the right code needs the password again.
    assert_eq!(
        sign_in_code(&visitor, &code(&totp, 1)).await.unwrap_err().0,
        409
    );
    let visitor = halfway(&app, &email).await;
    for _ in 0..5 {
        assert_eq!(sign_in_code(&visitor, &wrong).await.unwrap_err().0, 422);
    }
    // Ten failures for the address: the password step is refused for a while too.
    let response = app.another_visitor().sign_in(&email, PASSWORD).await;
    assert_eq!(response.status(), 429);
}

#[tokio::test]
async fn a_team_can_require_two_factor_of_its_members() {
    let app = spawn_app().await;
    let (owner, _) = app.signed_up("Olga").await;
    assert_eq!(
        owner
            .refused("/api/teams/require_two_factor", &[("required", "true")])
            .await,
        409,
        "an owner without it would lock themselves out"
    );
    let token: String = owner
        .call("/api/teams/invite", &[("role", "admin")])
        .await
        .unwrap();
    let (member, _) = app.signed_up("Mo").await;
    member
        .call::<Value>(
            "/api/teams/accept",
            &[("token", token.trim_start_matches("/invite/"))],
        )
        .await
        .unwrap();

    // The owner turns it on for themselves, then for the team; an admin may not.
    owner
        .call::<Value>("/api/profile/two_factor/start", &[])
        .await
        .unwrap();
    let totp = authenticator(status(&owner).await["pending"]["secret"].as_str().unwrap());
    owner
        .call::<Value>(
            "/api/profile/two_factor/confirm",
            &[("code", &code(&totp, 0))],
        )
        .await
        .unwrap();
    assert_eq!(
        member
            .refused("/api/teams/require_two_factor", &[("required", "true")])
            .await,
        403
    );
    owner
        .call::<Value>("/api/teams/require_two_factor", &[("required", "true")])
        .await
        .unwrap();
    assert_eq!(audited(&app, "team.two_factor_required").await, 1);
    let overview: Value = owner.call("/api/teams/overview", &[]).await.unwrap();
    assert_eq!(overview["require_two_factor"], true);

    // The member's team work waits for their second factor; their profile does not.
    let refused = member
        .call::<Value>("/api/teams/overview", &[])
        .await
        .unwrap_err();
    assert_eq!(refused.0, 403);
    assert!(refused.1.contains("TwoFactorRequired"), "{}", refused.1);
    let viewer: Value = member.call("/api/auth/viewer", &[]).await.unwrap();
    assert_eq!(viewer["needs_two_factor"], true);
    member
        .call::<Value>("/api/profile/two_factor/start", &[])
        .await
        .unwrap();
    let pending = status(&member).await;
    assert_eq!(pending["required_by"], "Olga's team");
    let member_app = authenticator(pending["pending"]["secret"].as_str().unwrap());
    member
        .call::<Value>(
            "/api/profile/two_factor/confirm",
            &[("code", &code(&member_app, 0))],
        )
        .await
        .unwrap();
    let overview: Value = member.call("/api/teams/overview", &[]).await.unwrap();
    let members = overview["members"].as_array().unwrap();
    assert!(
        members.iter().all(|m| m["two_factor"] == true),
        "{overview}"
    );
    // While the team requires it, it stays on.
    assert_eq!(
        member
            .refused(
                "/api/profile/two_factor/disable",
                &[("code", &code(&member_app, 1))]
            )
            .await,
        409
    );
}
