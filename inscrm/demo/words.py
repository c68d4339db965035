"""The vocabulary of the demo data: Jiaxing's districts and towns, names, firms, cars, causes.

Real place names and area codes of Jiaxing (嘉兴市, plate 浙F); everything else is invented.
"""

# district -> (resident ID area code, county-level prefix of firm names, towns and streets)
DISTRICTS = {
    "南湖区": ("330402", "嘉兴市", (
        "新丰镇", "凤桥镇", "余新镇", "大桥镇", "七星街道", "解放街道", "建设街道", "南湖街道",
        "新嘉街道", "东栅街道", "城南街道",
    )),
    "秀洲区": ("330411", "嘉兴市", (
        "王江泾镇", "油车港镇", "新塍镇", "王店镇", "洪合镇", "新城街道", "嘉北街道",
        "塘汇街道", "高照街道",
    )),
    "嘉善县": ("330421", "嘉善县", (
        "西塘镇", "姚庄镇", "陶庄镇", "干窑镇", "天凝镇", "大云镇", "魏塘街道", "罗星街道",
        "惠民街道",
    )),
    "海盐县": ("330424", "海盐县", (
        "武原街道", "沈荡镇", "澉浦镇", "通元镇", "百步镇", "于城镇", "秦山街道", "望海街道",
        "西塘桥街道",
    )),
    "海宁市": ("330481", "海宁市", (
        "硖石街道", "长安镇", "许村镇", "盐官镇", "袁花镇", "斜桥镇", "黄湾镇", "周王庙镇",
        "丁桥镇", "海洲街道", "海昌街道", "马桥街道",
    )),
    "平湖市": ("330482", "平湖市", (
        "当湖街道", "乍浦镇", "新埭镇", "独山港镇", "新仓镇", "广陈镇", "林埭镇", "钟埭街道",
        "曹桥街道",
    )),
    "桐乡市": ("330483", "桐乡市", (
        "梧桐街道", "乌镇镇", "濮院镇", "崇福镇", "洲泉镇", "石门镇", "河山镇", "大麻镇",
        "屠甸镇", "凤鸣街道", "龙翔街道", "高桥街道",
    )),
}
# share of the population (roughly the resident counts of 2020)
DISTRICT_WEIGHTS = {"南湖区": 16, "秀洲区": 13, "嘉善县": 12, "海盐县": 8, "海宁市": 20,
                    "平湖市": 13, "桐乡市": 18}
# born elsewhere in Zhejiang or in the usual home provinces of Jiaxing's migrants
OTHER_AREA_CODES = ("330102", "330106", "330502", "330521", "330681", "330782", "341221",
                    "342401", "410522", "513022", "360722", "320582")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严武戴莫孔汤俞屠褚费"
)
# the commonest first, Zipf-like; Zhejiang names run more to 沈, 钱, 陆, 顾, 朱, 徐, 俞 …
_LOCAL_SURNAMES = "沈钱陆顾朱徐俞褚屠费"
SURNAME_WEIGHTS = tuple(0.06 if c in _LOCAL_SURNAMES else 1 / (k + 6)
                        for k, c in enumerate(SURNAMES))

GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞建国峰宇浩俊文博志东海林晨阳春雷振兴德良荣庆永"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞英玲燕婷雪琳颖洁慧红萍梅丹倩佳欣怡晶秀兰琴云凤月美蓉莉妍婉"

FIRM_WORDS = "恒润华盛永鑫宏达丰泰新富源隆嘉和瑞祥昌兴联创佳美金天宇中博荣信诚通远亿康明"
FIRM_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")
# industry -> (what the firm's name says, its weight, whether it ships goods)
INDUSTRIES = {
    "纺织业": ("纺织", 12, True),
    "服装制造": ("服饰", 9, True),
    "皮革制品": ("皮革制品", 7, True),
    "经编": ("经编", 5, True),
    "毛衫": ("毛衫", 5, True),
    "化纤": ("化纤", 4, True),
    "家具木业": ("木业", 5, True),
    "五金紧固件": ("紧固件", 5, True),
    "电子": ("电子科技", 8, True),
    "机械制造": ("机械", 8, True),
    "化工": ("化工", 4, True),
    "食品": ("食品", 4, True),
    "物流运输": ("物流", 7, True),
    "建筑工程": ("建设工程", 6, False),
    "光伏新能源": ("新能源科技", 4, True),
    "批发零售": ("贸易", 6, True),
    "餐饮住宿": ("酒店管理", 3, False),
}

VILLAGE_WORDS = "东西南北新永胜利红星光明丰联合幸福和平建设民主前进长春桥港浜湾塘泾"
STREET_WORDS = ("中山路", "解放路", "建国路", "人民路", "文昌路", "长水路", "南湖路", "越秀路",
                "禾兴路", "亚太路", "海盐塘路", "工业路", "创业路", "迎宾路", "新华路", "庆丰路")

# brand and model, price in yuan, new energy, seats over six
CARS = (
    ("大众朗逸", 120_000, False, False), ("丰田卡罗拉", 130_000, False, False),
    ("日产轩逸", 110_000, False, False), ("本田雅阁", 190_000, False, False),
    ("别克英朗", 100_000, False, False), ("吉利帝豪", 80_000, False, False),
    ("长安CS75", 110_000, False, False), ("哈弗H6", 120_000, False, False),
    ("大众帕萨特", 210_000, False, False), ("奥迪A6L", 420_000, False, False),
    ("宝马5系", 450_000, False, False), ("奔驰E级", 480_000, False, False),
    ("别克GL8", 260_000, False, True), ("五菱宏光", 50_000, False, True),
    ("比亚迪秦PLUS", 110_000, True, False), ("比亚迪宋PLUS", 160_000, True, False),
    ("特斯拉Model 3", 240_000, True, False), ("理想L7", 320_000, True, True),
    ("五菱宏光MINI EV", 40_000, True, False), ("零跑C11", 160_000, True, False),
)
CAR_WEIGHTS = (12, 10, 9, 5, 7, 8, 6, 7, 4, 2, 1, 1, 2, 4, 8, 5, 3, 2, 5, 2)
# corporate trucks: model, price, 交强险 premium of a commercial truck of that tonnage
TRUCKS = (
    ("福田欧曼", 280_000, "3450.00"), ("解放J6P", 380_000, "4480.00"),
    ("东风天锦", 200_000, "3070.00"), ("江铃顺达", 90_000, "1850.00"),
)
# world manufacturer identifiers of Chinese makers, for the VIN
WMIS = ("LSV", "LFV", "LVG", "LHG", "LGB", "LSG", "L6T", "LGX", "LRW", "LZW", "LGW", "LFP")

COMPETITORS = ("人保财险", "平安产险", "太平洋产险")

MOTOR_CAUSES = ("追尾", "碰撞", "刮擦", "倒车碰撞", "单方事故", "玻璃破碎", "水淹", "涉水",
                "盗抢", "自燃", "雹灾", "人伤")
PROPERTY_CAUSES = ("火灾", "暴雨", "台风", "管道爆裂", "雷击", "盗窃")
LIABILITY_CAUSES = ("顾客摔伤", "第三者财产损失", "高空坠物")
ACCIDENT_CAUSES = ("意外摔伤", "交通意外", "意外骨折")
CARGO_CAUSES = ("货物湿损", "运输途中翻车", "货物短少")

ACTIVITY_NOTES = {
    "service": ("电话回访，客户满意", "协助办理理赔资料", "上门送保单", "年检提醒"),
    "renewal": ("续保提醒，客户同意续保", "续保报价已发送", "续保成功"),
    "lost": ("客户已在他司投保", "价格原因转保他司", "车辆已出售", "客户不再续保"),
    "win_back": ("回访流失客户，愿意比价", "已重新报价，等待回复"),
    "intent": ("客户有投保意向，约下周报价", "已报价，客户在比较", "介绍车险及企财险，客户感兴趣",
               "车商名单回访，保险下月到期"),
    "cold": ("客户暂无需求", "电话无人接听", "黄页名单电话拜访", "排摸走访，留下资料"),
    "complaint": ("投诉理赔时效", "投诉服务态度，已致歉"),
}

KEY_REASONS = {
    "brand": ("本地知名品牌企业", "上市公司"),
    "social_standing": ("市重点纳税企业", "区政府重点扶持企业"),
    "big_project": ("承建市政府重点工程", "港区重点建设项目"),
}
BLACKLIST_EVIDENCE = {
    "fraud": "多次小额报案，现场照片疑似摆拍，已拒赔",
    "hard_to_negotiate": "定损后多次拒绝协商，反复投诉",
    "catastrophe": "台风预警发布后当日投保企财险",
    "other": "联系方式长期无效，资料存疑",
}
