"""The digest's words in Mongolian and English: one template set, translated strings."""
from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "title": {"mn": "Ил тод байдлын хяналтын тойм", "en": "Disclosure monitor digest"},
    "as_of": {"mn": "Огноо", "en": "As of"},
    "agencies_behind": {"mn": "Хоцорсон байгууллага", "en": "Agencies behind"},
    "obligations_missing": {"mn": "Нийтлээгүй үүрэг", "en": "Obligations missing"},
    "newly_behind": {"mn": "Шинээр хоцорсон", "en": "Newly behind"},
    "caught_up": {"mn": "Нөхөж нийтэлсэн", "en": "Caught up"},
    "behind_heading": {"mn": "Хоцорсон байгууллагууд", "en": "Agencies that are behind"},
    "nobody_behind": {"mn": "Хоцорсон байгууллага алга.", "en": "No agency is behind."},
    "missing": {"mn": "нийтлээгүй", "en": "missing"},
    "late": {"mn": "хоцорч нийтэлсэн", "en": "published late"},
    "new": {"mn": "шинэ", "en": "new"},
    "ongoing": {"mn": "үргэлжилж буй", "en": "ongoing"},
    "resolved": {"mn": "нөхөж нийтэлсэн", "en": "caught up"},
    "not_rechecked": {"mn": "дахин шалгаагүй", "en": "not re-checked"},
    "due": {"mn": "эцсийн хугацаа", "en": "due"},
    "days_overdue": {"mn": "хоног хэтэрсэн", "en": "days overdue"},
    "days_late": {"mn": "хоног хоцорсон", "en": "days late"},
    "evidence": {"mn": "нотолгоо", "en": "evidence"},
    "on_time_rate": {"mn": "Хугацаандаа", "en": "On time"},
    "too_few": {"mn": "үнэлэхэд цөөн", "en": "too few to rate"},
    "sources_heading": {"mn": "Эх сурвалжууд", "en": "Sources"},
    "source_ok": {"mn": "уншсан", "en": "read"},
    "source_failed": {"mn": "уншиж чадаагүй", "en": "could not be read"},
    "last_ok": {"mn": "сүүлд амжилттай", "en": "last read successfully"},
    "failing_since": {"mn": "алдаа гарсаар", "en": "failing since"},
    "never": {"mn": "хэзээ ч", "en": "never"},
    "silence_warning": {
        "mn": "Уншиж чадаагүй эх сурвалжийн үүргийг \"тодорхойгүй\" гэж тооцсон: чимээгүй байдал нь биелэлт биш.",
        "en": "Obligations of a source that could not be read are counted as unknown: silence is not compliance.",
    },
    "footer": {
        "mn": "Дүрэм бүр нь rules.md-д тодорхойлогдсон. Байгууллагын нэрийг портал дээр бичсэнээр нь харуулав.",
        "en": "Each rule is defined in rules.md. Agency names are shown as the portals write them.",
    },
    "tender.result_published": {"mn": "Тендерийн үр дүн нийтлэх", "en": "Tender result published"},
    "tender.contract_published": {"mn": "Гэрээ нийтлэх (80 сая төгрөгөөс дээш)",
                                  "en": "Contract above 80 million MNT published"},
    "budget.monthly_report": {"mn": "Сарын төсвийн гүйцэтгэл", "en": "Monthly budget performance"},
    "budget.mof_consolidated": {"mn": "Сангийн яамны нэгдсэн гүйцэтгэл", "en": "Consolidated budget performance"},
    "declarations.published": {"mn": "Хөрөнгө орлогын мэдүүлэг", "en": "Asset declaration published"},
    "legal.act_published": {"mn": "Эрх зүйн акт бүртгэлд орох", "en": "Act entered in the register"},
    "legal.effective_before_published": {"mn": "Нийтлэгдэхээс өмнө хүчин төгөлдөр болсон",
                                         "en": "Act in force before it was published"},
    "legal.draft_comment_period": {"mn": "Хуулийн төслийн санал авах хугацаа", "en": "Draft law comment period"},
}


def translate(key: str, lang: str) -> str:
    """The string for `key` in `lang`; the key itself when no translation exists (never a crash)."""
    return STRINGS.get(key, {}).get(lang, key)
