using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace ProcessGrid.Runtime.Persistence;

/// <summary>
/// The persistent states a virtual process class asks for in its constructor (parameters of type
/// <see cref="IPersistentState{TState}"/>, named by <see cref="PersistentStateAttribute"/>), and how to build an
/// activation of it with one state object per parameter. Worked out once per class, when its kind is registered, so
/// that a class that asks for states wrongly is refused then, with a message that says how to fix it.
/// </summary>
/// <remarks>
/// <para>Why constructor parameters: the state is a dependency of the process like any service it asks for, visible in
/// its signature, usable in field initializers of a primary constructor, several per class with names; and the class
/// still derives from <see cref="GenServer"/> alone, as every other process does. The runtime builds the state objects
/// for the activation's key and passes them in; everything else in the constructor comes from the node's services.</para>
/// </remarks>
internal sealed class PersistentStateSlots
{
    /// <summary>The longest state name (it is part of each record's identity).</summary>
    public const int MaxNameLength = 100;

    private static readonly ConcurrentDictionary<Type, PersistentStateSlots> s_byType = new();
    private static readonly PersistentStateSlots s_none = new([], null);
    private static readonly MethodInfo s_createState = typeof(PersistentStateSlots).GetMethod(nameof(CreateState), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly Slot[] _slots;
    private readonly ObjectFactory? _factory;

    private PersistentStateSlots(Slot[] slots, ObjectFactory? factory)
    {
        _slots = slots;
        _factory = factory;
    }

    /// <summary>True when the class asks for no persistent state.</summary>
    public bool IsEmpty => _slots.Length == 0;

    /// <summary>The states of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentException">The class asks for its states in a way that cannot work; the message says how to fix it.</exception>
    public static PersistentStateSlots Of(Type type) => s_byType.GetOrAdd(type, Analyze);

    /// <summary>Builds the process of an activation of <paramref name="pid"/> with its state objects (not loaded yet).</summary>
    /// <exception cref="ArgumentException">The class cannot be built with the node's services.</exception>
    public (GenServer Server, IActivationState[] States) Create(NodePersistence persistence, IServiceProvider services, Pid pid, Type type)
    {
        var states = new IActivationState[_slots.Length];
        var arguments = new object[_slots.Length];
        for (var i = 0; i < _slots.Length; i++)
        {
            states[i] = _slots[i].Create(persistence, new StateId(pid.Kind!, pid.Key!, _slots[i].Name));
            arguments[i] = states[i];
        }
        try
        {
            return ((GenServer)_factory!(services, arguments), states);
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException($"Cannot build {type.FullName} with its persistent states and the node's services: {e.Message}", nameof(type), e);
        }
    }

    private static PersistentStateSlots Analyze(Type type)
    {
        var withStates = type.GetConstructors()
            .Select(constructor => (constructor, states: constructor.GetParameters().Where(IsStateParameter).ToArray()))
            .Where(c => c.states.Length > 0)
            .ToList();
        if (withStates.Count == 0)
        {
            return s_none;
        }
        if (withStates.Count > 1)
        {
            throw new ArgumentException(
                $"{type.FullName} asks for persistent state in {withStates.Count} constructors: ask for it in one constructor only, so that every activation is built the same way.",
                nameof(type));
        }
        var parameters = withStates[0].states;
        var slots = new Slot[parameters.Length];
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            var name = parameter.GetCustomAttribute<PersistentStateAttribute>()?.Name ?? PersistentStateAttribute.DefaultName;
            if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"{type.FullName} names its persistent state '{parameter.Name}' \"{name}\": a state's name has 1 to {MaxNameLength} characters (and no NUL).", nameof(type));
            }
            if (names.TryGetValue(name, out var other))
            {
                throw new ArgumentException(
                    $"{type.FullName} asks for two persistent states named '{name}' (parameters '{other}' and '{parameter.Name}'): " +
                    "they would be one record. Name them apart with [PersistentState(\"...\")].", nameof(type));
            }
            names[name] = parameter.Name ?? "";
            var stateType = parameter.ParameterType.GetGenericArguments()[0];
            slots[i] = new Slot(name, s_createState.MakeGenericMethod(stateType).CreateDelegate<Func<NodePersistence, StateId, IActivationState>>());
        }
        var factory = ActivatorUtilities.CreateFactory(type, parameters.Select(p => p.ParameterType).ToArray());
        return new PersistentStateSlots(slots, factory);
    }

    private static bool IsStateParameter(ParameterInfo parameter) =>
        parameter.ParameterType.IsGenericType && parameter.ParameterType.GetGenericTypeDefinition() == typeof(IPersistentState<>);

    private static IActivationState CreateState<TState>(NodePersistence persistence, StateId id) => new PersistentState<TState>(persistence, id);

    /// <summary>One state parameter: its name and how to make its state object.</summary>
    private sealed record Slot(string Name, Func<NodePersistence, StateId, IActivationState> Create);
}
