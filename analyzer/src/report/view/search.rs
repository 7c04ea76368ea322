//! The page's search index: for each element the script can hide, the names, ids and pids
//! that find it.

use super::super::text::visible;
use super::links::Links;
use super::pods::pod_containers;
use crate::present::labels;

/// What the page's search script needs: for each element it can hide, the element's id, the
/// names matched as substrings, the ids matched by prefix and the pids matched exactly; and for
/// each id the pids it holds, so that an id prefix finds the processes of what it names.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    pub entries: Vec<SearchEntry>,
}

#[derive(Debug, Clone)]
pub struct SearchEntry {
    pub element: String,
    pub names: String,
    pub ids: Vec<String>,
    pub pids: Vec<u32>,
    /// Parallel to `ids`: the pids of the pod or container each id names.
    pub id_pids: Vec<Vec<u32>>,
}

impl SearchIndex {
    /// The index as `[[element, names, [ids], [pids], [[pids of each id]]], ...]`, names and
    /// ids lowercased.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.entries
                .iter()
                .map(|e| {
                    serde_json::json!([e.element, e.names.to_lowercase(), e.ids, e.pids, e.id_pids])
                })
                .collect(),
        )
    }
}

fn add_pod_entries(links: &Links, search: &mut SearchIndex) {
    for pod in &links.model.pods {
        let containers = pod_containers(links, pod);
        let mut names = vec![visible(&labels::pod(pod))];
        let mut ids = vec![pod.uid.to_string()];
        let mut pids = Vec::new();
        let mut container_pids = Vec::new();
        for c in &containers {
            names.push(visible(labels::container(c)));
            ids.push(c.id.to_string());
            container_pids.push(c.pids.iter().map(|p| p.0).collect());
            for pid in &c.pids {
                pids.push(pid.0);
                if let Some(p) = links.index.process(*pid) {
                    names.push(visible(&p.comm));
                }
            }
        }
        names.dedup();
        // The pod's own uid names every process of the pod.
        let id_pids = std::iter::once(pids.clone())
            .chain(container_pids)
            .collect();
        search.entries.push(SearchEntry {
            element: format!("pod-{}", pod.uid),
            names: names.join("\n"),
            ids,
            pids,
            id_pids,
        });
    }
}

fn add_standalone_entries(links: &Links, search: &mut SearchIndex) {
    for c in links
        .model
        .containers
        .iter()
        .filter(|c| c.pod_uid.is_none())
    {
        let mut names = vec![visible(labels::container(c))];
        names.extend(c.image.as_deref().map(visible));
        for pid in &c.pids {
            if let Some(p) = links.index.process(*pid) {
                names.push(visible(&p.comm));
            }
        }
        search.entries.push(SearchEntry {
            element: links.container_anchor(&c.id),
            names: names.join("\n"),
            ids: vec![c.id.to_string()],
            pids: c.pids.iter().map(|p| p.0).collect(),
            id_pids: vec![c.pids.iter().map(|p| p.0).collect()],
        });
    }
}

/// The index of every pod card and standalone container.
pub(super) fn index(links: &Links) -> SearchIndex {
    let mut search = SearchIndex::default();
    add_pod_entries(links, &mut search);
    add_standalone_entries(links, &mut search);
    search
}
