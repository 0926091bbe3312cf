using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Host.Api;

public static class ConsistencyApi
{
    public static void MapConsistencyApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ops/consistency", async (string? month, IGrainFactory grains) =>
        {
            if (!CityTime.TryParseMonth(month, out _)) return Problems.BadRequest($"'month' must be YYYY-MM, not '{month}'");
            var units = await grains.GetGrain<IUnitRegistryGrain>(0).List();
            var differences = (await Task.WhenAll(units.Select(u => grains.GetGrain<IUnitMonthGrain>(UnitKeys.Month(u.Id, month!)).Verify())))
                .SelectMany(d => d).ToList();
            return Results.Ok(new { month, units = units.Count, consistent = differences.Count == 0, differences });
        }).WithSummary("Recomputes every unit's month from its tickets' stored contributions and lists the differences.").RequireAuthorization(Auth.Access.ReadCity);
    }
}
