//! A directory tree read into memory (files, symlinks, directories) so that two trees can be
//! compared entry by entry, as `diff -r --no-dereference` would.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One entry of a tree, by path relative to the tree's top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeEntry {
    Dir,
    File(Vec<u8>),
    Symlink(PathBuf),
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}: {source}")]
pub struct TreeError {
    pub path: PathBuf,
    pub source: io::Error,
}

/// Reads every entry below `top` without following symlinks.
pub fn read_tree(top: &Path) -> Result<BTreeMap<String, TreeEntry>, TreeError> {
    let mut out = BTreeMap::new();
    walk(top, top, &mut out)?;
    Ok(out)
}

fn walk(top: &Path, dir: &Path, out: &mut BTreeMap<String, TreeEntry>) -> Result<(), TreeError> {
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TreeError { path, source }
    };
    for entry in fs::read_dir(dir).map_err(err(dir))? {
        let entry = entry.map_err(err(dir))?;
        let path = entry.path();
        let rel = path
            .strip_prefix(top)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let kind = entry.file_type().map_err(err(&path))?;
        if kind.is_symlink() {
            let target = fs::read_link(&path).map_err(err(&path))?;
            out.insert(rel, TreeEntry::Symlink(target));
        } else if kind.is_dir() {
            out.insert(rel, TreeEntry::Dir);
            walk(top, &path, out)?;
        } else {
            let bytes = fs::read(&path).map_err(err(&path))?;
            out.insert(rel, TreeEntry::File(bytes));
        }
    }
    Ok(())
}

/// Human-readable differences between two trees, empty when they are identical.
pub fn differences(
    expected: &BTreeMap<String, TreeEntry>,
    actual: &BTreeMap<String, TreeEntry>,
) -> Vec<String> {
    let mut diffs = Vec::new();
    for (path, entry) in expected {
        match actual.get(path) {
            None => diffs.push(format!("missing: {path}")),
            Some(other) if other != entry => diffs.push(format!("differs: {path}")),
            Some(_) => {}
        }
    }
    for path in actual.keys() {
        if !expected.contains_key(path) {
            diffs.push(format!("unexpected: {path}"));
        }
    }
    diffs
}

/// Directories with no entries: git cannot commit them, so a generator must not make them.
pub fn empty_dirs(tree: &BTreeMap<String, TreeEntry>) -> Vec<String> {
    tree.iter()
        .filter(|(_, e)| **e == TreeEntry::Dir)
        .map(|(p, _)| p)
        .filter(|p| {
            let prefix = format!("{p}/");
            !tree.keys().any(|k| k.starts_with(&prefix))
        })
        .cloned()
        .collect()
}
