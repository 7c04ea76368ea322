//! What a flag, variable or field name says about its value: split into words (at `-`, `_`,
//! `.`, `/`, `:` and camelCase), the last word decides, with word boundaries, so that
//! `--api-key` is a secret and `--routing-key`, `--max-token` and `--token-ttl` are not.
//!
//! Word lists are single space-separated strings: a list costs its letters, not a pointer and a
//! length per entry (the static collector has a size budget).

/// How the value of a name is judged.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Meaning {
    /// Not a secret (`--port`, `--password-file`, `--routing-key`).
    Plain,
    /// A secret unless the value is harmless or names a file (`--password`, `--client-secret`).
    Secret,
    /// A key: a secret unless the value names a file or is public key material (`--api-key`,
    /// `--tls-key certs/tls.key` stays).
    Key,
    /// `--key` alone: also kept when the value is a sort key or an identifier (`sort --key=2`).
    BareKey,
    /// `--auth`: an authentication scheme (`basic`, `oidc`) stays; `user:pass` loses the pass.
    Auth,
    /// `--user`, `-u`, `--creds`: `user:pass` loses the pass; a lone user stays.
    UserPass,
    /// `Authorization:`: the scheme word stays, everything after it goes.
    Authorization,
    /// `Cookie:`: everything goes.
    Cookie,
}

/// Last words that make a name a secret.
const SECRET_WORDS: &str =
    " password passwd pass pwd pw passphrase passcode passin passout secret \
    secrets token tokens credential credentials apikey bearer hmac signature sig requirepass \
    masterauth encrypt psk otp jwt sas pat privkey storepass keypass srcstorepass deststorepass \
    srckeypass destkeypass keystorepass truststorepass community authpass privpass ";

/// Endings of a one-word compound that make it a secret (`dbPassword` is split, `dbpassword`
/// is not).
const SECRET_ENDINGS: &str = " password passwd passphrase secret token apikey accesskey secretkey \
    privatekey accountkey masterkey signingkey encryptionkey sharedkey credentials pwd ";

/// One-word compounds ending in `pass` or `key` that are not secrets.
const NOT_SECRET_COMPOUNDS: &str = " bypass compass overpass trespass surpass underpass monkey \
    turkey hockey whiskey donkey jockey hotkey passkey turnkey ";

/// Words that, anywhere but last, make a name a secret unless its last word says it is about
/// something else (`--secret-key-base`, `--password-hash`).
const STRONG_WORDS: &str =
    " password passwd secret secrets credential credentials passphrase token ";

/// Last words that say the value is about the secret, not the secret: its file, its kind, its
/// lifetime.
const META_WORDS: &str =
    " file files path paths dir directory ttl mode type id ids name names ref \
    reference url uri endpoint endpoints header headers hash digest format algorithm algo alg \
    policy prefix suffix env var source src store provider plugin timeout interval age expiry \
    expiration expires lifetime duration period enabled enable disabled disable required only \
    field location rotation version kind usage strategy fd stdin command cmd helper program \
    script webhook issuer audience audiences scope scopes claim claims method mechanism backend \
    server host hostname port login realm domain prompt hint regex pattern template class mount \
    volume cache tries attempts retries level log encryption encoding charset storage manager \
    controller config configuration namespace label labels selector list option options range \
    cidr group role length size count limit refresh renew rotate reload secure insecure \
    required optional verify verification validation check strength complexity minimum maximum \
    bits history reset change expire dialog ";

/// Words that make a name about a quantity, whatever it counts (`--max-token=4096`).
const QUANTITY_WORDS: &str = " max min num number count limit length len size ";

/// Words before `key` that make it a name or an index, not a secret (`--routing-key`).
const NOT_SECRET_KEYS: &str =
    " routing partition primary sort public pub foreign cache shard group \
    lookup index row join message msg object hash dedup dedupe deduplication idempotency map \
    label annotation metadata tag field column table json yaml env config node unique composite \
    natural surrogate order ordering distribution cluster bucket s3 lock trace correlation request \
    event queue topic stream record item entry shortcut keyboard verify ";

/// Last words naming a user, whose value may be `user:password`.
const USER_WORDS: &str = " user u username creds ";

/// Whether `word` is one of the space-separated `list` (a byte loop: this runs for every
/// name in every command line, and `split` was most of the redactor's time).
pub fn in_list(list: &str, word: &str) -> bool {
    let (list, word) = (list.as_bytes(), word.as_bytes());
    if word.is_empty() {
        return false;
    }
    let mut start = 0;
    for (i, &b) in list.iter().enumerate() {
        if b == b' ' {
            if i - start == word.len() && &list[start..i] == word {
                return true;
            }
            start = i + 1;
        }
    }
    &list[start..] == word
}

/// The entries of a space-separated list (a byte loop, not `str::split`, which calls `memchr`
/// once per entry: the lists are short-worded and walked for every name).
pub fn entries(list: &str) -> impl Iterator<Item = &[u8]> {
    list.as_bytes()
        .split(|&b| b == b' ')
        .filter(|entry| !entry.is_empty())
}

/// Whether `haystack` holds one of the space-separated `needles`.
pub fn contains_any(haystack: &str, needles: &str) -> bool {
    let haystack = haystack.as_bytes();
    entries(needles).any(|needle| {
        haystack
            .windows(needle.len())
            .any(|w| w[0] == needle[0] && w == needle)
    })
}

/// Every secret word, ending or strong word contains one of these: a name without any of them
/// is plain, which settles most names without reading the lists.
const SECRET_PARTS: &str =
    "pass pw secret token cred key auth cookie bearer hmac sig encrypt psk otp jwt sas pat community user";

/// The words of a name, lowercase, separated by single spaces: `--dbPassword` is `db password`,
/// `AWS_SECRET_ACCESS_KEY` is `aws secret access key`, `APIKey` is `api key`.
pub fn words(name: &str) -> String {
    let b = name.as_bytes();
    let mut out = String::with_capacity(name.len() + 4);
    for (index, &c) in b.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            continue;
        }
        if c.is_ascii_uppercase() && index > 0 && !out.is_empty() && !out.ends_with(' ') {
            let before = b[index - 1];
            let next_lower = b.get(index + 1).is_some_and(u8::is_ascii_lowercase);
            if before.is_ascii_lowercase()
                || before.is_ascii_digit()
                || (before.is_ascii_uppercase() && next_lower)
            {
                out.push(' ');
            }
        }
        out.push(char::from(c.to_ascii_lowercase()));
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// What a name says about its value.
pub fn meaning(name: &str) -> Meaning {
    let words = words(name);
    if !contains_any(&words, SECRET_PARTS) && !in_list(&words, "u") {
        return Meaning::Plain;
    }
    let mut list: Vec<&str> = words.split_ascii_whitespace().collect();
    // `PASSWORD_2`, `authProvider.1`: a trailing number does not change the meaning.
    while list
        .last()
        .is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()))
    {
        list.pop();
    }
    let Some(&last_word) = list.last() else {
        return Meaning::Plain;
    };
    let last = last_word.trim_end_matches(|c: char| c.is_ascii_digit());
    let before = &list[..list.len() - 1];
    if list.iter().any(|w| in_list(QUANTITY_WORDS, w)) {
        return Meaning::Plain;
    }
    if in_list(USER_WORDS, last) {
        return Meaning::UserPass;
    }
    if in_list(META_WORDS, last) {
        // A password's hash is still the password's business.
        let about_password = before.iter().any(|w| matches!(*w, "password" | "passwd"));
        return if about_password && matches!(last, "hash" | "digest") {
            Meaning::Secret
        } else {
            Meaning::Plain
        };
    }
    if in_list(NOT_SECRET_COMPOUNDS, last) {
        return Meaning::Plain;
    }
    match last {
        "authorization" => return Meaning::Authorization,
        "cookie" | "cookies" => return Meaning::Cookie,
        "auth" | "authentication" | "oauth" => return Meaning::Auth,
        "key" | "keys" => {
            return match before.last() {
                None => Meaning::BareKey,
                Some(word) if in_list(NOT_SECRET_KEYS, word) => Meaning::Plain,
                Some(_) => Meaning::Key,
            }
        }
        _ => {}
    }
    if in_list(SECRET_WORDS, last)
        || entries(SECRET_ENDINGS).any(|ending| last.as_bytes().ends_with(ending))
        || last.ends_with("pass")
        || last.ends_with("auth")
    {
        return Meaning::Secret;
    }
    if last.ends_with("key") {
        return Meaning::Key;
    }
    if before.iter().any(|w| in_list(STRONG_WORDS, w)) {
        return Meaning::Secret;
    }
    Meaning::Plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_lowercase_words() {
        for (name, expected) in [
            ("--dbPassword", "db password"),
            ("AWS_SECRET_ACCESS_KEY", "aws secret access key"),
            ("APIKey", "api key"),
            (
                "-Djavax.net.ssl.keyStorePassword",
                "djavax net ssl key store password",
            ),
            ("s3Key", "s3 key"),
            (
                "//registry.npmjs.org/:_authToken",
                "registry npmjs org auth token",
            ),
            ("---", ""),
            ("", ""),
        ] {
            assert_eq!(words(name), expected, "{name}");
        }
    }

    #[test]
    fn the_last_word_decides_with_word_boundaries() {
        use Meaning::*;
        let cases = [
            ("--password", Secret),
            ("--db_password", Secret),
            ("--api-key", Key),
            ("--accessKey", Key),
            ("MYSQL_ROOT_PASSWORD", Secret),
            ("MYSQL_PWD", Secret),
            ("PGPASSWORD", Secret),
            ("requirepass", Secret),
            ("masterauth", Secret),
            ("--secret-key-base", Secret),
            ("--pw", Secret),
            ("--hmac", Secret),
            ("-encrypt", Secret),
            ("sig", Secret),
            ("AccountKey", Key),
            ("SharedAccessSignature", Secret),
            ("--password-hash", Secret),
            ("--password-file", Plain),
            ("--token-ttl", Plain),
            ("--key-file", Plain),
            ("--keyfile", Plain),
            ("--monkey", Plain),
            ("--authorization-mode", Plain),
            ("--routing-key", Plain),
            ("--partition-key", Plain),
            ("--primary-key", Plain),
            ("--public-key", Plain),
            ("--max-token", Plain),
            ("--discovery-token-ca-cert-hash", Plain),
            ("password_encryption", Plain),
            ("--password-stdin", Plain),
            ("--secret-name", Plain),
            ("zookeeper.authProvider.1", Plain),
            ("--max-http-header-size", Plain),
            ("--key", BareKey),
            ("--tls-key", Key),
            ("--tlskey", Key),
            ("--auth", Auth),
            ("--user", UserPass),
            ("Authorization", Authorization),
            ("Cookie", Cookie),
            ("bypass", Plain),
            ("---", Plain),
            ("", Plain),
        ];
        for (name, expected) in cases {
            assert_eq!(meaning(name), expected, "{name}");
        }
    }
}
