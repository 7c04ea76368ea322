//! Column tables like ps and crictl print them: a header, cells padded to the widest, and the
//! last column cut to what is left of the line. Every cell is sanitized here, once.

use super::text::{pad_left, pad_right, sanitize, truncate, Palette, Style, Width};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub header: &'static str,
    pub align: Align,
    /// The widest this column may grow when lines are cut; wider cells end in `…`.
    pub max: Option<usize>,
}

impl Column {
    pub fn left(header: &'static str) -> Column {
        Column {
            header,
            align: Align::Left,
            max: None,
        }
    }

    pub fn right(header: &'static str) -> Column {
        Column {
            header,
            align: Align::Right,
            max: None,
        }
    }

    pub fn max(mut self, max: usize) -> Column {
        self.max = Some(max);
        self
    }
}

pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell {
            text,
            style: Style::Plain,
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

impl From<std::borrow::Cow<'_, str>> for Cell {
    fn from(text: std::borrow::Cow<'_, str>) -> Cell {
        Cell::from(text.into_owned())
    }
}

pub struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
    gap: usize,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
            gap: 2,
        }
    }

    /// Columns separated by `gap` spaces (ps uses one).
    pub fn gap(mut self, gap: usize) -> Table {
        self.gap = gap;
        self
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        let cells = cells
            .into_iter()
            .map(|c| Cell {
                text: sanitize(&c.text).into_owned(),
                style: c.style,
            })
            .collect();
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self, width: Width, palette: Palette) -> String {
        let last = self.columns.len().saturating_sub(1);
        let cut = width != Width::Unlimited;
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| {
                let widest = self
                    .rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| super::text::display_width(&c.text))
                    .chain([column.header.len()])
                    .max()
                    .unwrap_or(0);
                match column.max {
                    Some(max) if cut => widest.min(max.max(column.header.len())),
                    _ => widest,
                }
            })
            .collect();
        let mut out = String::new();
        let header: Vec<Cell> = self
            .columns
            .iter()
            .map(|c| Cell {
                text: c.header.to_string(),
                style: Style::Header,
            })
            .collect();
        for cells in std::iter::once(&header).chain(&self.rows) {
            let mut used = 0;
            let mut line = String::new();
            for (i, (cell, column)) in cells.iter().zip(&self.columns).enumerate() {
                if i > 0 {
                    line.push_str(&" ".repeat(self.gap));
                    used += self.gap;
                }
                let column_width = widths.get(i).copied().unwrap_or(0);
                let text = if i == last {
                    width.fit(&cell.text, used)
                } else if cut {
                    truncate(&cell.text, column_width).into_owned()
                } else {
                    cell.text.clone()
                };
                let padded = match (i == last, column.align) {
                    (true, Align::Left) => text,
                    (_, Align::Left) => pad_right(&text, column_width),
                    (_, Align::Right) => pad_left(&text, column_width),
                };
                used += column_width;
                line.push_str(&palette.paint(cell.style, &padded));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    fn table() -> Table {
        let mut table = Table::new(vec![
            Column::right("PID"),
            Column::left("NAME").max(6),
            Column::left("CMD"),
        ]);
        table.row(vec![
            "1".into(),
            "systemd".into(),
            "/usr/lib/systemd/systemd".into(),
        ]);
        table.row(vec![
            "19431".into(),
            "nginx".into(),
            "nginx: master\x1b[2J".into(),
        ]);
        table
    }

    #[test]
    fn cells_are_padded_cut_and_sanitized() {
        assert_eq!(
            table().render(Width::Columns(30), Palette::PLAIN),
            "  PID  NAME    CMD\n    1  syste…  /usr/lib/syste…\n19431  nginx   nginx: master\\…\n"
        );
    }

    #[test]
    fn wide_tables_cut_nothing() {
        assert_eq!(
            table().render(Width::Unlimited, Palette::PLAIN),
            "  PID  NAME     CMD\n    1  systemd  /usr/lib/systemd/systemd\n19431  nginx    nginx: master\\x1b[2J\n"
        );
    }

    #[test]
    fn colour_wraps_padded_cells_without_moving_columns() {
        let mut table = Table::new(vec![Column::left("SEVERITY"), Column::left("RULE")]);
        table.row(vec![
            Cell {
                text: "warning".into(),
                style: Style::Severity(Severity::Warning),
            },
            "oom-kill".into(),
        ]);
        let out = table.render(Width::Columns(80), Palette { enabled: true });
        assert_eq!(
            out,
            "\x1b[1mSEVERITY\x1b[0m  \x1b[1mRULE\x1b[0m\n\x1b[33mwarning \x1b[0m  oom-kill\n"
        );
    }
}
