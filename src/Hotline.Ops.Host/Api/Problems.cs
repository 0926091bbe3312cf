namespace Hotline.Ops.Host.Api;

/// <summary>RFC 7807 problem details for the API's errors.</summary>
public static class Problems
{
    public static IResult BadRequest(string detail) => Results.Problem(detail, statusCode: 400, title: "Bad request");
    public static IResult NotFound(string detail) => Results.Problem(detail, statusCode: 404, title: "Not found");
    public static IResult Conflict(string detail) => Results.Problem(detail, statusCode: 409, title: "Conflict");
}
