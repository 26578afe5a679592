"""Names, company names and personal data (phones, e-mails, cards, addresses) for the courier case.

All functions take a ``random.Random`` so every value is reproducible from the seed.
"""

from __future__ import annotations

import random

FIRST_NAMES = {
    "uk": ["Олена", "Андрій", "Ірина", "Тарас", "Оксана", "Богдан", "Наталія", "Микола", "Юлія", "Дмитро",
           "Софія", "Василь", "Катерина", "Олександр", "Галина", "Ярослав", "Марія", "Петро", "Вікторія", "Іван"],
    "ru": ["Елена", "Андрей", "Ирина", "Сергей", "Ольга", "Алексей", "Наталья", "Николай", "Юлия", "Дмитрий",
           "Анна", "Владимир", "Екатерина", "Александр", "Татьяна", "Игорь", "Мария", "Павел", "Виктория", "Максим"],
    "en": ["Emma", "James", "Olivia", "Daniel", "Sophie", "Michael", "Anna", "Thomas", "Laura", "David",
           "Kate", "Peter", "Julia", "Mark", "Helen", "Robert", "Sarah", "Chris", "Lucy", "Martin"],
}
LAST_NAMES = {
    "uk": ["Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Мельник", "Поліщук",
           "Лисенко", "Гончаренко", "Савченко", "Руденко", "Марченко", "Петренко", "Іваненко", "Дячук"],
    "ru": ["Иванов", "Петренко", "Соколов", "Кузнецов", "Морозов", "Волков", "Павленко", "Лебедев",
           "Козлов", "Новиков", "Федоров", "Романенко", "Орлов", "Никитин", "Зайцев", "Белов"],
    "en": ["Smith", "Miller", "Brown", "Wilson", "Taylor", "Clark", "Walker", "Young",
           "King", "Wright", "Scott", "Green", "Baker", "Hill", "Moore", "Evans"],
}
TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh", "з": "z",
    "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "ы": "y", "э": "e", "ё": "io", "ъ": "", "'": "", "’": "",
})
COMPANY_WORDS = ["Ромашка", "Весна", "Сонях", "Атлант", "Оберіг", "Смарт", "Меридіан", "Калина",
                 "Лелека", "Зоря", "Вектор", "Дніпро", "Карпати", "Поділля", "Світанок", "Берегиня",
                 "Astra", "Nova", "Prime", "Vita", "Tech", "Lux", "Orion", "Terra"]
COMPANY_KINDS = {
    "marketplace_seller": ["ФОП {last}", "Магазин «{word}»", "{word} Store", "Інтернет-магазин «{word}»"],
    "electronics": ["ТОВ «{word} Електронікс»", "{word} Gadgets", "ТОВ «Техно{word}»"],
    "clothing": ["ТОВ «{word} Fashion»", "Бутик «{word}»", "{word} Wear"],
    "cosmetics": ["ТОВ «{word} Косметикс»", "{word} Beauty", "Студія «{word}»"],
    "florist": ["Квіткова майстерня «{word}»", "{word} Flowers", "Флористика «{word}»"],
    "pharmacy": ["Аптека «{word}»", "ТОВ «Фарма {word}»", "Аптечна мережа «{word}»"],
    "auto_parts": ["ТОВ «{word} Авто»", "Автозапчастини «{word}»", "{word} Parts"],
}
STREETS = {
    "uk": ["вул. Шевченка", "вул. Франка", "просп. Незалежності", "вул. Грушевського", "вул. Садова",
           "вул. Лесі Українки", "бульв. Перемоги", "вул. Соборна", "вул. Героїв Майдану", "вул. Київська"],
    "ru": ["ул. Шевченко", "ул. Франко", "просп. Независимости", "ул. Грушевского", "ул. Садовая",
           "ул. Леси Украинки", "бульв. Победы", "ул. Соборная", "ул. Героев Майдана", "ул. Киевская"],
    "en": ["Shevchenka St", "Franka St", "Nezalezhnosti Ave", "Hrushevskoho St", "Sadova St",
           "Lesi Ukrainky St", "Peremohy Blvd", "Soborna St", "Heroiv Maidanu St", "Kyivska St"],
}
FLAT = {"uk": "кв.", "ru": "кв.", "en": "apt"}
MAIL_DOMAINS = ["gmail.com", "ukr.net", "i.ua", "meta.ua", "outlook.com", "icloud.com"]
MOBILE_CODES = ["50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"]


def person_name(rng: random.Random, language: str) -> str:
    first, last = rng.choice(FIRST_NAMES[language]), rng.choice(LAST_NAMES[language])
    if language != "en" and first.endswith(("а", "я")) and last.endswith(("ов", "ев", "ин")):
        last += "а"  # Соколов -> Соколова for a woman; -енко, -ук stay as they are
    return f"{first} {last}"


def company_name(rng: random.Random, industry: str) -> str:
    pattern = rng.choice(COMPANY_KINDS[industry])
    return pattern.format(word=rng.choice(COMPANY_WORDS), last=rng.choice(LAST_NAMES["uk"]))


def latin(text: str) -> str:
    return text.lower().translate(TRANSLIT)


def phone(rng: random.Random) -> str:
    code, rest = rng.choice(MOBILE_CODES), f"{rng.randrange(10**7):07d}"
    style = rng.randrange(4)
    if style == 0:
        return f"+380{code}{rest}"
    if style == 1:
        return f"+380 {code} {rest[:3]} {rest[3:5]} {rest[5:]}"
    if style == 2:
        return f"0{code}-{rest[:3]}-{rest[3:5]}-{rest[5:]}"
    return f"(0{code}) {rest[:3]}-{rest[3:]}"


def email(rng: random.Random, name: str) -> str:
    first, _, last = latin(name).partition(" ")
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{last}{rng.randrange(10, 99)}"])
    return f"{local}@{rng.choice(MAIL_DOMAINS)}"


def card_number(rng: random.Random) -> str:
    """A Luhn-valid 16-digit Visa/Mastercard number, grouped by four or not."""
    digits = [rng.choice([4, 5])] + [rng.randrange(10) for _ in range(14)]
    digits.append(luhn_check_digit(digits))
    raw = "".join(map(str, digits))
    return " ".join(raw[i:i + 4] for i in range(0, 16, 4)) if rng.random() < 0.6 else raw


def luhn_check_digit(digits: list[int]) -> int:
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def address(rng: random.Random, language: str, city: str) -> str:
    return f"{city}, {rng.choice(STREETS[language])}, {rng.randrange(1, 180)}, {FLAT[language]} {rng.randrange(1, 250)}"
