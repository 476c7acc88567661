using System.Globalization;

namespace Takedown.ServiceDefaults.Http;

/// <summary>A query parameter that bounds a period: an ISO 8601 instant (UTC unless it has an offset) or a date.</summary>
public static class QueryInstant
{
    private const string Expected = "an ISO 8601 date (2025-03-01) or date and time (2025-03-01T00:00:00Z)";

    /// <summary>
    /// The instant, or null with the field's error added when it cannot be read (or is missing and <paramref name="required"/>).
    /// A date as the period's end (<paramref name="endOfDay"/>) includes that whole day.
    /// </summary>
    public static DateTimeOffset? Parse(string? text, string field, bool endOfDay, bool required, IDictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required)
                errors[field] = [$"Required: {Expected}."];
            return null;
        }
        text = text.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(endOfDay ? 1 : 0);
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
            return instant;
        errors[field] = [$"'{text}' is not {Expected}."];
        return null;
    }
}
