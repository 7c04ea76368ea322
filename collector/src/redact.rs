//! Redaction of command lines: values that look like secrets become `***`
//! (`nodesnap_format::REDACTED`). Pure functions over the arguments; no IO.
//!
//! Rules, applied to each argument:
//! - `--name=value`, `-Dname=value`, `NAME=value` and `--name value` where the name's last word is
//!   a secret word (password, passwd, pass, pwd, secret, token, key, credential(s), auth, ...),
//!   unless the value is a harmless word (`true`, `false`, `0`, ...). Names ending in a word such
//!   as `file`, `path`, `ttl` or `mode` are not secrets: `--password-file=/x` stays.
//! - `user:password@` in URLs, `-u user:pass` and `--user user:pass` (curl, etcdctl).
//! - `Authorization:`-style headers, `Bearer <token>`.
//! - `key=value` pairs inside one argument (DSNs, query strings, ODBC strings).
//! - program specifics: `mysql -pPASS`, `redis-cli -a PASS`, `sshpass -p PASS`.
//! - strings shaped like credentials: AWS access key ids (AKIA/ASIA...), 40-character AWS secret
//!   keys, Google API keys (AIza...), GitHub/GitLab/Slack tokens, JWTs, PEM private keys.

use nodesnap_format::REDACTED;
use std::borrow::Cow;

/// Redacts a raw NUL-separated command line as read from /proc/<pid>/cmdline; arguments that
/// are not touched keep their exact bytes, including invalid UTF-8 and the trailing NUL.
pub fn redact_cmdline(raw: &[u8]) -> Cow<'_, [u8]> {
    if raw.is_empty() {
        return Cow::Borrowed(raw);
    }
    let body = raw.strip_suffix(b"\0").unwrap_or(raw);
    let trailing_nul = body.len() != raw.len();
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
    if trailing_nul {
        out.push(0);
    }
    Cow::Owned(out)
}

/// What the argument after a flag is.
#[derive(Clone, Copy, PartialEq)]
enum NextValue {
    Secret,
    /// A `--…-key` value: a secret, unless it is an absolute path (`--kubelet-client-key /x`).
    KeyOrFile,
    UserPassword,
    /// openssl's `-passin pass:SECRET` (other sources such as `env:VAR` or `file:/x` stay).
    OpensslPass,
}

/// For each argument, `Some(replacement)` where something was redacted, `None` where it stays.
pub fn redact_args(args: &[&str]) -> Vec<Option<String>> {
    let program = args
        .first()
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_ascii_lowercase())
        .unwrap_or_default();
    // `docker login -p PASS`, where `-p` elsewhere publishes ports.
    let registry_login = matches!(
        program.as_str(),
        "docker" | "podman" | "nerdctl" | "buildah" | "skopeo" | "helm" | "oras"
    ) && args.contains(&"login");
    let mut out = Vec::with_capacity(args.len());
    let mut next: Option<NextValue> = None;
    for (index, arg) in args.iter().enumerate() {
        if let Some(kind) = next.take() {
            // A flag that itself takes a value is that flag, not the value the one before
            // lacked (`curl -u -u admin:pw`): fuzzing found the second value kept.
            let is_flag_with_value =
                arg.starts_with('-') && value_kind_after(&program, registry_login, arg).is_some();
            if !arg.starts_with("--") && !is_flag_with_value {
                let replaced = match kind {
                    NextValue::Secret if !is_harmless_value(arg) => Some(REDACTED.to_string()),
                    NextValue::Secret => None,
                    NextValue::KeyOrFile if !is_harmless_value(arg) && !is_absolute_path(arg) => {
                        Some(REDACTED.to_string())
                    }
                    NextValue::KeyOrFile => None,
                    NextValue::UserPassword => redact_user_password(arg),
                    NextValue::OpensslPass => arg
                        .strip_prefix("pass:")
                        .filter(|secret| !secret.is_empty() && *secret != REDACTED)
                        .map(|_| format!("pass:{REDACTED}")),
                };
                out.push(replaced.map(redact_rest).or_else(|| redact_inside(arg)));
                continue;
            }
        }
        if index == 0 {
            out.push(redact_inside(arg));
            continue;
        }
        next = value_kind_after(&program, registry_login, arg);
        out.push(redact_argument(&program, arg).map(|first| until_settled(&program, first)));
    }
    // An argument already shaped like a redacted one (`-p***`) is not a change.
    for (replacement, original) in out.iter_mut().zip(args) {
        if replacement.as_deref() == Some(*original) {
            *replacement = None;
        }
    }
    out
}

/// Whether a flag without `=` takes a secret value as the next argument.
fn value_kind_after(program: &str, registry_login: bool, arg: &str) -> Option<NextValue> {
    if !arg.starts_with('-') || arg.contains('=') || arg == "-" || arg == "--" {
        return None;
    }
    match arg {
        "-u" | "--user" | "-U" | "--proxy-user" => return Some(NextValue::UserPassword),
        "-a" if program.starts_with("redis-cli") => return Some(NextValue::Secret),
        "-p" if program == "sshpass" || registry_login => return Some(NextValue::Secret),
        "-passin" | "-passout" | "-pass" if program == "openssl" => {
            return Some(NextValue::OpensslPass)
        }
        "-H" | "--header" => return None,
        _ => {}
    }
    if arg.starts_with("--") && is_secret_name(arg) {
        return Some(if names_a_key(arg) {
            NextValue::KeyOrFile
        } else {
            NextValue::Secret
        });
    }
    None
}

/// A replacement made by a flag rule still goes through the rules for what is inside an
/// argument: fuzzing found an AWS key id kept as the name in `AKIA…_KEY=secret`, redacted only
/// on a second pass.
fn redact_rest(mut replaced: String) -> String {
    for _ in 0..8 {
        match redact_inside(&replaced) {
            Some(next) if next != replaced => replaced = next,
            _ => break,
        }
    }
    replaced
}

/// Applies the rules again to a replacement until nothing changes: rules overlap (`-u` and
/// `name=value` both match `-ux_accesskey=y:z`), and fuzzing found several that matched only
/// on a second pass. Each pass only replaces text by markers, so this ends within a few passes.
fn until_settled(program: &str, mut text: String) -> String {
    for _ in 0..8 {
        match redact_argument(program, &text).map(redact_rest) {
            Some(next) if next != text => text = next,
            _ => break,
        }
    }
    text
}

/// One argument on its own: flag forms first, then whatever is inside it.
fn redact_argument(program: &str, arg: &str) -> Option<String> {
    if let Some(prefix_end) = pem_start(arg) {
        return Some(format!("{}{REDACTED}", &arg[..prefix_end]));
    }
    // Before `name=value`: for mysql everything after `-p` is the password, `=` included
    // (fuzzing found `-password=x` redacted as a name, then as `-p` on a second pass).
    if is_mysql_family(program) && arg.len() > 2 && arg.starts_with("-p") && !arg.starts_with("--")
    {
        return Some(format!("-p{REDACTED}"));
    }
    if program.starts_with("redis-cli") && arg.len() > 2 && arg.starts_with("-a") {
        return Some(format!("-a{REDACTED}"));
    }
    // `-uuser:pass` before `name=value` too, or a password holding `_KEY=` is redacted in two
    // steps (found by fuzzing).
    if let Some(rest) = arg.strip_prefix("-u") {
        if !arg.starts_with("--") {
            if let Some(redacted) = redact_user_password(rest) {
                return Some(format!("-u{redacted}"));
            }
        }
    }
    if let Some((name, value)) = arg.split_once('=') {
        let flag_like = name.starts_with('-') || is_env_name(name);
        let key_file = names_a_key(name) && is_absolute_path(value);
        if flag_like && is_secret_name(name) && !is_harmless_value(value) && !key_file {
            return Some(format!("{name}={REDACTED}"));
        }
        if flag_like && is_user_name(name) {
            if let Some(redacted) = redact_user_password(value) {
                return Some(format!("{name}={redacted}"));
            }
        }
    }
    redact_inside(arg)
}

/// Whether a name's last word is `key`: such flags name a key file as often as a key
/// (`--kubelet-client-key=/etc/…/client.key`, `--tls-private-key /x`).
fn names_a_key(name: &str) -> bool {
    normalize_name(name)
        .rsplit('-')
        .find(|word| !word.is_empty())
        == Some("key")
}

/// An absolute path with no spaces or pair separators: a file named, not a secret given. The
/// separators keep this rule and the `key=value` pairs rule agreeing on where a value ends
/// (fuzzing found `KEY=/,x` kept whole by one and redacted after `/` by the other).
fn is_absolute_path(value: &str) -> bool {
    value.len() > 1
        && value.starts_with('/')
        && !value.contains(|c: char| c.is_whitespace() || is_pair_separator(c))
}

fn is_mysql_family(program: &str) -> bool {
    program.starts_with("mysql") || program.starts_with("mariadb")
}

/// `user:password` becomes `user:***`; a value without a colon stays.
fn redact_user_password(value: &str) -> Option<String> {
    let (user, password) = value.split_once(':')?;
    if password.is_empty() || password == REDACTED {
        return None;
    }
    Some(format!("{user}:{REDACTED}"))
}

fn is_user_name(name: &str) -> bool {
    matches!(
        normalize_name(name).as_str(),
        "user" | "u" | "proxy-user" | "username"
    )
}

/// `FOO_BAR` or `spring.datasource.password`: names that environment-style assignments use.
fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Lowercase, leading dashes gone, `_` and `.` as `-`.
fn normalize_name(name: &str) -> String {
    name.trim_start_matches('-')
        .chars()
        .map(|c| match c {
            '_' | '.' => '-',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

/// Words that end a secret's name when they are the whole last word.
const SECRET_WORDS: &[&str] = &[
    "pass",
    "pwd",
    "key",
    "auth",
    "secret",
    "token",
    "password",
    "passwd",
    "passphrase",
    "credential",
    "credentials",
    "apikey",
    "requirepass",
    "masterauth",
    "cookie",
    "bearer",
];

/// Endings of a compound last word (`dbPassword`, `accessKey`) that make it a secret.
const SECRET_SUFFIXES: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "masterkey",
    "credentials",
];

/// Whether a flag or variable name names a secret: its last word decides, so that
/// `--password-file`, `--token-ttl` and `--key-file` are not secrets.
pub fn is_secret_name(name: &str) -> bool {
    let normalized = normalize_name(name);
    let Some(last) = normalized.rsplit('-').find(|word| !word.is_empty()) else {
        return false;
    };
    SECRET_WORDS.contains(&last) || SECRET_SUFFIXES.iter().any(|suffix| last.ends_with(suffix))
}

/// Values that cannot be secrets: switching a feature on or off.
fn is_harmless_value(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "" | "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null" | "0" | "1"
    ) || value == REDACTED
}

/// Where a PEM private key starts inside an argument.
fn pem_start(arg: &str) -> Option<usize> {
    let start = arg.find("-----BEGIN")?;
    arg[start..].contains("PRIVATE KEY").then_some(start)
}

/// Everything found inside one argument: URLs, headers, key=value pairs and credential shapes.
fn redact_inside(arg: &str) -> Option<String> {
    let mut text = Cow::Borrowed(arg);
    for rule in [
        redact_url_passwords as fn(&str) -> Option<String>,
        redact_headers,
        redact_inner_pairs,
        redact_shapes,
    ] {
        if let Some(changed) = rule(&text) {
            text = Cow::Owned(changed);
        }
    }
    match text {
        Cow::Owned(changed) if changed != arg => Some(changed),
        _ => None,
    }
}

/// `scheme://user:password@host` becomes `scheme://user:***@host`.
fn redact_url_passwords(arg: &str) -> Option<String> {
    if !arg.contains("://") {
        return None;
    }
    let mut out = String::with_capacity(arg.len());
    let mut rest = arg;
    let mut changed = false;
    while let Some(scheme_end) = rest.find("://") {
        let authority_start = scheme_end + 3;
        out.push_str(&rest[..authority_start]);
        let after = &rest[authority_start..];
        let authority_len = after
            .find(['/', '?', '#', ' ', '"', '\''])
            .unwrap_or(after.len());
        let authority = &after[..authority_len];
        match authority.rfind('@') {
            Some(at) => match authority[..at].split_once(':') {
                Some((user, password)) if !password.is_empty() && password != REDACTED => {
                    out.push_str(user);
                    out.push(':');
                    out.push_str(REDACTED);
                    out.push_str(&authority[at..]);
                    changed = true;
                }
                _ => out.push_str(authority),
            },
            None => out.push_str(authority),
        }
        rest = &after[authority_len..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

const SECRET_HEADERS: &[&str] = &[
    "authorization:",
    "proxy-authorization:",
    "x-api-key:",
    "x-auth-token:",
    "x-vault-token:",
    "private-token:",
    "cookie:",
];

/// `Authorization: Bearer abc` becomes `Authorization: Bearer ***`; a lone `Bearer abc` too.
fn redact_headers(arg: &str) -> Option<String> {
    let lower = arg.to_ascii_lowercase();
    for header in SECRET_HEADERS {
        if let Some(start) = lower.find(header) {
            let value_start = start + header.len();
            let value = arg[value_start..].trim_start();
            let spaces = arg.len() - value_start - value.len();
            let keep_scheme = ["bearer ", "basic ", "token ", "digest "]
                .iter()
                .find(|scheme| value.to_ascii_lowercase().starts_with(*scheme))
                .map_or(0, |scheme| scheme.len());
            if value[keep_scheme..].trim().is_empty() || &value[keep_scheme..] == REDACTED {
                return None;
            }
            let keep = value_start + spaces + keep_scheme;
            return Some(format!("{}{REDACTED}", &arg[..keep]));
        }
    }
    let start = lower.find("bearer ")?;
    let value_start = start + "bearer ".len();
    let value = &arg[value_start..];
    let end = value.find([' ', '"', '\'']).unwrap_or(value.len());
    if end == 0 || &value[..end] == REDACTED {
        return None;
    }
    Some(format!(
        "{}{REDACTED}{}",
        &arg[..value_start],
        &value[end..]
    ))
}

fn is_pair_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '&' | '?' | ';' | ',' | '\t' | '"' | '\'' | '{' | '}'
    )
}

/// `password=x` pairs inside DSNs, query strings and connection strings.
fn redact_inner_pairs(arg: &str) -> Option<String> {
    if !arg.contains('=') {
        return None;
    }
    let mut out = String::with_capacity(arg.len());
    let mut changed = false;
    let mut rest = arg;
    while let Some(eq) = rest.find('=') {
        let key_start = rest[..eq].rfind(is_pair_separator).map_or(0, |i| {
            i + rest[i..].chars().next().map_or(1, char::len_utf8)
        });
        let key = &rest[key_start..eq];
        let after = &rest[eq + 1..];
        let value_len = after
            .find(|c: char| is_pair_separator(c) && c != '?' && c != '{')
            .unwrap_or(after.len());
        let value = &after[..value_len];
        out.push_str(&rest[..=eq]);
        let key_file = names_a_key(key) && is_absolute_path(value);
        if !key.is_empty() && is_secret_name(key) && !is_harmless_value(value) && !key_file {
            out.push_str(REDACTED);
            changed = true;
        } else {
            out.push_str(value);
        }
        rest = &after[value_len..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Credentials recognisable by their shape alone.
fn redact_shapes(arg: &str) -> Option<String> {
    let mut text = arg.to_string();
    let mut changed = false;
    for (prefix, min_len, allowed) in SHAPES {
        let mut search_from = 0;
        while let Some(found) = text[search_from..].find(prefix) {
            let start = search_from + found;
            let body_start = start + prefix.len();
            let body_len = text[body_start..]
                .find(|c: char| !allowed(c))
                .unwrap_or(text.len() - body_start);
            let boundary_before = text[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric());
            if boundary_before && body_len >= *min_len {
                text.replace_range(start..body_start + body_len, REDACTED);
                changed = true;
                search_from = start + REDACTED.len();
            } else {
                search_from = body_start;
            }
        }
    }
    if looks_like_aws_secret(&text) {
        return Some(REDACTED.to_string());
    }
    changed.then_some(text)
}

type CharClass = fn(char) -> bool;

fn upper_alnum(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}
fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}
fn jwt_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// (prefix, minimum length after it, allowed characters after it).
const SHAPES: &[(&str, usize, CharClass)] = &[
    ("AKIA", 16, upper_alnum),
    ("ASIA", 16, upper_alnum),
    ("AIza", 35, token_char),
    ("ghp_", 30, token_char),
    ("gho_", 30, token_char),
    ("ghs_", 30, token_char),
    ("github_pat_", 30, token_char),
    ("glpat-", 20, token_char),
    ("xoxb-", 10, token_char),
    ("xoxp-", 10, token_char),
    ("sk_live_", 16, token_char),
    ("eyJ", 30, jwt_char),
];

/// A whole argument of 40 base64 characters mixing cases and digits: an AWS secret access key.
/// Git object ids are lowercase hex and stay.
fn looks_like_aws_secret(arg: &str) -> bool {
    arg.len() == 40
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '+')
        && arg.chars().any(|c| c.is_ascii_uppercase())
        && arg.chars().any(|c| c.is_ascii_lowercase())
        && arg.chars().any(|c| c.is_ascii_digit())
}

/// Secrets planted among fuzzed arguments, each with the secret it carries; whatever surrounds
/// them, the secret must not survive.
const PLANTED: &[(&[&str], &str)] = &[
    (&["--password=Zq8vPlantedPw"], "Zq8vPlantedPw"),
    (&["--token", "Zq8vPlantedTok"], "Zq8vPlantedTok"),
    (
        &["postgres://app:Zq8vPlantedUrl@db:5432/app"],
        "Zq8vPlantedUrl",
    ),
    (
        &["Authorization: Bearer Zq8vPlantedBearer"],
        "Zq8vPlantedBearer",
    ),
    (&["-u", "admin:Zq8vPlantedUser"], "Zq8vPlantedUser"),
    (&["AWS_SECRET_ACCESS_KEY=Zq8vPlantedAws"], "Zq8vPlantedAws"),
    (&["AKIAZQ8VPLANTED12345"], "AKIAZQ8VPLANTED12345"),
];

/// Checks the redactor's promises on one input; the fuzz target's body and the replay of its
/// regression inputs on stable:
/// - no panic;
/// - the output is never longer than the input (invalid UTF-8 counted as its U+FFFD
///   replacement inside changed arguments) by more than the markers it added;
/// - redacting twice gives what redacting once gave;
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
    for (index, (replacement, original)) in redacted.iter().zip(&args).enumerate() {
        let shown = replacement.as_deref().unwrap_or(original);
        assert!(
            !shown.contains(secret),
            "planted secret survived in argument {index} of {args:?}: {shown:?}"
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
mod tests {
    use super::*;

    /// Splits on spaces, except inside single quotes (which are dropped), like a shell would.
    fn split_line(line: &str) -> Vec<String> {
        let mut args = Vec::new();
        let mut current = String::new();
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '\'' => quoted = !quoted,
                ' ' if !quoted => args.push(std::mem::take(&mut current)),
                other => current.push(other),
            }
        }
        args.push(current);
        args
    }

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

    /// (command line with arguments separated by single spaces, the secret that must go).
    const SECRET_CASES: &[(&str, &str)] = &[
        ("psql postgres://admin:s3cr3tpw@db.internal:5432/app", "s3cr3tpw"),
        ("app --database-url=mysql://root:hunter2@10.0.0.5/shop", "hunter2"),
        ("worker redis://:r3dispass@cache:6379/0", "r3dispass"),
        ("app --password=Tr0ub4dor", "Tr0ub4dor"),
        ("app --password Tr0ub4dor", "Tr0ub4dor"),
        ("app --db-password=pa55word", "pa55word"),
        ("app --token=abcdef0123456789", "abcdef0123456789"),
        ("app --token abcdef0123456789", "abcdef0123456789"),
        ("app --secret=topsecretvalue", "topsecretvalue"),
        ("app --api-key=key-live-998877", "key-live-998877"),
        ("app --api-key key-live-998877", "key-live-998877"),
        ("app --apiKey=zz9plural", "zz9plural"),
        ("app --client-secret=oauthsecret42", "oauthsecret42"),
        ("curl -H Authorization:Bearer-less-header-value https://x", "Bearer-less-header-value"),
        ("curl -H 'Authorization: Bearer eyToken123' https://x", "eyToken123"),
        ("curl '--header=Authorization: Basic dXNlcjpwYXNz' https://x", "dXNlcjpwYXNz"),
        ("curl -u admin:adminpw https://x", "adminpw"),
        ("curl -uadmin:adminpw https://x", "adminpw"),
        ("etcdctl --user=root:etcdrootpw get /", "etcdrootpw"),
        ("aws s3 ls AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        (
            "aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        ("app AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENG", "wJalrXUtnFEMIK7MDENG"),
        (
            "app --gcp-key=-----BEGIN_PRIVATE_KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
        ),
        (
            "app '-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'",
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
        ),
        ("app --maps AIzaSyA1234567890abcdefghijklmnopqrstuv", "AIzaSyA1234567890abcdefghijklmnopqrstuv"),
        ("kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef", "abcdef.0123456789abcdef"),
        ("kubeadm join --certificate-key=f8902e114ef118304e561c3ecd4d0b543adc226b7a07f675f56564185ffe0c07", "f8902e114ef1"),
        ("etcd --initial-cluster-token=etcd-cluster-secret-1", "etcd-cluster-secret-1"),
        ("kubelet --bootstrap-token=07401b.f395accd246ae52d", "07401b.f395accd246ae52d"),
        ("redis-server --requirepass foobared", "foobared"),
        ("redis-server --masterauth replpass", "replpass"),
        ("redis-cli -a clipass ping", "clipass"),
        ("mysql -uroot -pMyS3cret db", "MyS3cret"),
        ("mysqldump -pMyS3cret --all-databases", "MyS3cret"),
        ("sshpass -p sshsecret ssh host", "sshsecret"),
        ("java -Dspring.datasource.password=jdbcpw -jar app.jar", "jdbcpw"),
        ("app jdbc:postgresql://db/app?user=app&password=qpw123&ssl=true", "qpw123"),
        ("pgbouncer host=db,password=dsnpw,user=x", "dsnpw"),
        ("psql 'host=db user=app password=spacedpw'", "spacedpw"),
        ("curl -H 'X-Api-Key: k3yvalue' https://x", "k3yvalue"),
        ("helm install x --set auth.password=helmpw", "helmpw"),
        ("gh --token=ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
        ("app eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "dozjgNryP4J3jVmNHl0w5N"),
        ("mongod --keyFile=/x --auth=admin:mongopw", "mongopw"),
        ("app --passwd=pw-in-passwd", "pw-in-passwd"),
        ("app --credentials=credvalue", "credvalue"),
        ("docker login -u deploy -p dockerhubpw registry.example.com", "dockerhubpw"),
        ("docker login --password dockerhubpw2 registry.example.com", "dockerhubpw2"),
        ("kubectl --token=eyKubectlToken0123 get pods", "eyKubectlToken0123"),
        ("kube-apiserver --oidc-client-secret=oidcsecret77", "oidcsecret77"),
        ("kube-apiserver --etcd-servers=https://etcduser:etcdpw99@10.0.0.2:2379", "etcdpw99"),
        ("mongosh mongodb+srv://appuser:mongoatlaspw@cluster0.example.net/db", "mongoatlaspw"),
        ("celery worker --broker=amqp://guest:rabbitpw@mq:5672//", "rabbitpw"),
        ("env PGPASSWORD=envpgpw psql -h db", "envpgpw"),
        ("mysql --user=root --password=mysqllongpw", "mysqllongpw"),
        ("openssl pkcs12 -in a.p12 -passin pass:opensslpw", "opensslpw"),
        ("vault login token=s.VaultToken12345", "s.VaultToken12345"),
        ("gcloud auth activate-service-account --key-file=/k.json GOOGLE_API_KEY=AIzaSyB9876543210zyxwvutsrqponmlkjihg", "AIzaSyB9876543210zyxwvutsrqponmlkjihg"),
    ];

    /// Command lines that redaction must leave exactly as they are.
    const KEEP_CASES: &[&str] = &[
        "app --password-file=/etc/app/pw",
        "kubeadm token create --token-ttl=10m",
        "etcd --key-file=/etc/etcd/server.key --cert-file=/etc/etcd/server.crt",
        "kube-apiserver --tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
        "kube-apiserver --service-account-key-file=/etc/kubernetes/pki/sa.pub",
        "kube-apiserver --token-auth-file=/etc/kubernetes/tokens.csv",
        "kube-apiserver --authorization-mode=Node,RBAC",
        "kubelet --anonymous-auth=false --authentication-token-webhook=true",
        "kubelet --kubeconfig=/etc/kubernetes/kubelet.conf --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
        "etcd --client-cert-auth=true --peer-client-cert-auth=true",
        "etcd --peer-key-file=/etc/etcd/peer.key --trusted-ca-file=/etc/etcd/ca.crt",
        "kubeadm join --discovery-token-ca-cert-hash sha256:7c2e69131a36ae2a042a339b33381c6d0d43887e2de83720eff5359e26aec866",
        "containerd-shim-runc-v2 -namespace k8s.io -id 3f1c2b8a9d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0 -address /run/containerd/containerd.sock",
        "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
        "nginx: worker process",
        "app 'host=db user=app sslmode=require'",
        "git checkout 3f1c2b8a9d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a",
        "postgres -D /var/lib/postgresql/data -c listen_addresses=*",
        "curl https://example.com/api?page=2&limit=10",
        "app --secret-name=db-credentials-ref",
        "ssh -p 2222 user@host",
        "mysql -h db -P 3306 -p",
        "app --auth-mode=oidc --token-secret-ref=vault",
        "python3 -m http.server 8080",
        "psql postgres://app@db.internal:5432/app",
        "app --ssh-keyfile=/root/.ssh/id_rsa --keyring=/etc/keys",
        "app --enable-auth --port 8080",
        "kube-apiserver --kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
        "kube-apiserver --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
        "kube-apiserver --oidc-client-id=kubernetes --max-auth-tries=3",
        "docker login --password-stdin -u deploy registry.example.com",
        "docker run -p 8080:80 nginx",
        "redis-server /etc/redis/redis.conf --port 6379",
        "app --token-file=/var/run/secrets/kubernetes.io/serviceaccount/token",
        "app --secret-file=/etc/app/secret.yaml --cookie-secure=true",
        "ps -u root -o pid,comm",
        "openssl req -new -key server.key -out server.csr",
    ];

    /// Every input kept under fuzz/regressions/redact/ (seeds and crashes once found), run
    /// through the fuzz target's body on stable.
    #[test]
    fn fuzz_regressions_replay_without_panic() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/redact");
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            fuzz_redact(&bytes);
            count += 1;
        }
        assert!(count > 0, "no regression inputs in {}", dir.display());
    }

    #[test]
    fn secret_cases_lose_their_secret() {
        assert!(SECRET_CASES.len() >= 30);
        let missed: Vec<String> = SECRET_CASES
            .iter()
            .map(|(line, secret)| (line, secret, redact_line(line)))
            .filter(|(_, secret, out)| out.contains(*secret) || !out.contains(REDACTED))
            .map(|(line, secret, out)| format!("{line:?} kept {secret:?}: {out:?}"))
            .collect();
        assert!(missed.is_empty(), "{missed:#?}");
    }

    #[test]
    fn keep_cases_stay_untouched() {
        assert!(KEEP_CASES.len() >= 20);
        let changed: Vec<String> = KEEP_CASES
            .iter()
            .map(|line| (line, redact_line(line)))
            .filter(|(line, out)| *out != line.replace('\'', ""))
            .map(|(line, out)| format!("{line:?} became {out:?}"))
            .collect();
        assert!(changed.is_empty(), "{changed:#?}");
    }

    #[test]
    fn redaction_keeps_names_and_structure() {
        assert_eq!(redact_line("app --password=x1"), "app --password=***");
        assert_eq!(
            redact_line("psql postgres://u:p@h/db"),
            "psql postgres://u:***@h/db"
        );
        assert_eq!(redact_line("curl -u admin:pw x"), "curl -u admin:*** x");
        assert_eq!(redact_line("mysql -psecret"), "mysql -p***");
        assert_eq!(
            redact_line("app --token abc --port 1"),
            "app --token *** --port 1"
        );
    }

    #[test]
    fn secret_names_decide_by_last_word() {
        let cases = [
            ("--password", true),
            ("--db_password", true),
            ("--api-key", true),
            ("--accessKey", true),
            ("MYSQL_ROOT_PASSWORD", true),
            ("--password-file", false),
            ("--token-ttl", false),
            ("--key-file", false),
            ("--keyfile", false),
            ("--monkey", false),
            ("--authorization-mode", false),
            ("---", false),
            ("", false),
        ];
        for (name, expected) in cases {
            assert_eq!(is_secret_name(name), expected, "{name}");
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
            "é",
            "ß",
            "\u{202e}",
            "x",
            "0",
            "ghp_",
            "mysql",
            "-p",
            "-u",
            "***",
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
            let _ = redact_cmdline(raw.as_bytes());
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
        ] {
            let _ = redact_line(line);
        }
    }
}
