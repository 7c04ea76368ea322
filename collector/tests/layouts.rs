//! The collector on every layout of nodesnap-fixtures, the trees the workspace claims to
//! understand: each is read whole, and the fake secret their runtime configs and one command
//! line carry never reaches the tarball.

use crate::support::*;
use nodesnap_fixtures::runtime_files::FAKE_SECRET;
use nodesnap_fixtures::{layouts, TempDir};

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[test]
fn every_layout_is_collected_with_every_process_and_without_its_secret() {
    for (name, node) in layouts::all() {
        let dir = TempDir::new(&format!("collector-{name}"));
        let root = dir.join(name);
        node.write_to(&root)
            .unwrap_or_else(|e| panic!("writing {name}: {e}"));
        let (snap, _) = collect_ok(&root, &[]);
        assert_eq!(
            snap.manifest.hostname.as_deref(),
            Some(node.facts.hostname.as_str()),
            "{name}"
        );
        assert_eq!(
            snap.manifest.counts.processes as usize,
            node.processes().count(),
            "{name}"
        );
        for p in node.processes() {
            assert!(
                snap.bundles.contains_key(&format!("proc/{}", p.pid)),
                "{name}: no bundle for pid {}",
                p.pid
            );
        }
        for (path, bytes) in &snap.files {
            assert!(
                !holds(bytes, FAKE_SECRET),
                "{name}: {path} holds the fake secret"
            );
        }
        assert!(
            !snap.metadata.to_string().contains(FAKE_SECRET),
            "{name}: the runtime metadata holds the fake secret"
        );
    }
}
