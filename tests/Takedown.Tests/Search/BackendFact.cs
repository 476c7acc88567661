using Xunit.Abstractions;
using Xunit.Sdk;

namespace Takedown.Tests.Search;

/// <summary>
/// A backend behaviour test (<see cref="ContentSearchBehaviour"/>): it runs for every backend subclass, except that a
/// subclass marked <see cref="RequiresElasticsearchAttribute"/> is reported as skipped, with the reason, where no node is
/// configured. An attribute alone cannot say this: the base class's tests are the same methods for every subclass.
/// </summary>
[XunitTestCaseDiscoverer("Takedown.Tests.Search.BackendFactDiscoverer", "Takedown.Tests")]
public sealed class BackendFactAttribute : FactAttribute;

/// <inheritdoc cref="BackendFactAttribute"/>
[XunitTestCaseDiscoverer("Takedown.Tests.Search.BackendTheoryDiscoverer", "Takedown.Tests")]
public sealed class BackendTheoryAttribute : TheoryAttribute;

/// <summary>The test class needs a real Elasticsearch node (<c>TAKEDOWN_TEST_ELASTICSEARCH</c>).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresElasticsearchAttribute : Attribute
{
    public static string? SkipReason(ITestMethod method) =>
        method.TestClass.Class.GetCustomAttributes(typeof(RequiresElasticsearchAttribute)).Any() && ElasticsearchFactAttribute.Node is null
            ? ElasticsearchFactAttribute.NoNode
            : null;
}

public sealed class BackendFactDiscoverer(IMessageSink sink) : FactDiscoverer(sink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo fact) =>
        RequiresElasticsearchAttribute.SkipReason(method) is { } reason
            ? [new SkippedBackendTestCase(DiagnosticMessageSink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method, reason)]
            : base.Discover(options, method, fact);
}

public sealed class BackendTheoryDiscoverer(IMessageSink sink) : TheoryDiscoverer(sink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo theory) =>
        RequiresElasticsearchAttribute.SkipReason(method) is { } reason
            ? [new SkippedBackendTestCase(DiagnosticMessageSink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method, reason)]
            : base.Discover(options, method, theory);
}

/// <summary>One skipped case for the whole method (a theory's rows are not enumerated: none of them would run).</summary>
public sealed class SkippedBackendTestCase : XunitTestCase
{
    private string _reason = "";

    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SkippedBackendTestCase() { }

    public SkippedBackendTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod method, string reason)
        : base(sink, display, displayOptions, method) => _reason = reason;

    protected override string GetSkipReason(IAttributeInfo factAttribute) => _reason;

    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        data.AddValue("Reason", _reason);
    }

    public override void Deserialize(IXunitSerializationInfo data)
    {
        _reason = data.GetValue<string>("Reason");
        base.Deserialize(data);
    }
}
