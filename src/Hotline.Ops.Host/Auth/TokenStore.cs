using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hotline.Ops.Domain;
using Hotline.Ops.Host.Storage;
using Npgsql;

namespace Hotline.Ops.Host.Auth;

/// <summary>Who a bearer token speaks for: a role, and for the <c>unit</c> role the unit's id.</summary>
public sealed record TokenHolder(string Role, string? UnitId = null);

public static class Roles
{
    public const string Wall = "wall", Lead = "lead", Unit = "unit", Feeder = "feeder", Admin = "admin";
    public static readonly string[] Named = [Admin, Lead, Wall, Feeder];
    /// <summary>The operations centre's own roles: they may read every unit.</summary>
    public static readonly string[] Centre = [Wall, Lead, Admin];
}

/// <summary>
/// The bearer tokens. From configuration (<c>Hotline:Tokens:{role}</c>, <c>Hotline:Tokens:Units:{unitId}</c>) when any
/// is set; otherwise generated once into <c>&lt;data-dir&gt;/tokens.json</c> (mode 600) and reused on every start.
/// On PostgreSQL the generated tokens live in table <c>hotline_tokens</c>, so every silo of a cluster accepts the same
/// ones: each silo inserts its candidates if absent (the first insert wins, whoever starts first), reads the table
/// back and writes it to its own tokens.json. Tokens are held by their SHA-256 hash, so a lookup does not compare secrets byte by byte in variable time.
/// </summary>
public sealed class TokenStore
{
    public const string FileName = "tokens.json";
    private readonly Dictionary<string, TokenHolder> _byHash = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _roleTokens = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _unitTokens = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The file the tokens were generated into, or null when they come from configuration.</summary>
    public string? FilePath { get; }

    /// <summary>The cluster's token table (PostgreSQL), or null for configured tokens and the embedded mode.</summary>
    private readonly string? _shared;
    private long _sharedReadAt;

    private TokenStore(string? filePath, string? shared = null) => (FilePath, _shared) = (filePath, shared);

    /// <summary>
    /// Tokens for a cluster: configured ones when any is set (as <see cref="Load"/>), otherwise the database's, created
    /// there once. Each silo writes them to its own <c>&lt;data-dir&gt;/tokens.json</c> for operators and clients.
    /// </summary>
    public static TokenStore LoadShared(IConfiguration config, string dataDir, IEnumerable<string> unitIds, string postgres)
    {
        if (config.GetSection("Hotline:Tokens").GetChildren().Any()) return Load(config, dataDir, unitIds);
        var store = new TokenStore(Path.Combine(dataDir, FileName), postgres);
        store.Share(Roles.Named.Concat(unitIds.Select(id => UnitHolder + id)));
        store.Save();
        return store;
    }

    private const string UnitHolder = "unit:";

    /// <summary>Inserts a fresh token for each holder the table lacks (a concurrent silo's insert wins), then reads them all.</summary>
    private void Share(IEnumerable<string> holders)
    {
        var wanted = holders.ToArray();
        try
        {
            using var connection = new NpgsqlConnection(_shared);
            connection.Open();
            using (var insert = new NpgsqlCommand(
                "INSERT INTO hotline_tokens (holder, token) SELECT * FROM unnest(@holders, @tokens) ON CONFLICT DO NOTHING", connection))
            {
                insert.Parameters.AddWithValue("holders", wanted);
                insert.Parameters.AddWithValue("tokens", wanted.Select(_ => NewToken()).ToArray());
                insert.ExecuteNonQuery();
            }
            ReadShared(connection);
        }
        catch (NpgsqlException e)
        {
            throw new StorageSetupException($"cannot read or create the API tokens in table hotline_tokens: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    private void ReadShared(NpgsqlConnection connection)
    {
        using var select = new NpgsqlCommand("SELECT holder, token FROM hotline_tokens", connection);
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            var holder = reader.GetString(0);
            var token = reader.GetString(1);
            if (holder.StartsWith(UnitHolder, StringComparison.Ordinal)) Add(Roles.Unit, holder[UnitHolder.Length..], token);
            else if (Roles.Named.Contains(holder)) Add(holder, null, token);
        }
        Interlocked.Exchange(ref _sharedReadAt, Environment.TickCount64);
    }

    /// <summary>
    /// A token this silo does not know may belong to a unit registered through another silo: the table is read again,
    /// at most every 5 seconds whatever the rate of unknown tokens.
    /// </summary>
    private bool RefreshShared()
    {
        var last = Interlocked.Read(ref _sharedReadAt);
        if (_shared is null || Environment.TickCount64 - last < 5000 || Interlocked.CompareExchange(ref _sharedReadAt, Environment.TickCount64, last) != last) return false;
        try
        {
            using var connection = new NpgsqlConnection(_shared);
            connection.Open();
            ReadShared(connection);
            lock (_gate) Save();
            return true;
        }
        catch (NpgsqlException) { return false; }
    }

    public static TokenStore Load(IConfiguration config, string dataDir, IEnumerable<string> unitIds)
    {
        var section = config.GetSection("Hotline:Tokens");
        if (section.GetChildren().Any())
        {
            var store = new TokenStore(null);
            foreach (var role in Roles.Named)
                if (section[role] is { Length: > 0 } t) store.Add(role, null, t);
            foreach (var u in section.GetSection("Units").GetChildren())
                if (u.Value is { Length: > 0 } t) store.Add(Roles.Unit, u.Key, t);
            return store;
        }
        var path = Path.Combine(dataDir, FileName);
        var fileStore = new TokenStore(path);
        var changed = true;
        if (File.Exists(path))
        {
            var doc = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidDataException($"{path} is not a JSON object");
            foreach (var role in Roles.Named)
                if (doc[role]?.GetValue<string>() is { Length: > 0 } t) fileStore.Add(role, null, t);
            if (doc["units"] is JsonObject units)
                foreach (var (id, t) in units)
                    if (t?.GetValue<string>() is { Length: > 0 } s) fileStore.Add(Roles.Unit, id, s);
            changed = false;
        }
        foreach (var role in Roles.Named)
            if (!fileStore._roleTokens.ContainsKey(role)) { fileStore.Add(role, null, NewToken()); changed = true; }
        foreach (var id in unitIds)
            if (!fileStore._unitTokens.ContainsKey(id)) { fileStore.Add(Roles.Unit, id, NewToken()); changed = true; }
        if (changed) fileStore.Save();
        return fileStore;
    }

    public TokenHolder? Find(string token)
    {
        var hash = Hash(token);
        lock (_gate)
            if (_byHash.TryGetValue(hash, out var holder)) return holder;
        if (!RefreshShared()) return null;
        lock (_gate) return _byHash.GetValueOrDefault(hash);
    }

    public string? RoleToken(string role)
    {
        lock (_gate) return _roleTokens.GetValueOrDefault(role);
    }

    public string? UnitToken(string unitId)
    {
        lock (_gate) return _unitTokens.GetValueOrDefault(unitId);
    }

    /// <summary>A unit registered after the first start gets its token too (only when tokens are generated).</summary>
    public void EnsureUnit(string unitId)
    {
        if (FilePath is null) return;
        lock (_gate)
        {
            if (_unitTokens.ContainsKey(unitId)) return;
            if (_shared is not null) Share([UnitHolder + unitId]);
            else Add(Roles.Unit, unitId, NewToken());
            Save();
        }
    }

    private void Add(string role, string? unitId, string token)
    {
        lock (_gate)
        {
            _byHash[Hash(token)] = new TokenHolder(role, unitId);
            if (unitId is null) _roleTokens[role] = token; else _unitTokens[unitId] = token;
        }
    }

    private void Save()
    {
        var doc = new JsonObject();
        foreach (var (role, t) in _roleTokens.OrderBy(r => r.Key, StringComparer.Ordinal)) doc[role] = t;
        var units = new JsonObject();
        foreach (var (id, t) in _unitTokens.OrderBy(u => u.Key, StringComparer.Ordinal)) units[id] = t;
        doc["units"] = units;
        // Written to a fresh file created with mode 600, then moved over the old one: never world-readable, never torn.
        var tmp = FilePath! + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        File.Delete(tmp);
        using (var stream = new FileStream(tmp, options))
            stream.Write(Encoding.UTF8.GetBytes(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })));
        File.Move(tmp, FilePath!, overwrite: true);
    }

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
