//! Redis, connected on first use so that the server starts, and keeps serving what
//! does not need Redis, while Redis is down. Every call is bounded in time.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

const CALL_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum RedisClientError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
}

pub struct RedisClient {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    prefix: String,
}

impl RedisClient {
    /// `prefix` starts every key, so several deployments (or test runs) can share one
    /// Redis without seeing each other's sessions and counters.
    pub fn new(url: &str, prefix: &str) -> Result<Self, RedisClientError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            connection: OnceCell::new(),
            prefix: prefix.to_owned(),
        })
    }

    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// A multiplexed connection that reconnects by itself after Redis comes back.
    pub async fn connection(&self) -> Result<ConnectionManager, RedisClientError> {
        let connect = self.connection.get_or_try_init(|| {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(CALL_TIMEOUT)
                .set_response_timeout(CALL_TIMEOUT)
                .set_number_of_retries(1);
            ConnectionManager::new_with_config(self.client.clone(), config)
        });
        let connection = tokio::time::timeout(CALL_TIMEOUT, connect)
            .await
            .map_err(|_| RedisClientError::Timeout(CALL_TIMEOUT))??;
        Ok(connection.clone())
    }

    /// A connection of its own, for blocking reads (`XREAD BLOCK`) that must not hold
    /// up everyone else's commands on the shared one.
    pub async fn dedicated(&self) -> Result<redis::aio::MultiplexedConnection, RedisClientError> {
        let config = redis::AsyncConnectionConfig::new().set_connection_timeout(CALL_TIMEOUT);
        let connect = self
            .client
            .get_multiplexed_async_connection_with_config(&config);
        Ok(tokio::time::timeout(CALL_TIMEOUT, connect)
            .await
            .map_err(|_| RedisClientError::Timeout(CALL_TIMEOUT))??)
    }

    pub async fn ping(&self) -> Result<(), RedisClientError> {
        let mut connection = self.connection().await?;
        let ping = redis::cmd("PING");
        tokio::time::timeout(CALL_TIMEOUT, ping.query_async::<String>(&mut connection))
            .await
            .map_err(|_| RedisClientError::Timeout(CALL_TIMEOUT))??;
        Ok(())
    }
}
