using Orleans.Concurrency;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Contracts;

/// <summary>One server-to-client hub message: a topic (group), a hub method and its payload as JSON.</summary>
[GenerateSerializer, Immutable]
public sealed record WallMessage([property: Id(0)] string Topic, [property: Id(1)] string Method, [property: Id(2)] string Json)
{
    public static WallMessage Of<T>(string topic, string method, T payload) =>
        new(topic, method, System.Text.Json.JsonSerializer.Serialize(payload, HotlineSerialization.Json));
}

public static class WallTopics
{
    public const string Wall = "wall";
    public const string Lead = "lead";
    public static string Unit(string unitId) => "unit:" + unitId;

    public static class Methods
    {
        public const string CityMetrics = "cityMetrics";
        public const string UnitMetrics = "unitMetrics";
        public const string LeagueTable = "leagueTable";
        public const string Surge = "surge";
        public const string OverdueWarning = "overdueWarning";
        public const string QueueStatus = "queueStatus";
        public const string Emergency = "emergency";
    }
}

/// <summary>Each silo's bridge to its own hub connections (GPSTracker's per-silo hub observer).</summary>
public interface IWallObserver : IGrainObserver
{
    /// <summary>
    /// A batch in the order published. Answered once the hub has taken it: each silo's outbox sends the next batch only
    /// then, which is what keeps the order (one-way calls do not).
    /// </summary>
    Task Push(WallMessage[] messages);
}

/// <summary>The silos' wall observers, re-registered by each silo periodically so dead silos drop out.</summary>
public interface IWallDirectoryGrain : IGrainWithIntegerKey
{
    Task Register(string silo, IWallObserver observer);
    Task<IReadOnlyList<IWallObserver>> List();
}

/// <summary>The event-time clock's high-water mark, kept so a restarted server resumes at the replay's time.</summary>
public interface IClockGrain : IGrainWithIntegerKey
{
    Task Advance(DateTimeOffset t);
    Task<DateTimeOffset?> Get();
}

/// <summary>A warning about an open order nearing or past its deadline.</summary>
public sealed record OverdueWarning(WarningKind Kind, string TicketId, string UnitId, string UnitName, DateTimeOffset Deadline, DateTimeOffset At, bool Late);
