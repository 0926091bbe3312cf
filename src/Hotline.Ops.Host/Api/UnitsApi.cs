using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Hotline.Ops.Grains;
using Hotline.Ops.Host.Auth;
using System.Security.Claims;

namespace Hotline.Ops.Host.Api;

public sealed record UnitBody(string? Name, string? Kind, string? MailboxKind);

public static class UnitsApi
{
    public static void MapUnitsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/units", async (IGrainFactory grains) => Results.Ok(await grains.GetGrain<IUnitRegistryGrain>(0).List()))
            .WithSummary("The responsible units.").RequireAuthorization(Access.CityOrUnit);

        app.MapPut("/api/units/{id}", async (string id, UnitBody body, IGrainFactory grains, TokenStore tokens) =>
        {
            if (!UnitKinds.IsValidId(id)) return Problems.BadRequest("a unit id is 2–64 lower-case letters, digits and hyphens");
            if (string.IsNullOrWhiteSpace(body.Name)) return Problems.BadRequest("missing field 'name'");
            if (!UnitKinds.TryParse(body.Kind, out var kind)) return Problems.BadRequest("'kind' must be county, agency or enterprise");
            UnitKind? mailboxKind = null;
            if (body.MailboxKind is not null)
            {
                if (!UnitKinds.TryParse(body.MailboxKind, out var mk)) return Problems.BadRequest("'mailboxKind' must be county, agency or enterprise");
                mailboxKind = mk;
            }
            var profile = new UnitProfile(id, body.Name.Trim(), kind, mailboxKind);
            await grains.GetGrain<IUnitRegistryGrain>(0).Upsert(profile);
            tokens.EnsureUnit(id);
            return Results.Ok(profile);
        }).WithSummary("Registers or edits a responsible unit.").RequireAuthorization(Access.Admin);

        app.MapGet("/api/units/{id}/scorecard", async (string id, string? month, ClaimsPrincipal user, IGrainFactory grains, CityClock clock, WorkingCalendar calendar) =>
            await UnitMonth(id, month ??= CityTime.MonthOf(clock.GetUtcNow()), user, grains, calendar) is { } problem
                ? problem
                : Results.Ok(await grains.GetGrain<IUnitGrain>(id).GetScorecard(month)))
            .WithSummary("A unit's live metrics, composite score and grade for a month.").RequireAuthorization(Access.CityOrUnit);

        app.MapGet("/api/units/{id}/trend", async (string id, string? month, ClaimsPrincipal user, IGrainFactory grains, CityClock clock, WorkingCalendar calendar) =>
            await UnitMonth(id, month ??= CityTime.MonthOf(clock.GetUtcNow()), user, grains, calendar) is { } problem
                ? problem
                : Results.Ok(await grains.GetGrain<IUnitMonthGrain>(UnitKeys.Month(id, month)).GetTrend()))
            .WithSummary("A unit's score and counts at the end of every day of the month with a change.").RequireAuthorization(Access.CityOrUnit);
    }

    /// <summary>The checks every unit-month read makes, in this order: access (another unit learns nothing, not even
    /// whether a unit or month exists), the month, the unit.</summary>
    private static async Task<IResult?> UnitMonth(string id, string month, ClaimsPrincipal user, IGrainFactory grains, WorkingCalendar calendar)
    {
        if (!user.CanReadUnit(id)) return Access.Forbidden($"this token may read only its own unit, not '{id}'");
        if (!CityTime.TryParseMonth(month, out _)) return Problems.BadRequest($"'{month}' is not a month (YYYY-MM)");
        if (Problems.MonthOutsideData(month, calendar) is { } outside) return outside;
        if (!UnitKinds.IsValidId(id) || await grains.GetGrain<IUnitGrain>(id).GetProfile() is null) return Problems.NotFound($"unit '{id}' does not exist");
        return null;
    }
}
