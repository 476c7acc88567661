using System.Text.Json;

namespace Takedown.Tests.Transparency;

/// <summary>The validator the statement-of-reasons tests rely on: each keyword it supports, passing and failing.</summary>
public sealed class JsonSchemaValidatorTests
{
    private static IReadOnlyList<string> Validate(string schema, string instance) =>
        new JsonSchemaValidator(JsonDocument.Parse(schema).RootElement).Validate(JsonDocument.Parse(instance).RootElement);

    [Theory]
    [InlineData("""{"type":"string"}""", "\"x\"", true)]
    [InlineData("""{"type":"string"}""", "1", false)]
    [InlineData("""{"type":"integer"}""", "2", true)]
    [InlineData("""{"type":"integer"}""", "2.5", false)]
    [InlineData("""{"enum":["A","B"]}""", "\"B\"", true)]
    [InlineData("""{"enum":["A","B"]}""", "\"C\"", false)]
    [InlineData("""{"const":"A"}""", "\"A\"", true)]
    [InlineData("""{"const":"A"}""", "\"a\"", false)]
    [InlineData("""{"maxLength":3}""", "\"abc\"", true)]
    [InlineData("""{"maxLength":3}""", "\"abcd\"", false)]
    [InlineData("""{"maxLength":3}""", "\"a😀b\"", true)]            // three code points, four UTF-16 units
    [InlineData("""{"minLength":1}""", "\"\"", false)]
    [InlineData("""{"pattern":"^[a-z]+$"}""", "\"abc\"", true)]
    [InlineData("""{"pattern":"^[a-z]+$"}""", "\"ab c\"", false)]
    [InlineData("""{"pattern":"b"}""", "\"abc\"", true)]              // patterns are not anchored
    [InlineData("""{"format":"date"}""", "\"2025-02-28\"", true)]
    [InlineData("""{"format":"date"}""", "\"2025-02-30\"", false)]
    [InlineData("""{"format":"date"}""", "\"2025-2-3\"", false)]
    [InlineData("""{"minItems":1}""", "[]", false)]
    [InlineData("""{"uniqueItems":true}""", "[1,2]", true)]
    [InlineData("""{"uniqueItems":true}""", "[1,1]", false)]
    [InlineData("""{"items":{"enum":[1,2]}}""", "[1,2,2]", true)]
    [InlineData("""{"items":{"enum":[1,2]}}""", "[1,3]", false)]
    [InlineData("""{"contains":{"const":2}}""", "[1,2]", true)]
    [InlineData("""{"contains":{"const":2}}""", "[1,3]", false)]
    [InlineData("""{"required":["a"]}""", """{"a":1}""", true)]
    [InlineData("""{"required":["a"]}""", """{"b":1}""", false)]
    [InlineData("""{"required":["a"]}""", "\"not an object\"", true)]   // applies to objects only
    [InlineData("""{"properties":{"a":{"type":"string"}}}""", """{"a":1}""", false)]
    [InlineData("""{"properties":{"a":{"type":"string"}},"additionalProperties":false}""", """{"a":"x","b":1}""", false)]
    [InlineData("""{"anyOf":[{"required":["a"]},{"required":["b"]}]}""", """{"b":1}""", true)]
    [InlineData("""{"anyOf":[{"required":["a"]},{"required":["b"]}]}""", """{"c":1}""", false)]
    [InlineData("""{"allOf":[{"required":["a"]},{"required":["b"]}]}""", """{"a":1}""", false)]
    [InlineData("""{"if":{"properties":{"k":{"const":"x"}}},"then":{"required":["y"]}}""", """{"k":"x"}""", false)]
    [InlineData("""{"if":{"properties":{"k":{"const":"x"}}},"then":{"required":["y"]}}""", """{"k":"z"}""", true)]
    [InlineData("""{"if":{"properties":{"k":{"const":"x"}}},"then":{"required":["y"]}}""", """{"k":"x","y":1}""", true)]
    public void Each_keyword_passes_and_fails_as_the_specification_says(string schema, string instance, bool valid) =>
        Assert.Equal(valid, Validate(schema, instance).Count == 0);

    [Fact]
    public void Errors_name_the_path_of_the_offending_value()
    {
        var errors = Validate("""{"properties":{"list":{"items":{"maxLength":2}}}}""", """{"list":["ok","long"]}""");
        Assert.Equal(["$.list[1]: longer than 2 characters"], errors);
    }

    [Fact]
    public void A_keyword_outside_the_subset_is_refused_rather_than_skipped() =>
        Assert.Throws<NotSupportedException>(() => Validate("""{"oneOf":[{"type":"string"}]}""", "\"x\""));
}
