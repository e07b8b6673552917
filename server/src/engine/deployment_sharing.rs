//! Deployment limits across server processes. Each process counts the calls and tokens
//! it sends each deployment in memory (picking one costs no round trip); every second
//! it adds what it counted since the last time to the minute's totals in Redis and
//! learns what the others sent. So instances that share a deployment keep within its
//! `rpm`/`tpm` together, to within about a second's calls. When Redis cannot be
//! reached, the counts wait for the next exchange and each process goes by its own.

use std::sync::Arc;
use std::time::Duration;

use super::Engine;
use super::providers::Deployments;
use crate::redis_client::{RedisClient, RedisClientError};

const EVERY: Duration = Duration::from_secs(1);
/// A minute's totals are kept a little past the minute, for a process whose clock is
/// a little behind.
const KEEP_SECS: i64 = 120;

/// Exchanges counts every second, for as long as the process runs, if any provider has
/// deployments.
pub fn spawn(engine: Arc<Engine>, redis: Arc<RedisClient>) {
    let pools: Vec<(String, Arc<Deployments>)> = engine
        .settings
        .providers
        .iter()
        .filter_map(|p| Some((p.id.clone(), Arc::clone(p.deployments.as_ref()?))))
        .collect();
    if pools.is_empty() {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            for (provider, deployments) in &pools {
                if let Err(error) = exchange(&redis, provider, deployments).await {
                    tracing::warn!(%error, %provider, "could not share deployment counts");
                }
            }
        }
    });
}

/// Adds this process's new counts to the totals and learns the totals back.
async fn exchange(
    redis: &RedisClient,
    provider: &str,
    deployments: &Deployments,
) -> Result<(), RedisClientError> {
    let (minute, counts) = deployments.take_unshared();
    let mut pipe = redis::pipe();
    for (config, (requests, tokens)) in deployments.configs.iter().zip(&counts) {
        let key = |what: &str| {
            redis.key(&format!(
                "deployment:{provider}:{}:{minute}:{what}",
                config.name
            ))
        };
        let (requests_key, tokens_key) = (key("requests"), key("tokens"));
        pipe.incr(&requests_key, *requests)
            .incr(&tokens_key, *tokens)
            .expire(&requests_key, KEEP_SECS)
            .ignore()
            .expire(&tokens_key, KEEP_SECS)
            .ignore();
    }
    let totals: Result<Vec<(u64, u64)>, RedisClientError> = async {
        let mut connection = redis.connection().await?;
        let flat: Vec<u64> = pipe.query_async(&mut connection).await?;
        Ok(flat.chunks(2).map(|pair| (pair[0], pair[1])).collect())
    }
    .await;
    match totals {
        Ok(totals) => {
            deployments.learn_totals(minute, &totals);
            Ok(())
        }
        Err(error) => {
            deployments.unshared(minute, &counts);
            Err(error)
        }
    }
}
