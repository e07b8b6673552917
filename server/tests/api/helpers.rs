use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use server::config::{Config, DEFAULT_DATABASE_URL, DEFAULT_OWNER_DATABASE_URL};
use server::demo::{DEMO_EMAIL, DEMO_PASSWORD};
use server::shutdown::Shutdown;
use server::startup::{Application, Role};
use sqlx::{Connection, PgConnection, PgPool};

use crate::watchdog::{Watchdog, print_database_activity};

pub struct TestApp {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    /// The application role's connection string for this test's database.
    pub database_url: String,
    pub owner_database_url: String,
    pub redis_url: String,
    /// Starts every Redis key of this test's server.
    pub redis_prefix: String,
    /// Begins this server's drain, as SIGTERM would.
    pub shutdown: Shutdown,
    /// Ends the run if the test is still going long after any test should have ended.
    _watchdog: Arc<Watchdog>,
}

impl TestApp {
    /// The same server, seen from another browser (its own cookies).
    pub fn another_visitor(&self) -> TestApp {
        TestApp {
            addr: self.addr,
            http: browser_like_client(),
            database_url: self.database_url.clone(),
            owner_database_url: self.owner_database_url.clone(),
            redis_url: self.redis_url.clone(),
            redis_prefix: self.redis_prefix.clone(),
            shutdown: self.shutdown.clone(),
            _watchdog: self._watchdog.clone(),
        }
    }

    /// Calls a server function and decodes its JSON answer; errors come back as the
    /// status and the body.
    pub async fn call<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<T, (u16, String)> {
        let response = self.post_form(path, form).await;
        let status = response.status().as_u16();
        let body = response.text().await.expect("no body");
        if (200..300).contains(&status) {
            Ok(serde_json::from_str(&body).expect("not JSON"))
        } else {
            Err((status, body))
        }
    }

    /// A server-function call that must fail; returns its HTTP status.
    pub async fn refused(&self, path: &str, form: &[(&str, &str)]) -> u16 {
        match self.call::<serde_json::Value>(path, form).await {
            Ok(value) => panic!("{path} succeeded: {value}"),
            Err((status, _)) => status,
        }
    }

    /// A new person, signed up in their own browser; returns them and their email.
    pub async fn signed_up(&self, name: &str) -> (TestApp, String) {
        let visitor = self.another_visitor();
        let email = unique_email();
        let response = visitor
            .sign_up(name, &email, "a long enough password")
            .await;
        assert!(
            response.status().is_success(),
            "sign-up failed: {}",
            response.status()
        );
        (visitor, email)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        let sent = self.http.get(self.url(path)).send().await;
        self.answered(sent)
    }

    /// A POST as our own pages send it: form-encoded, with our Origin (CSRF check).
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let sent = self
            .http
            .post(self.url(path))
            .header("origin", format!("http://{}", self.addr))
            .form(form)
            .send()
            .await;
        self.answered(sent)
    }

    /// The answer, or a failed test that says what the server's database was doing
    /// when the answer did not come. A request the server itself gave up on (408, its
    /// request timeout) says the same, for the test that then fails on it.
    fn answered(&self, sent: reqwest::Result<reqwest::Response>) -> reqwest::Response {
        let response = sent.unwrap_or_else(|error| {
            if error.is_timeout() {
                print_database_activity(&self.owner_database_url);
            }
            panic!("request failed: {error}")
        });
        if response.status() == reqwest::StatusCode::REQUEST_TIMEOUT {
            crate::watchdog::say(&format!(
                "{} {} timed out in the server (408); its database meanwhile:\n",
                self.addr,
                response.url().path()
            ));
            print_database_activity(&self.owner_database_url);
        }
        response
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/api/auth/sign_in",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn sign_up(&self, name: &str, email: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/api/auth/sign_up",
            &[
                ("display_name", name),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }

    pub async fn sign_in_demo(&self) {
        let response = self.sign_in(DEMO_EMAIL, DEMO_PASSWORD).await;
        assert!(
            response.status().is_success(),
            "demo sign-in failed: {}",
            response.status()
        );
    }

    pub async fn owner_pool(&self) -> PgPool {
        PgPool::connect(&self.owner_database_url)
            .await
            .expect("owner role cannot connect")
    }

    pub async fn app_pool(&self) -> PgPool {
        PgPool::connect(&self.database_url)
            .await
            .expect("app role cannot connect")
    }
}

/// Same server, fresh database, with extra environment variables on top.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let (database_url, owner_database_url) = test_database().await;
    spawn_app_on(database_url, owner_database_url, overrides).await
}

/// A fresh database, migrated and seeded (a copy of the template): the application
/// role's and the owner's connection strings.
pub async fn test_database() -> (String, String) {
    let owner_base = env_or("DATABASE_OWNER_URL", DEFAULT_OWNER_DATABASE_URL);
    let app_base = env_or("DATABASE_URL", DEFAULT_DATABASE_URL);
    let db_name = format!("agf_test_{}", uuid::Uuid::new_v4().simple());
    // Every test but the first waits here for the template: a first one that hangs
    // fails them all, named, within minutes.
    let template = tokio::time::timeout(Duration::from_secs(180), template_database(&owner_base))
        .await
        .expect("the template database was not ready within 3 minutes");
    create_database(&owner_base, &db_name, Some(template)).await;
    (
        with_database(&app_base, &db_name),
        with_database(&owner_base, &db_name),
    )
}

/// A server on the given database (see [`empty_database`]), as it starts in production:
/// migrating and seeding what is missing.
pub async fn spawn_app_on(
    database_url: String,
    owner_database_url: String,
    overrides: &[(&str, &str)],
) -> TestApp {
    spawn_role_on(Role::All, database_url, owner_database_url, overrides).await
}

/// A server in one role (`serve`, `worker`) on an existing test database.
pub async fn spawn_role_on(
    role: Role,
    database_url: String,
    owner_database_url: String,
    overrides: &[(&str, &str)],
) -> TestApp {
    let watchdog = Watchdog::start(owner_database_url.clone());
    let db_name = database_url
        .rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .unwrap_or_default()
        .to_string();
    let mut vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), database_url.clone()),
        ("DATABASE_OWNER_URL".into(), owner_database_url.clone()),
        ("LEPTOS_SITE_ADDR".into(), "127.0.0.1:0".into()),
        (
            "REDIS_URL".into(),
            env_or("REDIS_URL", "redis://127.0.0.1:6379"),
        ),
        // Each test its own key space: no sessions or sign-in counters shared.
        ("REDIS_PREFIX".into(), format!("agf-test:{db_name}:")),
        // Tests make many API calls a minute; the rate-limit tests set their own.
        ("RATE_LIMIT_FREE".into(), "100000".into()),
        ("RATE_LIMIT_ANONYMOUS".into(), "100000".into()),
        // Marketplace tests count templates: start from an empty marketplace.
        ("SEED_MARKETPLACE".into(), "false".into()),
    ]);
    for (name, value) in overrides {
        vars.insert((*name).into(), (*value).into());
    }
    let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("bad test config");
    let (redis_url, redis_prefix) = (vars["REDIS_URL"].clone(), vars["REDIS_PREFIX"].clone());
    let app = Application::build(config, role)
        .await
        .expect("server did not start");
    let addr = app.local_addr().expect("no address");
    let shutdown = app.shutdown();
    tokio::spawn(app.serve());
    crate::watchdog::report_stalls(addr);
    TestApp {
        addr,
        http: browser_like_client(),
        database_url,
        owner_database_url,
        redis_url,
        redis_prefix,
        shutdown,
        _watchdog: watchdog,
    }
}

/// A database migrated and seeded once per test run; every test's database is a copy
/// of it (`CREATE DATABASE … TEMPLATE`), which takes milliseconds where applying every
/// migration and hashing the demo password took most of a test's start-up. The server
/// still runs its start-up migration and seeding against the copy: both find nothing
/// to do, as on any restart.
async fn template_database(owner_base: &str) -> &'static str {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("agf_test_template_{}", uuid::Uuid::new_v4().simple());
            create_database(owner_base, &name, None).await;
            let url = server::config::Secret::new(with_database(owner_base, &name));
            let pool = server::db::migrate(&url)
                .await
                .expect("migrations failed on the template database");
            server::demo::seed(&pool, None, false)
                .await
                .expect("seeding the template database failed");
            // A template cannot be copied while anyone is connected to it.
            pool.close().await;
            name
        })
        .await
}

/// A fresh, empty database (no migrations applied), for tests of start-up itself.
pub async fn empty_database() -> (String, String) {
    let owner_base = env_or("DATABASE_OWNER_URL", DEFAULT_OWNER_DATABASE_URL);
    let app_base = env_or("DATABASE_URL", DEFAULT_DATABASE_URL);
    let db_name = format!("agf_test_{}", uuid::Uuid::new_v4().simple());
    create_database(&owner_base, &db_name, None).await;
    (
        with_database(&app_base, &db_name),
        with_database(&owner_base, &db_name),
    )
}

async fn create_database(owner_base: &str, name: &str, template: Option<&str>) {
    let mut owner = PgConnection::connect(owner_base)
        .await
        .expect("owner role cannot connect");
    let template = template.map_or(String::new(), |t| format!(" TEMPLATE {t}"));
    sqlx::query(&format!("CREATE DATABASE {name}{template}"))
        .execute(&mut owner)
        .await
        .expect("cannot create a test database");
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

/// Keeps cookies and does not follow redirects, so tests see both. A request that gets
/// no answer fails the test where it was made instead of hanging it.
pub fn browser_like_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

pub fn unique_email() -> String {
    format!("user-{}@example.com", uuid::Uuid::new_v4().simple())
}
