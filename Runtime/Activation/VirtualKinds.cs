using System.Collections.Concurrent;
using System.Reflection;

namespace ProcessGrid.Runtime.Activation;

/// <summary>
/// The kinds of virtual process this node can activate: kind name → process class and idle timeout. A kind is known
/// once registered (at start, from options) or first used locally through <c>Virtual&lt;T&gt;(key)</c>.
/// </summary>
internal sealed class VirtualKinds
{
    private readonly ConcurrentDictionary<string, VirtualKind> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, VirtualKind> _byType = new();

    /// <summary>Registers <paramref name="type"/> (if not yet) and returns its kind.</summary>
    /// <exception cref="ArgumentException">The class is not a concrete <see cref="GenServer"/>, or its kind name is taken by another class.</exception>
    public VirtualKind Register(Type type)
    {
        if (_byType.TryGetValue(type, out var known))
        {
            return known;
        }
        if (!typeof(GenServer).IsAssignableFrom(type) || type.IsAbstract || type.IsGenericTypeDefinition)
        {
            throw new ArgumentException($"{type.FullName} cannot be a virtual process: it must be a concrete class deriving from GenServer.", nameof(type));
        }
        var attribute = type.GetCustomAttribute<VirtualProcessAttribute>();
        var name = attribute?.Kind ?? type.Name;
        if (!Pid.IsValidKind(name))
        {
            throw new ArgumentException(
                $"'{name}' (the kind of {type.FullName}) cannot name a kind of virtual process: use letters, digits, '_', '.', '-', '+' and '`' only " +
                "([VirtualProcess(Kind = \"...\")] sets it).", nameof(type));
        }
        var idle = attribute is { IdleTimeoutSeconds: > 0 } ? TimeSpan.FromSeconds(attribute.IdleTimeoutSeconds) : (TimeSpan?)null;
        var placement = attribute?.Placement ?? PlacementStrategy.Hash;
        NodeName? placementNode = null;
        if (placement == PlacementStrategy.NamedNode)
        {
            placementNode = attribute?.Node is { } node && NodeName.TryParse(node, out var parsed)
                ? parsed
                : throw new ArgumentException(
                    $"{type.FullName} asks for NamedNode placement but its [VirtualProcess(Node = ...)] is '{attribute?.Node}', not a node name (name@host).", nameof(type));
        }
        var kind = _byName.GetOrAdd(name, _ => new VirtualKind(name, type, idle, placement, placementNode));
        if (kind.Type != type)
        {
            throw new ArgumentException(
                $"The virtual process kind '{name}' is already {kind.Type.FullName}, so {type.FullName} cannot use it: give one of them " +
                "[VirtualProcess(Kind = \"...\")] with a different kind.", nameof(type));
        }
        _byType[type] = kind;
        return kind;
    }

    /// <summary>The kind named <paramref name="name"/>, or null when this node does not know it.</summary>
    public VirtualKind? Find(string name) => _byName.TryGetValue(name, out var kind) ? kind : null;
}

/// <summary>One kind of virtual process.</summary>
/// <param name="Name">The kind name used in pids.</param>
/// <param name="Type">The <see cref="GenServer"/> class.</param>
/// <param name="IdleTimeout">Its own idle timeout, or null for the node's default.</param>
/// <param name="Placement">Where its activations go in a cluster.</param>
/// <param name="PlacementNode">For <see cref="PlacementStrategy.NamedNode"/>: the node.</param>
internal sealed record VirtualKind(string Name, Type Type, TimeSpan? IdleTimeout, PlacementStrategy Placement = PlacementStrategy.Hash, NodeName? PlacementNode = null);
