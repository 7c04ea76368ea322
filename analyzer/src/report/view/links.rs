//! What every section of the report shares: the model's index, the page's anchors, and the
//! texts and targets of links to pods, containers and processes. Labels come from
//! `present::labels`, made visible for the page here.

use super::super::text::{visible, visible_short, LIST_CMD_CHARS};
use crate::model::{ContainerId, Holder, Inode, Model, NsType, Pid, PodUid};
use crate::present::{labels, Index};
use std::collections::HashSet;

/// The processes that have a home line in the process tree (`#p<pid>`), where every other
/// mention of them links to.
pub(super) type Homes = HashSet<Pid>;

/// A label and its preformatted value; `warn` marks values that need attention.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub label: &'static str,
    pub value: String,
    pub warn: bool,
}

impl Fact {
    pub(super) fn new(label: &'static str, value: impl Into<String>) -> Fact {
        Fact {
            label,
            value: value.into(),
            warn: false,
        }
    }

    pub(super) fn warn(label: &'static str, value: impl Into<String>, warn: bool) -> Fact {
        Fact {
            label,
            value: value.into(),
            warn,
        }
    }
}

/// Text that links to an anchor in the report when its target is shown there.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkView {
    pub text: String,
    /// `#pod-…`, `#c-…`, `#p…`, `#g…` or `#node`.
    pub href: Option<String>,
}

impl LinkView {
    pub(super) fn plain(text: impl Into<String>) -> LinkView {
        LinkView {
            text: text.into(),
            href: None,
        }
    }
}

pub fn pod_anchor(uid: &PodUid) -> String {
    format!("#pod-{}", uid)
}

/// `#p<pid>` when the process has a home line in the tree.
pub(super) fn process_href(homes: &Homes, pid: Pid) -> Option<String> {
    homes.contains(&pid).then(|| format!("#p{pid}"))
}

/// The model's index and the report's own lookups, built once per page.
pub(super) struct Links<'m> {
    pub index: Index<'m>,
    pub model: &'m Model,
    /// The node's pods run on more than one runtime instance: each pod card names its own.
    pub pods_on_several_runtimes: bool,
    /// Namespaces that belong to the host, by type.
    host_namespaces: HashSet<(NsType, Inode)>,
}

impl<'m> Links<'m> {
    pub(super) fn new(model: &'m Model) -> Links<'m> {
        let mut host_namespaces: HashSet<(NsType, Inode)> = model
            .namespaces
            .iter()
            .filter(|ns| ns.holder == Holder::Host)
            .map(|ns| (ns.kind, ns.inode))
            .collect();
        // pid 1's namespaces are the host's even when the model lists no holders.
        if let Some(init) = model.processes.iter().find(|p| p.pid == Pid(1)) {
            host_namespaces.extend(init.namespaces.iter().map(|(k, i)| (*k, *i)));
        }
        Links {
            index: Index::new(model),
            model,
            pods_on_several_runtimes: model
                .pods
                .iter()
                .map(|p| &p.runtime_instance)
                .collect::<HashSet<_>>()
                .len()
                > 1,
            host_namespaces,
        }
    }

    pub(super) fn is_host_namespace(&self, kind: NsType, inode: Inode) -> bool {
        self.host_namespaces.contains(&(kind, inode))
    }

    /// The pod's label, visible.
    pub(super) fn pod_title(&self, uid: &PodUid) -> String {
        visible(&self.index.pod_label(uid))
    }

    pub(super) fn pod_link(&self, uid: &PodUid) -> LinkView {
        LinkView {
            text: self.pod_title(uid),
            href: self.index.pod(uid).map(|_| pod_anchor(uid)),
        }
    }

    pub(super) fn container_link(&self, id: &ContainerId) -> LinkView {
        match self.index.container(id) {
            Some(c) => LinkView {
                text: visible(labels::container(c)),
                href: Some(format!("#{}", self.container_anchor(id))),
            },
            None => LinkView::plain(id.short()),
        }
    }

    /// The container's name after its pod's, where a bare name would be ambiguous.
    pub(super) fn container_link_in_pod(&self, id: &ContainerId) -> LinkView {
        let mut link = self.container_link(id);
        if let Some(uid) = self.index.container(id).and_then(|c| c.pod_uid.as_ref()) {
            link.text = format!("{} · {}", self.pod_title(uid), link.text);
        }
        link
    }

    /// `c-` and the 12-character short id, or the full id where two containers share a short
    /// one: anchors appear tens of thousands of times on a big node.
    pub(super) fn container_anchor(&self, id: &ContainerId) -> String {
        if self.index.short_id_is_shared(id) {
            format!("c-{id}")
        } else {
            format!("c-{}", id.short())
        }
    }

    /// A process's command, cut for the lists (cgroup tree, namespaces).
    pub(super) fn process_cmd(&self, pid: Pid) -> String {
        self.index
            .process(pid)
            .map(|p| visible_short(&labels::command(p), LIST_CMD_CHARS))
            .unwrap_or_default()
    }
}
