//! Schedules on PostgreSQL: add, list, remove, pause and the compare-and-set that fires each slot once.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{PgStore, exec, jobs, json_value, notify, query};
use crate::Schedules;
use crate::{NewJob, Result, Schedule};

fn schedule_from_row(r: &Row) -> Result<Schedule> {
    Ok(Schedule {
        name: r.get(0),
        spec: r.get(1),
        command: json_value(r.get(2), "schedule command")?,
        catch_up: r.get(3),
        paused: r.get(4),
        next_fire_ms: r.get(5),
        last_fired_ms: r.get(6),
        created_at: r.get(7),
    })
}

#[async_trait]
impl Schedules for PgStore {
    async fn add_schedule(&self, schedule: Schedule) -> Result<bool> {
        let c = self.client().await?;
        let command = serde_json::to_value(&schedule.command).expect("strings serialise");
        let n = exec(
            &c,
            sql!("schedules/add"),
            &[
                &schedule.name,
                &schedule.spec,
                &command,
                &schedule.catch_up,
                &schedule.paused,
                &schedule.next_fire_ms,
                &schedule.last_fired_ms,
                &schedule.created_at,
            ],
        )
        .await?;
        Ok(n == 1)
    }

    async fn schedules(&self) -> Result<Vec<Schedule>> {
        let c = self.client().await?;
        query(&c, sql!("schedules/list"), &[]).await?.iter().map(schedule_from_row).collect()
    }

    async fn remove_schedule(&self, name: &str) -> Result<bool> {
        let c = self.client().await?;
        Ok(exec(&c, sql!("schedules/remove"), &[&name]).await? == 1)
    }

    async fn set_schedule_paused(&self, name: &str, paused: bool) -> Result<bool> {
        let c = self.client().await?;
        Ok(exec(&c, sql!("schedules/set_paused"), &[&paused, &name]).await? == 1)
    }

    async fn advance_schedule(
        &self,
        name: &str,
        expected_next_ms: i64,
        next_ms: i64,
        fire: Option<NewJob>,
    ) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        // A second scheduler's UPDATE waits for the first to commit, then no longer matches `expected`.
        let n = exec(&tx, sql!("schedules/advance"), &[&next_ms, &fire.is_some(), &expected_next_ms, &name]).await?;
        let mut enqueued = false;
        if n == 1
            && let Some(job) = &fire
        {
            enqueued = jobs::enqueue(&tx, job, crate::now_ms()).await?.is_some();
            if enqueued {
                notify(&tx).await?;
            }
        }
        tx.commit().await?;
        if enqueued {
            self.bump();
        }
        Ok(n == 1)
    }
}
