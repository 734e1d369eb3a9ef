using System.Collections.Concurrent;
using System.Reflection;

namespace ProcessGrid.Runtime.Activation;

/// <summary>
/// The kinds of virtual process this node can activate: kind name → process class and idle timeout. A kind is known
/// once registered (at start, from options), first used locally through <c>Virtual&lt;T&gt;(key)</c>, or found in
/// the loaded assemblies when a message for it arrives (the nodes of a cluster usually run the same application, as
/// Orleans' silos find grain classes in their application parts).
/// </summary>
internal sealed class VirtualKinds
{
    private readonly ConcurrentDictionary<string, VirtualKind> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, VirtualKind> _byType = new();

    /// <summary>Kind names searched for in vain, with the number of loaded assemblies then (search again only when it grows).</summary>
    private readonly ConcurrentDictionary<string, int> _misses = new(StringComparer.Ordinal);

    /// <summary>Registers <paramref name="type"/> (if not yet) and returns its kind.</summary>
    /// <exception cref="ArgumentException">The class is not a concrete <see cref="GenServer"/>, its kind name is taken by another class, or it asks for persistent state wrongly.</exception>
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
        Persistence.PersistentStateSlots.Of(type); // Refuses a class that asks for its persistent states wrongly, now rather than at its first activation.
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

    /// <summary>The kind named <paramref name="name"/> (found in the loaded assemblies if need be), or null when this node does not know it.</summary>
    public VirtualKind? Find(string name) => _byName.TryGetValue(name, out var kind) ? kind : Discover(name);

    /// <summary>Why <paramref name="name"/> is not a kind this node knows, and what to do, for an error message.</summary>
    public string ExplainUnknown(string name)
    {
        var candidates = Candidates(name);
        return candidates.Count > 1
            ? $"several classes could be the virtual process kind '{name}' ({string.Join(", ", candidates.Select(t => t.FullName))}): " +
              "register the one meant at start (ProcessGridOptions.VirtualProcesses), or give them distinct kinds with [VirtualProcess(Kind = \"...\")]"
            : $"this node does not know the virtual process kind '{name}': no loaded assembly has a GenServer class of that kind. " +
              "Deploy the assembly that has it with this node (ProcessGrid:Assemblies) or register its class at start (ProcessGridOptions.VirtualProcesses)";
    }

    /// <summary>Looks for the one class of kind <paramref name="name"/> in the loaded assemblies, and registers it.</summary>
    private VirtualKind? Discover(string name)
    {
        var loaded = AppDomain.CurrentDomain.GetAssemblies().Length;
        if (_misses.TryGetValue(name, out var searched) && searched == loaded)
        {
            return null; // Nothing was loaded since the last search.
        }
        var candidates = Candidates(name);
        if (candidates.Count != 1)
        {
            _misses[name] = loaded;
            return null;
        }
        try
        {
            return Register(candidates[0]);
        }
        catch (ArgumentException)
        {
            // Another class was registered under this kind name meanwhile: that one is the kind on this node.
            return _byName.TryGetValue(name, out var registered) ? registered : null;
        }
    }

    /// <summary>The concrete GenServer classes of kind <paramref name="name"/> in the assemblies that use ProcessGrid.</summary>
    private static List<Type> Candidates(string name)
    {
        var contracts = typeof(GenServer).Assembly.GetName().Name;
        var found = new List<Type>();
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.IsDynamic || !assembly.GetReferencedAssemblies().Any(r => r.Name == contracts))
            {
                continue;
            }
            Type?[] types;
            try
            {
                types = assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException e)
            {
                types = e.Types; // The classes that did load.
            }
            found.AddRange(types.OfType<Type>().Where(type =>
                type is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }
                && typeof(GenServer).IsAssignableFrom(type)
                && (type.GetCustomAttribute<VirtualProcessAttribute>()?.Kind ?? type.Name) == name));
        }
        return found;
    }
}

/// <summary>One kind of virtual process.</summary>
/// <param name="Name">The kind name used in pids.</param>
/// <param name="Type">The <see cref="GenServer"/> class.</param>
/// <param name="IdleTimeout">Its own idle timeout, or null for the node's default.</param>
/// <param name="Placement">Where its activations go in a cluster.</param>
/// <param name="PlacementNode">For <see cref="PlacementStrategy.NamedNode"/>: the node.</param>
internal sealed record VirtualKind(string Name, Type Type, TimeSpan? IdleTimeout, PlacementStrategy Placement = PlacementStrategy.Hash, NodeName? PlacementNode = null);
