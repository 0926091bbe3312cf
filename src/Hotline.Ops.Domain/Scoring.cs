namespace Hotline.Ops.Domain;

/// <summary>
/// A unit's counts for one assessment table and month: 应办理数, 办理数, 按期办理数, 返工数 and the follow-up (回访) outcomes.
/// Counts add up, so a unit's month is the sum of its orders' contributions.
/// </summary>
public readonly record struct AssessmentCounts(
    int Due, int Handled, int OnTime, int Rework, int Satisfied, int BasicallySatisfied, int Dissatisfied)
{
    public int FollowUps => Satisfied + BasicallySatisfied + Dissatisfied;

    /// <summary>Satisfied in the bulletin's sense (满意数): satisfied or basically satisfied.</summary>
    public int SatisfiedTotal => Satisfied + BasicallySatisfied;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => this == default;

    public static AssessmentCounts operator +(AssessmentCounts a, AssessmentCounts b) => new(
        a.Due + b.Due, a.Handled + b.Handled, a.OnTime + b.OnTime, a.Rework + b.Rework,
        a.Satisfied + b.Satisfied, a.BasicallySatisfied + b.BasicallySatisfied, a.Dissatisfied + b.Dissatisfied);

    public static AssessmentCounts operator -(AssessmentCounts a, AssessmentCounts b) => new(
        a.Due - b.Due, a.Handled - b.Handled, a.OnTime - b.OnTime, a.Rework - b.Rework,
        a.Satisfied - b.Satisfied, a.BasicallySatisfied - b.BasicallySatisfied, a.Dissatisfied - b.Dissatisfied);
}

public enum Grade { A, B, C, D, E }

/// <summary>
/// Lower bounds of the grades. A ≥ 90 is observed; B, C and D bounds are not observable in the published tables
/// (B seen 86.3–89.6, C 80.0–83.6 and 70.0, E 17.8), so they are configuration with defaults that fit every row.
/// </summary>
public sealed record GradeBounds(decimal A = 90m, decimal B = 85m, decimal C = 70m, decimal D = 60m)
{
    public static readonly GradeBounds Default = new();

    public Grade GradeOf(decimal score) =>
        score >= A ? Grade.A : score >= B ? Grade.B : score >= C ? Grade.C : score >= D ? Grade.D : Grade.E;

    public decimal LowerBound(Grade g) => g switch { Grade.A => A, Grade.B => B, Grade.C => C, Grade.D => D, _ => decimal.MinValue };
}

/// <summary>The four weighted terms of the composite score, unrounded.</summary>
public sealed record ScoreComponents(decimal Completion, decimal OnTime, decimal Rework, decimal FollowUp)
{
    public decimal Total => Completion + OnTime + Rework + FollowUp;
}

/// <summary>The result of assessing one unit's month in one table.</summary>
public sealed record Assessment(AssessmentChannel Channel, AssessmentCounts Counts, ScoreComponents? Components, decimal? Score, Grade? Grade)
{
    /// <summary>The published rate: 群众不满意率 on the hotline, 群众满意率 on the mailbox, in percent to 2 decimals.</summary>
    public decimal? RatePct => Scoring.PublishedRatePct(Channel, Counts);
}

/// <summary>
/// The composite score (综合指标值), recovered from the February 2024 tables:
/// 30·handled/due + 30·onTime/due + 20·(1 − rework/due) + 20·(1 − dissatisfied/follow-ups) on the hotline,
/// with 20·satisfied/follow-ups as the last term on the mailbox. Rates are not capped (a rework rate of 277 % gives a
/// negative term). With no follow-ups the last term is full: nobody said they were dissatisfied.
/// </summary>
public static class Scoring
{
    public static int Decimals(AssessmentChannel c) => c == AssessmentChannel.Hotline ? 1 : 2;

    public static ScoreComponents? Components(AssessmentChannel channel, AssessmentCounts n)
    {
        if (n.Due <= 0) return null;
        decimal due = n.Due;
        decimal followUp = n.FollowUps == 0
            ? 20m
            : channel == AssessmentChannel.Hotline
                ? 20m * (1m - (decimal)n.Dissatisfied / n.FollowUps)
                : 20m * n.SatisfiedTotal / n.FollowUps;
        return new ScoreComponents(30m * n.Handled / due, 30m * n.OnTime / due, 20m * (1m - n.Rework / due), followUp);
    }

    /// <summary>The score as published (hotline 1 decimal, mailbox 2), or null for a unit with no orders.</summary>
    public static decimal? Score(AssessmentChannel channel, AssessmentCounts n) =>
        Components(channel, n) is { } c ? Math.Round(c.Total, Decimals(channel), MidpointRounding.AwayFromZero) : null;

    public static Assessment Assess(AssessmentChannel channel, AssessmentCounts n, GradeBounds? bounds = null)
    {
        var components = Components(channel, n);
        decimal? score = components is null ? null : Math.Round(components.Total, Decimals(channel), MidpointRounding.AwayFromZero);
        Grade? grade = score is { } s ? (bounds ?? GradeBounds.Default).GradeOf(s) : null;
        return new Assessment(channel, n, components, score, grade);
    }

    public static decimal? PublishedRatePct(AssessmentChannel channel, AssessmentCounts n)
    {
        if (n.FollowUps == 0) return null;
        var part = channel == AssessmentChannel.Hotline ? n.Dissatisfied : n.SatisfiedTotal;
        return Math.Round(100m * part / n.FollowUps, 2, MidpointRounding.AwayFromZero);
    }

    public static decimal? RatePct(int part, int whole) =>
        whole <= 0 ? null : Math.Round(100m * part / whole, 2, MidpointRounding.AwayFromZero);
}
