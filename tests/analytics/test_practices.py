"""The practices file of a synthetic population (:mod:`pcnhub.analytics.practices`)."""

from __future__ import annotations

import string

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcnhub.analytics import synth
from pcnhub.analytics.practices import read_practices
from pcnhub.domain.errors import InputError
from tests.cli.phm.test_synth import write


def test_a_quinary_age_file_gives_each_practice_its_pyramid(tmp_path):
    rows = ["PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,ONS_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS"]
    rows += ["GP_PRAC_PAT_LIST,01JAN2021,GP,A81001,E1,TS1 1AA,ALL,ALL,1000",
             "GP_PRAC_PAT_LIST,01JAN2021,GP,A81001,E1,TS1 1AA,FEMALE,95+,600",
             "GP_PRAC_PAT_LIST,01JAN2021,GP,A81001,E1,TS1 1AA,MALE,95+,400"]
    practices = read_practices(write(tmp_path, "\n".join(rows) + "\n", "quin.csv"))
    assert [(p.code, p.list_size) for p in practices] == [("A81001", 1000)]
    assert practices[0].pyramid[0][19] == 600 and practices[0].pyramid[1][19] == 400
    synth.generate(practices, tmp_path / "out", patients=300, seed=1)
    births = pq.read_table(tmp_path / "out" / "patients.parquet")["birth_month"].to_pylist()
    assert max(births).year <= synth.AS_OF.year - 94


# --- property: the practices reader --------------------------------------------------------------------

codes = st.builds(lambda first, rest: first + rest, st.sampled_from(string.ascii_uppercase),
                  st.text(alphabet=string.ascii_uppercase + string.digits, min_size=5, max_size=5))
practice_rows = st.lists(st.tuples(codes, st.integers(min_value=0, max_value=250_000)), min_size=1, max_size=25,
                         unique_by=lambda row: row[0]).filter(lambda rows: sum(size for _, size in rows) > 0)


@settings(max_examples=40)
@given(rows=practice_rows, commas=st.booleans(), extra=st.booleans())
def test_read_practices_round_trips_any_valid_file(tmp_path_factory, rows, commas, extra):
    folder = tmp_path_factory.mktemp("valid")
    header = "pcn,practice_code,list_size" if extra else "practice_code,list_size"
    lines = [header] + [(("P," if extra else "") + f'{code},"{size:,}"' if commas else ("P," if extra else "") + f"{code},{size}")
                        for code, size in rows]
    practices = read_practices(write(folder, "\n".join(lines) + "\n"))
    assert [(p.code, p.list_size, p.row) for p in practices] == [
        (code, size, number) for number, (code, size) in enumerate(rows, 2)]


bad_cells = st.sampled_from(["-1", "1.5", "ten", " ", "12a", "--3"])


@settings(max_examples=40)
@given(rows=practice_rows, data=st.data())
def test_read_practices_names_the_row_and_field_of_a_bad_list_size(tmp_path_factory, rows, data):
    folder = tmp_path_factory.mktemp("bad")
    spoilt = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    cell = data.draw(bad_cells)
    lines = ["practice_code,list_size"] + [
        f"{code},{cell if i == spoilt else size}" for i, (code, size) in enumerate(rows)]
    with pytest.raises(InputError) as caught:
        read_practices(write(folder, "\n".join(lines) + "\n"))
    assert caught.value.row == spoilt + 2
    assert caught.value.field == "list_size"
