//! Admission from memory for buckets far from their limit, so that the common request
//! has no Redis round trip on its path.
//!
//! For each bucket the ledger keeps what Redis last said was left. While more than a
//! tenth of the limit ([`headroom`]) is left beyond what this instance has admitted
//! and not yet sent, a request is admitted here and counted as *unsent*; a flush (one
//! per bucket at a time, see `RateLimiter::flush`) then adds the unsent requests to the
//! Redis window, unconditionally, and brings back the new remaining count. Near the
//! limit the ledger declines and Redis decides, but only once Redis has every request
//! admitted here before it ([`Ledger::settled`]), so the count it decides on holds
//! everything admitted so far and a limit of N still lets exactly N through on one
//! instance.
//!
//! Requests Redis is deciding at the moment count against what memory may admit
//! ([`Entry::asking`]): the count Redis last gave does not hold them yet, and a burst
//! can have more of them in flight than the headroom.
//!
//! Across instances each may admit at most [`max_unsent`] (an eighth of the headroom)
//! before its flush answers, and only on a count at most [`FRESH_FOR`] old, so up to
//! eight instances cannot push a bucket past its limit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::Decision;

/// A count Redis gave, with Redis's clock when it counted: answers can reach the ledger
/// out of order (their tasks resume in any order), and an older one must not undo a
/// newer one.
#[derive(Debug, Clone, Copy)]
pub(super) struct Counted {
    pub decision: Decision,
    pub at_ms: u64,
}

/// How old Redis's count may be for a request to be admitted on it.
pub(super) const FRESH_FOR: Duration = Duration::from_secs(1);
/// The most requests one flush adds (the script passes them as arguments).
pub(super) const MAX_BATCH: u32 = 1_000;

/// What must stay left, beyond the unsent requests, to admit from memory.
pub(super) fn headroom(limit: u32) -> u32 {
    limit / 10
}

/// The most requests admitted from memory and not yet sent; 0 (small limits) means
/// every request is decided by Redis.
pub(super) fn max_unsent(limit: u32) -> u32 {
    headroom(limit) / 8
}

struct Entry {
    limit: u32,
    /// Left in the window by Redis's last count, which includes every request sent.
    remaining: u32,
    reset_secs: u64,
    seen: Instant,
    /// Admitted here and not yet sent to Redis.
    unsent: u32,
    /// A flush is running; it sends until nothing is unsent.
    flushing: bool,
    /// Requests admitted here since the entry began, and how many of them Redis has.
    admitted: u64,
    counted: u64,
    /// Requests of this instance that Redis is deciding now (see [`Asking`]).
    asking: u32,
    /// Tells a gathering flush to send at once: a request near the limit waits for it.
    hurry: Arc<Notify>,
    /// Woken whenever a batch reaches Redis (or the entry is forgotten).
    flushed: Arc<Notify>,
    /// Redis's clock at the count `remaining` comes from.
    counted_at_ms: u64,
}

/// The answer of [`Ledger::admit`].
pub(super) enum Admission {
    /// Admitted from memory; `start_flush` asks the caller to start the bucket's flush.
    Admitted {
        decision: Decision,
        start_flush: bool,
    },
    /// Redis must decide; `counted`: the request counts as asking until the caller's
    /// [`Asking`] is dropped.
    AskRedis { counted: bool },
}

/// A request sent to Redis to decide, counted as asking (when `admit` counted it) until
/// dropped: with Redis's answer ([`Asking::answered`]), or without one (a failure, a
/// timeout, a caller that went away).
pub(super) struct Asking<'a> {
    ledger: &'a Ledger,
    bucket: &'a str,
    counted: bool,
    answer: Option<Counted>,
}

impl<'a> Asking<'a> {
    pub(super) fn new(ledger: &'a Ledger, bucket: &'a str, counted: bool) -> Self {
        Asking {
            ledger,
            bucket,
            counted,
            answer: None,
        }
    }

    /// Redis's count for the request: learned as the request stops asking.
    pub(super) fn answered(mut self, counted: Counted) {
        self.answer = Some(counted);
    }
}

impl Drop for Asking<'_> {
    fn drop(&mut self) {
        match (self.counted, self.answer.take()) {
            (true, answer) => self.ledger.answered(self.bucket, answer),
            (false, Some(answer)) => self.ledger.learn(self.bucket, answer),
            (false, None) => {}
        }
    }
}

#[derive(Default)]
pub(super) struct Ledger {
    buckets: Mutex<HashMap<String, Entry>>,
}

impl Ledger {
    /// Admits the request from memory, or says Redis must decide; then the caller holds
    /// an [`Asking`] until Redis answers.
    pub(super) fn admit(&self, bucket: &str, limit: u32) -> Admission {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Admission::AskRedis { counted: false };
        };
        if max_unsent(limit) == 0 {
            return Admission::AskRedis { counted: false };
        }
        // A bucket seen for the first time gets its entry now (nothing to admit on
        // yet), so the burst that opens it is counted as asking too.
        let entry = buckets
            .entry(bucket.to_owned())
            .or_insert_with(|| Entry::new(limit));
        if entry.limit != limit
            || entry.seen.elapsed() >= FRESH_FOR
            || entry.unsent >= max_unsent(limit)
            || entry.remaining <= headroom(limit) + entry.unsent + entry.asking
        {
            entry.asking += 1;
            return Admission::AskRedis { counted: true };
        }
        entry.unsent += 1;
        entry.admitted += 1;
        let start_flush = !entry.flushing;
        entry.flushing = true;
        Admission::Admitted {
            decision: Decision {
                admitted: true,
                limit,
                remaining: entry.remaining - entry.unsent,
                reset_secs: entry.reset_secs,
            },
            start_flush,
        }
    }

    /// Remembers a count Redis gave, for the next requests to be admitted on, unless a
    /// later count is known already. Within one millisecond the count only grows, so
    /// the smaller remaining is the later one.
    pub(super) fn learn(&self, bucket: &str, counted: Counted) {
        if max_unsent(counted.decision.limit) == 0 {
            return;
        }
        let Ok(mut buckets) = self.buckets.lock() else {
            return;
        };
        learn_into(&mut buckets, bucket, counted);
    }

    /// Redis answered a request [`Ledger::admit`] sent there (`None`: it failed): its
    /// count is learned and the request stops counting as asking in one step, so no
    /// admission in between misses it in both.
    fn answered(&self, bucket: &str, counted: Option<Counted>) {
        let Ok(mut buckets) = self.buckets.lock() else {
            return;
        };
        if let Some(counted) = counted
            && max_unsent(counted.decision.limit) > 0
        {
            learn_into(&mut buckets, bucket, counted);
        }
        if let Some(entry) = buckets.get_mut(bucket) {
            entry.asking = entry.asking.saturating_sub(1);
        }
    }

    /// What a flush of the bucket waits on besides its gathering time.
    pub(super) fn hurry(&self, bucket: &str) -> Option<Arc<Notify>> {
        let buckets = self.buckets.lock().ok()?;
        buckets.get(bucket).map(|entry| entry.hurry.clone())
    }

    /// The next batch for the bucket's flush to send; `None` ends the flush.
    pub(super) fn next_batch(&self, bucket: &str) -> Option<u32> {
        let mut buckets = self.buckets.lock().ok()?;
        let entry = buckets.get_mut(bucket)?;
        if entry.unsent == 0 {
            entry.flushing = false;
            return None;
        }
        let batch = entry.unsent.min(MAX_BATCH);
        entry.unsent -= batch;
        Some(batch)
    }

    /// After a batch of `n` was counted in Redis: its answer is the new count.
    pub(super) fn sent(&self, bucket: &str, n: u32, counted: Counted) {
        self.learn(bucket, counted);
        if let Ok(mut buckets) = self.buckets.lock()
            && let Some(entry) = buckets.get_mut(bucket)
        {
            entry.counted += u64::from(n);
            entry.flushed.notify_waiters();
        }
    }

    /// After a flush failed: the bucket's requests go to Redis (and its fallback)
    /// again until Redis gives a count; what this instance had admitted and not yet
    /// counted stays uncounted in Redis.
    pub(super) fn forget(&self, bucket: &str) {
        if let Ok(mut buckets) = self.buckets.lock()
            && let Some(entry) = buckets.get_mut(bucket)
        {
            entry.remaining = 0;
            entry.unsent = 0;
            entry.flushing = false;
            entry.counted = entry.admitted;
            entry.flushed.notify_waiters();
        }
    }

    /// Waits until Redis has every request this instance admitted from memory for the
    /// bucket before the call (not those admitted while it waits, so a busy bucket
    /// cannot keep it waiting).
    pub(super) async fn settled(&self, bucket: &str) {
        let mut target = None;
        loop {
            let notified = {
                let Ok(buckets) = self.buckets.lock() else {
                    return;
                };
                let Some(entry) = buckets.get(bucket) else {
                    return;
                };
                let target = *target.get_or_insert(entry.admitted);
                if entry.counted >= target {
                    return;
                }
                // The flush may be gathering: this request cannot wait for that. (A
                // permit kept when no flush is waiting only spares the next one its
                // gathering once.)
                entry.hurry.notify_one();
                // Registered before the lock is released: no wake-up is missed.
                entry.flushed.clone().notified_owned()
            };
            notified.await;
        }
    }
}

impl Entry {
    fn new(limit: u32) -> Entry {
        Entry {
            limit,
            remaining: 0,
            reset_secs: 0,
            seen: Instant::now(),
            unsent: 0,
            flushing: false,
            admitted: 0,
            counted: 0,
            asking: 0,
            hurry: Arc::new(Notify::new()),
            flushed: Arc::new(Notify::new()),
            counted_at_ms: 0,
        }
    }
}

/// Remembers a count unless a later one is known already. Within one millisecond the
/// count only grows, so the smaller remaining is the later one.
fn learn_into(buckets: &mut HashMap<String, Entry>, bucket: &str, counted: Counted) {
    let Counted { decision, at_ms } = counted;
    if buckets.len() > 100_000 {
        buckets.retain(|_, e| e.flushing || e.asking > 0 || e.seen.elapsed() < FRESH_FOR);
    }
    let entry = buckets
        .entry(bucket.to_owned())
        .or_insert_with(|| Entry::new(decision.limit));
    let older = at_ms < entry.counted_at_ms
        || (at_ms == entry.counted_at_ms && decision.remaining >= entry.remaining);
    if older && entry.limit == decision.limit {
        return;
    }
    entry.counted_at_ms = at_ms;
    entry.limit = decision.limit;
    entry.remaining = decision.remaining;
    entry.reset_secs = decision.reset_secs;
    entry.seen = Instant::now();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A count from Redis, each later than the one before.
    fn counted(limit: u32, remaining: u32) -> Counted {
        static CLOCK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Counted {
            decision: Decision {
                admitted: true,
                limit,
                remaining,
                reset_secs: 60,
            },
            at_ms: CLOCK.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    #[test]
    fn an_older_count_arriving_late_does_not_undo_a_newer_one() {
        let ledger = Ledger::default();
        let older = counted(1_000, 900);
        let newer = counted(1_000, 150);
        ledger.learn("b", newer);
        ledger.learn("b", older);
        // 150 left is near the limit's headroom (100) plus what is unsent: only the
        // newer count lets a request in from memory, and says so.
        assert_eq!(admitted(&ledger, 1_000).map(|(left, _)| left), Some(149));
        let same_moment = Counted {
            at_ms: newer.at_ms,
            ..counted(1_000, 400)
        };
        ledger.learn("b", same_moment);
        assert_eq!(admitted(&ledger, 1_000).map(|(left, _)| left), Some(148));
    }

    #[test]
    fn requests_redis_is_deciding_count_against_what_memory_admits() {
        // Limit 200: 20 of headroom, at most 2 unsent.
        let ledger = Ledger::default();
        ledger.learn("b", counted(200, 40));
        assert!(admitted(&ledger, 200).is_some());
        assert!(admitted(&ledger, 200).is_some());
        // Two unsent: the burst's next requests go to Redis, which decides them now.
        let asking: Vec<Asking<'_>> = (0..20)
            .map(|_| {
                let Admission::AskRedis { counted } = ledger.admit("b", 200) else {
                    panic!("admitted past the unsent limit");
                };
                assert!(counted);
                Asking::new(&ledger, "b", counted)
            })
            .collect();
        assert_eq!(ledger.next_batch("b"), Some(2));
        ledger.sent("b", 2, counted(200, 38));
        // 38 left by Redis's count, but 20 are being decided there: admitting here could
        // pass the limit once they are, so Redis decides this one too.
        let Admission::AskRedis { counted: true } = ledger.admit("b", 200) else {
            panic!("admitted while Redis decides more than the headroom");
        };
        let last = Asking::new(&ledger, "b", true);
        // Answered one by one, each count later than the last; with nobody asking any
        // more, a count of 40 left (the window moved on) lets memory admit again.
        let mut left = 38;
        for request in asking.into_iter().chain([last]) {
            left -= 1;
            request.answered(counted(200, left));
        }
        assert_eq!(admitted(&ledger, 200), None, "17 left: near the limit");
        ledger.answered("b", None);
        ledger.learn("b", counted(200, 40));
        assert_eq!(admitted(&ledger, 200).map(|(left, _)| left), Some(39));
    }

    #[test]
    fn a_request_that_ends_without_an_answer_stops_asking() {
        let ledger = Ledger::default();
        let Admission::AskRedis { counted: true } = ledger.admit("b", 1_000) else {
            panic!("a bucket never counted must ask Redis");
        };
        // The caller went away (or Redis failed): nothing learned, nobody asking.
        drop(Asking::new(&ledger, "b", true));
        ledger.learn("b", counted(1_000, 500));
        assert_eq!(admitted(&ledger, 1_000).map(|(left, _)| left), Some(499));
    }

    fn admitted(ledger: &Ledger, limit: u32) -> Option<(u32, bool)> {
        match ledger.admit("b", limit) {
            Admission::Admitted {
                decision,
                start_flush,
            } => Some((decision.remaining, start_flush)),
            Admission::AskRedis { .. } => None,
        }
    }

    #[test]
    fn small_limits_are_always_decided_by_redis() {
        let ledger = Ledger::default();
        ledger.learn("b", counted(10, 9));
        assert!(admitted(&ledger, 10).is_none());
        assert_eq!(max_unsent(79), 0);
        assert_eq!(max_unsent(80), 1);
    }

    #[test]
    fn unknown_buckets_ask_redis_first() {
        assert!(admitted(&Ledger::default(), 1_000).is_none());
    }

    #[test]
    fn admits_from_memory_up_to_the_unsent_cap_and_starts_one_flush() {
        let ledger = Ledger::default();
        ledger.learn("b", counted(1_000, 900));
        // Headroom 100, at most 12 unsent.
        assert_eq!(admitted(&ledger, 1_000), Some((899, true)));
        for n in 2..=12 {
            assert_eq!(admitted(&ledger, 1_000), Some((900 - n, false)));
        }
        assert!(admitted(&ledger, 1_000).is_none());
        // The flush takes the twelve; once Redis has them, memory may admit again.
        assert_eq!(ledger.next_batch("b"), Some(12));
        ledger.sent("b", 12, counted(1_000, 888));
        assert_eq!(admitted(&ledger, 1_000), Some((887, false)));
        assert_eq!(ledger.next_batch("b"), Some(1));
        ledger.sent("b", 1, counted(1_000, 887));
        // Nothing left to send: the flush ends, and the next admission starts another.
        assert_eq!(ledger.next_batch("b"), None);
        assert_eq!(admitted(&ledger, 1_000), Some((886, true)));
    }

    #[test]
    fn near_the_limit_redis_decides() {
        let ledger = Ledger::default();
        ledger.learn("b", counted(1_000, 103));
        for _ in 0..3 {
            assert!(admitted(&ledger, 1_000).is_some());
        }
        // 103 left and 3 unsent: what is left is the headroom (100), kept for Redis.
        assert!(admitted(&ledger, 1_000).is_none());
    }

    #[test]
    fn a_changed_limit_or_an_old_count_is_not_used() {
        let ledger = Ledger::default();
        ledger.learn("b", counted(1_000, 900));
        assert!(admitted(&ledger, 100).is_none());
        if let Ok(mut buckets) = ledger.buckets.lock()
            && let Some(entry) = buckets.get_mut("b")
        {
            entry.seen -= FRESH_FOR;
        }
        assert!(admitted(&ledger, 1_000).is_none());
    }

    #[tokio::test]
    async fn after_a_failed_flush_redis_decides_and_nobody_waits() {
        let ledger = Ledger::default();
        ledger.learn("b", counted(1_000, 900));
        assert!(admitted(&ledger, 1_000).is_some());
        assert_eq!(ledger.next_batch("b"), Some(1));
        ledger.forget("b");
        assert!(admitted(&ledger, 1_000).is_none());
        tokio::time::timeout(Duration::from_secs(1), ledger.settled("b"))
            .await
            .expect("nothing left to wait for");
        // Redis's next count brings memory admission back.
        ledger.learn("b", counted(1_000, 850));
        assert_eq!(admitted(&ledger, 1_000), Some((849, true)));
    }

    #[tokio::test]
    async fn settled_waits_only_for_what_was_admitted_before_it() {
        let ledger = Arc::new(Ledger::default());
        ledger.learn("b", counted(1_000, 900));
        assert!(admitted(&ledger, 1_000).is_some());
        let waiter = tokio::spawn({
            let ledger = ledger.clone();
            async move { ledger.settled("b").await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        assert_eq!(ledger.next_batch("b"), Some(1));
        // More arrive while the first batch is on its way; the waiter does not need them.
        assert!(admitted(&ledger, 1_000).is_some());
        ledger.sent("b", 1, counted(1_000, 899));
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("settled returns once what came before it is in Redis")
            .unwrap();
    }
}
