using Microsoft.Extensions.Configuration;

namespace Hotline.Ops.Host;

/// <summary>The host's command-line options (public contract), with their configuration keys.</summary>
public sealed record ServerOptions
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public string DataDir { get; init; } = "./data";
    public string? Postgres { get; init; }
    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;
    /// <summary>"wall" (default) or "event": the clock is the latest accepted event time.</summary>
    public string Clock { get; init; } = "wall";
    public bool Demo { get; init; }
    /// <summary>The address other silos reach this one at (IP or host name); null: loopback only.</summary>
    public string? Advertise { get; init; }
    /// <summary>Orleans' Kubernetes hosting (pod name and IP from the environment).</summary>
    public bool Kubernetes { get; init; }
    /// <summary>Minutes of the month per minute of wall time in the demo (120: a day in 12 minutes).</summary>
    public double DemoSpeed { get; init; } = 120;
    /// <summary>Group-commit grain writes (default). <c>--Hotline:WriteBatching=false</c>: one transaction per write,
    /// kept only so the benchmark can measure before and after in one run.</summary>
    public bool WriteBatching { get; init; } = true;
    /// <summary><c>--Hotline:Tickets:ResidentLimit</c>: ticket activations a silo keeps between their events before
    /// tickets rest after them (<see cref="Grains.TicketResidency"/>); absent: <see cref="Grains.TicketResidency.DefaultLimit"/>;
    /// <c>none</c> (null): no limit.</summary>
    public int? TicketResidentLimit { get; init; }
    /// <summary><c>--Hotline:Tickets:AnswerOnceStored</c>: a ticket answers once its events are stored, and delivers its
    /// reports to the unit ledgers after (<see cref="Grains.TicketAnswering"/>); false (default): after delivering them.</summary>
    public bool TicketsAnswerOnceStored { get; init; }

    /// <summary>Command-line switches mapped onto configuration keys; flags without a value are given "true".</summary>
    public static readonly Dictionary<string, string> Switches = new()
    {
        ["--data-dir"] = "Hotline:DataDir",
        ["--postgres"] = "Hotline:Postgres",
        ["--silo-port"] = "Hotline:SiloPort",
        ["--gateway-port"] = "Hotline:GatewayPort",
        ["--clock"] = "Hotline:Clock",
        ["--demo"] = "Hotline:Demo",
        ["--demo-speed"] = "Hotline:DemoSpeed",
        ["--advertise"] = "Hotline:Advertise",
        ["--kubernetes"] = "Hotline:Kubernetes",
    };

    private static readonly HashSet<string> Flags = ["--demo", "--kubernetes"];

    /// <summary>Rewrites bare flags ("--demo") as "--demo=true" and rejects unknown options.</summary>
    public static string[] Normalise(string[] args)
    {
        var known = Switches.Keys.Concat(["--urls", "--environment", "--contentRoot"]).ToHashSet();
        var result = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            var name = a.Split('=', 2)[0];
            // Any configuration key may be given as --Hotline:Section:Key=value (e.g. --Hotline:Tokens:admin=...).
            var isConfigKey = name.StartsWith("--Hotline:", StringComparison.OrdinalIgnoreCase);
            if (!a.StartsWith("--", StringComparison.Ordinal) || (!known.Contains(name) && !isConfigKey))
                throw new ArgumentException($"unknown option '{a}'. Options: {string.Join(", ", known.Order())}");
            if (Flags.Contains(a) && (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))) result.Add(a + "=true");
            else
            {
                result.Add(a);
                if (!a.Contains('=') && i + 1 < args.Length) result.Add(args[++i]);
                else if (!a.Contains('=')) throw new ArgumentException($"option '{a}' needs a value");
            }
        }
        return [.. result];
    }

    public static ServerOptions From(IConfiguration config)
    {
        var s = config.GetSection("Hotline");
        var o = new ServerOptions
        {
            DataDir = s["DataDir"] ?? "./data",
            Postgres = s["Postgres"] is { Length: > 0 } pg ? pg : config["HOTLINE_POSTGRES"] is { Length: > 0 } env ? env : null,
            SiloPort = Int(s, "SiloPort", 11111),
            GatewayPort = Int(s, "GatewayPort", 30000),
            // A replay runs on its own time: the demo implies the event clock.
            Clock = s["Clock"] ?? (bool.TryParse(s["Demo"], out var d) && d ? "event" : "wall"),
            Demo = bool.TryParse(s["Demo"], out var demo) && demo,
            WriteBatching = !bool.TryParse(s["WriteBatching"], out var wb) || wb,
            DemoSpeed = double.TryParse(s["DemoSpeed"], System.Globalization.CultureInfo.InvariantCulture, out var sp) ? sp : 120,
            Advertise = s["Advertise"] is { Length: > 0 } adv ? adv : null,
            TicketResidentLimit = ResidentLimit(s["Tickets:ResidentLimit"]),
            TicketsAnswerOnceStored = Flag(s["Tickets:AnswerOnceStored"], "--Hotline:Tickets:AnswerOnceStored"),
            Kubernetes = Flag(s["Kubernetes"], "--kubernetes"),
        };
        if ((o.Advertise is not null || o.Kubernetes) && o.Postgres is null)
            throw new ArgumentException("--advertise and --kubernetes are for a cluster: they need --postgres (or HOTLINE_POSTGRES)");
        if (o.Advertise is not null && o.Kubernetes) throw new ArgumentException("--advertise and --kubernetes exclude each other: on Kubernetes the pod IP is advertised");
        if (o.Clock is not ("wall" or "event")) throw new ArgumentException($"--clock must be 'wall' or 'event', not '{o.Clock}'");
        return o;
    }

    /// <summary>The resident ticket limit: a count (0 or more), <c>none</c> (null), or the default when absent.</summary>
    private static int? ResidentLimit(string? v)
    {
        if (v is not { Length: > 0 }) return Grains.TicketResidency.DefaultLimit;
        if (v == "none") return null;
        return int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n : throw new ArgumentException($"--Hotline:Tickets:ResidentLimit must be a number of tickets (0 or more) or none, not '{v}'");
    }

    /// <summary>A switch that must say <c>true</c> or <c>false</c> when given; absent: false.</summary>
    private static bool Flag(string? v, string name) =>
        v is { Length: > 0 } && (bool.TryParse(v, out var b) ? b : throw new ArgumentException($"{name} must be true or false, not '{v}'"));

    private static int Int(IConfigurationSection s, string key, int fallback)
    {
        if (s[key] is not { } v) return fallback;
        return int.TryParse(v, out var n) && n is > 0 and < 65536 ? n : throw new ArgumentException($"{key} must be a port number (1–65535), not '{v}'");
    }
}
