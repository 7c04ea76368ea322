//! Secrets inside one piece of text (an argument, a shell word, a mount source): `NAME=value`
//! and `"name": "value"` pairs wherever they are (query strings, DSNs, JSON, headers, nested
//! `--set=a.password=x`), URL credentials, PEM private keys, and tokens recognisable by their
//! prefix or structure. Each finding is a byte range to replace by the marker.

use super::names::{in_list, meaning, Meaning};
use nodesnap_format::REDACTED;

/// A byte range of the text to replace by the marker.
pub type Span = (usize, usize);

/// Marks the secrets inside `text`. `whole`: the text is one whole argument, so a `NAME=` at
/// its very start takes everything after it (a password may hold `&`, `,` or spaces). Returns
/// whether a PEM private key begins here and goes on past the end of the text.
pub fn scan(text: &str, whole: bool, spans: &mut Vec<Span>) -> bool {
    let pem_open = pem(text, spans);
    urls(text, spans);
    pairs(text, whole, spans);
    shapes(text, spans);
    webhooks(text, spans);
    pem_open
}

/// Where `needle` first occurs in `text` at or after `from` (a plain loop: building a
/// two-way searcher for each short argument cost more than the search).
pub fn find_at(text: &str, from: usize, needle: &str) -> Option<usize> {
    let (hay, needle) = (text.as_bytes().get(from..)?, needle.as_bytes());
    hay.windows(needle.len())
        .position(|w| w[0] == needle[0] && w == needle)
        .map(|i| from + i)
}

fn mark(spans: &mut Vec<Span>, start: usize, end: usize) {
    if start < end {
        spans.push((start, end));
    }
}

/// `text[start..end]` without surrounding whitespace, marked.
pub fn mark_trimmed(text: &str, spans: &mut Vec<Span>, start: usize, end: usize) {
    let b = text.as_bytes();
    let (mut start, mut end) = (start, end);
    while start < end && b[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && b[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    mark(spans, start, end);
}

/// The body of every PEM private key: the `-----BEGIN … PRIVATE KEY-----` and `-----END …`
/// lines stay so that a reader sees what was there. True when a body starts and does not end.
fn pem(text: &str, spans: &mut Vec<Span>) -> bool {
    let mut from = 0;
    while let Some(found) = find_at(text, from, "-----BEGIN") {
        let after = found + "-----BEGIN".len();
        let Some(close) = text[after..].find("-----") else {
            return false;
        };
        let body = after + close + 5;
        if !text[after..after + close].contains("PRIVATE KEY") {
            from = body;
            continue;
        }
        match text[body..].find("-----END") {
            Some(end) => {
                mark_trimmed(text, spans, body, body + end);
                from = body + end + "-----END".len();
            }
            None => {
                mark_trimmed(text, spans, body, text.len());
                return true;
            }
        }
    }
    false
}

fn ends_url(c: char) -> bool {
    c.is_ascii_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`')
}

/// `scheme://user:password@host`: the password goes, even when it holds `/`, `#` or `@`; a
/// token given as the user (`https://TOKEN@github.com`, a Sentry DSN's key) goes too. One pass
/// per URL, which ends at the next `://` (a URL inside a query string is read on its own), so
/// the whole text costs one pass however it is built.
fn urls(text: &str, spans: &mut Vec<Span>) {
    let b = text.as_bytes();
    let mut next = find_at(text, 0, "://");
    while let Some(scheme_end) = next {
        let start = scheme_end + 3;
        next = find_at(text, start, "://");
        if scheme_end == 0 || !b[scheme_end - 1].is_ascii_alphanumeric() {
            continue;
        }
        let limit = next.unwrap_or(b.len());
        let end = b[start..limit]
            .iter()
            .position(|&c| ends_url(char::from(c)))
            .map_or(limit, |i| start + i);
        // The '@' that ends the credentials: the last one before a host with a dot, a port or
        // an IPv6 bracket, else the last one at all; never one after a user holding `/`, `?`
        // or `#`, nor one after `host:port/path`.
        let (mut colon, mut slash, mut bad_user, mut port_digits) = (None, None, false, true);
        let (mut any, mut dotted) = (None, None);
        for at in start..end {
            let c = b[at];
            if c == b'@' {
                let port_path =
                    matches!((colon, slash), (Some(c), Some(s)) if s > c + 1 && port_digits);
                if !bad_user && !port_path {
                    let host = &b[at + 1..end];
                    let host = &host[..host
                        .iter()
                        .position(|c| matches!(c, b'/' | b'?' | b'#' | b'@'))
                        .unwrap_or(host.len())];
                    any = Some(at);
                    if host.iter().any(|c| matches!(c, b'.' | b':' | b'[')) {
                        dotted = Some(at);
                    }
                }
            }
            match (colon, slash) {
                (None, _) if c == b':' => colon = Some(at),
                (None, _) => bad_user |= matches!(c, b'/' | b'?' | b'#'),
                (Some(_), None) if c == b'/' => slash = Some(at),
                (Some(_), None) => port_digits &= c.is_ascii_digit(),
                _ => {}
            }
        }
        let Some(at) = dotted.or(any) else {
            continue;
        };
        match colon.filter(|&c| c < at) {
            Some(colon) => mark(spans, colon + 1, at),
            None if user_is_token(&text[start..at]) => mark(spans, start, at),
            None => {}
        }
    }
}

/// A URL's user that is a credential: a known token shape, or 16 characters or more.
fn user_is_token(user: &str) -> bool {
    user != REDACTED && (user.len() >= 16 || shape_at(user, 0).is_some())
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// Where a value that is not quoted ends.
fn ends_value(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'&' | b';' | b',' | b'"' | b'\'' | b'`' | b')' | b']' | b'}' | b'<' | b'>' | b'|'
        )
}

/// `NAME=value`, `NAME: value`, `"name": "value"`, `name => 'value'`, `name := value` wherever
/// they are; the name's meaning decides (see `names`).
fn pairs(text: &str, whole: bool, spans: &mut Vec<Span>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let op_len = match b[i] {
            b'=' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                continue;
            }
            b'=' if b.get(i + 1) == Some(&b'>') => 2,
            b'=' => 1,
            b':' if matches!(b.get(i + 1), Some(b'/' | b':')) || (i > 0 && b[i - 1] == b':') => {
                i += 1;
                continue;
            }
            b':' if b.get(i + 1) == Some(&b'=') => 2,
            b':' => 1,
            _ => {
                i += 1;
                continue;
            }
        };
        let mut name_end = i;
        while name_end > 0 && matches!(b[name_end - 1], b' ' | b'\t') {
            name_end -= 1;
        }
        if name_end > 0 && matches!(b[name_end - 1], b'"' | b'\'') {
            name_end -= 1;
        }
        let mut name_start = name_end;
        while name_start > 0 && is_name_byte(b[name_start - 1]) {
            name_start -= 1;
        }
        let kind = meaning(&text[name_start..name_end]);
        if name_start == name_end || kind == Meaning::Plain {
            i += op_len;
            continue;
        }
        let mut start = i + op_len;
        while start < b.len() && matches!(b[start], b' ' | b'\t') {
            start += 1;
        }
        let (value_start, value_end, next) = match b.get(start) {
            Some(&quote @ (b'"' | b'\'' | b'`')) => {
                let close = closing_quote(b, start + 1, quote);
                (start + 1, close, close + 1)
            }
            Some(b'{' | b'[') => {
                i += op_len;
                continue;
            }
            _ if whole && name_start == 0 && b[i] == b'=' => (start, b.len(), b.len()),
            _ if matches!(kind, Meaning::Authorization | Meaning::Cookie) => {
                let end = text[start..]
                    .find(['\n', '\r'])
                    .map_or(b.len(), |e| start + e);
                (start, end, end)
            }
            _ => {
                let end = b[start..]
                    .iter()
                    .position(|&c| ends_value(c))
                    .map_or(b.len(), |e| start + e);
                (start, end, end)
            }
        };
        match judge(kind, &text[value_start..value_end]) {
            Some((from, to)) => {
                mark(spans, value_start + from, value_start + to);
                i = next.max(i + op_len);
            }
            // Not a secret: its value may still hold pairs (`user=u,password=X`).
            None => i += op_len,
        }
    }
}

/// The index of the quote closing a quoted value that starts at `from` (backslash escapes
/// skipped), or the end of the text.
fn closing_quote(b: &[u8], from: usize, quote: u8) -> usize {
    let mut j = from;
    while j < b.len() {
        if b[j] == b'\\' && quote != b'\'' {
            j += 2;
            continue;
        }
        if b[j] == quote {
            return j;
        }
        j += 1;
    }
    b.len()
}

/// Values that cannot be secrets: switches, empty values, the marker, references to a secret
/// kept elsewhere (`$VAR`, `${VAR}`, `{{ .Values.x }}`, `env:VAR`, `file:/x`, `@/x`).
pub fn is_harmless(value: &str) -> bool {
    let value = value.trim_matches(|c: char| c.is_ascii_whitespace());
    let lower = value.to_ascii_lowercase();
    in_list(
        " true false yes no on off none null nil undefined 0 1 enabled disabled auto required \
         optional prompt stdin - *** ",
        &lower,
    ) || value.is_empty()
        || value.bytes().all(|b| b == b'*')
        || (value.starts_with('$')
            && value[1..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'{' | b'}')))
        || (value.starts_with("{{") && value.ends_with("}}"))
        || (value.len() > 2 && value.starts_with('%') && value.ends_with('%'))
        || ["env:", "file:", "fd:"]
            .iter()
            .any(|p| lower.starts_with(p))
        || (value.len() > 1 && value.starts_with('@') && is_path(&value[1..]))
}

/// A file named, not a secret given: `./x`, `~/x`, `/etc/…` (a known top directory), or a last
/// component with a file extension (`certs/tls.key`, `server.pem`).
pub fn is_path(value: &str) -> bool {
    if value.contains(|c: char| c.is_ascii_whitespace() || matches!(c, '=' | '+' | ',' | ';' | '&'))
        || value.len() < 3
    {
        return false;
    }
    if ["./", "../", "~/"].iter().any(|p| value.starts_with(p)) {
        return true;
    }
    if let Some(rest) = value.strip_prefix('/') {
        let top = rest.split('/').next().unwrap_or_default();
        if rest.len() > top.len()
            && in_list(
                " etc var run usr opt home root tmp srv data secrets certs pki ssl config conf \
                 keys lib mnt dev proc sys app apps workspace vault host snap nix Users \
                 certificates credentials ",
                top,
            )
        {
            return true;
        }
    }
    let last = value.rsplit('/').next().unwrap_or_default();
    last.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && in_list(
                " key pem crt cer cert der p12 pfx jks keystore json yaml yml conf cfg ini txt \
                 asc gpg pgp pub csr token secret env properties toml kubeconfig p8 ppk creds \
                 pass password passwd jceks bcfks ",
                &ext.to_ascii_lowercase(),
            )
    })
}

/// Public key material, which is not a secret (`--public-key=ssh-ed25519 AAAA…`).
fn is_public_key(value: &str) -> bool {
    [
        "ssh-rsa",
        "ssh-ed25519",
        "ssh-dss",
        "ecdsa-sha2-",
        "sk-ssh-",
        "sk-ecdsa-",
        "-----BEGIN PUBLIC KEY",
        "-----BEGIN CERTIFICATE",
        "-----BEGIN SSH2 PUBLIC KEY",
        "age1",
    ]
    .iter()
    .any(|p| value.starts_with(p))
}

/// Authentication schemes, which say how, not with what.
const SCHEMES: &str =
    " basic digest bearer token ntlm negotiate kerberos krb5 gssapi oauth oauth2 \
    oidc saml ldap password jwt any anyauth sigv4 aws-sigv4 aws4-hmac-sha256 scram scram-sha-1 \
    scram-sha-256 md5 trust peer ident cert certificate tls mtls x509 plain login cram-md5 api-key \
    apikey iam webhook node rbac abac alwaysallow alwaysdeny anonymous public internal external \
    local native sasl ntlmssp krb5i krb5p sys key ssws ";

/// `sort --key=2,2n` or `--key=user.email`: a sort key or a field name, not a secret.
fn is_key_spec_or_identifier(value: &str) -> bool {
    let b = value.as_bytes();
    let sort_key = b.first().is_some_and(u8::is_ascii_digit)
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b','));
    let identifier = b.len() <= 40
        && b.first().is_some_and(u8::is_ascii_lowercase)
        && b.iter().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'-')
        })
        && (b.iter().any(|c| matches!(c, b'_' | b'.' | b'-')) || !b.iter().any(u8::is_ascii_digit));
    sort_key || identifier
}

/// Which part of `value` to mark, given what its name means.
pub fn judge(kind: Meaning, value: &str) -> Option<Span> {
    let whole = Some((0, value.len()));
    if is_harmless(value) {
        return None;
    }
    let after_colon = |value: &str| {
        let colon = value.find(':')?;
        let (user, password) = (&value[..colon], &value[colon + 1..]);
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if is_harmless(password) || user == password || (numeric(user) && numeric(password)) {
            return None;
        }
        Some((colon + 1, value.len()))
    };
    match kind {
        Meaning::Plain => None,
        Meaning::Secret if value.starts_with("pass:") => Some((5, value.len())),
        Meaning::Secret if is_path(value) => None,
        Meaning::Secret | Meaning::Cookie => whole,
        Meaning::Key if is_path(value) || is_public_key(value) => None,
        Meaning::Key => whole,
        Meaning::BareKey
            if is_path(value) || is_public_key(value) || is_key_spec_or_identifier(value) =>
        {
            None
        }
        Meaning::BareKey => whole,
        Meaning::Auth if in_list(SCHEMES, &value.to_ascii_lowercase()) || is_path(value) => None,
        Meaning::Auth => after_colon(value).or(whole),
        Meaning::UserPass => after_colon(value),
        Meaning::Authorization => {
            let value_trimmed = value.trim_end_matches(|c: char| c.is_ascii_whitespace());
            let (first, rest) = value_trimmed
                .split_once([' ', '\t'])
                .unwrap_or((value_trimmed, ""));
            let rest_trimmed = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
            if !rest_trimmed.is_empty() && in_list(SCHEMES, &first.to_ascii_lowercase()) {
                if is_harmless(rest_trimmed) {
                    return None;
                }
                let start = value_trimmed.len() - rest_trimmed.len();
                return Some((start, value_trimmed.len()));
            }
            Some((0, value_trimmed.len()))
        }
    }
}

/// Webhook URLs whose path is the credential: Slack's (`hooks.slack.com/services/…`) and
/// Discord's (`…/api/webhooks/ID/TOKEN`).
fn webhooks(text: &str, spans: &mut Vec<Span>) {
    for host in ["hooks.slack.com/", "/api/webhooks/"] {
        let mut from = 0;
        while let Some(found) = find_at(text, from, host) {
            let start = found + host.len();
            let end = text[start..]
                .find(|c: char| ends_url(c) || matches!(c, '?' | '#'))
                .map_or(text.len(), |e| start + e);
            if &text[start..end] != REDACTED {
                mark(spans, start, end);
            }
            from = end;
        }
    }
}

/// Characters a token's body may hold, by class letter.
fn in_class(class: u8, c: u8) -> bool {
    match class {
        b'U' => c.is_ascii_uppercase() || c.is_ascii_digit(),
        b'h' => c.is_ascii_hexdigit(),
        b'a' | b'M' => c.is_ascii_alphanumeric(),
        b'w' | b'W' => c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'),
        b'd' => c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'),
        _ => c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'+' | b'/' | b'='),
    }
}

/// Tokens known by their prefix (space-separated), with the least and most characters after
/// it and the class of those characters: `W` also needs a digit, `M` needs a digit and both
/// cases. Sources: the issuers' documentation and gitleaks' default rules (docs/SECURITY.md).
const SHAPES: &[(&str, u8, u8, u8)] = &[
    ("AKIA ASIA ABIA ACCA", 16, 16, b'U'),
    ("ghp_ gho_ ghu_ ghs_ ghr_", 30, 255, b'a'),
    ("github_pat_", 30, 255, b'w'),
    (
        "glpat- glrt- gldt- glptt- glft- glimt- glagent- gloas- glcbt- glsoat- glffct- GR1348941",
        20,
        255,
        b'w',
    ),
    (
        "xoxb- xoxp- xoxa- xoxr- xoxs- xoxo- xoxe- xoxe. xapp-",
        10,
        255,
        b'w',
    ),
    ("AIza", 30, 255, b'w'),
    ("ya29.", 20, 255, b'd'),
    ("GOCSPX- 1//0", 20, 255, b'w'),
    ("sk- xai- gsk_ pplx- r8_", 20, 255, b'W'),
    (
        "sk_live_ sk_test_ sk_prod_ rk_live_ rk_test_ rk_prod_ whsec_",
        10,
        255,
        b'a',
    ),
    ("npm_ hf_ api_org_ lin_api_ ntn_ LTAI", 20, 255, b'a'),
    (
        "pypi-AgE ops_eyJ ATATT3 sntrys_ fm1r_ fm1a_ fm2_",
        40,
        255,
        b'b',
    ),
    (
        "dop_v1_ doo_v1_ dor_v1_ pul- shpat_ shpca_ shppa_ shpss_ dapi rubygems_",
        32,
        255,
        b'h',
    ),
    (
        "SG. dt0c01. pscale_tkn_ pscale_oauth_ pscale_pw_",
        30,
        255,
        b'd',
    ),
    (
        "hvs. hvb. hvr. dckr_pat_ dckr_oat_ tskey- PMAK- NRAK- NRII- fo1_ xkeysib-",
        20,
        255,
        b'w',
    ),
    (
        "dp.pt. dp.st. dp.ct. dp.sa. dp.scim. dp.audit. EZAK EZTK AKCp",
        40,
        255,
        b'a',
    ),
    ("glsa_ glc_ sntryu_ sq0atp- sq0csp-", 22, 255, b'b'),
    ("AGE-SECRET-KEY-1", 50, 255, b'U'),
    ("SK", 32, 32, b'h'),
    ("s.", 24, 24, b'M'),
    ("eyJ", 20, 255, b'b'),
];

/// For each group of `SHAPES`, the first bytes of its prefixes, one bit each (by the byte's
/// low six bits): most word starts match no group, and most that do match one.
const fn first_bytes() -> [u64; SHAPES.len()] {
    let mut masks = [0u64; SHAPES.len()];
    let mut group = 0;
    while group < SHAPES.len() {
        let bytes = SHAPES[group].0.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b' ' && (i == 0 || bytes[i - 1] == b' ') {
                masks[group] |= 1 << (bytes[i] & 63);
            }
            i += 1;
        }
        group += 1;
    }
    masks
}

const SHAPE_FIRST_BYTES: [u64; SHAPES.len()] = first_bytes();

/// How far a token's body is scanned before it is taken for one whatever its class needs.
const MAX_SHAPE_SCAN: usize = 300;

/// The shortest token of `SHAPES` (`xoxb-` and ten characters).
const SHORTEST_SHAPE: usize = 15;

/// The length of the token starting at `at`, if one of `SHAPES` starts there.
fn shape_at(text: &str, at: usize) -> Option<usize> {
    let rest = &text.as_bytes()[at..];
    let first = *rest.first()?;
    if rest.len() < SHORTEST_SHAPE {
        return None;
    }
    for (&(prefixes, min, max, class), mask) in SHAPES.iter().zip(SHAPE_FIRST_BYTES) {
        if mask & (1 << (first & 63)) == 0 {
            continue;
        }
        for prefix in super::names::entries(prefixes) {
            if prefix[0] != first || !rest.starts_with(prefix) {
                continue;
            }
            // The scan stops past the longest body a match may have: a long run of one class
            // costs that much per word start at most, not its whole length again.
            let body = &rest[prefix.len()..];
            let scan = usize::from(max).max(MAX_SHAPE_SCAN) + 1;
            let mut len = body
                .iter()
                .take(scan)
                .take_while(|&&c| in_class(class, c))
                .count();
            if max == 255 && len == scan {
                len += body[len..]
                    .iter()
                    .take_while(|&&c| in_class(class, c))
                    .count();
                return Some(prefix.len() + len);
            }
            let digit = body[..len].iter().any(u8::is_ascii_digit);
            let cases = body[..len].iter().any(u8::is_ascii_uppercase)
                && body[..len].iter().any(u8::is_ascii_lowercase);
            let needs = match class {
                b'W' => digit,
                b'M' => digit && cases,
                _ => true,
            };
            if len >= usize::from(min) && (len <= usize::from(max) || max == 255) && needs {
                return Some(prefix.len() + len);
            }
        }
    }
    None
}

/// Tokens recognisable by their shape alone, at a word boundary: well-known prefixes and a
/// kubeadm bootstrap token (`abcdef.0123456789abcdef`).
fn shapes(text: &str, spans: &mut Vec<Span>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if i > 0 && b[i - 1].is_ascii_alphanumeric() || !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        if let Some(len) = shape_at(text, i).or_else(|| structured_at(b, i)) {
            mark(spans, i, i + len);
            i += len;
        } else {
            i += 1;
        }
    }
}

/// A kubeadm bootstrap token (`abcdef.0123456789abcdef`) starting at `at`.
fn structured_at(b: &[u8], at: usize) -> Option<usize> {
    let run = |from: usize, ok: fn(&u8) -> bool| {
        b[from.min(b.len())..].iter().take_while(|c| ok(c)).count()
    };
    let lower_digit = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if b.get(at + 6) == Some(&b'.') && run(at, lower_digit) == 6 {
        let len = run(at + 7, lower_digit);
        let after = b.get(at + 7 + len);
        let bounded = !after.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.');
        if len == 16 && bounded && b[at + 7..at + 23].iter().any(u8::is_ascii_digit) {
            return Some(23);
        }
    }
    None
}
