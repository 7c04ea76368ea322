//! Redaction as the built collector applies it to a node: command lines of several secret
//! families, a command line cut at --max-file-bytes inside a secret, mount sources and options
//! in mountinfo; and `collector --review`, which shows every free-text string as it would be
//! shipped, marks the redacted ones, and writes nothing.

use crate::support::*;
use std::time::Duration;

/// Secrets planted in the node below; none may reach a tarball or a review.
const PLANTED: &[&str] = &[
    "ShPlanted1",
    "BearerPlanted2",
    "SshPlanted3",
    "HelmPlanted4",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "MountPlanted5",
    "MountPlanted6",
];

/// Two mounts with credentials (a curlftpfs source, cifs options) and one without.
const MOUNTINFO: &str = "\
22 1 0:21 / /proc rw,nosuid - proc proc rw
41 22 0:35 / /mnt/ftp rw,nosuid,nodev - fuse.curlftpfs curlftpfs#ftp://ftpuser:MountPlanted5@ftp.example.com/ rw,user_id=0
42 22 0:36 / /mnt/share rw - cifs //server/share rw,vers=3.0,username=u,password=MountPlanted6,domain=x
";

/// A small node whose processes carry secrets of several families, and whose mountinfo does.
fn node_with_secrets(label: &str) -> FakeTree {
    let tree = small_node(label);
    let processes: &[(u32, &[&str])] = &[
        (900, &["sh", "-c", "mysql -uroot -pShPlanted1 db"]),
        (
            901,
            &[
                "curl",
                "-H",
                "Authorization: Bearer BearerPlanted2",
                "https://x",
            ],
        ),
        (
            902,
            &["timeout", "5", "sshpass", "-p", "SshPlanted3", "ssh", "h"],
        ),
        (
            903,
            &["helm", "install", "x", "--set=auth.password=HelmPlanted4"],
        ),
        (
            904,
            &[
                "git",
                "clone",
                "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r",
            ],
        ),
    ];
    for (pid, cmdline) in processes {
        tree.process(&FakeProcess {
            pid: *pid,
            comm: cmdline[0],
            cmdline,
            cgroup: "5:memory:/\n",
            ns: HOST_NS,
        });
    }
    tree.file("proc/1/mountinfo", MOUNTINFO);
    tree
}

/// A command line's arguments as the review writes them: separated by spaces, in double
/// quotes when empty or holding a space (these test arguments hold nothing to escape).
fn shown_args(cmdline: &[u8]) -> String {
    let cmdline = cmdline.strip_suffix(b"\0").unwrap_or(cmdline);
    cmdline
        .split(|&b| b == 0)
        .map(|arg| {
            let arg = String::from_utf8_lossy(arg);
            if arg.is_empty() || arg.contains(' ') {
                format!("\"{arg}\"")
            } else {
                arg.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn secrets_of_every_family_leave_neither_command_lines_nor_mountinfo() {
    let tree = node_with_secrets("redaction-families");
    let (snap, _) = collect_ok(tree.root(), &[]);
    for (path, data) in &snap.files {
        let text = String::from_utf8_lossy(data);
        for secret in PLANTED {
            assert!(!text.contains(secret), "{secret} leaked in {path}: {text}");
        }
    }
    assert_eq!(
        shown_args(&snap.files["proc/900/cmdline"]),
        "sh -c \"mysql -uroot -p*** db\""
    );
    assert_eq!(
        shown_args(&snap.files["proc/902/cmdline"]),
        "timeout 5 sshpass -p *** ssh h"
    );
    // mountinfo keeps its lines and fields: only the credentials became markers.
    let mountinfo = snap.text("proc/1/mountinfo");
    assert!(mountinfo.contains("curlftpfs#ftp://ftpuser:***@ftp.example.com/"));
    assert!(mountinfo.contains("username=u,password=***,domain=x"));
    for (line, original) in mountinfo.lines().zip(MOUNTINFO.lines()) {
        assert_eq!(
            line.split(' ').count(),
            original.split(' ').count(),
            "{line}"
        );
    }
    assert_eq!(mountinfo.lines().count(), MOUNTINFO.lines().count());
}

#[test]
fn no_redact_keeps_mount_sources_verbatim_as_it_keeps_command_lines() {
    let tree = node_with_secrets("redaction-verbatim");
    let (snap, _) = collect_ok(tree.root(), &["--no-redact"]);
    assert_eq!(snap.text("proc/1/mountinfo"), MOUNTINFO);
    assert!(snap.text("proc/900/cmdline").contains("ShPlanted1"));
}

/// A command line cut by --max-file-bytes inside a URL's password keeps no part of it: the
/// collector reads past the cap, redacts, then cuts.
#[test]
fn a_command_line_cut_inside_a_secret_keeps_nothing_of_it() {
    let tree = small_node("redaction-cut");
    let cmdline: &[&str] = &[
        "app",
        "--verbose",
        "postgres://admin:CutPlanted7secret@db/app",
    ];
    tree.process(&FakeProcess {
        pid: 905,
        comm: "app",
        cmdline,
        cgroup: "5:memory:/\n",
        ns: HOST_NS,
    });
    // "app\0--verbose\0postgres://admin:Cut" is 35 bytes: caps from there to the end of the
    // password fall inside it. Redacted, the line is 42 bytes: it fits under the larger caps.
    let redacted = "app\0--verbose\0postgres://admin:***@db/app\0";
    for cap in [35, 38, 45, 50] {
        let (snap, _) = collect_ok(tree.root(), &["--max-file-bytes", &cap.to_string()]);
        let kept = snap.text("proc/905/cmdline");
        assert!(!kept.contains("Cut"), "cap {cap}: {kept:?}");
        assert_eq!(kept, &redacted[..redacted.len().min(cap)], "cap {cap}");
        let gaps = snap.gap_reasons("proc/905/cmdline");
        assert_eq!(
            gaps.len(),
            usize::from(redacted.len() > cap),
            "cap {cap}: {gaps:?}"
        );
    }
}

/// `collector --review` prints every free-text string with the redacted ones marked, as the
/// collection of the same node ships them, and writes nothing: not in its working directory,
/// not in the tree.
#[test]
fn review_shows_what_would_be_shipped_marks_redactions_and_writes_nothing() {
    let tree = node_with_secrets("review");
    tree.file(
        "var/log/pods/default_web-1_0f3e2b1c-aaaa-bbbb-cccc-123456789abc/nginx/0.log",
        "",
    );
    let before = listing(tree.root());
    let cwd = TempDir::new("review-cwd");
    let (output, _) = run_collector(
        &["--review", "--root", tree.root().to_str().unwrap()],
        Some(&cwd.path),
        Duration::from_secs(120),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("nothing written"), "{stderr}");
    assert!(cwd.entries().is_empty(), "written: {:?}", cwd.entries());
    assert_eq!(listing(tree.root()), before, "the tree changed");

    let review = String::from_utf8(output.stdout).unwrap();
    for secret in PLANTED {
        assert!(!review.contains(secret), "{secret} in the review");
    }
    let lines: Vec<(&str, &str, &str)> = review
        .lines()
        .map(|line| {
            let mut fields = line.splitn(3, '\t');
            let mark = fields.next().unwrap();
            let place = fields.next().unwrap_or_else(|| panic!("no place: {line}"));
            let text = fields.next().unwrap_or_else(|| panic!("no text: {line}"));
            assert!(mark == "redacted" || mark == "-", "{line}");
            assert_eq!(mark == "redacted", text.contains("***"), "{line}");
            (mark, place, text)
        })
        .collect();
    // Every planted secret's string is there, marked.
    for pid in 900..=904 {
        let place = format!("proc/{pid}/cmdline");
        let found = lines.iter().find(|(_, p, _)| *p == place);
        assert!(
            matches!(found, Some(("redacted", ..))),
            "{place}: {found:?}"
        );
    }
    for needle in ["ftpuser:***@", "password=***"] {
        assert!(
            lines.iter().any(|(m, p, t)| *m == "redacted"
                && p.starts_with("proc/1/mountinfo:")
                && t.contains(needle)),
            "{needle} not marked in mountinfo"
        );
    }
    // The strings without secrets are there too: names, cgroup paths, pod directories.
    for (place, text) in [
        ("proc/4242/stat:comm", "nginx: worker (x)"),
        (
            "proc/4242/cgroup",
            "5:memory:/kubepods/besteffort/pod1234/abcd",
        ),
        (
            "sys/fs/cgroup/memory/kubepods/besteffort/pod1234",
            "pod1234",
        ),
        ("proc/sys/kernel/hostname:1", "fake-node-1"),
    ] {
        assert!(
            lines
                .iter()
                .any(|(m, p, t)| *m == "-" && *p == place && *t == text),
            "{place} {text:?} not shown"
        );
    }
    assert!(
        lines
            .iter()
            .any(|(_, p, t)| p.starts_with("meta/runtime.json:") && t.contains("default_web-1_")),
        "pod log directory names not shown"
    );
    assert!(!review.contains("HASHVALUE") && !review.contains("Secretname"));

    // The same node collected for real ships exactly the command lines the review showed.
    let (snap, _) = collect_ok(tree.root(), &[]);
    let shipped: Vec<String> = snap
        .files
        .iter()
        .filter(|(path, _)| path.ends_with("/cmdline"))
        .map(|(path, data)| format!("{path}\t{}", shown_args(data)))
        .collect();
    let mut reviewed: Vec<String> = lines
        .iter()
        .filter(|(_, p, _)| p.ends_with("/cmdline"))
        .map(|(_, p, t)| format!("{p}\t{t}"))
        .collect();
    reviewed.sort();
    assert_eq!(reviewed, shipped);
}

#[test]
fn review_refuses_an_output_path() {
    let (output, _) = run_collector(
        &["--review", "-o", "x.tar.gz"],
        None,
        Duration::from_secs(20),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("takes no '--output'"));
}

/// Every path under `root` with its size, sorted.
fn listing(root: &std::path::Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.path().symlink_metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            }
            out.push((entry.path().display().to_string(), meta.len()));
        }
    }
    out.sort();
    out
}
