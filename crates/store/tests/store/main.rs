//! Every integration test of this crate, in one test binary (one link instead of one per file).

#[macro_use]
mod suite;
mod postgres;
mod sqlite;
