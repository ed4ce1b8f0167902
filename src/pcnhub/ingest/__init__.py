"""Parsers of the files the register is built from: pure Python, no Django.

Each parser turns one file into plain dataclass records, checking every value as it reads, and
raises :class:`~pcnhub.domain.errors.InputError` naming the file, row (the line number; the header
is row 1) and field of each problem, up to 20 of them.  CSV files are streamed: the record
iterators check the whole file only when read to the end.

* :func:`read_epraccur` - ODS epraccur.csv (GP practices in England);
* :func:`read_epcn` - ODS ePCN.xlsx (PCNs and their member practices, with dates);
* :func:`read_practice_map` - NHS Digital gp-reg-pat-prac-map.csv (practice -> PCN -> geography);
* :func:`read_list_sizes` - NHS Digital gp-reg-pat-prac-all / quin-age / sing-age files;
* :func:`~pcnhub.ingest.archives.extracted_csvs` - the CSV files of a .zip (as NHS Digital also publishes them);
* :func:`read_configuration` - a local ``pcn, practice_code, practice_name, list_size`` CSV;
* :func:`read_clusters` / :func:`read_place_networks` - local lists of networks that name their practices
  (or only the networks) instead of giving ODS codes;
* :func:`detect_kind` - which of these a file is.
"""

from pcnhub.domain.errors import MAX_PROBLEMS
from pcnhub.ingest.tabular import ORG_CODE, PRACTICE_CODE, parse_date
from pcnhub.ingest.configuration import ConfigurationRow, read_configuration
from pcnhub.ingest.detect import Kind, detect_kind
from pcnhub.ingest.epcn import Epcn, EpcnMember, EpcnNetwork, read_epcn
from pcnhub.ingest.epraccur import EpraccurPractice, read_epraccur
from pcnhub.ingest.local_lists import ClusterRow, NamedPractice, PlaceNetworkRow, read_clusters, read_place_networks
from pcnhub.ingest.list_sizes import PatientCount, read_list_sizes
from pcnhub.ingest.practice_map import PracticeMapping, read_practice_map

__all__ = [
    "MAX_PROBLEMS",
    "ORG_CODE",
    "PRACTICE_CODE",
    "ClusterRow",
    "ConfigurationRow",
    "Epcn",
    "EpcnMember",
    "EpcnNetwork",
    "EpraccurPractice",
    "Kind",
    "NamedPractice",
    "PatientCount",
    "PlaceNetworkRow",
    "PracticeMapping",
    "detect_kind",
    "parse_date",
    "read_clusters",
    "read_configuration",
    "read_epcn",
    "read_epraccur",
    "read_list_sizes",
    "read_place_networks",
    "read_practice_map",
]
