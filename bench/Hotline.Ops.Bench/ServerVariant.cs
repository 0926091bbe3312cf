using System.Globalization;

namespace Hotline.Ops.Bench;

/// <summary>
/// How an open-loop ingest row's server differs from the default one: tickets resting over a resident limit
/// (`--Hotline:Tickets:ResidentLimit`, FINDINGS item 24), the garbage collector's gen0 budget capped (FINDINGS item 31),
/// or tickets answering once their events are stored (`--Hotline:Tickets:AnswerOnceStored`, FINDINGS item 41).
/// </summary>
public sealed record ServerVariant(int? ResidentLimit = null, int? Gen0BudgetMiB = null, bool AnswerOnceStored = false)
{
    public static readonly ServerVariant Default = new();

    public string[] Arguments =>
    [
        .. ResidentLimit is { } l ? new[] { "--Hotline:Tickets:ResidentLimit", l.ToString(CultureInfo.InvariantCulture) } : [],
        .. AnswerOnceStored ? new[] { "--Hotline:Tickets:AnswerOnceStored", "true" } : [],
    ];

    /// <summary>The gen0 budget asked for, in bytes a GC heap; null for the runtime's own.</summary>
    public long? Gen0BudgetBytes => Gen0BudgetMiB is { } m ? (long)m << 20 : null;

    /// <summary>
    /// The runtime reads its gen0 budget from this variable spelt exactly so, in hexadecimal bytes per GC heap: the
    /// `DOTNET_GCgen0MaxBudget` of FINDINGS item 29 (lower-case g) is silently ignored on Linux.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment => Gen0BudgetBytes is { } bytes
        ? new Dictionary<string, string> { ["DOTNET_GCGen0MaxBudget"] = bytes.ToString("x", CultureInfo.InvariantCulture) }
        : new Dictionary<string, string>();

    /// <summary>How the results name the variant; null for the default server.</summary>
    public string? Label => string.Join(", ", new[]
    {
        ResidentLimit is { } l ? $"tickets resting over {l:N0} resident" : null,
        Gen0BudgetMiB is { } m ? $"GC gen0 budget {m} MiB a heap" : null,
        AnswerOnceStored ? "answered once stored" : null,
    }.OfType<string>()) is { Length: > 0 } label ? label : null;
}
