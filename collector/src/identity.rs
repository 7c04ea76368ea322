//! Reduces etc/passwd and etc/group to names and ids before they leave the node: no password
//! hashes, no GECOS (real names, phone numbers), no home directories, no shells, no members.

/// `name:pw:uid:gid:gecos:home:shell` becomes `name:x:uid:gid:::`. Comments, blank lines and
/// lines without a numeric uid and gid are dropped, so nothing unexpected passes through.
pub fn reduce_passwd(text: &str) -> String {
    let mut out = String::with_capacity(text.len() / 2);
    for line in text.lines() {
        let mut fields = line.split(':');
        let (Some(name), Some(_password), Some(uid), Some(gid)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if !is_account_name(name) || !is_id(uid) || !is_id(gid) {
            continue;
        }
        out.push_str(&format!("{name}:x:{uid}:{gid}:::\n"));
    }
    out
}

/// `name:pw:gid:members` becomes `name:x:gid:`.
pub fn reduce_group(text: &str) -> String {
    let mut out = String::with_capacity(text.len() / 2);
    for line in text.lines() {
        let mut fields = line.split(':');
        let (Some(name), Some(_password), Some(gid)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if !is_account_name(name) || !is_id(gid) {
            continue;
        }
        out.push_str(&format!("{name}:x:{gid}:\n"));
    }
    out
}

fn is_id(field: &str) -> bool {
    !field.is_empty() && field.len() <= 10 && field.bytes().all(|b| b.is_ascii_digit())
}

/// NIS `+`/`-` entries and names with odd bytes are not accounts the analyzer can use.
fn is_account_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['+', '-', '#'])
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '$' | '@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_keeps_only_names_and_ids() {
        let cases = [
            ("root:x:0:0:root:/root:/bin/bash\n", "root:x:0:0:::\n"),
            (
                "alice:$6$salt$hash:1000:1000:Alice Smith,Room 4,555-1234:/home/alice:/bin/zsh\n",
                "alice:x:1000:1000:::\n",
            ),
            (
                "nobody:*:65534:65534::/:/usr/sbin/nologin",
                "nobody:x:65534:65534:::\n",
            ),
            ("# comment\n\n", ""),
            ("short:x:1\n", ""),
            ("bad:x:abc:0:::\n", ""),
            ("+@netgroup::::::\n", ""),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(reduce_passwd(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn group_drops_members_and_passwords() {
        let cases = [
            ("wheel:x:10:alice,bob\n", "wheel:x:10:\n"),
            ("docker:!:998:\n", "docker:x:998:\n"),
            ("nogid:x::\n", ""),
            ("broken\n", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(reduce_group(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn a_hash_or_gecos_never_survives() {
        let out = reduce_passwd("u:$6$abc$secret:1:1:Real Name:/home/u:/bin/sh\n");
        assert!(!out.contains("secret"));
        assert!(!out.contains("Real Name"));
        assert!(!out.contains("/home/u"));
    }
}
