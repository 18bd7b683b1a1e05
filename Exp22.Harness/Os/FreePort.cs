using System.Net;
using System.Net.Sockets;

namespace Exp22.Harness.Os;

/// <summary>Picks loopback ports nobody listens on.</summary>
public static class FreePort
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// The port is free now, not reserved: the caller retries on a bind failure. Ports handed out before
    /// are skipped because the kernel may offer a just-released port again while its server is still starting.
    /// </summary>
    public static int Pick()
    {
        for (var attempt = 0; ; attempt++)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (HandedOut)
            {
                if (HandedOut.Add(port) || attempt >= 20)
                    return port;
            }
        }
    }
}
