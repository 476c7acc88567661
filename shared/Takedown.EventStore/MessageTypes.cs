namespace Takedown.EventStore;

/// <summary>
/// Stable names for integration messages staged in the outbox. The name is what the row stores, so a contract
/// type can be renamed or moved while messages staged before the change are still waiting to be relayed.
/// </summary>
public sealed class MessageTypes
{
    private readonly Dictionary<string, Type> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, string> _byType = [];

    public MessageTypes Map<TMessage>(string name) where TMessage : class => Map(typeof(TMessage), name);

    public MessageTypes Map(Type type, string name)
    {
        if (_byName.TryGetValue(name, out var existing) && existing != type)
            throw new InvalidOperationException($"Message name '{name}' is already mapped to {existing.Name}.");
        if (_byType.TryGetValue(type, out var other) && other != name)
            throw new InvalidOperationException($"{type.Name} is already mapped to the message name '{other}'.");
        _byName[name] = type;
        _byType[type] = name;
        return this;
    }

    public string NameOf(Type type) =>
        _byType.TryGetValue(type, out var name)
            ? name
            : throw new InvalidOperationException($"{type.FullName} has no stored message name; map it with MessageTypes.Map<{type.Name}>(\"...\").");

    public bool IsMapped(Type type) => _byType.ContainsKey(type);

    public bool TryGetType(string name, out Type type) => _byName.TryGetValue(name, out type!);
}
