"""The project's dbt-score filters (pyproject.toml, [tool.dbt-score]).

An example query belongs in the description of what analysts read: the marts. Staging and
intermediate views are read by other views, and an example there would only repeat the SQL.
"""

# No `from __future__ import annotations`: dbt-score reads the filter's argument annotation
# at runtime to know which resources it applies to.
from dbt_score import Model, rule_filter


@rule_filter
def is_mart(model: Model) -> bool:
    """Models under models/marts/, the views analysts query."""
    return model.original_file_path.startswith("models/marts/")
