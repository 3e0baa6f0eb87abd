"""One sniffer decides a file's kind, from its name and its first bytes, and every reader asks
it: the same calls cost the same written as JSONL, JSON, CSV, TSV, Parquet or gzipped, and a
file whose name lies is read as what it is."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.inputs.sniff import (
    PREFIX,
    FileKind,
    format_of,
    name_compression,
    name_format,
    sniff,
    sniff_stream,
)
from budget.tokenizers.tiktoken_backend import load_encoding
from budget.usage.dask_engine import partitions
from budget.usage.price import cost_logs
from budget.usage.read import LogPart, split_log
from budget.usage.rows import is_parquet_name
from pricing.catalog import load_catalog
from pricing.errors import InputError

# Three calls, priced by hand at the catalog's rates (USD per million tokens):
#   gpt-4o             1,000 in x $2.50 + 100 out x $10    = $0.0025  + $0.001   = $0.0035
#   gpt-4o-mini        2,000 in x $0.15 + 300 out x $0.60  = $0.0003  + $0.00018 = $0.00048
#   claude-sonnet-4-5  5,000 in x $3    + 700 out x $15    = $0.015   + $0.0105  = $0.0255
CALLS = [("gpt-4o", 1000, 100), ("gpt-4o-mini", 2000, 300), ("claude-sonnet-4-5", 5000, 700)]
TOTAL_USD = 0.02948
HEADER = ("model", "input_tokens", "output_tokens")


def jsonl(calls=CALLS) -> str:
    return "".join(
        json.dumps({"model": m, "usage": {"prompt_tokens": i, "completion_tokens": o}}) + "\n"
        for m, i, o in calls
    )


def table(delimiter: str, calls=CALLS) -> str:
    rows = [HEADER, *calls]
    return "".join(delimiter.join(map(str, row)) + "\n" for row in rows)


def parquet_bytes(calls=CALLS) -> bytes:
    columns = list(zip(*calls, strict=True))
    frame = pa.table({name: list(values) for name, values in zip(HEADER, columns, strict=True)})
    sink = io.BytesIO()
    pq.write_table(frame, sink)
    return sink.getvalue()


def write(path: Path, data: str | bytes) -> str:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def run(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def usage_json(*paths: str, extra: tuple[str, ...] = ()) -> dict:
    result = run("usage", *paths, *extra, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- the table: each kind, and each lie -------------------------------------------------------

PRETTY = '{\n  "model": "gpt-4o",\n  "usage": {"prompt_tokens": 1, "completion_tokens": 2}\n}\n'


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("calls.jsonl", jsonl(), FileKind("jsonl")),
        ("call.json", PRETTY, FileKind("json")),  # one document over several lines
        ("calls.json", jsonl(), FileKind("jsonl")),  # the name lies: two values on two lines
        ("calls.jsonl", PRETTY, FileKind("json")),  # ... and the other way
        ("array.json", '[{"a": 1},\n {"a": 2}]\n', FileKind("json")),  # an array over lines
        ("one.jsonl", '[{"role": "user", "content": "hi"}]\n', FileKind("jsonl")),  # one line
        ("bad-first.jsonl", '{"a": \n{"a": 2}\n', FileKind("jsonl")),  # a bad line, not a doc
        ("usage.csv", table(","), FileKind("csv")),
        ("usage.tsv", table("\t"), FileKind("tsv")),
        ("export.csv", table("\t"), FileKind("tsv")),  # tab-separated under a .csv name
        ("usage.csv", jsonl(), FileKind("jsonl")),  # JSONL under a .csv name
        ("usage.log", parquet_bytes(), FileKind("parquet")),  # PAR1 whatever the name
        ("usage.parquet", parquet_bytes(), FileKind("parquet")),
        ("calls", jsonl(), FileKind("jsonl")),  # no suffix: sniffed
        ("notes", "Dear team,\nthe numbers are in.\n", FileKind("text")),
        ("notes.txt", '{"a": 1}\n{"a": 2}\n', FileKind("text")),  # .txt says text
        ("calls.jsonl", b"\xef\xbb\xbf" + jsonl().encode(), FileKind("jsonl")),  # a BOM
        ("calls.jsonl.gz", gzip.compress(jsonl().encode()), FileKind("jsonl", "gzip")),
        ("calls.json.gz", gzip.compress(jsonl().encode()), FileKind("jsonl", "gzip")),
        ("calls", gzip.compress(jsonl().encode()), FileKind("jsonl", "gzip")),  # by its magic
        ("usage.csv.gz", gzip.compress(table(",").encode()), FileKind("csv", "gzip")),
        ("usage.tsv.bz2", bz2.compress(table("\t").encode()), FileKind("tsv", "bz2")),
        ("calls.jsonl.xz", lzma.compress(jsonl().encode()), FileKind("jsonl", "xz")),
        ("calls.jsonl.gz", jsonl(), FileKind("jsonl")),  # named gzip, not gzip: read plain
        ("empty.jsonl", b"", FileKind("jsonl")),  # empty: the name says what it is
        ("BZh-notes.txt", "BZhang's notes\n", FileKind("text")),  # "BZh" alone is not bzip2
    ],
)
def test_the_kind_of_a_file(tmp_path, name, content, kind):
    path = write(tmp_path / name, content)
    assert sniff(path) == kind


def test_a_json_first_line_longer_than_the_prefix_is_read_to_its_end(tmp_path):
    # a batch line with an image is longer than 64 KiB; a second line makes it JSONL
    long_line = json.dumps({"text": "x" * (3 * PREFIX)})
    path = write(tmp_path / "batch", f"{long_line}\n{long_line}\n")
    assert sniff(path) == FileKind("jsonl")
    assert sniff(write(tmp_path / "one", long_line + "\n")) == FileKind("json")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("calls", b"", "calls: empty file (nothing to tell its kind from)"),
        ("blob.jsonl", bytes(range(256)) * 4, "blob.jsonl: binary data, not text"),
        ("noise", bytes(range(1, 256)) * 4, "noise: binary data, not text"),  # no NUL at all
        ("calls.jsonl", "hi\n".encode("utf-16"), "calls.jsonl: UTF-16 text (byte order mark)"),
        ("rows.parquet", table(","), "rows.parquet: unreadable Parquet (text, not the PAR1"),
        ("rows.parquet.gz", gzip.compress(parquet_bytes()), "rows.parquet.gz: Parquet inside gzip"),
        ("calls.jsonl.gz", gzip.compress(jsonl().encode())[:40], "unreadable gzip data"),
    ],
)
def test_what_cannot_be_read_is_a_one_line_error(tmp_path, name, content, message):
    path = write(tmp_path / name, content)
    with pytest.raises(InputError, match="^" + str(tmp_path).replace("\\", "\\\\")) as error:
        sniff(path)
    assert message in str(error.value) and "\n" not in str(error.value)
    result = run("usage", path)  # the command says the same, in one line, exit 2
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert message in result.output and "Traceback" not in result.output


def test_zstd_without_a_reader_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "zstandard", None)  # as on a machine without either
    monkeypatch.setitem(sys.modules, "compression", None)
    path = write(tmp_path / "calls.jsonl.zst", b"\x28\xb5\x2f\xfd" + b"\x00" * 16)
    with pytest.raises(InputError, match="calls.jsonl.zst: zstd-compressed; .*pip install zst"):
        sniff(path)


def test_output_names_use_the_same_name_rule():
    assert is_parquet_name("rows.parquet") and is_parquet_name("rows.PQ")
    assert not is_parquet_name("rows.csv") and not is_parquet_name("parquet")
    assert name_format("s3://bucket/day=1/calls.jsonl.gz?versionId=3") == "jsonl"
    assert name_compression("s3://bucket/day=1/calls.jsonl.gz?versionId=3") == "gzip"
    assert name_format("calls.log") is None and name_compression("calls.log") is None


def test_a_forced_format_and_a_table_are_taken_as_told():
    assert format_of("notes.txt", b'{"a": 1}\n', known="jsonl") == "jsonl"
    assert format_of("rows.txt", b"id\ttext\n1\thi\n", known="table") == "tsv"
    assert format_of("rows", b"id,text\n1,hi\n", known="table") == "csv"
    assert format_of("empty", b"", empty="text") == "text"  # count's empty text


# --- bounded: only the start is read; a pipe loses nothing ------------------------------------


class Counted(io.RawIOBase):
    """A stream that cannot seek and counts what was read from it (a pipe)."""

    def __init__(self, data: bytes):
        self.source, self.read_bytes = io.BytesIO(data), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.source.read(min(len(buffer), 4096))
        buffer[: len(data)] = data
        self.read_bytes += len(data)
        return len(data)


@pytest.mark.parametrize("compress", [None, gzip.compress])
def test_only_a_bounded_prefix_is_read_and_every_byte_is_still_there(compress):
    data = jsonl(CALLS * 20_000).encode()  # about 5 MB
    raw = Counted(compress(data) if compress else data)
    kind, stream = sniff_stream(io.BufferedReader(raw, 4096), "-")
    assert kind == FileKind("jsonl", "gzip" if compress else None)
    assert raw.read_bytes <= PREFIX + 8192  # its first 64 KiB (and a read ahead), not 5 MB
    assert stream.read() == data


def test_a_fifo_is_decided_when_read_not_before(tmp_path):
    fifo = tmp_path / "calls"
    os.mkfifo(fifo)
    assert sniff(fifo) is None  # no writer: reading it here would block (or lose bytes)


def test_stdin_is_sniffed_from_a_peek():
    lines = "".join(json.dumps({"text": t}) + "\n" for t in ("alpha beta", "gamma"))
    o200k = load_encoding("o200k_base")
    expected = len(o200k.encode_ordinary("alpha beta")) + len(o200k.encode_ordinary("gamma"))
    result = run("count", "-", "-m", "gpt-4o", "--json", input=gzip.compress(lines.encode()))
    assert result.exit_code == 0, result.output
    counted = json.loads(result.output)
    assert counted["files"][0]["format"] == "jsonl" and counted["tokens"] == expected


# --- every reader handles what the sniffer reports --------------------------------------------


def test_the_same_calls_cost_the_same_in_every_kind_of_file(tmp_path):
    files = {
        "calls.jsonl": jsonl(),
        "calls.json": jsonl(),  # JSONL under a .json name: priced as JSONL
        "calls.csv": table(","),
        "calls.tsv": table("\t"),
        "export.csv": table("\t"),  # tab-separated under a .csv name
        "calls.jsonl.gz": gzip.compress(jsonl().encode()),
        "calls.csv.gz": gzip.compress(table(",").encode()),
        "calls.jsonl.bz2": bz2.compress(jsonl().encode()),
        "calls-gzipped": gzip.compress(jsonl().encode()),  # no suffix: by its magic
        "calls.parquet": parquet_bytes(),
        "calls.log": parquet_bytes(),  # Parquet under a .log name
    }
    for name, content in files.items():
        report = usage_json(write(tmp_path / name, content))
        assert report["rows"] == 3, name
        assert report["total_usd"] == TOTAL_USD, name
        assert report["by_model"]["gpt-4o"]["total_usd"] == 0.0035, name
    # all of them at once: eleven times the three calls, to the micro-dollar
    every = usage_json(*(str(tmp_path / name) for name in files))
    assert every["rows"] == 33 and round(every["total_usd"], 6) == round(11 * TOTAL_USD, 6)


def test_cost_usage_and_calibrate_inputs_read_compressed_and_mislabelled_files(tmp_path):
    log = write(tmp_path / "calls.json.gz", gzip.compress(jsonl(CALLS[:1]).encode()))
    result = run("cost", "--usage", log, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total_usd"] == 0.0035


def test_a_compressed_log_is_read_in_one_part(tmp_path):
    # stored, not compressed (level 0): over the 2 MB below which a log is never split
    data = jsonl(CALLS * 12_000).encode()
    gzipped = tmp_path / "big.jsonl.gz"
    with gzip.open(gzipped, "wb", compresslevel=0) as handle:
        handle.write(data)
    plain = write(tmp_path / "big.jsonl", data)
    assert gzipped.stat().st_size > 2 * 2**20
    assert len(split_log(plain, 2)) == 2
    assert split_log(str(gzipped), 2) == [LogPart(str(gzipped))]
    assert partitions([str(gzipped)], partition_bytes=2**20) == [LogPart(str(gzipped))]
    assert len(partitions([plain], chunk_lines=1000, partition_bytes=2**20)) > 1
    catalog = load_catalog()
    one = cost_logs([plain], catalog)
    two = cost_logs([str(gzipped)], catalog, jobs=2)
    assert one.total_usd == two.total_usd == Decimal("353.76")  # 12,000 x $0.02948


def test_count_reads_a_tsv_with_column(tmp_path):
    texts = ["Hello, world", "Two, commas, here", "tab\u2011free text"]
    o200k = load_encoding("o200k_base")
    expected = sum(len(o200k.encode_ordinary(text)) for text in texts)
    tsv = write(
        tmp_path / "replies.tsv", "id\ttext\n" + "".join(f"{n}\t{t}\n" for n, t in enumerate(texts))
    )
    result = run("count", tsv, "-m", "gpt-4o", "--column", "text", "--json")
    assert result.exit_code == 0, result.output
    counted = json.loads(result.output)
    assert counted["records"] == 3 and counted["tokens"] == expected
    assert counted["files"][0]["format"] == "tsv"
    # the same rows, comma-separated and quoted, count the same
    quoted = "".join(f'{n},"{t}"\n' for n, t in enumerate(texts))
    csv_path = write(tmp_path / "replies.csv", "id,text\n" + quoted)
    again = json.loads(run("count", csv_path, "-m", "gpt-4o", "--column", "text", "--json").output)
    assert again["tokens"] == expected
    # a TSV needs --column, as a CSV does
    bare = run("count", tsv, "-m", "gpt-4o")
    assert bare.exit_code == 2 and "TSV input needs --column NAME" in bare.output


def test_count_reads_gzipped_jsonl_and_a_json_that_is_jsonl(tmp_path):
    lines = "".join(json.dumps({"text": t}) + "\n" for t in ("alpha beta", "gamma"))
    o200k = load_encoding("o200k_base")
    expected = len(o200k.encode_ordinary("alpha beta")) + len(o200k.encode_ordinary("gamma"))
    for name, content in (
        ("texts.jsonl.gz", gzip.compress(lines.encode())),
        ("texts.json", lines),
    ):
        result = run("count", write(tmp_path / name, content), "-m", "gpt-4o", "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["tokens"] == expected, name


def test_plan_samples_from_a_tsv_and_a_gzipped_log(tmp_path):
    tsv = write(tmp_path / "lengths.tsv", "id\toutput_tokens\n1\t300\n2\t500\n3\t700\n")
    gz = write(tmp_path / "log.jsonl.gz", gzip.compress(jsonl().encode()))
    base = ["plan", "--model", "gpt-4o", "--input", "1000", "--json", "--percentile", "100"]
    for samples, count, longest in ((tsv, 3, 700), (gz, 1, 100)):  # gpt-4o's own reply: 100
        result = run(*base, "--samples", samples)
        assert result.exit_code == 0, result.output
        plan = json.loads(result.output)
        assert (plan["sample_count"], plan["chosen_output_tokens"]) == (count, longest)
