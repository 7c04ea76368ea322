use super::table::{ORDINARY, SECRETS};
use super::*;

/// Splits a command line into arguments as a shell would: spaces separate, single quotes keep
/// everything, double quotes keep everything but `\"` and `\\`, a backslash escapes outside.
fn split_line(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut started = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' => {
                if started {
                    args.push(std::mem::take(&mut current));
                }
                started = false;
            }
            '\'' => {
                started = true;
                for inner in chars.by_ref() {
                    if inner == '\'' {
                        break;
                    }
                    current.push(inner);
                }
            }
            '"' => {
                started = true;
                while let Some(inner) = chars.next() {
                    match inner {
                        '"' => break,
                        '\\' => {
                            let escaped = chars.next().unwrap_or('\\');
                            if !matches!(escaped, '"' | '\\') {
                                current.push('\\');
                            }
                            current.push(escaped);
                        }
                        other => current.push(other),
                    }
                }
            }
            '\\' => {
                started = true;
                current.extend(chars.next());
            }
            other => {
                started = true;
                current.push(other);
            }
        }
    }
    if started {
        args.push(current);
    }
    args
}

/// The arguments of `line` after redaction, joined by spaces.
fn redact_line(line: &str) -> String {
    let owned = split_line(line);
    let args: Vec<&str> = owned.iter().map(String::as_str).collect();
    redact_args(&args)
        .into_iter()
        .zip(&args)
        .map(|(replacement, original)| replacement.unwrap_or_else(|| original.to_string()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_line_splitter_reads_quotes_like_a_shell() {
    assert_eq!(
        split_line(r#"sh -c 'a "b" c' "d \"e\" f" g\ h"#),
        ["sh", "-c", r#"a "b" c"#, r#"d "e" f"#, "g h"]
    );
    assert_eq!(split_line("a '' b"), ["a", "", "b"]);
}

/// The table test: every secret shape of the table is gone from the output and replaced by the
/// marker; at most 1 in 20 ordinary arguments changed (the target), and the figures are
/// printed for docs/SECURITY.md.
#[test]
fn table_secrets_never_survive_and_ordinary_arguments_stay() {
    let tools: std::collections::BTreeSet<&str> = SECRETS.iter().map(|row| row.0).collect();
    assert!(SECRETS.len() >= 150, "{} secret rows", SECRETS.len());
    assert!(ORDINARY.len() >= 60, "{} ordinary rows", ORDINARY.len());
    let missed: Vec<String> = SECRETS
        .iter()
        .map(|(tool, source, line, secret)| (tool, source, line, secret, redact_line(line)))
        .filter(|(.., secret, out)| out.contains(**secret) || !out.contains(REDACTED))
        .map(|(tool, source, line, secret, out)| {
            format!("{tool} ({source}): {line:?} kept {secret:?}: {out:?}")
        })
        .collect();
    let ordinary_args: usize = ORDINARY
        .iter()
        .map(|(_, line)| split_line(line).len() - 1)
        .sum();
    let changed: Vec<String> = ORDINARY
        .iter()
        .map(|(tool, line)| (tool, line, redact_line(line)))
        .filter(|(_, line, out)| *out != split_line(line).join(" "))
        .map(|(tool, line, out)| format!("{tool}: {line:?} became {out:?}"))
        .collect();
    println!(
        "redaction table: {} secret shapes from {} tools, {} missed; {} ordinary command lines \
         ({ordinary_args} arguments), {} changed",
        SECRETS.len(),
        tools.len(),
        missed.len(),
        ORDINARY.len(),
        changed.len()
    );
    assert!(missed.is_empty(), "secrets kept: {missed:#?}");
    assert!(
        changed.len() * 20 <= ORDINARY.len(),
        "more than 1 in 20 ordinary command lines redacted: {changed:#?}"
    );
    assert!(
        changed.is_empty(),
        "ordinary arguments redacted: {changed:#?}"
    );
}

/// Every input kept under fuzz/regressions/redact/ (seeds and crashes once found), run through
/// the fuzz target's body on stable.
#[test]
fn fuzz_regressions_replay_without_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/redact");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        fuzz_redact(&bytes);
        count += 1;
    }
    assert!(count > 0, "no regression inputs in {}", dir.display());
}

#[test]
fn redaction_keeps_names_structure_and_quotes() {
    for (line, expected) in [
        ("app --password=x1", "app --password=***"),
        ("psql postgres://u:p@h/db", "psql postgres://u:***@h/db"),
        ("curl -u admin:pw x", "curl -u admin:*** x"),
        ("mysql -psecret", "mysql -p***"),
        ("app --token abc --port 1", "app --token *** --port 1"),
        ("smbclient -U user%pw //s/x", "smbclient -U user%*** //s/x"),
        ("lftp -u user,pw host", "lftp -u user,*** host"),
        (
            "sh -c 'mysql -p\"se cret\" db; echo done'",
            "sh -c mysql -p\"***\" db; echo done",
        ),
        (
            "curl -H 'Authorization: Bearer abc.def'",
            "curl -H Authorization: Bearer ***",
        ),
        (
            "app '{\"user\":\"u\",\"password\":\"p\\\"w\"}'",
            "app {\"user\":\"u\",\"password\":\"***\"}",
        ),
        (
            "app '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----'",
            "app -----BEGIN RSA PRIVATE KEY-----\n***\n-----END RSA PRIVATE KEY-----",
        ),
        (
            "git clone https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/o/r",
            "git clone https://***@github.com/o/r",
        ),
        (
            "curl 'https://u:p@ss@host.example.com/path'",
            "curl https://u:***@host.example.com/path",
        ),
    ] {
        assert_eq!(redact_line(line), expected, "{line}");
    }
}

#[test]
fn redacting_twice_gives_what_redacting_once_gave() {
    for (_, _, line, _) in SECRETS {
        let once = redact_line(line);
        let args: Vec<&str> = once.split(' ').collect();
        // Joined arguments that held spaces split differently; compare argument-wise instead.
        let owned = split_line(line);
        let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
        let first: Vec<String> = redact_args(&refs)
            .into_iter()
            .zip(&refs)
            .map(|(r, o)| r.unwrap_or_else(|| o.to_string()))
            .collect();
        let first_refs: Vec<&str> = first.iter().map(String::as_str).collect();
        assert!(
            redact_args(&first_refs).iter().all(Option::is_none),
            "{line:?}: a second pass changed {first:?}"
        );
        assert!(!args.is_empty());
    }
}

#[test]
fn cmdline_bytes_keep_nuls_and_untouched_arguments() {
    assert_eq!(
        redact_cmdline(b"app\0--password=x\0--port\x00080\0").as_ref(),
        b"app\0--password=***\0--port\x00080\0"
    );
    let untouched: &[u8] = b"app\0\xff\xfe\0--v\0";
    assert!(matches!(redact_cmdline(untouched), Cow::Borrowed(_)));
    assert_eq!(redact_cmdline(b"").as_ref(), b"");
    assert_eq!(
        redact_cmdline(b"app\0\xff\0--token\0abc").as_ref(),
        b"app\0\xff\0--token\0***"
    );
}

/// The start of a secret never survives a cut: the line is redacted before it is cut, and an
/// argument that goes on past what was read is replaced whole.
#[test]
fn a_cut_command_line_keeps_nothing_of_a_secret() {
    let line = b"app\0--verbose\0postgres://admin:hunter2secret@db/app\0";
    let redacted_len = b"app\0--verbose\0postgres://admin:***@db/app\0".len();
    for cap in 0..line.len() {
        let (kept, truncated) = redact_cmdline_capped(line, true, cap);
        assert!(kept.len() <= cap, "{cap}");
        assert_eq!(truncated, redacted_len > cap, "{cap}");
        let text = String::from_utf8_lossy(&kept);
        assert!(!text.contains("hunt"), "cap {cap}: {text:?}");
    }
    let (whole, truncated) = redact_cmdline_capped(line, true, 4096);
    assert_eq!(
        whole.as_ref(),
        b"app\0--verbose\0postgres://admin:***@db/app\0"
    );
    assert!(!truncated);
    // Read only up to the middle of the URL: the unfinished argument goes whole.
    let (kept, truncated) = redact_cmdline_capped(&line[..30], false, 4096);
    assert_eq!(kept.as_ref(), b"app\0--verbose\0***");
    assert!(truncated);
}

#[test]
fn mount_sources_and_options_lose_their_credentials_and_still_parse() {
    let mountinfo = "\
22 1 0:21 / /proc rw,nosuid - proc proc rw
41 22 0:35 / /mnt/ftp rw,nosuid,nodev - fuse.curlftpfs curlftpfs#ftp://ftpuser:ftpp4ss@ftp.example.com/ rw,user_id=0
42 22 0:36 / /mnt/share rw - cifs //server/share rw,vers=3.0,username=u,password=cifspw1,domain=x
43 22 0:37 / /mnt/ceph rw - ceph 10.0.0.1:6789:/ rw,name=admin,secret=AQBzcGVjaWFsY2VwaGtleQ==
44 22 0:38 / /mnt/creds rw - cifs //server/other rw,credentials=/etc/cifs-creds
45 22 0:39 / /mnt/last rw - cifs //server/last rw,username=u,password=lastpw9
46 22 0:40 / /mnt/next rw - tmpfs tmpfs rw
";
    let out = redact_mountinfo(mountinfo.as_bytes(), true);
    let out = String::from_utf8_lossy(&out);
    for secret in ["ftpp4ss", "cifspw1", "AQBzcGVjaWFsY2VwaGtleQ==", "lastpw9"] {
        assert!(!out.contains(secret), "{secret} in {out}");
    }
    assert!(out.contains("curlftpfs#ftp://ftpuser:***@ftp.example.com/"));
    assert!(out.contains("credentials=/etc/cifs-creds"), "{out}");
    // A value at the end of its line does not take the line's end with it.
    assert_eq!(out.lines().count(), 7);
    assert!(out.contains("password=***\n46 "), "{out}");
    for (line, original) in out.lines().zip(mountinfo.lines()) {
        assert_eq!(
            line.split(' ').count(),
            original.split(' ').count(),
            "fields moved: {line}"
        );
    }
    // Nothing to redact: the same bytes, not a copy.
    let plain = b"22 1 0:21 / /proc rw - proc proc rw\n";
    assert!(matches!(redact_mountinfo(plain, true), Cow::Borrowed(_)));
    // A cut file: the unterminated last line goes.
    let cut = &mountinfo.as_bytes()[..mountinfo.find("ftpp4").unwrap() + 3];
    let out = redact_mountinfo(cut, false);
    assert_eq!(
        out.as_ref(),
        b"22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
    );
}

#[test]
fn generated_arguments_never_panic_and_report_only_real_changes() {
    const PIECES: &[&str] = &[
        "-",
        "--",
        "=",
        ":",
        "@",
        "/",
        "?",
        "&",
        ";",
        ",",
        " ",
        "'",
        "\"",
        "\\",
        "://",
        "password",
        "token",
        "key",
        "Bearer ",
        "authorization:",
        "AKIA",
        "AIza",
        "eyJ",
        "-----BEGIN",
        "PRIVATE KEY",
        "-----END",
        "é",
        "ß",
        "\u{202e}",
        "x",
        "0",
        "ghp_",
        "mysql",
        "sh",
        "-c",
        "-p",
        "-u",
        "***",
        "{",
        "}",
        "%",
        "set",
        "htpasswd",
        "-b",
        "login",
        "vault",
    ];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..10_000 {
        let count = (next() % 6 + 1) as usize;
        let args: Vec<String> = (0..count)
            .map(|_| {
                let parts = next() % 8;
                (0..parts)
                    .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                    .collect()
            })
            .collect();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = redact_args(&refs);
        assert_eq!(out.len(), refs.len());
        for (replacement, original) in out.iter().zip(&refs) {
            if let Some(replacement) = replacement {
                assert_ne!(replacement, original, "a replacement must change something");
            }
        }
        let raw = args.join("\0");
        fuzz_redact(raw.as_bytes());
        let _ = redact_mountinfo(args.join(" ").as_bytes(), next() % 2 == 0);
    }
}

/// Inputs built to make a rule rescan the rest of the text at every step (a token prefix
/// repeated, URLs nested without end, `@` after `@`, quotes, program names over and over)
/// finish: each rule is linear in the text. No timing is asserted; a quadratic rule would
/// take hours here, not a fraction of a second.
#[test]
fn hostile_repetitions_are_read_in_linear_time() {
    for unit in [
        "sk-",
        "a://@",
        "@",
        "://",
        "'\"",
        "vault ",
        "htpasswd -b ",
        "password=\"",
        "xoxb-a",
        "-----BEGIN ",
        "a=b&",
        "mysql -p",
    ] {
        let long = unit.repeat(200_000 / unit.len());
        let out = redact_args(&["sh", "-c", &long]);
        assert_eq!(out.len(), 3, "{unit}");
        let _ = redact_cmdline(long.replace(' ', "\0").as_bytes());
    }
}

#[test]
fn hostile_inputs_do_not_panic() {
    for line in [
        "=",
        "a ==",
        "a ://@:",
        "a Bearer ",
        "a authorization:",
        "a -----BEGIN",
        "a AKIA",
        "a é=ü&ß=password=x",
        "a ?=&=;=",
        "a \"password\":\"",
        "sh -c '\\",
        "htpasswd -b",
        "mc alias set",
        "vault login",
        "sqlplus /",
    ] {
        let _ = redact_line(line);
    }
}
