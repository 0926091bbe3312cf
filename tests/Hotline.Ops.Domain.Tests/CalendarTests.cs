using Hotline.Ops.Domain;
using static Hotline.Ops.Domain.Tests.TestSupport;

namespace Hotline.Ops.Domain.Tests;

public class CalendarTests
{
    private static readonly WorkingCalendar Cn = WorkingCalendar.China;
    private static readonly DeadlinePolicy Policy = DeadlinePolicy.Default;

    private static DateOnly D(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd");

    [Fact]
    public void OrderDispatchedBeforeSpringFestival2024FallsDueAtTheEndOfTheMakeUpSunday()
    {
        // Thursday 8 Feb; 9 Feb (除夕) is a working day; 10–17 holiday; Sunday 18 Feb is a make-up working day.
        var dispatched = City(2024, 2, 8, 10, 30);
        Assert.Equal(DayOfWeek.Thursday, dispatched.DayOfWeek);
        var due = Policy.HandlingDeadline(Cn, dispatched, RequestType.Consultation, Urgency.Normal);
        Assert.Equal(City(2024, 2, 18, 23, 59, 59), due);
        Assert.Equal(D("2024-02-18"), Cn.AddWorkingDays(D("2024-02-08"), 2));
        Assert.Equal(2, Cn.WorkingDaysBetween(D("2024-02-08"), D("2024-02-18")));
        Assert.Equal(1, Cn.WorkingDaysBetween(D("2024-02-08"), D("2024-02-17")));
    }

    [Fact]
    public void DispatchDateIsTheCityDateNotTheUtcDate()
    {
        // 20:00 UTC on 8 Feb is 04:00 on Friday 9 Feb in the city: counting starts after the 9th → 18th, 19th.
        var dispatched = new DateTimeOffset(2024, 2, 8, 20, 0, 0, TimeSpan.Zero);
        Assert.Equal(City(2024, 2, 19, 23, 59, 59), Policy.HandlingDeadline(Cn, dispatched, RequestType.Consultation, Urgency.Normal));
    }

    [Theory]
    // ordinary weekend
    [InlineData("2024-03-08", true)] [InlineData("2024-03-09", false)] [InlineData("2024-03-10", false)] [InlineData("2024-03-11", true)]
    // Spring Festival 2024: 10–17 Feb, make-ups Sun 4 Feb and Sun 18 Feb; 除夕 9 Feb is a working day
    [InlineData("2024-02-03", false)] [InlineData("2024-02-04", true)] [InlineData("2024-02-09", true)]
    [InlineData("2024-02-10", false)] [InlineData("2024-02-12", false)] [InlineData("2024-02-15", false)] [InlineData("2024-02-16", false)]
    [InlineData("2024-02-17", false)] [InlineData("2024-02-18", true)] [InlineData("2024-02-19", true)] [InlineData("2024-02-24", false)]
    // Qingming 2024: 4–6 Apr, make-up Sun 7 Apr
    [InlineData("2024-04-03", true)] [InlineData("2024-04-04", false)] [InlineData("2024-04-05", false)] [InlineData("2024-04-06", false)]
    [InlineData("2024-04-07", true)] [InlineData("2024-04-08", true)]
    // Labour Day 2025: 1–5 May, make-up Sun 27 Apr
    [InlineData("2025-04-26", false)] [InlineData("2025-04-27", true)] [InlineData("2025-04-30", true)] [InlineData("2025-05-01", false)]
    [InlineData("2025-05-02", false)] [InlineData("2025-05-05", false)] [InlineData("2025-05-06", true)] [InlineData("2025-05-10", false)]
    // National Day + Mid-Autumn 2025: 1–8 Oct, make-ups Sun 28 Sep and Sat 11 Oct
    [InlineData("2025-09-27", false)] [InlineData("2025-09-28", true)] [InlineData("2025-09-30", true)] [InlineData("2025-10-01", false)]
    [InlineData("2025-10-06", false)] [InlineData("2025-10-08", false)] [InlineData("2025-10-09", true)] [InlineData("2025-10-10", true)]
    [InlineData("2025-10-11", true)] [InlineData("2025-10-12", false)]
    // New Year 2026: 1–3 Jan, make-up Sun 4 Jan
    [InlineData("2025-12-31", true)] [InlineData("2026-01-01", false)] [InlineData("2026-01-02", false)] [InlineData("2026-01-03", false)]
    [InlineData("2026-01-04", true)] [InlineData("2026-01-05", true)]
    // Spring Festival 2026: 15–23 Feb, make-ups Sat 14 Feb and Sat 28 Feb
    [InlineData("2026-02-13", true)] [InlineData("2026-02-14", true)] [InlineData("2026-02-15", false)] [InlineData("2026-02-17", false)]
    [InlineData("2026-02-20", false)] [InlineData("2026-02-23", false)] [InlineData("2026-02-24", true)] [InlineData("2026-02-28", true)]
    [InlineData("2026-03-01", false)]
    public void WorkingDaysFollowTheStateCouncilNotices(string date, bool working) =>
        Assert.Equal(working, Cn.IsWorkingDay(D(date)));

    [Theory]
    [InlineData("2024-03-08", 1, "2024-03-11")]  // Friday + 1 → Monday
    [InlineData("2024-03-09", 1, "2024-03-11")]  // dispatched on a Saturday: the Monday is the first working day
    [InlineData("2024-03-08", 0, "2024-03-08")]
    [InlineData("2024-04-03", 1, "2024-04-07")]  // Qingming 2024 → make-up Sunday
    [InlineData("2024-04-03", 2, "2024-04-08")]
    [InlineData("2025-04-25", 1, "2025-04-27")]  // Labour Day 2025 make-up Sunday
    [InlineData("2025-04-30", 1, "2025-05-06")]
    [InlineData("2025-09-26", 10, "2025-10-16")] // 28 Sep, 29, 30, 9 Oct, 10, 11 (Sat make-up), 13, 14, 15, 16
    [InlineData("2025-12-31", 1, "2026-01-04")]  // New Year 2026 make-up Sunday
    [InlineData("2025-12-31", 2, "2026-01-05")]
    [InlineData("2026-02-12", 2, "2026-02-14")]  // Spring Festival 2026: 13 Feb, 14 Feb (Sat make-up)
    [InlineData("2026-02-12", 3, "2026-02-24")]
    [InlineData("2026-02-24", 4, "2026-02-28")]  // 25, 26, 27, 28 (Sat make-up)
    public void AddWorkingDaysSkipsWeekendsAndHolidaysAndCountsMakeUpDays(string from, int n, string expected) =>
        Assert.Equal(D(expected), Cn.AddWorkingDays(D(from), n));

    [Fact]
    public void ShippedMakeUpDaysAreAllWeekendsAndEachYearIsCovered()
    {
        var days = WorkingCalendar.Parse(Csv.DataLines(TestSupport.EmbeddedText("calendar-cn.csv"))).ToList();
        Assert.NotEmpty(days);
        Assert.All(days.Where(d => d.IsWorkingDay), d => Assert.True(d.Date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday, $"{d.Date} is a make-up day but not a weekend"));
        Assert.Equal(days.Count, days.Select(d => d.Date).Distinct().Count());
        foreach (var year in new[] { 2024, 2025, 2026 })
            Assert.Contains(days, d => d.Date == new DateOnly(year, 10, 1) && !d.IsWorkingDay);
        Assert.Equal("春节 Spring Festival", Cn.NameOf(D("2026-02-15")));
        Assert.Null(Cn.NameOf(D("2026-03-03")));
    }

    [Fact]
    public void DefaultDeadlinesByRequestType()
    {
        var dispatched = City(2024, 3, 1, 9); // Friday
        Assert.Equal(City(2024, 3, 5, 23, 59, 59), Policy.HandlingDeadline(Cn, dispatched, RequestType.Consultation, Urgency.Normal));
        Assert.Equal(City(2024, 3, 15, 23, 59, 59), Policy.HandlingDeadline(Cn, dispatched, RequestType.Help, Urgency.Normal));
        Assert.Equal(City(2024, 3, 15, 23, 59, 59), Policy.HandlingDeadline(Cn, dispatched, RequestType.Suggestion, Urgency.Normal));
        Assert.Equal(City(2024, 3, 22, 23, 59, 59), Policy.HandlingDeadline(Cn, dispatched, RequestType.Complaint, Urgency.Normal));
        Assert.Equal(City(2024, 3, 22, 23, 59, 59), Policy.HandlingDeadline(Cn, dispatched, RequestType.Report, Urgency.Normal));
        var custom = Policy with { WorkingDays = new() { [RequestType.Consultation] = 5 } };
        Assert.Equal(City(2024, 3, 8, 23, 59, 59), custom.HandlingDeadline(Cn, dispatched, RequestType.Consultation, Urgency.Normal));
    }

    [Fact]
    public void UrgentOrdersGetTwentyFourClockHoursEvenOverAHoliday()
    {
        var dispatched = City(2024, 2, 10, 9, 30); // first day of the Spring Festival
        Assert.Equal(City(2024, 2, 11, 9, 30), Policy.HandlingDeadline(Cn, dispatched, RequestType.Complaint, Urgency.Urgent));
        Assert.Equal(City(2024, 2, 11, 3, 30), (Policy with { UrgentHours = 18 }).HandlingDeadline(Cn, dispatched, RequestType.Help, Urgency.Urgent));
    }

    [Fact]
    public void SignOffDeadlineIsOneWorkingDay()
    {
        Assert.Equal(City(2024, 2, 18, 23, 59, 59), Policy.SignOffDeadline(Cn, City(2024, 2, 9, 16)));   // 除夕 → make-up Sunday
        Assert.Equal(City(2024, 3, 11, 23, 59, 59), Policy.SignOffDeadline(Cn, City(2024, 3, 8, 11)));  // Friday → Monday
        Assert.Equal(City(2025, 10, 9, 23, 59, 59), Policy.SignOffDeadline(Cn, City(2025, 9, 30, 11))); // over National Day 2025
    }

    [Fact]
    public void ReturnWindowIsTwoWorkingDays()
    {
        Assert.Equal(City(2024, 2, 18, 23, 59, 59), Policy.ReturnWindowEnd(Cn, City(2024, 2, 8, 10)));
        Assert.Equal(City(2025, 10, 10, 23, 59, 59), Policy.ReturnWindowEnd(Cn, City(2025, 9, 30, 10)));
        Assert.Equal(City(2026, 1, 5, 23, 59, 59), Policy.ReturnWindowEnd(Cn, City(2025, 12, 31, 10)));
        Assert.Equal(City(2024, 2, 9, 23, 59, 59), (Policy with { ReturnWindowWorkingDays = 1 }).ReturnWindowEnd(Cn, City(2024, 2, 8, 10)));
    }

    [Fact]
    public void EndOfDayAndMonthAreInCityTime()
    {
        Assert.Equal(new DateTimeOffset(2024, 2, 29, 15, 59, 59, TimeSpan.Zero), CityTime.EndOfMonth("2024-02"));
        Assert.Equal("2024-03", CityTime.MonthOf(new DateTimeOffset(2024, 2, 29, 16, 0, 0, TimeSpan.Zero)));
        Assert.Equal("2024-02", CityTime.MonthOf(new DateTimeOffset(2024, 2, 29, 15, 59, 59, TimeSpan.Zero)));
        Assert.False(CityTime.TryParseMonth("2024-13", out _));
        Assert.Throws<ArgumentException>(() => CityTime.EndOfMonth("Feb 2024"));
    }
}
