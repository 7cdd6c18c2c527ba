//! Every integration test of this crate, in one test binary (one link instead of one per file).

mod pagespeed;
mod remote;
mod service;
