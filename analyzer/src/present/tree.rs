//! Walking a tree the way pstree and systemd-cgls draw it, with the guide characters before
//! each line (`├─`, `│ `, `└─`): one walker for the terminal views and the report, without
//! recursion so that a deep or hostile tree cannot exhaust the stack.

/// Levels drawn with their own indentation. Real trees are a dozen levels deep (cgroup paths
/// are at most 64, `MAX_CGROUP_DEPTH`); a hostile snapshot could chain thousands of processes,
/// and every line repeats its depth in guide characters. Deeper levels are still drawn, each
/// with the last indentation and a `·`, so that nothing is left out.
pub const MAX_DEPTH: usize = 64;

/// A node's place in the walk.
pub struct Step<T> {
    pub node: T,
    /// Guide characters before the node's line: empty for a root, `│ ├─` below it.
    pub guide: String,
    /// What the guides of the node's children continue from; hand it to
    /// [`TreeWalk::push_children`].
    pub child_prefix: String,
    /// 0 for a root.
    pub depth: usize,
}

struct Pending<T> {
    node: T,
    prefix: String,
    /// None for a root; whether the node is its parent's last child otherwise.
    last: Option<bool>,
    depth: usize,
}

/// Depth-first, in order: take a node with [`TreeWalk::next_step`], draw it, then push its
/// children. Which nodes were seen already (cycles in hostile data) is the caller's to track.
pub struct TreeWalk<T> {
    stack: Vec<Pending<T>>,
}

impl<T> TreeWalk<T> {
    /// A walk that visits `roots` in order, each without a guide.
    pub fn new(roots: impl IntoIterator<Item = T>) -> TreeWalk<T> {
        let mut stack: Vec<Pending<T>> = roots
            .into_iter()
            .map(|node| Pending {
                node,
                prefix: String::new(),
                last: None,
                depth: 0,
            })
            .collect();
        stack.reverse();
        TreeWalk { stack }
    }

    pub fn next_step(&mut self) -> Option<Step<T>> {
        let Pending {
            node,
            prefix,
            last,
            depth,
        } = self.stack.pop()?;
        let (guide, child_prefix) = match last {
            None => (String::new(), String::new()),
            Some(_) if depth > MAX_DEPTH => (format!("{prefix}·"), prefix),
            Some(true) => (format!("{prefix}└─"), format!("{prefix}  ")),
            Some(false) => (format!("{prefix}├─"), format!("{prefix}│ ")),
        };
        Some(Step {
            node,
            guide,
            child_prefix,
            depth,
        })
    }

    /// Queues the children of the node last taken, whose step gave `child_prefix` and `depth`.
    pub fn push_children(&mut self, children: Vec<T>, child_prefix: &str, depth: usize) {
        let last = children.len().saturating_sub(1);
        for (i, child) in children.into_iter().enumerate().rev() {
            self.stack.push(Pending {
                node: child,
                prefix: child_prefix.to_string(),
                last: Some(i == last),
                depth: depth + 1,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guides of the tree below `roots`, one line per node.
    fn lines(roots: &[u32], children: impl Fn(u32) -> Vec<u32>) -> Vec<String> {
        let mut walk = TreeWalk::new(roots.iter().copied());
        let mut out = Vec::new();
        while let Some(step) = walk.next_step() {
            out.push(format!("{}{}", step.guide, step.node));
            walk.push_children(children(step.node), &step.child_prefix, step.depth);
        }
        out
    }

    #[test]
    fn draws_branches_like_systemd_cgls() {
        let children = |n| match n {
            1 => vec![2, 3],
            2 => vec![4],
            _ => vec![],
        };
        assert_eq!(lines(&[1, 5], children), ["1", "├─2", "│ └─4", "└─3", "5"]);
    }

    #[test]
    fn levels_past_max_depth_keep_the_last_indentation() {
        let chain = |n: u32| if n < 100_000 { vec![n + 1] } else { vec![] };
        let out = lines(&[0], chain);
        assert_eq!(out.len(), 100_001, "nothing is left out");
        let indent = "  ".repeat(MAX_DEPTH - 1);
        assert_eq!(out[MAX_DEPTH], format!("{indent}└─{MAX_DEPTH}"));
        let flat = format!("{indent}  ·");
        assert_eq!(out[MAX_DEPTH + 1], format!("{flat}{}", MAX_DEPTH + 1));
        assert_eq!(out[100_000], format!("{flat}100000"));
    }
}
