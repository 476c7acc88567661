using System.Collections.Frozen;

namespace Takedown.EventStore;

/// <summary>
/// Stable names for stored event types. The name is written to the database, so renaming or moving a
/// CLR type never orphans stored events.
/// </summary>
public sealed class EventTypes
{
    private readonly Dictionary<string, Type> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, string> _byType = [];

    public EventTypes Map<TEvent>(string name) where TEvent : notnull
    {
        if (_byName.TryGetValue(name, out var existing) && existing != typeof(TEvent))
            throw new InvalidOperationException($"Event name '{name}' is already mapped to {existing.Name}.");
        _byName[name] = typeof(TEvent);
        _byType[typeof(TEvent)] = name;
        return this;
    }

    public string NameOf(Type type) =>
        _byType.TryGetValue(type, out var name)
            ? name
            : throw new InvalidOperationException($"{type.FullName} has no stored event name; map it with EventTypes.Map<{type.Name}>(\"...\").");

    public Type TypeOf(string name) =>
        _byName.TryGetValue(name, out var type)
            ? type
            : throw new InvalidOperationException($"No event type is mapped to the stored name '{name}'.");

    public IReadOnlyDictionary<string, Type> All => _byName.ToFrozenDictionary();
}
