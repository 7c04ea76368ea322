//! `analyzer pods`: one row per pod like `crictl pods`, with the QoS class, the sandbox, the
//! network namespace and how the pod's containers share namespaces.

use super::table::{Column, Table};
use super::text::{display_width, sanitize, Palette, Style, Width};
use crate::model::{Model, NsType, Pod, Sharing};
use crate::present::{labels, Index};

/// The sharing in a few words, grouped by kind: `ipc,net:pod user:host mnt,pid,uts:private`.
pub fn sharing_summary(pod: &Pod) -> String {
    let group = |wanted: Sharing| {
        let types: Vec<&str> = pod
            .namespace_sharing
            .iter()
            .filter(|(_, sharing)| **sharing == wanted)
            .map(|(kind, _)| kind.as_str())
            .collect();
        (!types.is_empty()).then(|| format!("{}:{wanted}", types.join(",")))
    };
    let parts: Vec<String> = [
        group(Sharing::Pod),
        group(Sharing::Host),
        group(Sharing::Private),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        "-".to_string()
    } else {
        parts.join(" ")
    }
}

/// The table. On a narrow terminal the sharing goes on a line of its own under each pod, since
/// it would leave no room for the name; `--wide` keeps each pod on one line.
pub fn render(model: &Model, width: Width, palette: Palette) -> String {
    if model.pods.is_empty() {
        return "no pods in this snapshot\n".to_string();
    }
    let index = Index::new(model);
    let wide = width == Width::Unlimited;
    let mut columns = vec![
        Column::left("POD ID"),
        Column::left("NAMESPACE/NAME").max(26),
        Column::left("QOS"),
        Column::right("CONTAINERS"),
        Column::right("SANDBOX PID"),
        Column::right("NET NS"),
    ];
    // Where the node's pods run on more than one runtime instance, each says which.
    let runtimes = &model.node.runtimes;
    let several_runtimes = model
        .pods
        .iter()
        .map(|p| &p.runtime_instance)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        > 1;
    let runtime_of = |pod: &Pod| {
        pod.runtime_instance
            .as_ref()
            .map_or_else(|| "-".to_string(), |id| labels::runtime_id(runtimes, id))
    };
    if wide {
        columns.push(Column::left("SHARING"));
        if several_runtimes {
            columns.push(Column::left("RUNTIME"));
        }
    }
    // One space between columns: with two, the name would get less than 26 columns.
    let mut table = Table::new(columns).gap(if wide { 2 } else { 1 });
    let mut sharing_lines = Vec::new();
    for pod in &model.pods {
        let containers = pod
            .container_ids
            .iter()
            .filter(|id| index.container(id).is_none_or(|c| !c.sandbox))
            .count();
        let net = pod
            .sandbox_pid
            .and_then(|pid| index.process(pid))
            .and_then(|p| p.namespaces.get(&NsType::Net))
            .map_or_else(|| "-".to_string(), ToString::to_string);
        let mut row = vec![
            if wide {
                pod.uid.to_string()
            } else {
                labels::short_uid(&pod.uid).to_string()
            }
            .into(),
            pod_label_or_dash(pod).into(),
            pod.qos
                .map_or_else(|| "-".to_string(), |q| q.to_string())
                .into(),
            containers.to_string().into(),
            pod.sandbox_pid
                .map_or_else(|| "-".to_string(), |p| p.to_string())
                .into(),
            net.into(),
        ];
        if wide {
            row.push(sharing_summary(pod).into());
            if several_runtimes {
                row.push(runtime_of(pod).into());
            }
        }
        table.row(row);
        sharing_lines.push((sharing_summary(pod), runtime_of(pod)));
    }
    let rendered = table.render(width, palette);
    if wide {
        return rendered;
    }
    let mut out = String::new();
    let mut lines = rendered.lines();
    if let Some(header) = lines.next() {
        out.push_str(header);
        out.push('\n');
    }
    for (line, (sharing, runtime)) in lines.zip(sharing_lines) {
        out.push_str(line);
        out.push('\n');
        if several_runtimes {
            let text = format!("  runtime {}", sanitize(&runtime));
            out.push_str(&palette.paint(Style::Dim, &width.fit(&text, 0)));
            out.push('\n');
        }
        // Wrapped, never cut: a cut would drop a whole group (`mnt,pid,uts:private`).
        let text = format!("  sharing {}", sanitize(&sharing));
        let wrapped = match width {
            Width::Columns(columns) => wrap_sharing(&text, columns),
            Width::Unlimited => vec![text],
        };
        for part in wrapped {
            out.push_str(&palette.paint(Style::Dim, &part));
            out.push('\n');
        }
    }
    out
}

/// Breaks a sharing line between groups, and inside a long group after a comma, so that
/// every namespace type stays whole; continuation lines line up under the first group.
fn wrap_sharing(text: &str, columns: usize) -> Vec<String> {
    const INDENT: usize = "  sharing ".len();
    let mut lines = Vec::new();
    let mut line = String::new();
    for (g, group) in text.split(' ').filter(|w| !w.is_empty()).enumerate() {
        // The words "sharing" and the first group keep their two-space lead.
        let group = if g == 0 {
            format!("  {group}")
        } else {
            group.to_string()
        };
        let pieces: Vec<&str> = group.split_inclusive(',').collect();
        for (p, piece) in pieces.iter().enumerate() {
            let separator = usize::from(p == 0 && !line.trim().is_empty());
            let fits = display_width(&line) + separator + display_width(piece) <= columns;
            if !fits && !line.trim().is_empty() {
                lines.push(std::mem::replace(&mut line, " ".repeat(INDENT)));
            } else if separator == 1 {
                line.push(' ');
            }
            line.push_str(piece);
        }
    }
    if !line.trim().is_empty() {
        lines.push(line);
    }
    lines
}

fn pod_label_or_dash(pod: &Pod) -> String {
    if pod.name.is_none() {
        return "-".to_string();
    }
    labels::pod(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use crate::views::golden;
    use nodesnap_fixtures::layouts::seed;

    #[test]
    fn pods_like_crictl_with_sharing_below_each_row() {
        let model = fixture::seed();
        let out = render(&model, Width::Columns(80), Palette::PLAIN);
        golden::check("pods.txt", &out);
        assert!(out.lines().all(|l| l.chars().count() <= 80), "{out}");
    }

    #[test]
    fn wide_pods_keep_one_line_each() {
        let model = fixture::seed();
        golden::check(
            "pods-wide.txt",
            &render(&model, Width::Unlimited, Palette::PLAIN),
        );
    }

    #[test]
    fn sharing_of_the_walkthrough_pod() {
        let model = fixture::seed();
        let pod = model
            .pods
            .iter()
            .find(|p| p.uid.as_str() == seed::POD_NGINX_REDIS)
            .unwrap();
        assert_eq!(
            sharing_summary(pod),
            "ipc,net:pod user:host mnt,pid,uts:private"
        );
    }

    #[test]
    fn a_long_sharing_line_wraps_at_a_group_and_keeps_every_group() {
        let mut model = fixture::seed();
        let pod = model
            .pods
            .iter_mut()
            .find(|p| p.uid.as_str() == seed::POD_NGINX_REDIS)
            .unwrap();
        for kind in [
            NsType::Cgroup,
            NsType::PidForChildren,
            NsType::Time,
            NsType::TimeForChildren,
        ] {
            pod.namespace_sharing.insert(kind, Sharing::Private);
        }
        let out = render(&model, Width::Columns(70), Palette::PLAIN);
        assert!(out.lines().all(|l| l.chars().count() <= 70), "{out}");
        let private = "cgroup,mnt,pid,pid_for_children,time,time_for_children,uts:private";
        let sharing: Vec<&str> = out
            .lines()
            .skip_while(|l| !l.starts_with("f5f16f15"))
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .collect();
        assert_eq!(sharing.len(), 2, "wrapped over two lines: {out}");
        let joined: String = sharing.iter().map(|l| l.trim()).collect();
        assert!(joined.ends_with(private), "every group survives: {out}");
        assert!(
            sharing.iter().all(|l| !l.contains('…')),
            "nothing is cut: {out}"
        );
    }

    #[test]
    fn a_node_without_pods_says_so() {
        let mut model = fixture::seed();
        model.pods.clear();
        assert_eq!(
            render(&model, Width::Columns(80), Palette::PLAIN),
            "no pods in this snapshot\n"
        );
    }
}
