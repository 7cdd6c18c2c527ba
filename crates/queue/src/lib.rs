//! The durable job queue on top of the store's job table: job errors that say whether to retry, the
//! retry policy (exponential backoff with jitter), and the worker runtime (claim with lease, heartbeat,
//! complete with results in one transaction, fail/retry/dead-letter, graceful stop, crash recovery).
//! Delivery is at least once; handlers make their effects idempotent by writing keyed stage results.

mod policy;
mod worker;

pub use policy::RetryPolicy;
pub use worker::{Handler, JobError, Outcome, Worker, WorkerConfig, WorkerStats, local_worker_is_dead, worker_id};
