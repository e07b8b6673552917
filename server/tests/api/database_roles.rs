//! The data layer's ground rules: migrations applied by the owner, the server connected
//! as a role that owns nothing and cannot bypass row-level security, demo data seeded
//! once.

use server::config::Config;
use server::demo::DEMO_EMAIL;
use server::startup::Application;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_application_role_is_not_owner_superuser_or_bypassrls() {
    let app = spawn_app().await;
    let pool = app.app_pool().await;
    let (superuser, bypass_rls): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!superuser && !bypass_rls);
    let owned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(owned, 0, "the application role owns tables");
    // It can still use them.
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 1);
}

#[tokio::test]
async fn the_application_role_cannot_change_the_schema() {
    let app = spawn_app().await;
    let pool = app.app_pool().await;
    let result = sqlx::query("DROP TABLE users").execute(&pool).await;
    assert!(result.is_err(), "the application role dropped a table");
}

#[tokio::test]
async fn demo_data_is_seeded_once_even_across_restarts() {
    let app = spawn_app().await;
    // A second server start on the same database: migrations and seed are idempotent.
    let vars = [
        ("DATABASE_URL", app.database_url.clone()),
        ("DATABASE_OWNER_URL", app.owner_database_url.clone()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".to_owned()),
    ];
    let config = Config::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    Application::build(config).await.expect("restart failed");

    // Counted as the owner: row-level security hides memberships from a context-free
    // application role.
    let pool = app.owner_pool().await;
    let (users, memberships): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM users WHERE email = $1),
                (SELECT count(*) FROM team_members m JOIN users u ON u.id = m.user_id
                  WHERE u.email = $1 AND m.role = 'owner')",
    )
    .bind(DEMO_EMAIL)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((users, memberships), (1, 1));
}
