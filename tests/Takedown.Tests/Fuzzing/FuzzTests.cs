using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Takedown.Testing;
using Takedown.Tests.EndToEnd;
using Takedown.Tests.Http;
using Xunit.Abstractions;

namespace Takedown.Tests.Fuzzing;

/// <summary>
/// Seeded malformed requests to every endpoint of the four real hosts, on real PostgreSQL and RabbitMQ: no answer is a
/// server error, every 4xx with a body is problem details, and every service is still ready afterwards.
/// TAKEDOWN_FUZZ_SEED replays a run (the seed is printed); TAKEDOWN_FUZZ_REQUESTS sets how many requests it sends.
/// </summary>
public sealed class FuzzTests(PipelineFixture pipeline, ITestOutputHelper output) : IClassFixture<PipelineFixture>
{
    private const int DefaultSeed = 13_013;
    private const int DefaultRequests = 10_000;
    private const int Parallelism = 8;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    /// <summary>Counted apart: a request line the server refuses before the app runs (Kestrel's 400).</summary>
    private const int RefusedBeforeTheApp = -400;

    [Fact]
    public async Task Malformed_requests_to_every_endpoint_get_no_server_error_and_problem_details_for_every_refusal()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("TAKEDOWN_FUZZ_SEED"), out var s) ? s : DefaultSeed;
        var count = int.TryParse(Environment.GetEnvironmentVariable("TAKEDOWN_FUZZ_REQUESTS"), out var n) && n > 0 ? n : DefaultRequests;
        output.WriteLine($"fuzz: seed {seed} (TAKEDOWN_FUZZ_SEED), {count} requests (TAKEDOWN_FUZZ_REQUESTS)");

        var keys = await KeysAsync();
        var contentId = await ExistingCaseAsync(keys["reporter"], keys["analyst"]);
        var endpoints = Endpoints();
        Assert.All(new[] { "ingest", "classification", "reupload", "reporting" }, service =>
            Assert.Contains(endpoints, e => e.Service == service && e.Pattern.RawText!.StartsWith("/api/v1/", StringComparison.Ordinal)));
        output.WriteLine($"fuzz: {endpoints.Count} endpoints: {string.Join(", ", endpoints.Select(e => $"{e.Service} {e.Method} {e.Pattern.RawText}"))}");

        // Generated in order from the one seed, then sent concurrently: the same seed makes the same requests.
        var generator = new Generator(new Random(seed), keys, contentId);
        var cases = Enumerable.Range(0, count).Select(i => generator.Next(i, endpoints[generator.Pick(endpoints.Count)])).ToList();

        var serverErrors = new ConcurrentBag<string>();
        var offendingRoutes = new ConcurrentDictionary<string, int>();
        var notProblems = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (fuzz, _) =>
        {
            var (status, fault) = await SendAsync(fuzz);
            statuses.AddOrUpdate(status, 1, (_, c) => c + 1);
            if (status >= 500 || status == 0 || fault is not null)
                offendingRoutes.AddOrUpdate($"{fuzz.Service} {fuzz.Route} -> {status}", 1, (_, c) => c + 1);
            if (status >= 500 || status == 0)
                serverErrors.Add($"#{fuzz.Index} seed {seed}: {fuzz.Describe()} -> {(status == 0 ? "no answer" : status.ToString())}: {fault}");
            else if (fault is not null)
                notProblems.Add($"#{fuzz.Index} seed {seed}: {fuzz.Describe()} -> {status}: {fault}");
        });
        foreach (var (route, times) in offendingRoutes.OrderBy(p => p.Key, StringComparer.Ordinal))
            output.WriteLine($"fuzz: offending: {route} ×{times}");
        output.WriteLine($"fuzz: {count} requests in {clock.Elapsed.TotalSeconds:F1}s; answers {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}");

        var notReady = new List<string>();
        foreach (var (name, client) in Clients())
        {
            using var ready = await client.GetAsync("/health/ready");
            if (ready.StatusCode != HttpStatusCode.OK)
                notReady.Add($"{name}: {(int)ready.StatusCode} {Excerpt(await ready.Content.ReadAsStringAsync())}");
        }

        Assert.True(serverErrors.IsEmpty, $"{serverErrors.Count} of {count} requests (seed {seed}) got a server error; the first 20 by index:\n"
            + string.Join("\n", serverErrors.OrderBy(IndexOf).Take(20)));
        Assert.True(notProblems.IsEmpty, $"{notProblems.Count} of {count} refusals (seed {seed}) were not problem details; the first 20 by index:\n"
            + string.Join("\n", notProblems.OrderBy(IndexOf).Take(20)));
        Assert.True(notReady.Count == 0, $"not ready after the fuzz (seed {seed}):\n{string.Join("\n", notReady)}");
    }

    private static int IndexOf(string offender) => int.Parse(offender.AsSpan(1, offender.IndexOf(' ') - 1));

    private IEnumerable<(string Name, HttpClient Client)> Clients() =>
        [("ingest", pipeline.Ingest), ("classification", pipeline.Classification), ("reupload", pipeline.Reupload), ("reporting", pipeline.Reporting)];

    private HttpClient ClientOf(string service) => service switch
    {
        "ingest" => pipeline.Ingest,
        "classification" => pipeline.Classification,
        "reupload" => pipeline.Reupload,
        "reporting" => pipeline.Reporting,
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, null),
    };

    private async Task<(int Status, string? Fault)> SendAsync(FuzzRequest fuzz)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout);
        using var request = fuzz.ToMessage();
        // The in-memory test server cannot build a request whose path decodes to a NUL ("%00"); it would never reach the
        // service. Kestrel refuses such a request line itself with 400 Bad Request before any middleware runs.
        if (Uri.UnescapeDataString(fuzz.Path.Split('?')[0]).Contains('\0'))
            return (RefusedBeforeTheApp, null);
        try
        {
            using var response = await ClientOf(fuzz.Service).SendAsync(request, timeout.Token);
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            if (status >= 500)
                return (status, Excerpt(Encoding.UTF8.GetString(body)));
            if (status is >= 400 and < 500 && body.Length > 0)
                return (status, ProblemFault(response, body, status));
            return (status, null);
        }
        catch (Exception e)
        {
            return (0, $"{e.GetType().Name}: {Excerpt(e.Message)} {Excerpt(e.StackTrace ?? "")}");
        }
    }

    private static string? ProblemFault(HttpResponseMessage response, byte[] body, int status)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType != "application/problem+json")
            return $"content type {mediaType ?? "none"}: {Excerpt(Encoding.UTF8.GetString(body))}";
        try
        {
            var problem = StrictJson.Parse(Encoding.UTF8.GetString(body));
            if (problem.ValueKind != JsonValueKind.Object || !problem.TryGetProperty("status", out var said) || said.ValueKind != JsonValueKind.Number || said.GetInt32() != status)
                return $"status in the body is not {status}: {Excerpt(Encoding.UTF8.GetString(body))}";
            return null;
        }
        catch (JsonException e)
        {
            return $"not strict JSON ({e.Message}): {Excerpt(Encoding.UTF8.GetString(body))}";
        }
    }

    internal static string Excerpt(string text)
    {
        var flat = text.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\0", "\\0");
        return flat.Length <= 300 ? flat : flat[..300] + $"… ({text.Length} chars)";
    }

    private async Task<Dictionary<string, string>> KeysAsync() => new()
    {
        ["reporter"] = await pipeline.IssueKeyAsync("fuzz-flaggers", "reporter"),
        ["analyst"] = await pipeline.IssueKeyAsync("takedown-fuzz", "analyst"),
        ["liaison"] = await pipeline.IssueKeyAsync("takedown-fuzz", "liaison"),
        ["admin"] = PipelineFixture.AdminKey,
        ["service"] = PipelineFixture.ServiceKey,
    };

    /// <summary>A real case, so that routes with its id reach the case commands rather than only "not found".</summary>
    private async Task<Guid> ExistingCaseAsync(string reporter, string analyst)
    {
        using var submitted = await pipeline.Ingest.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/reports", reporter,
            new { url = "https://x.com/fuzz/status/1313", text = "a report to fuzz around", reporterReference = "FUZZ-1" }));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var contentId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("contentId").GetGuid();
        await Eventually.UntilAsync(async () =>
        {
            using var read = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/cases/{contentId}", analyst));
            return read.StatusCode;
        }, status => status == HttpStatusCode.OK, what: "the fuzz case");
        return contentId;
    }

    private List<Endpoint> Endpoints() =>
        pipeline.Hosts.SelectMany(host => host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
                .SelectMany(route => (route.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                    .Select(method => new Endpoint(host.Service, method, route.RoutePattern))))
            .DistinctBy(e => (e.Service, e.Method, e.Pattern.RawText))
            .OrderBy(e => e.Service, StringComparer.Ordinal).ThenBy(e => e.Pattern.RawText, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)
            .ToList();

    internal sealed record Endpoint(string Service, string Method, RoutePattern Pattern);

    internal sealed record FuzzRequest(int Index, string Route, string Service, string Method, string Path, string? ContentType, byte[]? Body, IReadOnlyList<(string Name, string Value)> Headers)
    {
        public HttpRequestMessage ToMessage()
        {
            var request = new HttpRequestMessage(new HttpMethod(Method), new Uri(Path, UriKind.Relative));
            foreach (var (name, value) in Headers)
                request.Headers.TryAddWithoutValidation(name, value);
            if (Body is not null)
            {
                request.Content = new ByteArrayContent(Body);
                if (ContentType is not null)
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
            return request;
        }

        public string Describe()
        {
            var headers = string.Join("; ", Headers.Select(h => $"{h.Name}: {Excerpt(h.Value)}"));
            var body = Body is null ? "no body" : $"{ContentType ?? "no content type"} {Body.Length} bytes: {Excerpt(Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 400)))}";
            return $"{Service} {Method} {Excerpt(Path)} [{headers}] {body}";
        }
    }

    /// <summary>Everything random comes from one seeded Random, used from one thread.</summary>
    internal sealed class Generator(Random random, IReadOnlyDictionary<string, string> keys, Guid contentId)
    {
        private static readonly string[] QueryNames =
            ["page", "pageSize", "from", "to", "status", "platform", "category", "severity", "organisation", "q", "overdue", "reupload",
             "dueBefore", "format", "by", "timeoutSeconds", "firstRow", "failures"];

        private static readonly string[] FieldNames =
            ["url", "platform", "text", "reporterReference", "observedAt", "jurisdiction", "views", "media", "account", "contentType", "data",
             "channel", "reference", "sentAt", "orderIssuedAt", "issuedBy", "acknowledgedAt", "outcome", "reason", "respondedAt", "to",
             "escalatedAt", "reinstatedAt", "closedAt", "category", "severity", "hashes", "signal", "hash", "pdq", "image", "video",
             "maxDistance", "limit", "name", "organisation", "roles", "label", "source"];

        private static readonly string[] Plausible =
            ["1", "0", "2", "50", "true", "false", "Open", "Closed", "x", "youtube", "csam", "high", "csv", "json", "platform", "organisation",
             "2025-01-01", "2025-01-01T00:00:00Z", "2030-12-31", "ncmec", "pdq", "md5", "reporter", "analyst", "admin", "leak", "5"];

        // Raw, already percent-encoded where needed, for paths and query strings.
        private static readonly string[] EncodedGarbage =
            ["", "%00", "a%00b", "..%2F..%2Fetc%2Fpasswd", "..%2f", "%2e%2e%2f%2e%2e", "..", ".", "%2F", "%5C..%5C", "%E2%80%AE", "%E2%80%8Fabc%E2%80%8E",
             "%F0%9F%92%A9", "%F0%9F%8F%B4", "%ED%A0%80", "%ED%B0%80", "%C0%AF", "%C0%80", "%FF%FE", "%", "%zz", "%2", "-1", "0", "-0",
             "99999999999999999999", "9223372036854775808", "-2147483649", "1e309", "NaN", "Infinity", "0x7f", "null", "%5B%5D", "%7B%7D",
             "2025-13-45", "0001-01-01", "9999-12-31T23:59:59Z", "10000-01-01", "%27%3B%20DROP%20TABLE%20x%3B--", "%3Cscript%3E", "%20", "+",
             "%0D%0AX-Injected:%201", "%7B0%7D", "%25", "%E2%80%8B", "%EF%BB%BF", "00000000-0000-0000-0000-000000000000", "*", "~", "%3F", "%23"];

        private static readonly string[] IfMatches = ["garbage", "W/\"1\"", "\"-1\"", "\"99999999999999999999\"", "\"1\"", "\"0\"", "*", "\"\"", "\"abc\"", "1", "\"1\", \"2\"", ""];

        private static readonly string[] HostileUrls =
            ["file:///etc/passwd", "javascript:alert(1)", "http://169.254.169.254/latest/meta-data/", "http://0x7f000001/", "http://127.0.0.1:5432/",
             "http://[::1]/", "http://localhost/admin", "gopher://x", "data:text/html,<script>", "https://", "://", "http://%00/", "https://x.com/\u0000",
             "https://x.com/\u202Eevil", "ftp://example.org/a", "http://2130706433/", "https://user:pass@x.com/a", "https://x.com/" + new string('a', 5000),
             "https://x.com/someone/status/1", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "not a url", "http://例え.テスト/パス", "\\\\server\\share"];

        private static readonly string[] ContentTypes =
            ["application/json", "application/json; charset=utf-8", "text/csv", "application/x-ndjson", "text/plain", "application/xml",
             "multipart/form-data", "application/x-www-form-urlencoded", "application/json; charset=bogus", "application/json; charset=utf-16",
             "garbage", ";;;", "text/csv; charset=latin1", "application/*", "*/*"];

        public int Pick(int count) => random.Next(count);
        private Guid NewGuid() => new(RandomBytes(16));
        private bool Chance(double p) => random.NextDouble() < p;
        private T OneOf<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

        public FuzzRequest Next(int index, Endpoint endpoint)
        {
            var method = Chance(0.05) ? OneOf(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) : endpoint.Method;
            var path = PathOf(endpoint.Pattern) + Query();
            if (path.Length > 60_000) // beyond what a Uri holds
                path = path[..60_000];
            var headers = Headers(endpoint);
            var import = endpoint.Pattern.RawText!.EndsWith(":import", StringComparison.Ordinal);
            var (contentType, body) = method is "GET" or "DELETE" && Chance(0.8) ? (null, null) : Body(import);
            return new FuzzRequest(index, endpoint.Pattern.RawText!, endpoint.Service, method, path, contentType, body, headers);
        }

        private string PathOf(RoutePattern pattern) =>
            "/" + string.Join("/", pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(Part))));

        private string Part(RoutePatternPart part) => part switch
        {
            RoutePatternLiteralPart literal => Chance(0.01) ? Mangle(literal.Content) : literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart { IsCatchAll: true } => string.Join("/", Enumerable.Range(0, random.Next(1, 4)).Select(_ => RouteValue(null))),
            RoutePatternParameterPart parameter when parameter.ParameterPolicies.Any(p => p.Content == "guid") => random.Next(10) switch
            {
                < 5 => contentId.ToString(),
                < 8 => NewGuid().ToString(random.Next(2) == 0 ? "D" : "N"),
                _ => RouteValue(null),
            },
            RoutePatternParameterPart { Name: "sha256" } => random.Next(3) switch
            {
                0 => Convert.ToHexStringLower(RandomBytes(32)),
                1 => Convert.ToHexString(RandomBytes(random.Next(0, 64))),
                _ => RouteValue(null),
            },
            RoutePatternParameterPart parameter => RouteValue(parameter.Name),
            _ => throw new NotSupportedException($"Route part {part}"),
        };

        private string Mangle(string literal) => random.Next(3) switch
        {
            0 => literal.ToUpperInvariant(),
            1 => literal + "%00",
            _ => Uri.EscapeDataString(literal).Replace("a", "%61"),
        };

        private string RouteValue(string? name) => random.Next(10) switch
        {
            < 3 when name is not null => name switch
            {
                "bank" => OneOf(["ncmec", "fuzz-bank", "removed", "NCMEC", "a", new string('b', 200)]),
                "signal" => OneOf(["pdq", "md5", "sha256", "tmk", "PDQ", "text"]),
                "name" => OneOf(["classifications", "cases", "accounts", "banks", "no-such-projection"]),
                "documentName" => OneOf(["v1", "v2", "../v1"]),
                _ => NewGuid().ToString(),
            },
            < 7 => OneOf(EncodedGarbage),
            < 8 => Huge(random.Next(1_000, 20_000)),
            _ => Encode(OddText(random.Next(1, 40))),
        };

        private string Query()
        {
            if (Chance(0.3))
                return "";
            var parts = Enumerable.Range(0, random.Next(1, 6)).Select(_ =>
            {
                var name = Chance(0.9) ? OneOf(QueryNames) : OneOf(EncodedGarbage);
                var value = random.Next(10) switch
                {
                    < 3 => OneOf(Plausible),
                    < 7 => OneOf(EncodedGarbage),
                    < 8 => Huge(random.Next(1_000, 10_000)),
                    _ => Encode(OddText(random.Next(1, 40))),
                };
                return Chance(0.05) ? name : $"{name}={value}";
            });
            return "?" + string.Join("&", parts);
        }

        private List<(string, string)> Headers(Endpoint endpoint)
        {
            var headers = new List<(string, string)>();
            var roll = random.NextDouble();
            if (roll < 0.85)
                headers.Add(("X-Api-Key", keys[OneOf(["reporter", "analyst", "liaison", "admin", "service"])]));
            else if (roll < 0.93)
                headers.Add(("X-Api-Key", OneOf(["", "garbage", "test-bootstrap-admin-key ", new string('k', 10_000), "tdk_" + NewGuid().ToString("N"), "\u00e9\u00e8", "null"])));
            if (Chance(0.3))
                headers.Add(("If-Match", OneOf(IfMatches)));
            if (Chance(0.3))
                headers.Add(("Idempotency-Key", OneOf(["", " ", "key", NewGuid().ToString(), new string('i', 10_000), "\u00ff\u00fe", "a,b", "\"quoted\"", "%00"])));
            if (Chance(0.05))
                headers.Add(("Accept", OneOf(["text/csv", "application/xml", "garbage", "*/*;q=bogus"])));
            return headers;
        }

        private (string? ContentType, byte[]? Body) Body(bool import)
        {
            if (Chance(0.07))
                return (null, null);
            var contentType = Chance(0.85) ? (import ? OneOf(["text/csv", "application/x-ndjson", "text/csv; charset=utf-8"]) : "application/json") : OneOf(ContentTypes);
            if (Chance(0.03))
                contentType = null;
            if (import && Chance(0.7))
                return (contentType, Encoding.UTF8.GetBytes(contentType?.Contains("csv") == true ? Csv() : Ndjson()));
            var body = random.Next(20) switch
            {
                < 7 => Object(0),
                < 9 => Truncate(Object(0)),
                < 10 => "[" + Object(0) + "," + Object(0) + "]",
                < 11 => OneOf(["42", "\"text\"", "null", "true", "[]", "{}", "", " ", "-0", "1e999"]),
                < 12 => Nest(random.Next(10, 300)),
                < 13 => DuplicateKeys(),
                < 15 => MediaReport(),
                < 16 => Csv(),
                < 17 => Ndjson(),
                < 18 => "{\"url\":\"" + Huge(random.Next(10_000, 300_000)) + "\"}",
                _ => null,
            };
            return body is null ? (contentType, RandomBytes(random.Next(0, 2_000))) : (contentType, Encoding.UTF8.GetBytes(body));
        }

        private string Object(int depth)
        {
            var fields = Enumerable.Range(0, random.Next(0, 8)).Select(_ => $"{Quote(Chance(0.95) ? OneOf(FieldNames) : OddText(5))}:{Value(depth)}");
            return "{" + string.Join(",", fields) + "}";
        }

        private string Value(int depth) => random.Next(16) switch
        {
            0 => "null",
            1 => OneOf(["true", "false"]),
            2 => OneOf(["0", "-1", "1.5", "1e308", "-1e308", "99999999999999999999999999", "9223372036854775807", "-9223372036854775808", "2147483648"]),
            3 => Quote(OneOf(HostileUrls)),
            4 => Quote(OddText(random.Next(1, 60))),
            5 => Quote(OneOf(["", " ", "Open", "csam", "high", "x", "pdq", "admin", "2025-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "2025-02-30", "yesterday"])),
            6 => "\"" + OneOf(["\\u0000", "a\\u0000b", "\\uD800", "\\uDC00x", "\\uD800\\uD800", "\\u202Eevil", "\\u200F\\u200E", "\\u0007", "\\u0085", "\\uFFFF", "\\uD83D\\uDCA9"]) + "\"",
            7 when depth < 3 => Object(depth + 1),
            8 when depth < 3 => "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 5)).Select(_ => Value(depth + 1))) + "]",
            9 => Quote(Huge(random.Next(1_000, 30_000))),
            10 => "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => Quote(OneOf(["pdq", "md5", "reporter", "analyst", "admin", "service", "nobody", ""])))) + "]",
            11 => "[" + string.Join(",", Enumerable.Range(0, random.Next(1, 3)).Select(_ => $"{{\"signal\":{Quote(OneOf(["pdq", "md5", "tmk", "", "PDQ"]))},\"hash\":{Quote(OneOf([Convert.ToHexString(RandomBytes(32)), "zz", "", Convert.ToHexString(RandomBytes(16)), OddText(8)]))}}}")) + "]",
            12 => Quote(Convert.ToBase64String(RandomBytes(random.Next(0, 200)))),
            _ => Quote(OneOf(Plausible)),
        };

        private string MediaReport()
        {
            var media = Enumerable.Range(0, random.Next(0, 4)).Select(_ =>
                $"{{\"contentType\":{Quote(OneOf(["image/png", "image/jpeg", "video/mp4", "text/html", "", "image/svg+xml", "application/octet-stream", OddText(6)]))},\"data\":{MediaData()}}}");
            var shell = random.Next(3) switch
            {
                0 => $"\"media\":[{string.Join(",", media)}]",
                1 => $"\"image\":{media.FirstOrDefault() ?? "{}"}",
                _ => $"\"video\":{media.FirstOrDefault() ?? "{}"}",
            };
            return $"{{\"url\":{Quote(OneOf(HostileUrls))},\"text\":{Quote(OddText(10))},{shell}}}";
        }

        private string MediaData() => random.Next(8) switch
        {
            0 => Quote(Convert.ToBase64String(RandomBytes(random.Next(0, 5_000)))),
            1 => Quote(Convert.ToBase64String(PngHeaderWithGarbage())),
            2 => Quote("!!!not base64!!!"),
            3 => Quote(Convert.ToBase64String(RandomBytes(30)).TrimEnd('=')),
            4 => Quote("===="),
            5 => Quote(""),
            6 => Quote(Convert.ToBase64String(RandomBytes(10)) + "\\u0000"),
            _ => OneOf(["null", "42", "[]", "{}"]),
        };

        private byte[] PngHeaderWithGarbage()
        {
            byte[] header = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];
            return [.. header, .. RandomBytes(random.Next(0, 500))];
        }

        private string Csv()
        {
            var header = random.Next(5) switch
            {
                0 => "url,platform,text,reporterReference,observedAt,jurisdiction,views,account",
                1 => "signal,hash,label,source",
                2 => "url,url,url",
                3 => "",
                _ => string.Join(",", Enumerable.Range(0, random.Next(1, 6)).Select(_ => OneOf(FieldNames))),
            };
            var rows = Enumerable.Range(0, random.Next(0, 30)).Select(_ => string.Join(OneOf([",", ";", "\t", ",,"]),
                Enumerable.Range(0, random.Next(0, 10)).Select(_ => random.Next(8) switch
                {
                    0 => "\"unterminated",
                    1 => "\"a\"\"b\"",
                    2 => OneOf(HostileUrls),
                    3 => OddText(random.Next(1, 20)),
                    4 => Convert.ToHexString(RandomBytes(32)),
                    5 => "\"" + OddText(5) + "\n" + OddText(5) + "\"",
                    6 => Chance(0.1) ? Huge(70_000) : "",
                    _ => OneOf(Plausible),
                })));
            return header + OneOf(["\n", "\r\n", "\r"]) + string.Join(OneOf(["\n", "\r\n"]), rows) + (Chance(0.5) ? "\n" : "");
        }

        private string Ndjson() => string.Join("\n", Enumerable.Range(0, random.Next(0, 30)).Select(_ => random.Next(6) switch
        {
            0 => Truncate(Object(0)),
            1 => "[" + Object(0) + "]",
            2 => OneOf(["", " ", "null", "42", "\"x\"", "{", "}"]),
            3 => $"{{\"signal\":{Quote(OneOf(["pdq", "md5", "x"]))},\"hash\":{Value(0)},\"label\":{Value(0)}}}",
            4 => $"{{\"url\":{Quote(OneOf(HostileUrls))},\"text\":{Value(0)}}}",
            _ => Object(0),
        }));

        private string Truncate(string json) => json.Length <= 1 ? json : json[..random.Next(1, json.Length)];

        private string Nest(int depth) => random.Next(2) == 0
            ? new string('[', depth) + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

        private string DuplicateKeys()
        {
            var name = OneOf(FieldNames);
            return $"{{{Quote(name)}:{Value(0)},{Quote(name)}:{Value(0)}}}";
        }

        private string Huge(int length)
        {
            var unit = OneOf(["A", "é", "\u202E", "🏴", "%", "\u200F", "ab"]);
            if (unit is not ("A" or "ab"))
                length /= 6; // percent-encoded below
            var text = new StringBuilder(length);
            while (text.Length < length)
                text.Append(unit);
            return unit == "%" ? text.ToString().Replace("%", "%25") : unit == "A" || unit == "ab" ? text.ToString() : Encode(text.ToString());
        }

        /// <summary>Unicode that trips text handling: NUL and other controls, direction marks, emoji, combining marks, lone surrogates.</summary>
        private string OddText(int length)
        {
            var text = new StringBuilder();
            for (var i = 0; i < length; i++)
            {
                text.Append(random.Next(12) switch
                {
                    0 => "\u0000",
                    1 => "\u202E",
                    2 => "\u200F",
                    3 => "🏴",
                    4 => ((char)random.Next(0xD800, 0xE000)).ToString(),
                    5 => ((char)random.Next(0x01, 0x20)).ToString(),
                    6 => "\u0301",
                    7 => "\uFEFF",
                    8 => "\"",
                    9 => "\\",
                    10 => ((char)random.Next(0x20, 0x7F)).ToString(),
                    _ => ((char)random.Next(0x80, 0xD800)).ToString(),
                });
            }
            return text.ToString();
        }

        /// <summary>Percent-encodes text byte by byte, lone surrogates as their three WTF-8 bytes, so they reach the server as sent.</summary>
        private static string Encode(string text)
        {
            var encoded = new StringBuilder();
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (char.IsAsciiLetterOrDigit(c))
                {
                    encoded.Append(c);
                    continue;
                }
                var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
                var bytes = pair ? Encoding.UTF8.GetBytes(text.Substring(i++, 2))
                    : char.IsSurrogate(c) ? [(byte)(0xE0 | (c >> 12)), (byte)(0x80 | ((c >> 6) & 0x3F)), (byte)(0x80 | (c & 0x3F))]
                    : Encoding.UTF8.GetBytes(c.ToString());
                foreach (var b in bytes)
                    encoded.Append('%').Append(b.ToString("X2"));
            }
            return encoded.ToString();
        }

        /// <summary>A JSON string literal of the text as it is: lone surrogates and NULs escaped as \uXXXX, so the body is valid UTF-8.</summary>
        private static string Quote(string text)
        {
            var quoted = new StringBuilder("\"");
            foreach (var c in text)
            {
                if (c is '"' or '\\')
                    quoted.Append('\\').Append(c);
                else if (c < 0x20 || char.IsSurrogate(c))
                    quoted.Append("\\u").Append(((int)c).ToString("X4"));
                else
                    quoted.Append(c);
            }
            return quoted.Append('"').ToString();
        }

        private byte[] RandomBytes(int length)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            return bytes;
        }
    }
}
