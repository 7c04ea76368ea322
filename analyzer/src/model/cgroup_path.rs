//! Cgroup paths stored as a tree of names: a path is its last name and a link to its parent,
//! so a tree of N cgroups costs N names, never N full paths, however deep it is.
//!
//! [`CgroupPaths`] interns them: each distinct path is made once and shared by every cgroup,
//! parent link, pod and finding that names it. Paths past [`MAX_CGROUP_DEPTH`] levels or
//! [`MAX_CGROUP_PATH_BYTES`] bytes are refused ([`PathOverLimit`]); the model keeps them as gaps.

use crate::present::units::count;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Most levels below the root a cgroup path may have. systemd and the kubelet make paths of
/// at most about 10 levels (`/kubelet.slice/kubelet-kubepods.slice/…/cri-containerd-<id>.scope`
/// is 5; a kind node nested in a pod about 12); 64 leaves a wide margin, and is the depth the
/// terminal trees draw.
pub const MAX_CGROUP_DEPTH: usize = 64;

/// Most bytes a cgroup path may have: PATH_MAX, which the kernel itself does not exceed when it
/// writes /proc/<pid>/cgroup (a longer path makes the read fail with ENAMETOOLONG). Real paths
/// are a few hundred bytes.
pub const MAX_CGROUP_PATH_BYTES: usize = 4096;

/// A cgroup path, absolute within its hierarchy (`/` for the root). Cloning is a reference
/// count; comparing, hashing and printing walk its levels (at most [`MAX_CGROUP_DEPTH`]).
#[derive(Clone)]
pub struct CgroupPath(Arc<Node>);

struct Node {
    parent: Option<CgroupPath>,
    /// The last component; empty for the root.
    name: Box<str>,
    depth: u32,
    /// Bytes of the path as text (`/` is 1).
    text_len: u32,
}

/// A path refused for its depth or length, with what it had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathOverLimit {
    pub levels: usize,
    pub bytes: usize,
}

impl fmt::Display for PathOverLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a cgroup path of {} levels and {} bytes, past the analyzer's limits of {} levels \
             and {} bytes",
            count(self.levels as u64),
            count(self.bytes as u64),
            MAX_CGROUP_DEPTH,
            count(MAX_CGROUP_PATH_BYTES as u64)
        )
    }
}

impl std::error::Error for PathOverLimit {}

/// The names of a path as text, in order; empty ones (`//`, a trailing `/`) are not names.
fn components(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|name| !name.is_empty())
}

/// Checks a path's depth and length (as it will be stored: `/` plus each name) without
/// storing anything.
pub fn check_limits(path: &str) -> Result<(), PathOverLimit> {
    let (mut levels, mut bytes) = (0usize, 0usize);
    for name in components(path) {
        levels += 1;
        bytes += 1 + name.len();
    }
    if levels > MAX_CGROUP_DEPTH || bytes > MAX_CGROUP_PATH_BYTES {
        return Err(PathOverLimit {
            levels,
            bytes: bytes.max(path.len()),
        });
    }
    Ok(())
}

/// The part of `path` up to and including the first level past the limits, for naming a
/// refused subtree once instead of every directory below it. None when within the limits.
pub fn first_level_past_limits(path: &str) -> Option<&str> {
    let (mut levels, mut bytes) = (0usize, 0usize);
    let mut offset = 0usize;
    for piece in path.split('/') {
        let end = offset + piece.len();
        offset = end + 1;
        if piece.is_empty() {
            continue;
        }
        levels += 1;
        bytes += 1 + piece.len();
        if levels > MAX_CGROUP_DEPTH || bytes > MAX_CGROUP_PATH_BYTES {
            return path.get(..end);
        }
    }
    None
}

impl CgroupPath {
    /// The root, `/`.
    pub fn root() -> CgroupPath {
        CgroupPath(Arc::new(Node {
            parent: None,
            name: Box::from(""),
            depth: 0,
            text_len: 1,
        }))
    }

    /// One path on its own (tests, and paths a user types); the model's paths come from a
    /// [`CgroupPaths`] so that they share their ancestors.
    pub fn new(path: &str) -> Result<CgroupPath, PathOverLimit> {
        CgroupPaths::new().intern(path)
    }

    fn child(&self, name: &str) -> CgroupPath {
        let base = if self.is_root() { 0 } else { self.0.text_len };
        CgroupPath(Arc::new(Node {
            parent: Some(self.clone()),
            name: Box::from(name),
            depth: self.0.depth + 1,
            text_len: base + 1 + name.len() as u32,
        }))
    }

    pub fn is_root(&self) -> bool {
        self.0.depth == 0
    }

    pub fn parent(&self) -> Option<&CgroupPath> {
        self.0.parent.as_ref()
    }

    /// The last name (`cri-containerd-<id>.scope`); empty for the root.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Levels below the root: 0 for `/`, 1 for `/system.slice`.
    pub fn depth(&self) -> usize {
        self.0.depth as usize
    }

    /// Bytes of the path as text.
    pub fn text_len(&self) -> usize {
        self.0.text_len as usize
    }

    /// The names from the root down (empty for the root).
    pub fn names(&self) -> Vec<&str> {
        let mut names = Vec::with_capacity(self.depth());
        let mut node = self;
        while let Some(parent) = node.parent() {
            names.push(node.name());
            node = parent;
        }
        names.reverse();
        names
    }

    /// This path and its ancestors, nearest first, the root last.
    pub fn ancestors(&self) -> impl Iterator<Item = &CgroupPath> {
        std::iter::successors(Some(self), |p| p.parent())
    }

    /// Whether `self` is `other` or lies below it.
    pub fn starts_with(&self, other: &CgroupPath) -> bool {
        self.depth() >= other.depth()
            && self
                .ancestors()
                .nth(self.depth() - other.depth())
                .is_some_and(|a| a == other)
    }
}

impl fmt::Display for CgroupPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str("/");
        }
        for name in self.names() {
            f.write_str("/")?;
            f.write_str(name)?;
        }
        Ok(())
    }
}

impl fmt::Debug for CgroupPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl PartialEq for CgroupPath {
    fn eq(&self, other: &CgroupPath) -> bool {
        let (mut a, mut b) = (self, other);
        loop {
            if Arc::ptr_eq(&a.0, &b.0) {
                return true;
            }
            if a.0.depth != b.0.depth || a.0.text_len != b.0.text_len || a.0.name != b.0.name {
                return false;
            }
            match (a.parent(), b.parent()) {
                (Some(pa), Some(pb)) => (a, b) = (pa, pb),
                (None, None) => return true,
                _ => return false,
            }
        }
    }
}

impl Eq for CgroupPath {}

impl PartialEq<str> for CgroupPath {
    fn eq(&self, text: &str) -> bool {
        if self.text_len() != text.len() {
            return false;
        }
        if self.is_root() {
            return text == "/";
        }
        let mut rest = text;
        for node in self.ancestors().take(self.depth()) {
            match rest
                .strip_suffix(node.name())
                .and_then(|r| r.strip_suffix('/'))
            {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    }
}

impl PartialEq<&str> for CgroupPath {
    fn eq(&self, text: &&str) -> bool {
        self == *text
    }
}

impl PartialEq<String> for CgroupPath {
    fn eq(&self, text: &String) -> bool {
        self == text.as_str()
    }
}

impl Hash for CgroupPath {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.depth());
        for name in self.ancestors().map(CgroupPath::name) {
            state.write(name.as_bytes());
            state.write_u8(b'/');
        }
    }
}

/// Ordered as their text is (byte by byte), so that a sorted list matches a sorted list of
/// strings: parents before children.
impl Ord for CgroupPath {
    fn cmp(&self, other: &CgroupPath) -> Ordering {
        // Below their deepest common ancestor the texts differ first within the two names
        // that follow it (or where one path ends): found by walking up, without building text.
        let (mut a, mut b) = (self, other);
        while a.depth() > b.depth() {
            a = a
                .parent()
                .expect("deeper than another path, so not the root");
        }
        while b.depth() > a.depth() {
            b = b
                .parent()
                .expect("deeper than another path, so not the root");
        }
        // The highest pair of names that differ, at the same depth.
        let mut differ: Option<(&CgroupPath, &CgroupPath)> = None;
        let (mut x, mut y) = (a, b);
        while !Arc::ptr_eq(&x.0, &y.0) {
            if x.name() != y.name() {
                differ = Some((x, y));
            }
            match (x.parent(), y.parent()) {
                (Some(px), Some(py)) => (x, y) = (px, py),
                _ => break,
            }
        }
        let Some((x, y)) = differ else {
            // One is the other or an ancestor of it: the shorter text is a prefix.
            return self.depth().cmp(&other.depth());
        };
        let (nx, ny) = (x.name().as_bytes(), y.name().as_bytes());
        let common = nx.iter().zip(ny).take_while(|(p, q)| p == q).count();
        // The byte after the common part: within the name, or `/` if the path goes deeper.
        let next = |path: &CgroupPath, at: &CgroupPath, name: &[u8]| {
            name.get(common)
                .copied()
                .or((path.depth() > at.depth()).then_some(b'/'))
        };
        next(self, x, nx).cmp(&next(other, y, ny))
    }
}

impl PartialOrd for CgroupPath {
    fn partial_cmp(&self, other: &CgroupPath) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Written as its text; serde_json streams it without building the string.
impl Serialize for CgroupPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A child in its parent's set, found by its name.
struct ByName(CgroupPath);

impl PartialEq for ByName {
    fn eq(&self, other: &ByName) -> bool {
        self.0.name() == other.0.name()
    }
}

impl Eq for ByName {}

impl Hash for ByName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.name().hash(state);
    }
}

impl std::borrow::Borrow<str> for ByName {
    fn borrow(&self) -> &str {
        self.0.name()
    }
}

/// Makes each distinct path once. Every path interned, and each of its ancestors, is listed by
/// [`CgroupPaths::all`] in the order it was first made.
pub struct CgroupPaths {
    root: CgroupPath,
    /// The children of each node, keyed by the node's address: stable, since every node is
    /// held by `made` (or is the root) for as long as this lives.
    children: HashMap<usize, HashSet<ByName>>,
    made: Vec<CgroupPath>,
    root_used: bool,
}

impl Default for CgroupPaths {
    fn default() -> CgroupPaths {
        CgroupPaths::new()
    }
}

impl CgroupPaths {
    pub fn new() -> CgroupPaths {
        CgroupPaths {
            root: CgroupPath::root(),
            children: HashMap::new(),
            made: Vec::new(),
            root_used: false,
        }
    }

    /// The stored path for `path` (`/kubepods/burstable`, `/`), made with its missing
    /// ancestors on first sight; refused past the limits. Empty names are skipped, so
    /// `/a//b/` is `/a/b`.
    pub fn intern(&mut self, path: &str) -> Result<CgroupPath, PathOverLimit> {
        check_limits(path)?;
        self.root_used = true;
        let mut node = self.root.clone();
        for name in components(path) {
            node = self.child(&node, name);
        }
        Ok(node)
    }

    fn child(&mut self, parent: &CgroupPath, name: &str) -> CgroupPath {
        let address = Arc::as_ptr(&parent.0) as usize;
        let siblings = self.children.entry(address).or_default();
        if let Some(found) = siblings.get(name) {
            return found.0.clone();
        }
        let node = parent.child(name);
        siblings.insert(ByName(node.clone()));
        self.made.push(node.clone());
        node
    }

    /// Every path interned and every ancestor of one, the root first (when anything was
    /// interned), then in the order they were made.
    pub fn all(&self) -> impl Iterator<Item = &CgroupPath> {
        self.root_used
            .then_some(&self.root)
            .into_iter()
            .chain(self.made.iter())
    }

    pub fn len(&self) -> usize {
        self.made.len() + usize::from(self.root_used)
    }

    pub fn is_empty(&self) -> bool {
        !self.root_used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> CgroupPath {
        CgroupPath::new(text).unwrap()
    }

    #[test]
    fn text_round_trips_and_empty_names_are_skipped() {
        assert_eq!(path("/").to_string(), "/");
        assert_eq!(path("").to_string(), "/");
        assert_eq!(
            path("/kubepods/burstable").to_string(),
            "/kubepods/burstable"
        );
        assert_eq!(
            path("kubepods//burstable/").to_string(),
            "/kubepods/burstable"
        );
        assert_eq!(path("/../../x.slice").to_string(), "/../../x.slice");
        let p = path("/a/bc");
        assert_eq!((p.depth(), p.text_len(), p.name()), (2, 5, "bc"));
        assert_eq!(p.parent().unwrap().to_string(), "/a");
        assert!(p.parent().unwrap().parent().unwrap().is_root());
        assert_eq!(path("/").name(), "");
    }

    #[test]
    fn interning_shares_ancestors_and_makes_each_path_once() {
        let mut paths = CgroupPaths::new();
        assert!(paths.is_empty());
        let a = paths.intern("/kubepods/burstable/pod1").unwrap();
        let b = paths.intern("/kubepods/burstable/pod2").unwrap();
        let again = paths.intern("/kubepods/burstable/pod1/").unwrap();
        assert!(Arc::ptr_eq(&a.0, &again.0));
        assert!(Arc::ptr_eq(&a.parent().unwrap().0, &b.parent().unwrap().0));
        let all: Vec<String> = paths.all().map(|p| p.to_string()).collect();
        assert_eq!(
            all,
            [
                "/",
                "/kubepods",
                "/kubepods/burstable",
                "/kubepods/burstable/pod1",
                "/kubepods/burstable/pod2"
            ]
        );
        assert_eq!(paths.len(), 5);
    }

    #[test]
    fn equality_hash_and_order_follow_the_text() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |p: &CgroupPath| {
            let mut h = DefaultHasher::new();
            p.hash(&mut h);
            h.finish()
        };
        // Made apart, equal by value.
        let (x, y) = (path("/a/b"), path("/a/b"));
        assert_eq!(x, y);
        assert_eq!(hash(&x), hash(&y));
        assert_ne!(path("/a/b"), path("/ab"));
        assert_ne!(path("/a/b"), path("/a/c"));
        assert!(x == "/a/b" && x != "/a/b/" && x != "/a" && path("/") == "/");
        // Byte order of the text, as sorted strings were: `-` sorts before `/`.
        let mut sorted = [
            path("/a/b"),
            path("/a-b"),
            path("/"),
            path("/a"),
            path("/a/b/c"),
            path("/a.slice"),
        ];
        sorted.sort();
        let texts: Vec<String> = sorted.iter().map(|p| p.to_string()).collect();
        let mut expected = texts.clone();
        expected.sort();
        assert_eq!(texts, expected);
        assert_eq!(texts[0], "/");
        // Every pair of a mixed set orders as its text does, shared ancestors or not.
        let texts = [
            "/", "/a", "/a/b", "/a/b/c", "/a-b", "/a-b/c", "/a.slice", "/ab", "/a/bc", "/a/b-c",
            "/b", "/a/a/a", "/a/a", "/x/y/z", "/x/y", "/x/yz", "/x/y/z/w",
        ];
        let mut shared = CgroupPaths::new();
        for (i, s) in texts.iter().enumerate() {
            for t in &texts[i..] {
                let expected = s.cmp(t);
                assert_eq!(path(s).cmp(&path(t)), expected, "{s} vs {t}");
                assert_eq!(path(t).cmp(&path(s)), expected.reverse(), "{t} vs {s}");
                let (ps, pt) = (shared.intern(s).unwrap(), shared.intern(t).unwrap());
                assert_eq!(ps.cmp(&pt), expected, "interned {s} vs {t}");
                assert_eq!(ps == *t, s == t, "{s} == {t}");
            }
        }
        assert!(path("/a/b/c").starts_with(&path("/a")));
        assert!(path("/a").starts_with(&path("/a")));
        assert!(!path("/a-b").starts_with(&path("/a")));
        assert!(path("/x").starts_with(&path("/")));
    }

    #[test]
    fn serializes_as_its_text() {
        let json = serde_json::to_string(&path("/system.slice/a\"b")).unwrap();
        assert_eq!(json, r#""/system.slice/a\"b""#);
    }

    #[test]
    fn paths_past_the_limits_are_refused_and_the_cut_is_named() {
        let deep = "/a".repeat(MAX_CGROUP_DEPTH + 1);
        assert_eq!(
            CgroupPath::new(&deep).unwrap_err(),
            PathOverLimit {
                levels: 65,
                bytes: 130
            }
        );
        assert!(CgroupPath::new(&"/a".repeat(MAX_CGROUP_DEPTH)).is_ok());
        let long = format!("/{}", "x".repeat(MAX_CGROUP_PATH_BYTES));
        assert!(CgroupPath::new(&long).is_err());
        assert!(CgroupPath::new(&long[..MAX_CGROUP_PATH_BYTES]).is_ok());
        assert_eq!(
            first_level_past_limits(&format!("{deep}/b/c")),
            Some(deep.as_str())
        );
        assert_eq!(first_level_past_limits("/a/b"), None);
        let message = CgroupPath::new(&"/a".repeat(16_000))
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "a cgroup path of 16,000 levels and 32,000 bytes, past the analyzer's limits of 64 \
             levels and 4,096 bytes"
        );
    }

    #[test]
    fn a_hundred_thousand_level_path_is_checked_without_storing_it() {
        let mut paths = CgroupPaths::new();
        assert!(paths.intern(&"/a".repeat(100_000)).is_err());
        assert!(paths.is_empty());
    }
}
