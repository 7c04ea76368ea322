"""Loads `analyzer export` directories into DuckDB the way docs/FLEET.md says and runs every
query of docs/FLEET.md on each, printing the results as JSON for tests/tests/fleet_export.rs
to check against the analyzer's own models.

    python3 run_queries.py docs/FLEET.md EXPORT_DIR...

The loader is the doc's Python block marked `<!-- tested: duckdb-load -->`, the queries its SQL
blocks marked `<!-- query: NAME -->`, both run as written. Every result value is cast to text
(NULL stays null), so that both formats and the Rust side compare the same strings.
"""

import json
import re
import sys

import duckdb

BLOCK = r"<!-- {marker} -->\s*```{lang}\n(.*?)```"


def doc_blocks(doc):
    loader = re.findall(BLOCK.format(marker="tested: duckdb-load", lang="python"), doc, re.S)
    if len(loader) != 1:
        sys.exit(f"expected one duckdb-load block, found {len(loader)}")
    queries = re.findall(r"<!-- query: ([a-z0-9-]+) -->\s*```sql\n(.*?)```", doc, re.S)
    if not queries:
        sys.exit("no query blocks found")
    return loader[0], queries


def main():
    doc_path, directories = sys.argv[1], sys.argv[2:]
    with open(doc_path, encoding="utf-8") as f:
        doc = f.read()
    loader, queries = doc_blocks(doc)
    namespace = {}
    exec(loader, namespace)
    load_export = namespace["load_export"]
    results = {}
    for directory in directories:
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        load_export(con, directory)
        tables = {}
        for (name,) in con.sql(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name"
        ).fetchall():
            tables[name] = con.sql(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        answers = {}
        for name, sql in queries:
            relation = con.sql(sql)
            if relation is None:
                answers[name] = None
                continue
            as_text = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in relation.columns)
            answers[name] = {
                "columns": relation.columns,
                "rows": [list(row) for row in relation.project(as_text).fetchall()],
            }
        results[directory] = {"tables": tables, "queries": answers}
        con.close()
    json.dump({"duckdb": duckdb.__version__, "exports": results}, sys.stdout)


if __name__ == "__main__":
    main()
