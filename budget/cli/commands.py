"""The commands of `budget`, where each lives, and which the quick path may answer: read by
the package's entry point, the click group (:mod:`budget.cli.app`) and the quick path
(:mod:`budget.cli.quick`), none of which need import another for it."""

# name -> "module:attribute"; each module holds the thin CLI layer for one idea.
COMMANDS = {
    "models": "budget.cli.catalog:models",
    "limits": "budget.cli.catalog:limits",
    "catalog": "budget.cli.catalog:catalog",
    "cost": "budget.cli.cost:cost",
    "count": "budget.cli.count:count",
    "calibrate": "budget.cli.count:calibrate",
    "check": "budget.cli.plan:check",
    "plan": "budget.cli.plan:plan",
    "stops": "budget.cli.plan:stops",
    "usage": "budget.cli.workload:usage",
    "report": "budget.cli.workload:report",
    "whatif": "budget.cli.workload:whatif",
    "init": "budget.cli.init:init",
    "fit": "budget.cli.fit:fit",
}
# Price and limit queries: when one has written its answer there is nothing left to finish (no
# file written, no thread or child process started), so main() ends the process without
# Python's teardown of every module and object (~6 ms, a tenth of such a query's time).
QUICK_EXIT = frozenset({"cost", "limits", "models"})
