using System.Threading.Channels;
using Hotline.Ops.Contracts;
using Hotline.Ops.Host.Storage;

namespace Hotline.Ops.Host.Cluster;

/// <summary>
/// Completes ticket reports that a dead silo left undelivered, so an order's change reaches its unit even when the
/// ticket never gets another event. Sweeps the stored ticket states for outboxes that are not empty and asks each of
/// those tickets to deliver (a redelivery is ignored by the ledger's version check):
/// when this silo starts (a whole cluster may have stopped at once), when a silo is declared dead (done by the
/// surviving active silo with the lowest address only) and every <c>Hotline:Recovery:IntervalMinutes</c> (default 10) as a backstop.
/// Nothing is paid per event: tickets clear their stored outbox lazily (next change, or when they go idle).
/// </summary>
public sealed class OutboxRecovery(
    IGrainFactory grains, StoredTickets stored, IClusterMembershipService membership, ILocalSiloDetails self,
    Readiness readiness, IConfiguration config, ILogger<OutboxRecovery> logger) : BackgroundService
{
    private readonly Channel<string> _requests = Channel.CreateBounded<string>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var interval = TimeSpan.FromMinutes(config.GetValue("Hotline:Recovery:IntervalMinutes", 10.0));
        while (!readiness.IsReady) await Task.Delay(200, ct);
        _ = WatchMembership(ct);
        _requests.Writer.TryWrite("silo start");
        while (!ct.IsCancellationRequested)
        {
            string reason;
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                wait.CancelAfter(interval);
                try { reason = await _requests.Reader.ReadAsync(wait.Token); }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested) { reason = "periodic"; }
            }
            try { await SweepAsync(reason, ct); }
            catch (Exception ex) when (!ct.IsCancellationRequested) { logger.LogWarning(ex, "Outbox recovery sweep ({Reason}) failed; next sweep will retry", reason); }
        }
    }

    /// <summary>Asks the stored tickets with a pending outbox to deliver; retries the ones that could not (yet).</summary>
    public async Task<int> SweepAsync(string reason, CancellationToken ct)
    {
        var ids = new List<string>();
        await foreach (var id in stored.WithPendingReports(ct)) ids.Add(id);
        var found = ids.Count;
        for (var pass = 0; pass < 6 && ids.Count > 0; pass++)
        {
            if (pass > 0) await Task.Delay(TimeSpan.FromSeconds(5), ct);
            var left = new List<string>();
            foreach (var chunk in ids.Chunk(64))
            {
                var results = await Task.WhenAll(chunk.Select(async id =>
                {
                    try { return await grains.GetGrain<ITicketGrain>(id).DeliverPending() == 0; }
                    catch (Exception ex) when (ex is not OperationCanceledException) { logger.LogDebug(ex, "Ticket {TicketId}: reports not delivered yet", id); return false; }
                }));
                left.AddRange(chunk.Where((_, i) => !results[i]));
            }
            ids = left;
        }
        if (found > 0 || ids.Count > 0)
            logger.LogInformation("Outbox recovery ({Reason}): {Found} ticket(s) with stored reports checked, {Left} still undelivered", reason, found, ids.Count);
        return ids.Count;
    }

    /// <summary>On a silo's death, the surviving active silo with the lowest address asks for a sweep.</summary>
    private async Task WatchMembership(CancellationToken ct)
    {
        var dead = new HashSet<SiloAddress>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(ct))
            {
                var newlyDead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress)).ToList();
                if (newlyDead.Count == 0) continue;
                var active = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToList();
                if (active.Count > 0 && active.Min()!.Equals(self.SiloAddress))
                    _requests.Writer.TryWrite($"silo {string.Join(", ", newlyDead.Select(m => m.SiloAddress))} dead");
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception ex) { logger.LogWarning(ex, "Membership watch ended; recovery continues on start and periodically"); }
    }
}
