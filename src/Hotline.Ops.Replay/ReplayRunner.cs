using System.Globalization;
using System.Text;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Replay;

/// <summary>What to replay and where. Without targets it replays February 2024 from the reference data.</summary>
public sealed record ReplayOptions
{
    /// <summary>Servers to send to (retries go round-robin over them). Empty: generate only.</summary>
    public IReadOnlyList<Uri> Servers { get; init; } = [];
    /// <summary>YYYY-MM; defaults to the targets' month (2024-02 without targets).</summary>
    public string? Month { get; init; }
    /// <summary>A targets CSV file in the reference CSV's columns.</summary>
    public string? TargetsFile { get; init; }
    /// <summary>The targets CSV text itself (for hosts that have it in memory); wins over <see cref="TargetsFile"/>.</summary>
    public string? TargetsCsv { get; init; }
    /// <summary>0 = as fast as the server takes it; 60 = a minute of the month per second of wall time.</summary>
    public double Speed { get; init; }
    public int Seed { get; init; } = MonthGenerator.DefaultSeed;
    public string? Token { get; init; }
    /// <summary>Generate and summarise only; send nothing.</summary>
    public bool DryRun { get; init; }
    /// <summary>Also write the events as NDJSON to this file.</summary>
    public string? OutFile { get; init; }
    /// <summary>How long to wait for the servers to come up before giving up (exit code 3). Zero: check once.</summary>
    public TimeSpan WaitForServers { get; init; }
    public SenderSettings Sender { get; init; } = new();
    /// <summary>Also the calls and agents of the month (about 3 events per call, ~220,000 more for February 2024).</summary>
    public bool Calls { get; init; }
}

/// <summary>The outcome of a replay: what was generated and what the servers answered.</summary>
public sealed record ReplaySummary(GenerationStats Generated, SendTotals? Sent, TimeSpan GenerationTime, bool DryRun)
{
    /// <summary>0 when every event was accepted or a duplicate, 1 when any was rejected.</summary>
    public int ExitCode => Sent is { Rejected: > 0 } ? 1 : 0;

    public override string ToString()
    {
        var g = Generated;
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"Replay {g.Month} (seed {g.Seed}): {g.Events:N0} events for {g.Tickets:N0} tickets, generated in {GenerationTime.TotalSeconds:0.0} s; events {g.FirstEventAt:yyyy-MM-dd HH:mm} .. {g.LastEventAt:yyyy-MM-dd HH:mm}");
        sb.AppendLine(inv, $"  hotline platform: {g.Requests:N0} requests, {g.AnsweredDirectly:N0} answered directly, {g.OrdersDispatched:N0} work orders dispatched; due in month {g.HotlineDue:N0} = {g.HotlineDue - g.CarriedIn:N0} dispatched and due in month + {g.CarriedIn:N0} carried in; {g.CarriedOut:N0} carried out");
        sb.AppendLine(inv, $"  ice storm {g.IceStorm:N0}; deputies line {g.DeputyRequests} requests / {g.DeputyOrders} orders; enterprise line {g.EnterpriseRequests} / {g.EnterpriseOrders}");
        sb.AppendLine(inv, $"  letters: {g.Letters:N0} ({g.LettersAnswered:N0} answered directly, {g.LettersDispatched:N0} dispatched); mailbox due {g.MailboxDue:N0} incl. {g.LettersCarriedIn:N0} carried in; {g.LettersCarriedOut:N0} carried out");
        if (Sent is { } s)
        {
            var retriedAfter = s.RetriedAfter.Count > 0
                ? " (after " + string.Join(", ", s.RetriedAfter.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => string.Create(inv, $"{kv.Key} ×{kv.Value:N0}"))) + ")"
                : "";
            sb.AppendLine(inv, $"Sent {s.Sent:N0} events in {s.Elapsed.TotalSeconds:0.0} s ({s.Sent / Math.Max(0.001, s.Elapsed.TotalSeconds):N0}/s): accepted {s.Accepted:N0}, duplicates {s.Duplicates:N0}, rejected {s.Rejected:N0}, retries {s.Retries:N0}{retriedAfter}");
            foreach (var r in s.Rejections.Take(10)) sb.AppendLine(inv, $"  rejected {r.Count:N0}× (e.g. {r.ExampleEventId}): {r.Reason}");
        }
        else sb.AppendLine(DryRun ? "Dry run: nothing sent." : "No server: nothing sent.");
        return sb.ToString();
    }
}

/// <summary>Generate a month and send it: the library entry point (the host's --demo runs it in the background).</summary>
public static class ReplayRunner
{
    /// <summary>
    /// Loads and validates the targets, generates the month, optionally writes it, then sends it. Expected failures
    /// throw <see cref="ReplayException"/> (bad targets: exit code 2, unreachable servers: 3, refused: 4) before
    /// anything is sent where possible.
    /// </summary>
    public static async Task<ReplaySummary> RunAsync(ReplayOptions options, TextWriter progress, CancellationToken ct)
    {
        var targets = LoadTargets(options);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var month = MonthGenerator.Generate(targets, options.Seed, options.Calls);
        var generationTime = clock.Elapsed;
        if (options.OutFile is { } path) await EventJson.WriteNdjsonAsync(month.Events, path, ct);
        if (options.DryRun || options.Servers.Count == 0) return new ReplaySummary(month.Stats, null, generationTime, options.DryRun);

        using var sender = new EventSender(options.Servers, options.Token, options.Sender);
        await sender.CheckReachableAsync(ct, options.WaitForServers);
        var totals = await sender.SendAsync(month.Events, month.MonthStart, options.Speed, progress, ct);
        return new ReplaySummary(month.Stats, totals, generationTime, false);
    }

    public static ReplayTargets LoadTargets(ReplayOptions options)
    {
        if (options.Month is { } m && !CityTime.TryParseMonth(m, out _)) throw new ReplayException(2, $"--month '{m}' is not a month (YYYY-MM)");
        string? csv = options.TargetsCsv;
        if (csv is null && options.TargetsFile is { } file)
        {
            try { csv = File.ReadAllText(file); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw new ReplayException(2, $"Cannot read targets file {file}: {ex.Message}"); }
        }
        if (csv is null)
        {
            if (options.Month is { } other && other != ReplayTargets.DefaultMonth)
                throw new ReplayException(2, $"Without --targets only {ReplayTargets.DefaultMonth} (the published bulletin) can be replayed, not {other}");
            return ReplayTargets.February2024;
        }
        var where = options.TargetsFile ?? "targets";
        try { return ReplayTargets.Parse(csv, options.Month ?? ReplayTargets.DefaultMonth); }
        catch (FormatException ex) { throw new ReplayException(2, $"{where}: {ex.Message}"); }
    }
}
