//! Team single sign-on (Enterprise), over real HTTP against fake-oidc as the team's
//! provider and fake-dns as the name server the domain check asks: set-up refused off
//! the plan and on bad input, a domain proven only by its TXT record (and by one team),
//! sign-in routed by the email's domain with membership on the first visit, emails
//! outside the proven domains refused, and "required" refusing passwords and other
//! providers for the domain while leaving everyone else alone.

use fake_dns::FakeDns;
use fake_oidc::{FakeOidc, Options};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_with};
use crate::identity::{
    CLIENT_ID, CLIENT_SECRET, Person, location, person, through_provider, viewer,
};

struct Setup {
    app: TestApp,
    owner: TestApp,
    team_id: String,
    provider: FakeOidc,
    dns: FakeDns,
}

/// A server asking fake-dns, whose outbound guard lets it reach fake-oidc (a team's
/// provider is otherwise only reachable on public addresses); the same fake is also the
/// operator's provider, to show "required" refusing it. An owner in their own team.
async fn setup() -> Setup {
    let options = Options {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
    };
    let provider = FakeOidc::start("127.0.0.1:0", options).await.unwrap();
    let dns = FakeDns::start("127.0.0.1:0", "127.0.0.1:0").await.unwrap();
    let issuer = provider.issuer();
    let provider_host = issuer.trim_start_matches("http://").to_owned();
    let app = spawn_app_with(&[
        ("DNS_RESOLVER", &dns.dns_addr().to_string()),
        ("OUTBOUND_ALLOWLIST", &provider_host),
        ("OIDC_ISSUER", &issuer),
        ("OIDC_CLIENT_ID", CLIENT_ID),
        ("OIDC_CLIENT_SECRET", CLIENT_SECRET),
    ])
    .await;
    let (owner, _) = app.signed_up("Olga Owner").await;
    let team_id = viewer(&owner).await["team"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Setup {
        app,
        owner,
        team_id,
        provider,
        dns,
    }
}

async fn make_enterprise(app: &TestApp, team_id: &str) {
    let pool = app.owner_pool().await;
    sqlx::query("UPDATE teams SET plan = 'enterprise' WHERE id = $1::uuid")
        .bind(team_id)
        .execute(&pool)
        .await
        .unwrap();
}

fn configure_form<'a>(issuer: &'a str, secret: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("issuer", issuer),
        ("client_id", CLIENT_ID),
        ("client_secret", secret),
        ("default_role", "member"),
    ]
}

async fn overview(owner: &TestApp) -> Value {
    owner.call("/api/sso/overview", &[]).await.unwrap()
}

/// Adds `domain` and publishes its TXT record; returns the domain's id.
async fn prove(setup: &Setup, owner: &TestApp, domain: &str) -> String {
    owner
        .call::<Value>("/api/sso/add_domain", &[("domain", domain)])
        .await
        .unwrap();
    let sso = overview(owner).await;
    let entry = sso["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["domain"] == domain)
        .unwrap()
        .clone();
    let id = entry["id"].as_str().unwrap().to_owned();
    let (name, value) = (
        entry["record_name"].as_str().unwrap(),
        entry["record_value"].as_str().unwrap(),
    );
    setup
        .dns
        .set_txt(name, vec!["v=spf1 -all".into(), value.into()]);
    owner
        .call::<Value>("/api/sso/verify_domain", &[("id", &id)])
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn a_team_proves_its_domain_and_its_people_sign_in_through_its_provider() {
    let setup = setup().await;
    let Setup {
        app,
        owner,
        team_id,
        provider,
        ..
    } = &setup;
    let issuer = provider.issuer();

    // Off the Enterprise plan: shown as such, and nothing can be set.
    assert_eq!(overview(owner).await["available"], false);
    assert_eq!(
        owner
            .refused(
                "/api/sso/configure",
                &configure_form(&issuer, CLIENT_SECRET)
            )
            .await,
        403
    );
    make_enterprise(app, team_id).await;

    // Bad input changes nothing: not a URL, nothing answering, no secret.
    assert_eq!(
        owner
            .refused("/api/sso/configure", &configure_form("login.example", "s"))
            .await,
        422
    );
    let (status, body) = owner
        .call::<Value>(
            "/api/sso/configure",
            &configure_form("http://127.0.0.1:9/nothing", "s"),
        )
        .await
        .unwrap_err();
    assert_eq!(status, 422);
    assert!(body.contains("discovery document"), "{body}");
    assert_eq!(
        owner
            .refused("/api/sso/configure", &configure_form(&issuer, ""))
            .await,
        422
    );
    assert!(overview(owner).await["provider"].is_null());

    owner
        .call::<Value>(
            "/api/sso/configure",
            &configure_form(&issuer, CLIENT_SECRET),
        )
        .await
        .unwrap();
    let sso = overview(owner).await;
    assert_eq!(sso["provider"]["issuer"], issuer.as_str());
    assert_eq!(sso["provider"]["required"], false);
    assert_eq!(
        sso["callback_url"],
        app.url(&format!("/sso/{team_id}/callback")).as_str()
    );
    // Saved again without a secret, the sealed one is kept (sign-in below uses it).
    owner
        .call::<Value>("/api/sso/configure", &configure_form(&issuer, ""))
        .await
        .unwrap();
    let pool = app.owner_pool().await;
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT secret_ciphertext FROM team_sso")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&sealed).contains(CLIENT_SECRET),
        "sealed at rest"
    );

    // A domain waits for its record; a name that is not a domain is refused.
    assert_eq!(
        owner
            .refused("/api/sso/add_domain", &[("domain", "not a domain")])
            .await,
        422
    );
    owner
        .call::<Value>("/api/sso/add_domain", &[("domain", "Acme.Test")])
        .await
        .unwrap();
    let domain = overview(owner).await["domains"][0].clone();
    assert_eq!(domain["domain"], "acme.test");
    assert_eq!(domain["record_name"], "_agent-factory.acme.test");
    let id = domain["id"].as_str().unwrap().to_owned();
    let (status, body) = owner
        .call::<Value>("/api/sso/verify_domain", &[("id", &id)])
        .await
        .unwrap_err();
    assert_eq!(status, 409);
    assert!(
        body.contains("No TXT record at _agent-factory.acme.test"),
        "{body}"
    );
    assert!(overview(owner).await["domains"][0]["verified"].is_null());
    let value = domain["record_value"].as_str().unwrap();
    setup
        .dns
        .set_txt("_agent-factory.acme.test", vec![value.to_owned()]);
    owner
        .call::<Value>("/api/sso/verify_domain", &[("id", &id)])
        .await
        .unwrap();
    assert!(overview(owner).await["domains"][0]["verified"].is_string());

    // Nobody has used it yet: it cannot be required.
    assert_eq!(
        owner
            .refused("/api/sso/require", &[("required", "true")])
            .await,
        409
    );

    // Someone of the domain starts with their email, and joins the team as a member.
    let ida = app.another_visitor();
    let start = "/sso/start?email=Ida%40acme.test&next=/agents";
    // The team's provider speaks for its proven domain: no `email_verified` needed.
    let unverified = Person {
        email: "ida@acme.test",
        verified: false,
        fault: "none",
    };
    assert_eq!(through_provider(&ida, start, unverified).await, "/agents");
    let me = viewer(&ida).await;
    assert_eq!(me["email"], "ida@acme.test");
    assert_eq!(me["team"]["id"], team_id.as_str(), "lands in the team");
    assert_eq!(me["team"]["role"], "member");
    assert_eq!(me["needs_email_verification"], false);
    assert_eq!(
        ida.refused("/api/sso/overview", &[]).await,
        403,
        "members do not see it"
    );
    // The bookmarkable start, again: the same account, already a member.
    let again = app.another_visitor();
    let bookmark = format!("/sso/{team_id}");
    assert_eq!(
        through_provider(&again, &bookmark, person("ida@acme.test")).await,
        "/dashboard"
    );
    assert_eq!(viewer(&again).await["user_id"], me["user_id"]);

    // The provider naming an address outside the proven domains opens nothing.
    let eve = app.another_visitor();
    assert_eq!(
        through_provider(&eve, &bookmark, person("eve@elsewhere.test")).await,
        "/sso?error=outside_domain"
    );
    // The page's form ends at the team's provider, wherever it is: its policy lets it.
    let policy = |response: reqwest::Response| {
        response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert!(policy(app.get("/sso").await).contains("https: http:"));
    assert!(!policy(app.get("/signin").await).contains("https: http:"));
    // A domain no team proved.
    let nobody = app.get("/sso/start?email=someone%40nowhere.test").await;
    assert_eq!(
        location(&nobody),
        "/sso?error=unknown_domain&email=someone%40nowhere.test"
    );

    let joined: Vec<Value> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'member.joined' AND team_id = $1::uuid",
    )
    .bind(team_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        joined,
        [serde_json::json!({ "via": "sso", "role": "member" })]
    );
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'sso.%' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        actions,
        [
            "sso.configured",
            "sso.configured",
            "sso.domain_added",
            "sso.domain_verified"
        ]
    );
}

#[tokio::test]
async fn required_sso_refuses_every_other_way_in_for_the_domain_only() {
    let setup = setup().await;
    let Setup {
        app,
        owner,
        team_id,
        provider,
        ..
    } = &setup;
    make_enterprise(app, team_id).await;
    // Someone of the domain with a password, from before.
    let paula = app.another_visitor();
    let password = "a long enough password";
    assert!(
        paula
            .sign_up("Paula", "paula@acme.test", password)
            .await
            .status()
            .is_success()
    );

    owner
        .call::<Value>(
            "/api/sso/configure",
            &configure_form(&provider.issuer(), CLIENT_SECRET),
        )
        .await
        .unwrap();
    prove(&setup, owner, "acme.test").await;
    let first = app.another_visitor();
    through_provider(
        &first,
        "/sso/start?email=paula%40acme.test",
        person("paula@acme.test"),
    )
    .await;
    assert_eq!(
        viewer(&first).await["team"]["id"],
        team_id.as_str(),
        "Paula's account, in the team"
    );
    owner
        .call::<Value>("/api/sso/require", &[("required", "true")])
        .await
        .unwrap();

    // Her password no longer signs her in, nor does the operator's provider.
    let response = app
        .another_visitor()
        .sign_in("paula@acme.test", password)
        .await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("single sign-on"));
    let elsewhere = app.another_visitor();
    assert_eq!(
        through_provider(&elsewhere, "/auth/oidc/start", person("paula@acme.test")).await,
        "/signin?sso=sso_required"
    );
    // Nor can a new account of the domain be made with a password.
    let newcomer = app
        .another_visitor()
        .sign_up("Nina New", "nina@acme.test", password)
        .await;
    assert_eq!(newcomer.status(), 409);
    // Everyone else is untouched; her team's provider still lets her in.
    let (_, other_email) = app.signed_up("Otto Other").await;
    assert!(
        app.another_visitor()
            .sign_in(&other_email, password)
            .await
            .status()
            .is_success()
    );
    let through = app.another_visitor();
    through_provider(
        &through,
        "/sso/start?email=paula%40acme.test",
        person("paula@acme.test"),
    )
    .await;
    assert_eq!(viewer(&through).await["email"], "paula@acme.test");

    // A domain is one team's: another team cannot prove it, nor see or touch this one.
    let (rival, _) = app.signed_up("Rita Rival").await;
    let rival_team = viewer(&rival).await["team"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    make_enterprise(app, &rival_team).await;
    rival
        .call::<Value>("/api/sso/add_domain", &[("domain", "acme.test")])
        .await
        .unwrap();
    let theirs = overview(&rival).await["domains"][0].clone();
    let ours = overview(owner).await["domains"][0].clone();
    setup.dns.set_txt(
        "_agent-factory.acme.test",
        vec![
            ours["record_value"].as_str().unwrap().to_owned(),
            theirs["record_value"].as_str().unwrap().to_owned(),
        ],
    );
    let (status, body) = rival
        .call::<Value>(
            "/api/sso/verify_domain",
            &[("id", theirs["id"].as_str().unwrap())],
        )
        .await
        .unwrap_err();
    assert_eq!(status, 409);
    assert!(
        body.contains("Another team has already proven acme.test"),
        "{body}"
    );
    let our_id = ours["id"].as_str().unwrap();
    assert_eq!(
        rival
            .refused("/api/sso/remove_domain", &[("id", our_id)])
            .await,
        404
    );

    // Turned off, the password works again.
    owner.call::<Value>("/api/sso/remove", &[]).await.unwrap();
    assert!(
        app.another_visitor()
            .sign_in("paula@acme.test", password)
            .await
            .status()
            .is_success()
    );
}
