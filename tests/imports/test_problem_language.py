"""Import problems are worded in one language, the reader's: the page and the error report in the
user's, the command line in its locale's."""

import csv

import pytest

from inscrm.i18n import environment_language, translator
from inscrm.imports.problems import Problem
from inscrm.imports.template import CHOICES, ENUMS, column_names, enum_parser
from inscrm.models import User
from inscrm.validators import Invalid
from tests.helpers import login, make_customer, post
from tests.importfiles import CUSTOMER_HEADER, customer_rows, write_csv
from tests.imports.test_import_web import upload, wait_for


def test_a_problem_reads_in_chinese_or_in_english():
    problem = Problem(7, "kind", "alien", "Unknown value %(value)s; expected one of %(choices)s.",
                      {"value": "alien", "choices": "个人, 单位"})
    zh, en = translator("zh"), translator("en")
    assert problem.line("c.csv", zh) == ("c.csv 第 7 行，列 kind，值“alien”："
                                         "未知取值 alien;应为 个人, 单位 之一。")
    assert problem.line("c.csv", en) == ("c.csv row 7, column kind, value 'alien': "
                                         "Unknown value alien; expected one of 个人, 单位.")
    required = Problem(5, "name", "", "This column is required.")
    assert required.line("c.csv", zh) == "c.csv 第 5 行，列 name：此列为必填项。"
    assert required.line("c.csv", en) == "c.csv row 5, column name: This column is required."
    names = column_names("customers", "zh")
    assert required.line("c.csv", zh, names) == "c.csv 第 5 行，列 客户名称：此列为必填项。"
    assert column_names("customers", "en") == {}
    whole_row = Problem(3, "", "", "This column is required.")
    assert whole_row.line("c.csv", zh) == "c.csv 第 3 行：此列为必填项。"


def test_the_terminal_language_follows_the_locale():
    assert environment_language({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert environment_language({"LANG": "zh_CN.UTF-8", "LC_ALL": "C.UTF-8"}) == "en"
    assert environment_language({"LANGUAGE": "zh_CN:en", "LANG": "C"}) == "zh"
    assert environment_language({"LANG": "en_US.UTF-8"}) == "en"
    assert environment_language({}) == "en"


def _bad_file(tmp_path):
    rows = customer_rows(3)
    rows[1][1] = "alien"
    return write_csv(tmp_path / "bad.csv", CUSTOMER_HEADER, rows)


def test_an_english_user_reads_the_page_and_the_report_in_english(client, app, tmp_path):
    login(client)
    post(client, "/language", {"lang": "en", "next": "/"})
    job_id, html = wait_for(client, upload(client, _bad_file(tmp_path)).get_data(as_text=True))
    assert "bad.csv row 3, column kind, value &#39;alien&#39;: Unknown value alien" in html
    assert "未知取值" not in html and "第 3 行" not in html
    report = client.get(f"/imports/jobs/{job_id}/report")
    text = report.get_data().decode("utf-8-sig")
    report.close()
    assert text.startswith("file,row,column,value,problem\r\n")
    assert ',3,kind,alien,"Unknown value alien; expected one of' in text


def test_a_chinese_user_reads_the_report_in_chinese_with_the_rejected_rows(client, app,
                                                                         tmp_path):
    login(client)
    with app.app_context():
        assert User.get(User.username == "admin").language == "zh"
    job_id, html = wait_for(client, upload(client, _bad_file(tmp_path), skip_invalid="1")
                            .get_data(as_text=True))
    assert "bad.csv 第 3 行，列 客户类型，值“alien”：未知取值 alien" in html
    report = client.get(f"/imports/jobs/{job_id}/report")
    rows = list(csv.reader(report.get_data().decode("utf-8-sig").splitlines()))
    report.close()
    assert rows[0] == ["行号", *CUSTOMER_HEADER, "原因"]
    assert rows[1][0] == "3" and rows[1][-1].startswith("列 客户类型，值“alien”：未知取值 alien")


def test_the_import_command_speaks_chinese_in_a_chinese_terminal(runner, tmp_path):
    runner.env.update(LANG="zh_CN.UTF-8")
    result = runner("import", str(_bad_file(tmp_path)))
    assert result.exit_code == 1
    assert "bad.csv 第 3 行，列 客户类型，值“alien”：未知取值 alien" in result.output
    assert "全部问题列在" in result.output
    assert "未导入任何数据：3 行中有 1 行有问题" in result.output
    assert "row" not in result.output and "column" not in result.output
    with (tmp_path / "bad.csv.errors.csv").open(encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    assert lines[0] == ["文件", "行号", "列", "值", "问题"]
    assert lines[1][:4] == ["bad.csv", "3", "客户类型", "alien"] and "未知取值" in lines[1][4]
    result = runner("import", str(_bad_file(tmp_path)), "--skip-invalid")
    assert result.exit_code == 0
    assert "bad.csv：客户 — 新增 2，更新 0" in result.output and "被拒绝的行已写入" in result.output


def test_the_import_command_speaks_english_in_an_english_terminal(runner, tmp_path):
    result = runner("import", str(_bad_file(tmp_path)), "--skip-invalid")
    assert result.exit_code == 0
    assert "bad.csv row 3, column kind, value 'alien': Unknown value alien" in result.output
    assert "2 inserted" in result.output and "rejected rows written to" in result.output
    assert "未知取值" not in result.output


def test_an_enum_column_names_its_values_in_the_readers_language():
    zh = translator("zh")
    for name, words in ENUMS.items():
        assert CHOICES[name] == ", ".join(words)  # English: the codes
        assert zh(CHOICES[name]) == "、".join(spellings[0] for spellings in words.values())
    with pytest.raises(Invalid) as refused:
        enum_parser("credit")("maybe")
    exc = refused.value
    problem = Problem(4, "credit", "maybe", exc.message, exc.params, exc.words)
    assert problem.text(zh) == "未知取值 maybe;应为 良好、不良、未知 之一。"
    assert problem.text() == "Unknown value maybe; expected one of good, bad, unknown."


def test_a_refused_file_names_its_kind_and_columns_in_the_readers_language(client, runner,
                                                                          tmp_path):
    path = write_csv(tmp_path / "p.csv", ["policy_no", "customer_ref", "start_date"],
                     [["P1", "C1", "2025-01-01"]])
    result = runner("import", str(path), "--kind", "policies")
    assert result.exit_code == 1
    assert "p.csv lacks the required columns premium, end_date for policies." in result.output
    runner.env.update(LANG="zh_CN.UTF-8")
    result = runner("import", str(path), "--kind", "policies")
    assert "p.csv 缺少 保单 的必填列 保费, 终保日期。" in result.output
    login(client)
    _, html = wait_for(client, upload(client, path, kind="policies").get_data(as_text=True))
    assert "p.csv 缺少 保单 的必填列 保费, 终保日期。" in html


def test_the_core_system_is_named_in_the_readers_language():
    problem = Problem(2, "customer_ref", "NOBODY",
                      "No customer with reference %(ref)s in source %(source)s.",
                      {"ref": "NOBODY", "source": "core"})
    assert problem.text(translator("zh")) == "来源 核心系统 中没有客户编号 NOBODY。"
    assert problem.text() == "No customer with reference NOBODY in source core."
    dealer = Problem(2, "customer_ref", "X", problem.message, {"ref": "X", "source": "dealer_x"})
    assert dealer.text(translator("zh")) == "来源 dealer_x 中没有客户编号 X。"


def test_a_list_row_found_among_the_customers_says_by_what_in_chinese(client, app, tmp_path):
    with app.app_context():
        make_customer(name="老客户乙", phone="13955556666")
    path = write_csv(tmp_path / "yellow.csv", ["customer_ref", "kind", "name", "phone"],
                     [["Y2", "个人", "黄页乙", "13955556666"]])
    login(client)
    _, html = wait_for(client, upload(client, path, source="yellow_pages").get_data(as_text=True))
    assert "第 2 行: Y2 →" in html and "(联系电话)" in html and "(phone)" not in html
