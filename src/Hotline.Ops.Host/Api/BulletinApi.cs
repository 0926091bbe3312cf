using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Host.Api;

/// <summary>Assembles the month's bulletin from the units' ledgers.</summary>
public sealed class BulletinService(IGrainFactory grains, GradeBounds bounds)
{
    public async Task<BulletinReport> BuildAsync(string month)
    {
        var units = await grains.GetGrain<IUnitRegistryGrain>(0).List();
        var counts = await Task.WhenAll(units.Select(u => grains.GetGrain<IUnitMonthGrain>(UnitKeys.Month(u.Id, month)).GetSummary()));
        return Bulletins.Build(month, units.Zip(counts, (u, c) => new UnitMonth(u, c.Hotline, c.Mailbox)), bounds);
    }
}

public static class BulletinApi
{
    public static void MapBulletinApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/bulletin/{month}", async (string month, BulletinService bulletins) =>
            CityTime.TryParseMonth(month, out _)
                ? Results.Ok(await bulletins.BuildAsync(month))
                : Problems.NotFound($"'{month}' is not a month (YYYY-MM)"))
            .WithSummary("The month's assessment.");

        app.MapGet("/api/bulletin/{month}/{file}", async (string month, string file, BulletinService bulletins) =>
        {
            if (!CityTime.TryParseMonth(month, out _)) return Problems.NotFound($"'{month}' is not a month (YYYY-MM)");
            AssessmentChannel channel;
            if (file == "hotline.csv") channel = AssessmentChannel.Hotline;
            else if (file == "mailbox.csv") channel = AssessmentChannel.Mailbox;
            else return Problems.NotFound($"no such table '{file}': use hotline.csv or mailbox.csv");
            var report = await bulletins.BuildAsync(month);
            return Results.Text(BulletinCsv.Format(report.Table(channel).Rows), "text/csv; charset=utf-8");
        }).WithSummary("One assessment table as CSV, in the reference CSV's columns.");
    }
}
