//! Schedules on SQLite: add, list, remove, pause and the compare-and-set that fires each slot once.

use async_trait::async_trait;
use rusqlite::params;

use super::{SqliteStore, jobs};
use crate::Schedules;
use crate::{NewJob, Result, Schedule, StoreError};

#[async_trait]
impl Schedules for SqliteStore {
    async fn add_schedule(&self, schedule: Schedule) -> Result<bool> {
        self.call(move |conn| {
            let n = conn.execute(
                sql!("schedules/add"),
                params![
                    schedule.name,
                    schedule.spec,
                    serde_json::to_string(&schedule.command).expect("strings serialise"),
                    schedule.catch_up,
                    schedule.paused,
                    schedule.next_fire_ms,
                    schedule.last_fired_ms,
                    schedule.created_at
                ],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn schedules(&self) -> Result<Vec<Schedule>> {
        self.call(|conn| {
            let mut stmt = conn.prepare(sql!("schedules/list"))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, bool>(3)?,
                        r.get::<_, bool>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, Option<i64>>(6)?,
                        r.get::<_, String>(7)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(name, spec, command, catch_up, paused, next_fire_ms, last_fired_ms, created_at)| {
                    let command = serde_json::from_str(&command)
                        .map_err(|source| StoreError::Json { what: "schedule command", source })?;
                    Ok(Schedule { name, spec, command, catch_up, paused, next_fire_ms, last_fired_ms, created_at })
                })
                .collect()
        })
        .await
    }

    async fn remove_schedule(&self, name: &str) -> Result<bool> {
        let name = name.to_string();
        self.call(move |conn| Ok(conn.execute(sql!("schedules/remove"), [name])? == 1)).await
    }

    async fn set_schedule_paused(&self, name: &str, paused: bool) -> Result<bool> {
        let name = name.to_string();
        self.call(move |conn| Ok(conn.execute(sql!("schedules/set_paused"), params![paused, name])? == 1)).await
    }

    async fn advance_schedule(
        &self,
        name: &str,
        expected_next_ms: i64,
        next_ms: i64,
        fire: Option<NewJob>,
    ) -> Result<bool> {
        let name = name.to_string();
        self.call_and_signal(move |conn| {
            let tx = conn.transaction()?;
            let n = tx.execute(sql!("schedules/advance"), params![next_ms, fire.is_some(), expected_next_ms, name])?;
            if n == 1
                && let Some(job) = &fire
            {
                jobs::enqueue(&tx, job, crate::now_ms())?;
            }
            tx.commit()?;
            Ok(n == 1)
        })
        .await
    }
}
