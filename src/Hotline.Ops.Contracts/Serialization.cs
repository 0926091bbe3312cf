using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Serialization;

namespace Hotline.Ops.Contracts;

public static class HotlineSerialization
{
    /// <summary>The one JSON shape of our types: camelCase, enums as camelCase strings, nulls left out.</summary>
    public static readonly JsonSerializerOptions Json = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        // Grades read as published ("A"…"E"); every other enum in camelCase like the rest of the contract.
        o.Converters.Add(new JsonStringEnumConverter<Domain.Grade>());
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

    /// <summary>
    /// The domain project stays free of Orleans, so its records carry no [GenerateSerializer]; they cross grain
    /// boundaries through Orleans' System.Text.Json codec. Silo and client must both call this.
    /// </summary>
    public static ISerializerBuilder AddHotlineSerialization(this ISerializerBuilder builder) =>
        builder.AddJsonSerializer(t => t.Namespace == "Hotline.Ops.Domain", Json);
}
