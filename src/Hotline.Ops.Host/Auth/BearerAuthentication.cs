using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Hotline.Ops.Host.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c>; on the hub also <c>?access_token=</c>, since browsers cannot set headers on
/// WebSockets. A refused request gets RFC 7807 problem details (401 or 403) and its body is never read.
/// </summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    TokenStore tokens, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string UnitClaim = "hotline:unit";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = null;
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) token = header["Bearer ".Length..].Trim();
        else if (Request.Path.StartsWithSegments("/hubs")) token = Request.Query["access_token"].ToString();
        // A printable page opened from a link cannot send a header: it takes ?token= like the wall's address does.
        else if (Request.Path.StartsWithSegments("/bulletin") && HttpMethods.IsGet(Request.Method)) token = Request.Query["token"].ToString();
        if (string.IsNullOrEmpty(token)) return Task.FromResult(AuthenticateResult.NoResult());
        if (tokens.Find(token) is not { } holder) return Task.FromResult(AuthenticateResult.Fail("unknown token"));
        var claims = new List<Claim> { new(ClaimTypes.Role, holder.Role), new(ClaimTypes.Name, holder.UnitId is null ? holder.Role : $"unit:{holder.UnitId}") };
        if (holder.UnitId is not null) claims.Add(new Claim(UnitClaim, holder.UnitId));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Write(401, "Unauthorized", "a bearer token is required (Authorization: Bearer <token>); it was missing or unknown");
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Write(403, "Forbidden", "this token's role may not do this");
    }

    private async Task Write(int status, string title, string detail)
    {
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}

/// <summary>The authorization policies, and the per-unit rule (a unit sees only itself; the centre sees every unit).</summary>
public static class Access
{
    public const string ReadCity = "read-city", Ops = "ops", Feed = "feed", Admin = "admin", LeadTopic = "lead-topic";
    /// <summary>The centre or any unit: what a unit may then see is decided per resource (<see cref="CanReadUnit"/>).</summary>
    public const string CityOrUnit = "city-or-unit";

    public static IServiceCollection AddHotlineAccess(this IServiceCollection services)
    {
        services.AddAuthentication(BearerAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadCity, p => p.RequireRole(Roles.Centre))
            .AddPolicy(Ops, p => p.RequireRole(Roles.Lead, Roles.Admin))
            .AddPolicy(LeadTopic, p => p.RequireRole(Roles.Lead, Roles.Admin))
            .AddPolicy(Feed, p => p.RequireRole(Roles.Feeder, Roles.Admin))
            .AddPolicy(Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(CityOrUnit, p => p.RequireRole([.. Roles.Centre, Roles.Unit]))
            // An endpoint without its own rule is closed to strangers rather than open by accident.
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return services;
    }

    public static bool IsCentre(this ClaimsPrincipal user) => Roles.Centre.Any(user.IsInRole);

    public static string? UnitId(this ClaimsPrincipal user) => user.FindFirst(BearerAuthenticationHandler.UnitClaim)?.Value;

    public static bool CanReadUnit(this ClaimsPrincipal user, string unitId) =>
        user.IsCentre() || (user.IsInRole(Roles.Unit) && user.UnitId() == unitId);

    public static IResult Forbidden(string detail) => Results.Problem(detail, statusCode: 403, title: "Forbidden");
}
