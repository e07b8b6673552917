//! The Agent Factory server. `main.rs` is a thin wrapper over [`startup::Application`],
//! which the integration tests drive directly.

pub mod accounts;
pub mod agents;
pub mod api;
pub mod api_keys;
pub mod audit;
pub mod billing;
pub mod cli;
pub mod config;
pub mod conversations;
pub mod crypto;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod display;
pub mod dns;
pub mod engine;
pub mod errors;
pub mod gateway;
pub mod http;
pub mod idempotency;
pub mod identity;
pub mod knowledge;
pub mod mail;
pub mod markdown;
pub mod marketplace;
pub mod metrics;
pub mod rate_limit;
pub mod redis_client;
pub mod runs;
pub mod secrets;
pub mod secrets_rotation;
pub mod shutdown;
pub mod ssrf;
pub mod startup;
pub mod state;
pub mod team_keys;
pub mod team_routing;
pub mod team_sso;
pub mod teams;
pub mod telemetry;

pub mod usage;
pub mod webhooks;
