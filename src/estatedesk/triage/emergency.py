"""The rule half of the high-recall emergency detector (EM-1).

A curated list of phrases per category, written the way residents say them (variants, typos
and dialect are folded first by ``text.fold``). Rules are checked in a fixed order, so a report
that matches several categories names the most specific danger: "配电箱冒烟" is an electric
danger before it is smoke. The model half lives in ``classifier``; a report is an emergency
when either half fires, and the hit says which category fired and why (the matched phrase).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from estatedesk.triage.enums import EmergencyCategory, HitSource
from estatedesk.triage.text import fold

# A short gap inside one clause: up to n characters that are not clause punctuation.
_GAP = r"[^，。,.!！?？；;]"


def _gap(n: int) -> str:
    return f"{_GAP}{{0,{n}}}"


def _clause(n: int) -> str:
    """Up to n characters that may cross a comma but not the end of a sentence."""
    return f"[^。.!！?？]{{0,{n}}}"


# Heavy things whose fall is a danger (墙皮 flaking is a repair, so bare 墙 is not listed).
HEAVY = (
    "瓷砖|外墙|墙砖|砖头|玻璃|吊顶|广告牌|招牌|树枝|大树|树(?!叶)|空调外机|花盆|雨棚|窗户|窗框|"
    "窗扇|石头|水泥块|钢管|脚手架|墙体|围墙|顶棚|灯箱|路灯"
)
# Who can be trapped in a lift (the reporter included).
PEOPLE = "人|小孩|孩子|老人|老太太|老爷子|小朋友|业主|工人|我|我们|我妈|我爸|老婆|老公|宝宝|他|她"
# Who falls ill or gets hurt; no bare 人, which sits inside 别人/家人 and unrelated clauses.
PATIENT = (
    "老人|老太太|老爷子|小孩|孩子|小朋友|宝宝|病人|老伴|工人|我妈|我爸|爷爷|奶奶|外婆|外公|"
    "婆婆|公公|有人|那人|这人|男的|女的|他|她"
)

RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        EmergencyCategory.FIRE,
        (
            r"(?<!打不)(?<!点不)(?<![打点])着(了)?火",
            r"起火|失火|火警(?!误报)|火情|火势|火苗|明火|大火|火光",
            r"火灾(?!报警|隐患|保险|演练|险)",
            r"烧(起来|着了|了起来)|燃(起来|烧起来)",
            r"冒火(?!花)",
        ),
    ),
    (
        EmergencyCategory.ELECTRIC,
        (
            r"漏电(?!保护|开关|保护器)|触电|电击|被电(到|了一下|伤)|电到(人|我|手|小孩|孩子)",
            r"冒火花|打火花|火花",
            r"电线" + _gap(4) + r"(裸露|掉下|掉地|断了|烧|冒|挨地|拖地|垂)",
            r"(电箱|电表箱|配电箱|配电房|配电柜|插座|插头|电线|变压器|电闸|电缆|电表)"
            + _gap(4)
            + r"(冒烟|烧焦|火花|冒火|爆|炸|滋滋|噼啪|砰|嘭|巨响)",
            r"高压线" + _gap(4) + r"(断|掉|垂)",
        ),
    ),
    (
        EmergencyCategory.GAS,
        (
            r"(煤气|燃气|天然气|液化气|瓦斯)" + _gap(5) + r"(味|泄漏|泄露|漏了|外泄|臭|漏出)",
            r"(?<!胎)(?<!空调)漏气",
            r"臭鸡蛋味|一氧化碳|煤气中毒|汽油味|柴油味",
        ),
    ),
    (
        EmergencyCategory.SMOKE,
        (
            r"冒(黑|白|浓)?烟|浓烟|黑烟|起烟|烟雾(?!报警|探测|感应|器)",
            r"(?<!油)(好大的烟|烟好大|烟很大|烟太大|全是烟|都是烟|满是烟)",
            r"烧焦|焦味|糊味|焦糊",
            r"烟" + _gap(6) + r"冒(出来|出)",
        ),
    ),
    (
        EmergencyCategory.LIFT_TRAPPED,
        (
            r"困电梯|电梯困|电梯关人|电梯夹人",
            r"电梯" + _gap(12) + r"(被困|困人|关人|困住|关住|锁住|出不来|关在里|困在里|卡在里)",
            # "电梯卡在六楼，里面有小孩": the people may be named in the next clause.
            r"电梯"
            + _gap(12)
            + r"(困|关|卡|停|坏|不动|打不开|掉|故障)"
            + _clause(16)
            + r"((里面|里头|里边)有(个|几个|一个|两个)?("
            + PEOPLE
            + r")|(还)?(在|困在|关在|卡在)(里面|里头|里边))",
            r"在电梯(里|里面|内)" + _clause(16) + r"(停|打不开|不动|出不去|出不来|卡住|困)",
            r"(" + PEOPLE + r")" + _gap(6) + r"(被困|困在|关在|卡在|锁在)" + _gap(10) + r"电梯",
        ),
    ),
    (
        EmergencyCategory.COLLAPSE,
        (
            r"倒塌|坍塌|塌方|塌陷|塌(了|下来|掉)|垮(了|下来|塌)",
            r"(" + HEAVY + r")" + _gap(6) + r"(掉下来|掉下去|砸|落下来|坠落|倒了|倒下|塌)",
            r"砸(到|伤|中|在)" + _gap(2) + r"(人|车|头|身上|小孩|孩子)?",
            r"高空坠物|(吹|刮)(倒|塌|断|掉|飞|碎|落)",
        ),
    ),
    (
        EmergencyCategory.FLOODING,
        (
            r"水浸|浸水|水淹|淹(了|到|没|进)|被淹|水漫|漫(出来|进|到)|倒灌|灌进|往里灌|爆管",
            r"(水管|管子|管道|水表|阀门|总阀|水龙头)" + _gap(3) + r"(爆|裂开|崩|飙水|喷)",
            r"水" + _gap(3) + r"喷(?!池|头|壶)|喷水(?!池|头|壶)",
            r"(车库|地下室|家里|屋里|房间|电梯井|电梯|配电房|大堂|一楼|负一|负二|商铺)"
            + _gap(4)
            + r"进(了)?水",
            r"积水" + _gap(6) + r"(深|膝|腰|没过|漫|淹)",
            r"发大水|全是水|到处都是水|一地的水|水流成河",
            r"(暴雨|大雨|下雨|台风)" + _gap(10) + r"(进(了)?水|积水|淹|倒灌)",
            r"电梯井" + _gap(3) + r"(有|进|全是|积|都是)(了)?水",
        ),
    ),
    (
        EmergencyCategory.FIGHT,
        (
            r"打架|打起来|打人|动手|斗殴|群殴|打群架|互殴|扭打|撕打|厮打|打成一团",
            r"(持|拿|拿着|掏出|举着)"
            + _gap(2)
            + r"(刀|棍|棒|铁棍|砍刀|凶器)|动刀|砍人|砍伤|捅人|捅伤",
            r"威胁要(杀|砍|弄死)|砸东西|砸门|砸车|闹事|耍酒疯|发酒疯|喊救命|呼救",
        ),
    ),
    (
        EmergencyCategory.THEFT,
        (
            r"有人(正)?在" + _gap(8) + r"(偷|撬|盗|翻东西|剪" + _gap(4) + r"锁)",
            r"(正在|还在)(偷|撬|盗)",
            r"小偷|窃贼|有贼|抓贼",
            r"(?<!被)撬(?!了)",
            r"抢劫|抢包|抢东西|抢钱|抢手机|打劫|入室",
            r"翻(墙|窗|阳台|栏杆|围墙)(进|进来|进去|爬进)",
            r"(拉|开|试)别人(家|的)?(车门|车|门)|一辆一辆(拉|开|试)|挨(个|家)(拉|开|试|撬)",
            r"(家|屋|房子)里?(被盗|进贼|进了贼|进小偷|进了小偷|遭贼|失窃)|(门|锁|窗)被撬",
        ),
    ),
    (
        EmergencyCategory.INJURY,
        (
            r"受(了)?伤|流血|出血|见血|血流|是血|满脸血|一身血|血淋淋|好多血|头破|骨折|脑震荡",
            r"(?<!差点|险些)(摔(伤|断|破|倒|下来|了一跤)|跌(倒|伤|下来)|绊倒|滑倒)",
            r"撞(伤|倒)(了)?人|被车撞|被(狗|猫)咬|咬伤|烫伤|烧伤|割伤|砸伤",
            r"夹(到|伤|住)(了)?(手|脚|人|小孩|孩子|腿)",
            r"起不来|站不起来|爬不起来",
            r"被(蜜蜂|马蜂|蜂|虫)(蛰|蜇|叮)",
            r"(" + PATIENT + r")" + _gap(4) + r"(掉下|摔下|坠落|跌落|掉进)",
        ),
    ),
    (
        EmergencyCategory.MEDICAL,
        (
            r"晕倒|昏倒|晕过去|昏过去|昏迷|不省人事|休克|叫不醒|没(有)?意识",
            r"("
            + PATIENT
            + r")"
            + _gap(4)
            + r"没(有)?(反应|呼吸|气了)|叫(了半天|了|都|也)?(不醒|不应)",
            r"喘不(上|过)气|呼吸困难|没(有)?呼吸|心脏病|心梗|心绞痛|胸口(痛|疼|闷)|中风|脑梗",
            r"抽搐|口吐白沫|羊水破|要生了|吃错药|中毒|割腕|想不开|跳楼",
            r"急救|救护车|(?<![0-9])120(?![0-9])|快不行了|人不行了|中暑|高烧|救命",
            r"呛水|溺水|送(去|到)?医院|一动不动|倒在地上|躺在地上",
            r"站不住|站不稳|说不出话|冒冷汗|嘴歪|浑身发抖|(脸|嘴唇)(色)?发紫|低血糖|过敏.{0,4}(肿|喘)",
        ),
    ),
)

_COMPILED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile("|".join(f"(?:{p})" for p in patterns))) for category, patterns in RULES
)


@dataclass(frozen=True)
class EmergencyHit:
    """Which emergency category fired and why: the matched phrase (rule) or the n-gram that
    weighed most (model), with the source and a confidence (1.0 for a rule)."""

    category: str
    phrase: str
    source: str
    confidence: float

    @property
    def label(self) -> str:
        return str(EmergencyCategory(self.category).label)


def detect(text: str) -> EmergencyHit | None:
    """The first category (in ``RULES`` order) whose phrases occur in ``text``, or None."""
    folded = fold(text)
    for category, pattern in _COMPILED:
        match = pattern.search(folded)
        if match:
            return EmergencyHit(
                category=category, phrase=match.group(0), source=HitSource.RULE, confidence=1.0
            )
    return None
