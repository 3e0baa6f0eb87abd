"""The option table of the quick path (budget.cli.quick): generated from the click
commands by ``python -m budget.cli.quick``; edit the commands, not this file.

Per command, its parameters in click's order, each (name, kind, multiple, default,
environment variable, option strings (none: an argument), required).
"""

GROUP = (
    ("version", "click", False, None, None, ("--version",), False),
    ("catalog_files", "catalog", True, None, "TOKEN_BUDGET_CATALOG", ("--catalog",), False),
)
COMMANDS = {
    "cost": (
        ("model_names", "text", True, (), None, ("--model", "-m"), False),
        ("variant", "text", False, None, None, ("--variant",), False),
        ("input_tokens", "tokens", False, None, None, ("--input",), False),
        ("output_tokens", "tokens", False, None, None, ("--output",), False),
        ("cached_input", "tokens", False, 0, None, ("--cached-input",), False),
        ("cache_write", "tokens", False, 0, None, ("--cache-write",), False),
        ("cache_write_1h", "tokens", False, 0, None, ("--cache-write-1h",), False),
        ("batch", "flag", False, False, None, ("--batch",), False),
        ("service_tier", "text", False, None, None, ("--service-tier",), False),
        ("calls", "int>=1", False, 1, None, ("--calls",), False),
        ("web_searches", "int>=0", False, 0, None, ("--web-searches",), False),
        ("file_searches", "int>=0", False, 0, None, ("--file-searches",), False),
        ("usage_file", "click", False, None, None, ("--usage",), False),
        ("strict", "flag", False, False, None, ("--strict",), False),
        ("at", "date", False, None, "TOKEN_BUDGET_AT", ("--at",), False),
        ("catalog_files", "catalog", True, None, None, ("--catalog",), False),
        ("as_json", "flag", False, False, None, ("--json",), False),
    ),
    "limits": (
        ("model_name", "text", False, None, None, (), True),
        ("variant", "text", False, None, None, ("--variant",), False),
        ("at", "date", False, None, "TOKEN_BUDGET_AT", ("--at",), False),
        ("catalog_files", "catalog", True, None, None, ("--catalog",), False),
        ("as_json", "flag", False, False, None, ("--json",), False),
    ),
    "models": (
        ("query", "text", False, None, None, (), False),
        ("provider", "text", False, None, None, ("--provider",), False),
        ("show_all", "flag", False, False, None, ("--all",), False),
        ("at", "date", False, None, "TOKEN_BUDGET_AT", ("--at",), False),
        ("catalog_files", "catalog", True, None, None, ("--catalog",), False),
        ("as_json", "flag", False, False, None, ("--json",), False),
    ),
}
