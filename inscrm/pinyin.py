"""Chinese names in pinyin order, as a Chinese reader looks them up: `sort_key(name)`.

Each character becomes a token: its reading without tone marks, the tone as a digit (5 for the
neutral tone), then the character itself, so 陈 (chen2陈) comes before 程 (cheng2程), every
陈 name stays together before the next surname, and readings compare letter by letter as in a
dictionary (lu < lü, written lv). A character has its most common reading (pypinyin's
single-character dictionary lists it first); the first character of a name is read as a
surname where that differs (曾 zeng, 单 shan, 解 xie, 重 chong …), which also puts 重庆 under
C. Latin letters sort among the readings (`A` is `a0A`, before 阿 `a1阿`), digits before
letters, other characters as themselves (after NFKC, so full-width brackets are brackets).

The key is derived data: stored beside the name (`customer.name_key`) so the list can be
ordered and paged by an index, and computed again wherever a name is written.
"""

import functools
import unicodedata

# Surnames whose reading is not the character's most common one.
SURNAMES = {
    "曾": "zeng1", "单": "shan4", "解": "xie4", "仇": "qiu2", "朴": "piao2", "查": "zha1",
    "区": "ou1", "乐": "yue4", "覃": "qin2", "盖": "ge3", "种": "chong2", "缪": "miao4",
    "翟": "zhai2", "员": "yun4", "长": "chang2", "尉": "yu4", "重": "chong2", "秘": "bi4",
    "召": "shao4", "隗": "wei3", "莘": "shen1", "句": "gou1", "折": "she2", "繁": "po2",
    "宿": "su4", "沈": "shen3", "柏": "bai3", "薄": "bo2", "卜": "bu3", "藏": "zang4",
    "阚": "kan4", "蕃": "pi2", "黑": "he4", "过": "guo1", "华": "hua4", "任": "ren2",
    "纪": "ji3", "万": "wan4", "那": "na1", "能": "nai4", "相": "xiang4",
}


@functools.cache
def _readings():
    """{code point: the first listed reading with tone marks}, loaded on first use (pypinyin's
    package import also loads its large phrase dictionary, which a name key never needs)."""
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict


@functools.cache
def _tone3(marked):
    from pypinyin.contrib.tone_convert import to_tone3

    return to_tone3(marked, neutral_tone_with_five=True)


@functools.lru_cache(maxsize=65536)
def _token(char):
    readings = _readings().get(ord(char))
    if readings:
        return _tone3(readings.split(",", 1)[0]) + char
    plain = unicodedata.normalize("NFKC", char)
    if plain.isascii() and plain.isalpha():
        return plain.lower() + "0" + plain
    return plain.lower()


def sort_key(name):
    """The text that orders `name` by pinyin (see the module's docstring)."""
    if not name:
        return ""
    first = SURNAMES.get(name[0])
    head = first + name[0] if first else _token(name[0])
    return head + "".join(map(_token, name[1:]))


def sorted_by_name(items, name=lambda item: item.name):
    """Short lists (users, townships) in the same order as the customer list."""
    return sorted(items, key=lambda item: sort_key(name(item) or ""))
