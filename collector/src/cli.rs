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

/// Parses the arguments after the program name.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, UsageError> {
    let mut config = Config::new(PathBuf::from("/"), OutputTarget::Auto);
    let (mut nice, mut no_nice, mut quiet, mut no_redact, mut no_cmdline) =
        (false, false, false, false, false);
    let (mut review, mut output_given) = (false, false);
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
}
