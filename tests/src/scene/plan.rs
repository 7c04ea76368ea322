//! The instructions a scene process receives in its environment (never in argv, which the
//! collector reads and must look like the real daemon's), and the shim's report back.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Holds the JSON [`ProcPlan`] of a scene process.
pub const PLAN_ENV: &str = "NODESNAP_SCENE_PLAN";
/// Set when the ready pipe's write end is open as [`READY_FD`]; a process closes it once it,
/// and everything it starts, is running, so the builder sees end-of-file when the scene is up.
pub const READY_ENV: &str = "NODESNAP_SCENE_READY_FD";
pub const READY_FD: i32 = 3;

/// What a scene process does after exec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "kebab-case")]
pub enum ProcPlan {
    /// containerd, pause, workers: sleep until killed.
    Sleep,
    /// An app's main process: fork and exec one worker per argv, then reap and sleep.
    App { workers: Vec<Vec<String>> },
    Shim(ShimPlan),
}

/// A pod's shim: start the sandbox in new namespaces, then the apps in the sandbox's network,
/// IPC and UTS namespaces with their own pid and mount namespaces, as their direct parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShimPlan {
    pub sandbox: ChildPlan,
    /// False for `hostNetwork` pods.
    pub new_net: bool,
    /// False for `hostNetwork` pods, whose UTS namespace the kubelet also leaves to the host.
    pub new_uts: bool,
    /// Set in the sandbox's new UTS namespace.
    pub hostname: String,
    /// Apps join the sandbox's pid namespace instead of getting their own.
    pub share_pid: bool,
    pub apps: Vec<ChildPlan>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildPlan {
    /// The staged copy whose file name becomes the process's comm.
    pub exe: PathBuf,
    pub argv: Vec<String>,
    /// The `cgroup.procs` files the child writes itself into before exec, one per hierarchy.
    pub cgroup_procs: Vec<PathBuf>,
    /// What the child does once it runs.
    pub then: Box<ProcPlan>,
}

/// What a shim prints on stdout once its children have exec'd (host pids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShimReport {
    pub sandbox_pid: u32,
    pub app_pids: Vec<u32>,
}

pub fn format_report(report: &ShimReport) -> String {
    let mut text = format!("sandbox {}\n", report.sandbox_pid);
    for pid in &report.app_pids {
        text.push_str(&format!("app {pid}\n"));
    }
    text.push_str("ok\n");
    text
}

/// Parses a complete report; `Err` carries the shim's own error line or says what is wrong.
pub fn parse_report(text: &str) -> Result<ShimReport, String> {
    let mut sandbox_pid = None;
    let mut app_pids = Vec::new();
    for line in text.lines() {
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "sandbox" => sandbox_pid = Some(value.parse().map_err(|_| format!("bad sandbox pid {value:?}"))?),
            "app" => app_pids.push(value.parse().map_err(|_| format!("bad app pid {value:?}"))?),
            "error" => return Err(value.to_string()),
            "ok" => {
                return Ok(ShimReport {
                    sandbox_pid: sandbox_pid.ok_or("report without a sandbox pid")?,
                    app_pids,
                })
            }
            _ => return Err(format!("unexpected report line {line:?}")),
        }
    }
    Err("report ended before `ok`".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_round_trips() {
        let report = ShimReport {
            sandbox_pid: 10,
            app_pids: vec![11, 12],
        };
        assert_eq!(parse_report(&format_report(&report)), Ok(report));
    }

    #[test]
    fn report_table() {
        let cases = [
            ("sandbox 5\nok\n", Ok((5, 0))),
            ("error clone: Operation not permitted\n", Err("clone: Operation not permitted")),
            ("sandbox 5\napp 6\n", Err("report ended before `ok`")),
            ("app 6\nok\n", Err("report without a sandbox pid")),
            ("sandbox x\nok\n", Err("bad sandbox pid \"x\"")),
            ("", Err("report ended before `ok`")),
        ];
        for (text, expected) in cases {
            let got = parse_report(text).map(|r| (r.sandbox_pid, r.app_pids.len()));
            assert_eq!(got, expected.map_err(str::to_string), "{text:?}");
        }
    }

    #[test]
    fn plan_survives_json() {
        let plan = ProcPlan::App {
            workers: vec![vec!["nginx: worker process".to_string()]],
        };
        let text = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<ProcPlan>(&text).unwrap(), plan);
    }
}
