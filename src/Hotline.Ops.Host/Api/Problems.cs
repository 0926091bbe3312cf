namespace Hotline.Ops.Host.Api;

/// <summary>RFC 7807 problem details for the API's errors.</summary>
public static class Problems
{
    public static IResult BadRequest(string detail) => Results.Problem(detail, statusCode: 400, title: "Bad request");
    public static IResult NotFound(string detail) => Results.Problem(detail, statusCode: 404, title: "Not found");
    public static IResult Conflict(string detail) => Results.Problem(detail, statusCode: 409, title: "Conflict");

    /// <summary>A well-formed month the centre has no data for: outside the working-day calendar it ships with.</summary>
    public static IResult? MonthOutsideData(string month, Domain.WorkingCalendar calendar)
    {
        if (!Domain.CityTime.TryParseMonth(month, out var first)) return null;
        var from = new DateOnly(calendar.CoveredFrom.Year, calendar.CoveredFrom.Month, 1);
        return first < from || first > calendar.CoveredTo
            ? NotFound($"no data for {month}: the calendar covers {calendar.CoveredFrom:yyyy-MM} to {calendar.CoveredTo:yyyy-MM}")
            : null;
    }
}
