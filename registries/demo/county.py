"""The demo county's data: 晋城市 / 阳城县, its regions (GB/T 2260), the departments of the
sample plans with their aliases, tags, and the name parts the loader combines into realistic
targets, inspectors and experts. Data only; `registries.demo` loads it."""

from __future__ import annotations

from dataclasses import dataclass

from registries.models import Level

# --- regions (GB/T 2260) -----------------------------------------------------------------

PROVINCE = ("140000", "山西省")
CITY = ("140500", "晋城市")
COUNTY = ("140522", "阳城县")
CITY_COUNTIES = [
    ("140502", "城区"),
    ("140521", "沁水县"),
    ("140524", "陵川县"),
    ("140525", "泽州县"),
    ("140581", "高平市"),
]
TOWNS = [
    ("140522100", "凤城镇"),
    ("140522101", "北留镇"),
    ("140522102", "润城镇"),
    ("140522103", "町店镇"),
    ("140522104", "芹池镇"),
    ("140522105", "次营镇"),
    ("140522106", "横河镇"),
    ("140522107", "河北镇"),
    ("140522108", "蟒河镇"),
    ("140522109", "东冶镇"),
    ("140522200", "白桑乡"),
    ("140522201", "寺头乡"),
    ("140522202", "西河乡"),
    ("140522203", "演礼乡"),
    ("140522204", "固隆乡"),
    ("140522205", "董封乡"),
    ("140522206", "驾岭乡"),
]
VILLAGES = [
    "东关村", "西关村", "南关村", "北关村", "下庄村", "上庄村", "郭峪村", "皇城村", "屯城村", "刘西村",
    "望川村", "孤堆底村", "匠礼村", "中寨村", "东沟村", "南河村", "史山村", "大宁村", "尧沟村", "张庄村",
]  # fmt: skip
STREETS = ["凤凰东街", "凤凰西街", "新阳东街", "新阳西街", "东环路", "西环路", "建设路", "人民路", "育才路", "商贸街"]


# --- departments -------------------------------------------------------------------------

CITY_AMR = "晋城市市场监督管理局"
AMR = "阳城县市场监督管理局"
DRC = "阳城县发展和改革局"
STATS = "阳城县统计局"
EDU = "阳城县教育局"
TRANSPORT = "阳城县交通运输局"
HOUSING = "阳城县住房和城乡建设局"
HRSS = "阳城县人力资源和社会保障局"
FIRE = "阳城县消防救援大队"
ECO = "晋城市生态环境局阳城分局"
OFFICE = "阳城县双随机工作领导小组办公室"


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    short_name: str
    level: str
    region: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    office: bool = False
    code: str = ""  # two letters for certificate numbers and item codes


DEPARTMENTS = [
    DepartmentSpec(
        CITY_AMR, "市市场监管局", Level.CITY, CITY[0], ("市市场监督管理局", "市市场监管局", "市局"), code="SJ"
    ),
    DepartmentSpec(AMR, "县市场监管局", Level.COUNTY, COUNTY[0], ("市场监管局", "县市场监管局"), code="SC"),
    DepartmentSpec(DRC, "县发改局", Level.COUNTY, COUNTY[0], ("发改局", "县发改局"), code="FG"),
    DepartmentSpec(STATS, "县统计局", Level.COUNTY, COUNTY[0], ("统计局", "县统计局"), code="TJ"),
    DepartmentSpec(EDU, "县教育局", Level.COUNTY, COUNTY[0], ("县教育局", "教育局"), code="JY"),
    DepartmentSpec(TRANSPORT, "县交通运输局", Level.COUNTY, COUNTY[0], ("县交通运输局", "县交通局"), code="JT"),
    DepartmentSpec(HOUSING, "县住建局", Level.COUNTY, COUNTY[0], ("县住建局", "住建局"), code="ZJ"),
    DepartmentSpec(HRSS, "县人社局", Level.COUNTY, COUNTY[0], ("县人社局", "人社局"), code="RS"),
    DepartmentSpec(FIRE, "县消防救援大队", Level.COUNTY, COUNTY[0], ("县消防救援大队", "县消防大队"), code="XF"),
    DepartmentSpec(
        ECO, "市生态环境局阳城分局", Level.CITY, COUNTY[0], ("市生态环境局阳城分局", "市生态环境局 阳城分局"), code="HB"
    ),
    DepartmentSpec(
        OFFICE,
        "县双随机办",
        Level.COUNTY,
        COUNTY[0],
        ("双随机工作领导小组办公室", "县双随机办"),
        office=True,
        code="BG",
    ),
]
# The 科室 of the city bureau named in the city plan (with the spellings the plan uses).
CITY_SECTIONS = [
    ("质量监管科", ("质量监管部门",)),
    ("食品生产科", ()),
    ("食品流通科", ()),
    ("餐饮服务监管科", ("餐饮监管科",)),
    ("计量科", ()),
    ("认证认可科", ("认证科",)),
    ("标准管理科", ("标准管理理科",)),
    ("价格监督检查和反不正当竞争科", ("双反科",)),
    ("信用监督管理科", ("信用科",)),
]
DEPARTMENTS += [
    DepartmentSpec(f"{CITY_AMR}{name}", name, Level.CITY, CITY[0], (name, *aliases), parent=CITY_AMR)
    for name, aliases in CITY_SECTIONS
]


# --- tags and expertise ------------------------------------------------------------------

LICENCE_TAGS = [
    "粮食收购企业", "加油站", "眼镜制配场所", "食品生产企业", "食品经营企业", "餐饮服务单位",
    "工业产品生产许可证获证企业", "食品相关产品生产许可证获证企业", "强制性产品认证获证组织",
    "自愿性认证获证组织", "直销企业服务网点", "学校", "幼儿园", "旅馆", "建筑工程项目", "道路运输企业",
    "重点排污单位", "人力资源服务机构", "规模以上工业企业", "消防安全重点单位",
]  # fmt: skip
INDUSTRY_TAGS = ["批发和零售业", "住宿和餐饮业", "制造业", "农林牧渔业", "建筑业", "交通运输业", "教育", "居民服务业"]
KEY_AREA_TAGS = ["食品安全", "特种设备", "安全生产", "民生计量"]
EXPERTISE = [
    "食品", "计量", "特种设备", "粮食", "消防", "建筑", "教育", "交通运输", "劳动保障", "生态环境", "统计",
    "认证认可", "标准化", "质量", "直销", "价格", "广告", "商标", "专利",
]  # fmt: skip


# --- names ---------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀英华慧巧美淑惠珠翠雅芝玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹"
    "霞香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴"
)
BRAND_CHARS = "晋阳城润丰鑫源泰和盛兴隆宏达华康瑞祥福安恒通旺佳利诚信德永嘉宝金鼎天成广汇聚祥龙凤泽惠众益民新昌"
SHOP_KINDS = ["便利店", "百货店", "日杂店", "五金店", "服装店", "理发店", "水果店", "粮油店", "烟酒店", "蔬菜店"]
ORDINALS = ["", "第二", "第三", "第四"]
COMPANY_TRADES = [
    ("商贸", "批发和零售业"), ("建材", "批发和零售业"), ("农业开发", "农林牧渔业"), ("机械制造", "制造业"),
    ("煤业", "制造业"), ("陶瓷", "制造业"), ("电子科技", "制造业"), ("建筑工程", "建筑业"), ("物流", "交通运输业"),
    ("餐饮管理", "住宿和餐饮业"), ("家政服务", "居民服务业"), ("文化传媒", "居民服务业"),
]  # fmt: skip
FOOD_PRODUCTS = ["食品", "醋业", "面业", "酒业", "饮品", "肉制品", "豆制品", "蜂业"]
STATION_OWNERS = ["中国石化销售股份有限公司山西晋城", "中国石油天然气股份有限公司山西晋城销售分公司"]
COOP_PRODUCTS = ["蚕桑养殖", "中药材种植", "小米种植", "核桃种植", "生猪养殖", "蔬菜种植", "山楂种植", "养蜂"]
