"""The README stays a five-minute read, and every link in it and in docs/ leads somewhere.

Pure Python on the repository's Markdown, except the last test, which runs the README's
example queries, as written, on the shared demo warehouse.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from shared_warehouse import SharedDuckDB

from ledger_job.duckdb_file import default_read_copy
from ledger_job.paths import PROJECT_ROOT, duckdb_path

README = PROJECT_ROOT / "README.md"
DOCS = PROJECT_ROOT / "docs"
MAX_README_LINES = 300

FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`[^`]*`")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of every line outside fenced code blocks."""
    lines, fenced = [], False
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def headings(path: Path) -> list[tuple[int, str]]:
    """(level, text) of every Markdown heading outside code blocks."""
    found = []
    for _, line in prose_lines(path):
        match = HEADING.match(line)
        if match:
            found.append((len(match.group(1)), match.group(2)))
    return found


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: Counter[str] = Counter()
    result = set()
    for _, text in headings(path):
        base = slug(text)
        result.add(base if seen[base] == 0 else f"{base}-{seen[base]}")
        seen[base] += 1
    return result


def relative_links(path: Path) -> list[tuple[int, str]]:
    """(line number, target) of every link to a file of the repository, code spans left out."""
    links = []
    for number, line in prose_lines(path):
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, mailto:, ...
                links.append((number, target))
    return links


def markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def test_readme_fits_in_a_short_read() -> None:
    count = len(README.read_text().splitlines())
    assert count <= MAX_README_LINES, (
        f"README.md has {count} lines, over {MAX_README_LINES}: move detail to a docs/ page"
    )


def test_readme_has_no_section_twice() -> None:
    sections = Counter(text for level, text in headings(README) if level == 2)
    twice = sorted(text for text, n in sections.items() if n > 1)
    assert not twice, f"README.md has these ## sections more than once: {twice}"


@pytest.mark.parametrize(
    "path", markdown_files(), ids=lambda p: p.relative_to(PROJECT_ROOT).as_posix()
)
def test_every_relative_link_leads_somewhere(path: Path) -> None:
    broken = []
    for number, target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        where = f"{path.relative_to(PROJECT_ROOT)}:{number}: {target}"
        if not destination.exists():
            broken.append(f"{where} (no such file)")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{where} (no heading with that anchor in {destination.name})")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_readme_links_each_docs_page_once() -> None:
    linked = Counter(
        (README.parent / target.partition("#")[0]).resolve()
        for _, target in relative_links(README)
        if target.partition("#")[0]
    )
    wrong = {
        page.relative_to(PROJECT_ROOT).as_posix(): linked[page.resolve()]
        for page in sorted(DOCS.glob("*.md"))
        if linked[page.resolve()] != 1
    }
    assert not wrong, f"docs pages the README links to other than exactly once (times): {wrong}"


def query_helper_and_examples() -> tuple[str, list[str]]:
    """The README's query helper `q() { ... }` and the queries given to it."""
    text = README.read_text()
    section = text.split("## Query what you built", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    helper = next(line for line in block.splitlines() if line.startswith("q() {"))
    return helper, re.findall(r'^q "(.*?)"$', block, flags=re.MULTILINE | re.DOTALL)


def test_readme_queries_the_copy_the_job_publishes() -> None:
    helper, queries = query_helper_and_examples()
    default_copy = default_read_copy(duckdb_path({})).relative_to(PROJECT_ROOT).as_posix()
    assert f"'{default_copy}'" in helper, f"the README should query {default_copy}: {helper}"
    assert "read_only=True" in helper
    assert len(queries) == 3, queries


@pytest.mark.dbt
def test_readme_queries_answer_on_the_demo_warehouse(shared_duckdb: SharedDuckDB) -> None:
    helper, queries = query_helper_and_examples()
    with duckdb.connect(str(shared_duckdb.path), read_only=True) as db:
        for query in queries:
            assert db.sql(query).fetchall(), f"no rows on the demo warehouse: {query}"
    # The helper itself, as a reader types it (one process: each costs an interpreter start).
    helper = helper.replace(".venv/bin/python", sys.executable)
    helper = helper.replace("'warehouse/ledger_read.duckdb'", f"'{shared_duckdb.path}'")
    result = subprocess.run(
        ["bash", "-c", f'{helper}\nq "$1"', "bash", queries[0]],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, f"{queries[0]}\n{result.stderr}"
    assert "is_balanced" in result.stdout and "true" in result.stdout, result.stdout


def readme_marts() -> set[str]:
    """The names in the first column of the README's table of marts."""
    section = README.read_text().split("## The marts", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))


def test_readme_lists_every_mart_and_only_marts() -> None:
    marts = {path.stem for path in (PROJECT_ROOT / "models" / "marts").rglob("*.sql")}
    seeds = {path.stem for path in (PROJECT_ROOT / "seeds").glob("*.csv")}
    listed = readme_marts()
    assert not marts - listed, f"marts missing from the README's table: {sorted(marts - listed)}"
    unknown = listed - marts - seeds
    assert not unknown, f"the README's table names what is not a mart: {sorted(unknown)}"
