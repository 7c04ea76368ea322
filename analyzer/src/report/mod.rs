//! The self-contained HTML report: view structs made for the askama templates in templates/.
