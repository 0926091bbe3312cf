using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Microsoft.Extensions.Logging;

namespace Hotline.Ops.Grains;

/// <summary>A report of a work order's contribution to one unit's month, kept until that unit has it durably.</summary>
[GenerateSerializer]
public sealed record PendingReport([property: Id(0)] string UnitMonthKey, [property: Id(1)] int Version, [property: Id(2)] OrderContribution? Contribution);

[GenerateSerializer]
public sealed class TicketRecord
{
    [Id(0)] public TicketState? Ticket { get; set; }
    /// <summary>Where the order counted at the last accepted event (unit and month), and what for.</summary>
    [Id(1)] public OrderContribution? Reported { get; set; }
    /// <summary>Outbox: reports written with the ticket's change and delivered after it, so neither is lost.</summary>
    [Id(2)] public List<PendingReport> Outbox { get; set; } = [];
}

/// <summary>
/// One ticket: validates each event against the state machine, persists the new state together with the reports
/// its units must receive (an outbox), then delivers them. Idempotent per event id.
/// </summary>
public sealed class TicketGrain(
    [PersistentState("ticket", GrainStorage.Name)] IPersistentState<TicketRecord> record,
    TicketRulesProvider rules,
    ActivityBuffer activity,
    IEventTimeSink eventTime,
    ILogger<TicketGrain> logger) : Grain, ITicketGrain
{
    private IGrainTimer? _retry;

    public override Task OnActivateAsync(CancellationToken ct)
    {
        // Reports left in the outbox (delivered or not: its clearing is stored lazily) go out after activation, never
        // during it: a ledger rebuilding itself may be asking this very ticket for its report.
        if (record.State.Outbox.Count > 0)
            _retry = this.RegisterGrainTimer(DeliverOutbox, new GrainTimerCreationOptions(TimeSpan.Zero, TimeSpan.FromSeconds(5)) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public Task<TicketState?> Get() => Task.FromResult(record.State.Ticket);

    public Task<TicketReport> GetReport() => Task.FromResult(new TicketReport(record.State.Ticket?.Version ?? 0, record.State.Reported));

    public async Task<EventResult> Apply(TicketEvent e)
    {
        var current = record.State.Ticket;
        if (e.Id is not null && current?.HasEvent(e.Id) == true) return new EventResult(e.Id, EventStatus.Duplicate);

        var unitKnown = await IsKnownUnit(e);
        var t = WorkOrderMachine.Apply(current, e, rules.For(unitKnown));
        if (!t.Accepted) return EventResult.Rejected(e.Id, t.Rejection!);

        var next = t.State!;
        var contribution = WorkOrderAssessment.Of(next);
        var previous = record.State.Reported;
        if (contribution != previous)
        {
            if (previous is not null && (contribution is null || Key(previous) != Key(contribution)))
                record.State.Outbox.Add(new PendingReport(Key(previous), next.Version, null));
            if (contribution is not null)
                record.State.Outbox.Add(new PendingReport(Key(contribution), next.Version, contribution));
        }
        record.State.Ticket = next;
        record.State.Reported = contribution;
        await record.WriteStateAsync();
        activity.Record(next.History[^1].Type, e.At!.Value, next);
        eventTime.Observe(e.At!.Value);

        await DeliverOutbox();
        return new EventResult(e.Id, EventStatus.Accepted);
    }

    private async Task<Func<string, bool>> IsKnownUnit(TicketEvent e)
    {
        if (e.Type is not ("dispatched" or "reassigned") || string.IsNullOrWhiteSpace(e.UnitId)) return _ => false;
        var known = UnitKinds.IsValidId(e.UnitId) && await GrainFactory.GetGrain<IUnitGrain>(e.UnitId).GetProfile() is not null;
        var unitId = e.UnitId;
        return id => known && id == unitId;
    }

    private static string Key(OrderContribution c) => UnitKeys.Month(c.UnitId, c.Month);

    /// <summary>Delivers pending reports in order. A failure leaves them pending and retries on a timer.</summary>
    private async Task DeliverOutbox()
    {
        var outbox = record.State.Outbox;
        var ticketId = this.GetPrimaryKeyString();
        try
        {
            while (outbox.Count > 0)
            {
                var r = outbox[0];
                await GrainFactory.GetGrain<IUnitMonthGrain>(r.UnitMonthKey).Report(ticketId, r.Version, r.Contribution);
                outbox.RemoveAt(0); // persisted with the next change; a redelivery is ignored by the ledger's version check
            }
            _retry?.Dispose();
            _retry = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Ticket {TicketId}: {Count} unit report(s) not delivered yet; retrying", ticketId, outbox.Count);
            _retry ??= this.RegisterGrainTimer(DeliverOutbox, new GrainTimerCreationOptions(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)) { KeepAlive = true });
        }
    }
}
