extern alias ingest;
extern alias classification;
extern alias reupload;
extern alias reporting;

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Takedown.Tests.Deployment;

/// <summary>
/// deploy/Caddyfile, run by Caddy, sends each path to the service that serves it (docs/deployment.md, "The front door"):
/// every endpoint the four services map, and the documented paths that no service maps yet.
/// </summary>
public sealed class FrontDoorRoutingTests(FrontDoor frontDoor) : IClassFixture<FrontDoor>
{
    private const string Sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string Id = "0b5e3f0e-8d3c-4c1e-9a57-2f0c8b6d1e42";

    [Theory]
    [InlineData("POST", "/api/v1/reports", "ingest")]
    [InlineData("GET", $"/api/v1/evidence/{Sha256}", "ingest")]
    [InlineData("GET", $"/api/v1/classifications/{Id}", "classification")]
    [InlineData("POST", $"/api/v1/classifications/{Id}/override", "classification")]
    [InlineData("GET", "/api/v1/banks", "reupload-detection")]
    [InlineData("GET", "/api/v1/banks/ncmec", "reupload-detection")]
    [InlineData("POST", "/api/v1/banks/ncmec/hashes:import", "reupload-detection")]
    [InlineData("DELETE", "/api/v1/banks/ncmec/hashes/pdq/ab/cd", "reupload-detection")]
    [InlineData("POST", "/api/v1/match", "reupload-detection")]
    [InlineData("GET", "/api/v1/reports/transparency?from=2025-01-01&format=csv", "reporting")]
    [InlineData("GET", "/api/v1/cases?status=Open&page=2", "reporting")]
    [InlineData("GET", $"/api/v1/cases/{Id}", "reporting")]
    [InlineData("POST", $"/api/v1/cases/{Id}/notices", "reporting")]
    [InlineData("GET", $"/api/v1/cases/{Id}/audit", "reporting")]
    [InlineData("GET", "/api/v1/statistics/platforms", "reporting")]
    [InlineData("GET", "/api/v1/search?q=leak", "reporting")]
    [InlineData("POST", "/api/v1/search/similar", "reporting")]
    [InlineData("POST", "/api/v1/admin/api-keys", "reporting")]
    [InlineData("DELETE", $"/api/v1/admin/api-keys/{Id}", "reporting")]
    [InlineData("GET", "/openapi/v1.json", "reporting")]
    [InlineData("GET", "/api/v1/no-such-thing", "reporting")]
    // Near misses of another service's paths stay with reporting.
    [InlineData("GET", "/api/v1/reports/", "reporting")]
    [InlineData("GET", "/api/v1/banksearch", "reporting")]
    public async Task A_documented_path_reaches_its_service_unchanged(string method, string path, string service)
    {
        Assert.Equal(new Reached(service, method, path), await frontDoor.SendAsync(method, path));
    }

    [Theory]
    [InlineData("GET", "/ingest/api/v1/admin/projections", "ingest", "/api/v1/admin/projections")]
    [InlineData("POST", "/classification/api/v1/admin/projections/classifications/rebuild?timeoutSeconds=5", "classification", "/api/v1/admin/projections/classifications/rebuild?timeoutSeconds=5")]
    [InlineData("GET", "/classification/health/ready", "classification", "/health/ready")]
    [InlineData("GET", "/reupload-detection/health/live", "reupload-detection", "/health/live")]
    [InlineData("GET", "/reporting/api/v1/admin/api-keys", "reporting", "/api/v1/admin/api-keys")]
    public async Task A_path_under_a_service_name_reaches_that_service_without_the_name(string method, string path, string service, string target)
    {
        Assert.Equal(new Reached(service, method, target), await frontDoor.SendAsync(method, path));
    }

    [Fact]
    public async Task Every_endpoint_of_every_service_reaches_that_service()
    {
        var endpoints = new[]
        {
            EndpointsOf<ingest::Program>("ingest"),
            EndpointsOf<classification::Program>("classification"),
            EndpointsOf<reupload::Program>("reupload-detection"),
            EndpointsOf<reporting::Program>("reporting"),
        }.SelectMany(e => e).ToList();

        var wrong = new List<string>();
        var expectations = Expectations(endpoints).ToList();
        foreach (var (method, path, expected) in expectations)
        {
            var reached = await frontDoor.SendAsync(method, path);
            if (reached != expected)
                wrong.Add($"{method} {path}: expected {expected.Service} with {expected.Target}, reached {reached.Service} with {reached.Method} {reached.Target}");
        }

        Assert.True(wrong.Count == 0, $"deploy/Caddyfile sends these requests to the wrong place:\n{string.Join("\n", wrong)}");
        // Each service's own endpoints were found and tried, not just the defaults they share.
        Assert.All(FrontDoor.Services, service =>
            Assert.Contains(expectations, e => e.Expected.Service == service && e.Path.StartsWith("/api/v1/", StringComparison.Ordinal) && !e.Path.StartsWith("/api/v1/admin/", StringComparison.Ordinal)));
    }

    /// <summary>
    /// A path only one service maps goes to it unchanged. A path several map (health, OpenAPI, /api/v1/admin/…) goes
    /// to reporting as it is, and to each of them under its name, the name stripped.
    /// </summary>
    private static IEnumerable<(string Method, string Path, Reached Expected)> Expectations(List<(string Service, string Method, string Path)> endpoints)
    {
        foreach (var mapped in endpoints.GroupBy(e => (e.Method, e.Path)))
        {
            var (method, path) = mapped.Key;
            var services = mapped.Select(e => e.Service).Distinct().ToList();
            if (services.Count == 1)
            {
                yield return (method, path, new Reached(services[0], method, path));
                continue;
            }
            if (services.Contains("reporting"))
                yield return (method, path, new Reached("reporting", method, path));
            // The front door publishes one OpenAPI document, reporting's; each service's own is on the service itself.
            if (path.StartsWith("/openapi/", StringComparison.Ordinal))
                continue;
            foreach (var service in services)
                yield return (method, $"/{service}{path}", new Reached(service, method, path));
        }
    }

    /// <summary>
    /// The routes the service's real host maps, each as a request path with sample values for its parameters. The host
    /// runs in memory without its hosted services (migrations, bus, projections, clocks), so it never touches PostgreSQL
    /// or RabbitMQ: endpoints are mapped by Program, not by anything that connects.
    /// </summary>
    private static List<(string Service, string Method, string Path)> EndpointsOf<TProgram>(string service) where TProgram : class
    {
        using var factory = new WebApplicationFactory<TProgram>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Testing");
            host.UseSetting("ConnectionStrings:Postgres", "Host=127.0.0.1;Port=1;Database=unused;Username=unused;Password=unused");
            host.ConfigureTestServices(services =>
            {
                // The web host itself is a hosted service too: it builds the pipeline, which collects the endpoints.
                foreach (var hosted in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name != "GenericWebHostService").ToList())
                    services.Remove(hosted);
            });
        });
        var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(routes);
        return routes
            .SelectMany(route => (route.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => (service, method, SamplePath(route.RoutePattern))))
            .ToList();
    }

    private static string SamplePath(RoutePattern pattern) =>
        "/" + string.Join("/", pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(SampleValue))));

    private static string SampleValue(RoutePatternPart part) => part switch
    {
        RoutePatternLiteralPart literal => literal.Content,
        RoutePatternSeparatorPart separator => separator.Content,
        RoutePatternParameterPart { IsCatchAll: true } => "pdq/ab/cd",
        RoutePatternParameterPart parameter when parameter.ParameterPolicies.Any(p => p.Content == "guid") => Id,
        RoutePatternParameterPart { Name: "sha256" } => Sha256,
        RoutePatternParameterPart { Name: "documentName" } => "v1",
        RoutePatternParameterPart => "sample",
        _ => throw new NotSupportedException($"Route part {part}"),
    };
}
