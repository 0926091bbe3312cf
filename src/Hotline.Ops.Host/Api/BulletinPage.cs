using System.Globalization;
using System.Net;
using System.Text;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Host.Api;

/// <summary>The month's bulletin as one printable HTML page, laid out like the centre's 《政务服务热线工作通报》.</summary>
public static class BulletinPage
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(BulletinReport r, IReadOnlyDictionary<string, UnitProfile> units)
    {
        var h = r.Headline;
        var y = r.Month[..4];
        var m = int.Parse(r.Month[5..], Inv);
        var sb = new StringBuilder();
        sb.Append($$"""
            <!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
            <title>{{y}}年{{m}}月12345热线和市长信箱运行办理情况通报</title>
            <style>
            body{font-family:"Noto Serif CJK SC","Source Han Serif SC","SimSun",serif;max-width:1000px;margin:2em auto;color:#111;line-height:1.6}
            h1{text-align:center;font-size:1.6em;margin-bottom:.2em} h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #999}
            .sub{text-align:center;color:#444} table{border-collapse:collapse;width:100%;margin:.6em 0;font-size:.9em}
            th,td{border:1px solid #666;padding:2px 6px;text-align:right} th{background:#eee} td.n{text-align:left}
            .grade-B,.grade-C,.grade-D,.grade-E{font-weight:bold} .grade-E{color:#b00} .warn{color:#b00}
            @media print{ body{margin:0;max-width:none} h2{break-after:avoid} table{break-inside:auto} }
            </style></head><body>
            <h1>{{y}}年{{m}}月12345热线和市长信箱运行办理情况通报</h1>
            <p class="sub">由事件实时计算 · computed from the event feed</p>
            <h2>一、热线运行情况</h2>
            <p id="headline">共受理群众和企业来电 <b>{{h.Received:N0}}</b> 件，其中话务员在线直接答复 <b>{{h.Answered:N0}}</b> 件，各责任单位承办工单
            <b>{{h.Dispatched:N0}}</b> 件，办结率 <b>{{Pct(h.CompletionRatePct)}}</b>，按期办结率 <b>{{Pct(h.OnTimeRatePct)}}</b>，群众满意率
            <b>{{Pct(h.SatisfactionRatePct)}}</b>（工单回访口径）。受理涉冰冻雨雪天气相关诉求 <b>{{h.IceStorm:N0}}</b> 件。
            市长信箱等渠道受理群众来信 <b>{{h.Letters:N0}}</b> 件。</p>
            """);

        sb.Append("<h2>（一）诉求类型</h2><table id=\"categories\"><tr><th class=\"n\">类型</th><th>件数</th><th>占比</th></tr>");
        foreach (var c in r.Categories) sb.Append($"<tr><td class=\"n\">{E(c.Name)}</td><td>{c.Count:N0}</td><td>{Pct(c.SharePct)}</td></tr>");
        sb.Append("</table>");

        sb.Append("<h2>（二）工单考核</h2>");
        sb.Append($"<p id=\"grades\">全市 {r.Hotline.Rows.Count + r.Hotline.UnitsWithoutOrders} 个热线承办单位综合考评等级评价为 {GradeCounts(r.Hotline)}，工单量为0的 {r.Hotline.UnitsWithoutOrders} 个。");
        sb.Append($"市长信箱承办单位评价为 {GradeCounts(r.Mailbox)}，信件量为0的 {r.Mailbox.UnitsWithoutOrders} 个。</p>");
        sb.Append("<ul id=\"top\">");
        foreach (var g in r.TopHotline)
        {
            var label = g.Kind switch
            {
                UnitKind.County => "县（市）区",
                UnitKind.Agency => $"工单量{g.MinOrders}件以上的行政事业单位",
                _ => $"工单量{g.MinOrders}件以上的公共服务企业",
            };
            sb.Append($"<li>{label}综合指标分值排名前{g.Top.Count}位：{string.Join("、", g.Top.Select(t => $"{E(t.Unit)}（{t.PublishedScore?.ToString("0.0", Inv)}分）"))}</li>");
        }
        sb.Append("</ul>");

        Table(sb, "附件1：热线综合评价表", "hotline-table", r.Hotline, "回访不满意数", "群众不满意率");
        Table(sb, "附件2：市长信箱办理综合评价表", "mailbox-table", r.Mailbox, "回访满意数", "群众满意率");

        Adjustments(sb, "附件3：考核扣分表", "penalties", r.Adjustments.Where(a => a.Points < 0), units);
        Adjustments(sb, "附件4：考核加分表", "bonuses", r.Adjustments.Where(a => a.Points > 0), units);

        if (r.Discrepancies.Count > 0)
        {
            sb.Append("<h2>与已发布通报的差异 · Differences from the published bulletin</h2><table id=\"discrepancies\"><tr><th class=\"n\">表</th><th class=\"n\">单位</th><th>发布分值</th><th>发布等级</th><th>计算分值</th><th>计算等级</th></tr>");
            foreach (var d in r.Discrepancies)
                sb.Append($"<tr class=\"warn\"><td class=\"n\">{(d.Channel == AssessmentChannel.Hotline ? "热线" : "信箱")}</td><td class=\"n\">{E(d.Unit)}</td><td>{d.PublishedScore?.ToString(Inv)}</td><td>{d.PublishedGrade}</td><td>{d.OurScore?.ToString(Inv)}</td><td>{d.OurGrade}</td></tr>");
            sb.Append("</table>");
        }
        sb.Append("</body></html>");
        return sb.ToString();
    }

    private static void Table(StringBuilder sb, string title, string id, BulletinTable t, string followUpLabel, string rateLabel)
    {
        sb.Append($"<h2>{title}</h2><table id=\"{id}\"><tr><th class=\"n\">部门名称</th><th>应办理数</th><th>办理数</th><th>办结率</th><th>按期办理数</th><th>按期办结率</th><th>返工数</th><th>返工率</th><th>{followUpLabel}</th><th>{rateLabel}</th><th>综合指标值</th><th>等级评价</th></tr>");
        UnitKind? group = null;
        foreach (var row in t.Rows)
        {
            if (row.Kind != group)
            {
                group = row.Kind;
                sb.Append($"<tr><th class=\"n\" colspan=\"12\">{row.Kind switch { UnitKind.County => "县市区", UnitKind.Agency => "行政事业单位", _ => "公共服务企业" }}</th></tr>");
            }
            var c = row.Counts;
            var hotline = t.Channel == AssessmentChannel.Hotline;
            sb.Append($"<tr data-unit=\"{E(row.UnitId ?? "")}\"><td class=\"n\">{E(row.Unit)}</td><td>{c.Due}</td><td>{c.Handled}</td><td>{Pct(Scoring.RatePct(c.Handled, c.Due))}</td><td>{c.OnTime}</td><td>{Pct(Scoring.RatePct(c.OnTime, c.Due))}</td><td>{c.Rework}</td><td>{Pct(Scoring.RatePct(c.Rework, c.Due))}</td><td>{(hotline ? c.Dissatisfied : c.SatisfiedTotal)}</td><td>{Pct(row.PublishedRatePct)}</td><td>{row.PublishedScore?.ToString(hotline ? "0.0" : "0.00", Inv)}</td><td class=\"grade-{row.PublishedGrade}\">{row.PublishedGrade}</td></tr>");
        }
        sb.Append("</table>");
    }

    private static void Adjustments(StringBuilder sb, string title, string id, IEnumerable<Adjustment> list, IReadOnlyDictionary<string, UnitProfile> units)
    {
        sb.Append($"<h2>{title}</h2><table id=\"{id}\"><tr><th class=\"n\">部门名称</th><th>加扣分值</th><th class=\"n\">指标名称</th><th class=\"n\">明细</th></tr>");
        foreach (var a in list.OrderBy(a => a.Automatic ? 0 : 1).ThenBy(a => a.UnitId, StringComparer.Ordinal))
        {
            var name = units.TryGetValue(a.UnitId, out var u) ? u.Name : a.UnitId;
            var detail = a.OrderNumber is null ? a.Reason : $"{a.Reason}（编号：{a.OrderNumber}）";
            sb.Append($"<tr><td class=\"n\">{E(name)}</td><td>{a.Points.ToString("+0.##;-0.##", Inv)}</td><td class=\"n\">{E(a.Indicator)}</td><td class=\"n\">{E(detail)}</td></tr>");
        }
        sb.Append("</table>");
    }

    private static string GradeCounts(BulletinTable t) =>
        string.Join("，", t.GradeCounts.Where(g => g.Value > 0).Select(g => $"{g.Key}类 {g.Value} 个"));

    private static string Pct(decimal? v) => v is null ? "—" : v.Value.ToString("0.00", Inv) + "%";

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
