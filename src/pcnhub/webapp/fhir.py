"""The site's FHIR R4 API under ``/fhir/``: the resource types of every app, served by :mod:`pcnhub.fhir.server`."""

from __future__ import annotations

from django.conf import settings
from django.urls import path, re_path

from pcnhub import __version__
from pcnhub.fhir.server import Server
from pcnhub.measures.fhir import TYPES as MEASURE_TYPES
from pcnhub.phm.fhir import TYPES as PHM_TYPES
from pcnhub.register.fhir import TYPES as REGISTER_TYPES

server = Server([*REGISTER_TYPES, *MEASURE_TYPES, *PHM_TYPES], software="pcnhub", version=__version__,
                exports=lambda: settings.PCNHUB_FHIR_EXPORT_DIR)

urlpatterns = [
    path("metadata", server.metadata, name="fhir-metadata"),
    path("$export", server.export_kickoff, name="fhir-export"),
    path("$export-status/<str:job>", server.export_status, name="fhir-export-status"),
    path("$export-file/<str:job>/<str:name>", server.export_file, name="fhir-export-file"),
    re_path(r"^(?P<resource_type>[A-Z][A-Za-z]+)$", server.type_level, name="fhir-type"),
    re_path(r"^(?P<resource_type>[A-Z][A-Za-z]+)/(?P<resource_id>[^/]+)$", server.instance, name="fhir-instance"),
    re_path(r"^(?P<rest>.*)$", server.unknown, name="fhir-unknown"),
]
