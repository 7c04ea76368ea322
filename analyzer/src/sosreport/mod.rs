//! Pure parsers for what sos (`sos report`) writes besides copies of a node's files: its own
//! record of the run (`version.txt`, `sos_reports/manifest.json`, `date --utc`), the `ps`
//! outputs of its process plugin (`ps`), and the runtimes' command outputs of its container
//! plugins (`runtimes`: `docker inspect`, `podman inspect`, `ctr container ls`, `crictl`).
//! Functions take text and return typed values or a one-line error; which file is read, and
//! what the model makes of it, is `model::sos`'s business. Copies of /proc and /sys/fs/cgroup
//! files go through `procfs` and `cgroupfs` like a snapshot's.

pub mod ps;
pub mod runtimes;

use std::fmt;

/// A problem with one line or one document of a sos file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SosParseError {
    /// 1-based line, where the problem is on one line.
    pub line: Option<usize>,
    pub message: String,
}

impl SosParseError {
    pub fn new(message: impl Into<String>) -> SosParseError {
        SosParseError {
            line: None,
            message: message.into(),
        }
    }

    pub fn at(line: usize, message: impl Into<String>) -> SosParseError {
        SosParseError {
            line: Some(line),
            message: message.into(),
        }
    }
}

impl fmt::Display for SosParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// The sos release that wrote a report, from `version.txt`: `sosreport: 4.0` (4.0 to 4.2) or
/// `sos report: 4.12.0` (later), the first line either way.
pub fn parse_version_txt(text: &str) -> Option<String> {
    let first = text.lines().next()?.trim();
    let (label, version) = first.split_once(':')?;
    let label = label.trim();
    if label != "sosreport" && label != "sos report" {
        return None;
    }
    let version = version.trim();
    let valid = !version.is_empty()
        && version.len() <= 32
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    valid.then(|| version.to_string())
}

/// What `sos_reports/manifest.json` says about the run (sos 4.0 and later).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SosRun {
    pub version: Option<String>,
    /// As sos writes it: the node's local time, `2026-12-04 20:57:24.927693`, no zone.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub policy: Option<String>,
    /// The plugins that ran (the keys of `components.report.plugins`), sorted.
    pub plugins: Vec<String>,
}

/// Reads the few fields of sos's manifest the model uses; the rest (tens of MB on a big node:
/// sos lists every file it copied) is skipped by the deserializer, never built.
pub fn parse_manifest_json(text: &str) -> Result<SosRun, SosParseError> {
    use serde::de::IgnoredAny;
    use std::collections::BTreeMap;

    #[derive(serde::Deserialize)]
    struct Manifest {
        version: Option<serde_json::Value>,
        start_time: Option<serde_json::Value>,
        end_time: Option<serde_json::Value>,
        policy: Option<serde_json::Value>,
        components: Option<Components>,
    }
    #[derive(serde::Deserialize)]
    struct Components {
        report: Option<Report>,
    }
    #[derive(serde::Deserialize)]
    struct Report {
        plugins: Option<BTreeMap<String, IgnoredAny>>,
    }
    // A top-level field of another type than sos writes is absent, not an error; the object
    // and the plugin map must have sos's shape.
    let manifest: Manifest = serde_json::from_str(text).map_err(|e| {
        if e.is_data() {
            SosParseError::new(format!("not sos's manifest: {e}"))
        } else {
            SosParseError::new(format!("not JSON: {e}"))
        }
    })?;
    let text_of = |v: Option<serde_json::Value>| match v {
        Some(serde_json::Value::String(text)) => Some(text),
        _ => None,
    };
    let plugins = manifest
        .components
        .and_then(|c| c.report)
        .and_then(|r| r.plugins)
        .map(|plugins| plugins.into_keys().collect())
        .unwrap_or_default();
    Ok(SosRun {
        version: text_of(manifest.version),
        start_time: text_of(manifest.start_time),
        end_time: text_of(manifest.end_time),
        policy: text_of(manifest.policy),
        plugins,
    })
}

/// `date --utc` as sos's date plugin records it (`Fri Dec  4 20:59:33 UTC 2026`), as RFC 3339.
pub fn parse_date_utc(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let [_, month, day, time, zone, year] = words.as_slice() else {
        return None;
    };
    if *zone != "UTC" {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? + 1;
    let day: u32 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let year: u32 = year.parse().ok().filter(|y| (1970..=9999).contains(y))?;
    let mut hms = time.split(':').map(|p| p.parse::<u32>().ok());
    let (Some(Some(h)), Some(Some(m)), Some(Some(s)), None) =
        (hms.next(), hms.next(), hms.next(), hms.next())
    else {
        return None;
    };
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z"
    ))
}

/// The kernel release from `uname -a` (`Linux vm 6.1.0-18-amd64 #1 SMP ...`): the third word.
pub fn parse_uname_release(text: &str) -> Option<String> {
    let mut words = text.split_whitespace();
    (words.next()? == "Linux").then_some(())?;
    words.next()?;
    words.next().map(str::to_string)
}

/// The first non-empty line, trimmed (`hostname`'s output).
pub fn first_line(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_txt_of_old_and_new_releases() {
        assert_eq!(
            parse_version_txt("sosreport: 4.0\ncgroups: unversioned\n").as_deref(),
            Some("4.0")
        );
        assert_eq!(
            parse_version_txt("sos report: 4.12.0").as_deref(),
            Some("4.12.0")
        );
        assert_eq!(parse_version_txt("hello: 1"), None);
        assert_eq!(parse_version_txt("sos report: 4.0 <script>"), None);
        assert_eq!(parse_version_txt(""), None);
    }

    #[test]
    fn manifest_json_fields_the_model_uses() {
        let text = r#"{"version": "4.12.0", "start_time": "2026-12-04 20:57:24.927693",
            "end_time": "2026-12-04 20:57:31.669555", "policy": "Debian",
            "components": {"report": {"plugins": {"process": {}, "cgroups": {}}}}}"#;
        let run = parse_manifest_json(text).unwrap();
        assert_eq!(run.version.as_deref(), Some("4.12.0"));
        assert_eq!(
            run.start_time.as_deref(),
            Some("2026-12-04 20:57:24.927693")
        );
        assert_eq!(run.plugins, ["cgroups", "process"]);
        assert!(parse_manifest_json("[1]").is_err());
        assert!(parse_manifest_json("{")
            .unwrap_err()
            .message
            .starts_with("not JSON"));
    }

    #[test]
    fn date_utc_and_uname() {
        assert_eq!(
            parse_date_utc("Fri Dec  4 20:59:33 UTC 2026\n").as_deref(),
            Some("2026-12-04T20:59:33Z")
        );
        assert_eq!(parse_date_utc("Fri Dec  4 20:59:33 CET 2026"), None);
        assert_eq!(parse_date_utc("Fri Dec 44 20:59:33 UTC 2026"), None);
        assert_eq!(
            parse_uname_release(
                "Linux vm 6.18.44-fc-v1252 #1 SMP PREEMPT_DYNAMIC @0 x86_64 GNU/Linux"
            )
            .as_deref(),
            Some("6.18.44-fc-v1252")
        );
        assert_eq!(parse_uname_release("Darwin x 1"), None);
    }
}
