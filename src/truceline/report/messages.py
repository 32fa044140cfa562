"""The report's catalogue: (English, Ukrainian, Russian) for every message; terms; plural nouns.

Data only; :class:`truceline.report.i18n.Translator` reads it. Placeholders are ``str.format``
fields and must be the same in the three versions (tests/test_report_languages.py checks).
"""

from __future__ import annotations

MESSAGES: dict[str, tuple] = {
    # ---------------------------------------------------------------- title and headings
    "title": ("Daily report — {date} (period {period} UTC)",
              "Щоденний звіт — {date} (період {period} UTC)",
              "Ежедневный отчёт — {date} (период {period} UTC)"),
    "title.local": ("Daily report — {date} (period {period})", "Щоденний звіт — {date} (період {period})",
                    "Ежедневный отчёт — {date} (период {period})"),
    "agreement": ("Judged against “{name}”, version {version}, content hash sha256:{hash}.",
                  "Оцінено за угодою «{name}», версія {version}, хеш змісту sha256:{hash}.",
                  "Оценено по соглашению «{name}», версия {version}, хеш содержания sha256:{hash}."),
    "h.summary": ("Summary", "Підсумок", "Итог"),
    "h.engagements": ("Who opened fire: engagements", "Хто відкрив вогонь: бойові зіткнення",
                      "Кто открыл огонь: боестолкновения"),
    "h.incidents": ("Incidents and their confidence", "Інциденти та їхня достовірність",
                    "Инциденты и их достоверность"),
    "h.by_party": ("Violations by attributed party, beside what could be observed",
                   "Порушення за приписаною стороною, поруч із тим, що можна було спостерігати",
                   "Нарушения по приписанной стороне, рядом с тем, что можно было наблюдать"),
    "h.by_sector": ("Violations by sector", "Порушення за секторами", "Нарушения по секторам"),
    "h.map": ("Map", "Карта", "Карта"),
    "h.violations": ("Violations", "Порушення", "Нарушения"),
    "h.drones": ("Heavy weapons and storage sites (drones)", "Важке озброєння та місця зберігання (дрони)",
                 "Тяжёлое вооружение и места хранения (дроны)"),
    "h.storage": ("Storage sites", "Місця зберігання", "Места хранения"),
    "h.zones": ("Withdrawal zones: what the flights could say", "Зони відведення: що могли сказати польоти",
                "Зоны отвода: что могли сказать полёты"),
    "h.unobserved": ("What could not be observed", "Чого не можна було спостерігати", "Чего нельзя было наблюдать"),
    "h.run": (("Processing run", "Value"), ("Обробка", "Значення"), ("Обработка", "Значение")),
    "h.notes": ("Notes", "Примітки", "Примечания"),
    "map.md": ("Map of the period", "Карта періоду", "Карта периода"),
    "map.alt": ("Map of the contact line, security zone, sectors, sensors and the events of the period",
                "Карта лінії зіткнення, зони безпеки, секторів, датчиків і подій періоду",
                "Карта линии соприкосновения, зоны безопасности, секторов, датчиков и событий периода"),
    "none.engagements": ("No engagements were recorded.", "Бойових зіткнень не зафіксовано.",
                         "Боестолкновений не зафиксировано."),
    "none.violations": ("No violations were recorded in this period.", "За цей період порушень не зафіксовано.",
                        "За этот период нарушений не зафиксировано."),
    "none.weapons": ("No weapon was found in violation.", "Озброєння з порушенням не виявлено.",
                     "Вооружения с нарушением не обнаружено."),
    "none.storage": ("No storage site is declared.", "Місць зберігання не заявлено.", "Мест хранения не заявлено."),
    "printed.violations": (
        "The {n} violations are listed one by one, with their evidence, in the HTML report and in events.csv; "
        "this printed report carries the counts above and the engagements and incidents.",
        "Порушення (усього {n}) з доказами перелічено поодинці в HTML-звіті та в events.csv; цей друкований звіт "
        "містить наведені вище підсумки, бойові зіткнення та інциденти.",
        "Нарушения (всего {n}) с доказательствами перечислены по одному в HTML-отчёте и в events.csv; этот "
        "печатный отчёт содержит приведённые выше итоги, боестолкновения и инциденты."),
    # ---------------------------------------------------------------- summary
    "summary.tail": ("{excused} excused as declared activity; {thunder} set aside.",
                     "{excused} — заявлена діяльність, не порушення; {thunder} — відкладено.",
                     "{excused} — заявленная деятельность, не нарушение; {thunder} — отложено."),
    "summary.none": ("No ceasefire violations were recorded in this period. {tail} See below for what the sensors "
                     "could observe.",
                     "За цей період порушень режиму припинення вогню не зафіксовано. {tail} Нижче — що могли "
                     "спостерігати датчики.",
                     "За этот период нарушений режима прекращения огня не зафиксировано. {tail} Ниже — что могли "
                     "наблюдать датчики."),
    "summary.some": ("{violations} recorded: {parts}, {undetermined} undetermined; {tail} All counts are of detected "
                     "events; each stands beside the detection probability of its side.",
                     "Зафіксовано: {violations}: {parts}, не визначено — {undetermined}; {tail} Усі числа стосуються "
                     "виявлених подій; кожне стоїть поруч з імовірністю виявлення на своїй стороні.",
                     "Зафиксировано: {violations}: {parts}, не определено — {undetermined}; {tail} Все числа "
                     "относятся к обнаруженным событиям; каждое стоит рядом с вероятностью обнаружения на своей "
                     "стороне."),
    "summary.first_party": ("{n} attributed to {party}", "стороні {party} приписано {n}",
                            "стороне {party} приписано {n}"),
    "summary.party": ("{n} to {party}", "стороні {party} — {n}", "стороне {party} — {n}"),
    # ---------------------------------------------------------------- tables
    "t.by_party": (("Attributed to", "Launches", "Impacts", "Other", "Total violations",
                    "Sensors online / total (this side)", "Sensor-hours", "Hours observed", "P(detect launch)",
                    "P(detect impact)"),
                   ("Приписано", "Пуски", "Влучання", "Інше", "Усього порушень",
                    "Датчиків у мережі / усього (ця сторона)", "Датчико-години", "Години спостереження",
                    "P(виявлення пуску)", "P(виявлення влучання)"),
                   ("Приписано", "Пуски", "Попадания", "Прочее", "Всего нарушений",
                    "Датчиков в сети / всего (эта сторона)", "Датчико-часы", "Часы наблюдения",
                    "P(обнаружения пуска)", "P(обнаружения попадания)")),
    "row.undetermined": ("Undetermined", "Не визначено", "Не определено"),
    "row.total": ("Total", "Усього", "Всего"),
    "t.by_sector": (("Sector", "Name", "Launches", "Impacts", "Total violations",
                     "P(detect launch / impact) by side", "Observation gaps"),
                    ("Сектор", "Назва", "Пуски", "Влучання", "Усього порушень",
                     "P(виявлення пуску / влучання) за сторонами", "Прогалини спостереження"),
                    ("Сектор", "Название", "Пуски", "Попадания", "Всего нарушений",
                     "P(обнаружения пуска / попадания) по сторонам", "Пробелы наблюдения")),
    "sector.detect": ("{party} side {launch} / {impact}", "сторона {party} {launch} / {impact}",
                      "сторона {party} {launch} / {impact}"),
    "sector.outside": ("Outside all sectors", "Поза всіма секторами", "Вне всех секторов"),
    "sector.gap": ("{party} side {hours} (p {p})", "сторона {party} {hours} (p {p})", "сторона {party} {hours} (p {p})"),
    "sector.no_gaps": ("none recorded", "не зафіксовано", "не зафиксировано"),
    "t.violations": (("Event", "Time (UTC)", "Kind", "Weapon class", "Lon", "Lat", "95 % semi-major (m)", "Sector",
                      "Rules broken", "Attributed side", "Attribution p", "Attribution grade", "Confidence",
                      "Detection p there", "Paired event"),
                     ("Подія", "Час (UTC)", "Вид", "Клас озброєння", "Довгота", "Широта", "Велика піввісь 95 % (м)",
                      "Сектор", "Порушені правила", "Приписана сторона", "p приписування", "Ступінь приписування",
                      "Достовірність", "p виявлення там", "Парна подія"),
                     ("Событие", "Время (UTC)", "Вид", "Класс вооружения", "Долгота", "Широта",
                      "Большая полуось 95 % (м)", "Сектор", "Нарушенные правила", "Приписанная сторона",
                      "p приписывания", "Степень приписывания", "Достоверность", "p обнаружения там",
                      "Парное событие")),
    "t.engagements": (("Engagement", "Time (UTC)", "Sector", "Where", "Fire events", "Opened by", "Evidence"),
                      ("Бойове зіткнення", "Час (UTC)", "Сектор", "Де", "Вогневі події", "Відкрила вогонь", "Доказ"),
                      ("Боестолкновение", "Время (UTC)", "Сектор", "Где", "Огневые события", "Открыла огонь",
                       "Доказательство")),
    "engagement.events": ("{n} ({k} launches)", "{n} (пусків: {k})", "{n} (пусков: {k})"),
    "t.incidents": (("Incident", "Time (UTC)", "Where", "Sources", "Confidence", "Attributed side", "Attribution",
                     "Acoustic evidence", "Satellite evidence", "Drone evidence", "Radar evidence"),
                    ("Інцидент", "Час (UTC)", "Де", "Джерела", "Достовірність", "Приписана сторона", "Приписування",
                     "Акустичні докази", "Супутникові докази", "Докази з дронів", "Радарні докази"),
                    ("Инцидент", "Время (UTC)", "Где", "Источники", "Достоверность", "Приписанная сторона",
                     "Приписывание", "Акустические доказательства", "Спутниковые доказательства",
                     "Доказательства с дронов", "Радарные доказательства")),
    "incidents.none": ("No incidents were recorded.", "Інцидентів не зафіксовано.", "Инцидентов не зафиксировано."),
    "incidents.line": ("{n} incidents: {counts}. Corroborated incidents (two independent sources) are listed with all "
                       "their evidence.{seen}",
                       "Інцидентів: {n} ({counts}). Підтверджені інциденти (два незалежні джерела) наведено з усіма "
                       "доказами.{seen}",
                       "Инцидентов: {n} ({counts}). Подтверждённые инциденты (два независимых источника) приведены "
                       "со всеми доказательствами.{seen}"),
    "incidents.satellite": (
        " Satellite coverage: a fire started by one of today's rounds would appear in the FIRMS hotspots with "
        "probability {mean} on average (from {low} to {high} by the hour; overpass times and a clear-sky chance "
        "of 0.45 assumed, no cloud mask read), so the absence of a hotspot says little.",
        " Супутникове покриття: пожежа від одного із сьогоднішніх снарядів з'явилася б у термоточках FIRMS з "
        "імовірністю {mean} у середньому (від {low} до {high} залежно від години; прийнято час прольотів і "
        "ймовірність ясного неба 0.45, маску хмар не прочитано), тож відсутність термоточки мало що означає.",
        " Спутниковое покрытие: пожар от одного из сегодняшних снарядов появился бы в термоточках FIRMS с "
        "вероятностью {mean} в среднем (от {low} до {high} в зависимости от часа; приняты время пролётов и "
        "вероятность ясного неба 0.45, маска облаков не прочитана), поэтому отсутствие термоточки мало что значит."),
    # ---------------------------------------------------------------- what could not be observed
    "gap.sector": ("in sector {sector}", "у секторі {sector}", "в секторе {sector}"),
    "gap.side": ("across the side", "на всій стороні", "по всей стороне"),
    "gap.line": ("On the side of {party}, {where}, {hours}: the probability of detecting fire was {p}, below 0.5; an "
                 "absence of detections there says little.{note}",
                 "На стороні {party}, {where}, {hours}: імовірність виявлення вогню становила {p}, нижче 0.5; "
                 "відсутність виявлень там мало що означає.{note}",
                 "На стороне {party}, {where}, {hours}: вероятность обнаружения огня составляла {p}, ниже 0.5; "
                 "отсутствие обнаружений там мало что значит.{note}"),
    "gap.note": (" Note: detection probability of a launch {p} (sensors silent or too sparse).",
                 " Примітка: імовірність виявлення пуску {p} (датчики мовчали або стоять надто рідко).",
                 " Примечание: вероятность обнаружения пуска {p} (датчики молчали или стоят слишком редко)."),
    "gap.sensor": ("Sensor {sensor}{owner} sent no data for {hours} h of the period.",
                   "Датчик {sensor}{owner} не надсилав даних {hours} год періоду.",
                   "Датчик {sensor}{owner} не присылал данных {hours} ч периода."),
    "gap.owner": (" (contributed by {owner})", " (надав {owner})", " (предоставил {owner})"),
    "gap.none": ("No coverage gaps were recorded and every sensor reported throughout the period.",
                 "Прогалин покриття не зафіксовано, і кожен датчик звітував упродовж усього періоду.",
                 "Пробелов покрытия не зафиксировано, и каждый датчик отчитывался в течение всего периода."),
    # ---------------------------------------------------------------- ingest
    "ingest": ("Observations received: {r} = {a} accepted + {d} duplicates + {q} quarantined",
               "Отримано спостережень: {r} = {a} прийнято + {d} дублікатів + {q} у карантині",
               "Получено наблюдений: {r} = {a} принято + {d} дубликатов + {q} в карантине"),
    "ingest.balanced": (" (balanced).", " (збалансовано).", " (сбалансировано)."),
    "ingest.unbalanced": (" (does not balance: the parts sum to {s}).", " (не сходиться: сума частин {s}).",
                          " (не сходится: сумма частей {s})."),
    # ---------------------------------------------------------------- notes
    "note.map": (
        "Map: violations coloured by attributed side (diamond: launch, dot: impact), each with its 95 % error ellipse "
        "(semi-axes 2.45 × the 1σ location uncertainty); other fire events faint; thunder and explosions excused as "
        "declared activity as grey crosses; sensors as triangles. Lon/lat WGS 84.",
        "Карта: порушення забарвлено за приписаною стороною (ромб: пуск, крапка: влучання), кожне зі своїм еліпсом "
        "похибки 95 % (півосі 2.45 × похибка розташування 1σ); інші вогневі події бліді; грози та вибухи заявленої "
        "діяльності — сірі хрестики; датчики — трикутники. Довгота/широта WGS 84.",
        "Карта: нарушения окрашены по приписанной стороне (ромб: пуск, точка: попадание), каждое со своим эллипсом "
        "погрешности 95 % (полуоси 2.45 × погрешность местоположения 1σ); прочие огневые события бледные; грозы и "
        "взрывы заявленной деятельности — серые крестики; датчики — треугольники. Долгота/широта WGS 84."),
    "note.detection": (
        "Counts are of detected events only. The detection probability is the mean probability, over the period and "
        "the side's area near the line, that a tube-artillery launch (or impact) there would have been detected and "
        "located by the sensors that were online. Where it is low, few or no detections do not mean that little or no "
        "fire took place. Launches attributed to a party lie on its own side; the impacts of its fire usually lie on "
        "the other side, so read an impact count against the detection probability of the side where the impacts "
        "fell.",
        "Числа стосуються лише виявлених подій. Імовірність виявлення — середня за період і за прилеглою до лінії "
        "територією сторони імовірність того, що пуск (або влучання) ствольної артилерії там було б виявлено й "
        "локалізовано датчиками, які працювали. Де вона низька, мало виявлень або їх відсутність не означає, що "
        "вогню було мало чи не було. Пуски, приписані стороні, лежать на її боці; влучання її вогню зазвичай на "
        "іншому, тож число влучань читайте поруч з імовірністю виявлення тієї сторони, де вони сталися.",
        "Числа относятся только к обнаруженным событиям. Вероятность обнаружения — средняя за период и по "
        "прилегающей к линии территории стороны вероятность того, что пуск (или попадание) ствольной артиллерии "
        "там был бы обнаружен и локализован работавшими датчиками. Где она низка, мало обнаружений или их "
        "отсутствие не означает, что огня было мало или не было. Пуски, приписанные стороне, лежат на её стороне; "
        "попадания её огня обычно на другой, поэтому число попаданий читайте рядом с вероятностью обнаружения той "
        "стороны, где они произошли."),
    "note.engagement": (
        "An engagement is an exchange of fire: fire missions (a battery's rounds seconds apart) grouped by place "
        "along the line and time, a mission of the other side minutes later nearby counting as a reply. It is opened "
        "by the side of its first mission; \"undetermined\" when an unattributed round came first or both sides "
        "fired within seconds of each other. Its p is the probability that this side opened it: that the first "
        "mission was that side's, and that the other side's fire in it answered rather than began an exchange of its "
        "own (two exchanges that begin at one place minutes apart cannot be told apart, which lowers p).",
        "Бойове зіткнення — обмін вогнем: вогневі завдання (постріли однієї батареї з інтервалом у секунди), "
        "згруповані за місцем уздовж лінії та часом; завдання іншої сторони за кілька хвилин поблизу вважається "
        "відповіддю. Його відкриває сторона першого завдання; «не визначено», коли першим був неприписаний постріл "
        "або обидві сторони стріляли з різницею в секунди. Його p — імовірність того, що зіткнення відкрила ця "
        "сторона: що перше завдання виконала вона і що вогонь іншої сторони в ньому був відповіддю, а не початком "
        "окремого обміну (два обміни, що почалися в одному місці з різницею в кілька хвилин, не розрізнити, і це "
        "знижує p).",
        "Боестолкновение — обмен огнём: огневые задачи (выстрелы одной батареи с интервалом в секунды), "
        "сгруппированные по месту вдоль линии и времени; задача другой стороны через несколько минут поблизости "
        "считается ответом. Его открывает сторона первой задачи; «не определено», когда первым был неприписанный "
        "выстрел или обе стороны стреляли с разницей в секунды. Его p — вероятность того, что столкновение открыла "
        "эта сторона: что первую задачу выполнила она и что огонь другой стороны в нём был ответом, а не началом "
        "отдельного обмена (два обмена, начавшиеся в одном месте с разницей в несколько минут, не различить, и это "
        "снижает p)."),
    "note.incident": (
        "An incident gathers the evidence of one happening across sources (a launch, its impact, the fire seen from "
        "space). Confidence: corroborated (two independent sources), probable (one source, strong), possible (weak, "
        "or satellites alone), unverified (unsigned data alone); confirmed only by analyst review. Attribution is "
        "graded apart: attributed (p >= 0.95), largely attributed (p >= 0.8), undetermined. Criteria: "
        "docs/verification.md.",
        "Інцидент збирає докази однієї події з різних джерел (пуск, його влучання, пожежа, видима з космосу). "
        "Достовірність: підтверджено (два незалежні джерела), імовірно (одне джерело, сильне), можливо (слабко або "
        "лише супутники), не перевірено (лише непідписані дані); «підтверджено аналітиком» — лише після перевірки. "
        "Приписування оцінюється окремо: приписано (p >= 0.95), переважно приписано (p >= 0.8), не визначено. "
        "Критерії: docs/verification.md.",
        "Инцидент собирает доказательства одного события из разных источников (пуск, его попадание, пожар, "
        "видимый из космоса). Достоверность: подтверждено (два независимых источника), вероятно (один источник, "
        "сильный), возможно (слабо или только спутники), не проверено (только неподписанные данные); «подтверждено "
        "аналитиком» — только после проверки. Приписывание оценивается отдельно: приписано (p >= 0.95), "
        "преимущественно приписано (p >= 0.8), не определено. Критерии: docs/verification.md."),
    "note.neutrality": (
        "This report is neutral verification, not targeting: positions are published with their uncertainty, after "
        "the fact, to every party alike. Findings are automatic; a violation is \"confirmed\" only by analyst review.",
        "Цей звіт — нейтральна верифікація, а не цілевказання: позиції публікуються з їхньою невизначеністю, "
        "постфактум, для всіх сторін однаково. Висновки автоматичні; порушення «підтверджене» лише після перевірки "
        "аналітиком.",
        "Этот отчёт — нейтральная верификация, а не целеуказание: позиции публикуются с их неопределённостью, "
        "постфактум, для всех сторон одинаково. Выводы автоматические; нарушение «подтверждено» только после "
        "проверки аналитиком."),
    # ---------------------------------------------------------------- spot reports
    "spot.title": ("Spot report — incident {id}", "Терміновий звіт — інцидент {id}", "Срочный отчёт — инцидент {id}"),
    "spot.rows": (("When (UTC)", "When (local)", "Where", "Sources", "Confidence", "Attributed side", "Attribution",
                   "Violation", "Acoustic evidence", "Proof status", "Satellite evidence", "Drone evidence",
                   "Radar evidence", "Satellite coverage"),
                  ("Коли (UTC)", "Коли (місцевий час)", "Де", "Джерела", "Достовірність", "Приписана сторона",
                   "Приписування", "Порушення", "Акустичні докази", "Стан доказів", "Супутникові докази",
                   "Докази з дронів", "Радарні докази", "Супутникове покриття"),
                  ("Когда (UTC)", "Когда (местное время)", "Где", "Источники", "Достоверность", "Приписанная сторона",
                   "Приписывание", "Нарушение", "Акустические доказательства", "Состояние доказательств",
                   "Спутниковые доказательства", "Доказательства с дронов", "Радарные доказательства",
                   "Спутниковое покрытие")),
    "proof.verified": ("verified: included in the signed checkpoint of size {size}",
                       "перевірено: включено до підписаної контрольної точки розміру {size}",
                       "проверено: включено в подписанную контрольную точку размера {size}"),
    "proof.failed": ("proof failed: {reason}", "перевірка не вдалася: {reason}", "проверка не удалась: {reason}"),
    "proof.none": ("no proof released (not a cited violation)", "докази не оприлюднено (не процитоване порушення)",
                   "доказательства не опубликованы (не процитированное нарушение)"),
    "spot.yes": ("yes", "так", "да"),
    "spot.no": ("no", "ні", "нет"),
    "spot.note": ("An automatic finding issued ahead of the daily report; it is confirmed only by analyst review. "
                  "The signed checkpoint below is the ledger state it was issued at.",
                  "Автоматичний висновок, виданий до щоденного звіту; підтверджується лише після перевірки "
                  "аналітиком. Нижче — підписана контрольна точка журналу, на момент якої його видано.",
                  "Автоматический вывод, выпущенный до ежедневного отчёта; подтверждается только после проверки "
                  "аналитиком. Ниже — подписанная контрольная точка журнала, на момент которой он выпущен."),
    # ---------------------------------------------------------------- drones
    "t.weapons": (("Finding", "Seen (UTC)", "Where", "Party (by position)", "Class", "Distance / limit", "Confidence",
                   "Attribution", "Coverage there", "Evidence"),
                  ("Знахідка", "Бачили (UTC)", "Де", "Сторона (за розташуванням)", "Клас", "Відстань / межа",
                   "Достовірність", "Приписування", "Покриття там", "Докази"),
                  ("Находка", "Видели (UTC)", "Где", "Сторона (по расположению)", "Класс", "Расстояние / предел",
                   "Достоверность", "Приписывание", "Покрытие там", "Доказательства")),
    "weapon.distance": ("{d} km of {limit} km (p inside {p})", "{d} км із {limit} км (p всередині {p})",
                        "{d} км из {limit} км (p внутри {p})"),
    "weapon.attribution": ("attributed (stands on its side)", "приписано (стоїть на її боці)",
                           "приписано (стоит на её стороне)"),
    "weapon.coverage": ("p = {p}; seen by {k} of {n} flights", "p = {p}; бачили {k} з {n} польотів",
                        "p = {p}; видели {k} из {n} полётов"),
    "weapon.evidence": ("{sightings}: {first}", "{sightings}: {first}", "{sightings}: {first}"),
    "t.storage": (("Site", "Party", "Declared", "Surveys", "Coverage", "Status", "Missing (90 % interval)", "By class",
                   "Serials read there", "Serials read elsewhere", "Confidence"),
                  ("Місце", "Сторона", "Заявлено", "Обстеження", "Покриття", "Стан", "Бракує (інтервал 90 %)",
                   "За класами", "Номери, прочитані там", "Номери, прочитані деінде", "Достовірність"),
                  ("Место", "Сторона", "Заявлено", "Обследования", "Покрытие", "Состояние",
                   "Недостаёт (интервал 90 %)", "По классам", "Номера, прочитанные там",
                   "Номера, прочитанные в другом месте", "Достоверность")),
    "t.zones": (("Party", "Sector"), ("Сторона", "Сектор"), ("Сторона", "Сектор")),
    "zone.column": ("{cls} zone", "зона: {cls}", "зона: {cls}"),
    "zone.violations": ("{n} in violation", "з порушенням: {n}", "с нарушением: {n}"),
    "zone.observed": ("{text}; {seen} of {area} km² observed ({share})", "{text}; спостерігали {seen} з {area} км² ({share})",
                      "{text}; наблюдали {seen} из {area} км² ({share})"),
    "drones.line": (
        "{weapons} seen by drones, {viol} in violation of the withdrawal zones. Storage sites: {missing} with pieces "
        "missing, {complete} complete, {undetermined} undetermined, {unobserved} not observed. Of the withdrawal "
        "zones, {share} of the area was observed with coverage >= 0.9.",
        "Дрони бачили: {weapons}; з порушенням зон відведення — {viol}. Місця зберігання: з нестачею — {missing}, "
        "повних — {complete}, не визначено — {undetermined}, не обстежено — {unobserved}. Із зон відведення {share} "
        "площі спостерігали з покриттям >= 0.9.",
        "Дроны видели: {weapons}; с нарушением зон отвода — {viol}. Места хранения: с недостачей — {missing}, "
        "полных — {complete}, не определено — {undetermined}, не обследовано — {unobserved}. Из зон отвода {share} "
        "площади наблюдали с покрытием >= 0.9."),
    "note.drones": (
        "A weapon is reported when it is probably there (p_real >= 0.8, from how many of the flights over its place "
        "saw it) and more likely inside its class's withdrawal zone than not. Coverage is the probability that a "
        "weapon standing there would have been reported: one flight over a place is not enough, since a single "
        "sighting may be false. \"Observed, none seen\" speaks only for the area observed with coverage >= 0.9 and "
        "says how much of the zone that is; everywhere else the zone was not observed, and nothing may be concluded "
        "there. A storage site is \"missing\" only at p >= 0.99 from surveys that held the whole site; a site nobody "
        "surveyed is \"not observed\", never complete. Criteria: docs/verification.md.",
        "Озброєння повідомляється, коли воно ймовірно там є (p_real >= 0.8, за тим, скільки польотів над місцем його "
        "бачили) і швидше всередині зони відведення свого класу, ніж ні. Покриття — імовірність того, що озброєння, "
        "яке там стоїть, було б повідомлено: одного польоту над місцем замало, бо одиничне спостереження може бути "
        "хибним. «Спостерігали, нічого не побачили» стосується лише площі, спостереженої з покриттям >= 0.9, і "
        "каже, яка це частка зони; деінде зону не спостерігали, і висновків там робити не можна. Місце зберігання "
        "має «нестачу» лише при p >= 0.99 за обстеженнями всього місця; місце, яке ніхто не обстежив, — «не "
        "обстежено», ніколи не «повне». Критерії: docs/verification.md.",
        "Вооружение сообщается, когда оно вероятно там есть (p_real >= 0.8, по тому, сколько полётов над местом его "
        "видели) и скорее внутри зоны отвода своего класса, чем нет. Покрытие — вероятность того, что стоящее там "
        "вооружение было бы сообщено: одного полёта над местом мало, так как единичное наблюдение может быть "
        "ложным. «Наблюдали, ничего не увидели» относится только к площади, наблюдённой с покрытием >= 0.9, и "
        "говорит, какая это доля зоны; в остальном зону не наблюдали, и выводов там делать нельзя. Место хранения "
        "имеет «недостачу» только при p >= 0.99 по обследованиям всего места; место, которое никто не обследовал, — "
        "«не обследовано», никогда не «полное». Критерии: docs/verification.md."),
}

TERMS: dict[str, tuple[str, str]] = {
    # confidence levels and attribution grades
    "corroborated": ("підтверджено", "подтверждено"), "probable": ("імовірно", "вероятно"),
    "possible": ("можливо", "возможно"), "unverified": ("не перевірено", "не проверено"),
    "attributed": ("приписано", "приписано"), "largely attributed": ("переважно приписано", "преимущественно приписано"),
    "undetermined": ("не визначено", "не определено"),
    # event kinds and weapon classes
    "launch": ("пуск", "пуск"), "impact": ("влучання", "попадание"), "explosion": ("вибух", "взрыв"),
    "thunder": ("грім", "гром"), "unknown": ("невідомо", "неизвестно"),
    "mortar": ("міномет", "миномёт"), "tube_artillery": ("ствольна артилерія", "ствольная артиллерия"),
    "mlrs": ("РСЗВ", "РСЗО"), "heavy_mlrs": ("важка РСЗВ", "тяжёлая РСЗО"),
    # sources
    "acoustic": ("акустика", "акустика"), "thermal": ("супутник (теплові)", "спутник (тепловые)"),
    "drone": ("дрони", "дроны"), "sar": ("радар", "радар"),
    # storage sites and withdrawal zones
    "missing": ("нестача", "недостача"), "complete": ("повне", "полное"), "not observed": ("не обстежено", "не обследовано"),
    "observed, none seen": ("спостерігали, нічого не побачили", "наблюдали, ничего не увидели"),
}

PLURALS: dict[str, tuple[tuple[str, ...], ...]] = {
    "explosion": (("explosion", "explosions"), ("вибух", "вибухи", "вибухів"), ("взрыв", "взрыва", "взрывов")),
    "thunder event": (("thunder event", "thunder events"), ("грозова подія", "грозові події", "грозових подій"),
                      ("грозовое событие", "грозовых события", "грозовых событий")),
    "violation": (("ceasefire violation", "ceasefire violations"),
                  ("порушення режиму припинення вогню", "порушення режиму припинення вогню",
                   "порушень режиму припинення вогню"),
                  ("нарушение режима прекращения огня", "нарушения режима прекращения огня",
                   "нарушений режима прекращения огня")),
    "weapon": (("weapon", "weapons"), ("одиниця озброєння", "одиниці озброєння", "одиниць озброєння"),
               ("единица вооружения", "единицы вооружения", "единиц вооружения")),
    "sighting": (("sighting", "sightings"), ("спостереження", "спостереження", "спостережень"),
                 ("наблюдение", "наблюдения", "наблюдений")),
}
