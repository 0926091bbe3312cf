namespace Hotline.Ops.Domain;

/// <summary>Where a request came in (受理渠道).</summary>
public enum RequestChannel { Hotline, Mailbox, WeChat, Web, Provincial, EnterpriseLine, DeputyLine }

/// <summary>The two assessment tables of the bulletin: 附件1 hotline (热线) and 附件2 mayor's mailbox (市长信箱).</summary>
public enum AssessmentChannel { Hotline, Mailbox }

public static class Channels
{
    /// <summary>
    /// Calls, including the enterprise line (政企通) and the NPC deputies line, are assessed in the hotline table;
    /// written requests (the mailbox, the WeChat account, web portals, the provincial platform's letters) in the
    /// mailbox table — the bulletin counts its 957 letters from exactly those sources.
    /// </summary>
    public static AssessmentChannel AssessedAs(RequestChannel c) => c switch
    {
        RequestChannel.Hotline or RequestChannel.EnterpriseLine or RequestChannel.DeputyLine => AssessmentChannel.Hotline,
        _ => AssessmentChannel.Mailbox,
    };

    public static string Wire(RequestChannel c) => c switch
    {
        RequestChannel.Hotline => "hotline",
        RequestChannel.Mailbox => "mailbox",
        RequestChannel.WeChat => "wechat",
        RequestChannel.Web => "web",
        RequestChannel.Provincial => "provincial",
        RequestChannel.EnterpriseLine => "enterpriseLine",
        RequestChannel.DeputyLine => "deputyLine",
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    public static bool TryParse(string? s, out RequestChannel c)
    {
        foreach (var v in Enum.GetValues<RequestChannel>())
            if (string.Equals(Wire(v), s, StringComparison.Ordinal)) { c = v; return true; }
        c = default;
        return false;
    }

    public static string Wire(AssessmentChannel c) => c == AssessmentChannel.Hotline ? "hotline" : "mailbox";

    public static bool TryParse(string? s, out AssessmentChannel c)
    {
        c = s == "mailbox" ? AssessmentChannel.Mailbox : AssessmentChannel.Hotline;
        return s is "hotline" or "mailbox";
    }
}
