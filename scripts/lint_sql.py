"""Lint every SQL model with sqlfluff, after rendering ref()/source()/macros as the runner does.

sqlfluff's own templaters cannot do both Jinja and ``:name`` parameters, so the model is rendered
here first and the ``placeholder`` templater (configured in pyproject.toml) handles parameters.
"""

from __future__ import annotations

import sys

from sqlfluff.core import FluffConfig, Linter

from enablement_audit.models import discover, render, render_restate


def main() -> int:
    config = FluffConfig.from_path(".")
    linter = Linter(config=config)
    failures = 0
    for model in discover().values():
        if model.python is not None:
            continue
        renderings = {"": render(model, "enablement", "postgres")}
        if model.unique_key:  # a keyed model's incremental select and the keys it restates
            renderings[" (incremental)"] = render(model, "enablement", "postgres", restated="restated_key")
            renderings[" (restate)"] = render_restate(model, "enablement", "postgres")
        for label, sql in renderings.items():
            result = linter.lint_string(sql.strip() + "\n", fname=str(model.path))
            for violation in result.get_violations():
                failures += 1
                where = f"{model.path}{label}:{violation.line_no}:{violation.line_pos}"
                print(f"{where}: {violation.rule_code()} {violation.desc()}")
    print(f"sqlfluff: {failures} problem(s) in {len(discover())} models")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
