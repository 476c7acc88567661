namespace Takedown.EventStore;

/// <summary>
/// Stable names of the integration messages staged in the outbox: a row stores the name, not the CLR type, so a contract
/// type can be renamed or moved while messages staged before the change still wait to be relayed. (Events get theirs
/// from Marten's <c>MapEventType</c>.)
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
        _byName[name] = type;
        _byType[type] = name;
        return this;
    }

    public string NameOf(Type type) =>
        _byType.TryGetValue(type, out var name)
            ? name
            : throw new InvalidOperationException($"{type.FullName} has no stored message name; map it with MessageTypes.Map<{type.Name}>(\"...\").");

    public bool TryGetType(string name, out Type type) => _byName.TryGetValue(name, out type!);
}
