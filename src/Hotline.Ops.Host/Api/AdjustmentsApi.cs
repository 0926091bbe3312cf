using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Host.Api;

public sealed record AdjustmentBody(string? UnitId, string? Month, decimal? Points, string? Indicator, string? Reason, string? OrderNumber);

/// <summary>A unit's running total of bonus and penalty points for a year.</summary>
public sealed record AdjustmentTotal(string UnitId, string Name, decimal Points, int Entries);

public static class AdjustmentsApi
{
    public static void MapAdjustmentsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/ops/adjustments", async (AdjustmentBody body, IGrainFactory grains) =>
        {
            if (body.UnitId is null || !UnitKinds.IsValidId(body.UnitId) || await grains.GetGrain<IUnitGrain>(body.UnitId).GetProfile() is null)
                return Problems.BadRequest($"unknown unit '{body.UnitId}'");
            if (!CityTime.TryParseMonth(body.Month, out _)) return Problems.BadRequest($"'month' must be YYYY-MM, not '{body.Month}'");
            if (body.Points is not { } p || p == 0 || Math.Abs(p) > 10 || p * 10 != Math.Truncate(p * 10))
                return Problems.BadRequest("'points' must be a non-zero number of points between −10 and +10, in steps of 0.1");
            if (string.IsNullOrWhiteSpace(body.Indicator)) return Problems.BadRequest("missing field 'indicator' (指标名称)");
            if (string.IsNullOrWhiteSpace(body.Reason)) return Problems.BadRequest("missing field 'reason' (明细)");
            var a = new Adjustment(body.UnitId, body.Month!, p, body.Indicator.Trim(), body.Reason.Trim(), string.IsNullOrWhiteSpace(body.OrderNumber) ? null : body.OrderNumber.Trim());
            await grains.GetGrain<IAdjustmentsGrain>(int.Parse(body.Month![..4])).Add(a);
            return Results.Created($"/api/ops/adjustments?year={body.Month[..4]}", a);
        }).WithSummary("Records a bonus or penalty (加扣分) for a unit and month.").RequireAuthorization(Auth.Access.Ops);

        app.MapGet("/api/ops/adjustments", async (int? year, IGrainFactory grains, BulletinService bulletins, Grains.CityClock clock) =>
        {
            var y = year ?? CityTime.ToCity(clock.GetUtcNow()).Year;
            if (y is < 2000 or > 2100) return Problems.BadRequest($"'{year}' is not a year");
            var now = CityTime.ToCity(clock.GetUtcNow());
            var lastMonth = y < now.Year ? 12 : y == now.Year ? now.Month : 0;
            var months = Enumerable.Range(1, lastMonth).Select(m => $"{y}-{m:00}").ToList();
            var reports = await Task.WhenAll(months.Select(bulletins.BuildAsync));
            var all = reports.SelectMany(r => r.Adjustments).ToList();
            var units = (await grains.GetGrain<IUnitRegistryGrain>(0).List()).ToDictionary(u => u.Id);
            var totals = all.GroupBy(a => a.UnitId)
                .Select(g => new AdjustmentTotal(g.Key, units.TryGetValue(g.Key, out var u) ? u.Name : g.Key, g.Sum(a => a.Points), g.Count()))
                .OrderBy(t => t.Points).ThenBy(t => t.UnitId, StringComparer.Ordinal).ToList();
            return Results.Ok(new { year = y, totals, adjustments = all });
        }).WithSummary("The year's bonuses and penalties, entered and from grades, with a running total per unit.").RequireAuthorization(Auth.Access.ReadCity);
    }
}
