"""The demo county's checklist (随机抽查事项清单): the items the sample plans inspect.

An article is given only where it is the well-known one; otherwise the law alone is cited.
"""

from __future__ import annotations

from dataclasses import dataclass

from registries.demo.county import AMR, CITY_AMR, DRC, ECO, EDU, FIRE, HOUSING, HRSS, STATS, TRANSPORT
from registries.models import InspectionMethod

ON_SITE = InspectionMethod.ON_SITE
DOCS = InspectionMethod.DOCUMENTARY
ONLINE = InspectionMethod.ONLINE


MARKET = "市场监督管理部门"


@dataclass(frozen=True)
class Version:
    name: str
    object_type: str
    body: str
    content: str
    bases: tuple[tuple[str, str], ...]
    methods: tuple[InspectionMethod, ...] = (ON_SITE,)
    key: bool = True


@dataclass(frozen=True)
class Item:
    code: str
    claimed_by: tuple[str, ...]
    versions: tuple[Version, ...]


GRAIN = "对粮食经营者从事粮食收购、储存、运输活动和政策性用粮的购销活动，以及执行国家粮食流通统计制度的情况进行监督检查"

ITEMS = [
    Item("FG-001", (DRC,), (
        Version("粮食收购资格及粮食收购活动的检查", "粮食收购企业", "县发展和改革局", GRAIN,
                (("粮食流通管理条例", ""),), (ON_SITE, DOCS)),
    )),
    Item("TJ-001", (STATS, DRC), (
        Version("执行国家粮食流通统计制度情况的检查", "粮食收购企业", "县统计局",
                "检查粮食经营者建立粮食经营台账、报送粮食流通统计数据的情况",
                (("中华人民共和国统计法", ""), ("粮食流通管理条例", "")), (DOCS,), key=False),
    )),
    Item("SC-001", (AMR, CITY_AMR), (
        Version("登记事项检查", "企业、个体工商户、农民专业合作社", MARKET,
                "检查市场主体名称、住所（经营场所）、经营范围、法定代表人等登记事项与实际情况是否一致",
                (("中华人民共和国市场主体登记管理条例", ""),), (ON_SITE,), key=False),
    )),
    Item("SC-002", (AMR, CITY_AMR), (
        Version("公示信息检查", "企业、农民专业合作社", MARKET, "检查年度报告及即时信息公示内容的真实性、及时性",
                (("企业信息公示暂行条例", "第十四条"),), (DOCS, ONLINE), key=False),
    )),
    Item("SC-003", (AMR, CITY_AMR), (
        Version("商标使用行为的检查", "企业", MARKET, "检查注册商标使用、商标印制及未注册商标使用行为",
                (("中华人民共和国商标法", ""),), (ON_SITE,), key=False),
    )),
    Item("SC-004", (AMR, CITY_AMR), (
        Version("专利真实性监督检查", "企业", MARKET, "检查专利标识标注及专利证书的真实性",
                (("中华人民共和国专利法", ""),), (DOCS,), key=False),
    )),
    Item("SC-005", (AMR, CITY_AMR), (
        Version("在用计量器具的监督检查", "加油站、眼镜制配场所", MARKET,
                "检查在用强制检定计量器具的检定情况及计量器具的准确性",
                (("中华人民共和国计量法", ""),), (ON_SITE,)),
        Version("在用计量器具的监督检查", "加油站、眼镜制配场所、集贸市场", MARKET,
                "检查在用强制检定计量器具的检定情况、计量器具的准确性及计量作弊行为",
                (("中华人民共和国计量法", ""), ("眼镜制配计量监督管理办法", ""), ("加油站计量监督管理办法", "")),
                (ON_SITE,)),
    )),
    Item("SC-006", (AMR, CITY_AMR), (
        Version("工业产品生产许可证获证企业资格、条件的检查", "工业产品生产许可证获证企业", MARKET,
                "许可证是否在有效期内；企业名称、住所、生产地址；生产设施设备、生产过程和工艺；检验设备及检验情况；"
                "生产范围；许可证标识使用情况",
                (("中华人民共和国工业产品生产许可证管理条例", ""),), (ON_SITE,)),
    )),
    Item("SC-007", (AMR, CITY_AMR), (
        Version("食品相关产品质量安全的检查", "食品相关产品生产许可证获证企业", MARKET,
                "许可证是否在有效期内；生产设施设备和生产工艺；检验设备及检验情况；原辅材料；许可证标识标注",
                (("中华人民共和国食品安全法", ""), ("中华人民共和国工业产品生产许可证管理条例", "")), (ON_SITE,)),
    )),
    Item("SC-008", (AMR, CITY_AMR), (
        Version("食品生产监督检查", "食品生产企业", MARKET,
                "企业资质保持情况；进货查验；生产过程控制；出厂检验；不合格品管理和食品召回；标签标识；从业人员管理",
                (("中华人民共和国食品安全法", "第一百一十条"), ("食品生产经营日常监督检查管理办法", ""))),
        Version("食品生产监督检查", "食品生产企业", MARKET,
                "企业资质保持情况；进货查验；生产过程控制；出厂检验；不合格品管理和食品召回；标签标识；从业人员管理",
                (("中华人民共和国食品安全法", "第一百一十条"), ("食品生产经营监督检查管理办法", ""))),
    )),
    Item("SC-009", (AMR, CITY_AMR), (
        Version("食品经营（销售）企业监督检查", "食品经营企业", MARKET,
                "进货查验记录制度落实情况；销售食品标签；贮存条件；是否销售超过保质期的食品",
                (("中华人民共和国食品安全法", "第一百一十条"), ("食品生产经营监督检查管理办法", ""))),
    )),
    Item("SC-010", (AMR, CITY_AMR), (
        Version("餐饮服务监督检查", "餐饮服务单位、学校（幼儿园）食堂", MARKET,
                "餐饮服务提供者资质；信息公示；原料控制；加工制作过程；餐饮具清洗消毒；从业人员健康管理；制止餐饮浪费",
                (("中华人民共和国食品安全法", "第一百一十条"), ("食品生产经营监督检查管理办法", ""))),
    )),
    Item("SC-011", (CITY_AMR,), (
        Version("自愿性认证活动及结果的检查", "自愿性认证获证组织", MARKET, "自愿性认证活动及结果合规性、有效性",
                (("中华人民共和国认证认可条例", ""),), (ON_SITE, DOCS), key=False),
    )),
    Item("SC-012", (CITY_AMR,), (
        Version("强制性产品认证获证组织的检查", "强制性产品认证获证组织", MARKET,
                "强制性产品认证活动及结果的合规性、有效性",
                (("中华人民共和国认证认可条例", ""), ("强制性产品认证管理规定", "")), (ON_SITE,)),
    )),
    Item("SC-013", (AMR, CITY_AMR), (
        Version("企业标准自我声明公开的检查", "企业标准", MARKET, "企业标准自我声明公开的规范性和符合性",
                (("中华人民共和国标准化法", "第二十七条"),), (ONLINE, DOCS), key=False),
    )),
    Item("SC-014", (CITY_AMR,), (
        Version("团体标准的检查", "团体标准", MARKET, "团体标准自我声明及内容的合规性",
                (("中华人民共和国标准化法", ""), ("团体标准管理规定", "")), (ONLINE,), key=False),
    )),
    Item("SC-015", (CITY_AMR, AMR), (
        Version("直销企业经销商、服务网点经营行为的检查", "直销企业服务网点", MARKET,
                "证照、会议和培训、用工和报酬、制度和宣传资料、营销模式、经销合同、经营场所",
                (("直销管理条例", ""),), (ON_SITE,)),
    )),
    Item("JY-001", (EDU,), (
        Version("学校办学行为的检查", "学校", "县教育局", "招生、收费、课程设置、校园安全及食堂管理情况",
                (("中华人民共和国教育法", ""), ("中华人民共和国义务教育法", "")), (ON_SITE, DOCS)),
    )),
    Item("JY-002", (EDU,), (
        Version("民办学校（幼儿园）办学行为的检查", "幼儿园", "县教育局", "办学许可、收费、师资及安全管理情况",
                (("中华人民共和国民办教育促进法", ""),), (ON_SITE, DOCS), key=False),
    )),
    Item("JT-001", (TRANSPORT,), (
        Version("道路运输经营行为的检查", "道路运输企业", "县交通运输局", "经营许可、车辆技术状况、驾驶员从业资格",
                (("中华人民共和国道路运输条例", ""),), (ON_SITE, DOCS)),
    )),
    Item("ZJ-001", (HOUSING,), (
        Version("建筑工程施工质量安全的检查", "建筑工程项目", "县住房和城乡建设局",
                "施工许可、质量保证体系、安全生产条件及特种设备使用",
                (("建设工程质量管理条例", ""), ("建设工程安全生产管理条例", "")), (ON_SITE,)),
    )),
    Item("RS-001", (HRSS,), (
        Version("用人单位遵守劳动保障法律法规情况的检查", "企业、个体工商户", "县人力资源和社会保障局",
                "劳动合同签订、工资支付、工时休假及社会保险参保缴费情况",
                (("劳动保障监察条例", "第十一条"),), (ON_SITE, DOCS), key=False),
    )),
    Item("RS-002", (HRSS,), (
        Version("人力资源服务机构的检查", "人力资源服务机构", "县人力资源和社会保障局",
                "行政许可、备案及年度报告情况，招聘信息真实性",
                (("人力资源市场暂行条例", ""),), (ON_SITE, DOCS), key=False),
    )),
    Item("XF-001", (FIRE,), (
        Version("消防安全检查", "旅馆、消防安全重点单位", "县消防救援大队",
                "消防安全责任制、消防设施器材、疏散通道和安全出口、消防安全培训",
                (("中华人民共和国消防法", "第五十三条"),), (ON_SITE,)),
    )),
    Item("HB-001", (ECO,), (
        Version("排污单位污染物排放情况的检查", "重点排污单位", "市生态环境局阳城分局",
                "排污许可证执行、污染防治设施运行、自动监测及台账记录",
                (("中华人民共和国环境保护法", ""), ("排污许可管理条例", "")), (ON_SITE, ONLINE)),
    )),
]  # fmt: skip
