using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Hotline.Ops.Grains;

/// <summary>Which silo incarnation wrote a ticket's outbox, and its place in that incarnation's order of writes.</summary>
[GenerateSerializer]
public sealed record OutboxStamp([property: Id(0)] long Incarnation, [property: Id(1)] long Sequence);

/// <summary>What an incarnation has stored of its watermark: every outbox it stamped below <see cref="Delivered"/> is delivered.</summary>
[GenerateSerializer]
public sealed class OutboxWatermarkRecord
{
    [Id(0)] public long Delivered { get; set; }
}

/// <summary>
/// A silo's outbox watermark now: how many outboxes it stamped, how many of those are not delivered yet (reports stored
/// and still waiting for their unit's ledger), the watermark and the watermark as last stored.
/// </summary>
public sealed record OutboxWatermarkReport(long Incarnation, long Stamped, int Undelivered, long Delivered, long StoredDelivered);

/// <summary>The watermarks stored by every incarnation (incarnation → delivered), as the storage holds them now.</summary>
public interface IStoredOutboxWatermarks
{
    Task<IReadOnlyDictionary<long, long>> ReadAsync(CancellationToken ct);
}

/// <summary>
/// This silo incarnation's delivery watermark for ticket outboxes. A ticket that stores reports in its outbox stamps the
/// write with a sequence number; once the reports are delivered the number is released. Every stamped write below the
/// lowest number not yet released is delivered, and the silo stores that watermark every second. The recovery sweep
/// then skips outboxes that a stored watermark covers, so a delivered outbox need not be stored cleared: a ticket that
/// goes to rest writes nothing on its way out (bench/FINDINGS.md item 32). A silo that dies leaves a watermark that is
/// at most behind: outboxes above it are swept and redelivered, and the ledgers ignore versions they have.
/// </summary>
public sealed class OutboxWatermark(
    [FromKeyedServices(GrainStorage.Name)] IGrainStorage storage, ILogger<OutboxWatermark> logger,
    IStoredOutboxWatermarks? storedWatermarks = null) : BackgroundService
{
    /// <summary>The watermark rows' state name in grain storage; a row's key is <see cref="KeyPrefix"/> and the incarnation in decimal.</summary>
    public const string StateName = "outboxWatermark";
    public const string KeyPrefix = "incarnation-";
    private static readonly TimeSpan StoreEvery = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly SortedSet<long> _undelivered = [];
    private long _last;
    private readonly GrainState<OutboxWatermarkRecord> _stored = new(new OutboxWatermarkRecord());
    /// <summary>Other incarnations' watermarks as stored when this one started (a watermark only rises, so they hold).</summary>
    private IReadOnlyDictionary<long, long> _earlier = new Dictionary<long, long>();

    /// <summary>This silo's incarnation: random, so incarnations of any silo, on any host, at any time, differ.</summary>
    public long Incarnation { get; } = Random.Shared.NextInt64(1, long.MaxValue);

    /// <summary>Every outbox this incarnation stamped below it is delivered (the next number when none waits).</summary>
    public long Delivered
    {
        get { lock (_lock) return DeliveredLocked; }
    }

    private long DeliveredLocked => _undelivered.Count > 0 ? _undelivered.Min : _last + 1;

    /// <summary>The watermark as last stored (0: not stored yet).</summary>
    public long StoredDelivered => Volatile.Read(ref _storedDelivered);
    private long _storedDelivered;

    public OutboxWatermarkReport Report()
    {
        lock (_lock) return new OutboxWatermarkReport(Incarnation, _last, _undelivered.Count, DeliveredLocked, StoredDelivered);
    }

    /// <summary>A new stamp for an outbox about to be written; it holds the watermark back until released.</summary>
    public OutboxStamp Stamp()
    {
        lock (_lock)
        {
            _undelivered.Add(++_last);
            return new OutboxStamp(Incarnation, _last);
        }
    }

    /// <summary>The stamped outbox is delivered, superseded by a later write, or was never stored.</summary>
    public void Release(OutboxStamp? stamp)
    {
        if (stamp is null || stamp.Incarnation != Incarnation) return;
        lock (_lock) _undelivered.Remove(stamp.Sequence);
    }

    /// <summary>
    /// Whether the stamped outbox is known to be delivered: stamped here and released, or below a watermark another
    /// incarnation had stored when this one started (a ledger rebuilding itself wakes every ticket it counts; those need
    /// not deliver again).
    /// </summary>
    public bool KnownDelivered(OutboxStamp? stamp)
    {
        if (stamp is null) return false;
        if (stamp.Incarnation != Incarnation) return Volatile.Read(ref _earlier).TryGetValue(stamp.Incarnation, out var d) && stamp.Sequence < d;
        lock (_lock) return stamp.Sequence <= _last && !_undelivered.Contains(stamp.Sequence);
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        if (storedWatermarks is not null)
        {
            // Until read, stamps of other incarnations count as maybe undelivered: redelivered, which costs but is harmless.
            try { Volatile.Write(ref _earlier, await storedWatermarks.ReadAsync(ct)); }
            catch (Exception ex) when (ex is not OperationCanceledException) { logger.LogWarning(ex, "Stored outbox watermarks not read; earlier incarnations' outboxes will be redelivered"); }
        }
        try
        {
            while (true)
            {
                await Task.Delay(StoreEvery, ct);
                await StoreAsync();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    public override async Task StopAsync(CancellationToken ct)
    {
        await base.StopAsync(ct);
        try { await StoreAsync(); }
        catch (Exception ex) { logger.LogDebug(ex, "Outbox watermark not stored at stop; the next start sweeps above the last one stored"); }
    }

    /// <summary>Stores the watermark if it moved (a failure is retried with the next; until then the sweep does more).</summary>
    private async Task StoreAsync()
    {
        var delivered = Delivered;
        if (delivered == _stored.State!.Delivered) return;
        try
        {
            _stored.State.Delivered = delivered;
            await storage.WriteStateAsync(StateName, Row, _stored);
            Volatile.Write(ref _storedDelivered, delivered);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Outbox watermark not stored; retrying");
            // The write may have committed after all: read what is stored (and its version) before the next one.
            try { await storage.ReadStateAsync(StateName, Row, _stored); }
            catch (Exception again) when (again is not OperationCanceledException) { _stored.State.Delivered = StoredDelivered; }
        }
    }

    private GrainId Row => GrainId.Create(StateName, KeyOf(Incarnation));

    /// <summary>The key of an incarnation's watermark row.</summary>
    public static string KeyOf(long incarnation) => KeyPrefix + incarnation.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The incarnation a watermark row's key names.</summary>
    public static bool TryReadKey(string key, out long incarnation)
    {
        incarnation = 0;
        return key.StartsWith(KeyPrefix, StringComparison.Ordinal) && long.TryParse(key.AsSpan(KeyPrefix.Length),
            System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out incarnation);
    }
}
