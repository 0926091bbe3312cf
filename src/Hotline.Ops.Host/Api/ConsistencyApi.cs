using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Hotline.Ops.Host.Storage;

namespace Hotline.Ops.Host.Api;

public static class ConsistencyApi
{
    public static void MapConsistencyApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ops/consistency", async (string? month, IGrainFactory grains, StoredTickets stored, CancellationToken ct) =>
        {
            if (!CityTime.TryParseMonth(month, out _)) return Problems.BadRequest($"'month' must be YYYY-MM, not '{month}'");
            var units = await grains.GetGrain<IUnitRegistryGrain>(0).List();
            var ledgers = units.Select(u => grains.GetGrain<IUnitMonthGrain>(UnitKeys.Month(u.Id, month!))).ToList();
            // Each ledger against the tickets it counts, then every stored ticket state against the ledgers.
            var differences = (await Task.WhenAll(ledgers.Select(l => l.Verify()))).SelectMany(d => d).ToList();
            var audits = await Task.WhenAll(ledgers.Select(l => l.Audit()));
            var tickets = await stored.CountingIn(month!, ct);
            differences.AddRange(Compare(month!, units, audits, tickets));
            return Results.Ok(new { month, units = units.Count, orders = tickets.Count, consistent = differences.Count == 0, differences });
        }).WithSummary("Recomputes every unit's month from the stored ticket states and lists every difference, including orders missing from a ledger.")
          .RequireAuthorization(Auth.Access.ReadCity);
    }

    /// <summary>
    /// The units' counters recomputed from the stored ticket states against what each ledger holds: orders missing
    /// from a ledger, orders a ledger counts that no ticket puts there, contributions that differ, and the counters.
    /// </summary>
    public static List<string> Compare(string month, IReadOnlyList<UnitProfile> units, IReadOnlyList<LedgerAudit> audits, IReadOnlyList<StoredContribution> tickets)
    {
        var differences = new List<string>();
        var byUnit = tickets.ToLookup(t => t.Contribution.UnitId);
        foreach (var unitId in byUnit.Select(g => g.Key).Except(units.Select(u => u.Id)))
            differences.Add($"{UnitKeys.Month(unitId, month)}: {byUnit[unitId].Count()} order(s) count for a unit that is not registered");
        for (var i = 0; i < units.Count; i++)
        {
            var key = UnitKeys.Month(units[i].Id, month);
            var audit = audits[i];
            AssessmentCounts hotline = default, mailbox = default;
            foreach (var t in byUnit[units[i].Id])
            {
                if (t.Contribution.Channel == AssessmentChannel.Hotline) hotline += t.Contribution.Counts; else mailbox += t.Contribution.Counts;
                if (!audit.Orders.TryGetValue(t.TicketId, out var held))
                    differences.Add($"{key}: ticket {t.TicketId} (version {t.Version}) counts here but is missing from the ledger");
                else if (held != t.Contribution)
                    differences.Add($"{key}: ticket {t.TicketId} (version {t.Version}) is stored with {t.Contribution.Counts}, the ledger has {held.Counts}");
            }
            var expected = byUnit[units[i].Id].Select(t => t.TicketId).ToHashSet(StringComparer.Ordinal);
            foreach (var extra in audit.Orders.Keys.Where(id => !expected.Contains(id)).Order(StringComparer.Ordinal))
                differences.Add($"{key}: the ledger counts ticket {extra}, whose stored state does not count here");
            if (hotline != audit.Hotline) differences.Add($"{key}: hotline counters {audit.Hotline}, recomputed from stored tickets {hotline}");
            if (mailbox != audit.Mailbox) differences.Add($"{key}: mailbox counters {audit.Mailbox}, recomputed from stored tickets {mailbox}");
        }
        return differences;
    }
}
