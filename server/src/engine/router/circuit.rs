//! Per-provider circuit breakers: after repeated failures a provider is skipped for a
//! cool-down, then one trial call decides whether it is back. Kept per process — each
//! server instance learns on its own within a few calls.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    Closed,
    Open,
    HalfOpen,
}

#[derive(Default)]
struct Circuit {
    failures: u32,
    open_until: Option<Instant>,
}

pub struct Circuits {
    threshold: u32,
    cooldown: Duration,
    circuits: Mutex<HashMap<String, Circuit>>,
}

impl Circuits {
    pub fn new(threshold: u32, cooldown: Duration) -> Circuits {
        Circuits {
            threshold: threshold.max(1),
            cooldown,
            circuits: Mutex::new(HashMap::new()),
        }
    }

    pub fn state(&self, provider: &str) -> CircuitState {
        let circuits = self.circuits.lock().unwrap_or_else(|e| e.into_inner());
        match circuits.get(provider).and_then(|c| c.open_until) {
            None => CircuitState::Closed,
            Some(until) if Instant::now() < until => CircuitState::Open,
            Some(_) => CircuitState::HalfOpen,
        }
    }

    /// Every provider that has failed since start-up, with its state now (for metrics).
    pub fn snapshot(&self) -> Vec<(String, CircuitState)> {
        let names: Vec<String> = {
            let circuits = self.circuits.lock().unwrap_or_else(|e| e.into_inner());
            circuits.keys().cloned().collect()
        };
        names
            .into_iter()
            .map(|name| {
                let state = self.state(&name);
                (name, state)
            })
            .collect()
    }

    pub fn success(&self, provider: &str) {
        let mut circuits = self.circuits.lock().unwrap_or_else(|e| e.into_inner());
        // Reset rather than removed, so the snapshot still reports it (closed).
        if let Some(circuit) = circuits.get_mut(provider) {
            *circuit = Circuit::default();
        }
    }

    pub fn failure(&self, provider: &str) {
        let mut circuits = self.circuits.lock().unwrap_or_else(|e| e.into_inner());
        let circuit = circuits.entry(provider.to_string()).or_default();
        circuit.failures += 1;
        // A failed trial while half-open re-opens at once.
        let half_open = circuit
            .open_until
            .is_some_and(|until| Instant::now() >= until);
        if circuit.failures >= self.threshold || half_open {
            circuit.open_until = Some(Instant::now() + self.cooldown);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_and_recovers() {
        let circuits = Circuits::new(2, Duration::from_millis(30));
        circuits.failure("a");
        assert_eq!(circuits.state("a"), CircuitState::Closed);
        circuits.failure("a");
        assert_eq!(circuits.state("a"), CircuitState::Open);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(circuits.state("a"), CircuitState::HalfOpen);
        circuits.failure("a");
        assert_eq!(circuits.state("a"), CircuitState::Open);
        std::thread::sleep(Duration::from_millis(40));
        circuits.success("a");
        assert_eq!(circuits.state("a"), CircuitState::Closed);
    }
}
