using System.Net;

namespace Takedown.Reporting.Liveness;

/// <summary>The probe would have connected to an address the policy refuses; nothing was sent to it.</summary>
public sealed class RefusedAddressException(string host, IReadOnlyList<IPAddress> addresses)
    : Exception($"{host} resolves only to refused addresses ({string.Join(", ", addresses)}).")
{
    public string Host { get; } = host;
}
