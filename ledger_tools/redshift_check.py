"""Reject SQL constructs that Redshift (or PostgreSQL) lacks, in SQL compiled for Redshift.

Redshift cannot be reached from CI, so `make test` compiles every model for it offline and
this check reads the result. It works on tokens from sqlfluff's Redshift lexer rather than on
text, so the same words inside string literals, quoted identifiers and comments never count.
A rule is one line of `RULES`: a sequence of token matchers and the advice to print.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from sqlfluff.core import Lexer

DEFAULT_PATHS: tuple[str, ...] = ("target/compiled",)


class Kind(Enum):
    WORD = "word"  # keyword or unquoted identifier, lower-cased
    NAME = "name"  # word after a dot: part of a qualified name, never a keyword
    NUMBER = "number"
    SYMBOL = "symbol"  # punctuation and operators
    OPAQUE = "opaque"  # string literal or quoted identifier: its content is data
    END = "end"


@dataclass(frozen=True)
class Token:
    kind: Kind
    value: str
    line: int
    col: int


TokenTest = Callable[[Token], bool]
Matcher = str | frozenset[str] | TokenTest


@dataclass(frozen=True)
class Not:
    """Matches one token (or the end of the file) that `matcher` does not match."""

    matcher: Matcher


@dataclass(frozen=True)
class Rule:
    construct: str
    pattern: tuple[Matcher | Not, ...]
    advice: str
    at: int = 0  # index in `pattern` of the token the finding points at


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    col: int
    construct: str
    advice: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.construct} — {self.advice}"


def precision_above(limit: int) -> TokenTest:
    return lambda tok: tok.kind is Kind.NUMBER and tok.value.isdigit() and int(tok.value) > limit


NUMERIC = frozenset({"numeric", "decimal"})
# `double` stands for `double precision`; the lexer gives the two words separately.
FLOAT = frozenset({"float", "float4", "float8", "real", "double"})
JSON_AGG = frozenset({"json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg"})
EXACT = "money must stay exact: cast to numeric(p,s), never to a binary float"
BARE_NUMERIC = "bare numeric is numeric(18,0) on Redshift and rounds cents away; use numeric(p,s)"
NO_DISTINCT_FROM = "Redshift lacks it; write (a = b or (a is null and b is null))"

# Advice says what Redshift (or PostgreSQL) lacks and what to write instead.
RULES: tuple[Rule, ...] = (
    Rule("filter (where …)", ("filter", "(", "where"), "Redshift lacks it; use sum(case when …)"),
    Rule("distinct on (…)", ("distinct", "on", "("), "Redshift lacks it; keep row_number() = 1"),
    Rule("string_agg()", ("string_agg", "("), "Redshift lacks it; use {{ dbt.listagg(…) }}"),
    Rule("array_agg()", ("array_agg", "("), "Redshift lacks it; use {{ dbt.listagg(…) }}"),
    Rule("lateral", ("lateral",), "Redshift lacks it; join a grouped subquery instead"),
    Rule("generate_series()", ("generate_series", "("), "Redshift leader node only; use a spine"),
    Rule("is distinct from", ("is", "distinct", "from"), NO_DISTINCT_FROM),
    Rule("is not distinct from", ("is", "not", "distinct", "from"), NO_DISTINCT_FROM),
    Rule("qualify", ("qualify",), "PostgreSQL lacks it; filter row_number() in an outer query"),
    Rule("numeric precision > 38", (NUMERIC, "(", precision_above(38)), "Redshift caps it at 38"),
    Rule("cast to float", ("::", FLOAT), EXACT, at=1),
    Rule("cast to float", ("as", FLOAT, frozenset({")", "(", "precision"})), EXACT, at=1),
    Rule("numeric without precision", ("::", NUMERIC, Not("(")), BARE_NUMERIC, at=1),
    Rule("numeric without precision", ("as", NUMERIC, ")"), BARE_NUMERIC, at=1),
    Rule("unnest()", ("unnest", "("), "Redshift lacks it; keep one row per element"),
    Rule("json aggregate", (JSON_AGG, "("), "Redshift lacks it; use {{ dbt.listagg(…) }}"),
)  # fmt: skip

_SKIPPED_TYPES = ("whitespace", "newline", "comment", "meta", "end_of_file")
_QUOTES = frozenset("'\"`")
_LEXER: Lexer | None = None


def _lexer() -> Lexer:
    # Building the lexer compiles the dialect's patterns; once per process is enough.
    global _LEXER
    if _LEXER is None:
        _LEXER = Lexer(dialect="redshift")
    return _LEXER


def _is_opaque(raw: str) -> bool:
    dollar_quoted = len(raw) > 1 and raw.startswith("$") and raw.endswith("$")
    return dollar_quoted or any(ch in _QUOTES for ch in raw)


def tokenize(sql: str) -> tuple[list[Token], list[Token]]:
    """Significant tokens of `sql` ending with an END token, and the tokens that did not lex."""
    segments, _errors = _lexer().lex(sql)
    tokens: list[Token] = []
    unlexable: list[Token] = []
    for seg in segments:
        if any(seg.is_type(t) for t in _SKIPPED_TYPES):
            continue
        pos = seg.pos_marker
        line, col = (pos.line_no, pos.line_pos) if pos else (0, 0)
        raw = seg.raw
        if "<unlexable>" in seg.instance_types:
            kind = Kind.OPAQUE
            unlexable.append(Token(kind, raw, line, col))
        elif seg.is_type("word"):
            after_dot = bool(tokens) and tokens[-1].value == "." and tokens[-1].kind is Kind.SYMBOL
            kind = Kind.NAME if after_dot else Kind.WORD
            raw = raw.lower()
        elif seg.is_type("numeric_literal"):
            kind = Kind.NUMBER
        elif _is_opaque(raw):
            kind = Kind.OPAQUE
        else:
            kind = Kind.SYMBOL
        tokens.append(Token(kind, raw, line, col))
    last_line = sql.count("\n") + 1
    tokens.append(Token(Kind.END, "", last_line, 1))
    return tokens, unlexable


def _matches(matcher: Matcher | Not, tok: Token) -> bool:
    if isinstance(matcher, Not):
        return not _matches(matcher.matcher, tok)
    if tok.kind is Kind.END:
        return False
    if isinstance(matcher, str | frozenset):
        keyword_like = tok.kind in (Kind.WORD, Kind.SYMBOL)
        return keyword_like and (
            tok.value == matcher if isinstance(matcher, str) else tok.value in matcher
        )
    return matcher(tok)


def check_sql(sql: str, path: str = "<sql>", rules: Sequence[Rule] = RULES) -> list[Finding]:
    """Findings for one SQL text, in file order."""
    tokens, unlexable = tokenize(sql)
    findings = [
        Finding(
            path,
            tok.line,
            tok.col,
            "unlexable SQL",
            f"cannot tokenize {tok.value[:20]!r}; fix the SQL",
        )
        for tok in unlexable
    ]
    for start in range(len(tokens)):
        for rule in rules:
            window = tokens[start : start + len(rule.pattern)]
            if len(window) == len(rule.pattern) and all(map(_matches, rule.pattern, window)):
                tok = window[rule.at]
                findings.append(Finding(path, tok.line, tok.col, rule.construct, rule.advice))
    return sorted(findings, key=lambda f: (f.line, f.col))


def sql_files(paths: Iterable[Path]) -> list[Path]:
    """The .sql files named by `paths`, directories searched recursively."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.sql") if p.is_file()))
        elif path.suffix == ".sql" and path.is_file():
            found.append(path)
    return found


def check_files(files: Iterable[Path]) -> list[Finding]:
    findings: list[Finding] = []
    for file in files:
        findings.extend(check_sql(file.read_text(encoding="utf-8"), str(file)))
    return findings


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: 0 when clean, 1 on findings, 2 when nothing was checked (a missing path or no .sql)."""
    parser = argparse.ArgumentParser(
        description="Reject SQL that Redshift or PostgreSQL cannot run, in compiled dbt SQL."
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, help=f"files or directories (default: {DEFAULT_PATHS[0]})"
    )
    args = parser.parse_args(argv)
    paths: list[Path] = args.paths or [Path(p) for p in DEFAULT_PATHS]
    # The em dash of a finding must not crash a job whose locale cannot encode it.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")

    missing = [p for p in paths if not p.exists()]
    if missing:
        for path in missing:
            print(f"{path}: no such file or directory", file=sys.stderr)
        print("redshift check: FAILED, a path to check does not exist (was dbt compile run?)")
        return 2
    files = sql_files(paths)
    if not files:
        shown = " ".join(str(p) for p in paths)
        print(f"redshift check: FAILED, no .sql file under {shown} (was dbt compile run?)")
        return 2

    findings = check_files(files)
    for finding in findings:
        print(finding)
    if findings:
        bad = len({f.path for f in findings})
        print(f"redshift check: {len(findings)} finding(s) in {bad} of {len(files)} file(s)")
        return 1
    print(f"redshift check: {len(files)} file(s) clean")
    return 0
