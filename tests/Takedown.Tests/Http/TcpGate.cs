using System.Net;
using System.Net.Sockets;

namespace Takedown.Tests.Http;

/// <summary>
/// A TCP forwarder between a host and a real server (PostgreSQL, RabbitMQ) that a test can close, as a network
/// partition or a server going away would: open connections are cut and new ones are refused.
/// </summary>
public sealed class TcpGate : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _closed = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;

    public TcpGate(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    private async Task AcceptAsync()
    {
        while (!_closed.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_closed.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ForwardAsync(inbound);
        }
    }

    private async Task ForwardAsync(TcpClient inbound)
    {
        using var outbound = new TcpClient();
        using (inbound)
        {
            lock (_connections)
                _connections.AddRange([inbound, outbound]);
            try
            {
                await outbound.ConnectAsync(_targetHost, _targetPort, _closed.Token);
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token);
                await Task.WhenAny(
                    inbound.GetStream().CopyToAsync(outbound.GetStream(), stop.Token),
                    outbound.GetStream().CopyToAsync(inbound.GetStream(), stop.Token));
                await stop.CancelAsync();
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Refuses new connections and resets the open ones.</summary>
    public async Task CloseAsync()
    {
        await _closed.CancelAsync();
        _listener.Stop();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                try
                {
                    connection.Client?.LingerState = new LingerOption(true, 0); // RST, not a polite FIN
                }
                catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
                {
                    // already closed by its other end
                }
                connection.Close();
            }
        }
        await _accepting;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_closed.IsCancellationRequested)
            await CloseAsync();
        _closed.Dispose();
    }
}
