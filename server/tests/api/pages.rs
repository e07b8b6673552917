//! Server-rendered pages, as a browser without JavaScript receives them.

use crate::helpers::spawn_app;

#[tokio::test]
async fn landing_page_is_server_rendered_with_its_hydration_script() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("AI agents from a spec, run on any model, for less."));
    assert!(
        html.contains("/pkg/agent-factory.js"),
        "no hydration script"
    );
    assert!(html.contains(r#"href="/signup""#));
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
        assert_eq!(response.status(), 200, "{path}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(&format!(">{heading}</h1>")),
            "{path} lacks its heading"
        );
        assert!(
            html.contains(r#"aria-label="Main""#),
            "{path} lacks the navigation"
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
