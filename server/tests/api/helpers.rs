use std::collections::HashMap;
use std::net::SocketAddr;

use server::config::{Config, DEFAULT_DATABASE_URL, DEFAULT_OWNER_DATABASE_URL};
use server::startup::Application;
use sqlx::{Connection, PgConnection, PgPool};

pub struct TestApp {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    /// The application role's connection string for this test's database.
    pub database_url: String,
    pub owner_database_url: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .send()
            .await
            .expect("request failed")
    }

    pub async fn app_pool(&self) -> PgPool {
        PgPool::connect(&self.database_url)
            .await
            .expect("app role cannot connect")
    }
}

/// Same server, fresh database, with extra environment variables on top.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let owner_base = env_or("DATABASE_OWNER_URL", DEFAULT_OWNER_DATABASE_URL);
    let app_base = env_or("DATABASE_URL", DEFAULT_DATABASE_URL);
    let db_name = format!("agf_test_{}", uuid::Uuid::new_v4().simple());
    let mut owner = PgConnection::connect(&owner_base)
        .await
        .expect("owner role cannot connect");
    sqlx::query(&format!("CREATE DATABASE {db_name}"))
        .execute(&mut owner)
        .await
        .expect("cannot create the test database");

    let database_url = with_database(&app_base, &db_name);
    let owner_database_url = with_database(&owner_base, &db_name);
    let mut vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), database_url.clone()),
        ("DATABASE_OWNER_URL".into(), owner_database_url.clone()),
        ("LEPTOS_SITE_ADDR".into(), "127.0.0.1:0".into()),
        (
            "REDIS_URL".into(),
            env_or("REDIS_URL", "redis://127.0.0.1:6379"),
        ),
    ]);
    for (name, value) in overrides {
        vars.insert((*name).into(), (*value).into());
    }
    let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("bad test config");
    let app = Application::build(config)
        .await
        .expect("server did not start");
    let addr = app.local_addr().expect("no address");
    tokio::spawn(app.serve());
    TestApp {
        addr,
        http: reqwest::Client::new(),
        database_url,
        owner_database_url,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty() && v != "none")
        .unwrap_or_else(|| default.into())
}

/// Swaps the database name at the end of a connection URL.
fn with_database(url: &str, db_name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
    match query {
        Some(query) => format!("{base}/{db_name}?{query}"),
        None => format!("{base}/{db_name}"),
    }
}
