namespace Takedown.EventStore;

/// <summary>
/// Names written to the database in place of CLR type names, so renaming or moving a type never orphans what was
/// stored under it. One name reads back as one type; a type may also be mapped under a second name (the last one
/// mapped is written), which is how a stored name can be changed while rows under the old one remain.
/// </summary>
public abstract class StableTypeNames(string kind)
{
    private readonly Dictionary<string, Type> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, string> _byType = [];

    protected void Add(Type type, string name)
    {
        if (_byName.TryGetValue(name, out var existing) && existing != type)
            throw new InvalidOperationException($"{Capitalised} name '{name}' is already mapped to {existing.Name}.");
        _byName[name] = type;
        _byType[type] = name;
    }

    public string NameOf(Type type) =>
        _byType.TryGetValue(type, out var name)
            ? name
            : throw new InvalidOperationException($"{type.FullName} has no stored {kind} name; map it with {GetType().Name}.Map<{type.Name}>(\"...\").");

    public bool IsMapped(Type type) => _byType.ContainsKey(type);

    public bool TryGetType(string name, out Type type) => _byName.TryGetValue(name, out type!);

    public Type TypeOf(string name) =>
        _byName.TryGetValue(name, out var type)
            ? type
            : throw new InvalidOperationException($"No {kind} type is mapped to the stored name '{name}'.");

    private string Capitalised => char.ToUpperInvariant(kind[0]) + kind[1..];
}

/// <summary>Stable names of stored event types.</summary>
public sealed class EventTypes() : StableTypeNames("event")
{
    public EventTypes Map<TEvent>(string name) where TEvent : notnull
    {
        Add(typeof(TEvent), name);
        return this;
    }
}

/// <summary>
/// Stable names of the integration messages staged in the outbox: a row stores the name, so a contract type can be
/// renamed or moved while messages staged before the change still wait to be relayed.
/// </summary>
public sealed class MessageTypes() : StableTypeNames("message")
{
    public MessageTypes Map<TMessage>(string name) where TMessage : class => Map(typeof(TMessage), name);

    public MessageTypes Map(Type type, string name)
    {
        Add(type, name);
        return this;
    }
}
