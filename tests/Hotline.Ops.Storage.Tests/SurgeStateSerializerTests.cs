using Hotline.Ops.Domain;
using Hotline.Ops.Grains;
using Hotline.Ops.Host.Storage;

namespace Hotline.Ops.Storage.Tests;

/// <summary>The surge detector's and the emergencies' grain states survive the storage serializer: learned baselines,
/// active surges, counts and frozen reports come back the same.</summary>
public sealed class SurgeStateSerializerTests
{
    [Fact]
    public void Surge_and_emergency_states_round_trip()
    {
        var serializer = new SystemTextJsonGrainStorageSerializer();
        var start = new DateTimeOffset(2024, 3, 4, 0, 0, 0, CityTime.Offset);
        var d = new SurgeDetector();
        for (var i = 0; i < 3 * 60; i++)
        {
            var b = new MinuteBuckets();
            b.RecordReceived(start.AddMinutes(i), "transport", "岳阳楼区", i > 150 ? ["fire"] : [], "公交停运");
            if (i > 150) b.Add(MinuteBuckets.MinuteOf(start.AddMinutes(i)), "tag:fire", 2);
            d.Add(b);
            d.Advance(start.AddMinutes(i + 1));
        }
        Assert.NotEmpty(d.Active);
        var state = new SurgeState { Detector = d };
        state.Surges["x"] = new SurgeRecord("x", "tag", "tag:fire", "fire", start, start, null, 5, 0.1, 9, ["公交"], new EmergencyProposal("fire激增", new EmergencyRule([], [], ["公交"])));
        var back = serializer.Deserialize<SurgeState>(serializer.Serialize(state));
        var at = start.AddDays(7).AddHours(1);
        Assert.Equal(d.ExpectedPerHour("category:transport", at), back.Detector.ExpectedPerHour("category:transport", at), 9);
        Assert.Equal(d.Evaluated, back.Detector.Evaluated);
        Assert.Equal(d.Active.Keys, back.Detector.Active.Keys);
        Assert.Equal(d.Counts.Minutes.Count, back.Detector.Counts.Minutes.Count);
        Assert.Equal(["公交"], back.Surges["x"].Proposal!.Rule.Keywords);

        var em = new EmergencyState { Sequence = 1 };
        em.Emergencies.Add(new Emergency("em-1", "冰冻雨雪", new EmergencyRule(["transport"], [], ["冰冻"]), start, start));
        var counts = new EmergencyCounts { Received = 2 };
        counts.ByCategory["transport"] = 2;
        counts.Orders["t1"] = new EmergencyOrder("bus-group", start.AddDays(1), false, start);
        em.Counts["em-1"] = counts;
        var emBack = serializer.Deserialize<EmergencyState>(serializer.Serialize(em));
        var report = EmergencyReport.Of(emBack.Emergencies[0], emBack.Counts["em-1"], start.AddDays(2));
        Assert.Equal((2, 1, 1, 1), (report.Count, report.Orders, report.OrdersOpen, report.OrdersOverdue));
        Assert.Equal(1, report.ByUnit["bus-group"]);
    }
}
