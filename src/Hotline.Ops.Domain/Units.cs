namespace Hotline.Ops.Domain;

/// <summary>The groups the bulletin ranks units in: 县市区, 行政事业单位, 公共服务企业.</summary>
public enum UnitKind { County, Agency, Enterprise }

/// <summary>
/// A responsible unit (承办单位). <see cref="MailboxKind"/> is set where the mailbox table lists the unit in another
/// group than the hotline table (岳阳华润燃气公司 is an agency on the hotline, an enterprise on the mailbox).
/// </summary>
public sealed record UnitProfile(string Id, string Name, UnitKind Kind, UnitKind? MailboxKind = null)
{
    public UnitKind KindIn(AssessmentChannel c) => c == AssessmentChannel.Mailbox ? MailboxKind ?? Kind : Kind;
}

public static class UnitKinds
{
    public static string Wire(UnitKind k) => k switch { UnitKind.County => "county", UnitKind.Agency => "agency", _ => "enterprise" };

    public static bool TryParse(string? s, out UnitKind k)
    {
        k = s switch { "county" => UnitKind.County, "agency" => UnitKind.Agency, _ => UnitKind.Enterprise };
        return s is "county" or "agency" or "enterprise";
    }

    /// <summary>Unit ids are readable slugs: lower-case ASCII letters, digits and hyphens, 2–64 characters.</summary>
    public static bool IsValidId(string? id) =>
        id is { Length: >= 2 and <= 64 } && id.All(ch => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && id[0] != '-';
}

/// <summary>The units of Yueyang's February 2024 bulletin, with stable readable ids (Data/units.csv).</summary>
public static class SeedUnits
{
    private static IReadOnlyList<UnitProfile>? _all;

    public static IReadOnlyList<UnitProfile> All => _all ??= EmbeddedData.Lines("units.csv").Skip(1).Select(line =>
    {
        var f = Csv.Split(line);
        if (f.Length < 4 || !UnitKinds.TryParse(f[2], out var kind)) throw new FormatException($"Bad unit line: {line}");
        UnitKind? mailboxKind = UnitKinds.TryParse(f[3], out var mk) ? mk : null;
        return new UnitProfile(f[0], f[1], kind, mailboxKind);
    }).ToList();

    public static UnitProfile? ByName(string name) => All.FirstOrDefault(u => u.Name == name);
}
