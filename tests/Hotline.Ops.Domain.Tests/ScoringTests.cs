using Hotline.Ops.Domain;

namespace Hotline.Ops.Domain.Tests;

public class ScoringTests
{
    private static readonly IReadOnlyList<BulletinRow> Rows = BulletinCsv.February2024;

    [Fact]
    public void EveryPublishedRowIsReproducedExceptTheNanhuMailboxRow()
    {
        Assert.Equal(119, Rows.Count);
        var matched = 0;
        var differing = new List<string>();
        foreach (var row in Rows)
        {
            Assert.NotNull(row.PublishedScore);
            Assert.NotNull(row.PublishedGrade);
            var a = Scoring.Assess(row.Channel, row.Counts);
            if (a.Score == row.PublishedScore && a.Grade == row.PublishedGrade) matched++;
            else differing.Add($"{Channels.Wire(row.Channel)}/{row.Unit}: ours {a.Score} {a.Grade}, printed {row.PublishedScore} {row.PublishedGrade}");
        }
        Assert.Equal(118, matched);
        var only = Assert.Single(differing);
        Assert.StartsWith("mailbox/南湖新区:", only);
    }

    [Fact]
    public void NanhuMailboxRowIsTheKnownDiscrepancy_PrintedScoreLeavesOutTheReworkTerm()
    {
        var row = Assert.Single(Rows, r => r.Channel == AssessmentChannel.Mailbox && r.Unit == "南湖新区");
        Assert.Equal(1, row.Counts.Rework);
        Assert.Equal(99.41m, row.PublishedScore);

        // Ours: 30·34/34 + 30·34/34 + 20·(1 − 1/34) + 20·33/34 = 98.8235… → 98.82, still grade A.
        var ours = Scoring.Assess(AssessmentChannel.Mailbox, row.Counts);
        Assert.Equal(98.82m, ours.Score);
        Assert.Equal(Grade.A, ours.Grade);
        Assert.NotEqual(row.PublishedScore, ours.Score);

        // The printed figure is the same formula with the rework term left whole (as if rework were 0) …
        var withoutRework = Scoring.Score(AssessmentChannel.Mailbox, row.Counts with { Rework = 0 });
        Assert.Equal(row.PublishedScore, withoutRework);
        var c = ours.Components!;
        Assert.Equal(row.PublishedScore, Math.Round(c.Completion + c.OnTime + 20m + c.FollowUp, 2, MidpointRounding.AwayFromZero));
        // … and the rework term is the whole difference.
        Assert.Equal(Math.Round(20m / 34m, 12), Math.Round(20m - c.Rework, 12));
    }

    [Fact]
    public void EmbeddedCsvEqualsTheSharedReferenceWhenPresent()
    {
        var embedded = TestSupport.EmbeddedText("yueyang-2024-02-unit-scores.csv");
        Assert.Equal(119, BulletinCsv.Parse(embedded).Count);
        Assert.Equal(119, BulletinCsv.February2024.Count);

        var reference = new FileInfo(Path.Combine(TestSupport.RepoRoot().FullName, "..", "shared", "reference", "yueyang-2024-02-unit-scores.csv"));
        if (!reference.Exists) return; // the embedded copy parsing to 119 rows is all we can check
        var text = File.ReadAllText(reference.FullName);
        Assert.Equal(Normalise(text), Normalise(embedded));
        Assert.Equal(BulletinCsv.Parse(text), BulletinCsv.February2024);

        static string Normalise(string s) => s.Replace("\r\n", "\n").TrimEnd('\n');
    }

    [Fact]
    public void GradeBoundsAreConfiguration()
    {
        // 30 + 30 + 20·(1 − 1/10) + 20·(1 − 3/10) = 92 on the hotline.
        var n = new AssessmentCounts(10, 10, 10, 1, 7, 0, 3);
        Assert.Equal(92.0m, Scoring.Score(AssessmentChannel.Hotline, n));
        Assert.Equal(Grade.A, Scoring.Assess(AssessmentChannel.Hotline, n).Grade);
        Assert.Equal(Grade.B, Scoring.Assess(AssessmentChannel.Hotline, n, new GradeBounds(A: 95m)).Grade);
        Assert.Equal(Grade.C, Scoring.Assess(AssessmentChannel.Hotline, n, new GradeBounds(A: 95m, B: 93m)).Grade);
        Assert.Equal(Grade.E, Scoring.Assess(AssessmentChannel.Hotline, n, new GradeBounds(99m, 98m, 97m, 96m)).Grade);

        // Default bounds: A ≥ 90, B ≥ 85, C ≥ 70, D ≥ 60, E below; bounds are inclusive.
        var g = GradeBounds.Default;
        Assert.Equal(Grade.A, g.GradeOf(90.0m));
        Assert.Equal(Grade.B, g.GradeOf(89.99m));
        Assert.Equal(Grade.B, g.GradeOf(85m));
        Assert.Equal(Grade.C, g.GradeOf(84.9m));
        Assert.Equal(Grade.C, g.GradeOf(70m));
        Assert.Equal(Grade.D, g.GradeOf(69.9m));
        Assert.Equal(Grade.D, g.GradeOf(60m));
        Assert.Equal(Grade.E, g.GradeOf(59.9m));
    }

    [Theory]
    [InlineData(AssessmentChannel.Hotline)]
    [InlineData(AssessmentChannel.Mailbox)]
    public void NoOrdersMeansNoScoreAndNoGrade(AssessmentChannel channel)
    {
        var empty = Scoring.Assess(channel, default);
        Assert.Null(empty.Components);
        Assert.Null(empty.Score);
        Assert.Null(empty.Grade);

        // Follow-ups or rework on orders due in another month do not make a grade either.
        var noneDue = Scoring.Assess(channel, new AssessmentCounts(0, 0, 0, 2, 1, 0, 1));
        Assert.Null(noneDue.Score);
        Assert.Null(noneDue.Grade);
    }

    [Fact]
    public void HotlineRoundsToOneDecimalMidpointAwayFromZero()
    {
        // 30 + 30 + 20 + 20·(1 − 19/80) = 95.25 exactly: published as 95.3 (banker's rounding would give 95.2).
        var n = new AssessmentCounts(8, 8, 8, 0, 61, 0, 19);
        Assert.Equal(95.25m, Scoring.Components(AssessmentChannel.Hotline, n)!.Total);
        Assert.Equal(95.3m, Scoring.Score(AssessmentChannel.Hotline, n));
        Assert.Equal(95.3m, Scoring.Assess(AssessmentChannel.Hotline, n).Score);
        Assert.Equal(1, Scoring.Decimals(AssessmentChannel.Hotline));
    }

    [Fact]
    public void MailboxRoundsToTwoDecimalsMidpointAwayFromZero()
    {
        // 30 + 30 + 20 + 20·153/160 = 99.125 exactly: published as 99.13 (banker's rounding would give 99.12).
        var n = new AssessmentCounts(8, 8, 8, 0, 153, 0, 7);
        Assert.Equal(99.125m, Scoring.Components(AssessmentChannel.Mailbox, n)!.Total);
        Assert.Equal(99.13m, Scoring.Score(AssessmentChannel.Mailbox, n));
        Assert.Equal(99.13m, Scoring.Assess(AssessmentChannel.Mailbox, n).Score);
        Assert.Equal(2, Scoring.Decimals(AssessmentChannel.Mailbox));
    }

    [Fact]
    public void RatesAboveOneHundredPercentAreNotCapped_SasacScores17Point8()
    {
        var row = Assert.Single(Rows, r => r.Channel == AssessmentChannel.Hotline && r.Unit == "市国资委");
        Assert.Equal(new AssessmentCounts(9, 6, 6, 25, 6, 0, 3), row.Counts);
        Assert.Equal(277.78m, Scoring.RatePct(row.Counts.Rework, row.Counts.Due));

        var a = Scoring.Assess(AssessmentChannel.Hotline, row.Counts);
        Assert.True(a.Components!.Rework < 0, "the rework term goes negative: the rate is not capped at 100 %");
        Assert.Equal(20m * (1m - 25m / 9m), a.Components.Rework);
        Assert.Equal(17.8m, a.Score);
        Assert.Equal(Grade.E, a.Grade);
        Assert.Equal(33.33m, a.RatePct);
    }

    [Fact]
    public void FollowUpTermIsDissatisfactionOnTheHotlineAndSatisfactionOnTheMailbox()
    {
        // 2 satisfied, 1 basically satisfied, 1 dissatisfied of 4.
        var n = new AssessmentCounts(4, 4, 4, 0, 2, 1, 1);
        Assert.Equal(15m, Scoring.Components(AssessmentChannel.Hotline, n)!.FollowUp);
        Assert.Equal(15m, Scoring.Components(AssessmentChannel.Mailbox, n)!.FollowUp);
        Assert.Equal(25m, Scoring.PublishedRatePct(AssessmentChannel.Hotline, n));
        Assert.Equal(75m, Scoring.PublishedRatePct(AssessmentChannel.Mailbox, n));
        // No follow-ups: nobody said they were dissatisfied, the term is full.
        Assert.Equal(20m, Scoring.Components(AssessmentChannel.Hotline, new AssessmentCounts(4, 4, 4, 0, 0, 0, 0))!.FollowUp);
        Assert.Null(Scoring.PublishedRatePct(AssessmentChannel.Hotline, new AssessmentCounts(4, 4, 4, 0, 0, 0, 0)));
    }

    [Fact]
    public void PublishedRatesFollowFromTheCounts()
    {
        // derived_followups is count ÷ rate rounded to a whole number, so the rate it gives back may be off in the
        // second decimal, never by more than a few hundredths; blank follow-ups go with a printed rate of 0.
        var mismatches = new List<string>();
        foreach (var row in Rows)
        {
            var ours = Scoring.PublishedRatePct(row.Channel, row.Counts);
            if (ours is null) Assert.Equal(0m, row.PublishedRatePct);
            else if (Math.Abs(ours.Value - row.PublishedRatePct!.Value) > 0.05m) mismatches.Add($"{row.Channel}/{row.Unit}: {ours} vs printed {row.PublishedRatePct}");
        }
        Assert.Empty(mismatches);
    }
}
