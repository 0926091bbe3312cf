using Orleans.Concurrency;
using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains;

/// <summary>A ticket's last reported contribution to this unit-month (null: it no longer counts here).</summary>
[GenerateSerializer]
public sealed record LedgerEntry([property: Id(0)] int Version, [property: Id(1)] AssessmentChannel Channel, [property: Id(2)] AssessmentCounts Counts,
    [property: Id(3)] DateTimeOffset Deadline, [property: Id(4)] bool Open, [property: Id(5)] bool Counted = true);

[GenerateSerializer]
public sealed class UnitMonthLedger
{
    [Id(0)] public Dictionary<string, LedgerEntry> Orders { get; set; } = [];
}

/// <summary>
/// A unit's assessment month as the sum of its orders' contributions. Reentrant with group commit: concurrent
/// reports share one storage write, and each report is answered only once it is durable.
/// </summary>
[Reentrant]
public sealed class UnitMonthGrain : Grain, IUnitMonthGrain
{
    private readonly IPersistentState<UnitMonthLedger> _ledger;
    private readonly GroupCommit _commit;
    private AssessmentCounts _hotline, _mailbox;
    private int _open;
    private string _unitId = "", _month = "";

    public UnitMonthGrain([PersistentState("unitMonth", GrainStorage.Name)] IPersistentState<UnitMonthLedger> ledger)
    {
        _ledger = ledger;
        _commit = new GroupCommit(() => _ledger.WriteStateAsync());
    }

    public override Task OnActivateAsync(CancellationToken ct)
    {
        var key = this.GetPrimaryKeyString();
        var slash = key.LastIndexOf('/');
        (_unitId, _month) = (key[..slash], key[(slash + 1)..]);
        foreach (var e in _ledger.State.Orders.Values) Add(e, +1);
        return Task.CompletedTask;
    }

    public Task Report(string ticketId, int version, OrderContribution? c)
    {
        var orders = _ledger.State.Orders;
        if (orders.TryGetValue(ticketId, out var old))
        {
            if (old.Version >= version) return Task.CompletedTask; // a redelivery or an overtaken report
            Add(old, -1);
        }
        // A removal is kept as a tombstone with its version, so a late, older report cannot bring the order back.
        var entry = c is null
            ? new LedgerEntry(version, AssessmentChannel.Hotline, default, default, false, Counted: false)
            : new LedgerEntry(version, c.Channel, c.Counts, c.Deadline, c.Open);
        orders[ticketId] = entry;
        Add(entry, +1);
        return _commit.CommitAsync();
    }

    public Task<UnitMonthCounts> GetCounts() => Task.FromResult(new UnitMonthCounts(_unitId, _month, _hotline, _mailbox, _open));

    private void Add(LedgerEntry e, int sign)
    {
        if (!e.Counted) return;
        var delta = sign > 0 ? e.Counts : default(AssessmentCounts) - e.Counts;
        if (e.Channel == AssessmentChannel.Hotline) _hotline += delta; else _mailbox += delta;
        if (e.Open) _open += sign;
    }
}
