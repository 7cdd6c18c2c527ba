//! Domain rules written once for every backend: the import/dedupe decisions ([`import`]), job completion
//! with follow-up gating, failure handling, crash recovery and when a run is finished ([`jobs`]), and what
//! retention may delete ([`retention`]). Each is
//! a function over a small trait of backend primitives (one statement each) or a pure decision; the
//! backends implement the primitives in their own SQL and keep transactions, locks and notifications.

pub(crate) mod import;
pub(crate) mod jobs;
pub(crate) mod retention;

/// Runs a future that never waits to its end. The SQLite backend implements the primitives as blocking
/// calls behind `async` signatures (on the blocking pool), so the shared rules run there unchanged.
pub(crate) fn ready<F: Future>(future: F) -> F::Output {
    futures_util::FutureExt::now_or_never(future).expect("SQLite primitives complete without waiting")
}
