namespace ProcessGrid;

/// <summary>
/// The persistent state of a virtual process (Orleans' <c>IPersistentState</c>): loaded before the process's
/// <see cref="GenServer.InitAsync"/>, written when the process asks, and guarded by a version, so that a copy that
/// another activation has overtaken never overwrites the newer state.
/// </summary>
/// <remarks>
/// <para>A virtual process asks for its state in its constructor; the runtime builds one per activation, for the
/// activation's key, and loads it before the process handles anything:</para>
/// <code>
/// [VirtualProcess(Kind = "account")]
/// public sealed class Account(IPersistentState&lt;Balance&gt; balance) : GenServer
/// {
///     protected override async ValueTask&lt;object?&gt; HandleCallAsync(object request, CallFrom from)
///     {
///         balance.State.Amount += ((Deposit)request).Amount;
///         await balance.WriteStateAsync();
///         return balance.State.Amount;
///     }
/// }
/// </code>
/// <para>Where it is kept: in PostgreSQL when the node has a database (<c>ProcessGrid:Cluster:Database</c>, or
/// <c>ProcessGrid:Persistence:Database</c>), so it survives the node; otherwise in the node's memory, which the node
/// says in its log. <c>ProcessGrid:Persistence:Store</c> chooses explicitly.</para>
/// <para>The version: every successful write or clear moves <see cref="Version"/> by one. A write or clear succeeds only
/// if the stored version is still the one this activation last read or wrote; otherwise it throws
/// <see cref="StateConflictException"/> and writes nothing. That happens when another activation of the same key wrote
/// meanwhile, such as the new activation after a failover while the old one, on a node that did not yet know it was
/// declared dead, still runs. Letting the exception end the process is usually right: the caller gets the error, and the
/// next message activates the key again with the current state.</para>
/// <para>A store that cannot be reached makes the operation throw <see cref="StateUnavailableException"/>; the node
/// goes on. If the first load fails, the activation does not start and the message that activated it fails with that
/// reason; the next message tries again.</para>
/// <para>The state type is stored as JSON with the same rules as messages between nodes: public properties and fields,
/// records, collections, pids. A member added later reads as its default from older records.</para>
/// </remarks>
/// <typeparam name="TState">
/// The state's type. When no record exists, <see cref="State"/> is a new instance made with its public parameterless
/// constructor, or <c>default</c> for a type without one (a positional record, <c>string</c>): declare such a state
/// nullable (<c>IPersistentState&lt;Entry?&gt;</c>).
/// </typeparam>
public interface IPersistentState<TState>
{
    /// <summary>The state as this activation holds it; changes are stored by <see cref="WriteStateAsync"/>.</summary>
    TState State { get; set; }

    /// <summary>
    /// The stored version this activation holds: 0 when nothing was ever stored for the key, otherwise the number of
    /// successful writes and clears of it so far (Orleans' ETag).
    /// </summary>
    long Version { get; }

    /// <summary>True when a stored record backs <see cref="State"/> (it was written and not cleared since).</summary>
    bool RecordExists { get; }

    /// <summary>Reads the stored state again, replacing <see cref="State"/>, <see cref="Version"/> and <see cref="RecordExists"/>.</summary>
    /// <exception cref="StateUnavailableException">The store could not be reached; nothing changed.</exception>
    /// <exception cref="System.IO.InvalidDataException">The stored record cannot be read as <typeparamref name="TState"/>.</exception>
    ValueTask ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores <see cref="State"/> if the stored version is still <see cref="Version"/>, and moves <see cref="Version"/> on.</summary>
    /// <exception cref="StateConflictException">Another activation wrote since this one read: nothing was written.</exception>
    /// <exception cref="StateUnavailableException">The store could not be reached; the message says whether the write may have happened.</exception>
    /// <exception cref="InvalidOperationException">The state cannot be serialized (it holds a delegate, say); nothing was written.</exception>
    ValueTask WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Clears the stored state if the stored version is still <see cref="Version"/>: afterwards <see cref="RecordExists"/>
    /// is false, <see cref="State"/> is back to its initial value, and <see cref="Version"/> has moved on (a cleared
    /// record keeps its version, so that a stale activation cannot write over the clear either).
    /// </summary>
    /// <exception cref="StateConflictException">Another activation wrote since this one read: nothing was cleared.</exception>
    /// <exception cref="StateUnavailableException">The store could not be reached; the message says whether the clear may have happened.</exception>
    ValueTask ClearStateAsync(CancellationToken cancellationToken = default);
}
