//! Redaction of what could carry a secret off the node: command lines and mount sources. Values
//! that are secrets become `***` (`nodesnap_format::REDACTED`); everything else keeps its exact
//! bytes. Pure functions over the text; no IO.
//!
//! A command line is read the way its programs read it:
//! - every argument is searched for what is a secret wherever it appears (`text`): `NAME=value`
//!   and `"name": "value"` pairs judged by the meaning of the name (`names`), URL credentials,
//!   `Authorization:` headers, PEM private keys, tokens with a known prefix or structure;
//! - flags are judged by the meaning of their name with word boundaries (`--api-key X` goes,
//!   `--routing-key X` and `sort --key=2` stay), `-name X` included;
//! - program rules (short flags such as `mysql -pX`, `sqlcmd -P X`, `smbclient -U user%X`, and
//!   positional passwords such as `htpasswd -b file user X`) apply from wherever the program's
//!   name starts a command, so they see past wrappers (`sudo`, `timeout 5`, `env A=b`, `nice`);
//! - an argument holding a command line (`sh -c "…"`, `ssh host '…'`) is split into words as a
//!   shell would and read the same way, and the secrets found are replaced in place;
//! - a PEM key split over several arguments loses every argument of its body.
//!
//! Rules overlap, so the result is redacted again until nothing changes: redacting twice gives
//! what redacting once gave. A command line cut at the per-file cap is redacted first, then cut.

mod names;
mod shell;
mod text;

use names::{meaning, Meaning};
use nodesnap_format::REDACTED;
use std::borrow::Cow;
use text::{mark_trimmed, Span};

/// How many times the rules are applied to their own output before an argument that keeps
/// changing is redacted whole (see `redact_args`).
const PRECISE_PASSES: usize = 8;

/// How many arguments after a program's name its positional rules look at.
const MAX_OPERANDS: usize = 32;

/// How deep arguments holding command lines are read (`sh -c "bash -c '…'"`).
const MAX_SHELL_DEPTH: u8 = 3;

/// Redacts a raw NUL-separated command line as read from /proc/<pid>/cmdline; arguments that
/// are not touched keep their exact bytes, including invalid UTF-8 and the trailing NUL.
pub fn redact_cmdline(raw: &[u8]) -> Cow<'_, [u8]> {
    if raw.is_empty() {
        return Cow::Borrowed(raw);
    }
    let body = raw.strip_suffix(b"\0").unwrap_or(raw);
    let args: Vec<&[u8]> = body.split(|&b| b == 0).collect();
    let texts: Vec<Cow<'_, str>> = args.iter().map(|a| String::from_utf8_lossy(a)).collect();
    let refs: Vec<&str> = texts.iter().map(|t| t.as_ref()).collect();
    let redacted = redact_args(&refs);
    if redacted.iter().all(Option::is_none) {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    for (index, (original, replacement)) in args.iter().zip(&redacted).enumerate() {
        if index > 0 {
            out.push(0);
        }
        match replacement {
            Some(text) => out.extend_from_slice(text.as_bytes()),
            None => out.extend_from_slice(original),
        }
    }
    if body.len() != raw.len() {
        out.push(0);
    }
    Cow::Owned(out)
}

/// Redacts a command line of which `read` holds the first bytes (all of it when `complete`),
/// then cuts the result to `cap` bytes: a secret whose end fell past the cap is still
/// recognised (read more than the cap), and an argument that goes on past what was read is
/// replaced whole. Returns the bytes to keep and whether they are not the whole command line.
pub fn redact_cmdline_capped(read: &[u8], complete: bool, cap: usize) -> (Cow<'_, [u8]>, bool) {
    let mut text = redact_cmdline(read);
    if !complete {
        let last_start = text.iter().rposition(|&b| b == 0).map_or(0, |i| i + 1);
        if last_start < text.len() && &text[last_start..] != REDACTED.as_bytes() {
            let mut owned = text.into_owned();
            owned.truncate(last_start);
            owned.extend_from_slice(REDACTED.as_bytes());
            text = Cow::Owned(owned);
        }
    }
    if text.len() > cap {
        let mut owned = text.into_owned();
        owned.truncate(cap);
        return (Cow::Owned(owned), true);
    }
    (text, !complete)
}

/// For each argument, `Some(replacement)` where something was redacted, `None` where it stays.
pub fn redact_args(args: &[&str]) -> Vec<Option<String>> {
    let mut out = redact_once(args);
    if out.iter().all(Option::is_none) {
        return out;
    }
    // Rules overlap (`-u` and `name=value` both match `-ux_key=y:z`): apply them to their own
    // output until it settles. A redaction can change how the rest of an argument reads (a
    // quote or a line end taken into a marker), so on hostile input each pass may find more;
    // after PRECISE_PASSES an argument still changing becomes `***` whole, and if that does
    // not settle either, every argument does: redacting twice always gives what once gave.
    for pass in 0..2 * PRECISE_PASSES {
        let current: Vec<&str> = out
            .iter()
            .zip(args)
            .map(|(replacement, original)| replacement.as_deref().unwrap_or(original))
            .collect();
        let again = redact_once(&current);
        if again.iter().all(Option::is_none) {
            break;
        }
        let next: Vec<Option<String>> = again
            .into_iter()
            .zip(&current)
            .map(
                |(replacement, shown)| match (replacement, pass < PRECISE_PASSES) {
                    (Some(replacement), true) => Some(replacement),
                    (Some(_), false) => Some(REDACTED.to_string()),
                    (None, _) => Some(shown.to_string()),
                },
            )
            .collect();
        out = next;
        if pass + 1 == 2 * PRECISE_PASSES {
            out = args.iter().map(|_| Some(REDACTED.to_string())).collect();
        }
    }
    // An argument already shaped like a redacted one (`-p***`) is not a change.
    for (replacement, original) in out.iter_mut().zip(args) {
        if replacement.as_deref() == Some(*original) {
            *replacement = None;
        }
    }
    out
}

fn redact_once(args: &[&str]) -> Vec<Option<String>> {
    let mut spans: Vec<Vec<Span>> = args.iter().map(|_| Vec::new()).collect();
    scan_args(args, &mut spans, 0, None);
    args.iter()
        .zip(spans.iter_mut())
        .map(|(arg, spans)| apply(arg, spans))
        .collect()
}

/// `text` with each span replaced by the marker (overlapping and touching spans as one), or
/// `None` when that changes nothing. Spans are marked in a byte map rather than sorted: linear
/// in the text whatever their number (rules never overlap their own spans), and a general sort
/// costs kilobytes of the static binary.
fn apply(text: &str, spans: &mut [Span]) -> Option<String> {
    if spans.is_empty() {
        return None;
    }
    let mut marked = vec![false; text.len()];
    for &(start, end) in spans.iter() {
        marked[start..end].fill(true);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        let run = marked[at..]
            .iter()
            .take_while(|&&m| m == marked[at])
            .count();
        match marked[at] {
            true => out.push_str(REDACTED),
            false => out.push_str(&text[at..at + run]),
        }
        at += run;
    }
    (out != text).then_some(out)
}

/// Marks the secrets of one command's arguments: `spans[i]` gets those of `args[i]`.
/// `program`: the rules in effect before a program's name is seen (those of the program whose
/// argument holds these words: `lftp -c "open -u user,X host"`).
fn scan_args(args: &[&str], spans: &mut [Vec<Span>], depth: u8, mut program: Option<Program>) {
    let registry_login = args.contains(&"login");
    // A PEM private key split over arguments: its header is being read (`-----BEGIN` `RSA`
    // `PRIVATE` `KEY-----`), or its body, whose arguments are redacted until `-----END`.
    let (mut pem_header, mut pem_body) = (false, false);
    // Arguments before this index are the values of a flag: still searched, never flags.
    let mut values_until = 0;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i];
        let close = if pem_header {
            text::find_at(arg, 0, "-----")
        } else {
            None
        };
        if pem_body || close.is_some() {
            let from = close.map_or(0, |c| c + 5);
            let end = text::find_at(arg, from, "-----END");
            mark_trimmed(arg, &mut spans[i], from, end.unwrap_or(arg.len()));
            (pem_header, pem_body) = (false, end.is_none());
            i += 1;
            continue;
        }
        pem_body = text::scan(arg, true, &mut spans[i]);
        pem_header = pem_header || (!pem_body && pem_header_split(args, i));
        if depth < MAX_SHELL_DEPTH && arg.contains(|c: char| c.is_ascii_whitespace()) {
            scan_shell(arg, &mut spans[i], depth + 1, program);
        }
        if i < values_until {
            i += 1;
            continue;
        }
        let active = program.filter(|p| part(p, 3).is_empty() || registry_login);
        if !arg.starts_with('-') || arg == "-" {
            if let Some(found) = program_at(args, i) {
                program = Some(found);
                positional(part(found, 2), args, i, spans);
            } else if let Some(found) = active {
                // `xfreerdp /p:X`: flags that do not start with a dash.
                program_flag(found, args, i, spans);
            }
            if arg.eq_ignore_ascii_case("set") {
                set_value(args, i, spans);
            }
            if arg.eq_ignore_ascii_case("bearer") {
                // `-H Authorization: Bearer TOKEN` split over arguments.
                if let Some(next) = args.get(i + 1).filter(|n| !is_flag(n)) {
                    mark_value(spans, i + 1, 0, text::judge(Meaning::Secret, next));
                }
            }
            i += 1;
            continue;
        }
        // Both readings: `mysql -password X` is `-p` with `assword` to mysql, and a secret
        // flag with its value `X` to a reader who does not know mysql.
        let by_program = active.and_then(|found| program_flag(found, args, i, spans));
        let taken = by_program.unwrap_or(0).max(flag(args, i, spans));
        i += 1;
        values_until = i + taken;
    }
}

/// Whether `args[index]` starts a PEM private key's header that goes on in the next arguments
/// (`-----BEGIN` `RSA` `PRIVATE` `KEY-----`): the body after it is redacted.
fn pem_header_split(args: &[&str], index: usize) -> bool {
    let arg = args[index];
    match text::find_at(arg, 0, "-----BEGIN") {
        Some(begin) if text::find_at(arg, begin + 10, "-----").is_none() => args[index..]
            .iter()
            .take(4)
            .any(|a| text::find_at(a, 0, "PRIVATE").is_some()),
        _ => false,
    }
}

/// Reads an argument holding a command line as a shell would and marks the secrets of its
/// words in place.
fn scan_shell(arg: &str, spans: &mut Vec<Span>, depth: u8, program: Option<Program>) {
    let (commands, quotes) = shell::commands(arg);
    for words in commands {
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        let mut word_spans: Vec<Vec<Span>> = words.iter().map(|_| Vec::new()).collect();
        scan_args(&texts, &mut word_spans, depth, program);
        for (word, found) in words.iter().zip(word_spans) {
            for span in found {
                shell::map_span(word, span, &quotes, spans);
            }
        }
    }
}

/// Program rules, one string each: `NAMES|FLAGS|POSITIONAL|login`.
/// - NAMES: space-separated; a final `*` matches any ending (`mysql*`: mysqldump, …).
/// - FLAGS: space-separated pairs `FLAG STYLE`: `A` value attached only (`mysql -pX`), `S` next
///   argument only (`openssl -k X`, where `-key` is another flag), `B` either, `%`, `,` or `:`
///   `user<sep>password` (either).
/// - POSITIONAL: `htpasswd` (`-b[c] file user PASSWORD`, `-nb user PASSWORD`), `oracle`
///   (`user/PASSWORD@db`, `userid=user/PASSWORD`), or `WORDS #NC`: after one of WORDS, the
///   N-th operand (`L`: the last) and the C-1 after it (C is 1 when left out):
///   `rabbitmqctl add_user USER PASSWORD`, `redis-cli AUTH [user] PASSWORD`.
/// - `login`: the flags apply only to `… login` (`docker login -p X`; `-p` elsewhere publishes
///   ports).
///
/// Sources: each tool's manual page or reference (the table test in `table.rs` names them).
/// Strings rather than structs: the static collector has a size budget.
type Program = &'static str;

const PROGRAMS: &[Program] = &[
    "mysql* mariadb*|-p A",
    "mongo mongosh mongo*|-p B",
    "ldappasswd|-w B -s B -a B",
    "ldap*|-w B",
    "ipmitool|-P B -k B -y B",
    "ipmi-* ipmipower ipmiconsole bmc-*|-p B",
    "sqlcmd bcp osql isql tsql|-P B",
    "wbinfo|-a % -U %",
    "smbclient rpcclient smbcacls smbcquotas smbget smbtar net samba-tool|-U %",
    "lftp|-u ,",
    "zip unzip zipcloak funzip|-P B",
    "7z 7za 7zr 7zz|-p A",
    "openssl|-k S -K S|passwd #L",
    "grafana-cli||reset-admin-password #L",
    "twine|-p B",
    "az|-p B||login",
    "sshpass|-p B",
    "redis-cli keydb-cli valkey-cli|-a B|auth AUTH #02",
    "docker podman nerdctl buildah skopeo helm oras crane regctl|-p B||login",
    "useradd usermod|-p B",
    "mosquitto_pub mosquitto_sub mosquitto_rr|-P B",
    "rdesktop ncftp ncftpget ncftpput ncftpls|-p B",
    "xfreerdp xfreerdp3 wlfreerdp sdl-freerdp sdl-freerdp3|/p: A",
    "snmp*|-A B -X B -c B",
    "http https hey ab|-a : -A :",
    "htpasswd||htpasswd",
    "rabbitmqctl||add_user change_password authenticate_user #1",
    "vault||login unseal #0",
    "mc mcli||set add #3",
    "sqlplus rman sqlldr exp imp expdp impdp dgmgrl||oracle",
];

/// Part `index` of a program's rule string (0: names, 1: flags, 2: positional, 3: `login`).
fn part(program: Program, index: usize) -> &'static str {
    program.split('|').nth(index).unwrap_or_default()
}

/// For each program of `PROGRAMS`, the first bytes of its names, one bit each (by the byte's
/// low six bits): an operand is compared only with the programs whose names can start like it.
const fn program_first_bytes() -> [u64; PROGRAMS.len()] {
    let mut masks = [0u64; PROGRAMS.len()];
    let mut index = 0;
    while index < PROGRAMS.len() {
        let bytes = PROGRAMS[index].as_bytes();
        let mut i = 0;
        while i < bytes.len() && bytes[i] != b'|' {
            if bytes[i] != b' ' && (i == 0 || bytes[i - 1] == b' ') {
                masks[index] |= 1 << (bytes[i] & 63);
            }
            i += 1;
        }
        index += 1;
    }
    masks
}

const PROGRAM_FIRST_BYTES: [u64; PROGRAMS.len()] = program_first_bytes();

/// Whether `program` is one of `names` (space-separated; a final `*` matches any ending).
/// Entries are compared only when their first byte matches: this runs for every operand.
fn names_match(names: &str, program: &str) -> bool {
    let (list, program) = (names.as_bytes(), program.as_bytes());
    let Some(&first) = program.first() else {
        return false;
    };
    let mut start = 0;
    for end in 0..=list.len() {
        if end < list.len() && list[end] != b' ' {
            continue;
        }
        let entry = &list[start..end];
        start = end + 1;
        if entry.first() != Some(&first) {
            continue;
        }
        let found = match entry.strip_suffix(b"*") {
            Some(prefix) => program.starts_with(prefix),
            None => entry == program,
        };
        if found {
            return true;
        }
    }
    false
}

/// Whether the argument before `index` is a flag that may take it as its value.
fn after_bare_flag(args: &[&str], index: usize) -> bool {
    index > 0 && {
        let before = args[index - 1];
        before.starts_with('-')
            && before != "-"
            && before != "--"
            && !before.contains('=')
            && (before.starts_with("--") || before.len() == 2)
    }
}

/// The program whose rules start at `args[index]`: its name starts a command there (the first
/// argument, or one not given as a flag's value: `sudo mysql`, `timeout 5 mysql`, `-- mysql`).
fn program_at(args: &[&str], index: usize) -> Option<Program> {
    if after_bare_flag(args, index) {
        return None;
    }
    let name = args[index].rsplit('/').next().unwrap_or_default();
    let first = *name.as_bytes().first()?;
    PROGRAMS
        .iter()
        .zip(PROGRAM_FIRST_BYTES)
        .find(|(p, mask)| mask & (1 << (first & 63)) != 0 && names_match(part(p, 0), name))
        .map(|(p, _)| *p)
}

/// Marks `value[start..]` in argument `index`.
fn mark_value(spans: &mut [Vec<Span>], index: usize, offset: usize, found: Option<Span>) {
    if let Some((start, end)) = found {
        spans[index].push((offset + start, offset + end));
    }
}

/// Judges a program flag's value by its style.
fn judge_style(style: u8, value: &str) -> Option<Span> {
    match style {
        b'%' | b',' | b':' => {
            let sep = value.find(char::from(style))?;
            let secret = &value[sep + 1..];
            (!text::is_harmless(secret)).then_some((sep + 1, value.len()))
        }
        _ => text::judge(Meaning::Secret, value),
    }
}

/// Whether an argument is a flag rather than a value.
fn is_flag(arg: &str) -> bool {
    arg.len() > 1 && arg.starts_with('-')
}

/// Handles `args[index]` if it is one of `program`'s flags; returns how many following
/// arguments it took as its value.
fn program_flag(
    program: Program,
    args: &[&str],
    index: usize,
    spans: &mut [Vec<Span>],
) -> Option<usize> {
    let arg = args[index];
    let next = args.get(index + 1).filter(|next| !is_flag(next));
    let mut pairs = names::entries(part(program, 1));
    while let (Some(name), Some(style)) = (pairs.next(), pairs.next()) {
        let name = std::str::from_utf8(name).unwrap_or_default();
        let style = style[0];
        if arg == name && style != b'A' {
            return Some(match next {
                Some(value) => {
                    mark_value(spans, index + 1, 0, judge_style(style, value));
                    1
                }
                None => 0,
            });
        }
        if let Some(value) = arg
            .strip_prefix(name)
            .filter(|v| !v.is_empty() && style != b'S')
        {
            mark_value(spans, index, name.len(), judge_style(style, value));
            return Some(0);
        }
    }
    None
}

/// Handles the flag `args[index]` by its name; returns how many following arguments it took
/// as its value.
fn flag(args: &[&str], index: usize, spans: &mut [Vec<Span>]) -> usize {
    let arg = args[index];
    let next = args.get(index + 1).filter(|next| !is_flag(next));
    if arg.starts_with("--") && arg.contains('=') {
        return 0;
    }
    // `-u user:pass` (curl, etcdctl and most tools with a `-u`), attached or not.
    if let Some(rest) = arg.strip_prefix("-u").or_else(|| arg.strip_prefix("-U")) {
        if rest.is_empty() {
            if let Some(value) = next {
                mark_value(spans, index + 1, 0, text::judge(Meaning::UserPass, value));
                return 1;
            }
        } else if !arg.starts_with("--") {
            mark_value(spans, index, 2, text::judge(Meaning::UserPass, rest));
        }
        return 0;
    }
    let name = arg.trim_start_matches('-');
    // `-password X`, `-storepass X`; not `-pSecret` (a short flag with its value attached).
    let long = arg.starts_with("--")
        || (name.len() >= 4
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_'));
    if !long || arg.contains('=') {
        return 0;
    }
    let kind = meaning(name);
    match next {
        Some(value) if kind != Meaning::Plain => {
            mark_value(spans, index + 1, 0, text::judge(kind, value));
            1
        }
        _ => 0,
    }
}

/// `… set NAME VALUE` where NAME names a secret: `redis-cli CONFIG SET requirepass X`, `aws
/// configure set aws_secret_access_key X`, `kubectl config set users.x.token X`.
fn set_value(args: &[&str], index: usize, spans: &mut [Vec<Span>]) {
    let (Some(name), Some(value)) = (args.get(index + 1), args.get(index + 2)) else {
        return;
    };
    let kind = meaning(name);
    if !is_flag(name) && !matches!(kind, Meaning::Plain | Meaning::UserPass) {
        mark_value(spans, index + 2, 0, text::judge(kind, value));
    }
}

/// The arguments after `from` that are not flags, with their indexes.
fn operands<'a>(args: &'a [&'a str], from: usize) -> impl Iterator<Item = (usize, &'a str)> + 'a {
    args.iter()
        .enumerate()
        .skip(from)
        .filter(|(_, a)| !is_flag(a))
        .map(|(i, a)| (i, *a))
}

/// Marks the positional secrets of the program whose name is `args[at]`, per the POSITIONAL
/// part of its rule (see `PROGRAMS`).
fn positional(rule: &str, args: &[&str], at: usize, spans: &mut [Vec<Span>]) {
    // A program's operands are near its name: looking no further than this keeps a command
    // line made of thousands of program names linear.
    let args = &args[..args.len().min(at + 1 + MAX_OPERANDS)];
    let (trigger, code) = match rule {
        "" => return,
        "oracle" => {
            // `user/PASSWORD@db`, `userid=user/PASSWORD`: between the first `/` and the `@`.
            if let Some((index, value)) = operands(args, at + 1).find(|(_, a)| a.contains('/')) {
                let from = value.find('/').unwrap_or_default() + 1;
                let end = value[from..].find('@').map_or(value.len(), |e| from + e);
                if from > 1 && !text::is_harmless(&value[from..end]) {
                    spans[index].push((from, end));
                }
            }
            return;
        }
        "htpasswd" => {
            // `-b` in a cluster of letters; with `n` there is no file operand.
            let Some(cluster) = args[at + 1..].iter().find(|a| {
                a.len() > 1
                    && a.starts_with('-')
                    && a[1..].bytes().all(|b| b.is_ascii_alphabetic())
                    && a.contains('b')
            }) else {
                return;
            };
            (at, if cluster.contains('n') { "1" } else { "2" })
        }
        _ => {
            let (words, code) = rule.rsplit_once(" #").unwrap_or((rule, "0"));
            match (at + 1..args.len()).find(|&i| names::in_list(words, args[i])) {
                Some(trigger) => (trigger, code),
                None => return,
            }
        }
    };
    let code = code.as_bytes();
    let found: Vec<usize> = operands(args, trigger + 1).map(|(i, _)| i).collect();
    let first = match code.first() {
        Some(b'L') => found.len().saturating_sub(1),
        Some(digit) => usize::from(digit.wrapping_sub(b'0')),
        None => 0,
    };
    let count = code
        .get(1)
        .map_or(1, |digit| usize::from(digit.wrapping_sub(b'0')));
    for &index in found.iter().skip(first).take(count) {
        if !text::is_harmless(args[index]) {
            spans[index].push((0, args[index].len()));
        }
    }
}

/// Redacts the credentials a mount can carry in /proc/<pid>/mountinfo: in the mount source
/// (`ftp://user:PASS@host`, a token as a URL's user) and in the mount and filesystem options
/// (`password=`, `secret=`). Fields keep their place and hold no space, so the file still
/// parses. When `complete` is false the file was cut: its last line, if unterminated, is
/// dropped rather than shipped half-read (its secret's end may be past the cut).
pub fn redact_mountinfo(data: &[u8], complete: bool) -> Cow<'_, [u8]> {
    let kept = if complete {
        data
    } else {
        &data[..data.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)]
    };
    let mut out: Option<Vec<u8>> = None;
    let mut at = 0;
    for line in kept.split_inclusive(|&b| b == b'\n') {
        let start = at;
        at += line.len();
        // The line's end stays out of reach: a value running to it must not take it (found by
        // fuzzing: `-u=a:b` then a newline became `-u=a:***` joined to the next line).
        let (body, end) = line.split_at(line.len() - usize::from(line.ends_with(b"\n")));
        // Fields are separated by single spaces (the kernel writes a space in a path as
        // `\040`) and read as a command line's arguments are, each on its own.
        // (A line already holding a NUL, which the kernel never writes, is read as it is.)
        let spaces = !body.contains(&0);
        let swap = |from: u8, to: u8| move |&b: &u8| if b == from && spaces { to } else { b };
        let fields: Vec<u8> = body.iter().map(swap(b' ', 0)).collect();
        match redact_cmdline(&fields) {
            Cow::Owned(changed) => {
                let out = out.get_or_insert_with(|| kept[..start].to_vec());
                out.extend(changed.iter().map(swap(0, b' ')));
                out.extend_from_slice(end);
            }
            Cow::Borrowed(_) => {
                if let Some(out) = out.as_mut() {
                    out.extend_from_slice(line);
                }
            }
        }
    }
    match out {
        Some(out) => Cow::Owned(out),
        None => Cow::Borrowed(kept),
    }
}

/// Secrets planted among fuzzed arguments, one per family, each with the secret it carries;
/// whatever surrounds them, the secret must not survive.
const PLANTED: &[(&[&str], &str)] = &[
    (&["--password=Zq8vPlantedPw"], "Zq8vPlantedPw"),
    (&["--token", "Zq8vPlantedTok"], "Zq8vPlantedTok"),
    (&["-password", "Zq8vPlantedDash"], "Zq8vPlantedDash"),
    (&["postgres://app:Zq8v/Pl#nted@db:5432/app"], "Zq8v/Pl#nted"),
    (
        &["https://Zq8vPlantedUserToken1@github.com/o/r"],
        "Zq8vPlantedUserToken1",
    ),
    (
        &["-H", "Authorization: Bearer Zq8vPlantedBearer"],
        "Zq8vPlantedBearer",
    ),
    (&["-H", "x-access-token: Zq8vPlantedHdr"], "Zq8vPlantedHdr"),
    (&["-u", "admin:Zq8vPlantedUser"], "Zq8vPlantedUser"),
    (&["AWS_SECRET_ACCESS_KEY=Zq8vPlantedAws"], "Zq8vPlantedAws"),
    (&["AKIAZQ8VPLANTED12345"], "AKIAZQ8VPLANTED12345"),
    (&["--set=auth.password=Zq8vPlantedSet"], "Zq8vPlantedSet"),
    (
        &["--from-literal=password=Zq8vPlantedLit"],
        "Zq8vPlantedLit",
    ),
    (
        &["sh", "-c", "mysql -uroot -pZq8vPlantedSh db"],
        "Zq8vPlantedSh",
    ),
    (
        &["-d", "{\"password\": \"Zq8vPlantedJson\"}"],
        "Zq8vPlantedJson",
    ),
    (
        &["sudo", "sshpass", "-p", "Zq8vPlantedSsh", "ssh"],
        "Zq8vPlantedSsh",
    ),
    (
        &["timeout", "5", "mysql", "-pZq8vPlantedMy"],
        "Zq8vPlantedMy",
    ),
    (
        &["--", "smbclient", "-U", "user%Zq8vPlantedSmb"],
        "Zq8vPlantedSmb",
    ),
    (
        &["DefaultEndpointsProtocol=https;AccountKey=Zq8vPlantedAz==;EndpointSuffix=x"],
        "Zq8vPlantedAz",
    ),
    (
        &["ghp_Zq8vPlantedGithubToken0123456789abcd"],
        "Zq8vPlantedGithubToken",
    ),
    (&["xapp-1-Zq8vPlantedSlack-123-abc"], "Zq8vPlantedSlack"),
    (
        &["sk-proj-Zq8vPlantedOpenAi0123456789"],
        "Zq8vPlantedOpenAi",
    ),
    (
        &[
            "-----BEGIN",
            "PRIVATE",
            "KEY-----",
            "Zq8vPlantedPem",
            "-----END",
        ],
        "Zq8vPlantedPem",
    ),
    (
        &[
            "--",
            "htpasswd",
            "-b",
            "/etc/htpw",
            "admin",
            "Zq8vPlantedHt",
        ],
        "Zq8vPlantedHt",
    ),
];

/// Checks the redactor's promises on one input; the fuzz target's body and the replay of its
/// regression inputs on stable:
/// - no panic;
/// - the output is never longer than the input (invalid UTF-8 counted as its U+FFFD
///   replacement inside changed arguments) by more than the markers it added;
/// - redacting twice gives what redacting once gave;
/// - a command line cut at a cap keeps nothing the uncut redaction removed;
/// - read as mountinfo, the input is redacted the same way, once for all;
/// - a known secret planted at a position chosen by the input never survives.
#[doc(hidden)]
pub fn fuzz_redact(bytes: &[u8]) {
    let once = redact_cmdline(bytes);
    let lossy_len = String::from_utf8_lossy(bytes).len();
    let markers = count_markers(&once);
    assert!(
        once.len() <= lossy_len.max(bytes.len()) + markers * REDACTED.len(),
        "redaction grew {} bytes to {} with {markers} markers",
        bytes.len(),
        once.len()
    );
    let twice = redact_cmdline(&once);
    assert_eq!(
        String::from_utf8_lossy(&twice),
        String::from_utf8_lossy(&once),
        "redacting twice differs from once"
    );
    assert_eq!(bytes.is_empty(), once.is_empty());
    // The same promises for the input read as mountinfo; a cut file loses only its last line.
    let mounts = redact_mountinfo(bytes, true);
    assert_eq!(
        redact_mountinfo(&mounts, true),
        mounts,
        "mountinfo: twice differs from once"
    );
    let cut = redact_mountinfo(bytes, false);
    assert!(cut.len() <= mounts.len(), "a cut mountinfo grew");

    // Planted secrets: the first byte picks the form and the position among the arguments.
    let Some((&choice, rest)) = bytes.split_first() else {
        return;
    };
    let (planted, secret) = PLANTED[usize::from(choice) % PLANTED.len()];
    let text = String::from_utf8_lossy(rest);
    if text.contains(secret) {
        return;
    }
    let mut args: Vec<&str> = text.split('\0').collect();
    let at = 1 + usize::from(choice / 8) % args.len();
    for (offset, arg) in planted.iter().enumerate() {
        args.insert((at + offset).min(args.len()), arg);
    }
    let redacted = redact_args(&args);
    let shown: Vec<&str> = redacted
        .iter()
        .zip(&args)
        .map(|(replacement, original)| replacement.as_deref().unwrap_or(original))
        .collect();
    assert!(
        !shown.iter().any(|arg| arg.contains(secret)),
        "planted secret survived in {args:?}: {shown:?}"
    );
    // Cut anywhere in the planted secret, read a little past it: nothing of it is kept.
    let joined = args.join("\0");
    let cap = joined.find(secret).unwrap_or(0) + usize::from(choice) % secret.len().max(1);
    let (cut, _) = redact_cmdline_capped(joined.as_bytes(), true, cap);
    let first = &secret[..secret.len().min(6)];
    if !text.contains(first) {
        assert!(
            !String::from_utf8_lossy(&cut).contains(first),
            "the start of a planted secret survived a cut at {cap}: {:?}",
            String::from_utf8_lossy(&cut)
        );
    }
}

fn count_markers(bytes: &[u8]) -> usize {
    bytes
        .windows(REDACTED.len())
        .filter(|w| *w == REDACTED.as_bytes())
        .count()
}

#[cfg(test)]
mod table;
#[cfg(test)]
mod tests;
