using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace Hotline.Ops.Host.Storage;

/// <summary>
/// Stores grain state as UTF-8 JSON. The states are plain domain records without Orleans
/// attributes, so Orleans' own binary serializer cannot be used, and JSON keeps the rows readable
/// with psql/sqlite3 when debugging.
/// </summary>
public sealed class SystemTextJsonGrainStorageSerializer : IGrainStorageSerializer
{
    /// <summary>Web defaults (camelCase properties, case-insensitive read) with enums written as strings.</summary>
    public static JsonSerializerOptions DefaultOptions { get; } = CreateOptions();

    private readonly JsonSerializerOptions _options;

    public SystemTextJsonGrainStorageSerializer()
        : this(DefaultOptions)
    {
    }

    public SystemTextJsonGrainStorageSerializer(JsonSerializerOptions options)
    {
        _options = options;
    }

    public BinaryData Serialize<T>(T? input) =>
        new(JsonSerializer.SerializeToUtf8Bytes(input, _options));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, _options)!;

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            // Keep Chinese text readable in the stored rows; the JSON never reaches a browser from here.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        // Enum values keep their declared names ("Signed"): stable and greppable; reading ignores case.
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
