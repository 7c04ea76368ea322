//! The command line, parsed by hand: clap's parser and help renderer cost about 150 KB of the
//! static binary's 1.6 MB budget. Raw arguments become a validated `Config` once, here.

use crate::collect::{Config, OutputTarget};
use nodesnap_format::CmdlinePolicy;
use std::path::PathBuf;
use std::time::Duration;

pub const HELP: &str = "\
Snapshots this node's processes, namespaces and cgroups into one .tar.gz, read-only.

Usage: collector [OPTIONS]

Options:
  -o, --output <PATH>           Output path; `-` streams the tarball to stdout
                                [default: ./nodesnap-<hostname>-<UTC yyyymmddThhmmssZ>.tar.gz]
      --root <DIR>              Read everything from DIR as if it were / (e.g. /host in a pod)
                                [default: /]
      --timeout <SECS>          Upper bound on the whole run, in seconds [default: 60]
      --read-timeout-ms <MS>    A single read that takes longer is abandoned and recorded as a
                                gap [default: 2000]
      --max-file-bytes <BYTES>  Largest part of one file kept; longer files are truncated and
                                recorded [default: 4194304]
      --max-total-bytes <BYTES> Largest total of copied bytes; files beyond it are skipped and
                                recorded [default: 536870912]
      --samples <N>             Read the fast-changing files (process stat and status, cgroup
                                counters, pressure, proc/stat) N times, for rates and for what
                                stays stuck; the rest once [default: 1]
      --interval <SECS>         Time between the starts of two samples, in seconds (decimals
                                allowed); (N-1) intervals must fit in three quarters of
                                --timeout [default: 5]
      --no-redact               Keep command lines and mount sources verbatim instead of
                                redacting secret-looking values
      --review                  Write no tarball: print every free-text string the tarball
                                would hold (command lines, names, cgroup paths, mount sources,
                                labels), one per line, as it would be shipped, redactions
                                marked
      --no-cmdline              Do not collect command lines at all
      --no-nice                 Run at normal CPU and IO priority instead of nice 19 and
                                best-effort IO level 7
      --nice                    Lower CPU and IO priority (the default)
  -q, --quiet                   No progress and no summary line
  -h, --help                    Print help
  -V, --version                 Print version
";

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Collect {
        config: Box<Config>,
        nice: bool,
        quiet: bool,
    },
    /// `--review`: the same run, printing what would be shipped instead of writing it.
    Review {
        config: Box<Config>,
        nice: bool,
        quiet: bool,
    },
    Help,
    Version,
}

/// A usage error, shown as `collector: <message>` with exit status 2.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}\nTry 'collector --help' for more information.")]
pub struct UsageError(String);

fn number(option: &str, value: &str) -> Result<u64, UsageError> {
    value.parse().map_err(|_| {
        UsageError(format!(
            "invalid value '{value}' for {option}: not a number"
        ))
    })
}

/// Seconds with an optional fraction (`5`, `0.5`), to the millisecond.
fn seconds(option: &str, value: &str) -> Result<Duration, UsageError> {
    let bad = || {
        UsageError(format!(
            "invalid value '{value}' for {option}: not a number of seconds"
        ))
    };
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let mut millis = 0u64;
    for (place, digit) in [100, 10, 1].iter().zip(fraction.bytes()) {
        millis += place * u64::from(digit - b'0');
    }
    whole
        .checked_mul(1000)
        .and_then(|ms| ms.checked_add(millis))
        .map(Duration::from_millis)
        .ok_or_else(bad)
}

/// Seconds as given (`5`, `2.5`, `0.125`), by integer arithmetic: printing an `f64` costs the
/// static binary about 17 KB.
struct SecondsText(Duration);

impl std::fmt::Display for SecondsText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let millis = self.0.as_millis();
        let (whole, mut fraction, mut digits) = (millis / 1000, millis % 1000, 3);
        if fraction == 0 {
            return write!(f, "{whole}");
        }
        while fraction % 10 == 0 {
            fraction /= 10;
            digits -= 1;
        }
        write!(f, "{whole}.{fraction:0digits$}")
    }
}

/// The most samples one run takes.
pub const MAX_SAMPLES: u32 = 100;

/// Refuses a sampling that cannot be done within the run's deadline: the waits between samples
/// may take at most three quarters of --timeout, the rest is for reading the node.
fn check_sampling(config: &Config, interval_given: bool) -> Result<(), UsageError> {
    if config.samples == 0 || config.samples > MAX_SAMPLES {
        return Err(UsageError(format!(
            "--samples must be between 1 and {MAX_SAMPLES}"
        )));
    }
    if interval_given && config.samples == 1 {
        return Err(UsageError(
            "--interval needs --samples 2 or more".to_string(),
        ));
    }
    if config.samples > 1 && config.interval < Duration::from_millis(100) {
        return Err(UsageError(
            "--interval must be at least 0.1 seconds".to_string(),
        ));
    }
    let window = config.interval.saturating_mul(config.samples - 1);
    let budget = config.timeout.saturating_mul(3) / 4;
    if window > budget {
        let needed = window.as_millis().div_ceil(750);
        return Err(UsageError(format!(
            "--samples {} --interval {} waits {} s between the first and the last sample, more \
             than three quarters of --timeout {} (the rest is for reading the node); raise \
             --timeout to at least {needed}, or take fewer samples or a shorter interval",
            config.samples,
            SecondsText(config.interval),
            SecondsText(window),
            config.timeout.as_secs(),
        )));
    }
    Ok(())
}

/// Parses the arguments after the program name.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, UsageError> {
    let mut config = Config::new(PathBuf::from("/"), OutputTarget::Auto);
    let (mut nice, mut no_nice, mut quiet, mut no_redact, mut no_cmdline) =
        (false, false, false, false, false);
    let (mut review, mut output_given) = (false, false);
    let mut interval_given = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        let takes_value = matches!(
            name.as_str(),
            "-o" | "--output"
                | "--root"
                | "--timeout"
                | "--read-timeout-ms"
                | "--max-file-bytes"
                | "--max-total-bytes"
                | "--samples"
                | "--interval"
        );
        let value = if takes_value {
            match inline {
                Some(value) => value,
                None => args
                    .next()
                    .ok_or_else(|| UsageError(format!("a value is required for '{name}'")))?,
            }
        } else {
            if inline.is_some() {
                return Err(UsageError(format!("'{name}' takes no value")));
            }
            String::new()
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "-o" | "--output" => {
                output_given = true;
                config.output = if value == "-" {
                    OutputTarget::Stdout
                } else {
                    OutputTarget::Path(PathBuf::from(value))
                }
            }
            "--root" => config.root = PathBuf::from(value),
            "--timeout" => config.timeout = Duration::from_secs(number(&name, &value)?),
            "--read-timeout-ms" => {
                config.read_timeout = Duration::from_millis(number(&name, &value)?)
            }
            "--max-file-bytes" => config.max_file_bytes = number(&name, &value)?,
            "--max-total-bytes" => config.max_total_bytes = number(&name, &value)?,
            "--samples" => {
                config.samples = u32::try_from(number(&name, &value)?).unwrap_or(u32::MAX)
            }
            "--interval" => {
                interval_given = true;
                config.interval = seconds(&name, &value)?;
            }
            "--no-redact" => no_redact = true,
            "--no-cmdline" => no_cmdline = true,
            "--review" => review = true,
            "--nice" => nice = true,
            "--no-nice" => no_nice = true,
            "-q" | "--quiet" => quiet = true,
            other => return Err(UsageError(format!("unexpected argument '{other}'"))),
        }
    }
    if nice && no_nice {
        return Err(UsageError(
            "'--nice' and '--no-nice' exclude each other".to_string(),
        ));
    }
    if no_redact && no_cmdline {
        return Err(UsageError(
            "'--no-redact' and '--no-cmdline' exclude each other".to_string(),
        ));
    }
    if review && output_given {
        return Err(UsageError(
            "'--review' writes no tarball; it takes no '--output'".to_string(),
        ));
    }
    if config.timeout.is_zero() {
        return Err(UsageError(
            "--timeout must be at least 1 second".to_string(),
        ));
    }
    if config.read_timeout.is_zero() {
        return Err(UsageError(
            "--read-timeout-ms must be at least 1".to_string(),
        ));
    }
    check_sampling(&config, interval_given)?;
    config.cmdline = if no_cmdline {
        CmdlinePolicy::Dropped
    } else if no_redact {
        CmdlinePolicy::Verbatim
    } else {
        CmdlinePolicy::Redacted
    };
    if review {
        return Ok(Command::Review {
            config: Box::new(config),
            nice: !no_nice,
            quiet,
        });
    }
    Ok(Command::Collect {
        config: Box::new(config),
        nice: !no_nice,
        quiet,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Command, UsageError> {
        parse(args.iter().map(|a| a.to_string()))
    }

    fn config_of(args: &[&str]) -> (Config, bool, bool) {
        match parse_args(args).unwrap() {
            Command::Collect {
                config,
                nice,
                quiet,
            } => (*config, nice, quiet),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults_match_the_help_text() {
        let (config, nice, quiet) = config_of(&[]);
        assert_eq!(config.root, PathBuf::from("/"));
        assert_eq!(config.output, OutputTarget::Auto);
        assert_eq!(config.timeout, Duration::from_secs(60));
        assert_eq!(config.read_timeout, Duration::from_millis(2000));
        assert_eq!(config.max_file_bytes, 4_194_304);
        assert_eq!(config.max_total_bytes, 536_870_912);
        assert_eq!(config.cmdline, CmdlinePolicy::Redacted);
        assert!(nice && !quiet);
        assert!(HELP.contains("[default: 60]") && HELP.contains("[default: 2000]"));
    }

    #[test]
    fn every_option_in_both_forms() {
        let (config, nice, quiet) = config_of(&[
            "-o",
            "-",
            "--root=/host",
            "--timeout",
            "5",
            "--read-timeout-ms=300",
            "--max-file-bytes",
            "10",
            "--max-total-bytes=20",
            "--no-cmdline",
            "--no-nice",
            "-q",
        ]);
        assert_eq!(config.output, OutputTarget::Stdout);
        assert_eq!(config.root, PathBuf::from("/host"));
        assert_eq!(config.timeout, Duration::from_secs(5));
        assert_eq!(config.read_timeout, Duration::from_millis(300));
        assert_eq!((config.max_file_bytes, config.max_total_bytes), (10, 20));
        assert_eq!(config.cmdline, CmdlinePolicy::Dropped);
        assert!(!nice && quiet);
        let (config, _, _) = config_of(&["--output", "x.tar.gz", "--no-redact"]);
        assert_eq!(config.output, OutputTarget::Path(PathBuf::from("x.tar.gz")));
        assert_eq!(config.cmdline, CmdlinePolicy::Verbatim);
    }

    #[test]
    fn review_keeps_the_collection_options() {
        match parse_args(&["--review", "--root", "/host", "--no-redact", "--no-nice"]).unwrap() {
            Command::Review { config, nice, .. } => {
                assert_eq!(config.root, PathBuf::from("/host"));
                assert_eq!(config.cmdline, CmdlinePolicy::Verbatim);
                assert!(!nice);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn help_and_version_win() {
        assert!(matches!(parse_args(&["--help"]), Ok(Command::Help)));
        assert!(matches!(parse_args(&["-V"]), Ok(Command::Version)));
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        let cases: &[(&[&str], &str)] = &[
            (&["--bogus"], "unexpected argument '--bogus'"),
            (&["--timeout"], "a value is required for '--timeout'"),
            (&["--timeout", "x"], "invalid value 'x' for --timeout"),
            (&["--timeout", "0"], "--timeout must be at least 1 second"),
            (
                &["--read-timeout-ms=0"],
                "--read-timeout-ms must be at least 1",
            ),
            (&["--quiet=yes"], "'--quiet' takes no value"),
            (&["--nice", "--no-nice"], "exclude each other"),
            (&["--no-redact", "--no-cmdline"], "exclude each other"),
            (&["--review", "-o", "x"], "takes no '--output'"),
            (&["--review=1"], "'--review' takes no value"),
            (&["extra"], "unexpected argument 'extra'"),
        ];
        for (args, expected) in cases {
            let error = parse_args(args).unwrap_err().to_string();
            assert!(error.contains(expected), "{args:?}: {error}");
        }
    }

    #[test]
    fn samples_and_interval_are_read_and_must_fit_in_the_timeout() {
        let (config, _, _) = config_of(&["--samples", "3", "--interval", "2.5"]);
        assert_eq!(config.samples, 3);
        assert_eq!(config.interval, Duration::from_millis(2500));
        let (config, _, _) = config_of(&["--samples=2"]);
        assert_eq!(config.interval, Duration::from_secs(5));
        let (config, _, _) = config_of(&["--samples", "4", "--interval", "15"]);
        assert_eq!(config.samples, 4);
        let refused = |args: &[&str], needle: &str| {
            let message = parse_args(args).unwrap_err().to_string();
            assert!(message.contains(needle), "{args:?}: {message}");
        };
        refused(
            &["--samples", "5", "--interval", "20"],
            "waits 80 s between the first and the last sample, more than three quarters of \
             --timeout 60",
        );
        refused(
            &["--samples", "5", "--interval", "20"],
            "raise --timeout to at least 107",
        );
        refused(
            &["--samples", "3", "--interval", "23.05"],
            "--samples 3 --interval 23.05 waits 46.1 s",
        );
        refused(&["--samples", "0"], "--samples must be between 1 and 100");
        refused(&["--samples", "101"], "--samples must be between 1 and 100");
        refused(&["--interval", "3"], "--interval needs --samples 2 or more");
        refused(
            &["--samples", "2", "--interval", "0.05"],
            "at least 0.1 seconds",
        );
        refused(
            &["--samples", "2", "--interval", "1.x"],
            "not a number of seconds",
        );
        refused(
            &["--samples", "2", "--interval", "."],
            "not a number of seconds",
        );
        refused(
            &["--samples", "2", "--interval", "-1"],
            "not a number of seconds",
        );
    }
}
