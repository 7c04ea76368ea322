//! The one way each thing is named, whatever shows it: pods, containers, processes and their
//! command lines, users, runtime instances. The labels are node text, unescaped: each medium
//! makes them safe its own way (the terminal's `sanitize`, the report's `visible`).

use crate::model::{Container, Pod, PodUid, Process, RuntimeId, RuntimeInfo};
use std::borrow::Cow;

/// A pod as kubectl names it: `namespace/name`, the name alone, or, when the snapshot's
/// metadata did not say, the uid's first group ([`short_uid`]), which `--pod` accepts.
pub fn pod(pod: &Pod) -> String {
    match (&pod.namespace, &pod.name) {
        (Some(namespace), Some(name)) => format!("{namespace}/{name}"),
        (None, Some(name)) => name.clone(),
        _ => short_uid(&pod.uid).to_string(),
    }
}

/// The first group of a pod uid (`f5f16f15`), enough to tell the pods of one node apart; a
/// podman pod's 64-digit id as podman prints it, 12 digits.
pub fn short_uid(uid: &PodUid) -> &str {
    if uid.is_podman() {
        return &uid.as_str()[..12];
    }
    uid.as_str().split('-').next().unwrap_or(uid.as_str())
}

/// A container's name; a pod's sandbox is `sandbox` whatever its runtime calls it (CRI names
/// it after its pod, dockershim `POD`, podman `<pod>-infra`); the short id when it has no name.
pub fn container(container: &Container) -> &str {
    match &container.name {
        _ if container.sandbox => "sandbox",
        Some(name) => name,
        None => container.id.short(),
    }
}

/// A container named where no id is shown beside it (findings' messages, shim labels):
/// `nginx (d62b4a22abd2)`, `sandbox (63ee2df4c255)`, or the short id alone.
pub fn container_with_id(c: &Container) -> String {
    if c.name.is_none() && !c.sandbox {
        return c.id.short().to_string();
    }
    format!("{} ({})", container(c), c.id.short())
}

/// A process as messages name it: `nginx 19431`.
pub fn process(process: &Process) -> String {
    format!("{} {}", process.comm, process.pid)
}

/// The command as ps prints it: the command line; `[comm]` for kernel threads and processes
/// whose command line is empty; `[comm] <defunct>` for a zombie; comm alone when command
/// lines were not collected.
pub fn command(process: &Process) -> Cow<'_, str> {
    if process.state == 'Z' {
        return Cow::Owned(format!("[{}] <defunct>", process.comm));
    }
    match &process.cmdline {
        Some(cmdline) if !cmdline.is_empty() => Cow::Borrowed(cmdline),
        Some(_) => Cow::Owned(format!("[{}]", process.comm)),
        None if process.kernel_thread => Cow::Owned(format!("[{}]", process.comm)),
        None => Cow::Borrowed(&process.comm),
    }
}

/// The user: the name where etc/passwd was collected, else the uid, else `?`.
pub fn user(process: &Process) -> Cow<'_, str> {
    match (&process.user, process.uid) {
        (Some(name), _) => Cow::Borrowed(name),
        (None, Some(uid)) => Cow::Owned(uid.to_string()),
        (None, None) => Cow::Borrowed("?"),
    }
}

/// ps's STAT: the state letter, plus `l` for a multi-threaded process (the only one of ps'
/// flags a snapshot can tell).
pub fn stat(process: &Process) -> String {
    let mut text = process.state.to_string();
    if process.threads.is_some_and(|t| t > 1) {
        text.push('l');
    }
    text
}

/// A runtime instance: its kind, the product that ships it, its pid, and, where the node runs
/// more than one instance of the kind, the socket or storage root that tells them apart:
/// `containerd (pid 2841)`, `containerd of docker (pid 3001,
/// /run/docker/containerd/containerd.sock)`, `podman (/var/lib/containers/storage)`.
pub fn runtime(runtimes: &[RuntimeInfo], runtime: &RuntimeInfo) -> String {
    let mut label = runtime.kind.name().to_string();
    if let Some(distribution) = &runtime.distribution {
        label.push_str(" of ");
        label.push_str(distribution);
    }
    let several = runtimes.iter().filter(|r| r.kind == runtime.kind).count() > 1;
    let place = runtime.address.as_deref().or(runtime.root.as_deref());
    let details: Vec<String> = runtime
        .pid
        .map(|pid| format!("pid {pid}"))
        .into_iter()
        .chain(
            place
                .filter(|_| several || runtime.pid.is_none())
                .map(str::to_string),
        )
        .collect();
    if !details.is_empty() {
        label.push_str(&format!(" ({})", details.join(", ")));
    }
    label
}

/// The label of the instance `id` names, or the id itself when the model does not list it.
pub fn runtime_id(runtimes: &[RuntimeInfo], id: &RuntimeId) -> String {
    runtimes
        .iter()
        .find(|r| &r.id == id)
        .map_or_else(|| id.to_string(), |r| runtime(runtimes, r))
}

/// All the node's runtime instances, or `none found`.
pub fn runtimes(runtimes: &[RuntimeInfo]) -> String {
    if runtimes.is_empty() {
        return "none found".to_string();
    }
    runtimes
        .iter()
        .map(|r| runtime(runtimes, r))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn pods_are_named_like_kubectl_or_by_their_uids_first_group() {
        let model = fixture::seed();
        let named = model.pods.iter().find(|p| p.name.is_some()).unwrap();
        assert_eq!(
            pod(named),
            format!(
                "{}/{}",
                named.namespace.as_deref().unwrap(),
                named.name.as_deref().unwrap()
            )
        );
        let mut nameless = named.clone();
        nameless.name = None;
        nameless.namespace = None;
        assert_eq!(pod(&nameless), short_uid(&nameless.uid));
        assert_eq!(short_uid(&named.uid).len(), 8);
    }

    #[test]
    fn containers_are_named_sandbox_by_name_or_by_short_id() {
        let model = fixture::seed();
        let sandbox = model.containers.iter().find(|c| c.sandbox).unwrap();
        assert_eq!(container(sandbox), "sandbox");
        assert_eq!(
            container_with_id(sandbox),
            format!("sandbox ({})", sandbox.id.short())
        );
        let mut app = model
            .containers
            .iter()
            .find(|c| !c.sandbox)
            .unwrap()
            .clone();
        app.name = Some("nginx".into());
        assert_eq!(
            container_with_id(&app),
            format!("nginx ({})", app.id.short())
        );
        app.name = None;
        assert_eq!(container(&app), app.id.short());
        assert_eq!(container_with_id(&app), app.id.short());
    }

    #[test]
    fn commands_read_like_ps() {
        let model = fixture::seed();
        let mut p = model
            .processes
            .iter()
            .find(|p| p.pid.0 == 19431)
            .unwrap()
            .clone();
        assert_eq!(command(&p), "nginx: master process nginx -g daemon off;");
        p.cmdline = Some(String::new());
        assert_eq!(command(&p), "[nginx]", "an empty command line");
        p.cmdline = None;
        assert_eq!(command(&p), "nginx", "a command line not collected");
        p.kernel_thread = true;
        assert_eq!(command(&p), "[nginx]", "a kernel thread");
        p.state = 'Z';
        assert_eq!(command(&p), "[nginx] <defunct>");
        assert_eq!(process(&p), "nginx 19431");
    }
}
