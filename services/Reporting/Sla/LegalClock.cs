using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Takedown.Reporting.Sla;

/// <summary>
/// What Classification decided about the law (the regime and how long it allows; the regime of a removal order and how
/// long that allows). It says nothing about when: deadlines are Reporting's, from the notice or the order.
/// </summary>
public sealed record ClockTerms(string Regime, TimeSpan Allowed, string RemovalOrderRegime, TimeSpan RemovalOrderAllowed);

/// <summary>A deadline that runs: the regime that sets it and when it falls due.</summary>
public sealed record Deadline(string Regime, DateTimeOffset DueAt);

/// <summary>
/// A case's legal clock: the terms it runs on and when it was started. <see cref="Deadline"/> is the one place a
/// deadline is computed; the case decider, the case list, search and the SLA clock all read it from here.
/// </summary>
/// <param name="Terms">Null until Classification (or an analyst's override) decided a regime.</param>
/// <param name="SetByOverride">An analyst's override set <paramref name="Terms"/>: later automatic classifications keep them.</param>
/// <param name="NoticeAt">The first notice since the case was opened, reopened or reinstated: the notice clock's start.</param>
/// <param name="OrderIssuedAt">When the authority issued the removal order, when one was recorded: the order clock's start.</param>
/// <param name="Breached">Every deadline a breach was recorded for, so that each is recorded once.</param>
public sealed record LegalClock(
    ClockTerms? Terms,
    bool SetByOverride,
    DateTimeOffset? NoticeAt,
    DateTimeOffset? OrderIssuedAt,
    ImmutableList<DateTimeOffset> Breached)
{
    public static readonly LegalClock Unset = new(null, false, null, null, []);

    /// <summary>The governing deadline, or null while no clock runs (no terms yet, or nothing noticed since the last restart).</summary>
    public Deadline? Deadline() => Of(Terms, NoticeAt, OrderIssuedAt);

    /// <summary>
    /// The deadline rule, pure: the earlier of the notice clock (the first notice plus the regime's time) and the
    /// removal-order clock (the order plus the order regime's time).
    /// </summary>
    public static Deadline? Of(ClockTerms? terms, DateTimeOffset? noticeAt, DateTimeOffset? orderIssuedAt)
    {
        if (terms is null)
            return null;
        var notice = noticeAt is { } n ? new Deadline(terms.Regime, n + terms.Allowed) : null;
        var order = orderIssuedAt is { } o ? new Deadline(terms.RemovalOrderRegime, o + terms.RemovalOrderAllowed) : null;
        return (notice, order) switch
        {
            ({ } a, { } b) => b.DueAt < a.DueAt ? b : a,
            _ => notice ?? order,
        };
    }

    /// <summary>The regime that governs: the running deadline's, else the one a notice would start.</summary>
    [JsonIgnore]
    public string? Regime => Deadline()?.Regime ?? Terms?.Regime;

    /// <summary>When the running clock started: the earlier of the notice and the order.</summary>
    [JsonIgnore]
    public DateTimeOffset? StartedAt => (NoticeAt, OrderIssuedAt) switch
    {
        ({ } n, { } o) => o < n ? o : n,
        _ => NoticeAt ?? OrderIssuedAt,
    };

    /// <summary>A breach is already on record for the deadline that runs now.</summary>
    public bool DeadlineBreached() => Deadline() is { } d && Breached.Contains(d.DueAt);

    /// <summary>Classification's terms; an analyst's override stands against them.</summary>
    public LegalClock Classified(ClockTerms terms) => SetByOverride ? this : this with { Terms = terms };

    /// <summary>An analyst's override replaces the terms; the clock's start stays the notice or order.</summary>
    public LegalClock Overridden(ClockTerms terms) => this with { Terms = terms, SetByOverride = true };

    /// <summary>The first notice starts the notice clock; a removal order starts its own (at its issue) beside it.</summary>
    public LegalClock Noticed(DateTimeOffset sentAt, DateTimeOffset? orderIssuedAt) => this with
    {
        NoticeAt = NoticeAt ?? sentAt,
        OrderIssuedAt = OrderIssuedAt ?? orderIssuedAt,
    };

    /// <summary>The content is up again (reinstated, or reported again after closing): the old deadline is spent; the next notice starts a fresh one.</summary>
    public LegalClock Restarted() => this with { NoticeAt = null, OrderIssuedAt = null };

    public LegalClock BreachRecorded(DateTimeOffset dueAt) => this with { Breached = Breached.Add(dueAt) };
}
