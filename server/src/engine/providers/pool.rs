//! Several deployments of one provider (keys, regions, Azure resources) behind one
//! provider. Calls are spread by weight with smooth weighted round robin
//! (deterministic, and even at low volume, where random picks clump); a deployment at
//! its requests- or tokens-per-minute limit, or resting after a failure, is passed
//! over; a call a deployment fails before answering is tried on the next one before
//! the router hears of it. The router sees one provider, so its retries, fallbacks and
//! circuit work as they do for a single endpoint.
//!
//! Counts are kept in fixed minute windows, in memory, so picking a deployment costs
//! no round trip; server processes add theirs up in Redis every second
//! (`engine::deployment_sharing`), so together they keep within a limit to within about
//! a second's calls. A deployment that answers 429 rests for its `retry-after`, so
//! whatever overshoot is left backs off from what the provider says.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use futures::StreamExt;

use super::{
    ChatRequest, Chunk, ChunkStream, Completion, EmbedRequest, Embeddings, LlmProvider, Offered,
    ProviderError, WireFormat,
};

/// How long a deployment rests after a failure the provider gave no `retry-after` for.
const REST_AFTER_FAILURE: Duration = Duration::from_secs(5);

/// One deployment as the operator configured it (`LLM_DEPLOYMENTS`).
#[derive(Clone)]
pub struct DeploymentConfig {
    pub name: String,
    pub base_url: String,
    pub api_key: Option<String>,
    pub weight: u32,
    /// Requests per minute it may be sent.
    pub rpm: Option<u32>,
    /// Tokens (prompt and completion) per minute it may be sent.
    pub tpm: Option<u64>,
    /// The models it serves; empty: every model of the provider.
    pub models: Vec<String>,
}

impl std::fmt::Debug for DeploymentConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeploymentConfig")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("weight", &self.weight)
            .field("rpm", &self.rpm)
            .field("tpm", &self.tpm)
            .field("models", &self.models)
            .finish()
    }
}

impl DeploymentConfig {
    fn serves(&self, model: &str) -> bool {
        self.models.is_empty() || self.models.iter().any(|m| m == model)
    }
}

/// A provider's deployments with their live counts, shared by every provider set built
/// from them (a set is built per team and call; the counts are the process's).
#[derive(Debug)]
pub struct Deployments {
    pub configs: Vec<DeploymentConfig>,
    live: Mutex<Vec<Live>>,
}

#[derive(Debug, Default, Clone)]
struct Live {
    /// The minute (since the Unix epoch) the counts are for.
    minute: u64,
    /// What this process sent.
    requests: u32,
    tokens: u64,
    /// How much of that the other processes have been told of.
    shared_requests: u32,
    shared_tokens: u64,
    /// What the other processes sent, as of the last exchange.
    others_requests: u32,
    others_tokens: u64,
    /// Smooth weighted round robin's running weight.
    current: i64,
    resting_until: Option<Instant>,
    /// Whether the rest is the provider's `retry-after` (a limit), not a failure.
    limited: bool,
}

/// A deployment's state, for metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentStatus {
    pub name: String,
    pub requests_this_minute: u32,
    pub tokens_this_minute: u64,
    /// Neither at a limit nor resting.
    pub available: bool,
}

enum Pick {
    Member(usize),
    /// No deployment serves the model.
    NoneServes,
    /// Every deployment that serves it is at a limit or resting; `limited` if any is
    /// at a limit, with the wait until the first is free again.
    Busy {
        wait: Duration,
        limited: bool,
    },
}

impl Deployments {
    pub fn new(configs: Vec<DeploymentConfig>) -> Deployments {
        let live = vec![Live::default(); configs.len()];
        Deployments {
            configs,
            live: Mutex::new(live),
        }
    }

    pub fn status(&self) -> Vec<DeploymentStatus> {
        self.status_at(clock(), Instant::now())
    }

    fn status_at(
        &self,
        (minute, into_minute): (u64, Duration),
        now: Instant,
    ) -> Vec<DeploymentStatus> {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        self.configs
            .iter()
            .zip(live.iter_mut())
            .map(|(config, live)| {
                live.roll(minute);
                DeploymentStatus {
                    name: config.name.clone(),
                    requests_this_minute: live.all_requests(),
                    tokens_this_minute: live.all_tokens(),
                    available: live.blocked(config, now, into_minute).is_none(),
                }
            })
            .collect()
    }

    /// The next deployment for `model` among those not `tried`, counted as sent.
    fn pick(&self, model: &str, tried: &[usize]) -> Pick {
        self.pick_at(model, tried, clock(), Instant::now())
    }

    fn pick_at(
        &self,
        model: &str,
        tried: &[usize],
        (minute, into_minute): (u64, Duration),
        now: Instant,
    ) -> Pick {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let mut total = 0i64;
        let mut best: Option<usize> = None;
        let mut serves = false;
        let mut wait: Option<Duration> = None;
        let mut limited = false;
        for (index, config) in self.configs.iter().enumerate() {
            if tried.contains(&index) || !config.serves(model) {
                continue;
            }
            serves = true;
            let member = &mut live[index];
            member.roll(minute);
            if let Some((blocked_for, is_limit)) = member.blocked(config, now, into_minute) {
                wait = Some(wait.map_or(blocked_for, |w| w.min(blocked_for)));
                limited |= is_limit;
                continue;
            }
            member.current += i64::from(config.weight);
            let current = member.current;
            total += i64::from(config.weight);
            if best.is_none_or(|b| current > live[b].current) {
                best = Some(index);
            }
        }
        match best {
            Some(index) => {
                live[index].current -= total;
                live[index].requests += 1;
                Pick::Member(index)
            }
            None if !serves => Pick::NoneServes,
            None => Pick::Busy {
                wait: wait.unwrap_or_default(),
                limited,
            },
        }
    }

    fn answered(&self, index: usize, tokens: u64) {
        let (minute, _) = clock();
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let member = &mut live[index];
        member.roll(minute);
        member.tokens += tokens;
    }

    /// What this process counted this minute and has not shared yet, one entry per
    /// deployment, now counted as shared; and the minute.
    pub fn take_unshared(&self) -> (u64, Vec<(u32, u64)>) {
        self.take_unshared_at(clock().0)
    }

    fn take_unshared_at(&self, minute: u64) -> (u64, Vec<(u32, u64)>) {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let counts = live
            .iter_mut()
            .map(|member| {
                member.roll(minute);
                let unshared = (
                    member.requests - member.shared_requests,
                    member.tokens - member.shared_tokens,
                );
                (member.shared_requests, member.shared_tokens) = (member.requests, member.tokens);
                unshared
            })
            .collect();
        (minute, counts)
    }

    /// The counts of [`Deployments::take_unshared`] could not be shared: they are
    /// shared next time.
    pub fn unshared(&self, minute: u64, counts: &[(u32, u64)]) {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        for (member, (requests, tokens)) in live.iter_mut().zip(counts) {
            if member.minute == minute {
                member.shared_requests -= requests;
                member.shared_tokens -= tokens;
            }
        }
    }

    /// Every process's counts for `minute`, ours included as far as shared: the rest
    /// is the others'.
    pub fn learn_totals(&self, minute: u64, totals: &[(u64, u64)]) {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        for (member, (requests, tokens)) in live.iter_mut().zip(totals) {
            if member.minute == minute {
                let others = requests.saturating_sub(u64::from(member.shared_requests));
                member.others_requests = u32::try_from(others).unwrap_or(u32::MAX);
                member.others_tokens = tokens.saturating_sub(member.shared_tokens);
            }
        }
    }

    /// A deployment failed in a way another may not: it rests for the provider's
    /// `retry-after`, or a few seconds.
    fn failed(&self, index: usize, error: &ProviderError) {
        let retry_after = match error {
            ProviderError::RateLimited { retry_after } => {
                Some(retry_after.unwrap_or(REST_AFTER_FAILURE))
            }
            _ => None,
        };
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let member = &mut live[index];
        member.resting_until = Some(
            Instant::now()
                + retry_after
                    .unwrap_or(REST_AFTER_FAILURE)
                    .max(Duration::from_secs(1)),
        );
        member.limited = retry_after.is_some();
    }
}

impl Live {
    fn roll(&mut self, minute: u64) {
        if self.minute != minute {
            *self = Live {
                minute,
                current: self.current,
                resting_until: self.resting_until,
                limited: self.limited,
                ..Live::default()
            };
        }
    }

    fn all_requests(&self) -> u32 {
        self.requests.saturating_add(self.others_requests)
    }

    fn all_tokens(&self) -> u64 {
        self.tokens.saturating_add(self.others_tokens)
    }

    /// How long the deployment cannot be sent a call, and whether that is a limit.
    fn blocked(
        &self,
        config: &DeploymentConfig,
        now: Instant,
        into_minute: Duration,
    ) -> Option<(Duration, bool)> {
        if let Some(until) = self.resting_until
            && until > now
        {
            return Some((until - now, self.limited));
        }
        let full = config.rpm.is_some_and(|rpm| self.all_requests() >= rpm)
            || config.tpm.is_some_and(|tpm| self.all_tokens() >= tpm);
        full.then(|| (Duration::from_secs(60).saturating_sub(into_minute), true))
    }
}

/// The current minute since the Unix epoch, and how far into it we are.
fn clock() -> (u64, Duration) {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (
        since.as_secs() / 60,
        Duration::from_millis((since.as_millis() % 60_000) as u64),
    )
}

/// The provider the router sees: one id, its deployments behind it.
pub struct Pool {
    pub id: String,
    pub format: WireFormat,
    /// One provider per deployment, in the order of `deployments.configs`.
    pub members: Vec<Arc<dyn LlmProvider>>,
    pub deployments: Arc<Deployments>,
}

/// What a deployment is asked to do.
#[derive(Clone, Copy)]
enum Call<'a> {
    Stream(&'a ChatRequest),
    Complete(&'a ChatRequest),
    Embed(&'a EmbedRequest),
}

enum Answer {
    Stream(ChunkStream),
    Complete(Completion),
    Embed(Embeddings),
}

impl Call<'_> {
    fn model(&self) -> &str {
        match self {
            Call::Stream(request) | Call::Complete(request) => &request.model,
            Call::Embed(request) => &request.model,
        }
    }
}

impl Pool {
    /// Asks deployments in turn until one answers, or one refuses the request itself
    /// (another would refuse it too).
    async fn call(&self, call: Call<'_>) -> Result<Answer, ProviderError> {
        let mut tried = Vec::new();
        let mut last_error = None;
        loop {
            let index = match self.deployments.pick(call.model(), &tried) {
                Pick::Member(index) => index,
                Pick::NoneServes => {
                    return Err(ProviderError::Rejected {
                        status: 404,
                        message: format!("no deployment of {} serves {}", self.id, call.model()),
                    });
                }
                Pick::Busy { wait, limited } => {
                    return Err(last_error.unwrap_or(if limited {
                        ProviderError::RateLimited {
                            retry_after: Some(wait),
                        }
                    } else {
                        ProviderError::Server {
                            status: 503,
                            message: format!(
                                "every deployment of {} is resting after failures",
                                self.id
                            ),
                        }
                    }));
                }
            };
            tried.push(index);
            let member = &self.members[index];
            let answer = match call {
                Call::Stream(request) => member.stream(request).await.map(Answer::Stream),
                Call::Complete(request) => member.complete(request).await.map(Answer::Complete),
                Call::Embed(request) => member.embed(request).await.map(Answer::Embed),
            };
            match answer {
                Ok(answer) => return Ok(self.count(index, answer)),
                Err(error)
                    if error.is_retryable()
                        || matches!(error, ProviderError::Unauthorized { .. }) =>
                {
                    let name = &self.deployments.configs[index].name;
                    tracing::warn!(provider = %self.id, deployment = %name, %error, "deployment failed; trying another");
                    self.deployments.failed(index, &error);
                    last_error = Some(error);
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Counts an answer's tokens against its deployment (a stream's as its usage
    /// arrives; a stream that fails rests the deployment).
    fn count(&self, index: usize, answer: Answer) -> Answer {
        let deployments = Arc::clone(&self.deployments);
        match answer {
            Answer::Complete(completion) => {
                let usage = completion.usage;
                deployments.answered(index, usage.prompt_tokens + usage.completion_tokens);
                Answer::Complete(completion)
            }
            Answer::Embed(embeddings) => {
                deployments.answered(index, embeddings.prompt_tokens);
                Answer::Embed(embeddings)
            }
            Answer::Stream(stream) => {
                Answer::Stream(Box::pin(stream.inspect(move |item| match item {
                    Ok(Chunk::Usage(usage)) => {
                        deployments.answered(index, usage.prompt_tokens + usage.completion_tokens)
                    }
                    Err(error) if error.is_retryable() => deployments.failed(index, error),
                    _ => {}
                })))
            }
        }
    }
}

#[async_trait]
impl LlmProvider for Pool {
    fn id(&self) -> &str {
        &self.id
    }

    fn format(&self) -> WireFormat {
        self.format
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
        match self.call(Call::Stream(request)).await? {
            Answer::Stream(stream) => Ok(stream),
            _ => unreachable!("a stream call answers a stream"),
        }
    }

    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        match self.call(Call::Complete(request)).await? {
            Answer::Complete(completion) => Ok(completion),
            _ => unreachable!("a completion call answers a completion"),
        }
    }

    async fn embed(&self, request: &EmbedRequest) -> Result<Embeddings, ProviderError> {
        match self.call(Call::Embed(request)).await? {
            Answer::Embed(embeddings) => Ok(embeddings),
            _ => unreachable!("an embeddings call answers embeddings"),
        }
    }

    /// Every model any deployment lists (each restricted to the models it serves); an
    /// error only when no deployment answers.
    async fn models(&self) -> Result<Vec<Offered>, ProviderError> {
        let lists = futures::future::join_all(self.members.iter().map(|m| m.models())).await;
        let mut offered: Vec<Offered> = Vec::new();
        let mut first_error = None;
        for (config, list) in self.deployments.configs.iter().zip(lists) {
            match list {
                Ok(list) => {
                    for model in list {
                        if config.serves(&model.id) && !offered.iter().any(|o| o.id == model.id) {
                            offered.push(model);
                        }
                    }
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) if offered.is_empty() => Err(error),
            _ => Ok(offered),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(name: &str, weight: u32, rpm: Option<u32>) -> DeploymentConfig {
        DeploymentConfig {
            name: name.into(),
            base_url: String::new(),
            api_key: None,
            weight,
            rpm,
            tpm: None,
            models: Vec::new(),
        }
    }

    /// A fixed moment, half a minute into a minute, so no test straddles two.
    fn at() -> ((u64, Duration), Instant) {
        ((1_000, Duration::from_secs(30)), Instant::now())
    }

    fn picks(deployments: &Deployments, n: usize) -> Vec<usize> {
        let (clock, now) = at();
        (0..n)
            .map(|_| match deployments.pick_at("m", &[], clock, now) {
                Pick::Member(index) => index,
                _ => usize::MAX,
            })
            .collect()
    }

    #[test]
    fn spreads_calls_by_weight_evenly() {
        let deployments =
            Deployments::new(vec![deployment("a", 3, None), deployment("b", 1, None)]);
        // Smooth: b's turn comes inside every four calls, not after three a's in a row
        // at random.
        assert_eq!(picks(&deployments, 8), [0, 0, 1, 0, 0, 0, 1, 0]);
    }

    #[test]
    fn passes_over_a_deployment_at_its_limit_or_resting() {
        let deployments =
            Deployments::new(vec![deployment("a", 1, Some(2)), deployment("b", 1, None)]);
        let counts = picks(&deployments, 6);
        assert_eq!(counts.iter().filter(|&&i| i == 0).count(), 2, "{counts:?}");
        deployments.failed(
            1,
            &ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(40)),
            },
        );
        let (clock, now) = at();
        match deployments.pick_at("m", &[], clock, now) {
            // a is free at the next minute, in 30 s; b rests for 40 s.
            Pick::Busy { wait, limited } => {
                assert_eq!((wait, limited), (Duration::from_secs(30), true))
            }
            _ => panic!("both are unavailable"),
        }
        let status = deployments.status_at(clock, now);
        assert!(status.iter().all(|s| !s.available), "{status:?}");
        assert_eq!(status[0].requests_this_minute, 2);
    }

    #[test]
    fn processes_add_up_their_counts_to_keep_within_a_limit_together() {
        let process =
            || Deployments::new(vec![deployment("a", 1, Some(3)), deployment("b", 1, None)]);
        let (first, second) = (process(), process());
        // Redis, as it adds up what each process shares.
        let mut totals = vec![(0u64, 0u64); 2];
        let mut exchange = |deployments: &Deployments| {
            let (minute, counts) = deployments.take_unshared_at(1_000);
            for (total, (requests, tokens)) in totals.iter_mut().zip(&counts) {
                total.0 += u64::from(*requests);
                total.1 += tokens;
            }
            deployments.learn_totals(minute, &totals);
        };
        assert_eq!(picks(&first, 4), [0, 1, 0, 1]);
        assert_eq!(picks(&second, 2), [0, 1]);
        // An exchange that failed is shared with the next.
        let (minute, counts) = first.take_unshared_at(1_000);
        first.unshared(minute, &counts);
        assert_eq!(first.take_unshared_at(1_000).1, counts);
        first.unshared(minute, &counts);
        for process in [&first, &second, &first] {
            exchange(process);
        }
        // Each sent `a` fewer than 3 calls, together 3: neither sends it more.
        assert_eq!(picks(&first, 2), [1, 1]);
        assert_eq!(picks(&second, 2), [1, 1]);
        let (clock, now) = at();
        assert_eq!(first.status_at(clock, now)[0].requests_this_minute, 3);
    }

    #[test]
    fn a_deployment_serves_only_its_models() {
        let mut only = deployment("a", 1, None);
        only.models = vec!["gpt-4o".into()];
        let deployments = Deployments::new(vec![only]);
        let (clock, now) = at();
        assert!(matches!(
            deployments.pick_at("m", &[], clock, now),
            Pick::NoneServes
        ));
        assert!(matches!(
            deployments.pick_at("gpt-4o", &[], clock, now),
            Pick::Member(0)
        ));
    }
}
