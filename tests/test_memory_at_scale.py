"""Big tables are held compactly (shared repeated text, one Arrow chunk) without changing any value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from atlas.data.search_keys import add_search_text, key_contains
from atlas.data.tables import SHARED_TEXT_MIN_ROWS, one_chunk, share_repeated_text


def big_frame() -> pd.DataFrame:
    n = SHARED_TEXT_MIN_ROWS
    return pd.DataFrame({
        "id": pd.array([f"p-{i}" for i in range(n)], dtype=str),
        "status": pd.array(["operating", "planned"] * (n // 2), dtype=str),
    })


def test_a_repeated_column_of_a_big_table_shares_one_string_per_value_and_keeps_its_values():
    frame = big_frame()
    shared = share_repeated_text(frame.copy())
    assert shared["status"].dtype == object
    assert shared["status"].tolist() == frame["status"].tolist()
    assert shared["status"].iat[0] is shared["status"].iat[2]


def test_a_column_of_distinct_names_stays_text_in_one_arrow_chunk():
    frame = big_frame()
    ids = [f"p-{i}" for i in range(len(frame))]
    frame["id"] = pd.Series(pd.array(pa.chunked_array([ids[:5], ids[5:]]), dtype=str))
    shared = share_repeated_text(frame.copy())
    assert shared["id"].dtype == frame["id"].dtype
    assert shared["id"].tolist() == frame["id"].tolist()
    assert pa.chunked_array(pa.array(shared["id"].array)).num_chunks == 1


def test_a_small_table_is_left_as_read():
    frame = pd.DataFrame({"status": pd.array(["operating"] * 10, dtype=str)})
    assert share_repeated_text(frame.copy())["status"].dtype == frame["status"].dtype


def test_one_chunk_leaves_numbers_alone():
    values = pd.Series(np.arange(3.0))
    assert one_chunk(values) is values


def test_text_search_over_shared_columns_finds_the_rows_whose_full_key_holds_every_word():
    n = SHARED_TEXT_MIN_ROWS
    names = ["清镇铝业", "Qingzhen Co.", "", "a | b", "'", "¨x", "众鑫氧化铝"]
    frame = pd.DataFrame({
        "id": pd.array([f"p-{i}" for i in range(n)], dtype=str),
        "name_zh": pd.array([f"[合成] 清镇 #{i}" if i % 3 else "" for i in range(n)], dtype=str),
        "name_en": pd.array([f"Plant {i}" if i % 5 else "" for i in range(n)], dtype=str),
        "company_zh": pd.array([names[i % len(names)] for i in range(n)], dtype=str),
        "company_en": pd.array([names[(i * 3) % len(names)] for i in range(n)], dtype=str),
    })
    full = add_search_text(frame)["search_text"]
    shared = add_search_text(share_repeated_text(frame.copy()))
    assert shared["company_zh"].dtype == object
    assert shared["search_text"].str.len().sum() < full.str.len().sum()
    for word in ["qingzhen", "qz", "|", "co.", "合成", "plant", "zhongxin", "b", "x", "p-7", "#1"]:
        expected = full.str.contains(word, regex=False).to_numpy(dtype=bool)
        assert (key_contains(shared, word) == expected).all(), word
        assert (key_contains(add_search_text(frame), word) == expected).all(), word
