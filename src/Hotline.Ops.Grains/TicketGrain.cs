using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

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
    /// <summary>Set when the outbox was stored with reports in it: which silo incarnation wrote them, and when in its
    /// order of writes (the recovery sweep skips the outbox once that incarnation's stored watermark is past it).</summary>
    [Id(3)] public OutboxStamp? Stamp { get; set; }
}

/// <summary>
/// One ticket: validates each event against the state machine, persists the new state together with the reports
/// its units must receive (an outbox), then delivers them. Idempotent per event id.
/// </summary>
/// <remarks>
/// A ticket whose first call brings a 'received' event is taken to be new: its state is not read, and its first write
/// is an insert that fails if the row exists (a resent request, or a ticket that rested). Then it reads the row and
/// judges the events again. Every other call reads the state first. Almost every ticket starts with its request, so
/// this saves a storage round trip (and a read of an absent row) per ticket (bench/FINDINGS.md item 28).
/// </remarks>
public sealed class TicketGrain(
    [FromKeyedServices(GrainStorage.Name)] IGrainStorage storage,
    TicketRulesProvider rules,
    ActivityBuffer activity,
    EmergencyRules emergencies,
    IEventTimeSink eventTime,
    TicketResidency residency,
    OutboxWatermark watermark,
    TicketAnswering answering,
    ILogger<TicketGrain> logger) : Grain, ITicketGrain
{
    /// <summary>The state's name in storage (as it was when the grain used Orleans' persistent state).</summary>
    public const string StateName = "ticket";
    private readonly GrainState<TicketRecord> _record = new(new TicketRecord());
    /// <summary>Completes once the state is read, or taken to be new (null: neither yet, or the read failed).</summary>
    private Task? _loaded;
    private IGrainTimer? _retry;
    /// <summary>
    /// The stored outbox lists reports, and no watermark of this silo will cover them: it was read so from storage (written
    /// by another incarnation, or never stamped) and not written since. Once delivered it is stored cleared, so the
    /// recovery sweep does not take it up again.
    /// </summary>
    private bool _storedOutboxUncovered;
    /// <summary>Stamps of this activation's writes whose outbox may be stored undelivered: each holds this silo's watermark
    /// back until the reports are delivered or a later write replaced the row. Null when none (most tickets, most of the time).</summary>
    private List<OutboxStamp>? _held;
    /// <summary>
    /// Events accepted in memory whose write has not succeeded yet. Until it does, every call writes again before it
    /// answers, a duplicate of those events too: an event answered as a duplicate is stored. Null when there are none:
    /// a resident ticket keeps no empty list (bench/FINDINGS.md item 26).
    /// </summary>
    private List<(TicketEvent Event, TicketState State)>? _unstored;
    /// <summary>The ticket's version as last stored (read or written): reports of later versions wait for their write.</summary>
    private int _storedVersion;
    /// <summary>The delivery of the outbox running now, if any. There is one at a time, whoever asked for it: answering
    /// once stored (<see cref="TicketAnswering"/>), it runs on while the ticket's next calls do.</summary>
    private Task? _delivery;

    private TicketRecord State => _record.State!;

    public override Task OnActivateAsync(CancellationToken ct)
    {
        residency.Arrived();
        return Task.CompletedTask;
    }

    /// <summary>The state as stored, read once per activation (concurrent callers share the read; a failed read is tried
    /// again by the next call).</summary>
    private Task Loaded() => _loaded ??= Read();

    private async Task Read()
    {
        try { await storage.ReadStateAsync(StateName, this.GetGrainId(), _record); }
        catch
        {
            _loaded = null;
            throw;
        }
        _record.State ??= new TicketRecord();
        _storedVersion = State.Ticket?.Version ?? 0;
        if (State.Outbox.Count == 0) return;
        if (watermark.KnownDelivered(State.Stamp))
        {
            // Delivered by an earlier activation on this silo, and stored as it was (a delivered outbox is not stored cleared).
            State.Outbox.Clear();
            State.Outbox.Capacity = 0;
            return;
        }
        if (State.Stamp is { } own && own.Incarnation == watermark.Incarnation) (_held ??= []).Add(own); // an earlier activation here left it undelivered
        else _storedOutboxUncovered = true;
        // Reports left in the outbox (delivered or not) go out after this call, never during it: a ledger rebuilding
        // itself may be asking this very ticket for its report.
        _retry ??= this.RegisterGrainTimer(DeliverOutbox, new GrainTimerCreationOptions(TimeSpan.Zero, TimeSpan.FromSeconds(5)) { KeepAlive = true });
    }

    private Task Write() => storage.WriteStateAsync(StateName, this.GetGrainId(), _record);

    /// <summary>
    /// Writes the ticket, its outbox stamped if it has reports (<see cref="OutboxWatermark"/>). A stamp stays held after
    /// a failed write: the write may have been stored all the same. It is let go once a later write replaced the row or
    /// the reports are delivered.
    /// </summary>
    private async Task Store(bool stamped = true)
    {
        var stamp = stamped && State.Outbox.Count > 0 ? watermark.Stamp() : null;
        if (stamp is not null) (_held ??= []).Add(stamp);
        State.Stamp = stamp;
        try
        {
            await Write();
        }
        catch (InconsistentStateException) when (stamp is not null)
        {
            // The row is someone else's write: this one was not stored. (A delivery that emptied the outbox meanwhile
            // let the stamp go already.)
            if (_held?.Remove(stamp) == true)
            {
                watermark.Release(stamp);
                if (_held.Count == 0) _held = null;
            }
            throw;
        }
        _storedVersion = State.Ticket?.Version ?? 0;
        _storedOutboxUncovered = false;
        ReleaseHeld(except: stamp);
    }

    /// <summary>Lets go of the stamps held but <paramref name="except"/> (the reports they guarded are delivered, or the
    /// row no longer carries them). Called after every write and delivery: no copy, no list left behind when empty.</summary>
    private void ReleaseHeld(OutboxStamp? except = null)
    {
        if (_held is null) return;
        foreach (var s in _held)
            if (s != except) watermark.Release(s);
        if (except is null) _held = null;
        else if (_held.Count > 1) { _held.Clear(); _held.Add(except); }
    }

    /// <summary>
    /// A delivered outbox is not stored cleared: this silo's watermark covers it. A ticket leaving memory writes only
    /// when the sweep could not tell otherwise: reports it read from storage uncovered and has delivered since (stored
    /// cleared), or reports it wrote and could not deliver (stored unstamped, so every sweep takes them up and the
    /// watermark need not wait for them).
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken ct)
    {
        residency.Left();
        // Events not stored yet were never answered as accepted: nothing is written for them here, and their stamps stay
        // held (the failed write may have been stored; only this silo's sweep efficiency pays for it).
        if (_unstored is not null) return;
        var mustWrite = State.Outbox.Count > 0
            ? _held is not null           // reports stamped here, not delivered: stored unstamped, the watermark may pass
            : _storedOutboxUncovered;     // reports read uncovered, delivered since: stored cleared
        if (!mustWrite) return;
        try { await Store(stamped: false); }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The sweep redelivers the stored reports, and the ledger ignores versions it has.
            logger.LogDebug(ex, "Ticket {TicketId}: outbox not stored at deactivation", this.GetPrimaryKeyString());
        }
    }

    public async Task<TicketState?> Get()
    {
        await Loaded();
        return State.Ticket;
    }

    public async Task<int> DeliverPending()
    {
        await Loaded();
        await DeliverOutbox();
        if (State.Outbox.Count == 0 && _storedOutboxUncovered && _unstored is null) await Store(); // so the next sweep passes it by
        return State.Outbox.Count;
    }

    public async Task<TicketReport> GetReport()
    {
        await Loaded();
        return new TicketReport(State.Ticket?.Version ?? 0, State.Reported);
    }

    /// <summary>
    /// Applies a ticket's events in order and stores the outcome once: the events of one ticket in one batch (a request
    /// and its dispatch, say) cost one storage write, not one each. Nothing is answered before that write.
    /// </summary>
    public async Task<EventResult[]> Apply(TicketEvent[] events)
    {
        if (_loaded is null && events is [{ Type: "received" }, ..]) _loaded = Task.CompletedTask; // taken to be new (remarks)
        await Loaded();
        try
        {
            return await ApplyLoaded(events);
        }
        catch (InconsistentStateException) when (_record.ETag is null)
        {
            // Written as new, but the row exists (taken to be new, or stored meanwhile by another activation). Nothing
            // of this call was stored or answered: judge its events against the stored ticket.
            logger.LogDebug("Ticket {TicketId}: stored already; its events are judged against the stored state", this.GetPrimaryKeyString());
            _unstored = null;
            _loaded = null;
            await Loaded();
            return await ApplyLoaded(events);
        }
    }

    private async Task<EventResult[]> ApplyLoaded(TicketEvent[] events)
    {
        var results = new EventResult[events.Length];
        var accepted = _unstored ??= [];
        for (var i = 0; i < events.Length; i++) results[i] = await Accept(events[i], accepted);
        if (accepted.Count == 0)
        {
            _unstored = null;
            return results;
        }

        await Store();
        _unstored = null; // stored: the list is this call's alone now, no copy needed
        foreach (var (e, s) in accepted)
        {
            activity.Record(s.History[^1].Type, e.At!.Value, s);
            eventTime.Observe(e.At!.Value);
        }
        foreach (var (e, s) in accepted)
            if (s.Tags.Any(IsEmergencyTag) && e.Type is ("dispatched" or "reassigned") && s.UnitId is { } unit) NotifyUnit(s, unit);
        var delivery = DeliverOutbox();
        // Answering once stored, the events are safe (stored with their outbox, delivered again after a failure or a
        // restart) and a request waits for one commit, not for the ledgers' as well (bench/FINDINGS.md item 41).
        if (!answering.OnceStored) await delivery;
        return results;
    }

    /// <summary>Checks one event against the state machine and, if accepted, changes the state and outbox in memory.</summary>
    private async Task<EventResult> Accept(TicketEvent e, List<(TicketEvent, TicketState)> accepted)
    {
        var current = State.Ticket;
        if (e.Id is not null && current?.HasEvent(e.Id) == true) return new EventResult(e.Id, EventStatus.Duplicate);

        // An emergency's order without an explicit urgency is dispatched as urgent.
        var emergencyOrder = current is not null && e.Type == "dispatched" && current.Tags.Any(IsEmergencyTag);
        if (emergencyOrder && e.Urgency is null) e = e with { Urgency = "urgent" };
        var t = WorkOrderMachine.Apply(current, e, await RulesFor(e));
        if (!t.Accepted) return EventResult.Rejected(e.Id, t.Rejection!);

        var next = t.State!;
        if (current is null) next = TagEmergencies(next);
        var contribution = WorkOrderAssessment.Of(next);
        var previous = State.Reported;
        if (contribution != previous)
        {
            if (previous is not null && (contribution is null || Key(previous) != Key(contribution)))
                State.Outbox.Add(new PendingReport(Key(previous), next.Version, null));
            if (contribution is not null)
                State.Outbox.Add(new PendingReport(Key(contribution), next.Version, contribution));
        }
        State.Ticket = next;
        State.Reported = contribution;
        accepted.Add((e, next));
        return new EventResult(e.Id, EventStatus.Accepted);
    }

    private static bool IsEmergencyTag(string tag) => tag.StartsWith("emergency:", StringComparison.Ordinal);

    /// <summary>Tags a new request with every active emergency whose rule it matches (the rules are a silo cache: no grain call).</summary>
    private TicketState TagEmergencies(TicketState s)
    {
        var active = emergencies.Active;
        if (active.Count == 0) return s;
        var tags = s.Tags;
        foreach (var em in active)
            if (em.Matches(s.ReceivedAt, s.Category, s.District, s.Text) && !tags.Contains(em.Tag)) tags = tags.Add(em.Tag);
        return tags == s.Tags ? s : s with { Tags = tags };
    }

    /// <summary>An emergency's order goes to its unit's screen at once.</summary>
    private void NotifyUnit(TicketState s, string unitId)
    {
        var em = s.Tags.Where(IsEmergencyTag).Select(t => t["emergency:".Length..]).First();
        var name = emergencies.Active.FirstOrDefault(x => x.Id == em)?.Name ?? em;
        this.Publish(WallMessage.Of(WallTopics.Unit(unitId), WallTopics.Methods.Emergency,
            new EmergencyMessage(em, name, "order", 0, s.LastEventAt, s.TicketId, unitId, s.Deadline)));
    }

    private ValueTask<TransitionRules> RulesFor(TicketEvent e) =>
        e.Type is "dispatched" or "reassigned" && !string.IsNullOrWhiteSpace(e.UnitId)
            ? rules.ForDispatchTo(GrainFactory, e.UnitId)
            : ValueTask.FromResult(rules.NoUnitKnown);

    private static string Key(OrderContribution c) => UnitKeys.Month(c.UnitId, c.Month);

    /// <summary>
    /// Delivers the pending reports of stored versions, in order, then lets the ticket rest if the silo is over its
    /// resident limit. Callers share the delivery running, which goes on to reports stored meanwhile. A failure leaves
    /// them pending and retries on a timer.
    /// </summary>
    private Task DeliverOutbox() => _delivery is { IsCompleted: false } running ? running : _delivery = Deliver();

    private async Task Deliver()
    {
        var ticketId = State.Ticket?.TicketId ?? this.GetPrimaryKeyString(); // the key, without decoding it again
        try
        {
            // The outbox is looked up at each step: answering once stored, the ticket's next call may add to it meanwhile.
            while (State.Outbox is [var r, ..] && r.Version <= _storedVersion)
            {
                await rules.Ledger(GrainFactory, r.UnitMonthKey).Report(ticketId, r.Version, r.Contribution);
                // Removed only if still first: a read of the stored state replaces the outbox. (A redelivery, after a crash
                // say, is ignored by the ledger's version check.)
                if (State.Outbox is [var first, ..] && ReferenceEquals(first, r)) State.Outbox.RemoveAt(0);
            }
            // Reports left wait for their write, whose call delivers them.
            if (State.Outbox.Count == 0)
            {
                State.Outbox.Capacity = 0; // an empty outbox keeps no array while the ticket waits, often for days, for its next event
                ReleaseHeld(); // every report written is delivered: the watermark may pass this ticket's stamps
                State.Stamp = null; // it guarded reports now delivered; a resident ticket need not keep it (every write sets it anew)
                _retry?.Dispose();
                _retry = null;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Ticket {TicketId}: {Count} unit report(s) not delivered yet; retrying", ticketId, State.Outbox.Count);
            _retry ??= this.RegisterGrainTimer(DeliverOutbox, new GrainTimerCreationOptions(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)) { KeepAlive = true });
        }
        _delivery = null; // a resident ticket keeps no finished delivery (its task holds the whole state machine)
        // To rest (TicketResidency), with nothing to write on the way.
        if (State.Outbox.Count == 0 && residency.Full) DeactivateOnIdle();
    }
}
