//! Whether the database's schema is one this release can work with: not behind its own
//! migrations (a new release never serves against an old schema), and not so far ahead
//! that a migration declared it incompatible (see migration 0009).

use sqlx::PgPool;
use sqlx::migrate::Migrator;

/// The migrations built into this binary: what `migrate` applies and what `expected`
/// reads.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// The newest migration this release was built with.
pub fn expected() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// How the database's schema stands against this release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// At this release's version, or ahead of it with nothing this release relies on gone.
    Compatible,
    /// Migrations this release needs have not been applied (`agent-factory migrate`);
    /// `applied` is `None` for a schema older than the version check itself.
    Behind { applied: Option<i64>, expected: i64 },
    /// A newer release's migration removed something this release needs.
    Ahead {
        oldest_supported: i64,
        expected: i64,
    },
}

impl Fit {
    pub fn is_compatible(self) -> bool {
        self == Fit::Compatible
    }

    /// For probes and logs: what is wrong, in a sentence, without any database text.
    pub fn describe(self) -> String {
        match self {
            Fit::Compatible => "the schema fits this release".into(),
            Fit::Behind { applied, expected } => format!(
                "the database schema is at migration {}; this release needs {expected} (run `agent-factory migrate`)",
                applied.map_or_else(|| "8 or older".to_string(), |v| v.to_string())
            ),
            Fit::Ahead {
                oldest_supported,
                expected,
            } => format!(
                "the database schema needs a release built with migration {oldest_supported} or later; this one has {expected}"
            ),
        }
    }
}

/// Reads the schema's state. A database from before migration 0009 has no
/// `schema_state()`: it is behind.
pub async fn fit(db: &PgPool) -> Result<Fit, sqlx::Error> {
    let expected = expected();
    let state: Result<(Option<i64>, Option<i64>), sqlx::Error> =
        sqlx::query_as("SELECT applied, oldest_supported FROM schema_state()")
            .fetch_one(db)
            .await;
    let (applied, oldest_supported) = match state {
        Ok((applied, oldest)) => (applied.unwrap_or(0), oldest.unwrap_or(1)),
        Err(sqlx::Error::Database(error))
            if error.code().as_deref() == Some(UNDEFINED_FUNCTION) =>
        {
            return Ok(Fit::Behind {
                applied: None,
                expected,
            });
        }
        Err(error) => return Err(error),
    };
    Ok(if applied < expected {
        Fit::Behind {
            applied: Some(applied),
            expected,
        }
    } else if oldest_supported > expected {
        Fit::Ahead {
            oldest_supported,
            expected,
        }
    } else {
        Fit::Compatible
    })
}

/// PostgreSQL's SQLSTATE for a function that does not exist.
const UNDEFINED_FUNCTION: &str = "42883";

/// Waits until the schema fits, saying why not now and then; for workers, which must
/// not claim runs under a schema they cannot write.
pub async fn wait_until_compatible(db: &PgPool) {
    let mut said = None;
    loop {
        match fit(db).await {
            Ok(Fit::Compatible) => return,
            Ok(fit) => {
                if said != Some(fit) {
                    tracing::warn!(reason = %fit.describe(), "waiting for the database schema");
                    said = Some(fit);
                }
            }
            Err(error) => {
                tracing::warn!(%error, "could not read the database schema's version; retrying")
            }
        }
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
}
