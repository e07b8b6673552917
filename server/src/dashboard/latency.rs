//! Percentiles from the latency buckets of `run_outcomes_daily`: bucket `b` counts runs
//! that took (1.2^(b-1), 1.2^b] ms (the SQL function `latency_bucket`).

const GROWTH: f64 = 1.2;

/// The `q`-th quantile (0..=1) of the counted latencies in ms, as the geometric middle
/// of its bucket (so within 10 %); `None` when nothing was counted.
pub fn quantile(buckets: &[(i16, i64)], q: f64) -> Option<i64> {
    let total: i64 = buckets.iter().map(|(_, runs)| runs).sum();
    if total == 0 {
        return None;
    }
    let mut sorted = buckets.to_vec();
    sorted.sort_unstable_by_key(|(bucket, _)| *bucket);
    let rank = (q * total as f64).ceil().max(1.0) as i64;
    let mut seen = 0;
    for (bucket, runs) in sorted {
        seen += runs;
        if seen >= rank {
            return Some(middle_ms(bucket));
        }
    }
    None
}

fn middle_ms(bucket: i16) -> i64 {
    if bucket <= 0 {
        return 1;
    }
    GROWTH.powf(f64::from(bucket) - 0.5).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SQL function's rule, for building buckets in tests.
    fn bucket(ms: f64) -> i16 {
        (ms.max(1.0).ln() / GROWTH.ln()).ceil().clamp(0.0, 100.0) as i16
    }

    #[test]
    fn p95_is_within_ten_percent() {
        // 1..=1000 ms, one run each: the true p95 is 950 ms.
        let mut counts = std::collections::BTreeMap::<i16, i64>::new();
        for ms in 1..=1000 {
            *counts.entry(bucket(f64::from(ms))).or_default() += 1;
        }
        let buckets: Vec<(i16, i64)> = counts.into_iter().collect();
        let p95 = quantile(&buckets, 0.95).unwrap() as f64;
        assert!((p95 - 950.0).abs() / 950.0 <= 0.1, "{p95}");
        let p50 = quantile(&buckets, 0.5).unwrap() as f64;
        assert!((p50 - 500.0).abs() / 500.0 <= 0.1, "{p50}");
    }

    #[test]
    fn nothing_counted_has_no_percentile() {
        assert_eq!(quantile(&[], 0.95), None);
        assert_eq!(quantile(&[(3, 0)], 0.95), None);
        assert_eq!(quantile(&[(0, 4)], 0.95), Some(1));
    }
}
