namespace Hotline.Ops.Domain;

/// <summary>What a request asks for; the handling deadline depends on it.</summary>
public enum RequestType { Consultation, Help, Suggestion, Complaint, Report }

public enum Urgency { Normal, Urgent }

/// <summary>
/// Handling deadlines. Normal orders get working days counted from the day after dispatch and fall due at the end of
/// the last one; urgent orders get clock hours. Defaults follow Guangdong 2022: consultation 2 working days,
/// help and suggestion 10, complaint and report 15; urgent 24 hours; sign-off (签收) within 1 working day.
/// </summary>
public sealed record DeadlinePolicy
{
    public Dictionary<RequestType, int> WorkingDays { get; init; } = new()
    {
        [RequestType.Consultation] = 2,
        [RequestType.Help] = 10,
        [RequestType.Suggestion] = 10,
        [RequestType.Complaint] = 15,
        [RequestType.Report] = 15,
    };

    public int UrgentHours { get; init; } = 24;
    public int SignOffWorkingDays { get; init; } = 1;

    /// <summary>A return (退单) must be requested within this many working days of dispatch; later ones are flagged.</summary>
    public int ReturnWindowWorkingDays { get; init; } = 2;

    public static readonly DeadlinePolicy Default = new();

    public DateTimeOffset HandlingDeadline(WorkingCalendar calendar, DateTimeOffset dispatchedAt, RequestType type, Urgency urgency) =>
        urgency == Urgency.Urgent
            ? dispatchedAt.AddHours(UrgentHours)
            : CityTime.EndOfDay(calendar.AddWorkingDays(CityTime.Date(dispatchedAt), WorkingDays.GetValueOrDefault(type, 10)));

    public DateTimeOffset SignOffDeadline(WorkingCalendar calendar, DateTimeOffset dispatchedAt) =>
        CityTime.EndOfDay(calendar.AddWorkingDays(CityTime.Date(dispatchedAt), SignOffWorkingDays));

    public DateTimeOffset ReturnWindowEnd(WorkingCalendar calendar, DateTimeOffset dispatchedAt) =>
        CityTime.EndOfDay(calendar.AddWorkingDays(CityTime.Date(dispatchedAt), ReturnWindowWorkingDays));
}
