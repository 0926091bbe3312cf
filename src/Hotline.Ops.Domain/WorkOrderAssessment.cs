namespace Hotline.Ops.Domain;

/// <summary>Where one work order counts in the monthly assessment, and what it counts for.</summary>
public sealed record OrderContribution(
    string UnitId, AssessmentChannel Channel, string Month, AssessmentCounts Counts,
    DateTimeOffset DispatchedAt, DateTimeOffset Deadline, bool Open, bool Supervised = false, int ReturnRequests = 0);

/// <summary>
/// How a work order counts (应办理数 and the rest), as a pure function of the ticket's state, so that a unit's month
/// is always the sum over its orders and can be recomputed from the tickets at any time:
/// <list type="bullet">
/// <item>An order counts for the unit that holds it now, in the month in which its (current) deadline falls
/// (到期应办): an order dispatched on 25 January 2024 with a deadline on 7 February (10 working days, counting the
/// 4 February make-up Sunday) is due in February; one dispatched on
/// 27 February with a deadline in March is due in March. An extension can move an order to the next month.
/// A returned order awaiting reassignment counts for nobody; the unit it is reassigned to takes it over.</item>
/// <item>Handled (办理) when its first reply came by the end of that month; on time (按期) when it came by the deadline.</item>
/// <item>Every rework (返工) and every follow-up (回访) outcome on the order counts, so rates above 100 % are possible
/// (市国资委: 25 rework on 9 due).</item>
/// </list>
/// </summary>
public static class WorkOrderAssessment
{
    public static OrderContribution? Of(TicketState s)
    {
        if (s.UnitId is null || s.Deadline is not { } deadline || !s.IsWorkOrder) return null;
        var month = CityTime.MonthOf(deadline);
        var handled = s.FirstReplyAt is { } r && r <= CityTime.EndOfMonth(month);
        var onTime = s.FirstReplyAt is { } r2 && r2 <= deadline;
        var counts = new AssessmentCounts(1, handled ? 1 : 0, onTime ? 1 : 0, s.Reworks, s.Satisfied, s.BasicallySatisfied, s.Dissatisfied);
        return new OrderContribution(s.UnitId, Channels.AssessedAs(s.Channel), month, counts, s.DispatchedAt!.Value, deadline,
            s.AwaitsReply, s.Supervised, s.ReturnRequests);
    }
}
