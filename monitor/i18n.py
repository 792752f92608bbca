"""The digest's words in Mongolian and English: one template set, translated strings.

STRINGS holds the digest's own words. What a check reads and judges (its rules, sources, legal
basis and OGP commitment) is named by the check itself (monitor.registry), in both languages.
"""
from __future__ import annotations

from .errors import BOT_CHALLENGE, CAPTCHA

STRINGS: dict[str, dict[str, str]] = {
    "title": {"mn": "Ил тод байдлын хяналтын тойм", "en": "Disclosure monitor digest"},
    "as_of": {"mn": "Огноо", "en": "As of"},
    "agencies_behind": {"mn": "Хоцорсон байгууллага", "en": "Agencies behind"},
    "obligations_missing": {"mn": "Нийтлээгүй үүрэг", "en": "Obligations missing"},
    "newly_behind": {"mn": "Шинээр хоцорсон", "en": "Newly behind"},
    "caught_up": {"mn": "Нөхөж нийтэлсэн", "en": "Caught up"},
    "newly_heading": {"mn": "Шинээр хоцорсон (хамгийн их хэтэрсэн нь эхэндээ)", "en": "Newly behind, most overdue first"},
    "still_heading": {"mn": "Хоцорсон хэвээр (хамгийн удаан нь эхэндээ)", "en": "Still behind, oldest first"},
    "caught_up_heading": {"mn": "Нөхөж нийтэлсэн", "en": "Caught up"},
    "scorecard_heading": {"mn": "Байгууллагын үнэлгээ", "en": "Scorecard by agency"},
    "coverage_heading": {"mn": "Эх сурвалж ба хамрах хүрээ", "en": "Sources and coverage"},
    "commitments_heading": {"mn": "ЗТНТ-ийн амлалтууд", "en": "OGP commitments"},
    "none": {"mn": "Алга.", "en": "None."},
    "more_findings": {"mn": "бусад", "en": "more"},
    # The complete list of open findings: attached to an email as findings.csv; a digest written
    # to a folder by `monitor run` has the same CSV written beside it. {file} is the file's name.
    "full_list_attached": {"mn": "бүрэн жагсаалт хавсаргасан {file} файлд байна",
                           "en": "the complete list is in the attached file {file}"},
    "full_list_beside": {"mn": "бүрэн жагсаалт энэ тоймын хажууд буй {file} файлд байна",
                         "en": "the complete list is in the file {file} beside this digest"},
    "more_agencies": {"mn": "бусад байгууллага", "en": "more agencies"},
    "of_them_behind": {"mn": "үүнээс {n} нь хоцорсон", "en": "{n} of them behind"},
    "scorecard_note": {
        "mn": "{behind}. Нийтлээгүй үүргийн тоогоор, дараа нь хугацаандаа нийтэлсэн хувиар (бага нь эхэндээ) эрэмбэлэв.",
        "en": "{behind}. Ranked by obligations missing, then by on-time rate (lowest first).",
    },
    "n_agencies_behind": {"mn": "{n} байгууллага хоцорсон", "en": "{n} agencies behind",
                          "en_one": "{n} agency behind"},
    "agency_total": {"mn": "нийтлээгүй", "en": "missing"},
    "judged_share": {"mn": "Үнэлсэн: хамрах хүрээний {in_scope} үүргээс {judged} ({pct}%)",
                     "en": "Judged: {judged} of {in_scope} obligations in scope ({pct}%)"},
    "judged_none": {"mn": "Үнэлж чадсан үүрэг алга", "en": "No obligation could be judged"},
    "subject_failed": {"mn": "{n} эх сурвалжийг уншиж чадсангүй", "en": "{n} sources could not be read",
                       "en_one": "{n} source could not be read"},
    "banner_title": {"mn": "Зарим эх сурвалжийг уншиж чадсангүй", "en": "Some sources could not be read"},
    "banner_sources": {"mn": "Уншиж чадаагүй: {names}.", "en": "Could not be read: {names}."},
    "n_unchecked": {"mn": "{n} үүргийг шалгаж чадсангүй", "en": "{n} obligations could not be checked",
                    "en_one": "{n} obligation could not be checked"},
    "banner_meaning": {
        "mn": "{unchecked}, эдгээр эх сурвалжид гарах ёстой бусад үүргийг огт тоолоогүй: "
              "чимээгүй байдал нь биелэлт биш. Доорх тоонууд зөвхөн уншиж чадсан зүйлийг харуулна.",
        "en": "{unchecked}, and obligations these sources would have shown are "
              "not counted at all: silence is not compliance. The figures below count only what could be read.",
    },
    "no_evidence_page": {"mn": "тусдаа хуудасгүй", "en": "no page of its own"},
    "listed_at": {"mn": "жагсаалт нь", "en": "listed at"},
    "methodology": {"mn": "Дүрэм бүрийн тодорхойлолт", "en": "How each rule is defined"},
    "since": {"mn": "өмнөх тоймоос хойш", "en": "since the last digest"},
    "since_previous_run": {"mn": "өмнөх шалгалтаас хойш", "en": "since the previous run"},
    "judged": {"mn": "үнэлсэн", "en": "judged"},
    "in_scope": {"mn": "хамрах хүрээнд", "en": "in scope"},
    "claimed": {"mn": "Засгийн газрын үнэлгээ", "en": "Claimed by the government"},
    "measured": {"mn": "Хэмжсэн", "en": "Measured"},
    "commitment": {"mn": "Амлалт", "en": "Commitment"},
    "rule": {"mn": "Дүрэм", "en": "Rule"},
    "agency": {"mn": "Байгууллага", "en": "Agency"},
    "basis": {"mn": "эрх зүйн үндэслэл", "en": "basis"},
    "official": {"mn": "албан тушаалтан", "en": "official"},
    "met": {"mn": "хугацаандаа", "en": "on time"},
    "complete": {"mn": "бүрэн", "en": "complete"},
    "completed": {"mn": "бүрэн", "en": "completed"},
    "substantial": {"mn": "ихээхэн", "en": "substantial"},
    "limited": {"mn": "хязгаарлагдмал", "en": "limited"},
    "not started": {"mn": "эхлээгүй", "en": "not started"},
    "not legible in the report": {"mn": "тайланд уншигдахгүй", "en": "not legible in the report"},
    "unsubscribe": {"mn": "Энэ тоймыг авахаа болих бол энд хандана уу:",
                    "en": "To stop receiving this digest, write to:"},
    "missing": {"mn": "нийтлээгүй", "en": "missing"},
    "late": {"mn": "хоцорч нийтэлсэн", "en": "published late"},
    "new": {"mn": "шинэ", "en": "new"},
    "ongoing": {"mn": "үргэлжилж буй", "en": "ongoing"},
    "resolved": {"mn": "нөхөж нийтэлсэн", "en": "caught up"},
    "not_rechecked": {"mn": "дахин шалгаагүй", "en": "not re-checked"},
    "due": {"mn": "эцсийн хугацаа", "en": "due"},
    # "{n} хоног": Mongolian does not inflect the noun after a number, so one form serves 1 and 5.
    "days_overdue": {"mn": "{n} хоног хэтэрсэн", "en": "{n} days overdue", "en_one": "{n} day overdue"},
    "days_late": {"mn": "{n} хоног хоцорсон", "en": "{n} days late", "en_one": "{n} day late"},
    "evidence": {"mn": "нотолгоо", "en": "evidence"},
    "on_time_rate": {"mn": "Хугацаандаа", "en": "On time"},
    "too_few": {"mn": "үнэлэхэд цөөн", "en": "too few to rate"},
    "sources_heading": {"mn": "Эх сурвалжууд", "en": "Sources"},
    "source_ok": {"mn": "уншсан", "en": "read"},
    "source_failed": {"mn": "уншиж чадаагүй", "en": "could not be read"},
    "last_ok": {"mn": "сүүлд амжилттай", "en": "last read successfully"},
    # The reader's own digests the mail server refused for good (smtp.max_attempts): period and reason.
    "undelivered_heading": {"mn": "Танд хүргэж чадаагүй тойм", "en": "Digests we could not deliver to you"},
    # Beside a source the portal keeps out (monitor.errors.Blocked): not a changed page.
    "blocked_challenge": {
        "mn": "портал хуудсынхаа оронд роботыг шүүх шалгалт (Cloudflare) харуулсан; хуудасны бүтэц өөрчлөгдөөгүй. "
              "Мониторыг өөр сүлжээнээс ажиллуулах эсвэл порталын хариуцагчаас нэвтрэх эрх хүсэх хэрэгтэй",
        "en": "the portal showed a bot check (Cloudflare) instead of its page; its layout did not change. "
              "Run the monitor from another network or ask the portal's operator to let it through",
    },
    "blocked_captcha": {
        "mn": "портал хуудсынхаа оронд хүн эсэхийг шалгах код (капча) асуусан; хуудасны бүтэц өөрчлөгдөөгүй. "
              "Мониторыг өөр сүлжээнээс ажиллуулах эсвэл порталын хариуцагчаас нэвтрэх эрх хүсэх хэрэгтэй",
        "en": "the portal asked for a captcha instead of its page; its layout did not change. "
              "Run the monitor from another network or ask the portal's operator to let it through",
    },
    "failing_since": {"mn": "алдаа гарсаар", "en": "failing since"},
    "never": {"mn": "хэзээ ч", "en": "never"},
    "silence_warning": {
        "mn": "Уншиж чадаагүй эх сурвалжийн үүргийг \"тодорхойгүй\" гэж тооцсон: чимээгүй байдал нь биелэлт биш.",
        "en": "Obligations of a source that could not be read are counted as unknown: silence is not compliance.",
    },
    "left_scope_heading": {"mn": "Хамрах хүрээнээс гарсан", "en": "No longer in scope"},
    "left_scope_note": {
        "mn": "Эдгээр зөрчлийн үүрэг дүрмийн хамрах хүрээнээс гарсан тул хаагдсан (жишээ нь хугацааны цонхноос гарсан, "
              "эсвэл эх сурвалж тэднийг жагсаахаа больсон). Буцаж орвол урьдын адил үргэлжилнэ.",
        "en": "These findings were closed because their obligation left the rule's scope (a window moved on, or "
              "the portal no longer lists them). Should they return, they resume as they were.",
    },
    "footer": {
        "mn": "Байгууллагын нэрийг портал дээр бичсэнээр нь харуулав.",
        "en": "Agency names are in English where known, else in Latin letters by MNS 5217:2012.",
    },
    # The report site (monitor.site): its own words; the rest it shares with the digest.
    "site_title": {"mn": "Ил тод байдлын хяналт", "en": "Disclosure monitor"},
    "site_lead": {
        "mn": "Хууль болон Нээлттэй засгийн түншлэлийн (ЗТНТ) амлалтаар нийтлэх ёстой мэдээллээ байгууллагууд "
              "хугацаандаа нийтэлж байгаа эсэхийг нийтийн порталуудаас шөнө бүр шалгана.",
        "en": "Whether agencies publish on time what the law and Mongolia's Open Government Partnership (OGP) "
              "commitments oblige them to, checked on the public portals every night.",
    },
    "nav_agencies": {"mn": "Байгууллагууд", "en": "Agencies"},
    "other_language": {"mn": "English", "en": "Монгол хэлээр"},
    "agencies_followed": {"mn": "Хянаж буй байгууллага", "en": "Agencies followed"},
    "site_rank_note": {
        "mn": "Бүх дүрмээр нь нийлүүлж: нийтлээгүй нээлттэй зөрчлийн тоогоор, дараа нь хугацаандаа нийтэлсэн хувиар "
              "(бага нь эхэндээ) эрэмбэлэв. Хугацаа нь болсон үүрэг 5-аас цөөн бол хувийг тооцохгүй.",
        "en": "Across all their rules: ranked by open missing findings, then by on-time rate (lowest first). "
              "No rate is given under 5 obligations due.",
    },
    "last_12_months": {"mn": "Сүүлийн 12 сар", "en": "Last 12 months"},
    "nothing_due_heading": {"mn": "Хугацаа нь болсон үүрэггүй байгууллагууд", "en": "Agencies with nothing due yet"},
    "nothing_due_note": {"mn": "Эдгээр байгууллагын үүргийн хугацаа хараахан болоогүй эсвэл тодорхойгүй.",
                         "en": "None of these agencies' obligations is due yet, or none could be judged."},
    "nothing_due_yet": {"mn": "Хугацаа нь болсон үүрэг одоогоор алга.", "en": "Nothing due yet."},
    "nothing_due_month": {"mn": "энэ сард хугацаа нь болсон үүрэг алга", "en": "nothing due this month"},
    "chart_title": {"mn": "Эцсийн хугацааны сараар хугацаандаа нийтэлсэн хувь",
                    "en": "On-time rate by month of the due date"},
    "history_heading": {"mn": "Түүх", "en": "History"},
    "history_caption": {"mn": "Сар бүр: эцсийн хугацаа нь тухайн сард болсон үүргийн хугацаандаа нийтэлсэн хувь; "
                                "саарал багана: үнэлэхэд цөөн (5-аас цөөн); бүдэг зураас: хугацаа болсон үүрэг алга.",
                        "en": "Each month: the share of the obligations due that month published on time; "
                              "a grey bar: too few to rate (under 5 due); a faint tick: nothing due."},
    "history_table": {"mn": "Сар бүрийн тоо", "en": "The figures month by month"},
    "trend_improving": {"mn": "сайжирч байна", "en": "improving"},
    "trend_steady": {"mn": "тогтвортой", "en": "steady"},
    "trend_worse": {"mn": "муудаж байна", "en": "getting worse"},
    "trend_none": {"mn": "чиг хандлагыг тодорхойлоход сар цөөн", "en": "too few months for a trend"},
    "rules_heading": {"mn": "Дүрмүүд", "en": "Rules"},
    "open_findings": {"mn": "Нээлттэй зөрчил", "en": "Open findings"},
    "status": {"mn": "Төлөв", "en": "Status"},
    "subject": {"mn": "Юу", "en": "Item"},
    "keys_heading": {"mn": "Порталууд дээрх түлхүүр", "en": "Keys on each portal"},
    "portal": {"mn": "Шалгалт", "en": "Check"},
    "key": {"mn": "Түлхүүр", "en": "Key"},
    "name_on_portal": {"mn": "Портал дээрх нэр", "en": "Name on the portal"},
    "latin_letters_note": {"mn": "", "en": "Keys and names that the portals write in Cyrillic are shown in Latin "
                                         "letters (MNS 5217:2012); the Mongolian page shows them as written."},
    "register_no": {"mn": "Улсын бүртгэлийн дугаар", "en": "State register number"},
    "matched_by": {"mn": "Нэгтгэсэн үндэслэл", "en": "Joined by"},
    "matched_register": {"mn": "улсын бүртгэлийн дугаар", "en": "state register number"},
    "matched_alias": {"mn": "нэрсийн хүснэгт", "en": "the alias table"},
    "matched_name": {"mn": "ижил нэр", "en": "the same name"},
    "transliterated": {"mn": "", "en": "No English name is known: the name is in Latin letters by MNS 5217:2012."},
    "figures_heading": {"mn": "Тоо", "en": "Figures"},
    "pending": {"mn": "хугацаа болоогүй", "en": "not yet due"},
    "unknown": {"mn": "тодорхойгүй", "en": "unknown"},
    "methodology_heading": {"mn": "Аргачлал", "en": "Methodology"},
    "methodology_in_english": {"mn": "Энэ дүрмийн аргачлалыг англи хэлээр бичсэн.", "en": ""},
    "methodology_open": {"mn": "Аргачлалыг нээх (англи хэлээр)", "en": "Open the methodology"},
    "methodology_online": {"mn": "Аргачлал:", "en": "Methodology:"},
    "agencies_under_rule": {"mn": "Байгууллагууд", "en": "Agencies"},
    "rule_rank_note": {"mn": "Хугацаандаа нийтэлсэн хувиар, бага нь эхэндээ.", "en": "By on-time rate, lowest first."},
    "ogp_lead": {
        "mn": "Амлалт бүрийн хэмжсэн биелэлтийн түвшинг Засгийн газрын өөрийн үнэлгээний хажууд, сар бүрээр харуулав. "
              "Түвшин: 90%-иас дээш бүрэн, 50%-иас дээш ихээхэн, 5%-иас дээш хязгаарлагдмал, бусад нь эхлээгүй.",
        "en": "Each commitment's measured completion level beside the level the government claimed, month by month. "
              "Levels: 90% or more complete, 50% or more substantial, above 5% limited, else not started.",
    },
    "due_count": {"mn": "Хугацаа болсон", "en": "Due"},
    "month": {"mn": "Сар", "en": "Month"},
    "source": {"mn": "Эх сурвалж", "en": "Source"},
    "state": {"mn": "Төлөв", "en": "State"},
    "downloads": {"mn": "Татах", "en": "Downloads"},
    "site_footer": {
        "mn": "Байгууллагын нэрийг портал дээр бичсэнээр нь харуулав. Албан тушаалтны нэр энэ сайтад байхгүй. "
              "Уншиж чадаагүй эх сурвалжийн үүргийг \"тодорхойгүй\" гэж тооцсон: чимээгүй байдал нь биелэлт биш.",
        "en": "Agency names are in English where known, else in Latin letters by MNS 5217:2012. No official is named "
              "on this site. Obligations of a source that could not be read count as unknown: silence is not compliance.",
    },
}


def translate(key: str, lang: str) -> str:
    """The string for `key` in `lang`; the key itself when no translation exists (never a crash)."""
    return STRINGS.get(key, {}).get(lang, key)


def translate_count(key: str, n: int, lang: str) -> str:
    """A phrase with a number in it, in the singular form where the language has one ("1 day")."""
    forms = STRINGS[key]
    form = forms.get(f"{lang}_one", forms[lang]) if n == 1 else forms[lang]
    return form.format(n=n)


def source_error_explanation(error: str | None, lang: str) -> str | None:
    """What a source's error line means for a reader, where it needs saying (a portal that keeps
    the monitor out is not a changed portal); None for the other errors, whose line says it all."""
    for message, key in ((BOT_CHALLENGE, "blocked_challenge"), (CAPTCHA, "blocked_captcha")):
        if error and message in error:
            return translate(key, lang)
    return None
