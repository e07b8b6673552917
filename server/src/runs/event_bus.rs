//! Run events through Redis Streams, one stream per run: any server instance can serve
//! a run's events, and a client that reconnects with `Last-Event-ID` (a stream entry
//! id) resumes exactly after the last event it saw. Writes are batched by a background
//! task, which also merges a burst of tokens into one entry, so a fast model does not
//! cost a Redis round trip per token. Events are best effort: the database holds the
//! record, and a replay falls back to it when the stream has expired.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use app::runs::RunEvent;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::redis_client::{RedisClient, RedisClientError};

/// How long a finished run's events stay replayable from Redis.
const RETENTION_SECS: i64 = 24 * 3600;
const MAX_ENTRIES: usize = 20_000;
/// Tokens arriving within this window travel in one entry.
const FLUSH_EVERY: Duration = Duration::from_millis(25);

#[derive(Clone)]
pub struct EventBus {
    cache: Arc<RedisClient>,
    sender: mpsc::UnboundedSender<(Uuid, RunEvent)>,
}

impl EventBus {
    pub fn start(cache: Arc<RedisClient>) -> EventBus {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(write_loop(cache.clone(), receiver));
        EventBus { cache, sender }
    }

    pub fn publish(&self, run_id: Uuid, event: RunEvent) {
        let _ = self.sender.send((run_id, event));
    }

    pub fn stream_key(&self, run_id: Uuid) -> String {
        self.cache.key(&format!("run:{run_id}:events"))
    }

    /// Entries after `after` (a stream id; "0" for all), waiting up to `block` for the
    /// first one when none is there yet.
    pub async fn read(
        &self,
        connection: &mut redis::aio::MultiplexedConnection,
        run_id: Uuid,
        after: &str,
        block: Duration,
    ) -> Result<Vec<(String, RunEvent)>, RedisClientError> {
        let reply: redis::Value = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(500)
            .arg("BLOCK")
            .arg(block.as_millis() as u64)
            .arg("STREAMS")
            .arg(self.stream_key(run_id))
            .arg(after)
            .query_async(connection)
            .await?;
        Ok(parse_entries(reply))
    }

    pub fn cache(&self) -> &RedisClient {
        &self.cache
    }
}

async fn write_loop(
    cache: Arc<RedisClient>,
    mut receiver: mpsc::UnboundedReceiver<(Uuid, RunEvent)>,
) {
    let mut pending: Vec<(Uuid, RunEvent)> = Vec::new();
    loop {
        let Some(first) = receiver.recv().await else {
            return;
        };
        pending.push(first);
        tokio::time::sleep(FLUSH_EVERY).await;
        while let Ok(more) = receiver.try_recv() {
            pending.push(more);
        }
        let batch = coalesce(std::mem::take(&mut pending));
        if let Err(error) = write(&cache, &batch).await {
            tracing::warn!(%error, events = batch.len(), "run events not published (Redis unavailable); runs continue");
        }
    }
}

/// Merges consecutive tokens of the same run and node, keeping order.
fn coalesce(events: Vec<(Uuid, RunEvent)>) -> Vec<(Uuid, RunEvent)> {
    let mut out: Vec<(Uuid, RunEvent)> = Vec::with_capacity(events.len());
    let mut last_token: HashMap<Uuid, usize> = HashMap::new();
    for (run, event) in events {
        if let RunEvent::Token { text, node } = &event
            && let Some(&index) = last_token.get(&run)
            && let (
                _,
                RunEvent::Token {
                    text: previous,
                    node: previous_node,
                },
            ) = &mut out[index]
            && previous_node == node
        {
            previous.push_str(text);
            continue;
        }
        if matches!(event, RunEvent::Token { .. }) {
            last_token.insert(run, out.len());
        } else {
            last_token.remove(&run);
        }
        out.push((run, event));
    }
    out
}

async fn write(cache: &RedisClient, batch: &[(Uuid, RunEvent)]) -> Result<(), RedisClientError> {
    let mut connection = cache.connection().await?;
    let mut pipe = redis::pipe();
    let mut keys: Vec<String> = Vec::new();
    for (run, event) in batch {
        let key = cache.key(&format!("run:{run}:events"));
        let data = serde_json::to_string(event).unwrap_or_default();
        pipe.cmd("XADD")
            .arg(&key)
            .arg("MAXLEN")
            .arg("~")
            .arg(MAX_ENTRIES)
            .arg("*")
            .arg("e")
            .arg(data)
            .ignore();
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    for key in keys {
        pipe.cmd("EXPIRE").arg(key).arg(RETENTION_SECS).ignore();
    }
    tokio::time::timeout(
        Duration::from_secs(2),
        pipe.query_async::<()>(&mut connection),
    )
    .await
    .map_err(|_| RedisClientError::Timeout(Duration::from_secs(2)))??;
    Ok(())
}

fn parse_entries(reply: redis::Value) -> Vec<(String, RunEvent)> {
    // XREAD → [[key, [[id, [field, value, …]], …]]] (or nil on timeout).
    let mut out = Vec::new();
    let redis::Value::Array(streams) = reply else {
        return out;
    };
    for stream in streams {
        let redis::Value::Array(parts) = stream else {
            continue;
        };
        let Some(redis::Value::Array(entries)) = parts.into_iter().nth(1) else {
            continue;
        };
        for entry in entries {
            let redis::Value::Array(mut pair) = entry else {
                continue;
            };
            if pair.len() != 2 {
                continue;
            }
            let fields = pair.pop();
            let id = pair.pop();
            let (Some(id), Some(redis::Value::Array(fields))) =
                (id.as_ref().and_then(text), fields)
            else {
                continue;
            };
            let Some(data) = fields.get(1).and_then(text) else {
                continue;
            };
            if let Ok(event) = serde_json::from_str::<RunEvent>(&data) {
                out.push((id, event));
            }
        }
    }
    out
}

fn text(value: &redis::Value) -> Option<String> {
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        redis::Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_merge_per_run_and_node() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let token = |t: &str| RunEvent::Token {
            text: t.into(),
            node: None,
        };
        let out = coalesce(vec![
            (a, token("He")),
            (b, token("X")),
            (a, token("llo")),
            (a, RunEvent::TextReset { node: None }),
            (a, token("!")),
        ]);
        assert_eq!(out.len(), 4);
        assert_eq!(out[0].1, token("Hello"));
        assert_eq!(out[3].1, token("!"));
    }
}
