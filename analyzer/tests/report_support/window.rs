//! The walkthrough's node as if collected with several samples: a model with a window.

use super::{cid, seed, seed_model, uid};
use analyzer::model::window::{CpuUse, ProcessCpu, WindowCounter};
use analyzer::model::{CgroupPath, Model, Pid, Window};

/// The seed node as if collected with `--samples 3 --interval 1`: nginx busy at 1.25 cores,
/// its pod at 1.5, a process whose name is markup, OOM kills and throttling that grew, tar
/// 7301 in D in every sample, zombies and threads that grew.
pub fn sampled_seed_model() -> Model {
    let mut model = seed_model();
    let nginx = cid(seed::NGINX);
    let pod = uid(seed::POD_NGINX_REDIS);
    let cgroup = CgroupPath::new("/kubepods/burstable/podf5f16f15").expect("short path");
    let counter = |counter: &'static str, first: u64, last: u64, per_second: f64| WindowCounter {
        cgroup: cgroup.clone(),
        counter,
        first: Some(first),
        last,
        delta: last - first,
        per_second: Some(per_second),
        container_id: None,
        pod_uid: Some(pod.clone()),
    };
    model.window = Some(Window {
        samples: 3,
        first_at: "2020-06-17T02:28:00.200Z".to_string(),
        last_at: "2020-06-17T02:28:02.200Z".to_string(),
        seconds: 2.0,
        cpu: vec![
            CpuUse {
                kind: "pod",
                container_id: None,
                pod_uid: Some(pod.clone()),
                cores: Some(1.5),
                cores_of_processes: 1.4,
            },
            CpuUse {
                kind: "container",
                container_id: Some(nginx.clone()),
                pod_uid: Some(pod.clone()),
                cores: Some(1.25),
                cores_of_processes: 1.2,
            },
        ],
        top_processes: vec![ProcessCpu {
            pid: Pid(7190),
            comm: "<b>nginx".to_string(),
            container_id: Some(nginx),
            pod_uid: Some(pod.clone()),
            cores: 1.1,
        }],
        counters: vec![
            counter("oom_kills", 1, 3, 1.0),
            counter("cpu_nr_throttled", 10, 190, 90.0),
        ],
        uninterruptible_every_sample: vec![Pid(7301)],
        zombies_every_sample: vec![],
        zombies_per_sample: vec![1, 1, 2],
        threads_per_sample: vec![40, 44, 52],
    });
    model
}
