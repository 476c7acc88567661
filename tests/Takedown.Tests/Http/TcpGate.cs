using System.Net;
using System.Net.Sockets;

namespace Takedown.Tests.Http;

/// <summary>
/// A TCP forwarder between a host and a real server (PostgreSQL, RabbitMQ) that a test can close and open again, as a
/// network partition or a server going away and coming back would. Closed, it resets the open connections and
/// every new one; it keeps listening, so opening it again needs no new port.
/// </summary>
public sealed class TcpGate : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private readonly List<TcpClient> _connections = [];
    private CancellationTokenSource? _open = new(); // null while closed; cancelled to cut the connections it let through
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
        while (!_disposed.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_disposed.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            CancellationToken open;
            lock (_gate)
            {
                if (_open is null)
                {
                    Reset(inbound);
                    continue;
                }
                open = _open.Token;
                _connections.Add(inbound);
            }
            _ = ForwardAsync(inbound, open);
        }
    }

    private async Task ForwardAsync(TcpClient inbound, CancellationToken open)
    {
        using var outbound = new TcpClient();
        using (inbound)
        {
            lock (_gate)
                _connections.Add(outbound);
            try
            {
                await outbound.ConnectAsync(_targetHost, _targetPort, open);
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(open);
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

    /// <summary>Resets the open connections and every new one until <see cref="Open"/>.</summary>
    public async Task CloseAsync()
    {
        CancellationTokenSource? cut;
        lock (_gate)
        {
            cut = _open;
            _open = null;
            foreach (var connection in _connections)
                Reset(connection);
            _connections.Clear();
        }
        if (cut is not null)
        {
            await cut.CancelAsync();
            cut.Dispose();
        }
    }

    /// <summary>Lets connections through again, as a server that came back.</summary>
    public void Open()
    {
        lock (_gate)
            _open ??= new CancellationTokenSource();
    }

    private static void Reset(TcpClient connection)
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

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        await _disposed.CancelAsync();
        _listener.Stop();
        await _accepting;
        _disposed.Dispose();
    }
}
