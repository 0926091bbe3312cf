using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using Orleans.Storage;

namespace Hotline.Ops.Host.Api;

/// <summary>
/// A request that failed because part of the cluster could not serve it for now — a silo that died and is not yet
/// declared dead, a grain call that timed out, a write that lost to a newer activation, the database out of reach — is
/// answered <c>503</c> with <c>Retry-After</c>: it was not acknowledged, and the same request sent again will get through
/// once the cluster has moved the grains. A feeder's retry is safe: events are idempotent by id, so those of a batch
/// taken before the failure come back as duplicates. Anything else stays the framework's <c>500</c>.
/// </summary>
public sealed class ClusterUnavailableHandler(IProblemDetailsService problems, ILogger<ClusterUnavailableHandler> logger) : IExceptionHandler
{
    /// <summary>What a client should wait before sending again. Short: a feeder's own backoff may wait longer, and a
    /// sooner retry costs only another 503.</summary>
    public const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (Transient(exception) is not { } why) return false;
        logger.LogWarning("{Method} {Path} answered 503: {Why} ({Exception})", http.Request.Method, http.Request.Path, why, exception.GetBaseException().Message);
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Handled even if no problem-details writer suits the client's Accept header: the status and Retry-After stand.
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service unavailable",
                Detail = $"{why}; this request was not acknowledged: send it again in {RetryAfterSeconds} s (events it delivered before the failure come back as duplicates)",
            },
        });
        return true;
    }

    /// <summary>Why the failure will pass, or null when it is not one that will.</summary>
    public static string? Transient(Exception e) => e switch
    {
        // Failures collected together: transient only if every one is. (An awaited Task.WhenAll, as the ingest's over a
        // batch's tickets, throws only its first failure, which is classified alone.)
        AggregateException all => all.InnerExceptions.Select(Transient).ToList() is var whys && whys.Count > 0 && whys.All(w => w is not null) ? whys[0] : null,
        SiloUnavailableException => "a silo holding part of this request is unavailable (the cluster has not yet declared it dead)",
        OrleansMessageRejectionException => "a silo refused a call this request made (it is stopping or unreachable)",
        TimeoutException => "a call this request made timed out",
        InconsistentStateException => "a write lost to a newer copy of the same record (its grain is reloading)",
        NpgsqlException { IsTransient: true } => "the database cannot be reached",
        _ => e.InnerException is { } inner ? Transient(inner) : null,
    };
}
