namespace ProcessGrid;

/// <summary>
/// Cluster-wide names (Erlang's <c>global</c>): a name maps to one process anywhere in the cluster, with one owner at
/// any moment, even when nodes race for it or the network splits.
/// </summary>
/// <remarks>
/// <para>A claim is decided by the cluster's database (in a development cluster, by its seed node) and fenced by the
/// owner node's creation: a node declared dead loses its names, and only then can they be claimed again. A name is
/// also released when its process exits.</para>
/// <para>Lookups (<see cref="Whereis"/>, <see cref="Send"/>) answer from a local copy kept current by change
/// notifications, in well under a microsecond. A node cut off from the majority of its cluster stops resolving names
/// (lookups answer null) before the others can declare it dead and hand its names on, so two processes never answer
/// for one name at the same time.</para>
/// </remarks>
public interface IGlobalRegistry
{
    /// <summary>
    /// Registers <paramref name="pid"/> (a live process of this node) as <paramref name="name"/> cluster-wide (Erlang's
    /// <c>global:register_name/2,3</c>). True when it now holds the name; false when another live process holds it.
    /// </summary>
    /// <param name="name">The name.</param>
    /// <param name="pid">A live process of this node (spawned, not virtual).</param>
    /// <param name="resolve">
    /// Decides when two claims meet: this one and one it could not have known about (made at the same time on another
    /// node). Null: the earlier claim keeps the name and this one gets false, as when the name was known to be taken.
    /// </param>
    /// <exception cref="GlobalRegistryUnavailableException">The claim cannot be decided now (the database, or a development
    /// cluster's seed, unreachable, or this node cut off from the majority of its cluster); nothing was registered.</exception>
    ValueTask<bool> Register(string name, Pid pid, GlobalResolve? resolve = null);

    /// <summary>Removes the name, whoever holds it (Erlang's <c>global:unregister_name/1</c>). False when it was not registered.</summary>
    /// <exception cref="GlobalRegistryUnavailableException">The database (or a development cluster's seed) cannot be reached; nothing changed.</exception>
    ValueTask<bool> Unregister(string name);

    /// <summary>The process registered as <paramref name="name"/>, or null (Erlang's <c>global:whereis_name/1</c>).</summary>
    Pid? Whereis(string name);

    /// <summary>All registered names (Erlang's <c>global:registered_names/0</c>).</summary>
    IReadOnlyList<string> Registered();

    /// <summary>Sends <paramref name="message"/> to the process registered as <paramref name="name"/> (Erlang's <c>global:send/2</c>).</summary>
    /// <exception cref="NameNotRegisteredException">No process holds the name (here, as far as this node can tell).</exception>
    void Send(string name, object message);

    /// <summary>Calls the process registered as <paramref name="name"/> (<c>gen_server:call({global, Name}, Request)</c>).</summary>
    /// <exception cref="CallException">No process holds the name (<c>noproc</c>), or the call failed.</exception>
    ValueTask<TReply> Call<TReply>(string name, object request, TimeSpan? timeout = null);

    /// <summary>
    /// Takes the cluster-wide lock on <paramref name="resource"/> for <paramref name="holder"/> (a live process of this
    /// node), waiting up to <paramref name="timeout"/> (Erlang's <c>global:set_lock/3</c>). The lock is held until
    /// released, or until the holder exits or its node dies. A holder that asks again for a lock it holds gets it at once; as in Erlang the lock is not counted, so releasing any of its handles releases it.
    /// </summary>
    /// <returns>The held lock (release it with <see cref="GlobalLock.DisposeAsync"/>), or null when the deadline passed first.</returns>
    ValueTask<GlobalLock?> Lock(string resource, Pid holder, TimeSpan timeout);

    /// <summary>
    /// Runs <paramref name="body"/> while holding the lock on <paramref name="resource"/> (Erlang's <c>global:trans/4</c>),
    /// releasing it afterwards whatever happens.
    /// </summary>
    /// <exception cref="TimeoutException">The lock could not be taken within <paramref name="timeout"/>; the body did not run.</exception>
    Task<T> Transaction<T>(string resource, Pid holder, Func<Task<T>> body, TimeSpan timeout);

    /// <summary>
    /// Registers a resolve function under <paramref name="name"/> on this node, for <see cref="GlobalResolve.Named"/>.
    /// Functions cannot travel: register the same function on every node that may decide a conflict.
    /// </summary>
    void AddResolver(string name, Func<string, Pid, Pid, Pid?> resolve);
}
