using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains.Tests;

/// <summary>The scorecard's forecast (what a ledger shows and sends to the league table), built from its members.</summary>
public sealed class ScorecardForecastTests
{
    [Theory]
    [InlineData(1_500)]
    [InlineData(20_000)]
    public void A_big_units_scorecard_forecast_takes_the_full_draws(int open)
    {
        var unit = SeedUnits.All[0];
        var now = new DateTimeOffset(2024, 3, 15, 12, 0, 0, CityTime.Offset);
        var start = new DateTimeOffset(2024, 3, 1, 9, 0, 0, CityTime.Offset);
        var rng = new Random(open);
        var members = Enumerable.Range(0, open)
            .Select(i => ($"open-{i}", new OrderContribution(unit.Id, AssessmentChannel.Hotline, "2024-03", new AssessmentCounts(1, 0, 0, 0, 0, 0, 0),
                start.AddHours(rng.Next(0, 14 * 24)), new DateTimeOffset(2024, 3, 20 + rng.Next(0, 10), 23, 59, 59, CityTime.Offset), Open: true)))
            .Append(("closed", new OrderContribution(unit.Id, AssessmentChannel.Hotline, "2024-03", new AssessmentCounts(open, open, open * 9 / 10, open / 50, open / 2, 0, open / 40),
                start, start.AddDays(5), Open: false)))
            .ToList();
        var counts = UnitForecasts.Sum(members.Select(m => m.Item2), AssessmentChannel.Hotline);
        var summary = new UnitMonthSummary(unit.Id, "2024-03", counts, default, open, 0, 0, 0, 0, open);

        var card = Scorecard.Build(unit, summary, [], GradeBounds.Default, now, members);

        var full = Forecasts.Simulate(new ForecastInput(AssessmentChannel.Hotline, counts, UnitForecasts.Open(members.Select(m => m.Item2), AssessmentChannel.Hotline),
            now, "2024-03", GradeBounds.Default, UnitForecasts.Seed(unit.Id, "2024-03"), Draws: 2000))!;
        var shown = card.Hotline.Forecast!;
        Assert.Equal((full.ExpectedScore, full.Low, full.High, full.ExpectedGrade), (shown.ExpectedScore, shown.Low, shown.High, shown.ExpectedGrade));
        Assert.Equal(full.Probabilities!.OrderBy(p => p.Key), shown.Probabilities!.OrderBy(p => p.Key));
        Assert.True(shown.Low < shown.High, "mid-month with open orders the forecast is uncertain");
    }
}
