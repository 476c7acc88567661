using System.Net;
using System.Net.Sockets;

namespace Takedown.Fingerprints.Urls;

/// <summary>
/// Which addresses are the public internet, where platform content lives. Reported URLs come from outside, so a URL
/// naming this machine, the cluster's network or a cloud metadata service is refused twice over: at intake
/// (<see cref="IntakeFault"/>: the URL's literal address or an obviously local name, without resolving it) and by the
/// liveness probe when it resolves the name to connect (<see cref="Admits"/>: every address in a refused range unless
/// an allow-list entry admits it), which also catches public names that resolve to private addresses (SSRF).
/// </summary>
public sealed class AddressPolicy
{
    // Not the public internet: loopback, private, shared, link-local (cloud metadata lives at 169.254.169.254),
    // documentation, benchmarking, multicast and reserved ranges (IANA special-purpose registries).
    private static readonly IPNetwork[] RefusedIPv4 =
    [
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"),     // carrier-grade NAT; Alibaba's metadata service is 100.100.100.200
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.88.99.0/24"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("198.51.100.0/24"),
        IPNetwork.Parse("203.0.113.0/24"),
        IPNetwork.Parse("224.0.0.0/4"),
        IPNetwork.Parse("240.0.0.0/4"),       // reserved, and 255.255.255.255
    ];

    private static readonly IPNetwork[] RefusedIPv6 =
    [
        IPNetwork.Parse("::/96"),             // unspecified, loopback and the deprecated IPv4-compatible form
        IPNetwork.Parse("64:ff9b:1::/48"),    // local-use NAT64
        IPNetwork.Parse("100::/64"),          // discard
        IPNetwork.Parse("2001::/23"),         // IETF protocol assignments, Teredo among them
        IPNetwork.Parse("2001:db8::/32"),
        IPNetwork.Parse("fc00::/7"),          // unique-local; AWS's IPv6 metadata service is fd00:ec2::254
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fec0::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    // IPv6 forms that carry an IPv4 address, which is judged instead: NAT64 and 6to4 (IPv4-mapped is unwrapped first).
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    private readonly IReadOnlyList<IPNetwork> _allowedNetworks;
    private readonly IReadOnlySet<(string Host, int Port)> _allowedEndpoints;

    private AddressPolicy(IReadOnlyList<IPNetwork> networks, IReadOnlySet<(string, int)> endpoints)
    {
        _allowedNetworks = networks;
        _allowedEndpoints = endpoints;
    }

    public static AddressPolicy Strict { get; } = Create([]);

    /// <summary>
    /// An allow-list of CIDR blocks ("127.0.0.1/32", "::1/128": any port) and host:port entries
    /// ("localhost:8080", "[::1]:8080": that name or literal on that port, whatever it resolves to).
    /// </summary>
    public static AddressPolicy Create(IEnumerable<string> allowList)
    {
        var networks = new List<IPNetwork>();
        var endpoints = new HashSet<(string, int)>();
        foreach (var entry in allowList.Select(e => e.Trim()).Where(e => e.Length > 0))
        {
            if (TryParseAllowEntry(entry, out var network, out var endpoint, out var error))
            {
                if (network is { } n) networks.Add(n);
                if (endpoint is { } e) endpoints.Add(e);
            }
            else
                throw new FormatException(error);
        }
        return new AddressPolicy(networks, endpoints);
    }

    public static bool TryParseAllowEntry(string entry, out IPNetwork? network, out (string Host, int Port)? endpoint, out string? error)
    {
        network = null;
        endpoint = null;
        error = null;
        if (entry.Contains('/'))
        {
            if (IPNetwork.TryParse(entry, out var parsed))
            {
                network = parsed;
                return true;
            }
            error = $"Liveness allow-list entry \"{entry}\" is not a CIDR block (like 10.1.2.0/24 or fd12::/64).";
            return false;
        }
        var colon = entry.LastIndexOf(':');
        if (colon > 0 && int.TryParse(entry[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535)
        {
            var host = entry[..colon];
            // An IPv6 literal needs its brackets: "::1:80" is itself an address, not ::1 on port 80.
            var bracketed = host.StartsWith('[') && host.EndsWith(']');
            if (bracketed)
                host = host[1..^1];
            if (host.Length > 0 && (bracketed ? IPAddress.TryParse(host, out _) : !host.Contains(':')))
            {
                endpoint = (NormaliseHost(host), port);
                return true;
            }
        }
        error = $"Liveness allow-list entry \"{entry}\" is neither a CIDR block (10.1.2.0/24) nor host:port (mirror.internal:8080, [::1]:8080).";
        return false;
    }

    /// <summary>Whether <paramref name="address"/>, reached as <paramref name="host"/>:<paramref name="port"/>, may be connected to.</summary>
    public bool Admits(IPAddress address, string host, int port)
    {
        var normal = Normalise(address);
        if (_allowedEndpoints.Contains((NormaliseHost(host), port)) || _allowedNetworks.Any(n => n.Contains(normal) || n.Contains(address)))
            return true;
        return !IsRefused(normal);
    }

    // Names that never lead to the public internet (RFC 6761 localhost, RFC 6762 .local, RFC 8375 home.arpa, ICANN's
    // .internal where cloud metadata lives, e.g. metadata.google.internal) and the common .localdomain.
    private static readonly string[] LocalSuffixes = ["localhost", "local", "localdomain", "internal", "home.arpa"];

    /// <summary>
    /// Why a reported URL cannot be platform content, or null. Judged on the host as written, without DNS (intake cannot
    /// resolve every report, and a name's answer can change before the probe): an IP literal in any notation
    /// (<c>0x7f000001</c>, <c>2130706433</c>, <c>0177.0.0.1</c>, <c>[::ffff:169.254.169.254]</c>) in a refused range, a
    /// single-label name (<c>ingest</c>, <c>postgres</c>: a neighbour on this network) or a local name. A public name
    /// resolving to a private address is the liveness probe's to refuse when it connects.
    /// </summary>
    public static string? IntakeFault(Uri url)
    {
        // The host as it is connected to (IdnHost), so a name written in other scripts is judged in its ASCII form.
        var host = url.IdnHost.TrimEnd('.').ToLowerInvariant();
        if (host.StartsWith('[') && host.EndsWith(']'))
            host = host[1..^1];
        // IPAddress reads the inet_aton notations (hex, octal, a single number) that Uri leaves as names once IDN-folded.
        if (url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || IPAddress.TryParse(host, out _))
        {
            if (!IPAddress.TryParse(host, out var address))
                return $"Names the address '{host}', which is not one: reported content must be on a public host.";
            return IsRefused(address) ? $"Names the non-public address {Normalise(address)}: reported content must be on a public host." : null;
        }
        if (!host.Contains('.'))
            return $"Names the host '{host}', which is not a public internet name: reported content must be on a public host.";
        if (LocalSuffixes.Any(s => host == s || host.EndsWith("." + s, StringComparison.Ordinal)))
            return $"Names the local host '{host}': reported content must be on a public host.";
        return null;
    }

    /// <summary>True for every address that is not on the public internet (the refused ranges above).</summary>
    public static bool IsRefused(IPAddress address)
    {
        address = Normalise(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return RefusedIPv4.Any(n => n.Contains(address));
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return true;
        if (RefusedIPv6.Any(n => n.Contains(address)))
            return true;
        if (EmbeddedIPv4(address) is { } embedded)
            return RefusedIPv4.Any(n => n.Contains(embedded));
        return false;
    }

    private static IPAddress Normalise(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            return address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
            return new IPAddress(address.GetAddressBytes());
        return address;
    }

    private static IPAddress? EmbeddedIPv4(IPAddress v6)
    {
        var bytes = v6.GetAddressBytes();
        if (Nat64.Contains(v6))
            return new IPAddress(bytes.AsSpan(12, 4));
        if (SixToFour.Contains(v6))
            return new IPAddress(bytes.AsSpan(2, 4));
        return null;
    }

    private static string NormaliseHost(string host)
    {
        host = host.Trim().TrimEnd('.').ToLowerInvariant();
        if (host.StartsWith('[') && host.EndsWith(']'))
            host = host[1..^1];
        return IPAddress.TryParse(host, out var literal) ? Normalise(literal).ToString() : host;
    }
}
