//! Server-rendered pages, as a browser without JavaScript receives them.

use crate::helpers::spawn_app;

#[tokio::test]
async fn public_pages_are_server_rendered_without_the_client() {
    let app = spawn_app().await;
    for (path, text) in [
        ("/", "AI agents from a spec, run on any model, for less."),
        ("/signin", "Sign in to Agent Factory"),
        ("/signup", "Create your account"),
        ("/forgot-password", "Reset your password"),
        ("/reset-password?token=not-a-token", "This link has expired"),
        ("/verify-email?token=not-a-token", "This link has expired"),
        ("/verify-email?sent=1", "A new link is on its way"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(text), "{path} lacks {text:?}");
        assert!(
            html.contains(r#"<meta name="description""#),
            "{path} has no description"
        );
        // No hydration script, and none of the client's chunks preloaded.
        assert!(
            !html.contains("/pkg/agent-factory.js"),
            "{path} loads the client"
        );
        assert!(!html.contains(".wasm"), "{path} preloads WASM");
    }
}

/// The client ships with the pages that have an island, and only with them.
#[tokio::test]
async fn the_client_ships_only_with_pages_that_have_islands() {
    let app = spawn_app().await;
    app.sign_in_demo().await;
    let agents = app.get("/agents").await.text().await.unwrap();
    let agent = first_link(&agents, "/agents/", |id| id.parse::<uuid::Uuid>().is_ok())
        .expect("the demo team has an agent");
    let market = app.get("/marketplace").await.text().await.unwrap();
    let slug = first_link(&market, "/marketplace/", |_| true).unwrap_or("none".into());
    for pattern in app::CLIENT_FREE_PAGES {
        let path = pattern
            .replace(":id", &agent)
            .replace(":slug", &slug)
            .replace(":token", "not-a-token");
        let html = app.get(&path).await.text().await.unwrap();
        assert!(
            !html.contains("<leptos-island"),
            "{path} has an island but ships no client"
        );
        assert!(
            !html.contains("/pkg/agent-factory.js"),
            "{path} loads the client"
        );
    }
    for path in [
        "/dashboard".to_string(),
        "/agents/new".to_string(),
        format!("/agents/{agent}"),
    ] {
        let html = app.get(&path).await.text().await.unwrap();
        assert!(html.contains("<leptos-island"), "{path} has no island");
        assert_eq!(
            html.matches(r#"<script type="module""#).count(),
            1,
            "{path}: one hydration script"
        );
    }
}

/// The first `prefix<segment>` link in `html` whose segment passes `wanted`.
fn first_link(html: &str, prefix: &str, wanted: impl Fn(&str) -> bool) -> Option<String> {
    let anchor = format!(r#"href="{prefix}"#);
    html.match_indices(&anchor).find_map(|(at, _)| {
        let rest = &html[at + anchor.len()..];
        let segment = &rest[..rest.find(['"', '/', '?'])?];
        wanted(segment).then(|| segment.to_string())
    })
}

#[tokio::test]
async fn a_form_posted_without_javascript_comes_back_with_its_error_and_fields() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.url("/api/auth/sign_in"))
        .header("accept", "text/html")
        .header("origin", app.url(""))
        .header("referer", app.url("/signin?next=/agents"))
        .form(&[
            ("email", "demo@agentfactory.dev"),
            ("password", "not the password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    // Back to the form, the error in the URL (Leptos's `__err`, read by the page).
    let back = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with(&app.url("/signin?next=/agents&")),
        "{back}"
    );
    let page = app.get(back.trim_start_matches(&app.url(""))).await;
    let page = page.text().await.unwrap();
    assert!(page.contains("Email or password is incorrect."));
    assert!(
        page.contains(r#"value="demo@agentfactory.dev""#),
        "the email is not filled in again"
    );
    assert!(!page.contains("not the password"));
    // The fields are filled in once: the next visit is a clean form.
    let again = app.get("/signin").await.text().await.unwrap();
    assert!(!again.contains(r#"value="demo@agentfactory.dev""#));
}

/// A settings page ships no client: its form posts and comes back to the page, and the
/// key it made is shown there once, with the copy button (the page's one island). On
/// the way it sits in a cookie scoped to the page, sealed, never the key in the clear.
#[tokio::test]
async fn a_key_made_on_a_page_without_a_client_is_shown_once_where_the_form_came_back() {
    let app = spawn_app().await;
    app.sign_in_demo().await;
    let page = app.get("/settings/api-keys").await.text().await.unwrap();
    assert!(
        !page.contains("<leptos-island"),
        "the settings page ships a client"
    );

    let response = app
        .http
        .post(app.url("/api/api_keys/create"))
        .header("accept", "text/html")
        .header("origin", app.url(""))
        .header("referer", app.url("/settings/api-keys"))
        .form(&[("name", "Made without a client"), ("read", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let back = response.headers()["location"].to_str().unwrap();
    assert!(back.starts_with(&app.url("/settings/api-keys")), "{back}");
    let flash = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|cookie| cookie.starts_with("agf_flash_api-key="))
        .expect("no answer kept for the page")
        .to_owned();
    assert!(flash.contains("Path=/settings/api-keys"), "{flash}");
    assert!(
        flash.contains("HttpOnly") && flash.contains("Max-Age=60"),
        "{flash}"
    );

    let shown = app.get("/settings/api-keys").await.text().await.unwrap();
    let at = shown
        .find(r#"value="agf_"#)
        .expect("the new key is not shown")
        + 7;
    let key = &shown[at..at + shown[at..].find('"').unwrap()];
    assert_eq!(key.len(), 47, "{key}");
    assert!(!flash.contains(key), "the key travelled in the clear");
    assert!(shown.contains("Made without a client"));
    assert!(shown.contains("<leptos-island"), "no copy button");
    let works = app
        .another_visitor()
        .http
        .get(app.url("/v1/agents"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(works.status(), 200);

    let again = app.get("/settings/api-keys").await.text().await.unwrap();
    assert!(!again.contains(key), "the key was shown twice");
    assert!(again.contains("Made without a client"));
}

#[tokio::test]
async fn app_sections_render_inside_the_signed_in_layout() {
    let app = spawn_app().await;
    app.sign_in_demo().await;
    for (path, heading) in [
        ("/dashboard", "Dashboard"),
        ("/agents", "Agents"),
        ("/marketplace", "Marketplace"),
        ("/settings", "Settings"),
    ] {
        let response = app.get(path).await;
        let status = response.status();
        // Type-erased views end a dynamic text with a `<!>` marker; it is not content.
        let html = response.text().await.unwrap().replace("<!>", "");
        let start: String = html.chars().take(600).collect();
        assert_eq!(status, 200, "{path}: {start}");
        assert!(
            html.contains(&format!(">{heading}</h1>")),
            "{path} lacks its heading"
        );
        assert!(
            html.contains(r#"aria-label="Main""#),
            "{path} lacks the navigation"
        );
        assert_eq!(
            html.matches(r#"<meta name="description""#).count(),
            1,
            "{path}: one description"
        );
    }
}

#[tokio::test]
async fn unknown_pages_are_404_with_a_friendly_page() {
    let app = spawn_app().await;
    let response = app.get("/definitely/not/here").await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("We could not find that page"));
}

#[tokio::test]
async fn app_sections_send_anonymous_visitors_to_sign_in() {
    let app = spawn_app().await;
    for path in ["/dashboard", "/agents", "/settings"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(
            response.headers()["location"],
            format!("/signin?next={path}")
        );
    }
    let response = app.get("/agents?sort=name").await;
    assert_eq!(
        response.headers()["location"],
        "/signin?next=/agents%3Fsort%3Dname"
    );
}
