"""Company defaults: the escalation chain of EM-2 and a playbook per emergency kind (EM-6, EM-7).

Sites get their own copies in the admin ("save as new"); this data is frozen here and does not
import application code."""

from django.db import migrations

CHAIN = {
    "name": "默认紧急呼叫链（经理 → 分管副总 → 总经理）",
    "levels": [
        (1, "site_manager", "管理处经理", 5),
        (2, "deputy_gm", "分管副总经理", 5),
        (3, "gm", "总经理", 5),
    ],
}

# (position, branch, text, detail, records_contact, chooses_branch)
PLAYBOOKS = [
    {
        "kind": "emergency_medical",
        "name": "急救病人处置预案",
        "procedure": "《急救病人处理程序》",
        "rule": "EM-6",
        "branches": [
            {"code": "hospital", "label": "送医院"},
            {"code": "call_120", "label": "呼叫 120"},
            {"code": "short_care", "label": "派人短时看护"},
        ],
        "cautions": (
            "员工不得提供超出自身资质的医疗建议，只协助联系专业医疗救助。\n"
            "短时看护不得让一名员工单独与病人相处。\n"
            "病情严重的立即报告客服主管，轻微的事后报告；是否报告经理由主管决定。"
        ),
        "steps": [
            (1, "", "问清并记录病人所在地址（楼栋房号）和联系电话", "立项时已登记，核对无误。", True, False),
            (2, "", "询问病人意识、呼吸、有无出血等基本情况并如实记录", "只记录，不提供医疗建议。", False, False),
            (3, "", "询问住户需要哪种协助：送医院 / 呼叫 120 / 派人短时看护", "", False, True),
            (4, "hospital", "通知保安部派两名保安前往住户家中协助", "", False, False),
            (5, "hospital", "安排车辆开到楼下等候", "", False, False),
            (6, "hospital", "请家属一同随车前往医院", "", False, False),
            (7, "hospital", "到医院后协助办理挂号、取药等手续", "", False, False),
            (8, "hospital", "送医人员返回后向客服中心报告情况", "", False, False),
            (9, "call_120", "协助住户拨打 120，说明地址、病情和小区入口", "", False, False),
            (10, "call_120", "告知住户：物业人员将在小区大门口迎接救护车", "", False, False),
            (11, "call_120", "通知保安班长和门岗保安到大门口等候，开启道闸、清理通道", "", False, False),
            (12, "call_120", "保安引导救护车直达楼下，协助担架进出电梯", "", False, False),
            (13, "call_120", "救护车离开后，保安班长向客服中心报告情况", "", False, False),
            (14, "short_care", "通知保安班长安排人员前往住户家中短时看护", "", False, False),
            (15, "short_care", "看护人员至少两人，不得单独与病人相处", "", False, False),
            (16, "short_care", "看护人员与客服中心保持联系，病情变化立即呼叫 120", "", False, False),
            (17, "short_care", "家属或医护人员到场后交接，看护人员返回并报告", "", False, False),
            (18, "", "按病情报告：严重的立即报告客服主管，轻微的事后报告", "主管认为必要时报告管理处经理。", False, False),
            (19, "", "回访住户了解病人情况并记录", "", False, False),
        ],
    },
    {
        "kind": "security_incident",
        "name": "治安/突发事件应急处置预案",
        "procedure": "《保安部治安及突发事件应急处理程序》",
        "rule": "EM-7",
        "branches": [],
        "cautions": (
            "以保护住户生命安全为首要原则，不要求员工与持械人员正面冲突。\n"
            "保护现场，不得移动、触碰可能的证据。"
        ),
        "steps": [
            (1, "", "问清事发地点、事件性质（盗窃、斗殴、抢劫、凶杀、投毒等）、涉及人数、有无伤员、是否有人持械", "", False, False),
            (2, "", "通知保安当班班长带领巡逻岗赶赴现场，控制事态", "", False, False),
            (3, "", "有人员受伤的，立即拨打 120 并安排人员在大门口引导救护车", "", False, False),
            (4, "", "涉及违法犯罪的，立即拨打 110 报警，并安排人员在门口引导警车", "", False, False),
            (5, "", "通知各门岗加强出入管控，对可疑人员和车辆进行登记、拦截", "", False, False),
            (6, "", "保护现场，拉设警戒线，疏散围观人员", "", False, False),
            (7, "", "调取并保存事发时段监控录像，记录目击者姓名和联系方式", "", False, False),
            (8, "", "协助警方调查取证，如实提供情况", "", False, False),
            (9, "", "事件平息后，保安主管向客服中心书面报告处理经过", "", False, False),
        ],
    },
    {
        "kind": "disaster",
        "name": "灾害事故应急处置预案（台风、暴雨、水浸）",
        "procedure": "《保安部台风暴雨等灾害应急处理程序》",
        "rule": "EM-7",
        "branches": [],
        "cautions": "人员安全第一，禁止员工冒险进入积水带电区域或危险建筑。",
        "steps": [
            (1, "", "问清受灾位置和范围（水浸、树木倒伏、外墙或广告牌脱落等），有无人员被困或受伤", "", False, False),
            (2, "", "通知保安部、工程部负责人赶赴现场，启动防汛防风应急小组", "", False, False),
            (3, "", "有人员被困或受伤的，立即拨打 119、120 求救", "", False, False),
            (4, "", "设置警戒区域，疏散危险区域人员，禁止车辆驶入水浸车库", "", False, False),
            (5, "", "工程部视情况切断受影响区域电源、燃气，开启排水泵", "", False, False),
            (6, "", "在地下车库入口堆放沙袋、挡水板，协助住户转移低洼处车辆", "", False, False),
            (7, "", "通过广播、业主群通知住户关好门窗，远离危险区域", "", False, False),
            (8, "", "清点受损情况并拍照记录，通报保险公司及相关单位", "", False, False),
            (9, "", "灾后组织清理、消毒和修复，保安主管向客服中心报告", "", False, False),
        ],
    },
    {
        "kind": "fire",
        "name": "火警/火灾应急处置预案",
        "procedure": "《保安部消防应急处理程序》",
        "rule": "EM-7",
        "branches": [],
        "cautions": "确认火情后立即报警，不得延误。\n禁止使用电梯疏散，义务消防队不得冒险进入火场。",
        "steps": [
            (1, "", "问清报警或起火地点、楼层、燃烧物、火势大小及有无人员被困", "", False, False),
            (2, "", "通知保安班长和最近岗位保安携带灭火器立即赶往现场核实", "", False, False),
            (3, "", "确认火情后立即拨打 119，说明地址、起火部位、燃烧物和火势", "", False, False),
            (4, "", "启动消防广播，组织楼内人员经消防楼梯疏散，禁止使用电梯", "", False, False),
            (5, "", "工程部切断着火区域电源、燃气，启动消防水泵和排烟系统，电梯迫降首层", "", False, False),
            (6, "", "义务消防队使用灭火器、消火栓扑救初起火灾", "", False, False),
            (7, "", "保安在小区大门口等候并引导消防车，清理消防通道", "", False, False),
            (8, "", "有人员受伤的拨打 120，安排人员救护和引导", "", False, False),
            (9, "", "火灾扑灭后保护现场，配合消防部门调查", "", False, False),
            (10, "", "属误报的，查明原因并复位报警系统", "", False, False),
            (11, "", "保安主管向客服中心书面报告处理经过", "", False, False),
        ],
    },
    {
        "kind": "public_safety",
        "name": "公共安全事件应急处置预案",
        "procedure": "《保安部公共安全事件应急处理程序》",
        "rule": "EM-7",
        "branches": [],
        "cautions": "燃气泄漏现场严禁开关电器、使用明火和手机。",
        "steps": [
            (1, "", "问清事件地点、性质（高空坠物、构筑物倒塌风险、燃气泄漏、人员聚集等）及影响范围", "", False, False),
            (2, "", "通知保安班长和相关部门负责人赶赴现场", "", False, False),
            (3, "", "设置警戒区域，疏散危险区域内人员和车辆", "", False, False),
            (4, "", "涉及燃气泄漏的，关闭阀门、开窗通风，通知燃气公司", "", False, False),
            (5, "", "有人员受伤的拨打 120；需要时报警 110 或 119", "", False, False),
            (6, "", "工程部评估并采取临时防护措施（加固、遮挡、关闭阀门）", "", False, False),
            (7, "", "通知住户注意安全，做好解释工作", "", False, False),
            (8, "", "事件平息后，责任部门向客服中心报告处理经过", "", False, False),
        ],
    },
    {
        "kind": "accident",
        "name": "人身伤害/交通事故应急处置预案",
        "procedure": "《保安部人身伤害与交通事故处理程序》",
        "rule": "EM-7",
        "branches": [],
        "cautions": "员工不得替当事人调解赔偿或判定责任。",
        "steps": [
            (1, "", "问清事故地点、伤者人数和伤情，是否有车辆起火或漏油", "", False, False),
            (2, "", "通知保安班长赶赴现场维持秩序，放置警示标志", "", False, False),
            (3, "", "有人员受伤的立即拨打 120，保安在大门口引导救护车", "", False, False),
            (4, "", "交通事故拨打 122 报警，保护现场，不移动车辆", "", False, False),
            (5, "", "疏导现场车辆和行人，防止二次事故", "", False, False),
            (6, "", "记录当事人、车牌号、目击者及联系方式，调取监控录像", "", False, False),
            (7, "", "涉及小区设施的，工程部检查受损情况并拍照记录", "", False, False),
            (8, "", "事件平息后，保安主管向客服中心报告处理经过", "", False, False),
        ],
    },
    {
        "kind": "urgent_order",
        "name": "政府/公司领导紧急指令处置预案",
        "procedure": "《紧急指令处理程序》",
        "rule": "EM-1",
        "branches": [],
        "cautions": "",
        "steps": [
            (1, "", "记录下达指令的单位或领导、联系人及电话、指令内容和完成时限", "", False, False),
            (2, "", "立即报告管理处经理（系统逐级呼叫，直至有人确认）", "", False, False),
            (3, "", "按经理安排通知相关部门负责人，明确分工", "", False, False),
            (4, "", "每项领导指示单独立项，明确责任人和完成期限", "", False, False),
            (5, "", "跟进各项落实情况，按时向下达单位反馈", "", False, False),
            (6, "", "完成后整理资料归档", "", False, False),
        ],
    },
]


def seed(apps, schema_editor):
    EscalationChain = apps.get_model("emergencies", "EscalationChain")
    EscalationLevel = apps.get_model("emergencies", "EscalationLevel")
    Playbook = apps.get_model("emergencies", "Playbook")
    PlaybookStep = apps.get_model("emergencies", "PlaybookStep")
    if not EscalationChain.objects.filter(site__isnull=True).exists():
        chain = EscalationChain.objects.create(site=None, name=CHAIN["name"], is_active=True)
        for position, role, label, minutes in CHAIN["levels"]:
            EscalationLevel.objects.create(
                chain=chain, position=position, role=role, label=label, timeout_minutes=minutes
            )
    for spec in PLAYBOOKS:
        if Playbook.objects.filter(site__isnull=True, kind=spec["kind"]).exists():
            continue
        playbook = Playbook.objects.create(
            site=None,
            kind=spec["kind"],
            name=spec["name"],
            procedure=spec["procedure"],
            rule=spec["rule"],
            branches=spec["branches"],
            cautions=spec["cautions"],
            is_active=True,
        )
        PlaybookStep.objects.bulk_create(
            [
                PlaybookStep(
                    playbook=playbook,
                    position=position,
                    branch=branch,
                    text=text,
                    detail=detail,
                    records_contact=records_contact,
                    chooses_branch=chooses_branch,
                )
                for position, branch, text, detail, records_contact, chooses_branch in spec[
                    "steps"
                ]
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("emergencies", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
