using System.Globalization;
using System.Text.Json;
using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Hotline.Ops.Grains;

namespace Hotline.Ops.Host.Api;

public sealed record EmergencyRuleBody(string[]? Categories, string[]? Districts, string[]? Keywords);
public sealed record EmergencyBody(string? Name, EmergencyRuleBody? Rule, JsonElement? Start);

public static class SurgesApi
{
    /// <summary>An ISO-8601 time with an explicit offset (Z or ±hh:mm); anything else is refused.</summary>
    public static bool TryParseTime(string? s, out DateTimeOffset t)
    {
        t = default;
        return s is { Length: > 10 } && (s.EndsWith('Z') || s.EndsWith('z') || s.LastIndexOfAny(['+', '-']) > 10)
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out t);
    }

    public static void MapSurgesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ops/surges", async (string? from, string? to, IGrainFactory grains) =>
        {
            var f = DateTimeOffset.MinValue;
            var t = DateTimeOffset.MaxValue;
            if (from is not null && !TryParseTime(from, out f)) return Problems.BadRequest($"'from' must be an ISO-8601 time with an offset, not '{from}'");
            if (to is not null && !TryParseTime(to, out t)) return Problems.BadRequest($"'to' must be an ISO-8601 time with an offset, not '{to}'");
            if (f > t) return Problems.BadRequest("'from' is after 'to'");
            return Results.Ok(await grains.GetGrain<ISurgeGrain>(0).List(f, t));
        }).WithSummary("Surges (start, latest figures, end, proposed emergency) that overlap [from, to).").RequireAuthorization(Auth.Access.ReadCity);
    }

    public static void MapEmergenciesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/ops/emergencies", async (EmergencyBody body, IGrainFactory grains, EmergencyRules rules) =>
        {
            var rule = body.Rule is null ? null : new EmergencyRule(
                (body.Rule.Categories ?? []).Select(c => c?.Trim() ?? "").ToList(),
                (body.Rule.Districts ?? []).Select(d => d?.Trim() ?? "").ToList(),
                (body.Rule.Keywords ?? []).Select(k => k?.Trim() ?? "").ToList());
            if (Emergency.Validate(body.Name, rule) is { } bad) return Problems.BadRequest(bad);
            if (body.Start is not { ValueKind: JsonValueKind.String } st || !TryParseTime(st.GetString(), out var start))
                return Problems.BadRequest("'start' must be an ISO-8601 time with an offset (e.g. 2024-02-01T00:00:00+08:00)");
            var dir = grains.GetGrain<IEmergencyDirectoryGrain>(0);
            var r = await dir.Declare(body.Name!.Trim(), rule!, start);
            if (r.Status == DeclareStatus.DuplicateName) return Problems.Conflict($"an emergency named '{body.Name!.Trim()}' is already active");
            await rules.RefreshAsync(grains); // this silo matches from now; the others within a few seconds
            return Results.Created($"/api/ops/emergencies/{r.Emergency!.Id}", r.Emergency);
        }).WithSummary("Declares an emergency: matching requests are tagged, counted live and their orders dispatched as urgent.").RequireAuthorization(Auth.Access.Ops);

        app.MapGet("/api/ops/emergencies", async (IGrainFactory grains) =>
            Results.Ok(await grains.GetGrain<IEmergencyDirectoryGrain>(0).List()))
            .WithSummary("Every emergency with its live (or frozen) report.").RequireAuthorization(Auth.Access.ReadCity);

        app.MapGet("/api/ops/emergencies/{id}", async (string id, IGrainFactory grains) =>
            await grains.GetGrain<IEmergencyDirectoryGrain>(0).Get(id) is { } r ? Results.Ok(r) : Problems.NotFound($"no emergency '{id}'"))
            .WithSummary("An emergency's report: counts by category, district, unit and hour; orders open and overdue.").RequireAuthorization(Auth.Access.ReadCity);

        app.MapPost("/api/ops/emergencies/{id}/end", async (string id, IGrainFactory grains, EmergencyRules rules) =>
        {
            var r = await grains.GetGrain<IEmergencyDirectoryGrain>(0).End(id);
            if (r is null) return Problems.NotFound($"no emergency '{id}'");
            await rules.RefreshAsync(grains);
            return Results.Ok(r);
        }).WithSummary("Ends an emergency and freezes its report.").RequireAuthorization(Auth.Access.Ops);
    }
}
