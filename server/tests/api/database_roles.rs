//! The data layer's ground rules: migrations applied by the owner, the server connected
//! as a role that owns nothing and cannot bypass row-level security, demo data seeded
//! once.

use server::config::Config;
use server::demo::DEMO_EMAIL;
use server::startup::{Application, Role};

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
    Application::build(config, Role::All)
        .await
        .expect("restart failed");

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

/// Unique violations a request can cause answer with the field or a conflict, by the
/// constraint's name: each name the server maps must exist in the schema, and a
/// duplicate email (as a race between two sign-ups would make it) names the field.
#[tokio::test]
async fn unique_violations_name_their_field_and_every_mapped_constraint_exists() {
    let app = spawn_app().await;
    let owner = app.owner_pool().await;
    for (name, _, _) in server::errors::UNIQUE_CONSTRAINTS {
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = $1)
                 OR EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = $1)",
        )
        .bind(name)
        .fetch_one(&owner)
        .await
        .unwrap();
        assert!(exists, "{name} is mapped but not in the schema");
    }

    let duplicate = sqlx::query(
        "INSERT INTO users (email, password_hash, display_name) VALUES ($1, 'x', 'Twin')",
    )
    .bind(DEMO_EMAIL)
    .execute(&owner)
    .await
    .unwrap_err();
    let answer = app::error::AppError::from(server::errors::ServerError::from(duplicate));
    assert_eq!(answer.status(), 422);
    assert_eq!(answer.field(), Some("email"));

    let unknown = sqlx::query("SELECT 1/0").execute(&owner).await.unwrap_err();
    let answer = app::error::AppError::from(server::errors::ServerError::from(unknown));
    assert_eq!(
        answer,
        app::error::AppError::Internal,
        "no database text reaches a client"
    );
}

/// Knowledge bases need pgvector 0.8 or later: HNSW indexes whose scans go on past
/// the rows a filter drops (`hnsw.iterative_scan`), so a filtered search still finds k.
#[tokio::test]
async fn the_database_has_pgvector_with_iterative_hnsw_scans() {
    let app = spawn_app().await;
    let owner = app.owner_pool().await;
    let version: String =
        sqlx::query_scalar("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            .fetch_one(&owner)
            .await
            .expect("the vector extension is created");
    let parts: Vec<u32> = version.split('.').map(|p| p.parse().unwrap()).collect();
    assert!(parts >= vec![0, 8], "pgvector {version}");

    let mut conn = owner.acquire().await.unwrap();
    for statement in [
        "CREATE TEMP TABLE near (id int, kept boolean, v vector(3))",
        // 200 points on a line; only every tenth is kept by the filter below.
        "INSERT INTO near SELECT i, i % 10 = 0, ARRAY[i, 1, 0]::vector(3) FROM generate_series(1, 200) i",
        "CREATE INDEX ON near USING hnsw (v vector_l2_ops)",
        "SET enable_seqscan = off",
        "SET hnsw.ef_search = 10",
        "SET hnsw.iterative_scan = strict_order",
    ] {
        sqlx::query(statement).execute(&mut *conn).await.unwrap();
    }
    let nearest: Vec<i32> =
        sqlx::query_scalar("SELECT id FROM near WHERE kept ORDER BY v <-> '[1, 1, 0]' LIMIT 5")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    // Without the iterative scan the index hands over ten candidates, one of them kept.
    assert_eq!(nearest, vec![10, 20, 30, 40, 50]);
}
