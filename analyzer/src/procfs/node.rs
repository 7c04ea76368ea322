//! Parsers for the node-wide files: mountinfo, passwd and group, os-release, meminfo, loadavg,
//! uptime, /proc/stat and /proc/cgroups.

use super::{excerpt, ParseError};
use std::collections::BTreeMap;

/// The fields of one /proc/<pid>/mountinfo line the analyzer uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountInfo {
    pub mount_point: String,
    /// The directory of the filesystem that is mounted there (`/` for a whole filesystem).
    pub root: String,
    pub fs_type: String,
    pub source: String,
    /// Filesystem options after the separator, such as `rw,cpu,cpuacct` for a v1 cgroup mount.
    pub super_options: String,
}

/// Parses mountinfo: `id parent major:minor root mount-point options [optional...] - fstype
/// source super-options`. Paths have their octal escapes (`\040` for a space) decoded.
pub fn parse_mountinfo(text: &str) -> Result<Vec<MountInfo>, ParseError> {
    const WHAT: &str = "mountinfo";
    let mut mounts = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let malformed = |problem: &str| {
            ParseError::at_line(WHAT, index + 1, format!("{problem}: {:?}", excerpt(line)))
        };
        let (before, after) = line
            .split_once(" - ")
            .ok_or_else(|| malformed("no ' - ' separator"))?;
        let before: Vec<&str> = before.split(' ').collect();
        let (Some(root), Some(mount_point)) = (before.get(3), before.get(4)) else {
            return Err(malformed("fewer than 6 fields before the separator"));
        };
        let mut after = after.split(' ');
        let (Some(fs_type), Some(source)) = (after.next(), after.next()) else {
            return Err(malformed(
                "no filesystem type and source after the separator",
            ));
        };
        mounts.push(MountInfo {
            mount_point: unescape_octal(mount_point),
            root: unescape_octal(root),
            fs_type: fs_type.to_string(),
            source: unescape_octal(source),
            super_options: after.next().unwrap_or_default().to_string(),
        });
    }
    Ok(mounts)
}

/// Decodes the kernel's `\ooo` escapes for space, tab, newline and backslash in mount paths.
fn unescape_octal(text: &str) -> String {
    if !text.contains('\\') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|digits| {
            let s = std::str::from_utf8(digits).ok()?;
            u8::from_str_radix(s, 8).ok()
        });
        match (bytes.get(i), octal) {
            (Some(b'\\'), Some(value)) => {
                out.push(value);
                i += 4;
            }
            (Some(&b), _) => {
                out.push(b);
                i += 1;
            }
            (None, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Maps ids to names from etc/passwd (`name:x:uid:...`) or etc/group (`name:x:gid:...`).
/// Lines that do not parse are skipped; the first name for an id wins, as with getpwuid.
pub fn parse_passwd(text: &str) -> BTreeMap<u32, String> {
    let mut names = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut fields = line.split(':');
        let (Some(name), Some(_password), Some(id)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if let (false, Ok(id)) = (name.is_empty(), id.trim().parse::<u32>()) {
            names.entry(id).or_insert_with(|| name.to_string());
        }
    }
    names
}

/// Parses etc/os-release `KEY=value` lines; quotes around values are removed and `\"`, `\\`,
/// `\$` and `` \` `` unescaped inside double quotes, as the format allows.
pub fn parse_os_release(text: &str) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            unescape_shell(inner)
        } else if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
            inner.to_string()
        } else {
            value.to_string()
        };
        values.insert(key.trim().to_string(), value);
    }
    values
}

fn unescape_shell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(next @ ('"' | '\\' | '$' | '`')) => out.push(next),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Parses /proc/meminfo: `MemTotal:       16318412 kB`. Values stay in the file's unit (kB for
/// sizes, a count for `HugePages_*`). Lines that do not parse are skipped.
pub fn parse_meminfo(text: &str) -> BTreeMap<String, u64> {
    let mut values = BTreeMap::new();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        let value = value.strip_suffix("kB").map(str::trim).unwrap_or(value);
        if let Ok(number) = value.parse() {
            values.insert(key.trim().to_string(), number);
        }
    }
    values
}

/// Parses /proc/loadavg: the 1, 5 and 15 minute averages.
pub fn parse_loadavg(text: &str) -> Result<[f64; 3], ParseError> {
    const WHAT: &str = "loadavg";
    let fields: Vec<&str> = text.split_ascii_whitespace().take(3).collect();
    let [one, five, fifteen] = fields.as_slice() else {
        return Err(ParseError::new(
            WHAT,
            format!("expected 3 averages, got {:?}", excerpt(text.trim())),
        ));
    };
    Ok([
        finite(WHAT, "1 minute average", one)?,
        finite(WHAT, "5 minute average", five)?,
        finite(WHAT, "15 minute average", fifteen)?,
    ])
}

/// Parses /proc/uptime: seconds since boot (the first number).
pub fn parse_uptime(text: &str) -> Result<f64, ParseError> {
    const WHAT: &str = "uptime";
    let first = text
        .split_ascii_whitespace()
        .next()
        .ok_or_else(|| ParseError::new(WHAT, "empty"))?;
    let secs = finite(WHAT, "uptime", first)?;
    if secs < 0.0 {
        return Err(ParseError::new(WHAT, format!("negative uptime {first}")));
    }
    Ok(secs)
}

/// A number that is neither NaN nor infinite (Rust's parser accepts "inf" and "NaN").
fn finite(what: &'static str, field: &str, text: &str) -> Result<f64, ParseError> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(ParseError::new(
            what,
            format!("{field} is not a number: {:?}", excerpt(text)),
        )),
    }
}

/// The boot time in seconds since the epoch, from the `btime` line of /proc/stat.
pub fn parse_boot_time(proc_stat: &str) -> Option<u64> {
    proc_stat
        .lines()
        .find_map(|line| line.strip_prefix("btime "))
        .and_then(|value| value.trim().parse().ok())
}

/// The number of CPUs listed in /proc/stat (`cpu0`, `cpu1`, ...; the `cpu` total line is not one).
pub fn count_cpus(proc_stat: &str) -> u32 {
    let count = proc_stat
        .lines()
        .filter_map(|line| line.strip_prefix("cpu"))
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// One controller line of /proc/cgroups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerInfo {
    pub name: String,
    /// 0 when the controller is on the v2 hierarchy or not mounted.
    pub hierarchy_id: u32,
    pub num_cgroups: u64,
    pub enabled: bool,
}

/// Parses /proc/cgroups (`#subsys_name hierarchy num_cgroups enabled`); lines that do not parse
/// are skipped.
pub fn parse_proc_cgroups(text: &str) -> Vec<ControllerInfo> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_ascii_whitespace().collect();
            let [name, hierarchy_id, num_cgroups, enabled] = fields.as_slice() else {
                return None;
            };
            Some(ControllerInfo {
                name: name.to_string(),
                hierarchy_id: hierarchy_id.parse().ok()?,
                num_cgroups: num_cgroups.parse().ok()?,
                enabled: match *enabled {
                    "1" => true,
                    "0" => false,
                    _ => return None,
                },
            })
        })
        .collect()
}

#[cfg(test)]
// The case tables are tuples of a name, an input and the expected result.
#[allow(clippy::type_complexity)]
mod tests {
    use super::*;

    fn mount(mount_point: &str, root: &str, fs_type: &str, source: &str, sup: &str) -> MountInfo {
        MountInfo {
            mount_point: mount_point.into(),
            root: root.into(),
            fs_type: fs_type.into(),
            source: source.into(),
            super_options: sup.into(),
        }
    }

    #[test]
    fn mountinfo_table() {
        let cases: Vec<(&str, &str, Result<Vec<MountInfo>, &str>)> = vec![
            (
                "v1 cgroup mount with optional fields",
                "30 24 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct\n",
                Ok(vec![mount("/sys/fs/cgroup/cpu,cpuacct", "/", "cgroup", "cgroup", "rw,cpu,cpuacct")]),
            ),
            (
                "v2 mount without optional fields",
                "25 24 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
                Ok(vec![mount("/sys/fs/cgroup", "/", "cgroup2", "cgroup2", "rw,nsdelegate")]),
            ),
            (
                "escaped space in a mount point",
                "40 24 8:1 /data /mnt/my\\040disk rw - ext4 /dev/sda1 rw\n",
                Ok(vec![mount("/mnt/my disk", "/data", "ext4", "/dev/sda1", "rw")]),
            ),
            (
                "no super options",
                "40 24 8:1 / /mnt rw - ext4 /dev/sda1\n",
                Ok(vec![mount("/mnt", "/", "ext4", "/dev/sda1", "")]),
            ),
            ("empty file", "", Ok(vec![])),
            (
                "no separator",
                "40 24 8:1 / /mnt rw ext4 /dev/sda1 rw\n",
                Err("mountinfo line 1: no ' - ' separator: \"40 24 8:1 / /mnt rw ext4 /dev/sda1 rw\""),
            ),
            (
                "too few fields",
                "40 24 8:1 / - ext4 x rw\n",
                Err("mountinfo line 1: fewer than 6 fields before the separator: \"40 24 8:1 / - ext4 x rw\""),
            ),
            (
                "no source",
                "40 24 8:1 / /mnt rw - ext4\n",
                Err("mountinfo line 1: no filesystem type and source after the separator: \"40 24 8:1 / /mnt rw - ext4\""),
            ),
        ];
        for (name, text, expect) in cases {
            let got = parse_mountinfo(text).map_err(|e| e.to_string());
            assert_eq!(got, expect.map_err(str::to_string), "case: {name}");
        }
    }

    #[test]
    fn unescape_leaves_a_lone_backslash_alone() {
        assert_eq!(unescape_octal("a\\b\\1"), "a\\b\\1");
        assert_eq!(unescape_octal("tab\\011x"), "tab\tx");
    }

    #[test]
    fn passwd_table() {
        let text = "root:x:0:0:root:/root:/bin/bash\n# comment\nnobody:x:65534:65534::/:/sbin/nologin\nbroken\nnoid:x:abc:0::/:\ntoor:x:0:0::/:\n:x:5:5::/:\n";
        let names = parse_passwd(text);
        let expect: BTreeMap<u32, String> = [(0, "root".to_string()), (65534, "nobody".into())]
            .into_iter()
            .collect();
        assert_eq!(names, expect);
        let groups = parse_passwd("wheel:x:10:alice,bob\ndocker:x:994:\n");
        assert_eq!(groups.get(&994).map(String::as_str), Some("docker"));
        assert_eq!(groups.get(&10).map(String::as_str), Some("wheel"));
        assert!(parse_passwd("").is_empty());
    }

    #[test]
    fn os_release_table() {
        let text = "NAME=\"CentOS Linux\"\nVERSION_ID=\"7\"\nID=centos\nPRETTY_NAME=\"CentOS \\\"Core\\\" 7\"\n# comment\nSINGLE='it is'\nnot a pair\n";
        let values = parse_os_release(text);
        let get = |k: &str| values.get(k).map(String::as_str);
        assert_eq!(get("NAME"), Some("CentOS Linux"));
        assert_eq!(get("VERSION_ID"), Some("7"));
        assert_eq!(get("ID"), Some("centos"));
        assert_eq!(get("PRETTY_NAME"), Some("CentOS \"Core\" 7"));
        assert_eq!(get("SINGLE"), Some("it is"));
        assert_eq!(values.len(), 5);
    }

    #[test]
    fn meminfo_table() {
        let text = "MemTotal:       16318412 kB\nMemFree:          123 kB\nHugePages_Total:       0\nBogus:  lots kB\nnocolon 5\n";
        let values = parse_meminfo(text);
        let expect: BTreeMap<String, u64> = [
            ("MemTotal".to_string(), 16318412),
            ("MemFree".into(), 123),
            ("HugePages_Total".into(), 0),
        ]
        .into_iter()
        .collect();
        assert_eq!(values, expect);
    }

    #[test]
    fn loadavg_table() {
        let cases: [(&str, Result<[f64; 3], &str>); 4] = [
            ("0.52 0.58 0.59 2/1234 56789\n", Ok([0.52, 0.58, 0.59])),
            (
                "0.1 0.2\n",
                Err("loadavg: expected 3 averages, got \"0.1 0.2\""),
            ),
            (
                "0.1 x 0.3 1/1 1\n",
                Err("loadavg: 5 minute average is not a number: \"x\""),
            ),
            (
                "inf 0 0 1/1 1\n",
                Err("loadavg: 1 minute average is not a number: \"inf\""),
            ),
        ];
        for (text, expect) in cases {
            let got = parse_loadavg(text).map_err(|e| e.to_string());
            assert_eq!(got, expect.map_err(str::to_string), "input {text:?}");
        }
    }

    #[test]
    fn uptime_table() {
        let cases: [(&str, Result<f64, &str>); 4] = [
            ("350735.47 234388.90\n", Ok(350735.47)),
            ("", Err("uptime: empty")),
            ("abc 1\n", Err("uptime: uptime is not a number: \"abc\"")),
            ("-5 1\n", Err("uptime: negative uptime -5")),
        ];
        for (text, expect) in cases {
            let got = parse_uptime(text).map_err(|e| e.to_string());
            assert_eq!(got, expect.map_err(str::to_string), "input {text:?}");
        }
    }

    #[test]
    fn proc_stat_gives_boot_time_and_cpu_count() {
        let text = "cpu  1 2 3 4\ncpu0 1 2 3 4\ncpu1 1 2 3 4\nintr 5\nctxt 6\nbtime 1592284800\nprocesses 7\n";
        assert_eq!(parse_boot_time(text), Some(1592284800));
        assert_eq!(count_cpus(text), 2);
        assert_eq!(parse_boot_time("cpu 1\nbtime soon\n"), None);
        assert_eq!(parse_boot_time(""), None);
        assert_eq!(count_cpus(""), 0);
    }

    #[test]
    fn proc_cgroups_table() {
        let text = "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t10\t4\t1\ncpu\t4\t80\t1\nrdma\t0\t1\t0\nbroken\t1\n";
        let got = parse_proc_cgroups(text);
        let info = |name: &str, id, n, enabled| ControllerInfo {
            name: name.into(),
            hierarchy_id: id,
            num_cgroups: n,
            enabled,
        };
        assert_eq!(
            got,
            vec![
                info("cpuset", 10, 4, true),
                info("cpu", 4, 80, true),
                info("rdma", 0, 1, false)
            ]
        );
        assert!(parse_proc_cgroups("").is_empty());
    }
}
