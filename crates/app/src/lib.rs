//! leadsmith as a library, arranged by role:
//!
//! - [`cli`]: the command line, one file per command group (its arguments and what it runs);
//! - [`api`]: the HTTP API (state, router, middleware, errors, one file per resource);
//! - [`pipeline`]: the engine, the stage registry and one file per stage, imports, runs and schedules;
//! - [`startup`]: opening the store, recovery, workers and the scheduler, shutdown — shared by `run`,
//!   `worker`, `serve` and `demo`;
//! - [`config`]: every settings section; [`telemetry`]: logs and metrics;
//! - [`view`] and [`export`]: a lead with everything learnt about it, and the files written from it;
//! - [`scoring`]: the configured rules and models a lead is scored with;
//! - [`table`]: the one reader of CSV/JSONL input, for import, scoring and training.
//!
//! `main.rs` only calls [`cli::main`].

pub mod api;
pub mod cli;
pub mod config;
pub mod csv_out;
pub mod export;
pub mod pipeline;
pub mod scoring;
pub mod startup;
pub mod table;
pub mod telemetry;
pub mod view;
