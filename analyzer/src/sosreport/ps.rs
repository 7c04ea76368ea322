//! The `ps` outputs of sos's process plugin, the same in sos 4.0 and 4.12:
//!
//! - `ps axo pid,ppid,user,group,lwp,nlwp,start_time,comm,cgroup`: who each process is and its
//!   cgroup lines, joined by `,` as procps joins them, with the lines whose path is the root `/`
//!   left out by procps (`-` when every line is at the root);
//! - `ps alxwww`: the numeric uid, the state, the resident size and the full command line
//!   (arguments joined by spaces; a kernel thread shows as `[name]`).
//!
//! Each table is read line by line; a line that does not parse is a problem with its number,
//! and the rest is kept.

use super::SosParseError;
use crate::procfs::{parse_cgroup, CgroupLine};

/// The file names sos gives these outputs under `sos_commands/process/`.
pub const PS_CGROUP_FILE: &str = "ps_axo_pid_ppid_user_group_lwp_nlwp_start_time_comm_cgroup";
pub const PS_LONG_FILE: &str = "ps_alxwww";

/// One row of `ps axo pid,ppid,user,group,lwp,nlwp,start_time,comm,cgroup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsCgroupRow {
    pub pid: u32,
    pub ppid: u32,
    /// The user name; None where procps cut it (a name wider than its column ends in `+`).
    pub user: Option<String>,
    pub threads: u32,
    /// The kernel's comm (at most 15 bytes), which may hold spaces.
    pub comm: String,
    /// The lines procps printed: those not at the root of their hierarchy.
    pub cgroups: Vec<CgroupLine>,
}

/// One row of `ps alxwww`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsLongRow {
    pub pid: u32,
    pub ppid: u32,
    pub uid: u32,
    /// The first letter of STAT (R, S, D, Z, T, t, X, I).
    pub state: char,
    pub rss_kib: u64,
    /// The command line as ps shows it: arguments joined by spaces, `[name]` for a kernel
    /// thread.
    pub command: String,
}

/// The words of a line with where each starts, so that the last column can be taken verbatim.
fn words(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (at, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(from)) => {
                out.push((from, &line[from..at]));
                start = None;
            }
            (false, None) => start = Some(at),
            _ => {}
        }
    }
    if let Some(from) = start {
        out.push((from, &line[from..]));
    }
    out
}

fn number<T: std::str::FromStr>(line: usize, what: &str, text: &str) -> Result<T, SosParseError> {
    text.parse()
        .map_err(|_| SosParseError::at(line, format!("{what} is not a number: {text:?}")))
}

/// Rows of a ps table with the header `first` and the row parser; a line that does not parse is
/// a problem and the rest is kept. Fails when the text is not that table at all.
fn table<T>(
    text: &str,
    first: &str,
    what: &str,
    row: impl Fn(usize, &str) -> Result<T, SosParseError>,
) -> Result<(Vec<T>, Vec<SosParseError>), SosParseError> {
    let mut lines = text.lines().enumerate();
    let header = lines
        .by_ref()
        .find(|(_, line)| !line.trim().is_empty())
        .map(|(_, line)| line);
    if header.and_then(|h| h.split_whitespace().next()) != Some(first) {
        return Err(SosParseError::new(format!(
            "not the output of {what}: its first line is not the header"
        )));
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        match row(index + 1, line) {
            Ok(value) => rows.push(value),
            Err(problem) => problems.push(problem),
        }
    }
    Ok((rows, problems))
}

/// Parses `ps axo pid,ppid,user,group,lwp,nlwp,start_time,comm,cgroup`.
pub fn parse_ps_cgroup(
    text: &str,
) -> Result<(Vec<PsCgroupRow>, Vec<SosParseError>), SosParseError> {
    table(text, "PID", "ps axo ...,comm,cgroup", |line, row| {
        let words = words(row);
        if words.len() < 9 {
            return Err(SosParseError::at(line, "fewer than 9 columns"));
        }
        let pid = number(line, "PID", words[0].1)?;
        let ppid = number(line, "PPID", words[1].1)?;
        let user = Some(words[2].1)
            .filter(|u| !u.ends_with('+'))
            .map(str::to_string);
        let threads = number(line, "NLWP", words[5].1)?;
        // comm may hold spaces: the cgroup column is the first word after it that reads as a
        // cgroup line, or `-`; it runs to the end of the line.
        let cgroup_at = (8..words.len())
            .rev()
            .filter(|&i| {
                let word = words[i].1;
                word == "-" || looks_like_cgroup_line(word)
            })
            .min()
            .ok_or_else(|| SosParseError::at(line, "no CGROUP column"))?;
        let comm_words = &words[7..cgroup_at];
        let comm = match (comm_words.first(), comm_words.last()) {
            (Some(first), Some(last)) => row[first.0..last.0 + last.1.len()].to_string(),
            _ => return Err(SosParseError::at(line, "no COMMAND column")),
        };
        let cgroup = row[words[cgroup_at].0..].trim_end();
        let cgroups = parse_cgroup_column(cgroup)
            .map_err(|message| SosParseError::at(line, format!("CGROUP column: {message}")))?;
        Ok(PsCgroupRow {
            pid,
            ppid,
            user,
            threads,
            comm,
            cgroups,
        })
    })
}

/// `12:pids:/...` or `0::/...`: a hierarchy number, a colon, controllers, a colon, a path.
fn looks_like_cgroup_line(word: &str) -> bool {
    let Some((id, rest)) = word.split_once(':') else {
        return false;
    };
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && rest.contains(":/")
}

/// procps's cgroup column: the lines of /proc/<pid>/cgroup not at the root, joined by `,`, or
/// `-`. A comma inside a v1 controller list (`4:cpu,cpuacct:/x`) continues a line; one followed
/// by `N:` starts the next.
pub fn parse_cgroup_column(column: &str) -> Result<Vec<CgroupLine>, String> {
    if column == "-" {
        return Ok(Vec::new());
    }
    let mut lines: Vec<String> = Vec::new();
    for piece in column.split(',') {
        let starts_line = piece
            .split_once(':')
            .is_some_and(|(id, _)| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
        match lines.last_mut() {
            Some(current) if !starts_line => {
                current.push(',');
                current.push_str(piece);
            }
            _ => lines.push(piece.to_string()),
        }
    }
    parse_cgroup(&lines.join("\n")).map_err(|e| e.to_string())
}

/// Parses `ps alxwww`.
pub fn parse_ps_long(text: &str) -> Result<(Vec<PsLongRow>, Vec<SosParseError>), SosParseError> {
    table(text, "F", "ps alxwww", |line, row| {
        let words = words(row);
        if words.len() < 13 {
            return Err(SosParseError::at(line, "fewer than 13 columns"));
        }
        let uid = number(line, "UID", words[1].1)?;
        let pid = number(line, "PID", words[2].1)?;
        let ppid = number(line, "PPID", words[3].1)?;
        let rss_kib = number(line, "RSS", words[7].1)?;
        let state = words[9]
            .1
            .chars()
            .next()
            .filter(|c| c.is_ascii_alphabetic())
            .ok_or_else(|| SosParseError::at(line, "no STAT"))?;
        let command = row[words[12].0..].trim_end().to_string();
        Ok(PsLongRow {
            pid,
            ppid,
            uid,
            state,
            rss_kib,
            command,
        })
    })
}

/// The arguments of a command line as ps shows it: words split at spaces (ps joined them with
/// spaces, so an argument holding one comes back as two); a kernel thread's `[name]` has none.
pub fn argv_of(command: &str, is_kernel_thread: bool) -> Vec<String> {
    if is_kernel_thread {
        return Vec::new();
    }
    command
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CGROUP_TABLE: &str = "  PID  PPID USER     GROUP      LWP NLWP START COMMAND         CGROUP
    1     0 root     root         1   18 18:14 process_api     -
    2     0 root     root         2    1 18:14 kthreadd        -
29037 28986 root     root     29037    1 20:54 sh              9:name=systemd:/kubepods/podb9/00ad,4:cpu,cpuacct:/kubepods/podb9/00ad,0::/kubepods/podb9/00ad
  812     1 systemd+ systemd+   812    1 18:14 Web Content     0::/user.slice
";

    #[test]
    fn cgroup_table_rows_with_their_lines() {
        let (rows, problems) = parse_ps_cgroup(CGROUP_TABLE).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].comm, "process_api");
        assert!(rows[0].cgroups.is_empty());
        let sh = &rows[2];
        assert_eq!((sh.pid, sh.ppid, sh.threads), (29037, 28986, 1));
        assert_eq!(sh.user.as_deref(), Some("root"));
        let lines: Vec<(u32, String, &str)> = sh
            .cgroups
            .iter()
            .map(|l| (l.hierarchy_id, l.controllers.join(","), l.path.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (9, "name=systemd".to_string(), "/kubepods/podb9/00ad"),
                (4, "cpu,cpuacct".to_string(), "/kubepods/podb9/00ad"),
                (0, String::new(), "/kubepods/podb9/00ad"),
            ]
        );
        // A comm with a space, and a user name procps cut.
        assert_eq!(rows[3].comm, "Web Content");
        assert_eq!(rows[3].user, None);
    }

    #[test]
    fn a_bad_row_is_a_problem_with_its_line_and_the_rest_is_kept() {
        let text = format!("{CGROUP_TABLE}   x1     0 root root 1 1 18:14 a -\n 77 1 root\n");
        let (rows, problems) = parse_ps_cgroup(&text).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(problems.len(), 2);
        assert_eq!(
            problems[0].to_string(),
            "line 6: PID is not a number: \"x1\""
        );
        assert_eq!(problems[1].to_string(), "line 7: fewer than 9 columns");
        assert!(parse_ps_cgroup("USER PID\n").is_err());
    }

    #[test]
    fn long_table_rows_keep_the_command_verbatim() {
        let text = "F   UID   PID  PPID PRI  NI    VSZ   RSS WCHAN  STAT TTY        TIME COMMAND
4     0     1     0  10 -10  54800 15812 -      S<Ll ?          0:55 /process_api
1     0     2     0  20   0      0     0 kthrea S    ?          0:00 [kthreadd]
4   101 29037 28986  20   0   4416  1680 do_wai Ss   ?          0:00 sh -c sleep 86400 & wait
";
        let (rows, problems) = parse_ps_long(text).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows[0].state, 'S');
        assert_eq!(rows[1].command, "[kthreadd]");
        let sh = &rows[2];
        assert_eq!(
            (sh.uid, sh.pid, sh.ppid, sh.rss_kib),
            (101, 29037, 28986, 1680)
        );
        assert_eq!(sh.command, "sh -c sleep 86400 & wait");
        assert_eq!(
            argv_of(&sh.command, false),
            ["sh", "-c", "sleep", "86400", "&", "wait"]
        );
        assert!(argv_of("[kthreadd]", true).is_empty());
    }

    #[test]
    fn the_cgroup_column_splits_lines_at_commas_before_a_hierarchy_number() {
        let lines = parse_cgroup_column("5:cpuset,cpu,cpuacct:/a,b,1:name=systemd:/x").unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].path, "/a,b");
        assert_eq!(lines[0].controllers, ["cpuset", "cpu", "cpuacct"]);
        assert_eq!(lines[1].controllers, ["name=systemd"]);
        assert!(parse_cgroup_column("-").unwrap().is_empty());
    }
}
