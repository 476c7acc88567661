extern alias reporting;

using Takedown.Fingerprints.Urls;
using System.Net;
using reporting::Takedown.Reporting.Liveness;

namespace Takedown.Tests.Liveness;

public sealed class AddressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("0.0.0.0")]
    [InlineData("10.20.30.40")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("100.100.100.200")]          // Alibaba Cloud metadata
    [InlineData("169.254.169.254")]          // AWS, GCP, Azure, OCI metadata
    [InlineData("169.254.0.1")]
    [InlineData("192.0.2.10")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fd00:ec2::254")]            // AWS metadata over IPv6
    [InlineData("fc00::1")]
    [InlineData("fe80::1")]
    [InlineData("fe80::1%2")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]         // IPv4-mapped
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::127.0.0.1")]              // deprecated IPv4-compatible
    [InlineData("64:ff9b::a9fe:a9fe")]       // NAT64 of 169.254.169.254
    [InlineData("2002:7f00:1::")]            // 6to4 of 127.0.0.1
    [InlineData("2001:db8::1")]
    [InlineData("2001::1")]                  // Teredo
    public void Addresses_off_the_public_internet_are_refused(string address)
    {
        Assert.True(AddressPolicy.IsRefused(IPAddress.Parse(address)));
        Assert.False(AddressPolicy.Strict.Admits(IPAddress.Parse(address), "example.org", 80));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a03:2880:f12f:83:face:b00c::25de")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]         // NAT64 of 8.8.8.8
    public void Public_addresses_are_admitted(string address)
    {
        Assert.False(AddressPolicy.IsRefused(IPAddress.Parse(address)));
        Assert.True(AddressPolicy.Strict.Admits(IPAddress.Parse(address), "example.org", 443));
    }

    [Fact]
    public void A_cidr_entry_admits_its_block_including_the_mapped_form_and_nothing_else()
    {
        var policy = AddressPolicy.Create(["127.0.0.1/32", "fd12:3456::/32"]);

        Assert.True(policy.Admits(IPAddress.Parse("127.0.0.1"), "anything", 1));
        Assert.True(policy.Admits(IPAddress.Parse("::ffff:127.0.0.1"), "anything", 1));
        Assert.True(policy.Admits(IPAddress.Parse("fd12:3456::9"), "anything", 1));
        Assert.False(policy.Admits(IPAddress.Parse("127.0.0.2"), "anything", 1));
        Assert.False(policy.Admits(IPAddress.Parse("169.254.169.254"), "anything", 1));
        Assert.False(policy.Admits(IPAddress.Parse("fd00:ec2::254"), "anything", 1));
    }

    [Fact]
    public void A_host_port_entry_admits_that_name_on_that_port()
    {
        var policy = AddressPolicy.Create(["Mirror.Internal:8080", "[::1]:9000"]);

        Assert.True(policy.Admits(IPAddress.Parse("10.1.2.3"), "mirror.internal", 8080));
        Assert.False(policy.Admits(IPAddress.Parse("10.1.2.3"), "mirror.internal", 8081));
        Assert.False(policy.Admits(IPAddress.Parse("10.1.2.3"), "other.internal", 8080));
        Assert.True(policy.Admits(IPAddress.Parse("::1"), "::1", 9000));
        Assert.False(policy.Admits(IPAddress.Parse("::1"), "::1", 9001));
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("10.0.0.0/33")]
    [InlineData("host:port")]
    [InlineData("::1:80")]
    [InlineData("example.org:0")]
    public void A_malformed_allow_list_entry_is_rejected_with_its_text(string entry)
    {
        var error = Assert.Throws<FormatException>(() => AddressPolicy.Create([entry]));
        Assert.Contains($"\"{entry}\"", error.Message);
    }
}
