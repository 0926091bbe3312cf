using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Hotline.Ops.Domain;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Hotline.Ops.Host.Storage;

/// <summary>A ticket's stored contribution (where its order counts and at which ticket version).</summary>
public sealed record StoredContribution(string TicketId, int Version, OrderContribution Contribution);

/// <summary>
/// Reads the tickets' stored states straight from the grain storage table (state name "ticket", the ticket id in
/// GrainIdExtensionString, the state as JSON): the recovery sweep looks for outboxes that may be undelivered, the
/// consistency check for every order that counts in a month, without activating a grain per ticket.
/// </summary>
public sealed class StoredTickets : Grains.IStoredOutboxWatermarks
{
    private const string TicketState = Grains.TicketGrain.StateName;
    private readonly string? _postgres;
    private readonly string? _sqlite;
    private readonly string _serviceId;

    public StoredTickets(string? postgres, string? sqlite, string serviceId)
    {
        if ((postgres is null) == (sqlite is null)) throw new ArgumentException("exactly one of PostgreSQL and SQLite");
        (_postgres, _sqlite, _serviceId) = (postgres, sqlite, serviceId);
    }

    /// <summary>
    /// Tickets whose stored outbox may be undelivered: it lists reports, and no stored watermark covers it (the
    /// incarnation that stamped it stored a watermark past it: <see cref="Grains.OutboxWatermark"/>). Unstamped
    /// outboxes are always listed.
    /// </summary>
    public IAsyncEnumerable<string> WithPendingReports(CancellationToken ct) => Query(_postgres is not null
        ? $"""
          WITH marks AS MATERIALIZED ({StoredWatermarks})
          SELECT t.GrainIdExtensionString
            FROM (SELECT GrainIdExtensionString, convert_from(PayloadBinary, 'UTF8')::jsonb AS p FROM OrleansStorage
                   WHERE ServiceId = @service AND GrainTypeString = @state AND PayloadBinary IS NOT NULL) t
            LEFT JOIN marks m ON m.k = @prefix || (t.p -> 'stamp' ->> 'incarnation')
           WHERE jsonb_array_length(COALESCE(t.p -> 'outbox', '[]'::jsonb)) > 0
             AND (m.delivered IS NULL OR (t.p -> 'stamp' ->> 'sequence')::bigint >= m.delivered)
          """
        : $"""
          WITH marks AS MATERIALIZED ({StoredWatermarks})
          SELECT t.GrainIdExtensionString
            FROM (SELECT GrainIdExtensionString, CAST(PayloadBinary AS TEXT) AS p FROM OrleansStorage
                   WHERE ServiceId = @service AND GrainTypeString = @state AND PayloadBinary IS NOT NULL) t
            LEFT JOIN marks m ON m.k = @prefix || json_extract(t.p, '$.stamp.incarnation')
           WHERE COALESCE(json_array_length(t.p, '$.outbox'), 0) > 0
             AND (m.delivered IS NULL OR json_extract(t.p, '$.stamp.sequence') >= m.delivered)
          """, [("mark", Grains.OutboxWatermark.StateName), ("prefix", Grains.OutboxWatermark.KeyPrefix)], r => r.GetString(0), ct);

    public async Task<IReadOnlyDictionary<long, long>> ReadAsync(CancellationToken ct)
    {
        var marks = new Dictionary<long, long>();
        await foreach (var (key, delivered) in Query(StoredWatermarks, [("mark", Grains.OutboxWatermark.StateName)],
            r => (r.GetString(0), Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture)), ct))
            if (Grains.OutboxWatermark.TryReadKey(key, out var incarnation)) marks[incarnation] = delivered;
        return marks;
    }

    /// <summary>Every stored outbox watermark: its row's key (k) and the value stored (delivered).</summary>
    private string StoredWatermarks => $"""
        SELECT GrainIdExtensionString AS k, {(_postgres is not null
            ? "(convert_from(PayloadBinary, 'UTF8')::jsonb ->> 'delivered')::bigint"
            : "json_extract(CAST(PayloadBinary AS TEXT), '$.delivered')")} AS delivered
          FROM OrleansStorage WHERE ServiceId = @service AND GrainTypeString = @mark AND PayloadBinary IS NOT NULL
        """;

    /// <summary>Every order whose ticket says it counts in <paramref name="month"/> (any unit).</summary>
    public async Task<List<StoredContribution>> CountingIn(string month, CancellationToken ct)
    {
        var sql = _postgres is not null
            ? """
              SELECT GrainIdExtensionString, (p -> 'ticket' ->> 'version')::integer, (p -> 'reported')::text
                FROM (SELECT GrainIdExtensionString, convert_from(PayloadBinary, 'UTF8')::jsonb AS p FROM OrleansStorage
                       WHERE ServiceId = @service AND GrainTypeString = @state AND PayloadBinary IS NOT NULL) t
               WHERE p -> 'reported' ->> 'month' = @month
              """
            : """
              SELECT GrainIdExtensionString, json_extract(p, '$.ticket.version'), json_extract(p, '$.reported')
                FROM (SELECT GrainIdExtensionString, CAST(PayloadBinary AS TEXT) AS p FROM OrleansStorage
                       WHERE ServiceId = @service AND GrainTypeString = @state AND PayloadBinary IS NOT NULL)
               WHERE json_extract(p, '$.reported.month') = @month
              """;
        var list = new List<StoredContribution>();
        await foreach (var c in Query(sql, [("month", month)], r => new StoredContribution(r.GetString(0), Convert.ToInt32(r.GetValue(1)),
            JsonSerializer.Deserialize<OrderContribution>(r.GetString(2), SystemTextJsonGrainStorageSerializer.DefaultOptions)!), ct))
            list.Add(c);
        return list;
    }

    private async IAsyncEnumerable<T> Query<T>(string sql, (string Name, object Value)[] parameters, Func<DbDataReader, T> read, [EnumeratorCancellation] CancellationToken ct)
    {
        await using DbConnection connection = _postgres is not null ? new NpgsqlConnection(_postgres) : new SqliteConnection(_sqlite);
        await connection.OpenAsync(ct);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 300;
        Add(cmd, "service", _serviceId);
        Add(cmd, "state", TicketState);
        foreach (var (name, value) in parameters) Add(cmd, name, value);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) yield return read(reader);
    }

    private static void Add(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }
}
