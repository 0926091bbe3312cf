using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Host.Api;

/// <summary>Assembles the month's bulletin from the units' ledgers, the city's activity and the adjustments ledger.</summary>
public sealed class BulletinService(IGrainFactory grains, GradeBounds bounds, BulletinRules rules)
{
    /// <summary>Published bulletins we compare with (the reference data shipped with the domain).</summary>
    private static IReadOnlyList<BulletinRow>? PublishedFor(string month) => month == "2024-02" ? BulletinCsv.February2024 : null;

    public async Task<BulletinReport> BuildAsync(string month)
    {
        var units = await grains.GetGrain<IUnitRegistryGrain>(0).List();
        var summaries = await Task.WhenAll(units.Select(u => grains.GetGrain<IUnitMonthGrain>(UnitKeys.Month(u.Id, month)).GetSummary()));
        var a = await grains.GetGrain<ICityMetricsGrain>(0).GetMonthActivity(month);
        var activity = new HourCounts { Received = a.Received, Answered = a.Answered, Dispatched = a.Dispatched, ByCategory = a.ByCategory, ByChannel = a.ByChannel, ByTag = a.ByTag,
            LettersReceived = a.LettersReceived, LettersAnswered = a.LettersAnswered, LettersDispatched = a.LettersDispatched };
        var entered = await grains.GetGrain<IAdjustmentsGrain>(int.Parse(month[..4])).List();
        return Bulletins.Build(month, units.Zip(summaries, (u, s) => new UnitMonth(u, s.Hotline, s.Mailbox)), activity, entered, PublishedFor(month), bounds, rules);
    }
}

public static class BulletinApi
{
    public static void MapBulletinApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/bulletin/{month}", async (string month, BulletinService bulletins, WorkingCalendar calendar) =>
            !CityTime.TryParseMonth(month, out _) ? Problems.NotFound($"'{month}' is not a month (YYYY-MM)")
            : Problems.MonthOutsideData(month, calendar) is { } outside ? outside
                : Results.Ok(await bulletins.BuildAsync(month)))
            .WithSummary("The month's assessment.").RequireAuthorization(Auth.Access.ReadCity);

        app.MapGet("/api/bulletin/{month}/{file}", async (string month, string file, BulletinService bulletins, WorkingCalendar calendar) =>
        {
            if (!CityTime.TryParseMonth(month, out _)) return Problems.NotFound($"'{month}' is not a month (YYYY-MM)");
            if (Problems.MonthOutsideData(month, calendar) is { } outside) return outside;
            AssessmentChannel channel;
            if (file == "hotline.csv") channel = AssessmentChannel.Hotline;
            else if (file == "mailbox.csv") channel = AssessmentChannel.Mailbox;
            else return Problems.NotFound($"no such table '{file}': use hotline.csv or mailbox.csv");
            var report = await bulletins.BuildAsync(month);
            return Results.Text(BulletinCsv.Format(report.Table(channel).Rows), "text/csv; charset=utf-8");
        }).WithSummary("One assessment table as CSV, in the reference CSV's columns.").RequireAuthorization(Auth.Access.ReadCity);

        app.MapGet("/bulletin/{month}", async (string month, BulletinService bulletins, IGrainFactory grains, WorkingCalendar calendar) =>
        {
            if (!CityTime.TryParseMonth(month, out _)) return Problems.NotFound($"'{month}' is not a month (YYYY-MM)");
            if (Problems.MonthOutsideData(month, calendar) is { } outside) return outside;
            var report = await bulletins.BuildAsync(month);
            var units = (await grains.GetGrain<IUnitRegistryGrain>(0).List()).ToDictionary(u => u.Id);
            return Results.Content(BulletinPage.Render(report, units), "text/html; charset=utf-8");
        }).WithSummary("The month's bulletin as a printable page.").RequireAuthorization(Auth.Access.ReadCity);
    }
}
