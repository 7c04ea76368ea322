//! Parsers for the per-process files under /proc/<pid>/: stat, status, cmdline, cgroup and the
//! collector's `ns` file of namespace link targets.

use super::{excerpt, number, ParseError};
use crate::values::ids::{Inode, NsType};

/// The fields of /proc/<pid>/stat the model uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub pid: u32,
    /// The command name between the parentheses; may itself hold spaces and `)`.
    pub comm: String,
    pub state: char,
    pub ppid: u32,
    /// Field 22, clock ticks after boot.
    pub start_ticks: u64,
    pub num_threads: u32,
    /// Field 24, resident set size in pages (signed in the kernel's format).
    pub rss_pages: i64,
    /// Fields 14 and 15, utime plus stime: cpu time used, in clock ticks.
    pub cpu_ticks: u64,
}

/// Counting from field 3 (state), the position of each field after the comm's closing `)`.
const STAT_PPID: usize = 1;
const STAT_UTIME: usize = 11;
const STAT_STIME: usize = 12;
const STAT_NUM_THREADS: usize = 17;
const STAT_START_TICKS: usize = 19;
const STAT_RSS_PAGES: usize = 21;

/// Parses /proc/<pid>/stat: `pid (comm) state ppid ...`. The comm is cut at the LAST `)`,
/// because any user can name a process `a) R 1 (`.
pub fn parse_stat(text: &str) -> Result<Stat, ParseError> {
    const WHAT: &str = "stat";
    let text = text.trim_end_matches(['\n', '\0']);
    let (head, tail) = text
        .rsplit_once(')')
        .ok_or_else(|| ParseError::new(WHAT, "no ')' closing the command name"))?;
    let (pid, comm) = head
        .split_once(" (")
        .ok_or_else(|| ParseError::new(WHAT, "no ' (' opening the command name"))?;
    let pid = number(WHAT, None, "pid", pid.trim())?;
    let fields: Vec<&str> = tail.split_ascii_whitespace().collect();
    let field = |index: usize, name: &str| {
        fields.get(index).copied().ok_or_else(|| {
            ParseError::new(
                WHAT,
                format!(
                    "{name} (field {}) missing: only {} fields after the command name",
                    index + 3,
                    fields.len()
                ),
            )
        })
    };
    let state_text = field(0, "state")?;
    let mut state_chars = state_text.chars();
    let state = match (state_chars.next(), state_chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => c,
        _ => {
            return Err(ParseError::new(
                WHAT,
                format!("state is not one letter: {:?}", excerpt(state_text)),
            ))
        }
    };
    Ok(Stat {
        pid,
        comm: comm.to_string(),
        state,
        ppid: number(WHAT, None, "ppid", field(STAT_PPID, "ppid")?)?,
        start_ticks: number(
            WHAT,
            None,
            "starttime",
            field(STAT_START_TICKS, "starttime")?,
        )?,
        num_threads: number(
            WHAT,
            None,
            "num_threads",
            field(STAT_NUM_THREADS, "num_threads")?,
        )?,
        rss_pages: number(WHAT, None, "rss", field(STAT_RSS_PAGES, "rss")?)?,
        cpu_ticks: number::<u64>(WHAT, None, "utime", field(STAT_UTIME, "utime")?)?.saturating_add(
            number::<u64>(WHAT, None, "stime", field(STAT_STIME, "stime")?)?,
        ),
    })
}

/// The fields of /proc/<pid>/status the model uses; all but the name may be absent on some
/// kernels (NSpid appeared in 4.1, so CentOS 7's 3.10 has none).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    pub name: String,
    pub state: Option<char>,
    pub tgid: Option<u32>,
    pub ppid: Option<u32>,
    /// Real, effective, saved and filesystem uid.
    pub uids: Option<[u32; 4]>,
    pub gids: Option<[u32; 4]>,
    pub threads: Option<u32>,
    pub vm_rss_kb: Option<u64>,
    /// The pid in each nested pid namespace, outermost first.
    pub nspid: Option<Vec<u32>>,
}

/// Parses /proc/<pid>/status (`Key:\tvalue` lines). Unknown keys are ignored; a known key with a
/// malformed value is an error naming the line.
pub fn parse_status(text: &str) -> Result<Status, ParseError> {
    const WHAT: &str = "status";
    let mut status = Status::default();
    let mut name = None;
    for (index, line) in text.lines().enumerate() {
        let line_no = Some(index + 1);
        let Some((key, value)) = line.split_once(':') else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(ParseError::at_line(
                WHAT,
                index + 1,
                format!("no ':' in {:?}", excerpt(line)),
            ));
        };
        // Name keeps its inner spaces: a comm may hold them; only the tab after ':' goes.
        let value_trimmed = value.trim();
        match key {
            "Name" => name = Some(value.strip_prefix('\t').unwrap_or(value).to_string()),
            "State" => {
                status.state =
                    Some(value_trimmed.chars().next().ok_or_else(|| {
                        ParseError::at_line(WHAT, index + 1, "State has no value")
                    })?)
            }
            "Tgid" => status.tgid = Some(number(WHAT, line_no, "Tgid", value_trimmed)?),
            "PPid" => status.ppid = Some(number(WHAT, line_no, "PPid", value_trimmed)?),
            "Uid" => status.uids = Some(four_ids(line_no, "Uid", value_trimmed)?),
            "Gid" => status.gids = Some(four_ids(line_no, "Gid", value_trimmed)?),
            "Threads" => status.threads = Some(number(WHAT, line_no, "Threads", value_trimmed)?),
            "VmRSS" => {
                let kb = value_trimmed
                    .strip_suffix("kB")
                    .map(str::trim)
                    .unwrap_or(value_trimmed);
                status.vm_rss_kb = Some(number(WHAT, line_no, "VmRSS", kb)?);
            }
            "NSpid" => {
                let pids = value_trimmed
                    .split_ascii_whitespace()
                    .map(|p| number(WHAT, line_no, "NSpid", p))
                    .collect::<Result<Vec<u32>, _>>()?;
                status.nspid = Some(pids);
            }
            _ => {}
        }
    }
    status.name = name.ok_or_else(|| ParseError::new(WHAT, "no Name line"))?;
    Ok(status)
}

fn four_ids(line: Option<usize>, field: &str, value: &str) -> Result<[u32; 4], ParseError> {
    const WHAT: &str = "status";
    let ids = value
        .split_ascii_whitespace()
        .map(|id| number(WHAT, line, field, id))
        .collect::<Result<Vec<u32>, _>>()?;
    <[u32; 4]>::try_from(ids.as_slice()).map_err(|_| ParseError {
        what: WHAT,
        line,
        problem: format!("{field} has {} ids, expected 4", ids.len()),
    })
}

/// Splits /proc/<pid>/cmdline into arguments: NUL-separated with a trailing NUL; invalid UTF-8
/// is replaced. An empty file (kernel threads, zombies) gives no arguments.
pub fn parse_cmdline(bytes: &[u8]) -> Vec<String> {
    let bytes = bytes.strip_suffix(b"\0").unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes
        .split(|b| *b == 0)
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect()
}

/// One line of /proc/<pid>/cgroup: `hierarchy-id:controllers:path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupLine {
    pub hierarchy_id: u32,
    /// As the kernel lists them (`cpuacct,cpu`, `name=systemd`); empty for the v2 line `0::/`.
    pub controllers: Vec<String>,
    /// Absolute within the hierarchy.
    pub path: String,
}

/// Parses /proc/<pid>/cgroup. The path is everything after the second `:`, so a path holding
/// `:` (runc's `<slice>:<prefix>:<id>`) stays whole, and it is kept as written, blanks included:
/// a cgroup's name may hold them (the classifier trims them off an id). A file that went through
/// another tool is still read: blanks before the hierarchy id and a carriage return at the end
/// of a line are dropped, blank lines skipped.
pub fn parse_cgroup(text: &str) -> Result<Vec<CgroupLine>, ParseError> {
    const WHAT: &str = "cgroup";
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line).trim_start();
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(ParseError::at_line(
                WHAT,
                index + 1,
                format!("expected id:controllers:path, got {:?}", excerpt(line)),
            ));
        };
        let hierarchy_id = number(WHAT, Some(index + 1), "hierarchy id", id)?;
        let controllers = controllers
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        lines.push(CgroupLine {
            hierarchy_id,
            controllers,
            path: path.to_string(),
        });
    }
    Ok(lines)
}

/// Parses the collector's `proc/<pid>/ns` file: one `<link name> <target>` line per namespace
/// link, such as `net net:[4026531992]`. Link names this build does not know (a future kernel's)
/// are skipped; a line without a `type:[inode]` target is an error with its line number.
pub fn parse_ns_links(text: &str) -> Result<Vec<(NsType, Inode)>, ParseError> {
    const WHAT: &str = "ns";
    let mut links = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let malformed = |problem: &str| {
            ParseError::at_line(WHAT, index + 1, format!("{problem}: {:?}", excerpt(line)))
        };
        let (name, target) = line
            .split_once(' ')
            .ok_or_else(|| malformed("expected '<link> <type>:[<inode>]'"))?;
        let inode = target
            .trim()
            .split_once(":[")
            .and_then(|(_, rest)| rest.strip_suffix(']'))
            .ok_or_else(|| malformed("target is not '<type>:[<inode>]'"))?;
        let inode = number(WHAT, Some(index + 1), "inode", inode)?;
        if let Ok(kind) = name.parse::<NsType>() {
            links.push((kind, Inode(inode)));
        }
    }
    Ok(links)
}

#[cfg(test)]
// The case tables are tuples of a name, an input and the expected result.
#[allow(clippy::type_complexity)]
mod tests {
    use super::*;

    const NGINX_STAT: &str = "7337 (nginx) S 7320 7337 7337 0 -1 1077944640 1120 0 0 0 0 0 0 0 20 0 1 0 123456 35000320 1500 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0\n";

    #[test]
    fn stat_table() {
        struct Case {
            name: &'static str,
            text: String,
            expect: Result<(u32, &'static str, char, u32, u64, u32, i64), &'static str>,
        }
        let tail = "S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 4 0 999 0 -3 0";
        let cases = [
            Case {
                name: "plain process",
                text: NGINX_STAT.into(),
                expect: Ok((7337, "nginx", 'S', 7320, 123456, 1, 1500)),
            },
            Case {
                name: "comm with spaces and a closing parenthesis",
                text: format!("42 (evil) R 1 (x) {tail}"),
                expect: Ok((42, "evil) R 1 (x", 'S', 1, 999, 4, -3)),
            },
            Case {
                name: "empty comm",
                text: format!("5 () {tail}"),
                expect: Ok((5, "", 'S', 1, 999, 4, -3)),
            },
            Case {
                name: "no closing parenthesis",
                text: "42 (nginx S 1".into(),
                expect: Err("stat: no ')' closing the command name"),
            },
            Case {
                name: "too few fields",
                text: "42 (nginx) S 1 1".into(),
                expect: Err(
                    "stat: starttime (field 22) missing: only 3 fields after the command name",
                ),
            },
            Case {
                name: "pid not a number",
                text: format!("x42 (a) {tail}"),
                expect: Err("stat: pid is not a number: \"x42\""),
            },
            Case {
                name: "state longer than one letter",
                text: format!("42 (a) SS 1 {}", &tail[2..]),
                expect: Err("stat: state is not one letter: \"SS\""),
            },
            Case {
                name: "empty file",
                text: String::new(),
                expect: Err("stat: no ')' closing the command name"),
            },
        ];
        for case in cases {
            let got = parse_stat(&case.text)
                .map(|s| {
                    (
                        s.pid,
                        s.comm,
                        s.state,
                        s.ppid,
                        s.start_ticks,
                        s.num_threads,
                        s.rss_pages,
                    )
                })
                .map_err(|e| e.to_string());
            let expect = case
                .expect
                .map(|(a, b, c, d, e, f, g)| (a, b.to_string(), c, d, e, f, g))
                .map_err(str::to_string);
            assert_eq!(got, expect, "case: {}", case.name);
        }
    }

    const STATUS_MODERN: &str = "Name:\tredis-server\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t19356\nNgid:\t0\nPid:\t19356\nPPid:\t19337\nTracerPid:\t0\nUid:\t999\t999\t999\t999\nGid:\t1000\t1000\t1000\t1000\nFDSize:\t64\nNSpid:\t19356\t1\nVmRSS:\t    9876 kB\nThreads:\t4\n";

    #[test]
    fn status_reads_every_field_of_a_modern_kernel() {
        let status = parse_status(STATUS_MODERN).unwrap();
        assert_eq!(
            status,
            Status {
                name: "redis-server".into(),
                state: Some('S'),
                tgid: Some(19356),
                ppid: Some(19337),
                uids: Some([999; 4]),
                gids: Some([1000; 4]),
                threads: Some(4),
                vm_rss_kb: Some(9876),
                nspid: Some(vec![19356, 1]),
            }
        );
    }

    #[test]
    fn status_table() {
        let cases: [(&str, &str, Result<Status, &str>); 6] = [
            (
                "kernel 3.10 has no NSpid and kernel threads have no VmRSS",
                "Name:\tkworker/0:1\nState:\tI (idle)\nTgid:\t12\nPPid:\t2\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nThreads:\t1\n",
                Ok(Status {
                    name: "kworker/0:1".into(),
                    state: Some('I'),
                    tgid: Some(12),
                    ppid: Some(2),
                    uids: Some([0; 4]),
                    gids: Some([0; 4]),
                    threads: Some(1),
                    vm_rss_kb: None,
                    nspid: None,
                }),
            ),
            (
                "a name with inner spaces is kept",
                "Name:\tmy  worker\n",
                Ok(Status {
                    name: "my  worker".into(),
                    ..Status::default()
                }),
            ),
            ("no Name line", "State:\tR (running)\n", Err("status: no Name line")),
            (
                "a Uid line with three ids",
                "Name:\tx\nUid:\t0\t0\t0\n",
                Err("status line 2: Uid has 3 ids, expected 4"),
            ),
            (
                "a PPid that is not a number",
                "Name:\tx\nPPid:\tone\n",
                Err("status line 2: PPid is not a number: \"one\""),
            ),
            (
                "a line without a colon",
                "Name:\tx\ngarbage\n",
                Err("status line 2: no ':' in \"garbage\""),
            ),
        ];
        for (name, text, expect) in cases {
            let got = parse_status(text).map_err(|e| e.to_string());
            assert_eq!(got, expect.map_err(str::to_string), "case: {name}");
        }
    }

    #[test]
    fn cmdline_table() {
        let cases: [(&str, &[u8], &[&str]); 5] = [
            (
                "arguments with a trailing NUL",
                b"nginx: master process nginx\0-g\0daemon off;\0",
                &["nginx: master process nginx", "-g", "daemon off;"],
            ),
            ("kernel thread: empty", b"", &[]),
            ("no trailing NUL", b"/pause", &["/pause"]),
            ("an empty argument is kept", b"a\0\0b\0", &["a", "", "b"]),
            (
                "invalid UTF-8 is replaced",
                b"\xff\xfe\0",
                &["\u{fffd}\u{fffd}"],
            ),
        ];
        for (name, bytes, expect) in cases {
            assert_eq!(parse_cmdline(bytes), expect, "case: {name}");
        }
    }

    fn line(id: u32, controllers: &[&str], path: &str) -> CgroupLine {
        CgroupLine {
            hierarchy_id: id,
            controllers: controllers.iter().map(|c| c.to_string()).collect(),
            path: path.into(),
        }
    }

    #[test]
    fn cgroup_table() {
        let pod = "/kubepods/burstable/podf5f16f15-af9e-11ea-8af4-0050569e47b9/d62b4a22abd21d47636a1c84e970ad7e76d8fe633232715f74606ee93c71291a";
        let seed_v1 = format!("11:memory:{pod}\n4:cpuacct,cpu:{pod}\n1:name=systemd:{pod}\n");
        let cases: Vec<(&str, String, Result<Vec<CgroupLine>, &str>)> = vec![
            (
                "v1 lines from the seed node",
                seed_v1,
                Ok(vec![
                    line(11, &["memory"], pod),
                    line(4, &["cpuacct", "cpu"], pod),
                    line(1, &["name=systemd"], pod),
                ]),
            ),
            (
                "v2 line has no controllers",
                "0::/system.slice/containerd.service\n".into(),
                Ok(vec![line(0, &[], "/system.slice/containerd.service")]),
            ),
            (
                "a path holding a colon stays whole",
                "0::/weird:name\n".into(),
                Ok(vec![line(0, &[], "/weird:name")]),
            ),
            (
                "runc's systemd slice:prefix:id left as a v1 directory name",
                "11:devices:/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podf5f16f15_af9e_11ea_8af4_0050569e47b9.slice:crio:abc\n".into(),
                Ok(vec![line(11, &["devices"], "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podf5f16f15_af9e_11ea_8af4_0050569e47b9.slice:crio:abc")]),
            ),
            (
                "indented lines, carriage returns and blank lines as test suites write them",
                "\r\n    13:name=systemd:/docker/a\r\n        \n0::/\r".into(),
                Ok(vec![line(13, &["name=systemd"], "/docker/a"), line(0, &[], "/")]),
            ),
            (
                "blanks in a path are the cgroup's own and stay",
                "13:name=systemd:/docker/     a    \n".into(),
                Ok(vec![line(13, &["name=systemd"], "/docker/     a    ")]),
            ),
            ("empty file", String::new(), Ok(vec![])),
            (
                "missing path field",
                "1:memory\n".into(),
                Err("cgroup line 1: expected id:controllers:path, got \"1:memory\""),
            ),
            (
                "hierarchy id not a number",
                "0::/\nx:cpu:/\n".into(),
                Err("cgroup line 2: hierarchy id is not a number: \"x\""),
            ),
        ];
        for (name, text, expect) in cases {
            let got = parse_cgroup(&text).map_err(|e| e.to_string());
            assert_eq!(got, expect.map_err(str::to_string), "case: {name}");
        }
    }

    #[test]
    fn ns_links_table() {
        let cases: [(&str, &str, Result<Vec<(NsType, Inode)>, &str>); 6] = [
            (
                "links as the collector writes them",
                "ipc ipc:[4026532659]\nnet net:[4026532662]\npid_for_children pid:[4026531836]\n",
                Ok(vec![
                    (NsType::Ipc, Inode(4026532659)),
                    (NsType::Net, Inode(4026532662)),
                    (NsType::PidForChildren, Inode(4026531836)),
                ]),
            ),
            (
                "a future kernel's link is skipped",
                "net net:[1]\nfuturens futurens:[2]\n",
                Ok(vec![(NsType::Net, Inode(1))]),
            ),
            ("empty file", "", Ok(vec![])),
            (
                "no target",
                "net net:[1]\nipc\n",
                Err("ns line 2: expected '<link> <type>:[<inode>]': \"ipc\""),
            ),
            (
                "target without brackets",
                "net 4026531992\n",
                Err("ns line 1: target is not '<type>:[<inode>]': \"net 4026531992\""),
            ),
            (
                "inode not a number",
                "net net:[abc]\n",
                Err("ns line 1: inode is not a number: \"abc\""),
            ),
        ];
        for (name, text, expect) in cases {
            let got = parse_ns_links(text).map_err(|e| e.to_string());
            assert_eq!(got, expect.map_err(str::to_string), "case: {name}");
        }
    }
}
