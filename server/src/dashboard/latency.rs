//! Percentiles from the latency histograms of `run_latency_daily`: `counts[b]` runs took
//! (1.2^(b-1), 1.2^b] ms (the SQL function `latency_bucket`).

const GROWTH: f64 = 1.2;
/// Buckets 0 to 100, as the table's arrays hold them.
pub const BUCKETS: usize = 101;

/// The `q`-th quantile (0..=1) of the counted latencies in ms, as the geometric middle
/// of its bucket (so within 10 %); `None` when nothing was counted.
pub fn quantile(counts: &[i64], q: f64) -> Option<i64> {
    let total: i64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = (q * total as f64).ceil().max(1.0) as i64;
    let mut seen = 0;
    for (bucket, runs) in counts.iter().enumerate() {
        seen += runs;
        if seen >= rank {
            return Some(middle_ms(bucket));
        }
    }
    None
}

fn middle_ms(bucket: usize) -> i64 {
    if bucket == 0 {
        return 1;
    }
    GROWTH.powf(bucket as f64 - 0.5).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SQL function's rule, for building buckets in tests.
    fn bucket(ms: f64) -> usize {
        (ms.max(1.0).ln() / GROWTH.ln()).ceil().clamp(0.0, 100.0) as usize
    }

    #[test]
    fn p95_is_within_ten_percent() {
        // 1..=1000 ms, one run each: the true p95 is 950 ms.
        let mut counts = [0i64; BUCKETS];
        for ms in 1..=1000 {
            counts[bucket(f64::from(ms))] += 1;
        }
        let p95 = quantile(&counts, 0.95).unwrap() as f64;
        assert!((p95 - 950.0).abs() / 950.0 <= 0.1, "{p95}");
        let p50 = quantile(&counts, 0.5).unwrap() as f64;
        assert!((p50 - 500.0).abs() / 500.0 <= 0.1, "{p50}");
    }

    #[test]
    fn nothing_counted_has_no_percentile() {
        assert_eq!(quantile(&[], 0.95), None);
        assert_eq!(quantile(&[0, 0, 0], 0.95), None);
        assert_eq!(quantile(&[4], 0.95), Some(1));
    }
}
