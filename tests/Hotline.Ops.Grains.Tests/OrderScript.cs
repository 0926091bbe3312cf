using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains.Tests;

/// <summary>
/// Writes the events of a unit's month from its target counts: each order is received and dispatched early in the
/// month with an explicit deadline in that month; handled orders are replied (on time before the deadline, the rest
/// after it but within the month); rework and follow-ups are spread over handled orders.
/// </summary>
public static class OrderScript
{
    public static List<TicketEvent> ForUnit(string prefix, string unitId, AssessmentChannel channel, AssessmentCounts n, int year = 2024, int month = 2)
    {
        var events = new List<TicketEvent>();
        var t0 = new DateTimeOffset(year, month, 1, 9, 0, 0, CityTime.Offset);
        var deadline = new DateTimeOffset(year, month, 20, 18, 0, 0, CityTime.Offset);
        var reworkLeft = n.Rework;
        var outcomes = Enumerable.Repeat("dissatisfied", n.Dissatisfied).Concat(Enumerable.Repeat("satisfied", n.Satisfied))
            .Concat(Enumerable.Repeat("basicallySatisfied", n.BasicallySatisfied)).ToList();
        var followUpIndex = 0;
        if ((n.Rework > 0 || outcomes.Count > 0) && n.Handled == 0) throw new ArgumentException("rework and follow-ups need a handled order");
        for (var i = 0; i < n.Due; i++)
        {
            var id = $"{prefix}-{i}";
            var at = t0.AddMinutes(i);
            var seq = 0;
            void Add(string type, DateTimeOffset when, Func<TicketEvent, TicketEvent>? more = null)
            {
                var e = new TicketEvent { Id = $"{id}-{seq++}", Type = type, TicketId = id, At = when };
                events.Add(more is null ? e : more(e));
            }
            Add("received", at, e => e with { Channel = channel == AssessmentChannel.Hotline ? "hotline" : "mailbox", Category = "other" });
            Add("dispatched", at.AddMinutes(5), e => e with { UnitId = unitId, Deadline = deadline });
            if (i >= n.Handled) continue;
            var reply = i < n.OnTime ? deadline.AddDays(-3) : deadline.AddDays(2);
            Add("signed", at.AddHours(1));
            Add("replied", reply);
            // Every handled order gets its share of rework and follow-ups; the last one takes what is left.
            var last = i == n.Handled - 1;
            var reworks = last ? reworkLeft : Math.Min(reworkLeft, 1);
            var followUps = last ? outcomes.Count - followUpIndex : Math.Min(outcomes.Count - followUpIndex, 1);
            var when = reply;
            for (var r = 0; r < reworks; r++)
            {
                when = when.AddMinutes(10);
                Add("reworkOrdered", when);
                when = when.AddMinutes(10);
                Add("replied", when);
            }
            reworkLeft -= reworks;
            for (var f = 0; f < followUps; f++)
            {
                when = when.AddMinutes(10);
                var outcome = outcomes[followUpIndex++];
                Add("followedUp", when, e => e with { Outcome = outcome });
            }
            Add("closed", when.AddMinutes(30));
        }
        return events;
    }
}
