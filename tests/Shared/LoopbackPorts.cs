using System.Net;
using System.Net.Sockets;

namespace CompreFace.Testing;

/// <summary>
/// The one place tests pick a loopback port for a server they start later (a node process, a silo, a receiver). Not the
/// kernel's port 0: that hands out an ephemeral port, which any outbound connection on the machine (test HTTP clients,
/// Npgsql, the silos of test projects running at the same time) may take before the server binds it; CI lost a run to
/// that ("address already in use" when a node started).
/// </summary>
public static class LoopbackPorts
{
    /// <summary>Below Linux's default ephemeral range (32768-60999), which outbound connections draw from.</summary>
    private const int First = 20_000;

    private const int Count = 12_000;

    /// <summary>The next candidate; each test process starts at its own random place, so concurrent ones rarely meet.</summary>
    private static int _next = Random.Shared.Next(Count);

    /// <summary>A loopback port nobody listens on now.</summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < Count; attempt++)
        {
            var port = First + (Interlocked.Increment(ref _next) % Count);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try the next one.
            }
        }

        throw new InvalidOperationException($"no free loopback port in {First}-{First + Count - 1}");
    }
}
