using System.Net;
using System.Net.Sockets;
using Orleans.Configuration;

namespace Hotline.Ops.Host;

/// <summary>The cluster's identity and how a silo is reached by the others.</summary>
public static class HotlineCluster
{
    public const string ClusterId = "hotline";
    public const string ServiceId = "hotline-ops";

    /// <summary>
    /// PostgreSQL mode. On Kubernetes, Orleans' hosting package takes the pod's name and IP (and watches for pods that
    /// are gone); otherwise the silo advertises <c>--advertise</c> (an IP or a host name, resolved now) and then listens
    /// on every address, or binds loopback only when none is given (several silos on one machine).
    /// </summary>
    public static void ConfigureClusterEndpoints(this ISiloBuilder silo, ServerOptions options)
    {
        if (options.Kubernetes)
        {
            silo.Configure<EndpointOptions>(o => { o.SiloPort = options.SiloPort; o.GatewayPort = options.GatewayPort; });
            silo.UseKubernetesHosting();
            return;
        }
        if (options.Advertise is null)
        {
            silo.ConfigureEndpoints(IPAddress.Loopback, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
            return;
        }
        silo.ConfigureEndpoints(Resolve(options.Advertise), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
    }

    /// <summary>An IP address as given, or the host name's first IPv4 address; one clear message when it has none.</summary>
    public static IPAddress Resolve(string advertise)
    {
        if (IPAddress.TryParse(advertise, out var ip)) return ip;
        try
        {
            var addresses = Dns.GetHostAddresses(advertise);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new ArgumentException($"--advertise '{advertise}': the host name has no address");
        }
        catch (SocketException e)
        {
            throw new ArgumentException($"--advertise '{advertise}' is not an IP address or a host name that resolves ({e.Message})");
        }
    }
}
