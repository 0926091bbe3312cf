namespace Hotline.Ops.Domain;

/// <summary>An expected end-of-month score and grade for a unit's table.</summary>
public sealed record GradeForecast(decimal ExpectedScore, Grade ExpectedGrade);

/// <summary>
/// A point forecast of where a unit's month ends: its open orders are expected to be handled and handled on time at
/// the unit's own rates so far (with a uniform prior, so a new unit is assumed neither perfect nor failing).
/// </summary>
public static class Forecasts
{
    public static GradeForecast? Expected(AssessmentChannel channel, AssessmentCounts n, int open, GradeBounds? bounds = null)
    {
        if (n.Due <= 0) return null;
        var closed = n.Due - open;
        var pHandled = (n.Handled + 1.0) / (closed + 2.0);
        var pOnTimeGivenHandled = (n.OnTime + 1.0) / (n.Handled + 2.0);
        double due = n.Due;
        var handled = Math.Min(due, n.Handled + open * pHandled);
        var onTime = Math.Min(handled, n.OnTime + open * pHandled * pOnTimeGivenHandled);
        var followUp = n.FollowUps == 0 ? 20.0
            : channel == AssessmentChannel.Hotline ? 20.0 * (1 - (double)n.Dissatisfied / n.FollowUps) : 20.0 * n.SatisfiedTotal / n.FollowUps;
        var score = 30 * handled / due + 30 * onTime / due + 20 * (1 - n.Rework / due) + followUp;
        var rounded = Math.Round((decimal)score, Scoring.Decimals(channel), MidpointRounding.AwayFromZero);
        return new GradeForecast(rounded, (bounds ?? GradeBounds.Default).GradeOf(rounded));
    }
}
