"""Target files as bureaus and registration systems really make them.

Each fixture reproduces one shape seen in real files: a title row over a two-row merged header,
old Excel (.xls), CSV in GB18030 and in UTF-8 with BOM, national-standard and pinyin field codes
as headers, numbers Excel turned into floats, individual businesses with only a 注册号, columns
nothing knows.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any

import pytest
import xlwt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from registries import credit_code
from registries.demo import registration_number
from registries.importing.export import export_targets
from registries.importing.targets import map_kind, map_status
from registries.models import Department, ImportJob, Inspector, Target, TargetKind, TargetStatus, User
from registries.models.imports import ImportMapping
from registries.services.imports import targets_import
from tests.factories import enterprise_code
from tests.registries.import_workbooks import write_xlsx

pytestmark = pytest.mark.django_db

REG1 = registration_number("140522", 1201)  # 15 digits, exact in a double
REG2 = registration_number("140522", 1202)


def individual_code(n: int) -> str:
    return credit_code.make(f"92140522MA{n:07d}")


def write_csv(path: Path, rows: list[list[object]], encoding: str) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xls(path: Path, rows: list[list[object]], merges: list[tuple[int, int, int, int]] = ()) -> Path:  # type: ignore[assignment]
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("市场主体")
    merged = {(r0, c0) for r0, _r1, c0, _c1 in merges}
    for r0, r1, c0, c1 in merges:
        sheet.write_merge(r0, r1, c0, c1, rows[r0][c0])
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (
                (r, c) not in merged
                and value != ""
                and not any(r0 <= r <= r1 and c0 <= c <= c1 for r0, r1, c0, c1 in merges)
            ):
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def test_a_title_row_over_a_two_row_merged_header(tmp_path: Path, amr: Department) -> None:
    rows: list[list[object]] = [
        ["阳城县市场主体名录（2026年）", "", "", "", "", "", ""],
        ["检查对象", "", "", "企业类型", "登记状态", "住所", "法定代表人"],
        ["名称", "统一社会信用代码", "注册号", "", "", "", ""],
        [
            "阳城县晋丰粮油有限公司",
            enterprise_code(1),
            "",
            "有限责任公司(自然人投资或控股)",
            "存续",
            "凤城镇1号",
            "李强",
        ],
        ["阳城县老街饭店", "", REG1, "个体工商户", "在业", "凤城镇2号", "王芳"],
        [
            "阳城县丰收农民专业合作社",
            credit_code.make("93140522MA0000001"),
            "",
            "农民专业合作社",
            "吊销，未注销",
            "",
            "",
        ],
    ]
    path = write_xlsx(tmp_path / "名录.xlsx", rows, merges=["A1:G1", "A2:C2", "D2:D3", "E2:E3", "F2:F3", "G2:G3"])
    result = targets_import(path=path, department=amr)
    assert (result.created, result.rejected, result.unknown_columns) == (3, 0, [])
    assert [c["maps_to"] for c in result.columns] == [
        "对象名称",
        "统一社会信用代码",
        "注册号",
        "对象类型",
        "登记状态",
        "住所（经营场所）",
        "法定代表人（负责人、经营者）",
    ]
    firm = Target.objects.get(credit_code=enterprise_code(1))
    assert (firm.kind, firm.legal_representative) == (TargetKind.ENTERPRISE, "李强")
    shop = Target.objects.get(registration_number=REG1)
    assert (shop.kind, shop.credit_code, shop.status) == (TargetKind.INDIVIDUAL, None, TargetStatus.ACTIVE)
    assert Target.objects.get(name="阳城县丰收农民专业合作社").status == TargetStatus.REVOKED


def test_an_old_excel_file_with_numbers_excel_made_into_floats(tmp_path: Path, amr: Department) -> None:
    # An all-digit code: Excel keeps only 15 significant digits of it.
    code = next(c for n in range(100) if (c := credit_code.make(f"91140522{n:09d}"))[-1].isdigit())
    rows: list[list[object]] = [
        ["阳城县个体工商户名录", "", "", "", ""],
        ["统一社会信用代码", "注册号", "名称", "类型", "经营者"],
        ["", float(REG1), "阳城县老街饭店", "个体工商户", "王芳"],
        [float(code), float(REG2), "阳城县新街超市", "个体工商户", "赵敏"],
        [float(code), "", "阳城县无号商店", "个体工商户", "钱进"],
        [individual_code(3), "", "阳城县有码小吃", "个体", "孙力"],
    ]
    path = write_xls(tmp_path / "个体.xls", rows, merges=[(0, 0, 0, 4)])
    result = targets_import(path=path, department=amr)
    assert result.created == 3
    # The 15-digit 注册号 is exact in a double: recovered digit for digit.
    assert Target.objects.get(registration_number=REG1).name == "阳城县老街饭店"
    # The 18-digit code lost digits: the row lands under its 注册号, with a warning ...
    assert Target.objects.get(registration_number=REG2).credit_code is None
    assert [(w.row, w.column) for w in result.warnings] == [(4, "统一社会信用代码")]
    assert "设置为文本格式" in result.warnings[0].message
    # ... and with nothing else to identify it, the row is rejected with that reason.
    assert [(e.row, e.column) for e in result.errors] == [(5, "统一社会信用代码")]
    assert "设置为文本格式" in result.errors[0].message
    assert Target.objects.get(credit_code=individual_code(3)).kind == TargetKind.INDIVIDUAL


GB_HEADER = ["TYXYDM", "ZCH", "QYMC", "QYLX", "DJZT", "JYDZ", "CLRQ", "FDDBR"]


def test_a_gb18030_csv_with_pinyin_field_codes(tmp_path: Path, amr: Department) -> None:
    rows: list[list[object]] = [
        GB_HEADER,
        [enterprise_code(5), "", "阳城县鑫源加油站有限公司", "有限责任公司（自然人独资）", "存续（在营、开业、在册）",
         "阳城县演礼乡", "2012/5/3", "张伟"],
        ["", REG1, "阳城县润城镇三兴饭店", "个体工商户", "注销", "润城镇上庄村5号", "2009年3月5日", "刘洋"],
        [enterprise_code(6), "", "阳城县煤业分公司", "全民所有制分支机构(非法人)", "迁出", "", "", ""],
        [enterprise_code(7), "", "阳城县某上市公司", "股份有限公司(上市)", "停业", "", "", ""],
        [enterprise_code(8), "", "阳城县外资公司", "外商投资企业", "吊销，已注销", "", "", ""],
        ["无", REG2, "阳城县北关小卖部", "个体工商户", "存续", "", "2008-07-01 00:00:00", "/"],
    ]  # fmt: skip
    path = write_csv(tmp_path / "市场主体.csv", rows, "gb18030")
    assert "阳城县".encode("gb18030") in path.read_bytes()  # really GB18030, not UTF-8
    result = targets_import(path=path, department=amr)
    assert (result.created, result.rejected, result.warnings) == (6, 0, [])
    shop = Target.objects.get(registration_number=REG2)  # 无 in the code column: no code
    assert (shop.credit_code, str(shop.established_on)) == (None, "2008-07-01")
    fuel = Target.objects.get(credit_code=enterprise_code(5))
    assert (fuel.name, fuel.address, str(fuel.established_on)) == (
        "阳城县鑫源加油站有限公司",
        "阳城县演礼乡",
        "2012-05-03",
    )
    inn = Target.objects.get(registration_number=REG1)
    assert (inn.kind, inn.status, inn.legal_representative) == (TargetKind.INDIVIDUAL, TargetStatus.CANCELLED, "刘洋")
    statuses = dict(Target.objects.values_list("credit_code", "status"))
    assert statuses[enterprise_code(6)] == TargetStatus.MOVED_OUT
    assert statuses[enterprise_code(7)] == TargetStatus.ACTIVE
    assert statuses[enterprise_code(8)] == TargetStatus.CANCELLED


def test_a_utf8_bom_csv_with_standard_field_codes_and_scientific_notation(tmp_path: Path, amr: Department) -> None:
    rows: list[list[object]] = [
        ["UNISCID", "REGNO", "ENTNAME", "ENTTYPE", "REGSTATE", "DOM", "ESTDATE", "LEREP"],
        # A CSV saved by Excel: the 注册号 written in scientific notation, every digit still there.
        ["", "1.40522000012345E+14", "阳城县东关理发店", "个体工商户", "开业", "东关", "20100101", "周杰"],
        # Digits lost (1.40522E+17): taken under the 注册号 of the same row, with a warning.
        ["9.11405E+17", REG2, "阳城县西关面馆", "个体工商户", "正常", "西关", "", "吴刚"],
    ]
    path = tmp_path / "entities.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8"))
    result = targets_import(path=path, department=amr)
    assert (result.created, result.rejected) == (2, 0), result.errors
    assert Target.objects.get(registration_number="140522000012345").name == "阳城县东关理发店"
    assert [(w.row, w.value) for w in result.warnings] == [(3, "9.11405E+17")]


def test_a_credit_code_arriving_later_links_to_the_target_known_by_its_registration_number(
    tmp_path: Path, amr: Department
) -> None:
    header = ["统一社会信用代码", "注册号", "名称", "类型"]
    old = write_xlsx(tmp_path / "old.xlsx", [header, ["", REG1, "阳城县老街饭店", "个体工商户"]])
    assert targets_import(path=old, department=amr).created == 1
    shop = Target.objects.get()
    new = write_xlsx(
        tmp_path / "new.xlsx", [header, [individual_code(1), REG1, "阳城县老街饭店（换照）", "个体工商户"]]
    )
    result = targets_import(path=new, department=amr)
    assert (result.created, result.updated) == (0, 1)
    shop.refresh_from_db()
    assert (Target.objects.count(), shop.credit_code, shop.registration_number) == (1, individual_code(1), REG1)
    assert shop.name == "阳城县老街饭店（换照）"
    # And the old file again does not take the code away.
    targets_import(path=old, department=amr)
    shop.refresh_from_db()
    assert (shop.credit_code, shop.name) == (individual_code(1), "阳城县老街饭店")


def test_a_target_needs_one_identifier_in_the_database() -> None:
    from django.db import IntegrityError, transaction

    from tests.factories import DepartmentFactory

    department = DepartmentFactory()
    with pytest.raises(IntegrityError, match="target_has_identifier"), transaction.atomic():
        Target.objects.create(
            name="无号对象", kind=TargetKind.INDIVIDUAL, region=department.region, department=department
        )
    Target.objects.create(name="甲", registration_number=REG1, region=department.region, department=department)
    with pytest.raises(IntegrityError, match="target_registration_number_unique"), transaction.atomic():
        Target.objects.create(name="乙", registration_number=REG1, region=department.region, department=department)


UNKNOWN = [
    ["统一社会信用代码", "企业名称", "注册资本（万元）", "年检情况X"],
    [enterprise_code(1), "阳城县晋丰粮油有限公司", 50, "无"],
]


def test_the_command_fails_on_unknown_columns_until_mapped_or_ignored(
    tmp_path: Path, amr: Department, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_xlsx(tmp_path / "u.xlsx", UNKNOWN)
    with pytest.raises(CommandError, match="未识别的列：年检情况X"):
        call_command("import_targets", str(path), "--department", "县市场监管局", "--dry-run")
    out = capsys.readouterr().out
    assert "注册资本（万元） → 注册资本（本系统不保存，不导入）" in out
    assert "年检情况X → （未识别）" in out
    assert "credit_code" not in out and "name" not in out  # never the internal field names
    with pytest.raises(CommandError, match="--map"):
        call_command("import_targets", str(path), "--department", "县市场监管局", "--map", "年检情况X=不存在的列")
    call_command("import_targets", str(path), "--department", "县市场监管局", "--ignore", "年检情况X")
    assert Target.objects.count() == 1
    assert ImportMapping.objects.get(source="年检情况x").target == "-"
    # Saved for the department: the next file of the same shape maps itself.
    call_command("import_targets", str(path), "--department", "县市场监管局", "--dry-run")
    assert "年检情况X → （忽略）" in capsys.readouterr().out
    # --map: the column lands in the field it was mapped to.
    rows = [["统一社会信用代码", "企业名称", "业户负责人"], [enterprise_code(2), "阳城县二号公司", "郑重"]]
    other = write_xlsx(tmp_path / "m.xlsx", rows)
    call_command(
        "import_targets", str(other), "--department", "县市场监管局", "--map", "业户负责人=法定代表人（负责人、经营者）"
    )
    assert Target.objects.get(credit_code=enterprise_code(2)).legal_representative == "郑重"


@pytest.fixture
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client: Client, path: Path, **extra: str) -> Any:
    data = {"kind": "targets", "file": SimpleUploadedFile(path.name, path.read_bytes()), **extra}
    return client.post(reverse("registries:import_list"), data)


@pytest.mark.usefixtures("_media")
def test_the_preview_lists_every_column_and_saves_the_users_mapping(
    client: Client, alice: User, tmp_path: Path
) -> None:
    client.force_login(alice)
    path = write_xlsx(tmp_path / "u.xlsx", UNKNOWN)
    _upload(client, path)
    job = ImportJob.objects.get()
    page = client.get(reverse("registries:import_detail", args=[job.pk])).content.decode()
    for header in ("统一社会信用代码", "企业名称", "注册资本（万元）", "年检情况X"):
        assert header in page
    assert "请指定未识别的列" in page
    assert "确认导入" not in page  # no commit while a column is undecided
    assert job.total_rows == 0 and Target.objects.count() == 0
    response = client.post(reverse("registries:import_detail", args=[job.pk]), {"column_0": "-"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.unknown_columns) == ("previewed", 1, []), (
        job.warnings,
        job.errors,
        job.message,
    )
    page = client.get(reverse("registries:import_detail", args=[job.pk])).content.decode()
    assert "确认导入" in page, page[page.find("<section") :]
    # The next upload of the same shape maps itself.
    _upload(client, path)
    assert ImportJob.objects.latest("pk").unknown_columns == []


@pytest.mark.usefixtures("_media")
def test_the_preview_shows_row_column_cell_and_reason_and_offers_no_commit_without_valid_rows(
    client: Client, alice: User, tmp_path: Path
) -> None:
    client.force_login(alice)
    code = enterprise_code(1)
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    path = write_xlsx(tmp_path / "bad.xlsx", [["统一社会信用代码", "名称", "成立日期"], [bad, "甲公司", "2019-13-45"]])
    _upload(client, path)
    job = ImportJob.objects.get()
    page = client.get(reverse("registries:import_detail", args=[job.pk])).content.decode()
    assert "第2行" in page and "统一社会信用代码" in page and bad in page and "校验位错误" in page
    assert "确认导入" not in page and "导入其余有效的行" not in page
    assert "没有可以导入的有效行" in job.message


@pytest.mark.usefixtures("_media")
def test_a_zip_whose_sizes_lie_is_refused_clearly_and_leaves_no_file(
    client: Client, alice: User, tmp_path: Path, settings: Any
) -> None:
    import struct

    path = write_xlsx(
        tmp_path / "ok.xlsx", [["统一社会信用代码", "名称"], *[[enterprise_code(n), "名称" * 30] for n in range(300)]]
    )
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_at, name_len_at, name_at in ((b"PK\x01\x02", 24, 28, 46), (b"PK\x03\x04", 22, 26, 30)):
        start = 0
        while (found := data.find(signature, start)) >= 0:
            length = struct.unpack("<H", data[found + name_len_at : found + name_len_at + 2])[0]
            if data[found + name_at : found + name_at + length] == name:
                data[found + size_at : found + size_at + 4] = struct.pack("<I", 100)  # declared: 100 bytes
            start = found + 4
    liar = tmp_path / "liar.xlsx"
    liar.write_bytes(bytes(data))
    client.force_login(alice)
    response = _upload(client, liar)
    assert response.status_code == 200
    assert "文件已损坏" in response.content.decode()
    assert ImportJob.objects.count() == 0
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_control_characters_are_stripped_on_import_and_never_break_an_export(tmp_path: Path, amr: Department) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [["统一社会信用代码", "名称", "住所"], [enterprise_code(1), "阳城县\x00晋丰\x07粮油有限公司", "凤城镇\x1b1号"]],
        "utf-8",
    )
    result = targets_import(path=path, department=amr)
    assert result.created == 1, result.errors
    assert Target.objects.get().name == "阳城县晋丰粮油有限公司"
    # A name stored with control characters before imports cleaned them: the export still works.
    Target.objects.update(name="坏\x01\x02名称", address="=1+1\x07")
    count = export_targets(tmp_path / "out.xlsx", Target.objects.all())
    assert count == 1
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "out.xlsx").active
    assert sheet is not None
    assert (sheet["B3"].value, sheet["E3"].value) == ("坏名称", "'=1+1")


# --- value mapping: the maintained tables ------------------------------------------------------

REGISTERED_KINDS = {
    "有限责任公司(自然人投资或控股)": TargetKind.ENTERPRISE,
    "有限责任公司（国有独资）": TargetKind.ENTERPRISE,
    "股份有限公司(上市)": TargetKind.ENTERPRISE,
    "全民所有制分支机构(非法人)": TargetKind.ENTERPRISE,
    "个人独资企业": TargetKind.ENTERPRISE,
    "普通合伙企业": TargetKind.ENTERPRISE,
    "外商投资企业": TargetKind.ENTERPRISE,
    "股份合作制企业": TargetKind.ENTERPRISE,
    "个体工商户": TargetKind.INDIVIDUAL,
    "个体户": TargetKind.INDIVIDUAL,
    "农民专业合作社": TargetKind.COOPERATIVE,
    "农民专业合作社分支机构": TargetKind.COOPERATIVE,
    "事业单位": TargetKind.INSTITUTION,
    "民办非企业单位": TargetKind.SOCIAL_ORG,
}
REGISTERED_STATUSES = {
    "存续": TargetStatus.ACTIVE,
    "在业": TargetStatus.ACTIVE,
    "正常": TargetStatus.ACTIVE,
    "开业": TargetStatus.ACTIVE,
    "存续（在营、开业、在册）": TargetStatus.ACTIVE,
    "停业": TargetStatus.ACTIVE,
    "吊销": TargetStatus.REVOKED,
    "吊销，未注销": TargetStatus.REVOKED,
    "吊销，已注销": TargetStatus.CANCELLED,
    "注销": TargetStatus.CANCELLED,
    "已注销": TargetStatus.CANCELLED,
    "撤销": TargetStatus.CANCELLED,
    "迁出": TargetStatus.MOVED_OUT,
    "1": TargetStatus.ACTIVE,
    "6": TargetStatus.MOVED_OUT,
}
WIDE = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
spaces = st.sampled_from(["", " ", "\u3000", "\n"])


@given(st.sampled_from(sorted(REGISTERED_KINDS)), spaces, st.booleans())
def test_registration_system_kinds_map_whatever_their_width_and_spacing(text: str, space: str, wide: bool) -> None:
    variant = space + (text.translate(WIDE) if wide else text) + space
    assert map_kind(variant) == REGISTERED_KINDS[text]


@given(st.sampled_from(sorted(REGISTERED_STATUSES)), spaces, st.booleans())
def test_registration_statuses_map_whatever_their_width_and_spacing(text: str, space: str, wide: bool) -> None:
    variant = space + (text.translate(WIDE) if wide else text) + space
    assert map_status(variant) == REGISTERED_STATUSES[text]


@given(st.text(alphabet="有限公司股份合作社个体工商户分支机构（）()非法人企业", max_size=12))
def test_any_kind_text_with_an_individual_or_cooperative_keyword_maps_to_it(text: str) -> None:
    found = map_kind(text)
    if "个体" in text:
        assert found == TargetKind.INDIVIDUAL
    elif "合作社" in text:
        assert found == TargetKind.COOPERATIVE
    elif "公司" in text or "企业" in text:
        assert found == TargetKind.ENTERPRISE


@given(st.text(alphabet="已吊销注未存续在业，、（）", max_size=10))
def test_a_deregistered_status_is_never_read_as_active(text: str) -> None:
    found = map_status(text)
    if "注销" in text and "未注销" not in text:
        assert found == TargetStatus.CANCELLED
    if found == TargetStatus.ACTIVE:
        assert "注销" not in text and "吊销" not in text


def test_regions_are_found_in_longer_names_and_codes_and_unknown_ones_land_with_a_warning(
    tmp_path: Path, amr: Department
) -> None:
    rows: list[list[object]] = [
        ["统一社会信用代码", "名称", "所属区域"],
        [enterprise_code(1), "甲公司", "山西省晋城市阳城县凤城镇"],
        [enterprise_code(2), "乙公司", "140522100000"],
        [enterprise_code(3), "丙公司", "某省某市某县"],
    ]
    result = targets_import(path=write_xlsx(tmp_path / "r.xlsx", rows), department=amr)
    assert (result.created, result.rejected) == (3, 0)
    assert set(Target.objects.values_list("region", flat=True)) == {amr.region_id}
    assert [(w.row, w.column, w.value) for w in result.warnings] == [(4, "所属区域", "某省某市某县")]


def test_the_admin_offers_no_import_that_would_bypass_department_scoping_and_audit() -> None:
    from django.contrib import admin
    from import_export.admin import ImportMixin

    for model in (Target, Inspector):
        assert not isinstance(admin.site._registry[model], ImportMixin)
