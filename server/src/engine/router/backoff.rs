//! How long to wait before trying a provider again.

use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries per provider after the first attempt.
    pub max_retries: u32,
    pub base: Duration,
    pub cap: Duration,
    /// A provider asking us to wait longer than this is skipped for the next one.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(8),
            max_wait: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with full jitter (a uniform pick below the ceiling), so
    /// many runs retrying together do not stampede; `retry-after` wins when given.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait;
        }
        let ceiling = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.cap);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_within_the_cap_and_honour_retry_after() {
        let policy = RetryPolicy::default();
        for attempt in 0..10 {
            let ceiling = (250u64 << attempt).min(8_000);
            assert!(policy.delay(attempt, None) <= Duration::from_millis(ceiling));
        }
        assert_eq!(
            policy.delay(3, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
    }
}
