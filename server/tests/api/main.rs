#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test should stop at the failure"
)]

//! Black-box tests: each starts the real server on a random port against a fresh
//! database on the real PostgreSQL, with the real Redis, and talks HTTP to it.
//! One test binary for all of them, to link once.

mod helpers;

mod agents;
mod auth;
mod catalog;
mod cli;
mod contract;
mod conversations;
mod dashboard;
mod database_roles;
mod deployments;
mod embeds;
mod engine;
mod engine_helpers;
mod gateway_images;
mod gateway_webhooks;
mod identity;
mod knowledge;
mod limits;
mod mail;
mod marketplace;
mod operations;
mod pages;
mod profile;
mod providers;
mod rest;
mod review_findings;
mod runs;
mod sdks;
mod shares;
mod stripe_webhooks;
mod team_sso;
mod teams;
mod tenancy;
mod traces;
mod two_factor;
mod watchdog;
