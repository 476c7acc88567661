using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Takedown.Tests.Deployment;

public sealed partial class ComposeFileTests
{
    [Fact]
    public async Task Docker_compose_accepts_the_compose_file()
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo("docker-compose", ["-f", Path.Combine(root, "docker-compose.yml"), "config", "-q"])
        {
            WorkingDirectory = root,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("docker-compose could not be started; the README's test command installs it.");
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"docker-compose config rejected the file: {errors}");
    }

    [Fact]
    public void Elasticsearch_Kibana_and_their_setup_containers_run_one_9x_version()
    {
        var services = Services();
        string[] elastic = ["elasticsearch", "setup", "kibana", "kibana-setup"];

        var versions = elastic.Select(name => ElasticVersion().Match((string)services[name]["image"])).ToList();

        Assert.All(versions, v => Assert.True(v.Success, "an Elastic image is not tagged ${ELASTIC_VERSION:-default}"));
        var version = Assert.Single(versions.Select(v => v.Groups["version"].Value).Distinct());
        // Elastic.Clients.Elasticsearch 9.x sends compatible-with=9 headers, which 8.x nodes refuse.
        Assert.Matches(@"^9\.\d+\.\d+$", version);
        Assert.Contains($"ELASTIC_VERSION={version}", File.ReadAllLines(Path.Combine(RepositoryRoot(), ".env.example")));
    }

    [Fact]
    public void The_setup_container_puts_exactly_the_templates_reporting_embeds()
    {
        var setup = Services()["setup"];
        var script = File.ReadAllText(Path.Combine(RepositoryRoot(), "deploy", "setup", "setup.sh"));

        Assert.Contains("./shared/Takedown.Search/Templates:/templates:ro", ((List<object>)setup["volumes"]).Cast<string>());
        Assert.Contains("TEMPLATES_DIR=\"${TEMPLATES_DIR:-/templates}\"", script);
        var assembly = Assembly.Load("Takedown.Search");
        const string prefix = "Takedown.Search.Templates.";
        var embedded = assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order().ToList();
        var mounted = Directory.GetFiles(IndexTemplates.Folder).Select(f => prefix + Path.GetFileName(f)).Order().ToList();
        Assert.NotEmpty(mounted);
        Assert.Equal(mounted, embedded);
        foreach (var name in embedded)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            Assert.Equal(File.ReadAllText(Path.Combine(IndexTemplates.Folder, name[prefix.Length..])), reader.ReadToEnd());
        }
    }

    [Fact]
    public void Reporting_indexes_as_the_user_setup_creates_whose_password_preflight_requires()
    {
        var services = Services();
        var reporting = (Dictionary<object, object>)services["reporting"]["environment"];
        var setup = (Dictionary<object, object>)services["setup"]["environment"];
        var script = File.ReadAllText(Path.Combine(RepositoryRoot(), "deploy", "setup", "setup.sh"));

        Assert.Equal("http://elasticsearch:9200", reporting["Search__Elasticsearch__Url"]);
        Assert.Equal("takedown_indexer", reporting["Search__Elasticsearch__Username"]);
        Assert.Equal("${TAKEDOWN_INDEXER_PASSWORD:-}", reporting["Search__Elasticsearch__Password"]);
        Assert.Equal("${TAKEDOWN_INDEXER_PASSWORD:-}", setup["TAKEDOWN_INDEXER_PASSWORD"]);
        Assert.Contains("es PUT /_security/user/takedown_indexer", script);
        Assert.Contains("""\"password\":$(json_string "$TAKEDOWN_INDEXER_PASSWORD")""", script);
        Assert.Contains(" TAKEDOWN_INDEXER_PASSWORD ", (string)((List<object>)services["preflight"]["command"])[0]);
        Assert.Contains("TAKEDOWN_INDEXER_PASSWORD=change-me-indexer", File.ReadAllLines(Path.Combine(RepositoryRoot(), ".env.example")));
    }

    private static Dictionary<string, Dictionary<object, object>> Services()
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(RepositoryRoot(), "docker-compose.yml")));
        // The services share settings through anchors and merge keys (<<: *service), which only the merging parser expands.
        var compose = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(reader)));
        return ((Dictionary<object, object>)compose["services"]).ToDictionary(s => (string)s.Key, s => (Dictionary<object, object>)s.Value);
    }

    [GeneratedRegex(@"^docker\.elastic\.co/[a-z]+/[a-z]+:\$\{ELASTIC_VERSION:-(?<version>[^}]+)\}$")]
    private static partial Regex ElasticVersion();

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Takedown.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Takedown.sln not found above the test binaries.");
    }
}
