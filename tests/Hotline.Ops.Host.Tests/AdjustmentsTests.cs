using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Hotline.Ops.Host.Tests;

public sealed class AdjustmentsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private RunningServer S => fixture.Server;

    [Fact]
    public async Task An_entered_adjustment_shows_in_the_bulletin_and_the_years_total()
    {
        var body = new { unitId = "economic-development-zone", month = "2024-05", points = -1m, indicator = "热线办理质量", reason = "虚假结案", orderNumber = "054487" };
        var response = await S.Http.PostAsJsonAsync("/api/ops/adjustments", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var bonus = await S.Http.PostAsJsonAsync("/api/ops/adjustments", new { unitId = "economic-development-zone", month = "2024-06", points = 1.5m, indicator = "信息报送", reason = "市级及以上主流媒体刊登3篇典型案例" });
        Assert.Equal(HttpStatusCode.Created, bonus.StatusCode);

        var bulletin = await S.GetJsonAsync("/api/bulletin/2024-05");
        var entered = bulletin.GetProperty("adjustments").EnumerateArray().Single(a => a.GetProperty("unitId").GetString() == "economic-development-zone");
        Assert.Equal(-1m, entered.GetProperty("points").GetDecimal());
        Assert.Equal("054487", entered.GetProperty("orderNumber").GetString());
        var page = await S.Http.GetStringAsync("/bulletin/2024-05");
        Assert.Contains("054487", page);

        var year = await S.GetJsonAsync("/api/ops/adjustments?year=2024");
        var total = year.GetProperty("totals").EnumerateArray().Single(t => t.GetProperty("unitId").GetString() == "economic-development-zone");
        Assert.Equal(0.5m, total.GetProperty("points").GetDecimal());
        Assert.Equal(2, total.GetProperty("entries").GetInt32());
    }

    public static TheoryData<object, string> BadAdjustments => new()
    {
        { new { unitId = "no-such-unit", month = "2024-05", points = -1m, indicator = "x", reason = "y" }, "unknown unit" },
        { new { unitId = "customs", month = "2024-13", points = -1m, indicator = "x", reason = "y" }, "month" },
        { new { unitId = "customs", month = "2024-05", points = 0m, indicator = "x", reason = "y" }, "points" },
        { new { unitId = "customs", month = "2024-05", points = -11m, indicator = "x", reason = "y" }, "points" },
        { new { unitId = "customs", month = "2024-05", points = -1m, indicator = " ", reason = "y" }, "indicator" },
        { new { unitId = "customs", month = "2024-05", points = -1m, indicator = "x" }, "reason" },
    };

    [Theory]
    [MemberData(nameof(BadAdjustments))]
    public async Task Bad_adjustments_are_400_and_change_nothing(object body, string detail)
    {
        var before = (await S.GetJsonAsync("/api/ops/adjustments?year=2024")).GetProperty("adjustments").GetArrayLength();
        var response = await S.Http.PostAsJsonAsync("/api/ops/adjustments", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(detail, problem.GetProperty("detail").GetString());
        var after = (await S.GetJsonAsync("/api/ops/adjustments?year=2024")).GetProperty("adjustments").GetArrayLength();
        Assert.Equal(before, after);
    }
}
