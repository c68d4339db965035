"""Chinese names in pinyin order (inscrm.pinyin.sort_key)."""

from inscrm.pinyin import sort_key, sorted_by_name


def test_surnames_sort_by_pinyin_not_by_code_point():
    names = ["张三", "陈红", "阿明", "白雪"]
    assert sorted(names) != ["阿明", "白雪", "陈红", "张三"]  # code point order is meaningless
    assert sorted(names, key=sort_key) == ["阿明", "白雪", "陈红", "张三"]


def test_one_surname_stays_together_before_the_next_reading():
    # chen < cheng, so every 陈 comes before 程 however the given name reads; characters of
    # one reading (晨 and 陈, both chen2) each keep their names together
    names = ["程刚", "陈子豪", "晨光公司", "陈安", "晨曦"]
    assert sorted(names, key=sort_key) == ["晨光公司", "晨曦", "陈安", "陈子豪", "程刚"]


def test_readings_compare_letter_by_letter_and_tone_by_tone():
    assert sorted(["吕布", "卢俊", "刘备"], key=sort_key) == ["刘备", "卢俊", "吕布"]  # lu < lü
    assert sorted(["马五", "妈妈"], key=sort_key) == ["妈妈", "马五"]  # ma1 < ma3


def test_the_first_character_is_read_as_a_surname():
    # 曾 zeng (not ceng), 单 shan (not dan), 重 chong: 重庆 sorts under C
    assert sort_key("曾国藩").startswith("zeng1")
    assert sort_key("单田芳").startswith("shan4")
    assert sorted(["张三", "重庆汽车", "陈红", "邓平"], key=sort_key) == [
        "陈红", "重庆汽车", "邓平", "张三"]
    assert sort_key("人才重要").endswith("zhong4重yao4要")  # elsewhere its common reading


def test_latin_letters_and_digits_sort_among_the_readings():
    assert sorted(["阿明", "ABC贸易", "88号店", "波波"], key=sort_key) == [
        "88号店", "ABC贸易", "阿明", "波波"]
    assert sort_key("（个体）王五") == sort_key("(个体)王五")  # full-width brackets are brackets
    assert sort_key("") == ""


def test_short_lists_sort_the_same_way():
    class Row:
        def __init__(self, name):
            self.name = name

    rows = sorted_by_name([Row("张伟"), Row("白雪"), Row(None)])
    assert [r.name for r in rows] == [None, "白雪", "张伟"]
