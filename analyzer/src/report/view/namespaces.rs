//! The namespaces section: every namespace like lsns, grouped by who holds it (the host,
//! pods, containers, others), each with its holder linked.

use super::links::{LinkView, Links};
use super::OPEN_LINES_MAX;
use crate::model::Holder;
use crate::present::units::count;

#[derive(Debug, Clone)]
pub struct NamespacesView {
    pub count: String,
    pub groups: Vec<NsGroup>,
}

#[derive(Debug, Clone)]
pub struct NsGroup {
    pub title: &'static str,
    pub open: bool,
    pub count: String,
    pub rows: Vec<NsRow>,
}

#[derive(Debug, Clone)]
/// One line of the `lsns`-like listing: NS, TYPE, NPROCS and PID padded for a monospace font,
/// then the holder (its column aligned by the stylesheet) and the command.
pub struct NsRow {
    pub columns: String,
    pub holder: LinkView,
    pub command: String,
}

/// The header of the namespace listings, padded like `NsRow`.
pub const NS_HEADER: (&str, &str, &str) =
    ("        NS TYPE   NPROCS     PID  ", "HOLDER", "COMMAND");

pub(super) fn namespaces_view(links: &Links) -> NamespacesView {
    let model = links.model;
    let mut groups: Vec<NsGroup> = Vec::new();
    for (title, wanted) in [
        ("Host", 0u8),
        ("Pods", 1),
        ("Containers", 2),
        ("Other (unshare and the like)", 3),
    ] {
        let mut namespaces: Vec<_> = model
            .namespaces
            .iter()
            .filter(|ns| {
                let group = match ns.holder {
                    Holder::Host => 0,
                    Holder::Pod(_) => 1,
                    Holder::Container(_) => 2,
                    Holder::Other => 3,
                };
                group == wanted
            })
            .collect();
        if namespaces.is_empty() {
            continue;
        }
        // The key formats a title: computed once per namespace, not once per comparison.
        namespaces.sort_by_cached_key(|ns| (holder_key(links, &ns.holder), ns.kind, ns.inode));
        let rows: Vec<NsRow> = namespaces
            .iter()
            .map(|ns| {
                let first = ns.pids.iter().min().copied();
                let command = first.map(|p| links.process_cmd(p)).unwrap_or_default();
                NsRow {
                    columns: format!(
                        "{:>10} {:<6} {:>6} {:>7}  ",
                        ns.inode.0,
                        ns.kind.as_str(),
                        ns.pids.len(),
                        first.map(|p| p.to_string()).unwrap_or_default(),
                    ),
                    command,
                    holder: match &ns.holder {
                        Holder::Host => LinkView::plain("host"),
                        Holder::Pod(uid) => links.pod_link(uid),
                        Holder::Container(id) => links.container_link_in_pod(id),
                        Holder::Other => LinkView::plain("other"),
                    },
                }
            })
            .collect();
        groups.push(NsGroup {
            title,
            open: wanted == 0 || rows.len() <= OPEN_LINES_MAX / 2,
            count: count(rows.len() as u64),
            rows,
        });
    }
    NamespacesView {
        count: count(model.namespaces.len() as u64),
        groups,
    }
}

/// What the rows of a group sort by: the holder's title.
fn holder_key(links: &Links, holder: &Holder) -> String {
    match holder {
        Holder::Pod(uid) => links.pod_title(uid),
        Holder::Container(id) => links.container_link_in_pod(id).text,
        Holder::Host | Holder::Other => String::new(),
    }
}
