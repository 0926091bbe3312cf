using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Replay;

/// <summary>The wire format of the event feed: camelCase, nulls omitted, times with their +08:00 offset.</summary>
public static class EventJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Chinese text stays readable in --out files; the payload is still valid JSON for any parser.
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    public static byte[] SerializeBatch(IReadOnlyList<TicketEvent> events) => JsonSerializer.SerializeToUtf8Bytes(events, Options);

    public static string Serialize(TicketEvent e) => JsonSerializer.Serialize(e, Options);

    public static async Task WriteNdjsonAsync(IEnumerable<TicketEvent> events, string path, CancellationToken ct)
    {
        await using var stream = File.Create(path);
        await using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16);
        foreach (var e in events)
        {
            ct.ThrowIfCancellationRequested();
            await writer.WriteLineAsync(Serialize(e));
        }
    }
}
