"""Batch scoring (predict_file): every input format, chunks, the id column, atomic output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from automl.data import load_dataset
from automl.errors import DataError
from automl.errors import SchemaError
from automl.export import Bundle
from automl.export import _batch as batch
from automl.export import export_search_result
from automl.export._batch import iter_frames
from automl.export._batch import predict_file
from automl.search import RunConfig
from automl.search import run_search


def _frame(n: int = 150, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "order_id": [f"A{i:04d}" for i in range(n)],
        "amount": rng.normal(50, 15, n).round(2),
        "items": rng.integers(1, 9, n),
        "channel": rng.choice(["web", "shop", "phone"], n),
        "placed": pd.date_range("2021-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
    })
    frame.loc[[3, 40], "amount"] = np.nan
    signal = frame["amount"].fillna(50) / 15 + (frame["channel"] == "web") + rng.normal(0, 0.5, n)
    frame["returned"] = np.where(signal > 4.2, "yes", "no")
    return frame


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Bundle:
    root = tmp_path_factory.mktemp("batch")
    csv = root / "orders.csv"
    _frame().to_csv(csv, index=False)
    dataset = load_dataset(csv)
    config = RunConfig(target="returned", n_trials=2, cv=2, families=("linear", "tree"),
                       budget_s=60, storage_url=f"sqlite:///{(root / 's.db').as_posix()}",
                       study_name="batch")
    return Bundle.load(export_search_result(run_search(config, dataset), dataset, root / "b"))


@pytest.fixture
def rows() -> pd.DataFrame:
    return _frame(n=90, seed=7).drop(columns="returned")


def _write(frame: pd.DataFrame, path):
    suffix = path.suffix
    if suffix in (".csv", ".txt"):
        frame.to_csv(path, index=False)
    elif suffix == ".tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    elif suffix == ".json":
        frame.to_json(path, orient="records")
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".txt", ".parquet", ".xlsx", ".json", ".jsonl"])
def test_every_format_scores_like_the_python_api(bundle, rows, tmp_path, suffix):
    data = _write(rows, tmp_path / f"rows{suffix}")
    result = predict_file(bundle, data, tmp_path / "out.csv", proba=True, chunk_rows=25)
    out = pd.read_csv(tmp_path / "out.csv")
    api = bundle.predict(load_dataset(data).frame)
    assert result.rows == len(rows) == len(out)
    assert result.chunks == 4  # 90 rows in chunks of 25
    assert (out["prediction"].to_numpy() == api.predictions).all()
    np.testing.assert_allclose(out[["proba_no", "proba_yes"]], api.probabilities, rtol=1e-9)


def test_chunked_equals_one_chunk(bundle, rows, tmp_path):
    data = _write(rows, tmp_path / "rows.csv")
    predict_file(bundle, data, tmp_path / "one.csv", proba=True)
    predict_file(bundle, data, tmp_path / "many.csv", proba=True, chunk_rows=7)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "one.csv"), pd.read_csv(tmp_path / "many.csv"))


def test_csv_is_streamed_chunk_by_chunk(tmp_path, rows):
    data = _write(pd.concat([rows] * 7, ignore_index=True), tmp_path / "rows.csv")  # 630 rows
    with open(data, "a", encoding="utf-8") as fh:  # a broken row far after the first chunk
        fh.write("A9999,1,2,web,2021-01-01,extra,fields,here\n")
    frames = iter_frames(data, chunk_rows=100)
    first, _ = next(frames)  # read before the broken row is reached
    assert len(first) == 100
    with pytest.raises(DataError, match="could not be read past its first rows"):
        list(frames)


def test_identifier_column_is_kept_first(bundle, rows, tmp_path):
    data = _write(rows, tmp_path / "rows.csv")
    result = predict_file(bundle, data, tmp_path / "out.csv", chunk_rows=40)
    out = pd.read_csv(tmp_path / "out.csv")
    assert result.id_column == "order_id"
    assert list(out.columns) == ["order_id", "prediction"]
    assert out["order_id"].tolist() == rows["order_id"].tolist()


def test_named_id_column(bundle, rows, tmp_path):
    data = _write(rows.assign(ref=range(1000, 1090)), tmp_path / "rows.csv")
    predict_file(bundle, data, tmp_path / "out.csv", id_column="ref", proba=True)
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out.columns) == ["ref", "prediction", "proba_no", "proba_yes"]
    assert out["ref"].tolist() == list(range(1000, 1090))


def test_named_id_column_that_is_missing(bundle, rows, tmp_path):
    data = _write(rows, tmp_path / "rows.csv")
    with pytest.raises(DataError, match="'customer'"):
        predict_file(bundle, data, tmp_path / "out.csv", id_column="customer")
    assert not (tmp_path / "out.csv").exists()


def test_no_identifier_in_the_input_means_no_id_column(bundle, rows, tmp_path):
    data = _write(rows.drop(columns="order_id"), tmp_path / "rows.csv")
    result = predict_file(bundle, data, tmp_path / "out.csv")
    assert result.id_column is None and list(pd.read_csv(tmp_path / "out.csv").columns) == ["prediction"]


def test_semicolon_file_with_decimal_commas_reads_like_training(bundle, rows, tmp_path):
    data = tmp_path / "rows.csv"
    rows.to_csv(data, sep=";", decimal=",", index=False)
    predict_file(bundle, data, tmp_path / "out.csv", proba=True, chunk_rows=50)
    plain = _write(rows, tmp_path / "plain.csv")
    predict_file(bundle, plain, tmp_path / "ref.csv", proba=True)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "out.csv"), pd.read_csv(tmp_path / "ref.csv"))


def test_padded_header_names_are_normalised_like_training(bundle, rows, tmp_path):
    data = _write(rows.rename(columns={"amount": " amount "}), tmp_path / "rows.csv")
    result = predict_file(bundle, data, tmp_path / "out.csv")
    assert result.rows == len(rows)


def test_schema_error_in_a_later_chunk_names_the_rows(bundle, rows, tmp_path):
    bad = rows.astype({"amount": object})
    bad.loc[70, "amount"] = "lots"
    bad.loc[71, "amount"] = "many"
    bad.loc[72, "amount"] = "heaps"
    bad.loc[73, "amount"] = "tons"
    data = _write(bad, tmp_path / "rows.csv")
    with pytest.raises(SchemaError, match=r"'amount' must hold numbers.*rows 61 to 90"):
        predict_file(bundle, data, tmp_path / "out.csv", chunk_rows=30)
    assert not list(tmp_path.glob("*out.csv*")), "no partial output, no temporary file"


def test_infinite_values_are_a_schema_error(bundle, rows, tmp_path):
    data = _write(rows.assign(amount=np.where(rows.index == 5, np.inf, rows["amount"])),
                  tmp_path / "rows.csv")
    with pytest.raises(SchemaError, match="infinite"):
        predict_file(bundle, data, tmp_path / "out.csv")


def test_unseen_categories_and_extra_columns_are_reported_once(bundle, rows, tmp_path):
    data = _write(rows.assign(channel="fax", note="x"), tmp_path / "rows.csv")
    result = predict_file(bundle, data, tmp_path / "out.csv", chunk_rows=30)
    assert sum("'channel'" in n for n in result.notes) == 1  # same note in each chunk: once
    assert sum("note" in n for n in result.notes) == 1


@pytest.mark.parametrize("content,fragment", [
    ("order_id,amount,items,channel,placed\n", "no data rows"),
    ("", "empty"),
])
def test_files_without_rows_are_data_errors(bundle, tmp_path, content, fragment):
    data = tmp_path / "rows.csv"
    data.write_text(content)
    with pytest.raises(DataError, match=fragment):
        predict_file(bundle, data, tmp_path / "out.csv")


def test_stdout_output(bundle, rows, tmp_path, capsys):
    data = _write(rows.head(3), tmp_path / "rows.csv")
    predict_file(bundle, data, None)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "order_id,prediction" and len(lines) == 4


@pytest.mark.parametrize("writer, streamed", [
    (lambda frame, path: frame.to_csv(path, index=False), True),
    (lambda frame, path: frame.to_parquet(path), True),
    (lambda frame, path: frame.to_json(path, orient="records"), False),
])
def test_an_unknown_suffix_is_read_as_the_format_registry_recognises_it(
        rows, tmp_path, monkeypatch, writer, streamed):
    data = tmp_path / "rows.export"  # no suffix the registry knows: its content decides
    writer(rows, data)
    whole_reads = []
    real = batch.load_dataset

    def counting(path, **kwargs):
        if kwargs.get("max_rows") is None:
            whole_reads.append(path)
        return real(path, **kwargs)

    monkeypatch.setattr(batch, "load_dataset", counting)
    frames = list(iter_frames(data, chunk_rows=40))
    assert [len(f) for f, _ in frames] == [40, 40, 10]
    assert list(frames[0][0].columns) == list(real(data).frame.columns)
    assert whole_reads == ([] if streamed else [data])  # streamed formats never read whole


def test_an_unreadable_file_of_unknown_suffix_gets_the_readers_message(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        list(iter_frames(tmp_path / "missing.export", chunk_rows=10))
