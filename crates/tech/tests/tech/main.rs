//! Every integration test of this crate, in one test binary.

mod keys;
mod loading;
mod mention;
mod rules;
mod support;
