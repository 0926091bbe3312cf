using Hotline.Ops.Domain;

namespace Hotline.Ops.Replay;

/// <summary>
/// How many requests, direct answers, work orders and letters a month has. February 2024 is the published month;
/// any other targets are scaled from it by their due sums (see README.md, "Volumes and carry-over").
/// </summary>
public sealed record MonthVolumes(
    int Requests, int AnsweredDirectly, int OrdersDispatched, int IceStorm, int IceStormOrders,
    int DeputyRequests, int DeputyOrders, int EnterpriseRequests, int EnterpriseOrders,
    int Letters, int LettersDispatched)
{
    // The bulletin's February 2024 figures.
    public const int FebRequests = 72_201, FebAnswered = 51_038, FebOrders = 21_163, FebHotlineDue = 22_249;
    public const int FebIceStorm = 8_782, FebDeputyRequests = 120, FebDeputyOrders = 68, FebEnterpriseRequests = 252, FebEnterpriseOrders = 59;
    public const int FebLetters = 957, FebMailboxDue = 859;

    /// <summary>Share of ice-storm requests that became work orders; the rest were answered with outage information.</summary>
    public const double IceStormOrderShare = 0.40;

    public static MonthVolumes For(ReplayTargets targets)
    {
        var hotlineDue = targets.DueSum(AssessmentChannel.Hotline);
        var mailboxDue = targets.DueSum(AssessmentChannel.Mailbox);
        // Orders dispatched in the month relate to the due sum as in February 2024 (21,163 : 22,249).
        var orders = Round(hotlineDue * (double)FebOrders / FebHotlineDue);
        var requests = Round(orders * (double)FebRequests / FebOrders);
        var scale = orders / (double)FebOrders;
        var deputyRequests = Round(FebDeputyRequests * scale);
        var deputyOrders = Math.Min(deputyRequests, Round(FebDeputyOrders * scale));
        var enterpriseRequests = Round(FebEnterpriseRequests * scale);
        var enterpriseOrders = Math.Min(enterpriseRequests, Round(FebEnterpriseOrders * scale));
        var iceStorm = targets.Month == ReplayTargets.DefaultMonth ? Round(FebIceStorm * (double)requests / FebRequests) : 0;
        var iceStormOrders = Math.Min(Round(iceStorm * IceStormOrderShare), Math.Max(0, orders - deputyOrders - enterpriseOrders));
        var lettersDispatched = Round(mailboxDue * (double)FebOrders / FebHotlineDue);
        var letters = Math.Max(lettersDispatched, Round(mailboxDue * (double)FebLetters / FebMailboxDue));
        return new MonthVolumes(requests, requests - orders, orders, iceStorm, iceStormOrders,
            deputyRequests, deputyOrders, enterpriseRequests, enterpriseOrders, letters, lettersDispatched);
    }

    private static int Round(double v) => (int)Math.Round(v, MidpointRounding.AwayFromZero);
}
