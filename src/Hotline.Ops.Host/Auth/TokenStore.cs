using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hotline.Ops.Domain;

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
/// Tokens are held by their SHA-256 hash, so a lookup does not compare secrets byte by byte in variable time.
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

    private TokenStore(string? filePath) => FilePath = filePath;

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
        lock (_gate) return _byHash.GetValueOrDefault(Hash(token));
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
            Add(Roles.Unit, unitId, NewToken());
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
