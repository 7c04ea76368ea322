//! `analyzer pods`: one row per pod like `crictl pods`, with the QoS class, the sandbox, the
//! network namespace and how the pod's containers share namespaces.

use super::index::{pod_label, Index};
use super::table::{Column, Table};
use super::text::{sanitize, Palette, Style, Width};
use crate::model::{Model, NsType, Pod, Sharing};

/// The sharing in a few words, grouped by kind: `ipc,net:pod user:host mnt,pid,uts:private`.
pub fn sharing_summary(pod: &Pod) -> String {
    let group = |wanted: Sharing, word: &str| {
        let types: Vec<&str> = pod
            .namespace_sharing
            .iter()
            .filter(|(_, sharing)| **sharing == wanted)
            .map(|(kind, _)| kind.as_str())
            .collect();
        (!types.is_empty()).then(|| format!("{}:{word}", types.join(",")))
    };
    let parts: Vec<String> = [
        group(Sharing::Pod, "pod"),
        group(Sharing::Host, "host"),
        group(Sharing::Private, "private"),
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
    if wide {
        columns.push(Column::left("SHARING"));
    }
    // One space between columns: with two, the name would get less than 26 columns.
    let mut table = Table::new(columns).gap(if wide { 2 } else { 1 });
    let mut sharing_lines = Vec::new();
    for pod in &model.pods {
        let containers = pod
            .container_ids
            .iter()
            .filter(|id| index.container(id.as_str()).is_none_or(|c| !c.sandbox))
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
                super::index::short_uid(&pod.uid).to_string()
            }
            .into(),
            pod_label_or_dash(pod).into(),
            pod.qos.map_or("-", |q| q.as_str()).into(),
            containers.to_string().into(),
            pod.sandbox_pid
                .map_or_else(|| "-".to_string(), |p| p.to_string())
                .into(),
            net.into(),
        ];
        if wide {
            row.push(sharing_summary(pod).into());
        }
        table.row(row);
        sharing_lines.push(sharing_summary(pod));
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
    for (line, sharing) in lines.zip(sharing_lines) {
        out.push_str(line);
        out.push('\n');
        let text = format!("  sharing {}", sanitize(&sharing));
        out.push_str(&palette.paint(Style::Dim, &width.fit(&text, 0)));
        out.push('\n');
    }
    out
}

fn pod_label_or_dash(pod: &Pod) -> String {
    if pod.name.is_none() {
        return "-".to_string();
    }
    pod_label(pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::{fixture, golden};

    #[test]
    fn pods_like_crictl_with_sharing_below_each_row() {
        let model = fixture::model();
        let out = render(&model, Width::Columns(80), Palette::PLAIN);
        golden::check("pods.txt", &out);
        assert!(out.lines().all(|l| l.chars().count() <= 80), "{out}");
    }

    #[test]
    fn wide_pods_keep_one_line_each() {
        let model = fixture::model();
        golden::check(
            "pods-wide.txt",
            &render(&model, Width::Unlimited, Palette::PLAIN),
        );
    }

    #[test]
    fn sharing_of_the_walkthrough_pod() {
        let model = fixture::model();
        let pod = model
            .pods
            .iter()
            .find(|p| p.uid.as_str() == fixture::POD_NGINX_REDIS)
            .unwrap();
        assert_eq!(
            sharing_summary(pod),
            "ipc,net:pod user:host mnt,pid,uts:private"
        );
    }

    #[test]
    fn a_node_without_pods_says_so() {
        let mut model = fixture::model();
        model.pods.clear();
        assert_eq!(
            render(&model, Width::Columns(80), Palette::PLAIN),
            "no pods in this snapshot\n"
        );
    }
}
