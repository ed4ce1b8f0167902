"""One encoding policy for every CSV pcnhub reads, NHS or user: the same file saved by Excel in any of its
encodings reads the same, and a file that is not text gets one message naming the line."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest

from pcnhub.analytics.practices import read_practices
from pcnhub.domain.errors import InputError
from pcnhub.ingest import read_list_sizes
from pcnhub.ingest.access_plan import read_plan_csv as read_access_plan
from pcnhub.ingest.arrs_plan import read_plan_csv as read_arrs_plan
from pcnhub.ingest.configuration import read_configuration, read_configuration_csv
from pcnhub.ingest.design_input import read_design_input
from pcnhub.ingest.tabular import NOT_TEXT
from pcnhub.reference.arrs_roles import load_catalogue

LIST_SIZES = ("PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\r\n"
              "GP_PRAC_PAT_LIST,01JAN2021,GP,00K,E38000075,A81001,TS18 1HU,ALL,ALL,5903\r\n")
#: Each reader, and a file it reads holding a character of Windows-1252 beyond ASCII where it has free text.
READERS: dict[str, tuple[str, Callable[[Path], object]]] = {
    "configuration check": ("pcn,practice_code,practice_name,list_size\nBenfleet,F81001,Café Surgery,12980\n",
                            read_configuration_csv),
    "configuration import": ("pcn,practice_code,practice_name,list_size\nBenfleet,F81001,Café Surgery,12980\n",
                             read_configuration),
    "access plan": ("day,start,end,site,staff_type\nMon,18:30,20:00,Café Street,GP\n", read_access_plan),
    "ARRS plan": ("role,fte,start,end,annual_cost,employment,label\nSPLW,1,2021-04-01,,30000,,Café link\n",
                  lambda path: read_arrs_plan(path, load_catalogue())),
    "design input": ("practice_code,list_size,lat,lon,area\nF81001,12980,51.55,0.6,Café\n", read_design_input),
    "list sizes": (LIST_SIZES, lambda path: list(read_list_sizes(path))),
    "practices": ("practice_code,list_size,name\nA81001,3000,Café\n", read_practices),
}
ENCODINGS = {
    "UTF-8": lambda text: text.encode("utf-8"),
    "UTF-8 with a byte-order mark": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "UTF-16 (Excel's Unicode)": lambda text: text.encode("utf-16"),
    "UTF-16 big-endian": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "Windows-1252 (Excel's CSV)": lambda text: text.encode("cp1252"),
}


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("reader", READERS)
def test_every_reader_reads_every_encoding_alike(tmp_path, reader, encoding):
    text, read = READERS[reader]
    plain = tmp_path / "plain.csv"
    plain.write_bytes(text.encode("utf-8"))
    encoded = tmp_path / "encoded.csv"
    encoded.write_bytes(ENCODINGS[encoding](text))
    assert read(encoded) == read(plain)


@pytest.mark.parametrize("reader", READERS)
def test_a_file_that_is_not_text_is_named_by_its_line_the_same_everywhere(tmp_path, reader):
    text, read = READERS[reader]
    path = tmp_path / "book.csv"
    path.write_bytes(text.encode("utf-8") + b"PK\x03\x04\x00\x00binary\n")
    with pytest.raises(InputError) as caught:
        read(path)
    assert (caught.value.file, caught.value.row, caught.value.message) == ("book.csv", text.count("\n") + 1, NOT_TEXT)
