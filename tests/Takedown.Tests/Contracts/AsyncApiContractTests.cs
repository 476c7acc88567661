using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Takedown.Contracts;
using Takedown.Tests.Deployment;
using YamlDotNet.Serialization;

namespace Takedown.Tests.Contracts;

/// <summary>docs/asyncapi.yaml and the contract types downstream services compile against cannot drift apart.</summary>
public sealed class AsyncApiContractTests
{
    private static readonly Type[] ContractTypes =
        [.. typeof(ContentSubmitted).Assembly.GetExportedTypes().Where(t => t is { IsClass: true, IsAbstract: false } && t.Namespace == "Takedown.Contracts")];

    // Messages are the contract types with a content id; the others (Fingerprint, MediaEvidence) are parts of them.
    private static readonly Type[] MessageTypes = [.. ContractTypes.Where(t => t.GetProperty("ContentId") is not null)];

    private static Dictionary<object, object> Document()
    {
        var yaml = File.ReadAllText(Path.Combine(ComposeFileTests.RepositoryRoot(), "docs", "asyncapi.yaml"));
        return new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(yaml);
    }

    private static Dictionary<object, object> Section(Dictionary<object, object> node, params string[] path) =>
        path.Aggregate(node, (current, key) => (Dictionary<object, object>)current[key]);

    [Fact]
    public void Every_contract_type_has_a_schema_with_the_same_fields_and_the_same_required_ones()
    {
        var schemas = Section(Document(), "components", "schemas");
        Assert.NotEmpty(ContractTypes);
        foreach (var type in ContractTypes)
        {
            Assert.True(schemas.ContainsKey(type.Name), $"docs/asyncapi.yaml has no schema for {type.Name}");
            var schema = (Dictionary<object, object>)schemas[type.Name];
            var documented = ((Dictionary<object, object>)schema["properties"]).Keys.Cast<string>().Order().ToArray();
            var declared = type.GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Order().ToArray();
            Assert.True(declared.SequenceEqual(documented), $"{type.Name}: code has [{string.Join(", ", declared)}], the document [{string.Join(", ", documented)}]");

            var documentedRequired = schema.TryGetValue("required", out var required) ? ((List<object>)required).Cast<string>().Order().ToArray() : [];
            var declaredRequired = type.GetProperties().Where(p => p.GetCustomAttribute<RequiredMemberAttribute>() is not null)
                .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Order().ToArray();
            Assert.True(declaredRequired.SequenceEqual(documentedRequired), $"{type.Name}: required in code [{string.Join(", ", declaredRequired)}], in the document [{string.Join(", ", documentedRequired)}]");
        }
    }

    [Fact]
    public void Every_message_has_a_channel_on_the_exchange_MassTransit_publishes_it_to()
    {
        var document = Document();
        var messages = Section(document, "components", "messages");
        var addresses = Section(document, "channels").Values.Cast<Dictionary<object, object>>().Select(c => (string)c["address"]).ToHashSet();
        Assert.NotEmpty(MessageTypes);
        foreach (var type in MessageTypes)
        {
            Assert.True(messages.ContainsKey(type.Name), $"docs/asyncapi.yaml has no message {type.Name}");
            Assert.Equal($"#/components/schemas/{type.Name}", ((Dictionary<object, object>)((Dictionary<object, object>)messages[type.Name])["payload"])["$ref"]);
            // MassTransit names a message's exchange "{namespace}:{type name}".
            Assert.Contains($"{type.Namespace}:{type.Name}", addresses);
        }
    }
}
