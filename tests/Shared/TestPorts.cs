using System.Net;
using System.Net.Sockets;

namespace Hotline.Ops.Testing;

/// <summary>
/// Loopback ports for the servers and silos tests start. A port the kernel hands out for port 0 lies in its ephemeral
/// range (32768–60999 on Linux), where every outgoing connection of the tests (HTTP, PostgreSQL) also takes its local
/// port, so one could take it before the server binds it. These come from below that range, never twice in a process
/// (test processes running side by side start at random places in it), and are checked free when handed out.
/// </summary>
public static class TestPorts
{
    private const int First = 10_000, Count = 22_000;
    private static int _offset = Random.Shared.Next(Count);

    public static int Free()
    {
        for (var tried = 0; tried < Count; tried++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _offset) % Count);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException) { } // in use: the next one
        }
        throw new InvalidOperationException($"no free loopback port in {First}–{First + Count - 1}");
    }
}
