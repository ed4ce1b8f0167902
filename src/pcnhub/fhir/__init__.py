"""What every FHIR R4 resource type pcnhub serves shares: errors as OperationOutcome, search parameters
(:mod:`.search`), searchset Bundles with paging links and the server that routes ``/fhir/`` to the
resource types each app provides (:mod:`.server`).  The resources themselves are built by the apps
(``register.fhir``: Organization and OrganizationAffiliation); :mod:`pcnhub.webapp.fhir` composes them.
"""
