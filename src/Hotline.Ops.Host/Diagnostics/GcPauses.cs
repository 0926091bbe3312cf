namespace Hotline.Ops.Host.Diagnostics;

/// <summary>One garbage collection of this silo's process: when it was seen (within a poll of its end), its
/// generation, whether it was a background one (most of it concurrent, two short pauses), how long everything waited.</summary>
public sealed record GcPause(DateTimeOffset At, int Generation, bool Background, double PauseMs, long PromotedBytes, long HeapBytes);

/// <summary>This silo's collections since its process started and the recent ones one by one.</summary>
/// <param name="Collections">Collections by the oldest generation they collected: [gen0 only, gen1, gen2].</param>
/// <param name="PausedMs">Every pause since the process started, in all (the runtime's own total).</param>
/// <param name="Settings">The collector's settings, which the pauses depend on.</param>
public sealed record GcReport(DateTimeOffset Since, long[] Collections, double PausedMs, IReadOnlyList<GcPause> Recent, GcSettings Settings);

/// <summary>
/// The collector as the runtime started it (its own account, <see cref="GC.GetConfigurationVariables"/>), so an
/// operator sees that a setting took: the runtime ignores a variable it does not know, misspelt or in the wrong case
/// (bench/FINDINGS.md 31).
/// </summary>
/// <param name="Gen0MaxBudgetBytes">Allocation a heap's gen0 may take before it is collected: what each gen0 pause grows with
/// under sustained ingest (<c>DOTNET_GCGen0MaxBudget</c>, hexadecimal bytes; Server GC's default 200 MiB).</param>
public sealed record GcSettings(bool Server, bool Concurrent, bool DynamicAdaptation, long Heaps, long Gen0MaxBudgetBytes)
{
    public static GcSettings OfThisProcess()
    {
        var config = GC.GetConfigurationVariables();
        bool Flag(string name) => config.TryGetValue(name, out var v) && v is true;
        long Number(string name) => config.TryGetValue(name, out var v) ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return new(Flag("ServerGC"), Flag("ConcurrentGC"), Number("GCDynamicAdaptationMode") != 0, Number("HeapCount"), Number("GCGen0MaxBudget"));
    }
}

/// <summary>
/// The silo's garbage-collection pauses. While one runs every grain and request of the process waits, so under
/// sustained ingest they make much of the requests' tail latency (bench/FINDINGS.md 17, 23, 24 and 29): the benchmark
/// and the operators read them here instead of inferring them. Polls the runtime's last collection of each kind every
/// 20 ms on the machine's clock, not the silo's TimeProvider: under a replay that is event time, and a pause is machine
/// time. A collection followed by another of its kind within one poll is missing from <see cref="GcReport.Recent"/>,
/// never from the totals. A pause of half a second or more is logged as a warning.
/// </summary>
public sealed class GcPauses(ILogger<GcPauses> logger) : BackgroundService
{
    /// <summary>Recent collections kept: some twenty minutes of them at the most frequent measured (about 55 a minute,
    /// sustained ingest with DATAS on; bench/FINDINGS.md 29), over an hour with the build's settings.</summary>
    public const int Kept = 1024;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan WarnAt = TimeSpan.FromMilliseconds(500);
    private static readonly GCKind[] Kinds = [GCKind.Ephemeral, GCKind.FullBlocking, GCKind.Background];

    private readonly long[] _seen = new long[Kinds.Length];
    private readonly Queue<GcPause> _recent = new();
    private static readonly GcSettings Settings = GcSettings.OfThisProcess();

    public GcReport Report()
    {
        Look();
        long all = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        lock (_recent) return new GcReport(ThisProcess.Started, [all - gen1, gen1 - gen2, gen2], GC.GetTotalPauseDuration().TotalMilliseconds, [.. _recent], Settings);
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        logger.LogInformation("Garbage collector: {Kind} GC, {Heaps} heap(s), concurrent {Concurrent}, dynamic adaptation {Adaptation}, gen0 budget {Gen0MiB:N0} MiB a heap",
            Settings.Server ? "Server" : "Workstation", Settings.Heaps, Settings.Concurrent, Settings.DynamicAdaptation, Settings.Gen0MaxBudgetBytes / 1048576.0);
        using var timer = new PeriodicTimer(Poll, TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) Look();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    /// <summary>Records the collections of each kind not seen yet (the runtime keeps the last one of each).</summary>
    private void Look()
    {
        lock (_recent)
        {
            for (var k = 0; k < Kinds.Length; k++)
            {
                var info = GC.GetGCMemoryInfo(Kinds[k]);
                if (info.Index <= _seen[k]) continue;
                _seen[k] = info.Index;
                var pause = TimeSpan.Zero;
                foreach (var p in info.PauseDurations) pause += p;
                var seen = new GcPause(TimeProvider.System.GetUtcNow(), info.Generation, Kinds[k] == GCKind.Background,
                    Math.Round(pause.TotalMilliseconds, 1), info.PromotedBytes, info.HeapSizeBytes);
                _recent.Enqueue(seen);
                if (_recent.Count > Kept) _recent.Dequeue();
                if (pause >= WarnAt)
                    logger.LogWarning("A garbage collection (generation {Generation}, {PromotedMB:N0} MB kept) stopped this silo for {PauseMs:N0} ms: every request and grain waited",
                        info.Generation, info.PromotedBytes / 1048576.0, pause.TotalMilliseconds);
            }
        }
    }
}
