//! The reader threads of a run: starting them, and giving up on one whose read outlives the
//! per-read limit (its job resumes after the stuck item on a replacement thread).

use super::config::Config;
use super::node::gap;
use super::run::{item_path, Run};
use crate::pool::{self, Event, Job, JobKind, ReadContext, WorkerState};
use nodesnap_format::GapReason;
use std::io::{self, Write};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};

pub(super) struct Workers {
    pub(super) context: Arc<ReadContext>,
    pub(super) queue: Arc<Mutex<mpsc::Receiver<Job>>>,
    pub(super) events: Sender<Event>,
    pub(super) states: Vec<Arc<WorkerState>>,
    pub(super) live: usize,
    pub(super) abandoned: usize,
}

impl Workers {
    pub(super) fn spawn(&mut self) -> bool {
        let state = Arc::new(WorkerState::default());
        let (context, queue, events, worker_state) = (
            Arc::clone(&self.context),
            Arc::clone(&self.queue),
            self.events.clone(),
            Arc::clone(&state),
        );
        let spawned = std::thread::Builder::new()
            .name("reader".to_string())
            .stack_size(256 * 1024)
            .spawn(move || pool::run_worker(context, queue, events, worker_state));
        if spawned.is_ok() {
            self.states.push(state);
            self.live += 1;
        }
        spawned.is_ok()
    }
}

/// Abandons each worker whose current read has outlived the per-read limit, records the gap,
/// resumes its job after the stuck item (carrying the records read so far), and starts a
/// replacement while the cap allows.
pub(super) fn check_stuck<W: Write>(
    run: &mut Run<W>,
    workers: &mut Workers,
    config: &Config,
) -> io::Result<()> {
    let mut stuck = Vec::new();
    for state in &workers.states {
        if state.abandoned.load(Ordering::Relaxed) {
            continue;
        }
        let current = state.current.lock().ok().and_then(|slot| *slot);
        if let Some((job, item, name, since)) = current {
            if since.elapsed() > config.read_timeout && run.in_flight.contains_key(&job) {
                state.abandoned.store(true, Ordering::Relaxed);
                // What the worker read of this job before it got stuck.
                let read = state.take_bundle(job).unwrap_or_default();
                stuck.push((job, item, name, read));
            }
        }
    }
    for (job, item, _name, read) in stuck {
        workers.live -= 1;
        workers.abandoned += 1;
        if let Some(mut flight) = run.in_flight.remove(&job) {
            flight.carried.extend(read);
            run.gaps.push(gap(
                item_path(&flight.kind, item),
                GapReason::TimedOut,
                Some(format!(
                    "read did not finish within {} ms; abandoned",
                    config.read_timeout.as_millis()
                )),
            ));
            let resumable = match flight.kind.as_ref() {
                JobKind::Files { .. } => true,
                _ => item > 0,
            };
            if resumable {
                let id = run.next_job_id;
                run.next_job_id += 1;
                let job = Job {
                    id,
                    kind: flight.kind,
                    resume_after: Some(item),
                    start_ticks: flight.carried.start_ticks,
                };
                run.carried.insert(id, flight.carried);
                run.queue_for(&job.kind).push_front(job);
            } else {
                run.write_bundle(&flight.kind, flight.carried)?;
            }
        }
        if workers.abandoned <= config.max_abandoned {
            workers.spawn();
        }
    }
    Ok(())
}
