//! Every integration test of this crate, in one test binary.

mod builtin;
mod keys;
mod loading;
mod mention;
mod rules;
mod sample_web;
mod support;
