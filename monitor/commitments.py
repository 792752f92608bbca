"""The OGP commitments the monitor measures (shared/ogp-commitments.md), and each rule's legal basis."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Commitment:
    """One commitment of the National Action Plan 2014–2016, with the level the government claimed."""

    number: str
    promise_mn: str
    promise_en: str
    claimed: str
    rules: tuple[str, ...]


COMMITMENTS = (
    Commitment("3.3.1.3",
               "Шилэн данс: төсвийн гүйцэтгэлийг сар бүр дараа сарын 10-ны дотор нийтлэх",
               "Glass Account: budget performance posted within 10 days of each month",
               "completed", ("budget.monthly_report", "budget.mof_consolidated")),
    Commitment("3.3.1.4",
               "Ашигт малтмал, газрын тосны тусгай зөвшөөрөл эзэмшигчдийн нэгдсэн санг олон нийтэд нээлттэй болгох",
               "Open to the public a central database of mineral and oil licence holders",
               "completed", ("extractives.eiti_report",)),
    Commitment("3.3.1.8",
               "80 сая төгрөгөөс дээш төсөвт худалдан авалтын гэрээг ил болгох",
               "Disclose budget-funded procurement contracts above 80 million MNT",
               "completed", ("tender.result_published", "tender.contract_published")),
    Commitment("3.3.3.4",
               "Татвар, гааль, ашигт малтмалын газрын албан тушаалтны хөрөнгө орлогын мэдүүлгийг нийтлэх",
               "Publish the asset declarations of tax, customs and mineral-resources officials",
               "completed", ("declarations.published",)),
    Commitment("3.3.3.6",
               "Хуулийн төсөл, эрх зүйн актыг олон нийтэд цаг тухайд нь хүргэх",
               "Deliver draft laws and acts to the public in due time",
               "not legible in the report",
               ("legal.act_published", "legal.effective_before_published", "legal.draft_comment_period")),
)

# Each rule's basis as a reader sees it, in both languages, keyed by rule id: one table, to move
# as a block when rule metadata moves onto the check classes. ЗТНТ is OGP (Засгийн газрын
# нээлттэй түншлэл); portal names (tender.gov.mn) stay as written, they are addresses.
RULE_BASIS: dict[str, dict[str, str]] = {
    "tender.result_published": {"mn": "ЗТНТ 3.3.1.8; tender.gov.mn дахь тендерийн үр дүн",
                                "en": "OGP 3.3.1.8; tender.gov.mn results"},
    "tender.contract_published": {"mn": "ЗТНТ 3.3.1.8; 80,000,000 төгрөгөөс дээш гэрээ",
                                  "en": "OGP 3.3.1.8; contracts above 80,000,000 MNT"},
    "budget.monthly_report": {"mn": "Шилэн дансны тухай хууль (2014), Засгийн газрын 2014 оны 384 дүгээр тогтоол; "
                                    "ЗТНТ 3.3.1.3",
                              "en": "Glass Account Law (2014), Government Resolution 384 (2014); OGP 3.3.1.3"},
    "budget.mof_consolidated": {"mn": "Шилэн дансны тухай хууль (2014); ЗТНТ 3.3.1.3; "
                                      "Төрийн санхүүгийн удирдлагын үнэлгээний 28 дугаар үзүүлэлт",
                                "en": "Glass Account Law (2014); OGP 3.3.1.3; PEFA PI-28"},
    "declarations.published": {"mn": "ЗТНТ 3.3.3.4; xacxom.iaac.mn", "en": "OGP 3.3.3.4; xacxom.iaac.mn"},
    "legal.act_published": {"mn": "ЗТНТ 3.3.3.6; legalinfo.mn", "en": "OGP 3.3.3.6; legalinfo.mn"},
    "legal.effective_before_published": {"mn": "ЗТНТ 3.3.3.6; legalinfo.mn", "en": "OGP 3.3.3.6; legalinfo.mn"},
    "legal.draft_comment_period": {"mn": "ЗТНТ 3.3.3.6; d.parliament.mn", "en": "OGP 3.3.3.6; d.parliament.mn"},
    "extractives.eiti_report": {"mn": "Уул уурхай, хүнд үйлдвэрийн сайдын 2020 оны А/37 тушаал, 4 дүгээр хавсралт; "
                                      "ОҮИТБС-ын 4 дүгээр шаардлага; ЗТНТ 3.3.1.4",
                                "en": "Order A/37 (2020) of the Minister of Mining and Heavy Industry, annex 4; "
                                      "EITI Standard requirement 4; OGP 3.3.1.4"},
}


def rule_basis(rule: str, lang: str) -> str:
    """A rule's basis in `lang`; the rule id when it has none yet (a new check)."""
    return RULE_BASIS.get(rule, {}).get(lang, rule)
