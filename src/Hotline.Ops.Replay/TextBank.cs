using Hotline.Ops.Domain;
namespace Hotline.Ops.Replay;

/// <summary>What an ice-storm (冰冻雨雪) request is about; it decides the text and the unit.</summary>
internal enum StormKind { None, Water, Power, Gas, Network, Branches, Bus, Highway }

/// <summary>Short Chinese request texts (诉求内容) by category and by ice-storm kind.</summary>
internal static class TextBank
{
    private static readonly string[] Places =
        ["金鹗山社区", "洞庭南路", "巴陵中路", "东茅岭", "奇家岭", "站前路", "南湖大道", "青年中路", "白杨坡", "五里牌", "求索路", "建湘路"];

    private static readonly Dictionary<string, string[]> ByCategory = new()
    {
        [Categories.PublicServices] = ["{0}小区电梯故障多日无人维修。", "{0}供水水压不足，高层住户用水困难。", "{0}一带路灯不亮，夜间出行不便。", "咨询{0}附近医院春节期间门诊安排。", "{0}学校周边噪音扰民，希望处理。"],
        [Categories.Transport] = ["{0}公交车班次太少，等车时间过长。", "{0}路口红绿灯故障，交通混乱。", "{0}消防通道长期被私家车占用。", "反映{0}出租车拒载、绕路。", "{0}路面坑洼，车辆通行困难。"],
        [Categories.HrSocialSecurity] = ["{0}工地拖欠农民工工资，年前仍未发放。", "咨询灵活就业人员社保缴费办法。", "{0}企业未依法缴纳养老保险。", "咨询失业保险金申领流程。", "{0}务工人员要求结清欠薪回家过年。"],
        [Categories.CityManagement] = ["{0}车库内电动车违规充电，存在火灾隐患。", "{0}占道经营，垃圾无人清运。", "{0}建筑垃圾乱倒，影响环境。", "{0}夜间施工噪音扰民。", "{0}绿化带树木被破坏。"],
        [Categories.MarketRegulation] = ["{0}超市销售过期食品。", "{0}商家预付卡跑路，要求退费。", "{0}餐馆卫生条件差。", "反映{0}药店价格虚高。", "{0}网购商品质量问题，商家拒绝退换。"],
        [Categories.PublicSecurity] = ["{0}楼道电动车停放堵塞安全出口。", "{0}夜间有人聚集喧哗，影响休息。", "咨询{0}派出所户口迁移办理材料。", "{0}小区多次发生电瓶被盗。", "举报{0}有人燃放烟花爆竹存在安全隐患。"],
        [Categories.HousingConstruction] = ["{0}楼盘逾期交房。", "{0}老旧小区改造施工进度缓慢。", "{0}房屋漏水，开发商不予维修。", "咨询公积金提取办理流程。", "{0}物业费收费标准不透明。"],
        [Categories.Other] = ["对{0}政务服务窗口办事效率提出建议。", "咨询{0}春节期间办事大厅开放时间。", "{0}流浪犬伤人，希望处理。", "建议{0}增设便民服务点。", "{0}河道有人非法捕鱼。"],
    };

    private static readonly Dictionary<StormKind, string[]> ByStorm = new()
    {
        [StormKind.Water] = ["冰冻天气水管冻裂，{0}停水一天多了。", "{0}因冰冻停水，请尽快恢复供水。"],
        [StormKind.Power] = ["雨雪冰冻导致{0}停电，家中老人取暖困难。", "{0}线路覆冰停电，请尽快抢修。"],
        [StormKind.Gas] = ["{0}停气，冰冻天气无法做饭取暖。", "{0}燃气管道结冰停气，请派人查看。"],
        [StormKind.Network] = ["{0}冰冻后无网络信号，无法联系家人。", "{0}基站覆冰，手机无网络信号。"],
        [StormKind.Branches] = ["{0}树枝被冰压断，树枝散落路面。", "{0}路边树枝散落压住车辆，请清理。"],
        [StormKind.Bus] = ["冰冻天气{0}公交停运，出行困难。", "咨询雨雪冰冻期间{0}公交线路调整。"],
        [StormKind.Highway] = ["咨询冰冻期间高速封闭，何时恢复通行。", "{0}附近高速入口封闭，车辆滞留。"],
    };

    /// <summary>Units whose requests are specific enough to deserve their own texts (utilities above all).</summary>
    private static readonly Dictionary<string, string[]> ByUnit = new()
    {
        ["state-grid-yueyang"] = ["{0}频繁停电，影响正常生活。", "{0}电压不稳，家电无法使用。", "对{0}电费计费有疑问。"],
        ["water-group"] = ["{0}自来水浑浊发黄。", "{0}水压不足，高层无法用水。", "{0}水管破裂漏水，请尽快维修。"],
        ["cr-gas"] = ["{0}燃气表计量异常。", "{0}闻到燃气异味，请派人检查。", "咨询{0}燃气开户办理流程。"],
        ["china-mobile"] = ["{0}移动信号差，经常掉线。", "反映{0}移动套餐被私自变更。", "{0}移动宽带故障多日未修复。"],
        ["china-telecom"] = ["{0}电信宽带断网，报修无人上门。", "对{0}电信话费扣费有异议。"],
        ["china-unicom"] = ["{0}联通信号弱，无法正常通话。", "反映{0}联通宽带办理后无法注销。"],
        ["bus-group"] = ["{0}公交车班次太少，等车时间过长。", "反映{0}公交司机服务态度差。", "建议{0}增开公交线路。"],
        ["traffic-police"] = ["{0}路口车辆乱停乱放，造成拥堵。", "{0}红绿灯配时不合理。"],
        ["human-resources-social-security"] = ["{0}工地拖欠农民工工资，年前仍未发放。", "{0}务工人员要求结清欠薪回家过年。"],
    };

    public static string For(string unitId, string category, Random rnd) =>
        Pick(ByUnit.GetValueOrDefault(unitId) ?? ByCategory.GetValueOrDefault(category) ?? ByCategory[Categories.Other], rnd);

    public static string For(string category, Random rnd) => Pick(ByCategory.GetValueOrDefault(category) ?? ByCategory[Categories.Other], rnd);

    public static string For(StormKind kind, Random rnd) => Pick(ByStorm[kind], rnd);

    public static string StormCategory(StormKind kind) => kind switch
    {
        StormKind.Bus or StormKind.Highway => Categories.Transport,
        StormKind.Branches => Categories.CityManagement,
        _ => Categories.PublicServices,
    };

    private static string Pick(string[] templates, Random rnd) => string.Format(templates[rnd.Next(templates.Length)], Places[rnd.Next(Places.Length)]);
}
