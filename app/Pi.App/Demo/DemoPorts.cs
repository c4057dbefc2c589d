using System.Net;
using System.Net.Sockets;

namespace Pi.App.Demo;

/// <summary>
/// Free loopback ports for the parts that must be told a port number before they listen (the
/// APP's answer port, which the gateway and the sub-devices send deviceInfo to, and the
/// sub-devices' onboarding ports, which their deviceInfo announces). Everything that can listen on
/// port 0 and report the port does so instead.
/// </summary>
internal static class DemoPorts
{
    public static int FreeUdp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static int FreeTcp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
