//! Every integration test of this crate, in one test binary (one link instead of one per file).

mod cli;
mod import;
mod keys;
mod pg_restart;
mod pipeline;
mod postgres;
mod sample_web;
mod schedule;
mod score;
mod scoring;
mod serve;
mod support;
mod train;
