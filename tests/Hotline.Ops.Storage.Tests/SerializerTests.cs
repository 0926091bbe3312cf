using System.Text;
using Hotline.Ops.Host.Storage;

namespace Hotline.Ops.Storage.Tests;

public sealed class SerializerTests
{
    [Fact]
    public void Domain_shaped_records_round_trip_as_camel_case_json_with_string_enums()
    {
        var serializer = new SystemTextJsonGrainStorageSerializer();
        var document = TestSilo.SampleDocument("t-1");

        var data = serializer.Serialize(document);
        var json = Encoding.UTF8.GetString(data.ToArray());

        Assert.Contains("\"ticketId\":\"t-1\"", json);
        Assert.Contains("\"status\":\"Signed\"", json);
        Assert.Contains("\"grade\":\"C\"", json);
        TestSilo.AssertSame(document, serializer.Deserialize<TestDocument>(data));
    }
}
