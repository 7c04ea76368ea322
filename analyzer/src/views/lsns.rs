//! `analyzer lsns`: namespaces like lsns (NS TYPE NPROCS PID COMMAND, sorted by inode), plus
//! who holds each one: the host, a pod, or a container.

use super::table::{Cell, Column, Table};
use super::text::{Palette, Style, Width};
use crate::model::{Holder, Model, Namespace, NsType};
use crate::present::{labels, Index};

/// The HOLDER cell: `host`, `pod <namespace/name>`, `container <name>`, `sandbox of <pod>`,
/// or `other`.
pub fn holder_label(index: &Index, holder: &Holder) -> String {
    match holder {
        Holder::Host => "host".to_string(),
        Holder::Pod(uid) => format!("pod {}", index.pod_label(uid)),
        Holder::Container(id) => match index.container(id) {
            Some(c) if c.sandbox => match &c.pod_uid {
                Some(uid) => format!("sandbox of {}", index.pod_label(uid)),
                None => format!("sandbox {}", c.id.short()),
            },
            _ => format!("container {}", index.container_label(id)),
        },
        Holder::Other => "other".to_string(),
    }
}

/// The table, of one type or all. HOLDER comes before COMMAND (lsns' last column) so that on
/// a narrow terminal only the command line is cut.
pub fn render(model: &Model, kind: Option<NsType>, width: Width, palette: Palette) -> String {
    let index = Index::new(model);
    let mut namespaces: Vec<&Namespace> = model
        .namespaces
        .iter()
        .filter(|ns| kind.is_none_or(|k| ns.kind == k))
        .collect();
    namespaces.sort_by_key(|ns| (ns.inode, ns.kind));
    let mut table = Table::new(vec![
        Column::right("NS"),
        Column::left("TYPE"),
        Column::right("NPROCS"),
        Column::right("PID"),
        Column::left("HOLDER").max(32),
        Column::left("COMMAND"),
    ])
    .gap(1);
    for ns in namespaces {
        // lsns reports the lowest pid as the namespace's representative.
        let first = ns.pids.iter().min();
        let (pid, cmd) = match first.and_then(|pid| index.process(*pid)) {
            Some(process) => (
                process.pid.to_string(),
                labels::command(process).into_owned(),
            ),
            None => (
                first.map_or_else(|| "-".to_string(), ToString::to_string),
                String::new(),
            ),
        };
        let holder = holder_label(&index, &ns.holder);
        table.row(vec![
            ns.inode.to_string().into(),
            ns.kind.as_str().into(),
            ns.pids.len().to_string().into(),
            pid.into(),
            Cell {
                text: holder,
                style: if ns.holder == Holder::Host {
                    Style::Plain
                } else {
                    Style::Label
                },
            },
            cmd.into(),
        ]);
    }
    if table.is_empty() {
        if model.namespaces.is_empty()
            && model.collection.source == crate::model::CollectionSource::Sosreport
        {
            // Not "none match": the input has no namespaces to match.
            return "no namespaces: an sosreport records no namespace inodes (sos copies no \
                    /proc/<pid>/ns links); `analyzer pods` shows the sharing the runtimes \
                    declared, where they did\n"
                .to_string();
        }
        return "no namespaces match\n".to_string();
    }
    table.render(width, palette)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use crate::views::golden;

    #[test]
    fn every_namespace_with_its_holder() {
        let model = fixture::seed();
        golden::check(
            "lsns.txt",
            &render(&model, None, Width::Columns(80), Palette::PLAIN),
        );
    }

    #[test]
    fn net_namespaces_show_pod_f5f16f15_sharing_4026532662() {
        let model = fixture::seed();
        let out = render(&model, Some(NsType::Net), Width::Unlimited, Palette::PLAIN);
        golden::check("lsns-net.txt", &out);
        let row = out.lines().find(|l| l.starts_with("4026532662")).unwrap();
        assert_eq!(
            row.split_whitespace().take(6).collect::<Vec<_>>(),
            [
                "4026532662",
                "net",
                "11",
                "19057",
                "pod",
                "default/nginx-redis"
            ]
        );
    }

    #[test]
    fn an_sosreport_says_it_has_no_namespaces_instead_of_none_matching() {
        let mut model = fixture::seed();
        model.namespaces.clear();
        model.collection.source = crate::model::CollectionSource::Sosreport;
        let out = render(&model, None, Width::Unlimited, Palette::PLAIN);
        assert!(
            out.starts_with("no namespaces: an sosreport records no namespace inodes"),
            "{out}"
        );
    }

    #[test]
    fn a_type_with_no_namespaces_says_so() {
        let model = fixture::seed();
        assert_eq!(
            render(&model, Some(NsType::Time), Width::Unlimited, Palette::PLAIN),
            "no namespaces match\n"
        );
    }
}
