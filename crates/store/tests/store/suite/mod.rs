//! The store suite: every case is written against `dyn Store` and runs on each backend
//! (`tests/sqlite.rs`, `tests/postgres.rs`) through `store_suite!`. One module per aggregate, as the
//! store's traits are split: `leads`, `results`, `cache`, `runs`, `jobs`, `schedules`, `api_keys`.

#![allow(dead_code)]

mod api_keys;
mod cache;
mod jobs;
mod leads;
mod results;
mod runs;
mod schedules;
pub use api_keys::*;
pub use cache::*;
pub use jobs::*;
pub use leads::*;
pub use results::*;
pub use runs::*;
pub use schedules::*;

use leadsmith_core::{Domain, LeadInput, Phone};
use leadsmith_store::ImportRow;

/// Generates one `#[tokio::test]` per suite case, each on a fresh store from `$factory` (an async fn
/// returning `Option<Arc<dyn Store>>`; `None` means the backend was deliberately skipped, and the factory
/// says so).
#[macro_export]
macro_rules! store_suite {
    ($factory:path) => {
        $crate::store_suite!(@cases $factory; import_creates_merges_and_is_idempotent,
            dry_run_decides_but_writes_nothing,
            merge_fills_gaps_without_overwriting,
            fill_website_sets_a_missing_website_only,
            a_shared_phone_never_merges_other_domains_and_a_crowded_key_merges_nothing,
            a_reimport_read_with_a_new_mapping_fills_its_lead,
            enqueue_is_unique_by_key_and_claim_leases,
            claim_orders_by_priority_and_respects_due_time_and_kinds,
            complete_writes_results_once_and_enqueues_follow_ups,
            failures_retry_then_dead_letter_with_history,
            permanent_failure_and_foreign_fail_are_handled,
            expired_leases_are_redelivered_then_dead_lettered,
            release_and_recovery_give_jobs_back,
            a_claim_whose_answer_was_lost_is_given_back,
            runs_finish_with_a_status,
            a_run_finishes_in_the_transaction_that_ends_its_last_job,
            recovery_dead_letters_a_job_past_its_attempts,
            list_filters_by_tier_and_orders_by_score,
            queue_stats_redrive_and_purge,
            page_cache_round_trips,
            page_cache_prunes_pages_fetched_before_a_time,
            purge_done_jobs_keeps_dead_letters_open_work_and_leads,
            keyed_runs_are_created_once,
            keyed_runs_keep_the_fingerprint_they_were_created_with,
            cancel_stops_a_run_without_losing_finished_work,
            schedules_fire_each_slot_once,
            job_signal_wakes_waiters,
            enqueue_many_inserts_a_batch_once,
            api_keys_are_stored_hashed_listed_and_found_by_hash,
            api_keys_revoke_by_name_or_prefix_idempotently,
            verify_rejects_missing_unknown_revoked_expired_and_out_of_scope_keys,
            rotated_keys_are_both_valid_until_the_old_is_revoked,
            verify_touches_last_used_at_most_once_a_minute,
            list_filters_alone_and_combined,
            cursor_pages_equal_the_unpaged_listing,
            stream_leads_walks_the_listing_once_with_results_and_sources,
            a_streamed_import_in_batches_decides_as_one_import_does,
            cursor_round_trips_as_text_and_rejects_garbage,
            delete_hides_a_lead_keeps_its_data_and_cancels_ready_jobs,
            reimport_restores_a_deleted_lead,
            lead_jobs_list_a_leads_history_oldest_first,
            stage_results_keep_the_latest_per_lead_and_stage);
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                if let Some(store) = $factory().await {
                    $crate::suite::$case(store).await;
                }
            }
        )*
    };
}

pub(crate) fn row(line: u64, company: &str, website: Option<&str>, phone: Option<&str>) -> ImportRow {
    let input = LeadInput {
        company: Some(company.to_string()),
        website: website.map(|w| format!("http://{w}/")),
        domain: website.map(|w| Domain::from_website(w).unwrap()),
        phone: phone.map(|p| Phone::parse(p, "US").unwrap()),
        ..Default::default()
    };
    ImportRow { line, raw: format!("{company},{website:?},{phone:?}"), input }
}
