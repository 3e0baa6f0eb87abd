"""`--engine dask`: the same report as the local engine, to the micro-dollar, on a real local
cluster of two worker processes (started once for this module), and Parquet in and out."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.usage.dask_engine import chunk_starts, cost_logs_dask, partitions
from budget.usage.price import cost_logs
from pricing.catalog import load_catalog
from pricing.engine import cost
from pricing.errors import InputError
from pricing.usage import normalize

distributed = pytest.importorskip("distributed")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

FIXTURES = Path(__file__).parent / "fixtures" / "workload"
CATALOG_FILE = str(FIXTURES / "catalog.yaml")
CATALOG = load_catalog([CATALOG_FILE])
SHAPES = [line for line in (FIXTURES / "usage.jsonl").read_text().splitlines() if line.strip()]
PRIORITY = json.dumps(
    {
        "object": "chat.completion",
        "model": "acme-mini",
        "service_tier": "priority",
        "choices": [{"finish_reason": "stop"}],
        "usage": {"prompt_tokens": 500, "completion_tokens": 50},
    }
)
UNKNOWN = json.dumps({"model": "acme-chta", "input_tokens": 10, "output_tokens": 1})
SMALL = {"chunk_lines": 7, "partition_bytes": 1500}  # many chunks, many partitions


@pytest.fixture(scope="module")
def client():
    """One cluster for the module: starting one costs about a second."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


def mixed_log(folder: Path, repeats: int = 40, bad: bool = True) -> Path:
    """Every provider shape of the fixture, a priority-tier call (no such rate in the
    catalog: unpriced), blank lines and, with ``bad``, an unknown model (unpriced) and a
    malformed line now and then."""
    lines = []
    for number in range(repeats):
        lines.extend(SHAPES)
        lines.append(PRIORITY)
        lines.append("")
        if bad and number % 9 == 4:
            lines.append(UNKNOWN)
        if bad and number % 13 == 7:
            lines.append('{"model": "acme-mini", "input_tokens": ')
    path = folder / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def engine_total(path: Path) -> Decimal:
    """The slow way: each well-formed, known line normalized and priced by the engine."""
    total = Decimal(0)
    for line in path.read_text().splitlines():
        if not line.strip() or line in (UNKNOWN, PRIORITY) or line.endswith(": "):
            continue
        call = normalize(json.loads(line))
        total += cost(CATALOG.resolve(call.model), call.usage, batch=call.batch).total_usd
    return total


def test_partitions_start_where_the_local_chunks_start(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"1\n" * 10 + b"22\n" * 10)  # 20 + 30 bytes of JSONL
    # chunks of 7 lines start at lines 1, 8, 15: bytes 0, 14, 2*10 + 3*4 = 32
    assert chunk_starts(str(path), 7) == [0, 14, 32]
    pieces = partitions([str(path)], chunk_lines=7, partition_bytes=14)
    assert [(p.start, p.end, p.first_line) for p in pieces] == [
        (0, 14, 1),
        (14, 32, 8),
        (32, 50, 15),
    ]
    path.write_bytes(b"1\n" * 14)  # ends on a chunk boundary: no empty third partition
    assert chunk_starts(str(path), 7) == [0, 14]


def test_every_provider_shape_same_report_as_local(client, tmp_path):
    log = mixed_log(tmp_path)
    local = cost_logs([str(log)], CATALOG, skip_invalid=True, chunk_lines=7)
    spread = cost_logs_dask([str(log)], CATALOG, client, skip_invalid=True, **SMALL)
    assert len(partitions([str(log)], **SMALL)) > 10
    assert spread.as_dict() == local.as_dict()
    assert spread.total_usd == local.total_usd == engine_total(log)
    # 40 x 9 priced calls; 3 malformed lines (numbers 7, 20, 33) skipped; unpriced: 40 at
    # the priority tier, 4 of an unknown model (numbers 4, 13, 22, 31), the first at line 56
    assert (spread.rows, spread.skipped) == (360, 3)
    unpriced = [(g.model, g.calls, g.first.rsplit(":", 1)[1]) for g in spread.unpriced]
    assert unpriced == [("acme-mini", 40, "10"), ("acme-chta", 4, "56")]
    chat = spread.by_model["acme-chat"]
    assert (chat.totals.truncated, chat.totals.calls) == (80, 200)  # 2 of 5, as the fixture


def test_per_row_csv_identical(client, tmp_path):
    log = mixed_log(tmp_path, bad=False)
    rows = io.StringIO()
    cost_logs([str(log)], CATALOG, rows_out=rows, chunk_lines=7)
    out = tmp_path / "rows.csv"
    cost_logs_dask([str(log)], CATALOG, client, output=str(out), **SMALL)
    assert out.read_text() == rows.getvalue()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # parts cleaned up


def test_errors_name_the_same_file_and_line(client, tmp_path):
    log = mixed_log(tmp_path)
    with pytest.raises(InputError) as local:
        cost_logs([str(log)], CATALOG, chunk_lines=7)
    with pytest.raises(InputError) as spread:
        cost_logs_dask([str(log)], CATALOG, client, **SMALL)
    assert str(spread.value) == str(local.value)
    # blocks of 11 lines (9 shapes, priority, blank) and an unknown model after the 5th and
    # the 14th; the first malformed line follows the 8th block: 8 x 11 + 1 (unknown) + 1
    assert str(spread.value) == f"{log}:90: invalid JSON (Expecting value)"
    strict = {"skip_invalid": True, "strict": True}
    with pytest.raises(InputError) as local:
        cost_logs([str(log)], CATALOG, chunk_lines=7, **strict)
    with pytest.raises(InputError) as spread:
        cost_logs_dask([str(log)], CATALOG, client, **SMALL, **strict)
    assert str(spread.value) == str(local.value)
    assert str(spread.value).startswith(f"{log}:10: model 'acme-mini': no 'priority'")


def test_cli_scheduler_json_equals_local(client, tmp_path):
    log = mixed_log(tmp_path)
    base = ["--catalog", CATALOG_FILE, "usage", str(log), "--skip-invalid", "--json"]
    local = CliRunner().invoke(cli, base)
    spread = CliRunner().invoke(cli, [*base, "--scheduler", client.scheduler.address])
    assert local.exit_code == spread.exit_code == 1, spread.output  # 1: unpriced calls
    assert json.loads(spread.stdout) == json.loads(local.stdout)
    refused = CliRunner().invoke(cli, [*base, "--engine", "local", "--scheduler", "tcp://x:1"])
    assert refused.exit_code == 2 and "--scheduler needs --engine dask" in refused.output


def write_parquet(path: Path, columns: dict, row_group_size: int) -> None:
    pq.write_table(pa.table(columns), path, row_group_size=row_group_size)


CSV_COLUMNS = {
    "model": ["acme-chat", "acme-chat", "acme-mini"] * 5,
    "input_tokens": [1000, 120000, 3000] * 5,
    "output_tokens": [200, 500, 1000] * 5,
    "cached_tokens": [400, 0, 0] * 5,
    "cache_write_tokens": [0, 10000, 0] * 5,
    "reasoning_tokens": [0, 0, 300] * 5,
    "finish_reason": ["stop", "length", "stop"] * 5,
}


def test_parquet_reads_as_the_csv_reads(tmp_path):
    parquet = tmp_path / "usage.parquet"
    write_parquet(parquet, CSV_COLUMNS, row_group_size=4)
    csv = tmp_path / "usage.csv"
    csv.write_text((FIXTURES / "usage.csv").read_text().split("\n", 1)[0] + "\n")
    with csv.open("a") as handle:
        for row in zip(*CSV_COLUMNS.values(), strict=True):
            handle.write(",".join(map(str, row)) + "\n")
    from_csv = cost_logs([str(csv)], CATALOG, chunk_lines=3)
    from_parquet = cost_logs([str(parquet)], CATALOG, chunk_lines=3)
    assert from_parquet.by_model == from_csv.by_model
    # the fixture CSV's three rows cost $0.50168 (tests/test_usage_log.py), five times over
    assert from_parquet.total_usd == Decimal("0.50168") * 5


def test_parquet_round_trip_local_and_dask(client, tmp_path):
    log = mixed_log(tmp_path, bad=False)
    rows = io.StringIO()
    report = cost_logs([str(log)], CATALOG, rows_out=rows)
    result = CliRunner().invoke(
        cli, ["--catalog", CATALOG_FILE, "usage", str(log), "-o", str(tmp_path / "rows.parquet")]
    )
    assert result.exit_code == 1, result.output  # the priority-tier calls are unpriced
    import pandas as pd

    expected = pd.read_csv(io.StringIO(rows.getvalue()), keep_default_na=False, na_values=[""])
    local = pd.read_parquet(tmp_path / "rows.parquet")
    assert list(local.columns) == list(expected.columns)
    assert local["total_usd"].sum() == pytest.approx(float(report.total_usd), abs=1e-6)
    assert local["line"].tolist() == expected["line"].tolist()
    assert local["input_tokens"].tolist() == expected["input_tokens"].tolist()
    parts = tmp_path / "parts.parquet"
    cost_logs_dask([str(log)], CATALOG, client, output=str(parts), **SMALL)
    spread = pd.read_parquet(parts)  # a directory of parts, read back as one table
    ordered = spread.sort_values("line")["total_usd"].to_numpy()
    assert np.array_equal(ordered, local["total_usd"].to_numpy(), equal_nan=True)


def test_logged_calls_price_alike_on_dask(client, tmp_path):
    # the hard cases of a logged call (tests/test_logged.py), many times over, in JSONL and
    # Parquet partitions: the local engine's report, to the micro-dollar
    from test_logged import FIXED_CALLS, write_logs

    logs = write_logs(tmp_path, FIXED_CALLS * 7)
    for kind in ("jsonl", "parquet"):
        local = cost_logs([str(logs[kind])], CATALOG, chunk_lines=5)
        spread = cost_logs_dask(
            [str(logs[kind])],
            CATALOG,
            client,
            chunk_lines=5,
            partition_bytes=3_000,
            partition_rows=10,
        )
        assert len(partitions([str(logs[kind])], 5, 3_000, 10)) > 2, kind
        assert spread.as_dict() == local.as_dict(), kind
    # three of the eight calls give no time: 21 priced at the pricing day
    assert spread.undated.calls == 21 and spread.by_model["gemini-2.5-pro"].priced_as == [
        "gemini-2.5-pro",
        "gemini-3.8-flash",
    ]


def test_partitioned_directory_and_row_groups_on_dask(client, tmp_path):
    for day in ("2026-11-01", "2026-11-02"):
        folder = tmp_path / "logs" / f"day={day}"
        folder.mkdir(parents=True)
        write_parquet(folder / "part-0.parquet", CSV_COLUMNS, row_group_size=2)
    (tmp_path / "logs" / "_SUCCESS").write_text("")
    logs = str(tmp_path / "logs")
    local = cost_logs([logs], CATALOG)
    spread = cost_logs_dask([logs], CATALOG, client, partition_rows=4)
    assert spread.as_dict() == local.as_dict()
    assert spread.total_usd == Decimal("0.50168") * 10


def test_tsv_gzipped_and_mislabelled_logs_on_dask_equal_local(client, tmp_path):
    """Each partition asks the one sniffer: a TSV, a gzipped JSONL (one partition: a range of
    it cannot be read alone) and a .json that is JSONL give the local engine's totals."""
    import gzip

    log = mixed_log(tmp_path, bad=False).read_bytes()
    gzipped = tmp_path / "mixed.jsonl.gz"
    gzipped.write_bytes(gzip.compress(log))
    mislabelled = tmp_path / "mixed.json"
    mislabelled.write_bytes(log)
    tsv = tmp_path / "usage.tsv"
    tsv.write_text((FIXTURES / "usage.csv").read_text().replace(",", "\t"))
    paths = [str(gzipped), str(mislabelled), str(tsv)]
    assert len(partitions([str(gzipped)], **SMALL)) == 1
    assert len(partitions([str(mislabelled)], **SMALL)) > 10
    local = cost_logs(paths, CATALOG, chunk_lines=7)
    spread = cost_logs_dask(paths, CATALOG, client, **SMALL)
    assert spread.as_dict() == local.as_dict()
    plain = cost_logs([str(tmp_path / "mixed.jsonl"), str(FIXTURES / "usage.csv")], CATALOG)
    # the fixture CSV's three rows cost $0.50168 (tests/test_usage_log.py)
    assert local.total_usd == 2 * plain.total_usd - Decimal("0.50168")


def test_not_parquet_is_one_line_error(tmp_path):
    bad = tmp_path / "broken.parquet"
    bad.write_text("model,input_tokens\n")
    result = CliRunner().invoke(cli, ["usage", str(bad)])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {bad}: unreadable Parquet")
    assert "Traceback" not in result.output


def corpus(folder: Path) -> Path:
    """A small corpus: texts, and an OpenAI batch file of chat requests."""
    docs = folder / "corpus"
    docs.mkdir()
    for number in range(12):
        (docs / f"doc-{number:02d}.txt").write_text(f"Document {number}: " + "tokens " * number)
    batch = Path(__file__).parent / "fixtures" / "count" / "openai_batch.jsonl"
    (docs / "requests.jsonl").write_bytes(batch.read_bytes())
    return docs


def test_count_on_dask_equals_local_and_loads_one_tokenizer_per_worker(client, tmp_path):
    from budget.tokenizers.count import count_paths
    from budget.tokenizers.dask_count import PLUGIN, count_paths_dask

    model = load_catalog(()).resolve("gpt-4o")
    docs = str(corpus(tmp_path) / "*")
    local_rows: list = []
    spread_rows: list = []
    local = count_paths([docs], model, on_record=local_rows.append)
    spread = count_paths_dask([docs], model, client, on_record=spread_rows.append, task_bytes=1)
    assert spread == local and spread_rows == local_rows
    # "Document 0: " is 5 tokens in o200k_base ("Document", " ", "0", ":", " "), decoded one
    # by one with the bundled encoding; each " tokens" adds one
    assert [f.tokens for f in spread.files[:3]] == [5, 6, 7]
    held = client.run(lambda dask_worker: len(dask_worker.plugins[PLUGIN].tokenizers))
    # 13 tasks (one file each) over 2 workers: at most one tokenizer built on each
    assert set(held.values()) <= {0, 1} and sum(held.values()) >= 1


def test_count_on_dask_reports_the_first_bad_line(client, tmp_path):
    from budget.tokenizers.count import count_paths
    from budget.tokenizers.dask_count import count_paths_dask

    model = load_catalog(()).resolve("gpt-4o")
    docs = corpus(tmp_path)
    (docs / "requests.jsonl").write_text(
        '{"messages": [{"role": "user", "content": "hi"}]}\n{"a": [\n'
    )
    with pytest.raises(InputError) as local:
        count_paths([str(docs / "*")], model)
    with pytest.raises(InputError) as spread:
        count_paths_dask([str(docs / "*")], model, client)
    assert str(spread.value) == str(local.value)
    assert str(spread.value).startswith(f"{docs / 'requests.jsonl'}:2:")


def test_count_cli_scheduler(client, tmp_path):
    docs = str(corpus(tmp_path) / "*.txt")
    base = ["count", docs, "--model", "gpt-4o", "--json"]
    local = CliRunner().invoke(cli, base)
    spread = CliRunner().invoke(cli, [*base, "--scheduler", client.scheduler.address])
    assert spread.exit_code == 0, spread.output
    assert json.loads(spread.output) == json.loads(local.output)
    piped = CliRunner().invoke(
        cli,
        [
            "count",
            "-",
            "--model",
            "gpt-4o",
            "--engine",
            "dask",
            "--scheduler",
            client.scheduler.address,
        ],
        input="hi",
    )
    assert piped.exit_code == 2 and "not standard input" in piped.output


def test_urls_go_through_fsspec(client, tmp_path):
    """A URL is opened with fsspec (file:// here; s3:// and gs:// the same way)."""
    log = mixed_log(tmp_path, bad=False)
    local = cost_logs([str(log)], CATALOG)
    url = log.as_uri()
    assert cost_logs([url], CATALOG).total_usd == local.total_usd
    assert cost_logs_dask([url], CATALOG, client).total_usd == local.total_usd


def test_cli_dask_writes_csv_rows_whole(client, tmp_path):
    log = mixed_log(tmp_path, bad=False)
    local, spread = tmp_path / "local.csv", tmp_path / "spread.csv"
    base = ["--catalog", CATALOG_FILE, "usage", str(log)]
    assert CliRunner().invoke(cli, [*base, "-o", str(local)]).exit_code == 1
    result = CliRunner().invoke(
        cli, [*base, "-o", str(spread), "--scheduler", client.scheduler.address]
    )
    assert result.exit_code == 1, result.output
    assert spread.read_text() == local.read_text()
    assert f"wrote {spread}\n" in result.output


def test_a_large_jsonl_is_counted_in_line_ranges(client, tmp_path):
    from budget.inputs.sniff import FileKind
    from budget.tokenizers.count import count_paths
    from budget.tokenizers.dask_count import count_paths_dask, spans

    model = load_catalog(()).resolve("gpt-4o")
    batch = (Path(__file__).parent / "fixtures" / "count" / "openai_batch.jsonl").read_bytes()
    big = tmp_path / "batch.jsonl"
    big.write_bytes(batch * 30)
    assert len(spans(str(big), "jsonl", FileKind("jsonl"), 2000)) > 5
    local_rows: list = []
    spread_rows: list = []
    local = count_paths([str(big), str(big)], model, on_record=local_rows.append)
    spread = count_paths_dask(
        [str(big), str(big)],
        model,
        client,
        on_record=spread_rows.append,
        partition_bytes=2000,
        task_bytes=3000,
    )
    assert spread == local and spread_rows == local_rows  # every line numbered as locally
    assert len(spread.files) == 2


class KillOnce(distributed.WorkerPlugin):
    """Ends its worker's process the first time any worker starts a usage partition (a
    marker file makes it once across workers): the scheduler must rerun that partition."""

    def __init__(self, marker: str):
        self.marker = marker

    def transition(self, key, start, finish, **kwargs):
        import os

        if finish == "executing" and "partition_totals" in str(key):
            try:
                os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                return
            os._exit(1)


def test_a_lost_worker_is_replaced_and_its_partition_rerun(client, tmp_path):
    log = mixed_log(tmp_path, bad=False)
    local = cost_logs([str(log)], CATALOG, chunk_lines=7)
    marker = tmp_path / "killed"
    client.register_plugin(KillOnce(str(marker)), name="kill-once")
    try:
        spread = cost_logs_dask([str(log)], CATALOG, client, **SMALL)
    finally:
        client.unregister_worker_plugin("kill-once")
    assert marker.exists()  # a worker did die mid-run
    assert spread.as_dict() == local.as_dict()


def test_count_urls_on_dask_equal_local(client, tmp_path):
    # URLs (s3://, gs://, ...) go to fsspec on the workers; file:// stands in, no network.
    from budget.tokenizers.count import count_paths
    from budget.tokenizers.dask_count import count_paths_dask

    model = load_catalog(()).resolve("gpt-4o")
    docs = corpus(tmp_path)
    urls = [(docs / "doc-03.txt").as_uri(), (docs / "requests.jsonl").as_uri()]
    local = count_paths(urls, model)
    spread = count_paths_dask(urls, model, client)
    assert spread == local and local.records == 1 + local.files[1].records
    assert (
        local.tokens
        == count_paths([str(docs / "doc-03.txt"), str(docs / "requests.jsonl")], model).tokens
    )
