"""The `[portals]` defaults: every base URL the checks declare is the host the interface names."""
from __future__ import annotations

from monitor.config import portal_defaults
from monitor.registry import available_checks

INTERFACE_PORTALS = {  # the [portals] block of the configuration contract, as published
    "tender_opendata": "https://opendata.tender.gov.mn",
    "tender": "https://www.tender.gov.mn",
    "shilendans": "https://shilendans.gov.mn",
    "mof": "https://mof.gov.mn",
    "xacxom": "https://xacxom.iaac.mn",
    "legalinfo": "https://legalinfo.mn",
    "parliament": "https://api-d.parliament.mn",
    "cadastre": "https://cmcs.mrpam.gov.mn",
    "eiti": "https://e-reporting.eitimongolia.mn",
}


def test_the_checks_declare_the_interface_hosts_as_portal_defaults():
    assert portal_defaults(available_checks()) == INTERFACE_PORTALS
