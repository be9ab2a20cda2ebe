"""Build ``reports.csv``, the starter labeled set of resident reports (deterministic).

Run from the repository root:  python src/estatedesk/triage/data/build_dataset.py

Two parts:
- composed reports: hand-written templates per scenario, filled with places (楼栋/房号/车库/
  电梯/大堂 ...), objects and times, wrapped in the openings and endings residents use, then
  roughened with typos and dialect words (漏水/露水, 电悌, 冇水, 咋整, 啥时候 ...);
- ``HANDWRITTEN``: reports written one by one, with the hard cases (a complaint about a lift
  that trapped someone last week, a plumbing request that is a paid in-home service ...).

Labels: kind (RQ-1), department (RQ-4, org DepartmentKind values), severity for complaints
(CP-3), is_emergency and emergency_category (the detector's categories, EM-1). The seed is fixed,
so the file only changes when this script does. Standard library only.
"""

from __future__ import annotations

import csv
import io
import random
import sys
from dataclasses import dataclass
from pathlib import Path

SEED = 20261213
OUT = Path(__file__).with_name("reports.csv")
COLUMNS = ("text", "kind", "department", "severity", "is_emergency", "emergency_category", "source")

# kinds
EMED, REPAIR, COMPLAINT, CONSULT = "emergency_medical", "repair", "complaint", "consultation"
SECURITY, DISASTER, OTHER, PAID = "security_incident", "disaster", "other_help", "paid_service"
# departments
CS, ENG, SEC, CLEAN, FIN, QUA, MGT = (
    "cs",
    "engineering",
    "security",
    "cleaning",
    "finance",
    "quality",
    "management",
)
MAJOR, IMPORTANT, MINOR = "major", "important", "minor"

CN_NUMBERS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
PUBLIC_PLACES = [
    "地下车库",
    "负一楼车库",
    "负二层停车场",
    "大堂",
    "一楼大堂",
    "电梯厅",
    "中心花园",
    "儿童游乐区",
    "会所",
    "游泳池",
    "小区东门",
    "小区西门",
    "南门岗亭",
    "垃圾房",
    "篮球场",
    "小区主干道",
    "快递柜旁边",
    "健身区",
    "北门口",
    "地面停车场",
    "架空层",
    "人工湖边",
]
HOME_SPOTS = ["卫生间", "厨房", "阳台", "客厅", "主卧", "次卧", "洗手间", "书房"]
TIMES = [
    "刚刚",
    "刚才",
    "今天早上",
    "昨天晚上",
    "从昨天开始",
    "这几天",
    "今天下午",
    "半夜",
    "一大早",
    "前两天",
    "中午",
]
WHO = [
    "老人",
    "老太太",
    "老大爷",
    "小孩",
    "我妈",
    "我爸",
    "一个阿姨",
    "我家老人",
    "小朋友",
    "我奶奶",
]
HOW_LONG = ["两天", "三天", "好几天", "一个礼拜", "半个月", "五六天"]

# (standard wording, [what residents type instead]); each applies with VARIANT_RATE.
VARIANTS: list[tuple[str, list[str]]] = [
    ("漏水", ["露水", "渗水", "楼水"]),
    ("电梯", ["电悌", "升降机", "电体"]),
    ("没有水", ["冇水", "没得水"]),
    ("没水", ["冇水", "没得水"]),
    ("没电", ["冇电", "没得电"]),
    ("没有", ["冇", "没得"]),
    ("怎么办", ["咋整", "咋办", "点算", "咋弄"]),
    ("什么时候", ["啥时候", "几时", "啥时"]),
    ("怎么", ["咋", "咋个"]),
    ("什么", ["啥", "么子"]),
    ("很", ["好", "贼", "老"]),
    ("坏了", ["坏掉了", "坏咗", "烂了", "趴窝了"]),
    ("师傅", ["师父"]),
    ("已经", ["都"]),
    ("你们", ["恁", "你哋"]),
    ("一直", ["老是", "总是"]),
    ("快点", ["快滴", "搞快点", "麻溜的"]),
    ("看看", ["瞅瞅", "睇下", "瞧瞧"]),
    ("卫生间", ["厕所", "洗手间"]),
    ("我家", ["俺家", "我屋头", "我屋企", "阿拉屋里"]),
    ("不知道", ["不晓得", "唔知"]),
    ("一下", ["一哈", "下"]),
    ("燃气", ["燃汽"]),
    ("着火", ["着伙"]),
]
VARIANT_RATE = 0.22
FULL_WIDTH_RATE = 0.08

OPENINGS = {
    "repair": [
        "",
        "",
        "",
        "你好，",
        "您好，",
        "物业你好，",
        "喂，",
        "师傅，",
        "打扰一下，",
        "报修，",
        "麻烦一下，",
    ],
    "complaint": [
        "",
        "",
        "我要投诉，",
        "投诉一下，",
        "说个事，",
        "实在忍不了了，",
        "你好，",
        "物业，",
        "反映个问题，",
    ],
    "question": [
        "",
        "",
        "你好，",
        "请问",
        "问一下，",
        "想咨询一下，",
        "打扰问下，",
        "您好，请问",
        "问下，",
    ],
    "urgent": [
        "",
        "",
        "快来人！",
        "喂喂，",
        "不好了，",
        "紧急情况，",
        "快点，",
        "物业物业，",
        "喂，",
    ],
    "report": ["", "", "你好，", "报个案，", "我想反映一下，", "物业你好，"],
    "help": ["", "", "你好，", "麻烦一下，", "不好意思，", "物业你好，", "师傅，"],
    "paid": ["", "", "你好，", "问下，", "师傅，", "物业你好，", "请问"],
}
ENDINGS = {
    "repair": [
        "",
        "",
        "。",
        "，麻烦派人来看看",
        "，麻烦尽快来修一下",
        "，什么时候能来修",
        "，谢谢",
        "，急",
        "，快点来人啊",
        "，怎么办",
        "，麻烦安排师傅",
        "，我在家等着",
        "，下午家里有人",
    ],
    "complaint": [
        "",
        "",
        "。",
        "，太过分了",
        "，你们到底管不管",
        "，必须给个说法",
        "，请给个答复",
        "，这是什么物业",
        "，希望改进",
        "！",
        "，请尽快处理",
    ],
    "question": ["", "", "？", "？谢谢", "，麻烦告知一下", "，谢谢", "，在线等"],
    "urgent": ["", "", "！", "！！", "，快来人", "，赶紧派人过来", "，快点啊", "，快快快"],
    "report": ["", "", "。", "，能帮忙查下监控吗", "，麻烦处理一下", "，你们看怎么办"],
    "help": ["", "", "，谢谢", "，麻烦了", "，可以吗", "？", "，谢谢啦"],
    "paid": ["", "", "，收费也可以", "，多少钱", "，怎么收费", "？", "，价格好说", "，麻烦报个价"],
}


@dataclass(frozen=True)
class Scenario:
    kind: str
    department: str
    count: int
    tone: str
    templates: tuple[str, ...]
    severity: str = ""
    category: str = ""  # emergency category; non-empty means is_emergency
    extra_endings: tuple[str, ...] = ()


def s(
    kind: str,
    department: str,
    count: int,
    tone: str,
    *templates: str,
    severity: str = "",
    category: str = "",
    extra: tuple[str, ...] = (),
) -> Scenario:
    return Scenario(kind, department, count, tone, templates, severity, category, extra)


SCENARIOS: list[Scenario] = [
    # ---- repair (报修) -----------------------------------------------------------------------
    s(
        REPAIR,
        ENG,
        40,
        "repair",
        "{u}{home}天花板漏水了",
        "{u}{home}顶上一直在滴水",
        "楼上漏水，我家{home}天花板湿了一大片",
        "{u}{home}的水管在漏水，{t}开始的",
        "我家{home}墙角渗水，墙皮都泡起来了",
        "{home}的水龙头关不紧，一直滴滴答答的",
        "{u}的热水管接口漏水",
        "{u}厨房水槽下面的管子漏水",
        "空调排水管漏水，滴到楼下的窗台上",
        "{b}楼顶防水不行，一下雨顶楼{room}就漏水",
        "{u}马桶底下漏水，地上湿了一块",
        "{b}楼道的水管在漏水，就在{f}那里",
        "{b}{f}的消防管接头在漏水",
    ),
    s(
        REPAIR,
        ENG,
        22,
        "repair",
        "{b}{t}没水了，是不是水管坏了",
        "{u}水压特别小，洗澡都洗不了",
        "{u}热水出不来，冷水是正常的",
        "{b}{f}以上水压不够，水龙头一开就没劲",
        "{u}的水表好像坏了，不走字",
        "我家{t}突然没水了，邻居家都有水",
        "{u}的水龙头拧不动了",
    ),
    s(
        REPAIR,
        ENG,
        30,
        "repair",
        "{u}{t}突然没电了，别人家都有电",
        "{u}家里老跳闸，一开空调就跳",
        "{b}{f}的楼道灯不亮了",
        "{b}楼梯间的灯坏了好几盏，晚上黑漆漆的",
        "{p}的灯不亮了",
        "{b}单元门口的灯一闪一闪的",
        "{u}有个房间的插座全都没电了",
        "{p}的路灯坏了，晚上看不见路",
        "{b}的声控灯不灵了，跺脚也不亮",
        "{u}电表箱的开关合不上去",
    ),
    s(
        REPAIR,
        ENG,
        30,
        "repair",
        "{lift}坏了",
        "{lift}{t}就不动了，停在{f}",
        "{lift}按钮按了没反应",
        "{lift}门关不上，一直开开关关的",
        "{lift}运行的时候咣当咣当响，吓人",
        "{lift}里的灯不亮，黑乎乎的",
        "{lift}的显示屏坏了，不知道到几楼了",
        "{lift}抖得厉害，坐着不放心",
        "{lift}里{f}那个按钮按不亮",
        "{lift}里的风扇不转，闷得很",
        "{lift}到了楼层门要过好久才开",
    ),
    s(
        REPAIR,
        ENG,
        28,
        "repair",
        "{u}马桶堵了，冲不下去",
        "{u}厨房下水道堵了，水下不去",
        "{u}{home}地漏反臭味",
        "{b}楼下的污水井堵了，污水冒出来了",
        "{u}洗手盆下水特别慢",
        "{p}的下水道井盖松了，踩上去晃",
        "{u}卫生间的下水管往上返水",
        "{b}一楼的化粪池满了，臭得不行",
    ),
    s(
        REPAIR,
        ENG,
        28,
        "repair",
        "{b}单元门坏了，关不上",
        "{b}单元门禁刷卡没反应",
        "{b}的门禁对讲机没声音，访客按了我家听不到",
        "{p}的道闸不抬杆，车出不去",
        "{b}单元门的闭门器坏了，门砰砰响",
        "{p}的人行门禁坏了，刷脸没反应",
        "{b}楼道的防火门合不上",
        "{b}信报箱的锁坏了",
        "车库的卷帘门升不上去了",
        "{u}入户门的门锁有点卡，钥匙拧不动",
    ),
    s(
        REPAIR,
        ENG,
        28,
        "repair",
        "{u}{home}墙面开裂了，有一条大缝",
        "{u}窗户关不严，一刮风就呼呼响",
        "{b}外墙瓷砖有点松动",
        "{b}楼道窗户玻璃碎了",
        "{u}阳台的栏杆有点松",
        "{b}楼梯扶手松了，老人扶着不安全",
        "{u}{home}地砖空鼓翘起来了",
        "{b}天台的门锁坏了",
        "{p}的地砖翘起来了",
        "{u}天花板墙皮脱落了一块",
    ),
    s(
        REPAIR,
        ENG,
        30,
        "repair",
        "{p}的健身器材坏了一个",
        "{p}的滑梯螺丝松了，晃得厉害",
        "{p}的长椅断了一根木条",
        "{p}的监控好像坏了，一直黑屏",
        "{p}的消防栓在漏水",
        "{p}的灭火器过期了，该换了",
        "{b}楼道的烟感一直在叫，应该是没电了",
        "{p}的喷泉水泵坏了",
        "{p}的充电桩坏了，充不了电",
        "快递柜的屏幕坏了，取不了件",
        "{p}门口的台阶缺了一块",
        "{p}的秋千链子生锈快断了",
    ),
    s(
        REPAIR,
        ENG,
        14,
        "repair",
        "{u}燃气灶打不着火了",
        "{u}热水器点不着火，洗不了热水澡",
        "{u}燃气表没显示了",
        "{u}的热水器一开就熄火",
        "{u}燃气灶有一个灶头火很小",
    ),
    s(
        REPAIR,
        CLEAN,
        14,
        "repair",
        "{p}的垃圾桶盖子坏了",
        "{b}楼下的垃圾桶破了个洞，一直漏汤水",
        "{p}分类垃圾桶的轮子掉了",
        "{p}的果皮箱坏了",
        "{b}门口的垃圾桶脚踏板踩不下去",
    ),
    s(
        REPAIR,
        ENG,
        10,
        "repair",
        "{b}大堂的空调不制冷",
        "会所的空调一直在滴水",
        "{p}的排风扇不转了",
        "{b}的水泵一直在响，停不下来",
    ),
    # ---- complaints (投诉), by complained department and CP-3 severity ----------------------
    s(
        COMPLAINT,
        SEC,
        18,
        "complaint",
        "{p}的保安态度太差了，{t}问他个事还凶我",
        "门岗保安上班玩手机，外人随便进出都不管",
        "晚上巡逻的保安在岗亭里睡觉",
        "保安不让我的车进，说我没登记，我都住了五年了",
        "外卖快递随便进小区乱窜，保安根本不拦",
        "保安说话太冲了，一点礼貌都没有",
        "{p}门岗经常没人，保安不知道跑哪去了",
        "访客登记乱七八糟，保安连问都不问",
        severity=IMPORTANT,
    ),
    s(
        COMPLAINT,
        SEC,
        12,
        "complaint",
        "我的车停在{p}，保安指挥倒车给撞了，你们要赔",
        "跟保安说了好几次有人乱停车堵我车位，一个多月了都没人管",
        "电动车在{p}被偷第三次了，监控都是坏的，你们保安是干嘛的",
        "合同里写的24小时有保安巡逻，我半夜从来没见过",
        "投诉了多少次门口车乱停，一个多月了还是老样子",
        severity=MAJOR,
    ),
    s(
        COMPLAINT,
        SEC,
        12,
        "complaint",
        "小区车位太少了，晚上回来根本没地方停",
        "{p}出口排队太久，高峰要等十几分钟",
        "访客停车位太少，亲戚来了没地方停",
        "{p}的道闸抬杆有点慢，能不能调快一点",
        "门岗登记流程有点麻烦，能不能简化一下",
        severity=MINOR,
    ),
    s(
        COMPLAINT,
        CLEAN,
        18,
        "complaint",
        "{b}楼道{d}没人扫了，到处是灰",
        "{p}的垃圾桶都满出来了也没人清",
        "电梯里有股尿骚味，保洁也不打扫",
        "{b}楼梯扶手一摸一手灰，保洁是不是没来",
        "{p}的落叶堆了{d}没人扫",
        "保洁阿姨拖地用的水是黑的，越拖越脏",
        "垃圾清运太晚了，{t}垃圾还堆在楼下臭死了",
        "{p}蚊子苍蝇特别多，也不见你们消杀",
        "草坪打药也不提前通知，我家狗吃了草吐了",
        severity=IMPORTANT,
    ),
    s(
        COMPLAINT,
        CLEAN,
        10,
        "complaint",
        "{b}楼道的垃圾反映了好几次都没人清，一个多月了",
        "合同写的楼道每天打扫，实际上一个礼拜都不扫一次，说了多少次了",
        "保洁把我放在门口的东西当垃圾扔了，好几千块钱的东西",
        "{p}的卫生问题投诉了一个多月，一点改善都没有",
        severity=MAJOR,
    ),
    s(
        COMPLAINT,
        CLEAN,
        10,
        "complaint",
        "垃圾房离我家窗户太近了，夏天有点味道",
        "{p}的垃圾桶有点少，能不能多放两个",
        "分类垃圾桶离单元门太远了，倒个垃圾要走老远",
        "{p}的草有点长了，看着不太整齐",
        severity=MINOR,
    ),
    s(
        COMPLAINT,
        ENG,
        18,
        "complaint",
        "报修{d}了都没人来修",
        "维修师傅修完没两天又漏了",
        "维修工上门不穿鞋套，把我家地板踩得全是泥",
        "说好上午来修的，等了一天人都没来",
        "{lift}修了好几次还是老出问题",
        "维修师傅态度敷衍，随便弄两下就走了",
        "{b}楼道灯坏了，报修{d}了还没修好",
        "工程部的人修完东西垃圾也不带走",
        severity=IMPORTANT,
    ),
    s(
        COMPLAINT,
        ENG,
        14,
        "complaint",
        "{lift}一个月坏了三次，投诉多少次了都没彻底修好",
        "维修师傅修水管把我家木地板泡坏了，损失好几万谁赔",
        "楼顶漏水反映了半年了，每次下雨家里都漏，到现在都没解决",
        "你们工人装东西把我家墙打穿了，到现在都没人来处理",
        "{b}的水压问题反映一个多月了，一直说在处理，到底管不管",
        severity=MAJOR,
    ),
    s(
        COMPLAINT,
        ENG,
        12,
        "complaint",
        "{lift}早高峰要等好久，能不能调一下",
        "水泵房晚上有点嗡嗡响，影响睡觉",
        "热水要放好久才出来",
        "{p}的灯有点暗，晚上走路看不太清",
        "楼道的声控灯太灵敏了，一有动静就亮",
        severity=MINOR,
    ),
    s(
        COMPLAINT,
        CS,
        16,
        "complaint",
        "客服电话打了十几次都没人接",
        "前台那个小姑娘态度很不好，爱答不理的",
        "说好给我回电话，等了两天都没回",
        "停水通知贴得太晚了，我们都不知道",
        "在线平台提交的问题{d}都没人回复",
        "办个门禁卡让我来回跑了三趟",
        "客服说话推来推去，什么都说不归你们管",
        severity=IMPORTANT,
    ),
    s(
        COMPLAINT,
        CS,
        8,
        "complaint",
        "客服答应帮我处理的事，一个多月了都没消息，问了好多次",
        "反映了好几次的问题客服一直说在处理，一个多月了都没结果",
        severity=MAJOR,
    ),
    s(
        COMPLAINT,
        CS,
        10,
        "complaint",
        "快递柜太少了，每次都是满的",
        "前台下班太早了，下班回来办不了事",
        "小区公告栏的通知字太小了，老人看不清",
        "业主群里的通知太多了，能不能精简一点",
        severity=MINOR,
    ),
    s(
        COMPLAINT,
        FIN,
        16,
        "complaint",
        "物业费算错了，多收了我几百块",
        "我家没住人，怎么水电公摊还收这么多",
        "没经过我同意就从卡里扣了停车费",
        "交了物业费，收据上的金额不对",
        "凭什么收我滞纳金，我是按时交的",
        "垃圾费都已经包含在物业费里了还另外收，乱收费",
        severity=IMPORTANT,
    ),
    s(
        COMPLAINT,
        FIN,
        8,
        "complaint",
        "交了费发票拖了一个多月都没给我，催了好几次",
        "说好多收的物业费退给我，三个月了一分钱没退",
        severity=MAJOR,
    ),
    s(
        COMPLAINT,
        FIN,
        8,
        "complaint",
        "缴费只能去前台，不能微信交，太麻烦了",
        "物业费只能一年一交，能不能按月交",
        "缴费窗口周末不开门",
        severity=MINOR,
    ),
    s(
        COMPLAINT,
        MGT,
        14,
        "complaint",
        "你们经理的电话永远打不通",
        "物业什么都不管，就知道收钱",
        "物业费涨价也不开业主大会商量",
        "小区越来越乱，物业根本不作为",
        "业主群里反映问题，管理处从来不回",
        "管理处对违建睁一只眼闭一只眼",
        severity=IMPORTANT,
    ),
    s(
        COMPLAINT,
        MGT,
        12,
        "complaint",
        "跟管理处反映楼顶违建半年了，一直不处理",
        "小区公共收益从来不公示，要求公开账目，说了多少次了",
        "合同承诺的服务一样都没做到，要求经理出来给个说法",
        "问题拖了一个多月没人解决，我要找你们经理",
        severity=MAJOR,
    ),
    s(
        COMPLAINT,
        QUA,
        16,
        "complaint",
        "上次投诉的事到现在也没人回访",
        "投诉处理结果我不满意，要求重新处理",
        "你们的服务质量越来越差，要求整改",
        "投诉单交上去就石沉大海了，你们有没有人管服务质量",
        "上次报修的回访电话根本没打，系统里还说已回访",
        "处理完了也不跟我确认，就在系统里结单了",
        severity=IMPORTANT,
    ),
    s(
        COMPLAINT,
        QUA,
        8,
        "complaint",
        "同一个问题投诉了三次，每次处理完又出现，要求彻底整改并给书面答复",
        "投诉一个多月了，你们品质部连个电话都没有",
        severity=MAJOR,
    ),
    s(
        COMPLAINT,
        QUA,
        8,
        "complaint",
        "满意度调查表根本没发给我们",
        "意见箱好久没人开了，里面都塞满了",
        "回访电话打得太频繁了，有点烦",
        severity=MINOR,
    ),
    s(
        COMPLAINT,
        CS,
        16,
        "complaint",
        "楼上装修天天打钻，吵得不行",
        "楼上半夜拖椅子跺脚，吵得睡不着",
        "邻居家的狗一直叫，{t}叫到现在",
        "有人在{b}楼道堆杂物，人都过不去",
        "邻居在楼道抽烟，烟味飘进我家",
        "楼下的烧烤油烟熏到我家了",
        severity=MINOR,
    ),
    s(
        COMPLAINT,
        SEC,
        8,
        "complaint",
        "有人占了我的车位，车牌都不认识",
        "有车堵在{p}出口，好久都不挪",
        "有人在{p}遛狗不牵绳，小孩都不敢过去",
        severity=MINOR,
    ),
    s(
        COMPLAINT,
        CS,
        6,
        "complaint",
        "楼上装修噪音跟你们说了几次了，中午还是在打钻",
        "邻居在楼道堆东西，反映了两次还是没人管",
        severity=IMPORTANT,
    ),
    # ---- consultations (咨询) ---------------------------------------------------------------
    s(
        CONSULT,
        FIN,
        30,
        "question",
        "物业费多少钱一平方",
        "物业费怎么交，能在手机上交吗",
        "今年的物业费什么时候开始交",
        "交物业费能开发票吗",
        "停车月卡多少钱一个月",
        "水电费在哪里交",
        "预存物业费有没有优惠",
        "物业费欠了几个月，滞纳金怎么算",
        "发票可以开公司抬头吗",
        "公摊水电费是怎么算的",
    ),
    s(
        CONSULT,
        CS,
        40,
        "question",
        "{b}停水什么时候恢复",
        "明天停电几点来电",
        "快递能放在前台吗",
        "业主卡丢了怎么补办",
        "租户能办门禁卡吗，要带什么材料",
        "小区可以养大型犬吗",
        "小区有没有电动车充电的地方",
        "春节期间物业上班吗",
        "前台几点上下班",
        "搬家要提前登记吗",
        "新来的住户怎么加业主群",
        "游泳池几点开放",
        "会所可以预约吗",
    ),
    s(
        CONSULT,
        ENG,
        25,
        "question",
        "装修要办什么手续",
        "装修押金要交多少",
        "阳台可以封吗",
        "装修时间是几点到几点",
        "空调外机能装在哪里",
        "家里可以改水电吗，要报备吗",
        "防盗窗能不能装",
        "热水器可以装在阳台吗",
        "家里想打掉一面墙可以吗",
    ),
    s(
        CONSULT,
        MGT,
        20,
        "question",
        "业委会什么时候换届",
        "物业合同什么时候到期",
        "小区公共收益是怎么分配的",
        "业主大会什么时候开",
        "物业服务标准有没有公示",
        "怎么成立业委会",
    ),
    s(
        CONSULT,
        SEC,
        15,
        "question",
        "访客车辆怎么进小区",
        "晚上几点锁大门",
        "外卖能送到楼下吗",
        "临时停车多长时间免费",
        "电动车能推进电梯吗",
        "装修工人怎么办出入证",
    ),
    s(
        CONSULT,
        QUA,
        10,
        "question",
        "我想提个建议，去哪里提",
        "满意度调查怎么填",
        "投诉的处理进度在哪里看",
        "你们的服务有什么标准，我想了解一下",
    ),
    s(
        CONSULT,
        CLEAN,
        10,
        "question",
        "垃圾分类怎么分",
        "大件垃圾扔在哪里",
        "装修垃圾放哪里，要不要钱",
        "垃圾车几点来收",
        "厨余垃圾几点前要扔",
    ),
    # ---- security incidents (治安/突发事件) -------------------------------------------------
    s(
        SECURITY,
        SEC,
        20,
        "urgent",
        "有人在{p}偷电瓶车",
        "{b}{f}有人在撬门",
        "{p}有人在撬车门",
        "小偷在{b}楼道里，往{p}跑了",
        "有人抢包，往东门跑了",
        "{p}有人在剪自行车锁",
        "有人翻墙进来了，在{p}那边",
        "有人在偷{b}楼下的快递",
        category="theft",
        extra=("，已经报警了",),
    ),
    s(
        SECURITY,
        SEC,
        20,
        "urgent",
        "{p}有两个人打起来了",
        "{b}楼下有人打架",
        "有人拿着刀在{p}吵架",
        "几个喝醉的在{p}闹事，要动手了",
        "{b}{f}两家邻居打起来了",
        "有人在{p}打人",
        category="fight",
        extra=("，已经报警了",),
    ),
    s(
        SECURITY,
        ENG,
        26,
        "urgent",
        "{lift}里有人被困",
        "电梯关人了，在{b}",
        "我被困在{lift}里了",
        "{lift}卡在{f}，里面有小孩",
        "{lift}停了，里面有个老人出不来",
        "{lift}门打不开，我们几个困在里面",
        "{lift}把人关住了",
        "{b}电梯困人了",
        "{who}困在{lift}里快半小时了",
        category="lift_trapped",
    ),
    s(
        SECURITY,
        SEC,
        24,
        "report",
        "我的电动车{t}在{p}被偷了",
        "放在门口的快递被人拿走了",
        "我的车{t}在{p}被人划了一道",
        "家里的自行车不见了，想看看监控",
        "停在{p}的车窗被砸了，东西丢了",
        "我家阳台晾的衣服被人偷了",
    ),
    s(
        SECURITY,
        SEC,
        16,
        "report",
        "有陌生人在楼道挨家挨户敲门推销",
        "最近晚上总有人在{p}转悠，很可疑",
        "有人冒充物业上门收费",
        "有人在{p}发小广告",
        "楼道里有个陌生人一直在拍照",
        "有人在{b}楼道乱贴小广告",
    ),
    # ---- disasters (灾害事故) ---------------------------------------------------------------
    s(
        DISASTER,
        SEC,
        18,
        "urgent",
        "{b}{f}着火了",
        "{p}起火了",
        "{u}厨房着火了，冒黑烟",
        "{p}有辆车烧起来了",
        "电动车在{b}楼道起火了",
        "{p}的垃圾桶着火了",
        "{b}有户人家阳台起火了",
        category="fire",
        extra=("，已经打119了",),
    ),
    s(
        DISASTER,
        SEC,
        14,
        "urgent",
        "{b}楼道里好大的烟",
        "{p}一直在冒烟，不知道哪里烧的",
        "闻到一股烧焦味，{b}{f}那边在冒烟",
        "{p}的垃圾房冒烟了",
        "{b}楼道全是烟，看不清路",
        category="smoke",
    ),
    s(
        DISASTER,
        SEC,
        14,
        "urgent",
        "{b}{f}的楼道好大的煤气味",
        "{u}家里闻到燃气味，是不是漏气了",
        "{b}单元门口一股臭鸡蛋味，像是煤气",
        "{u}隔壁家煤气味很重，敲门没人应",
        "燃气管道好像漏了，{p}全是味道",
        category="gas",
    ),
    s(
        DISASTER,
        ENG,
        14,
        "urgent",
        "{p}的配电箱冒火花",
        "{p}有根电线掉下来了，还带着电",
        "{u}的插座冒火花了，一股焦味",
        "{p}的路灯杆漏电，狗碰了一下就叫",
        "{b}的电表箱滋滋响还冒烟",
        category="electric",
    ),
    s(
        DISASTER,
        ENG,
        18,
        "urgent",
        "暴雨{p}进水了",
        "{b}地下室被水淹了",
        "{u}水管爆了，水喷得到处都是",
        "水漫到{lift}井里去了",
        "下大雨{p}积水都到膝盖了",
        "{u}家里进水了，地上全是水",
        "{p}的消防水管爆了，水一直在喷",
        category="flooding",
    ),
    s(
        DISASTER,
        ENG,
        12,
        "urgent",
        "{p}的围墙塌了",
        "{b}外墙瓷砖掉下来了，差点砸到人",
        "{u}{home}的吊顶掉下来了",
        "{b}门口的雨棚塌下来了",
        "{p}的广告牌被风刮倒了",
        "{p}路面塌陷了一个大坑",
        category="collapse",
    ),
    s(
        DISASTER,
        CLEAN,
        6,
        "urgent",
        "台风把{p}的树吹倒了，压到车了",
        "{p}的大树被风刮断了，横在路上",
        category="collapse",
    ),
    s(
        DISASTER,
        ENG,
        6,
        "help",
        "台风要来了，车库门口的挡水板准备好了没有",
        "这几天一直下大雨，{p}有点积水",
    ),
    s(
        DISASTER,
        CLEAN,
        5,
        "help",
        "暴雨预警了，{p}的排水沟要不要清一下",
        "台风过后{p}的树叶树枝还没清理",
    ),
    s(DISASTER, CS, 3, "help", "天气预报说有台风，麻烦提醒大家收好阳台的花盆"),
    # ---- emergency medical (急救病人) -------------------------------------------------------
    s(
        EMED,
        SEC,
        30,
        "urgent",
        "{u}有老人晕倒了",
        "{p}有人晕倒了，叫了没反应",
        "我爸突然喘不上气，帮忙叫救护车",
        "{u}家里老人心脏病犯了",
        "{p}有个小孩抽搐，口吐白沫",
        "我老婆羊水破了，要生了，快帮忙",
        "{p}有人中暑晕倒了",
        "{who}突然说胸口疼，脸都白了",
        "{u}老人昏迷了，已经打了120，麻烦到门口接一下救护车",
        "我妈在家晕过去了",
        category="medical",
    ),
    s(
        EMED,
        SEC,
        30,
        "urgent",
        "小孩从{p}的滑梯上摔下来，头流血了",
        "{b}楼梯有个老人摔倒了起不来",
        "有人在{p}被狗咬了，流了好多血",
        "装修工人从梯子上摔下来了",
        "{p}有人被车撞了",
        "{who}在家摔倒了，腿好像骨折了",
        "{lift}门夹到小孩的手了",
        "有个老人在{p}摔了一跤，站不起来",
        category="injury",
    ),
    # ---- other help (其他求助) --------------------------------------------------------------
    s(
        OTHER,
        CS,
        30,
        "help",
        "下雨了，前台能借把伞吗",
        "老人不会用手机，能帮忙交个话费吗",
        "帮我看看前台有没有我的快递",
        "能帮忙打印一份东西吗",
        "能借个推车搬点东西吗",
        "麻烦帮我给{u}的邻居带个话",
        "帮忙叫个出租车，老人要去医院复查",
        "有个老人迷路了，说是住{b}的，在前台坐着",
    ),
    s(
        OTHER,
        SEC,
        25,
        "help",
        "我家猫跑丢了，能帮忙看下监控吗",
        "钱包掉在小区里了，帮忙找找",
        "车没电了，能帮忙搭个电吗",
        "我出差了，帮忙看一下我家门有没有关好",
        "帮忙联系一下挡住我车的那个车主",
        "我把车钥匙落在{p}了，帮忙看一下",
        "帮我把这个东西转交给{u}的业主",
    ),
    s(
        OTHER,
        ENG,
        14,
        "help",
        "能借个电钻用一下吗",
        "借个打气筒给电动车打打气",
        "能借个扳手吗",
        "家里换灯泡够不着，能借个梯子吗",
    ),
    s(
        OTHER,
        CLEAN,
        12,
        "help",
        "门口的纸箱能帮忙收走吗",
        "搬家剩下的旧家具能帮忙处理一下吗",
        "{p}有只死老鼠，帮忙清一下",
        "楼道有人扔了个旧沙发，能帮忙搬走吗",
        "我家门口有一滩呕吐物，麻烦处理一下",
    ),
    # ---- paid convenience services (有偿便民服务) -------------------------------------------
    s(
        PAID,
        ENG,
        40,
        "paid",
        "家里想装个热水器，物业能帮忙安装吗",
        "想请师傅上门换个水龙头",
        "帮忙上门疏通一下下水道",
        "我想换个门锁",
        "钥匙锁屋里了，能帮忙开锁吗",
        "想装个晾衣架，你们有师傅吗",
        "空调要清洗一下，你们有没有这项服务",
        "帮忙装个窗帘杆",
        "想在墙上打几个孔挂电视",
        "家里想装个吸顶灯",
    ),
    s(
        PAID,
        CLEAN,
        30,
        "paid",
        "能上门做家政打扫吗",
        "新房开荒保洁怎么弄",
        "帮忙擦一下家里的玻璃窗",
        "抽油烟机要清洗一下",
        "沙发地毯能上门清洗吗",
        "过年想请人来家里大扫除",
        "可以帮忙除甲醛吗",
    ),
    s(
        PAID,
        CS,
        25,
        "paid",
        "能帮忙订桶装水送上楼吗",
        "搬家能帮忙联系搬家公司吗",
        "出差几天，能帮忙代收快递吗",
        "能帮忙浇几天花吗",
        "小区里可以帮忙洗车吗",
        "有没有代缴水电费的服务",
    ),
]


def h(text: str, kind: str, department: str, severity: str = "", category: str = "") -> tuple:
    return (text, kind, department, severity, category)


HANDWRITTEN: list[tuple[str, str, str, str, str]] = [
    # repair
    h("你好，我家卫生间的顶一直往下滴水，估计是楼上的管子有问题，麻烦过来看看", REPAIR, ENG),
    h("师傅，我们这栋的电梯又停了，按哪个键都没反应", REPAIR, ENG),
    h("厨房水池下面那根管子接头松了，水滋滋往外冒，我先把阀门关了", REPAIR, ENG),
    h("三号楼二单元一楼的大门关不上了，风一吹就开，晚上不安全", REPAIR, ENG),
    h("地下车库B区那排灯全黑了，停车看不见", REPAIR, ENG),
    h("我家马桶水箱一直在流水，停不下来，水费要交死了", REPAIR, ENG),
    h("阳台地漏返水，洗衣机一排水阳台就淹了", REPAIR, ENG),
    h("12栋的门禁坏了，刷卡刷了半天门都不开，我在门口进不去", REPAIR, ENG),
    h("家里的电闸老是跳，晚上做饭一开电磁炉就跳闸", REPAIR, ENG),
    h("楼道的感应灯坏了快一个礼拜了，老人上下楼摸黑", REPAIR, ENG),
    h("车库出口那个杆子抬不起来了，后面车排了一长串", REPAIR, ENG),
    h("我家窗户的把手掉了，窗户关不上", REPAIR, ENG),
    h("7幢顶楼那户说天花板发霉渗水，让你们去看看防水", REPAIR, ENG),
    h("儿童乐园那个秋千的链子快断了，小孩玩很危险", REPAIR, ENG),
    h("热水器打不着火，一直咔咔响就是不出热水", REPAIR, ENG),
    h("电梯里的按键12楼那个按不亮，每次要按好几下", REPAIR, ENG),
    h("我家墙上的插座松了，一插插头就晃，有点怕", REPAIR, ENG),
    h("小区东门的人行闸机刷脸刷不上", REPAIR, ENG),
    h("水压太小了，楼上几户都说早上洗漱水出不来", REPAIR, ENG),
    h("露台下水口被树叶堵住了，一下雨就积一大滩水", REPAIR, ENG),
    h("三栋那个电悌，门老是关一半又打开", REPAIR, ENG),
    h("楼顶水箱那里一直有哗哗的水声，是不是浮球坏了", REPAIR, ENG),
    h("中心花园的路灯有三四个不亮", REPAIR, ENG),
    h("门口信报箱的小门掉了", REPAIR, ENG),
    h("我屋头厕所冲水按钮按下去弹不起来", REPAIR, ENG),
    h("咱家厨房那水龙头拧不紧，老滴答", REPAIR, ENG),
    h("B2车库顶上有根管子在滴水，刚好滴在我车上", REPAIR, ENG),
    h("垃圾房的门坏了关不上，野猫老进去翻", REPAIR, ENG),
    h("楼道消防箱的玻璃碎了", REPAIR, ENG),
    h("喂，我系5座嘅，我屋企冇热水啊，点算", REPAIR, ENG),
    h("俺家那个暖气片不热乎，摸着冰凉", REPAIR, ENG),
    h("物业，我屋头的水表转得飞快，屋里又没人用水，是不是哪里漏了", REPAIR, ENG),
    h("门卫大爷，我们楼的电梯又趴窝了", REPAIR, ENG),
    h("阿拉屋里厢的电灯一闪一闪，是不是线路有问题", REPAIR, ENG),
    h("2号楼楼顶的避雷针歪了，看着快倒的样子", REPAIR, ENG),
    h("单元门的对讲屏花屏了，看不清是谁按的", REPAIR, ENG),
    h("我家主卧的窗户滑轮坏了，推不动", REPAIR, ENG),
    h("地库的排水沟盖板缺了一块，车轮子容易卡进去", REPAIR, ENG),
    h("小区里充电桩扫码没反应，充不上电", REPAIR, ENG),
    h("十栋楼下那个垃圾桶轮子掉了，歪在那里", REPAIR, CLEAN),
    # complaints
    h(
        "我真的受不了了，楼道的垃圾三天没人收，臭得上不了楼，你们保洁到底有没有上班",
        COMPLAINT,
        CLEAN,
        IMPORTANT,
    ),
    h(
        "上个月报修的漏水到现在都没修好，每次打电话都说马上来，已经一个多月了，我要投诉到你们公司",
        COMPLAINT,
        ENG,
        MAJOR,
    ),
    h("你们保安大半夜在岗亭里打牌，声音大得我在楼上都听得见", COMPLAINT, SEC, IMPORTANT),
    h("物业费又涨了，问也没人解释，一天到晚就知道收钱", COMPLAINT, MGT, IMPORTANT),
    h("前台那个姑娘跟我说话阴阳怪气的，什么服务态度", COMPLAINT, CS, IMPORTANT),
    h("小区里就那么几个车位，天天抢，能不能想想办法", COMPLAINT, SEC, MINOR),
    h("我家车停在地库，被你们物业的清洗车刮了一道，谁负责", COMPLAINT, CLEAN, MAJOR),
    h("给你们打了三次电话说楼上装修太吵，一点用都没有", COMPLAINT, CS, IMPORTANT),
    h("你们那个回访电话我都没接到过，系统里怎么就显示满意了", COMPLAINT, QUA, IMPORTANT),
    h("投诉交了两个礼拜了，一个答复都没有，你们品质部是摆设吗", COMPLAINT, QUA, IMPORTANT),
    h("电梯一个月坏了四次，每次都说修好了，修好个鬼，今天还把我关了十分钟", COMPLAINT, ENG, MAJOR),
    h("物业管理费明细从来不公开，业主有权知道钱花哪去了", COMPLAINT, MGT, IMPORTANT),
    h("交了三年物业费，小区绿化越来越差，草都秃了", COMPLAINT, CLEAN, IMPORTANT),
    h("门口那个保安又不让外卖进，我的外卖在门口放凉了", COMPLAINT, SEC, MINOR),
    h("这个月水费账单明显不对，比平时多了一倍，你们是不是抄错了", COMPLAINT, FIN, IMPORTANT),
    h("跟你们说了无数次了，地下车库的排风扇不开，闷得要死", COMPLAINT, ENG, IMPORTANT),
    h("维修师傅来了说没带工具，明天再来，明天又没来", COMPLAINT, ENG, IMPORTANT),
    h("小区健身器材太少了，早上老人都要排队", COMPLAINT, MGT, MINOR),
    h("这么热的天，大堂空调都不开，你们是省电费吗", COMPLAINT, ENG, IMPORTANT),
    h("你们收了装修押金，装完半年了还不退", COMPLAINT, FIN, MAJOR),
    h("楼下烧烤店油烟熏得我家窗户都不敢开", COMPLAINT, CS, MINOR),
    h("我在业主群里@物业好几次了，没有一个人回", COMPLAINT, CS, IMPORTANT),
    h("保洁大姐把我家门口的鞋柜挪走了也不说一声", COMPLAINT, CLEAN, IMPORTANT),
    h("同一个问题反映了五六次，每次都说转给相关部门，转来转去没人管", COMPLAINT, MGT, MAJOR),
    h("快递柜开始收费了，以前都免费的，凭什么", COMPLAINT, CS, MINOR),
    h("夜里十二点还有人在中心花园跳广场舞，音响开好大", COMPLAINT, SEC, MINOR),
    h("你们的人修完电梯把电梯里弄得全是油污", COMPLAINT, ENG, IMPORTANT),
    h(
        "小区门口路灯一直不亮，我上个月就报过了，到现在还是黑的，出了事谁负责",
        COMPLAINT,
        ENG,
        IMPORTANT,
    ),
    h("停车费每个月都在涨，合同里可没这么写", COMPLAINT, FIN, IMPORTANT),
    h("我女儿在小区滑板车道摔了，那块地砖翘起来好久了你们都不修", COMPLAINT, ENG, MAJOR),
    h("请贵公司对管家小刘的服务态度进行调查，本人多次联系均被敷衍", COMPLAINT, CS, IMPORTANT),
    h(
        "致管理处：本楼栋自去年以来外墙渗水问题多次反映未果，望尽快给予书面答复",
        COMPLAINT,
        ENG,
        MAJOR,
    ),
    h("晚上十点了还在楼上装修砸墙，这是不是违规，你们管不管", COMPLAINT, CS, IMPORTANT),
    h("物业群里通知的消杀时间跟实际根本对不上，我家狗差点吃了药", COMPLAINT, CLEAN, IMPORTANT),
    h("你们客服热线一直占线，打了半小时没打进去", COMPLAINT, CS, IMPORTANT),
    h("小区的监控好多都是摆设，我车被划了调监控啥也看不到", COMPLAINT, SEC, IMPORTANT),
    h("水质有问题，烧开的水有白色沉淀，二次供水水箱多久没洗了", COMPLAINT, ENG, IMPORTANT),
    h("电梯广告屏声音太大了，每次坐电梯都被吵", COMPLAINT, MGT, MINOR),
    h("投诉处理完了也没人告诉我结果，还是我自己打电话问的", COMPLAINT, QUA, IMPORTANT),
    h("物业经理换了三个了，每换一个就说一套，之前答应的事都不认了", COMPLAINT, MGT, MAJOR),
    h("恁这物业咋回事，草坪上的狗屎一个礼拜都没人管", COMPLAINT, CLEAN, IMPORTANT),
    h("楼上那家天天往楼下倒水，晒的被子都湿了", COMPLAINT, CS, MINOR),
    h("有人在消防通道停车，堵得死死的，消防车都进不来", COMPLAINT, SEC, MINOR),
    h("电梯里有人养的狗拉屎了，没人清理", COMPLAINT, CLEAN, MINOR),
    h("车库里面一辆车的警报一直响，都响了半个小时了", COMPLAINT, SEC, MINOR),
    h("小区东边工地晚上施工，吵得睡不着", COMPLAINT, MGT, MINOR),
    h("楼上那家空调滴水，滴在我家雨棚上哒哒响一晚上", COMPLAINT, CS, MINOR),
    h("小区里遛狗不牵绳的太多了，狗把小孩吓哭了", COMPLAINT, SEC, MINOR),
    h("你们的保洁天天早上六点就开始用吹叶机，吵死人", COMPLAINT, CLEAN, IMPORTANT),
    h("交了钱说三天办好车位卡，这都十天了", COMPLAINT, FIN, IMPORTANT),
    h(
        "我去年就投诉过楼顶漏水，你们说修好了，今年一下雨又漏，一年了都没弄好",
        COMPLAINT,
        ENG,
        MAJOR,
    ),
    h("保安巡逻骑电动车在小区里开得飞快，差点撞到我家孩子", COMPLAINT, SEC, IMPORTANT),
    h("快递员把快递随便扔在单元门口，丢了好几次了，你们也不管管", COMPLAINT, CS, MINOR),
    h("物业办公室中午没人，下午两点才开门，办事太不方便", COMPLAINT, CS, MINOR),
    # consultations
    h("请问下这个月的物业费可以用支付宝交不", CONSULT, FIN),
    h("想问一下小区停车位出租多少钱一个月", CONSULT, FIN),
    h("家里准备装修，需要到哪里办手续，要交什么押金", CONSULT, ENG),
    h("明天几点停水啊，要停多久，我得提前接点水", CONSULT, CS),
    h("租的房子，房东不在，门禁卡能以租户的名义办吗", CONSULT, CS),
    h("我家狗狗能不能坐电梯？有没有什么规定", CONSULT, CS),
    h("请问业委会选举我们业主怎么参加", CONSULT, MGT),
    h("问一下，发票是电子的还是纸质的，多久能开出来", CONSULT, FIN),
    h("过年快递还收不收，前台能放几天", CONSULT, CS),
    h("家里想换个防盗窗，小区有统一样式要求吗", CONSULT, ENG),
    h("垃圾分类厨余垃圾是每天几点收啊", CONSULT, CLEAN),
    h("小区里有没有可以给电动汽车充电的桩子", CONSULT, CS),
    h("外地亲戚开车过来住几天，车能进小区吗，怎么收费", CONSULT, SEC),
    h("咱小区的物业合同是签到哪年的", CONSULT, MGT),
    h("想了解下你们的服务标准，比如保洁一天打扫几次", CONSULT, QUA),
    h("我有个建议，应该放哪个意见箱", CONSULT, QUA),
    h("请问物业费里包不包括电梯维护费", CONSULT, FIN),
    h("装修可以在周末施工吗", CONSULT, ENG),
    h("大件家具要扔，放哪儿合适，要收费吗", CONSULT, CLEAN),
    h("新业主入住要准备哪些材料", CONSULT, CS),
    h("公共收益账目在哪里能查到", CONSULT, MGT),
    h("游泳池啥时候开放，要办卡不", CONSULT, CS),
    h("晚上几点以后小区大门就关了？我下夜班回来怎么进", CONSULT, SEC),
    h("停电通知说周三检修，几点能来电呀", CONSULT, CS),
    h("这个月的电费咋这么多，能帮忙查查是怎么算的吗", CONSULT, FIN),
    h("我想问问小区有没有老年活动室，白天能不能去打牌", CONSULT, CS),
    h("能不能帮我查一下我家这个季度物业费交了没有", CONSULT, FIN),
    h("你好，我想办理车位租赁，需要什么手续", CONSULT, FIN),
    h("二次装修要不要重新交押金", CONSULT, ENG),
    h("听说要换物业公司了，是真的吗", CONSULT, MGT),
    # security incidents
    h("快来人，有个男的在车库一辆一辆拉车门，看着像偷东西的", SECURITY, SEC, "", "theft"),
    h("我的电动车电瓶昨晚被人偷了，放在5栋车棚", SECURITY, SEC),
    h("刚才有个人跟着我进了单元门，一直在楼道里转，我有点怕", SECURITY, SEC),
    h("地下车库两个司机因为刮车吵起来了，都要动手了", SECURITY, SEC, "", "fight"),
    h("电梯关人了！3栋2单元，里面有个老太太", SECURITY, ENG, "", "lift_trapped"),
    h("我在电梯里，电梯突然停了，门打不开，快来人啊", SECURITY, ENG, "", "lift_trapped"),
    h("有人冒充燃气公司的上门说要检查收费，是你们安排的吗", SECURITY, SEC),
    h("家里被盗了，门锁被撬，我刚下班回来发现的", SECURITY, SEC, "", "theft"),
    h("醉汉在8栋门口砸东西骂人，保安快来", SECURITY, SEC, "", "fight"),
    h("车停在小区里，早上起来发现四个轮子被人卸了", SECURITY, SEC),
    h("楼下有人吵架吵得很凶，女的一直在哭喊救命", SECURITY, SEC, "", "fight"),
    h("有人从楼上往下扔酒瓶子，砸在车上了", SECURITY, SEC, "", "collapse"),
    h("门口停着一辆车好几天没动了，里面好像有股怪味", SECURITY, SEC),
    h("刚才有人在我家门口鬼鬼祟祟的撬猫眼", SECURITY, SEC, "", "theft"),
    h("6号楼的电梯卡住了，我女儿在里面，打电话都快哭了", SECURITY, ENG, "", "lift_trapped"),
    h("电梯突然往下掉了一截然后不动了，我们三个人还在里面", SECURITY, ENG, "", "lift_trapped"),
    h("有个人一直在停车场试着开别人的车门", SECURITY, SEC, "", "theft"),
    h("昨天晚上有人把我家门口的监控摄像头拆走了", SECURITY, SEC),
    # disasters
    h("5栋18楼那家阳台冒黑烟了，好像着火了，快来", DISASTER, SEC, "", "fire"),
    h("地库B区有股很浓的汽油味，不知道哪辆车漏油了", DISASTER, SEC, "", "gas"),
    h("外面下暴雨，车库入口的水都往里灌，快来挡一下", DISASTER, ENG, "", "flooding"),
    h("楼上不知道哪家水管爆了，水从楼道一直流到一楼", DISASTER, ENG, "", "flooding"),
    h("台风把我家阳台的玻璃吹碎了，玻璃渣掉楼下了", DISASTER, ENG, "", "collapse"),
    h("闻到好重的烧焦味，好像是配电房那边传来的", DISASTER, SEC, "", "smoke"),
    h("3号楼楼道一股煤气味，熏得头晕", DISASTER, SEC, "", "gas"),
    h("小区门口那棵大树被风刮断了，横在路中间", DISASTER, CLEAN, "", "collapse"),
    h("二单元门口的电线杆子歪了，电线都快挨地了", DISASTER, ENG, "", "electric"),
    h("暴雨天地下室的配电房进水了，要赶紧断电啊", DISASTER, ENG, "", "flooding"),
    h("厨房油锅起火了，我用锅盖盖住了，现在还有烟", DISASTER, SEC, "", "fire"),
    h("隔壁家一直有烟从门缝里冒出来，敲门没人应", DISASTER, SEC, "", "smoke"),
    h("台风预警，车库入口的沙袋你们准备了吗", DISASTER, ENG),
    h("昨晚台风刮倒的树枝还横在路上，今天还没人清", DISASTER, CLEAN),
    h("电梯井里有水，好像是楼上漏下来的，电梯还在运行", DISASTER, ENG, "", "flooding"),
    h("变电箱那里砰的一声，整栋楼都黑了，还有股焦味", DISASTER, ENG, "", "electric"),
    h("地下车库有辆电动车在充电的时候烧起来了", DISASTER, SEC, "", "fire"),
    # emergency medical
    h("我家老爷子在卫生间摔倒了，叫他不应，快来帮忙", EMED, SEC, "", "injury"),
    h("9栋1502有个老人突然说不出话，嘴歪了，是不是中风", EMED, SEC, "", "medical"),
    h("游泳池有个小孩呛水了，救上来了但是一直咳", EMED, SEC, "", "medical"),
    h("快叫救护车，大门口有个骑电动车的摔了，满脸是血", EMED, SEC, "", "injury"),
    h("我老婆怀孕八个月，肚子疼得厉害，能不能帮忙送医院", EMED, SEC, "", "medical"),
    h("楼下有个大爷躺在地上一动不动", EMED, SEC, "", "medical"),
    h("我儿子被蜜蜂蛰了好几个包，脸都肿了", EMED, SEC, "", "injury"),
    h("家里老人血压高得很，头晕站不住", EMED, SEC, "", "medical"),
    h("快来人，中心花园有小孩掉进水池里了", EMED, SEC, "", "injury"),
    h("保洁阿姨在擦玻璃，从梯子上摔下来了", EMED, SEC, "", "injury"),
    h("有个外卖小哥在车库被车撞了，腿动不了", EMED, SEC, "", "injury"),
    h("隔壁老太太说心口痛，喘不上气，家里就她一个人", EMED, SEC, "", "medical"),
    h("救命啊，5栋有人要跳楼，站在楼顶边上", EMED, SEC, "", "medical"),
    h("3栋1单元楼道有人倒在地上，满身酒气，叫不醒", EMED, SEC, "", "medical"),
    h("我爸糖尿病，刚才突然浑身冒冷汗说不出话", EMED, SEC, "", "medical"),
    # other help
    h("家里灯泡坏了，老人够不着，能不能借个梯子", OTHER, ENG),
    h("我钱包好像掉在篮球场那边了，能帮忙找一下吗", OTHER, SEC),
    h("车没电打不着了，保安那边有没有搭电线", OTHER, SEC),
    h("我出门忘了关窗，要下雨了，能不能帮我看一下", OTHER, SEC),
    h("老人一个人在家，我联系不上，麻烦帮忙上门看看", OTHER, SEC),
    h("有个快递写错地址送到我家了，是12栋的，能放前台吗", OTHER, CS),
    h("下大雨了，前台能借把伞吗，我就在大堂", OTHER, CS),
    h("能帮我复印一张身份证吗", OTHER, CS),
    h("门口的旧纸箱太多了，能叫保洁阿姨来收一下吗", OTHER, CLEAN),
    h("我家猫从阳台跑出去了，橘色的，看到麻烦联系我", OTHER, SEC),
    h("有个外国租客有事找物业，能帮忙翻译一下吗", OTHER, CS),
    h("帮忙联系一下挡住我车的那个车主，车牌粤B12345", OTHER, SEC),
    h("轮椅能借用一下吗，家里老人要下楼", OTHER, CS),
    h("能帮忙代缴一下燃气费吗，我不会弄", OTHER, CS),
    h("孩子的自行车链子掉了，保安叔叔能帮忙弄一下吗", OTHER, SEC),
    # paid services
    h("家里空调好久没洗了，你们能上门清洗吗，怎么收费", PAID, ENG),
    h("钥匙反锁在屋里了，有没有开锁师傅，多少钱都行", PAID, ENG),
    h("新房子想做个开荒保洁，大概多少钱", PAID, CLEAN),
    h("想装个智能门锁，你们物业能装吗", PAID, ENG),
    h("下水道堵了，我知道户内的要收费，你们派个人来通一下吧", PAID, ENG),
    h("过年前想请个阿姨把家里里外外打扫一遍", PAID, CLEAN),
    h("能帮忙送两桶水上来吗，12栋1801", PAID, CS),
    h("我要搬家，物业有没有推荐的搬家师傅", PAID, CS),
    h("阳台的晾衣架想换个电动的，你们能安装吗", PAID, ENG),
    h("油烟机太脏了，有没有上门清洗的，报个价", PAID, CLEAN),
    h("出差一个礼拜，能帮我家的花浇浇水吗，付费的", PAID, CS),
    h("想在家门口装个监控摄像头，你们有没有人能装", PAID, ENG),
    h("地毯和沙发能上门清洗吗", PAID, CLEAN),
    h("家里要挂几幅画，要打孔，你们师傅有空吗，收费没问题", PAID, ENG),
    h("老人行动不便，能不能每周上门帮忙打扫一次，按次收费", PAID, CLEAN),
    h("想换个马桶，你们能上门装吗，我自己买好了", PAID, ENG),
]


def _building(rng: random.Random) -> str:
    n = rng.randint(1, 12)
    form = rng.randrange(6)
    if form == 0:
        return f"{n}栋"
    if form == 1:
        return f"{n}号楼"
    if form == 2:
        return f"{CN_NUMBERS[n - 1]}栋"
    if form == 3:
        return f"{CN_NUMBERS[n - 1]}号楼"
    if form == 4:
        return f"{n}幢"
    return f"{n}栋{rng.randint(1, 3)}单元"


def _floor(rng: random.Random) -> str:
    n = rng.randint(2, 32)
    return rng.choice([f"{n}楼", f"{n}层", f"{CN_NUMBERS[n - 1]}楼" if n <= 12 else f"{n}楼"])


def _room(rng: random.Random) -> str:
    return f"{rng.randint(1, 32)}{rng.randint(1, 4):02d}"


def _unit(rng: random.Random) -> str:
    form = rng.randrange(4)
    if form == 0:
        return f"{_building(rng)}{_room(rng)}"
    if form == 1:
        return f"{_building(rng)}{_room(rng)}室"
    if form == 2:
        return f"{_room(rng)}房"
    return f"{_building(rng)}{_floor(rng)}"


def _lift(rng: random.Random) -> str:
    form = rng.randrange(4)
    if form == 0:
        return f"{_building(rng)}的电梯"
    if form == 1:
        return f"{_building(rng)}{rng.randint(1, 3)}号电梯"
    if form == 2:
        return "电梯"
    return f"{_building(rng)}电梯"


def _fill(template: str, rng: random.Random) -> str:
    slots = {
        "b": _building,
        "f": _floor,
        "room": _room,
        "u": _unit,
        "lift": _lift,
        "p": lambda r: r.choice(PUBLIC_PLACES),
        "home": lambda r: r.choice(HOME_SPOTS),
        "t": lambda r: r.choice(TIMES),
        "who": lambda r: r.choice(WHO),
        "d": lambda r: r.choice(HOW_LONG),
    }
    text = template
    for name, make in slots.items():
        token = "{" + name + "}"
        while token in text:
            text = text.replace(token, make(rng), 1)
    return text


def _roughen(text: str, rng: random.Random) -> str:
    for standard, typed in VARIANTS:
        if standard in text and rng.random() < VARIANT_RATE:
            text = text.replace(standard, rng.choice(typed), 1)
    if rng.random() < FULL_WIDTH_RATE:
        text = "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in text)
    return text


def _compose(scenario: Scenario, rng: random.Random) -> str:
    body = _fill(rng.choice(scenario.templates), rng)
    opening = rng.choice(OPENINGS[scenario.tone])
    endings = ENDINGS[scenario.tone] + list(scenario.extra_endings)
    ending = rng.choice(endings)
    if opening == "请问" or opening.endswith("请问"):
        body = body.lstrip("我")
    return _roughen(f"{opening}{body}{ending}", rng)


def build_rows() -> list[tuple[str, str, str, str, str, str, str]]:
    rng = random.Random(SEED)  # noqa: S311 - reproducible sample data, not security
    seen: set[str] = set()
    out: list[tuple[str, str, str, str, str, str, str]] = []
    for scenario in SCENARIOS:
        made, attempts = 0, 0
        while made < scenario.count and attempts < scenario.count * 50:
            attempts += 1
            text = _compose(scenario, rng)
            if text in seen:
                continue
            seen.add(text)
            made += 1
            out.append(
                (
                    text,
                    scenario.kind,
                    scenario.department,
                    scenario.severity,
                    "1" if scenario.category else "0",
                    scenario.category,
                    "template",
                )
            )
    for text, kind, department, severity, category in HANDWRITTEN:
        if text in seen:
            raise ValueError(f"duplicate hand-written report: {text}")
        seen.add(text)
        out.append(
            (text, kind, department, severity, "1" if category else "0", category, "handwritten")
        )
    return out


def render() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(build_rows())
    return buffer.getvalue()


def main() -> int:
    OUT.write_text(render(), encoding="utf-8")
    rows = build_rows()
    print(f"wrote {len(rows)} reports to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
