using System.Text.Json;

namespace ProcessGrid.Runtime.Persistence;

/// <summary>
/// One persistent state of one activation: the object a virtual process gets in its constructor as
/// <see cref="IPersistentState{TState}"/>. It holds the state, the version it was read or last written at, and whether a
/// record backs it; every write goes to the node's store as a compare-and-swap on that version.
/// </summary>
/// <remarks>
/// Only the process's own callbacks use it, one at a time, so it needs no lock. A failed write leaves
/// <see cref="Version"/> and <see cref="RecordExists"/> as they were (and <see cref="State"/> as the process changed it).
/// </remarks>
internal sealed class PersistentState<TState> : IPersistentState<TState>, IActivationState
{
    /// <summary>Makes the state of a key without a record: a new instance, or default for a type without a parameterless constructor.</summary>
    private static readonly Func<TState> s_initial = InitialFactory();

    /// <summary>The state type's stable name, kept with each record for operators.</summary>
    private static readonly string s_typeName = Serialization.TypeNames.Of(typeof(TState));

    private readonly NodePersistence _persistence;

    public PersistentState(NodePersistence persistence, StateId id)
    {
        _persistence = persistence;
        Id = id;
        State = s_initial();
    }

    /// <inheritdoc />
    public StateId Id { get; }

    /// <inheritdoc />
    public TState State { get; set; }

    /// <inheritdoc />
    public long Version { get; private set; }

    /// <inheritdoc />
    public bool RecordExists { get; private set; }

    /// <inheritdoc />
    public ValueTask LoadAsync(CancellationToken cancellationToken) => ReadStateAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var stored = await _persistence.Store.ReadAsync(Id, cancellationToken).ConfigureAwait(false);
        if (stored?.Payload is not { } payload)
        {
            State = s_initial();
            RecordExists = false;
        }
        else
        {
            State = Deserialize(payload, stored.Version);
            RecordExists = true;
        }
        Version = stored?.Version ?? 0;
    }

    /// <inheritdoc />
    public async ValueTask WriteStateAsync(CancellationToken cancellationToken = default)
    {
        var payload = Serialize();
        var result = await _persistence.Store.WriteAsync(Id, Version, payload, s_typeName, cancellationToken).ConfigureAwait(false);
        Settle(result);
        RecordExists = true;
    }

    /// <inheritdoc />
    public async ValueTask ClearStateAsync(CancellationToken cancellationToken = default)
    {
        var result = await _persistence.Store.WriteAsync(Id, Version, null, s_typeName, cancellationToken).ConfigureAwait(false);
        Settle(result);
        RecordExists = false;
        State = s_initial();
    }

    /// <summary>Takes the new version of a write, or throws the conflict that refused it.</summary>
    private void Settle(StateWriteResult result)
    {
        if (!result.Written)
        {
            throw new StateConflictException(Id.Process, Id.Name, Version, result.Stored?.Version, result.Stored?.WrittenBy, result.Stored?.WrittenAt);
        }
        Version = result.Version;
    }

    private string Serialize()
    {
        try
        {
            return _persistence.Serializer.SerializeValue(State, typeof(TState));
        }
        catch (NotSupportedException e)
        {
            throw new InvalidOperationException(
                $"{Id} cannot be stored: a {typeof(TState).FullName} cannot be serialized ({e.Message}). Nothing was written. " +
                "Persistent state must be data: records or classes with public properties (or fields), collections, primitives, pids.", e);
        }
    }

    private TState Deserialize(string payload, long version)
    {
        try
        {
            return (TState)_persistence.Serializer.DeserializeValue(payload, typeof(TState))!;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException(
                $"{Id} (version {version}) cannot be read as a {typeof(TState).FullName}: {e.Message} " +
                "The stored JSON does not fit the state type: it was changed incompatibly (a member's type changed), or the record was edited by hand.", e);
        }
    }

    private static Func<TState> InitialFactory()
    {
        var type = typeof(TState);
        if (type.IsValueType || type == typeof(string) || type.IsAbstract || type.IsInterface || type.GetConstructor(Type.EmptyTypes) is null)
        {
            return static () => default!;
        }
        return static () => Activator.CreateInstance<TState>();
    }
}
