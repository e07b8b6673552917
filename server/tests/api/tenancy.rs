//! Tenant isolation enforced by PostgreSQL itself: the application role, with team A's
//! context, sees and writes only team A's rows, whatever the query says.

use sqlx::PgPool;
use uuid::Uuid;

use server::db::tenant::{self, Tenant};

use crate::helpers::spawn_app;

/// Two teams with one user each and an agent, run, API key and draft template each;
/// team B also has a published template.
async fn two_teams(owner: &PgPool) -> (Uuid, Uuid, Uuid, Uuid) {
    let mut ids = Vec::new();
    for name in ["A", "B"] {
        let user: Uuid = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, password_hash) VALUES ($1, $2, 'x') RETURNING id",
        )
        .bind(format!("{}@{}.example", Uuid::new_v4().simple(), name.to_lowercase()))
        .bind(name)
        .fetch_one(owner)
        .await
        .unwrap();
        let team: Uuid =
            sqlx::query_scalar("INSERT INTO teams (name, created_by) VALUES ($1, $2) RETURNING id")
                .bind(format!("Team {name}"))
                .bind(user)
                .fetch_one(owner)
                .await
                .unwrap();
        sqlx::query("INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, 'owner')")
            .bind(team)
            .bind(user)
            .execute(owner)
            .await
            .unwrap();
        let agent: Uuid = sqlx::query_scalar(
            "INSERT INTO agents (team_id, name, kind) VALUES ($1, $2, 'agent') RETURNING id",
        )
        .bind(team)
        .bind(format!("Agent {name}"))
        .fetch_one(owner)
        .await
        .unwrap();
        sqlx::query("INSERT INTO runs (team_id, agent_id) VALUES ($1, $2)")
            .bind(team)
            .bind(agent)
            .execute(owner)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO api_keys (team_id, name, prefix, key_hash) VALUES ($1, 'k', 'agf_x', $2)",
        )
        .bind(team)
        .bind(Uuid::new_v4().as_bytes().to_vec())
        .execute(owner)
        .await
        .unwrap();
        for status in ["draft", "published"] {
            sqlx::query(
                "INSERT INTO templates (team_id, slug, title, category, status) VALUES ($1, $2, $3, 'research', $4)",
            )
            .bind(team)
            .bind(format!("{name}-{status}-{}", Uuid::new_v4().simple()))
            .bind(format!("{name} {status}"))
            .bind(status)
            .execute(owner)
            .await
            .unwrap();
        }
        ids.push((user, team));
    }
    (ids[0].0, ids[0].1, ids[1].0, ids[1].1)
}

#[tokio::test]
async fn a_team_sees_only_its_own_rows() {
    let app = spawn_app().await;
    let (user_a, team_a, _user_b, team_b) = two_teams(&app.owner_pool().await).await;
    let pool = app.app_pool().await;
    let mut tx = tenant::begin(&pool, Tenant::member(user_a, team_a))
        .await
        .unwrap();
    for table in ["agents", "runs", "api_keys"] {
        let teams: Vec<Uuid> = sqlx::query_scalar(&format!("SELECT DISTINCT team_id FROM {table}"))
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        assert_eq!(teams, vec![team_a], "{table} leaks another team's rows");
    }
    // Templates: our own (draft and published) plus everyone's published ones.
    let templates: Vec<String> = sqlx::query_scalar("SELECT title FROM templates ORDER BY title")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(templates, ["A draft", "A published", "B published"]);
    // Asking for team B by id finds nothing.
    let agent_b: Option<Uuid> = sqlx::query_scalar("SELECT id FROM agents WHERE team_id = $1")
        .bind(team_b)
        .fetch_optional(&mut *tx)
        .await
        .unwrap();
    assert!(agent_b.is_none());
    let teams: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM teams")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(teams, vec![team_a]);
}

#[tokio::test]
async fn without_a_team_nothing_tenant_owned_is_visible() {
    let app = spawn_app().await;
    two_teams(&app.owner_pool().await).await;
    let pool = app.app_pool().await;
    for table in ["agents", "runs", "api_keys", "team_members", "audit_log"] {
        let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 0, "{table} is visible without a team");
    }
}

#[tokio::test]
async fn writing_into_another_team_is_refused() {
    let app = spawn_app().await;
    let (user_a, team_a, _user_b, team_b) = two_teams(&app.owner_pool().await).await;
    let pool = app.app_pool().await;
    let mut tx = tenant::begin(&pool, Tenant::member(user_a, team_a))
        .await
        .unwrap();
    let insert =
        sqlx::query("INSERT INTO agents (team_id, name, kind) VALUES ($1, 'sneaky', 'agent')")
            .bind(team_b)
            .execute(&mut *tx)
            .await;
    assert!(insert.is_err(), "inserted a row for another team");
    drop(tx);

    let mut tx = tenant::begin(&pool, Tenant::member(user_a, team_a))
        .await
        .unwrap();
    let updated = sqlx::query("UPDATE agents SET name = 'renamed' WHERE team_id = $1")
        .bind(team_b)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0);
    // Moving our own row into another team is refused too.
    let moved = sqlx::query("UPDATE agents SET team_id = $1 WHERE team_id = $2")
        .bind(team_b)
        .bind(team_a)
        .execute(&mut *tx)
        .await;
    assert!(moved.is_err());
}

#[tokio::test]
async fn the_team_context_ends_with_the_transaction() {
    let app = spawn_app().await;
    let (user_a, team_a, ..) = two_teams(&app.owner_pool().await).await;
    // One connection, so the next query surely reuses it.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&app.database_url)
        .await
        .unwrap();
    let tx = tenant::begin(&pool, Tenant::member(user_a, team_a))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let visible: i64 = sqlx::query_scalar("SELECT count(*) FROM agents")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(visible, 0, "the team setting outlived its transaction");
}

#[tokio::test]
async fn the_audit_log_is_append_only_for_the_application() {
    let app = spawn_app().await;
    let (user_a, team_a, ..) = two_teams(&app.owner_pool().await).await;
    let pool = app.app_pool().await;
    let mut tx = tenant::begin(&pool, Tenant::member(user_a, team_a))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO audit_log (team_id, actor_user_id, action) VALUES ($1, $2, 'test.event')",
    )
    .bind(team_a)
    .bind(user_a)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = tenant::begin(&pool, Tenant::member(user_a, team_a))
        .await
        .unwrap();
    assert!(
        sqlx::query("UPDATE audit_log SET action = 'x'")
            .execute(&mut *tx)
            .await
            .is_err()
    );
    drop(tx);
    let mut tx = tenant::begin(&pool, Tenant::member(user_a, team_a))
        .await
        .unwrap();
    assert!(
        sqlx::query("DELETE FROM audit_log")
            .execute(&mut *tx)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn concurrent_transactions_alternating_teams_never_mix() {
    let app = spawn_app().await;
    let (user_a, team_a, user_b, team_b) = two_teams(&app.owner_pool().await).await;
    // Few connections and many tasks, so connections are reused across teams constantly.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(3)
        .connect(&app.database_url)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..60 {
        let pool = pool.clone();
        let (user, team) = if i % 2 == 0 {
            (user_a, team_a)
        } else {
            (user_b, team_b)
        };
        tasks.push(tokio::spawn(async move {
            let mut tx = tenant::begin(&pool, Tenant::member(user, team))
                .await
                .unwrap();
            let seen: Vec<Uuid> =
                sqlx::query_scalar("SELECT team_id FROM agents UNION SELECT team_id FROM runs")
                    .fetch_all(&mut *tx)
                    .await
                    .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(
                seen,
                vec![team],
                "a transaction for one team saw another's rows"
            );
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}
